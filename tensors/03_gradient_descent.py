"""tensors/03_gradient_descent.py: the linear model y = w x, its loss, and gradient descent (梯度下降) three ways.

You will tabulate and plot the mean squared error (MSE, 均方误差) of y_hat = w x over w for 001's
data (x = 1, 2, 3, y = 2x), then find w by gradient descent with the gradient written by hand, in its
three flavours: batch (all examples per step), stochastic (随机梯度下降, one example per step) and
mini-batch (a few per step); then let autograd compute the same gradient and check that nothing
changed; and finally apply the chain rule (链式法则) by hand, backpropagation (反向传播), to 002's
two-layer example and to a small two-layer network, checking each gradient against autograd.

Notes: 001 lectures 2 (linear model, MSE over w), 3 (gradient descent, SGD, mini-batch) and 4
(backpropagation, computation graph, zeroing .grad); 002 链式法则 and 多层网络求导.
Run:    python tensors/03_gradient_descent.py [--lr 0.01] [--epochs 100] [--batch-size 2]
Prints: the MSE table over w; the loss of each gradient-descent variant every few epochs; the final
        w of each; hand-written vs autograd gradients with their largest difference.
Saves:  outputs/tensors/03_gradient_descent/{metrics.json, mse_vs_w.png, gd_variants.png}
Expect: MSE 18.67, 4.67, 0, 4.67, 18.67 at w = 0..4; every variant ends near w = 2 (batch GD at
        1.99994 after 100 epochs, SGD closer); hand-written and autograd gradients agree to ~1e-16.
"""

from __future__ import annotations

from fractions import Fraction

import matplotlib.pyplot as plt
import torch

import lessonkit as lk

# 001 lecture 2's data set: three points on y = 2x. float64 so hand and autograd results can be
# compared to many digits.
X_DATA = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
Y_DATA = torch.tensor([2.0, 4.0, 6.0], dtype=torch.float64)


# --- 001 lecture 2: the linear model and its loss -------------------------------------------------

def forward(x: torch.Tensor, w) -> torch.Tensor:
    """The model y_hat = w x (no bias, as in 001)."""
    return x * w


def mse(w, x: torch.Tensor = X_DATA, y: torch.Tensor = Y_DATA) -> torch.Tensor:
    """Mean squared error (1/N) sum (w x_n - y_n)^2: the cost (代价函数) of one value of w."""
    return ((forward(x, w) - y) ** 2).mean()


def mse_exact(w: int, xs=(1, 2, 3), ys=(2, 4, 6)) -> Fraction:
    """The same MSE in exact fractions, to see that 18.67 is 56/3."""
    return sum((Fraction(w * x) - y) ** 2 for x, y in zip(xs, ys)) / len(xs)


def mse_table(ws) -> list[tuple[float, float]]:
    return [(float(w), mse(w).item()) for w in ws]


# --- 001 lecture 3: gradient descent with the gradient by hand ------------------------------------

def mse_grad(w, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """d MSE / dw = (1/N) sum 2 x_n (w x_n - y_n), derived by hand."""
    return (2 * x * (forward(x, w) - y)).mean()


def gradient_descent(x, y, *, w0: float, lr: float, epochs: int, batch_size: int,
                     seed: int = 0) -> dict[str, list[float]]:
    """Gradient descent with the hand-written gradient; the batch size picks the flavour.

    batch_size = N: batch GD, one exact step per epoch (all examples can be computed in parallel).
    batch_size = 1: stochastic GD, N noisy steps per epoch (001: its noise helps to leave saddle points).
    in between:    mini-batch GD, the compromise every real training loop uses.
    Returns the full-data loss after each epoch (entry 0 is before training) and w after each step.
    """
    order = torch.Generator().manual_seed(seed)  # the same seed gives the same shuffles
    w = w0
    losses, ws = [mse(w, x, y).item()], [w]
    for _ in range(epochs):
        for xb, yb in lk.batches(x, y, batch_size, shuffle=True, generator=order):
            w = w - lr * mse_grad(w, xb, yb).item()   # the update rule w <- w - lr * dloss/dw
            ws.append(w)
        losses.append(mse(w, x, y).item())
    return {"loss": losses, "w": ws}


# --- the same loop with autograd computing the gradient --------------------------------------------

def gradient_descent_autograd(x, y, *, w0: float, lr: float, epochs: int, batch_size: int,
                              seed: int = 0) -> dict[str, list[float]]:
    """gradient_descent() again, but backward() finds dloss/dw: same shuffles, so the same numbers."""
    order = torch.Generator().manual_seed(seed)
    w = torch.tensor(w0, dtype=x.dtype, requires_grad=True)
    losses, ws = [mse(w, x, y).item()], [w.item()]
    for _ in range(epochs):
        for xb, yb in lk.batches(x, y, batch_size, shuffle=True, generator=order):
            loss = mse(w, xb, yb)
            loss.backward()                      # w.grad = dloss/dw
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
    w1 = torch.tensor(w1, dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor(w2, dtype=torch.float64, requires_grad=True)
    y1 = x * w1 + b1
    y2 = y1 * w2 + b2
    # Each local derivative from autograd, multiplied by hand as in 002. retain_graph=True keeps the
    # graph alive: without it the first call frees the buffers the later calls need.
    (dy2_dy1,) = torch.autograd.grad(y2, y1, retain_graph=True)
    (dy1_dw1,) = torch.autograd.grad(y1, w1, retain_graph=True)
    (dy2_dw1,) = torch.autograd.grad(y2, w1)      # autograd does the whole chain itself
    return {
        "by_hand": (w2 * x).item(),               # the formula, no autograd at all
        "local_product": (dy2_dy1 * dy1_dw1).item(),
        "autograd": dy2_dw1.item(),
    }


def init_two_layer(d_in: int, hidden: int, seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return {
        "w1": torch.randn(d_in, hidden, generator=g, dtype=torch.float64),
        "b1": torch.randn(hidden, generator=g, dtype=torch.float64),
        "w2": torch.randn(hidden, 1, generator=g, dtype=torch.float64),
        "b2": torch.randn(1, generator=g, dtype=torch.float64),
    }


def two_layer_forward(p: dict[str, torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """x (N, D) -> z = x w1 + b1 (N, H) -> h = sigmoid(z) (N, H) -> y_hat = h w2 + b2 (N, 1)."""
    z = x @ p["w1"] + p["b1"]
    h = torch.sigmoid(z)
    y_hat = h @ p["w2"] + p["b2"]
    return z, h, y_hat


def two_layer_backward_by_hand(p, x, y) -> dict[str, torch.Tensor]:
    """Backpropagation written out: walk the graph from the loss back to each parameter.

    loss = mean((y_hat - y)^2) over N rows. Each line is one chain-rule step: the gradient arriving
    from above times the local derivative of that node.
    """
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


# --- figures ------------------------------------------------------------------------------------

def plot_mse(ws_fine, losses_fine, table, path, show: bool) -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(ws_fine, losses_fine, label="MSE(w) = (w - 2)² · 14/3")
    tw, tl = zip(*table)
    ax.plot(tw, tl, "o", color="tab:red", label="the table's points")
    for w, loss in table:
        ax.annotate(f"{loss:.2f}", (w, loss), textcoords="offset points", xytext=(0, 8), ha="center")
    ax.set(xlabel="w", ylabel="MSE", title="Loss of y_hat = w x on x = 1, 2, 3, y = 2x")
    ax.set_ylim(-1, max(tl) * 1.25)  # room for the labels above the end points
    ax.legend(loc="upper center")
    ax.grid(alpha=0.3)
    lk.save_figure(fig, path, show=show)


def plot_variants(results: dict[str, dict], path, show: bool) -> None:
    fig, (ax_loss, ax_w) = plt.subplots(1, 2, figsize=(11, 4))
    for name, r in results.items():
        ax_loss.plot(range(len(r["loss"])), [max(v, 1e-30) for v in r["loss"]], label=name)
        ax_w.plot(range(len(r["w"])), r["w"], label=name)
    ax_loss.set(xlabel="epoch", ylabel="MSE on all 3 points", yscale="log", title="Loss per epoch")
    ax_w.axhline(2.0, color="gray", lw=0.8, ls="--")
    # per update the three move alike; per epoch SGD makes N updates to batch GD's one
    ax_w.set_xlim(0, 60)
    ax_w.set(xlabel="update step", ylabel="w", title="w after each of the first 60 updates (true w = 2)")
    for ax in (ax_loss, ax_w):
        ax.legend()
        ax.grid(alpha=0.3)
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=100, batch_size=2, lr=0.01)
    parser.add_argument("--w0", type=float, default=1.0, help="starting value of w (default: 1.0, as in 001)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)
    if args.quick:
        args.epochs = min(args.epochs, 20)

    # --- 001 lecture 2: the loss over w ---
    table = mse_table(range(5))
    print("\n   w    MSE   exact")
    for w, loss in table:
        print(f"{w:4.1f}  {loss:5.2f}   {mse_exact(int(w))}")
    ws_fine = torch.linspace(0, 4, 81, dtype=torch.float64)
    plot_mse(ws_fine.numpy(), [mse(w).item() for w in ws_fine], table, run.out / "mse_vs_w.png", args.show)

    # --- 001 lecture 3: three flavours of gradient descent, gradient by hand ---
    n = len(X_DATA)
    variants = {"batch GD (3 per step)": n, "stochastic GD (1 per step)": 1,
                f"mini-batch GD ({args.batch_size} per step)": min(args.batch_size, n)}
    results = {}
    # Per epoch SGD looks fastest here because it makes 3 updates for batch GD's 1; on a big data
    # set each of its updates is cheap but they cannot run in parallel (001 lecture 3).
    for name, bs in variants.items():
        results[name] = gradient_descent(X_DATA, Y_DATA, w0=args.w0, lr=args.lr, epochs=args.epochs,
                                         batch_size=bs, seed=args.seed)
    print(f"\ngradient descent from w = {args.w0}, lr {args.lr}, {args.epochs} epochs (MSE on all data):")
    every = max(1, args.epochs // 5)
    for epoch in range(0, args.epochs + 1, every):
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
    by_hand = two_layer_backward_by_hand(params, x, y)
    by_autograd = two_layer_backward_autograd(params, x, y)
    backprop_diff = max((by_hand[k] - by_autograd[k]).abs().max().item() for k in params)
    print("two-layer network 3 -> 4 (sigmoid) -> 1, MSE on 8 random rows: gradients by hand vs autograd")
    for k in params:
        print(f"  d loss/d {k:2s} {str(tuple(params[k].shape)):7s} max |difference| = "
              f"{(by_hand[k] - by_autograd[k]).abs().max().item():.1e}")

    batch, stochastic = results["batch GD (3 per step)"], results["stochastic GD (1 per step)"]
    return run.finish({
        "mse_table": {f"w={w:g}": round(loss, 4) for w, loss in table},
        "final_w_batch_gd": batch["w"][-1],
        "final_w_sgd": stochastic["w"][-1],
        "final_w_minibatch_gd": hand["w"][-1],
        "final_loss_batch_gd": batch["loss"][-1],
        "autograd_vs_hand_gd_max_diff": gd_diff,
        "chain_rule_dy2_dw1": chain["autograd"],
        "backprop_max_diff": backprop_diff,
    })


if __name__ == "__main__":
    main()
