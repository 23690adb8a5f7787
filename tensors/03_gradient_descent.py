"""tensors/03_gradient_descent.py: the linear model, its cost, and gradient descent (梯度下降) three ways.

You will tabulate the mean squared error (MSE, 均方误差) of y_hat = w x over w for 001's data
(x = 1, 2, 3, y = 2x) and draw the cost of y_hat = w x + b over both parameters as a 3-D surface and
as contours; then find w by gradient descent with the gradient written by hand, in its three flavours:
batch (all examples per step), stochastic (随机梯度下降, one example per step) and mini-batch (a few
per step, cut from a new random order of the examples every epoch); then let autograd compute the
same gradient and check that nothing changed; and finally apply the chain rule (链式法则) by hand,
backpropagation (反向传播), to 002's two-layer example and to a small two-layer network.

Notes: 001 lectures 2 (linear model, MSE over w, the cost over w and b), 3 (gradient descent, SGD,
mini-batch) and 4 (backpropagation, computation graph, zeroing .grad); 002 链式法则 and 多层网络求导.
Run:    python tensors/03_gradient_descent.py [--lr 0.01] [--epochs 100] [--batch-size 2]
Prints: the MSE table over w; the lowest cost on the (w, b) grid; the loss of each gradient-descent
        variant every few epochs and its final w; hand-written vs autograd gradients.
Saves:  outputs/tensors/03_gradient_descent/{metrics.json, cost.png, gd_variants.png}
Expect: MSE 18.67, 4.67, 0, 4.67, 18.67 at w = 0..4; the (w, b) grid's lowest cost is 0 at w = 2,
        b = 0; every variant ends near w = 2 (batch GD at 1.99994 after 100 epochs, SGD and mini-batch
        closer); hand-written and autograd gradients agree to rounding (below 1e-15).
"""

from __future__ import annotations

from fractions import Fraction

import matplotlib.pyplot as plt
import numpy as np
import torch

import lessonkit as lk

# 001 lecture 2's data set: three points on y = 2x. float64 so hand and autograd results can be
# compared to many digits.
X_DATA = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
Y_DATA = torch.tensor([2.0, 4.0, 6.0], dtype=torch.float64)


# --- 001 lecture 2: the linear model and its cost -----------------------------------------------

def mse(w, x: torch.Tensor = X_DATA, y: torch.Tensor = Y_DATA) -> torch.Tensor:
    """The cost (代价函数) of one value of w for the model y_hat = w x: (1/N) sum (w x_n - y_n)^2."""
    return ((x * w - y) ** 2).mean()


def mse_exact(w: int, xs=(1, 2, 3), ys=(2, 4, 6)) -> Fraction:
    """The same MSE in exact fractions, to see that 18.67 is 56/3."""
    return sum((Fraction(w * x) - y) ** 2 for x, y in zip(xs, ys)) / len(xs)


def mse_table(ws) -> list[tuple[float, float]]:
    return [(float(w), mse(w).item()) for w in ws]


def cost_grid(ws: torch.Tensor, bs: torch.Tensor, x=X_DATA, y=Y_DATA) -> torch.Tensor:
    """MSE of y_hat = w x + b at every (w, b) of a grid, all at once by broadcasting: (len(bs), len(ws))."""
    w = ws.view(1, -1, 1)                     # (1, W, 1)
    b = bs.view(-1, 1, 1)                     # (B, 1, 1)
    y_hat = w * x + b                         # (B, W, N): every model's prediction of every point
    return ((y_hat - y) ** 2).mean(dim=-1)    # (B, W): row = one b, column = one w


# --- 001 lecture 3: gradient descent with the gradient by hand ------------------------------------

def mse_grad(w, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """d MSE / dw = (1/N) sum 2 x_n (w x_n - y_n), derived by hand."""
    return (2 * x * (x * w - y)).mean()


def shuffled_batches(n: int, batch_size: int, generator: torch.Generator) -> tuple[torch.Tensor, ...]:
    """One epoch of mini-batches, as index tensors: a random order of 0..n-1 cut into runs of batch_size.

    Each example once per epoch, in a new order each epoch (the last batch is shorter when batch_size
    does not divide n); the generator makes the order repeatable: same seed, same batches."""
    order = torch.randperm(n, generator=generator)   # a permutation, e.g. tensor([2, 0, 1])
    return order.split(batch_size)                   # batch_size 2: (tensor([2, 0]), tensor([1]))


def gradient_descent(x, y, *, w0: float, lr: float, epochs: int, batch_size: int,
                     seed: int = 0) -> dict[str, list[float]]:
    """Gradient descent with the hand-written gradient; the batch size picks the flavour.

    batch_size = N: batch GD, one exact step per epoch (all examples can be computed in parallel).
    batch_size = 1: stochastic GD, N noisy steps per epoch (001: its noise helps to leave saddle points).
    in between:    mini-batch GD, the compromise every real training loop uses.
    Returns the full-data loss after each epoch (entry 0 is before training) and w after each step.
    """
    order = torch.Generator().manual_seed(seed)
    w = w0
    losses, ws = [mse(w, x, y).item()], [w]
    for _ in range(epochs):
        for idx in shuffled_batches(len(x), batch_size, order):
            w = w - lr * mse_grad(w, x[idx], y[idx]).item()   # the update rule w <- w - lr * dloss/dw
            ws.append(w)
        losses.append(mse(w, x, y).item())
    return {"loss": losses, "w": ws}


def gradient_descent_autograd(x, y, *, w0: float, lr: float, epochs: int, batch_size: int,
                              seed: int = 0) -> dict[str, list[float]]:
    """gradient_descent() again, but backward() finds dloss/dw: same shuffles, so the same numbers."""
    order = torch.Generator().manual_seed(seed)
    w = torch.tensor(w0, dtype=x.dtype, requires_grad=True)
    losses, ws = [mse(w, x, y).item()], [w.item()]
    for _ in range(epochs):
        for idx in shuffled_batches(len(x), batch_size, order):
            mse(w, x[idx], y[idx]).backward()    # w.grad = dloss/dw
            with torch.no_grad():                # 003/001 write w.data -= ...; no_grad is the current way
                w -= lr * w.grad
            w.grad.zero_()                       # otherwise the next backward() adds to it
            ws.append(w.item())
        with torch.no_grad():
            losses.append(mse(w, x, y).item())
    return {"loss": losses, "w": ws}


# --- 001 lecture 4 / 002: the chain rule and backpropagation by hand --------------------------------

def chain_rule_002(x=1.0, w1=2.0, b1=1.0, w2=2.0, b2=1.0) -> dict[str, float]:
    """002's example: y1 = x w1 + b1, y2 = y1 w2 + b2. By the chain rule dy2/dw1 = dy2/dy1 * dy1/dw1 = w2 x."""
    x, b1, b2 = (torch.tensor(v, dtype=torch.float64) for v in (x, b1, b2))
    w1, w2 = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (w1, w2))
    y1 = x * w1 + b1
    y2 = y1 * w2 + b2
    # local derivatives from autograd, multiplied by hand as in 002 (retain_graph: later calls reuse the graph)
    (dy2_dy1,) = torch.autograd.grad(y2, y1, retain_graph=True)
    (dy1_dw1,) = torch.autograd.grad(y1, w1, retain_graph=True)
    (dy2_dw1,) = torch.autograd.grad(y2, w1)      # autograd does the whole chain itself
    return {"by_hand": (w2 * x).item(), "local_product": (dy2_dy1 * dy1_dw1).item(), "autograd": dy2_dw1.item()}


def init_two_layer(d_in: int, hidden: int, seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    shapes = {"w1": (d_in, hidden), "b1": (hidden,), "w2": (hidden, 1), "b2": (1,)}
    return {k: torch.randn(s, generator=g, dtype=torch.float64) for k, s in shapes.items()}


def two_layer_forward(p: dict[str, torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """x (N, D) -> z = x w1 + b1 (N, H) -> h = sigmoid(z) (N, H) -> y_hat = h w2 + b2 (N, 1)."""
    z = x @ p["w1"] + p["b1"]
    h = torch.sigmoid(z)
    return z, h, h @ p["w2"] + p["b2"]


def two_layer_backward_by_hand(p, x, y) -> dict[str, torch.Tensor]:
    """Backpropagation written out for loss = mean((y_hat - y)^2) over N rows: each line is one
    chain-rule step, the gradient arriving from above times the local derivative of that node."""
    n = x.shape[0]
    z, h, y_hat = two_layer_forward(p, x)
    d_yhat = 2 * (y_hat - y) / n                 # (N, 1)  dloss/dy_hat
    d_w2 = h.T @ d_yhat                          # (H, 1)  y_hat = h w2 + b2
    d_b2 = d_yhat.sum(dim=0)                     # (1,)    b2 was broadcast over N rows, so sum
    d_h = d_yhat @ p["w2"].T                     # (N, H)
    d_z = d_h * h * (1 - h)                      # (N, H)  sigmoid'(z) = sigmoid(z) (1 - sigmoid(z))
    d_w1 = x.T @ d_z                             # (D, H)
    d_b1 = d_z.sum(dim=0)                        # (H,)
    return {"w1": d_w1, "b1": d_b1, "w2": d_w2, "b2": d_b2}


def two_layer_backward_autograd(p, x, y) -> dict[str, torch.Tensor]:
    leaves = {k: v.detach().clone().requires_grad_(True) for k, v in p.items()}
    _, _, y_hat = two_layer_forward(leaves, x)
    ((y_hat - y) ** 2).mean().backward()
    return {k: v.grad for k, v in leaves.items()}


def plot_cost(table, ws, bs, grid, best, path, show: bool) -> None:
    """MSE over w (the b = 0 slice), the cost over (w, b) as a 3-D surface, and as contours."""
    fig = plt.figure(figsize=(15, 4.3))
    ax = fig.add_subplot(1, 3, 1)
    ax.plot(ws, grid[np.argmin(np.abs(bs))], label="MSE(w) = (w - 2)² · 14/3")  # the row b = 0
    for w, loss in table:
        ax.plot(w, loss, "o", color="tab:red")
        ax.annotate(f"{loss:.2f}", (w, loss), textcoords="offset points", xytext=(0, 8), ha="center")
    ax.set(xlabel="w", ylabel="MSE", xlim=(-0.4, 4.4), ylim=(-1, 24), title="y_hat = w x: the cost over w")
    ax.legend(loc="upper center")
    gw, gb = np.meshgrid(ws, bs)                               # (B, W) each, like grid
    ax3d = fig.add_subplot(1, 3, 2, projection="3d")          # the current way to get 3-D axes
    ax3d.plot_surface(gw, gb, grid, cmap="viridis", alpha=0.85, linewidth=0)
    ax3d.scatter(*best, 0.0, color="red", s=60, depthshade=False, zorder=10)
    ax3d.view_init(elev=35, azim=-120)
    ax3d.set(xlabel="w", ylabel="b", title="y_hat = w x + b: the cost (MSE) over (w, b)")
    ax_c = fig.add_subplot(1, 3, 3)
    cs = ax_c.contour(gw, gb, grid, levels=[0.05, 0.2, 0.5, 1, 2, 5, 10, 20, 35], cmap="viridis")
    ax_c.clabel(cs, fontsize=7, fmt="%g")
    ax_c.plot(*best, "*", color="red", ms=14, label=f"lowest: w = {best[0]:g}, b = {best[1]:g}")
    ax_c.set(xlabel="w", ylabel="b", title="the same cost as contours: a long, narrow valley")
    ax_c.legend(loc="upper right")
    lk.save_figure(fig, path, show=show)


def plot_variants(results: dict[str, dict], path, show: bool) -> None:
    fig, (ax_loss, ax_w) = plt.subplots(1, 2, figsize=(11, 4))
    for name, r in results.items():
        ax_loss.plot([max(v, 1e-30) for v in r["loss"]], label=name)
        ax_w.plot(r["w"], label=name)
    ax_loss.set(xlabel="epoch", ylabel="MSE on all 3 points", yscale="log", title="Loss per epoch")
    ax_w.axhline(2.0, color="gray", lw=0.8, ls="--")
    ax_w.set(xlabel="update step", ylabel="w", xlim=(0, 60), title="w after each of the first 60 updates (true w = 2)")
    for ax in (ax_loss, ax_w):
        ax.legend()
        ax.grid(alpha=0.3)
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=100, batch_size=2, lr=0.01)
    parser.add_argument("--w0", type=float, default=1.0, help="starting value of w (default: 1.0, as in 001)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args, cpu_only="scalar-sized tensors: the ideas, not the speed")
    if args.quick:
        args.epochs = min(args.epochs, 20)

    # --- 001 lecture 2: the cost over w, then over (w, b) ---
    table = mse_table(range(5))
    print("\n   w    MSE   exact")
    for w, loss in table:
        print(f"{w:4.1f}  {loss:5.2f}   {mse_exact(int(w))}")
    ws = torch.arange(0, 41, dtype=torch.float64) / 10     # 0.0, 0.1, ..., 4.0 (exact at 2.0)
    bs = torch.arange(-20, 21, dtype=torch.float64) / 10   # -2.0, ..., 2.0
    grid = cost_grid(ws, bs)                               # (41, 41)
    row, col = divmod(grid.argmin().item(), len(ws))       # argmin indexes the flattened grid
    best = (ws[col].item(), bs[row].item())
    print(f"\ny_hat = w x + b on a {len(ws)} x {len(bs)} grid of (w, b): lowest cost {grid.min().item():.4f} at "
          f"w = {best[0]:g}, b = {best[1]:g}; along the valley w = 1.5, b = 1 costs only "
          f"{cost_grid(torch.tensor([1.5]), torch.tensor([1.0])).item():.3f}, less than w = 2, b = 1 "
          f"({cost_grid(torch.tensor([2.0]), torch.tensor([1.0])).item():.3f})")
    plot_cost(table, ws.numpy(), bs.numpy(), grid.numpy(), best, run.out / "cost.png", args.show)

    # --- 001 lecture 3: three flavours of gradient descent, gradient by hand ---
    n = len(X_DATA)
    variants = {"batch GD (3 per step)": n, "stochastic GD (1 per step)": 1,
                f"mini-batch GD ({args.batch_size} per step)": min(args.batch_size, n)}
    # Per epoch SGD looks fastest here because it makes 3 updates for batch GD's 1; on a big data
    # set each of its updates is cheap but they cannot run in parallel (001 lecture 3).
    results = {name: gradient_descent(X_DATA, Y_DATA, w0=args.w0, lr=args.lr, epochs=args.epochs,
                                      batch_size=size, seed=args.seed) for name, size in variants.items()}
    print(f"\ngradient descent from w = {args.w0}, lr {args.lr}, {args.epochs} epochs (MSE on all data):")
    for epoch in range(0, args.epochs + 1, max(1, args.epochs // 5)):
        print(f"epoch {epoch:4d}  " + "  ".join(f"{name.split(' (')[0]} {r['loss'][epoch]:.3e}"
                                               for name, r in results.items()))
    for name, r in results.items():
        lk.check_finite(torch.tensor(r["loss"][-1]), name)  # too large an --lr makes w blow up
        print(f"{name:28s} final w = {r['w'][-1]:.6f} after {len(r['w']) - 1} updates, "
              f"predicts y(4) = {4 * r['w'][-1]:.4f}")
    plot_variants(results, run.out / "gd_variants.png", args.show)

    # --- the same with autograd ---
    auto = gradient_descent_autograd(X_DATA, Y_DATA, w0=args.w0, lr=args.lr, epochs=args.epochs,
                                     batch_size=min(args.batch_size, n), seed=args.seed)
    hand = results[f"mini-batch GD ({args.batch_size} per step)"]
    gd_diff = max(abs(a - b) for a, b in zip(auto["w"], hand["w"]))
    print(f"\nmini-batch GD with autograd: final w = {auto['w'][-1]:.6f}; "
          f"largest difference from the hand-written gradient along the way: {gd_diff:.1e}")

    # --- 001 lecture 4 / 002: the chain rule ---
    chain = chain_rule_002()
    print(f"\n002's chain rule, y2 = (x w1 + b1) w2 + b2 at x=1, w1=2, b1=1, w2=2, b2=1: dy2/dw1 = "
          f"{chain['by_hand']} by hand, {chain['local_product']} as dy2/dy1 * dy1/dw1, {chain['autograd']} by autograd")
    g = torch.Generator().manual_seed(args.seed)
    x = torch.randn(8, 3, generator=g, dtype=torch.float64)   # (N=8, D=3)
    y = torch.randn(8, 1, generator=g, dtype=torch.float64)   # (8, 1)
    params = init_two_layer(3, 4, seed=args.seed)             # hidden H=4
    by_hand, by_autograd = two_layer_backward_by_hand(params, x, y), two_layer_backward_autograd(params, x, y)
    diffs = {k: (by_hand[k] - by_autograd[k]).abs().max().item() for k in params}
    print("two-layer network 3 -> 4 (sigmoid) -> 1, MSE on 8 random rows, gradients by hand vs autograd, "
          "max |difference|: " + ", ".join(f"d loss/d {k} {tuple(params[k].shape)} {d:.1e}" for k, d in diffs.items()))

    return run.finish({
        "mse_table": {f"w={w:g}": round(loss, 4) for w, loss in table},
        "cost_grid_min": grid.min().item(),
        "cost_grid_argmin_w_b": list(best),
        "final_w_batch_gd": results["batch GD (3 per step)"]["w"][-1],
        "final_w_sgd": results["stochastic GD (1 per step)"]["w"][-1],
        "final_w_minibatch_gd": hand["w"][-1],
        "final_loss_batch_gd": results["batch GD (3 per step)"]["loss"][-1],
        "autograd_vs_hand_gd_max_diff": gd_diff,
        "chain_rule_dy2_dw1": chain["autograd"],
        "backprop_max_diff": max(diffs.values()),
    })


if __name__ == "__main__":
    main()
