"""regression/01_linear_regression_scratch.py: linear regression from scratch (线性回归的从零开始实现).

You will build every piece of a learning algorithm by hand on a problem whose answer is known: data
drawn from y = 2*x1 - 3.4*x2 + 4.2 + noise, a data iterator that hands out shuffled mini-batches
(小批量), the model X @ w + b, the squared loss, and mini-batch stochastic gradient descent that
updates w and b under torch.no_grad(). Only autograd comes from PyTorch: no nn, no optim. Then you
check the answer against the analytical solution (解析解) of least squares, torch.linalg.lstsq: gradient
descent is a numerical solution (数值解) that should land on the same w and b.

Notes: 000 tensorTest2 (D2L 3.2, linear regression from scratch) and D2L 3.1 (analytical vs numerical
solution); 003 chapter 2 (fitting a and b by hand; its a.data.add_(...) updates are replaced by
torch.no_grad(), and .grad.data.zero_() by .grad.zero_()).
Run:    python regression/01_linear_regression_scratch.py [--epochs 3] [--lr 0.03] [--batch-size 10]
Prints: the loss after each epoch, the learned w and b next to the true ones and the closed-form ones.
Saves:  outputs/regression/01_linear_regression_scratch/{metrics.json, training.png}
Expect: after 3 epochs w is about [2.000, -3.400] and b about 4.200 (errors below 0.01), matching the
closed-form least-squares answer to about 1e-3; a second or so on a CPU.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch

import lessonkit as lk

TRUE_W = torch.tensor([2.0, -3.4])
TRUE_B = 4.2
NOISE_STD = 0.01


def synthetic_data(w: torch.Tensor, b: float, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """X ~ N(0, 1) of shape (n, len(w)); y = X @ w + b + N(0, 0.01^2) of shape (n, 1)."""
    x = torch.randn(n, len(w), generator=generator)
    y = x @ w + b + NOISE_STD * torch.randn(n, generator=generator)
    return x, y.reshape(-1, 1)  # a column, so that y and the model's output have the same shape


def data_iter(batch_size: int, x: torch.Tensor, y: torch.Tensor, generator: torch.Generator):
    """Yield (x, y) mini-batches in a new random order each call: what a DataLoader does for us later."""
    order = torch.randperm(len(x), generator=generator).to(x.device)
    for start in range(0, len(x), batch_size):
        index = order[start:start + batch_size]   # the last batch may be smaller
        yield x[index], y[index]


def linreg(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The model: (batch, 2) @ (2, 1) + (1,) -> (batch, 1); b is broadcast (广播) to every row."""
    return x @ w + b


def squared_loss(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Half the squared error of each example, shape (batch, 1); the 1/2 makes the gradient y_hat - y."""
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params: list[torch.Tensor], lr: float, batch_size: int) -> None:
    """One mini-batch SGD step on a loss that was summed over the batch.

    The update must not itself be recorded by autograd, hence torch.no_grad(); the note's
    param.data.add_(...) did the same thing by going around autograd, which is no longer the way.
    Gradients add up across backward() calls, so each one is cleared after it is used.
    """
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size   # divide: the loss was a sum, not a mean
            param.grad.zero_()


def train_scratch(x: torch.Tensor, y: torch.Tensor, *, lr: float, batch_size: int, epochs: int,
                  generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, list[float]]:
    """Fit w (2, 1) and b (1,) by mini-batch SGD on x's device.

    Returns w and b (on the CPU), the path of (w1, w2, b) after every step (steps, 3), and the training
    loss after every epoch.
    """
    w = torch.normal(0.0, 0.01, size=(x.shape[1], 1), generator=generator).to(x.device).requires_grad_()
    b = torch.zeros(1, device=x.device, requires_grad=True)
    path, epoch_losses = [], []
    for epoch in range(1, epochs + 1):
        for xb, yb in data_iter(batch_size, x, y, generator):
            loss = squared_loss(linreg(xb, w, b), yb).sum()   # a scalar: backward() needs one
            loss.backward()                                    # fills w.grad and b.grad
            sgd([w, b], lr, len(xb))
            # kept on the device: reading a number out (.item()) every step would make a GPU wait each time
            path.append(torch.cat([w.detach().flatten(), b.detach()]))
        with torch.no_grad():
            train_loss = squared_loss(linreg(x, w, b), y).mean()
        lk.check_finite(train_loss, f"epoch {epoch}")          # a NaN in any step leaves NaN weights
        epoch_losses.append(train_loss.item())                 # one .item() per epoch
        print(f"epoch {epoch}/{epochs}  loss {epoch_losses[-1]:.6f}  w [{w[0, 0].item():.4f}, "
              f"{w[1, 0].item():.4f}]  b {b.item():.4f}")
    return w.detach().cpu(), b.detach().cpu(), torch.stack(path).cpu(), epoch_losses


def closed_form(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Least squares in one step: append a column of ones for b and solve min ||[X 1] theta - y||."""
    design = torch.cat([x, torch.ones(len(x), 1)], dim=1)     # (n, 3)
    theta = torch.linalg.lstsq(design.double(), y.double()).solution.float()  # (3, 1); float64 for accuracy
    return theta[:-1], theta[-1]


def plot_training(path_wb: torch.Tensor, x, y, w, b, path, show: bool) -> None:
    steps = range(1, len(path_wb) + 1)
    fig, (ax_params, ax_data) = plt.subplots(1, 2, figsize=(11, 4))
    for column, (key, true, color) in enumerate((("w1", TRUE_W[0].item(), "tab:blue"),
                                                 ("w2", TRUE_W[1].item(), "tab:orange"),
                                                 ("b", TRUE_B, "tab:green"))):
        ax_params.plot(steps, path_wb[:, column].numpy(), color=color, label=f"{key} (true {true:g})")
        ax_params.axhline(true, color=color, linestyle=":", linewidth=1)
    ax_params.set(xlabel="SGD step", ylabel="parameter value", title="Parameters move to the true values")
    ax_params.legend()
    # One slice of the data: y against x2 (x1 adds scatter around the line), with the fitted plane's
    # line at x1 = 0.
    ax_data.scatter(x[:, 1].numpy(), y[:, 0].numpy(), s=4, alpha=0.4, label="data")
    grid = torch.linspace(x[:, 1].min().item(), x[:, 1].max().item(), 50)
    ax_data.plot(grid.numpy(), (w[1, 0] * grid + b).numpy(), color="tab:red", label="fit at x1 = 0")
    ax_data.set(xlabel="x2", ylabel="y", title="The data against x2")
    ax_data.legend()
    for ax in (ax_params, ax_data):
        ax.grid(alpha=0.3)
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=3, batch_size=10, lr=0.03)
    parser.add_argument("--examples", type=lk.positive_int, default=1000,
                        help="how many synthetic examples to draw (default: 1000)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)
    generator = torch.Generator().manual_seed(args.seed)

    x, y = synthetic_data(TRUE_W, TRUE_B, args.examples, generator)   # (n, 2), (n, 1)
    print(f"data: X {tuple(x.shape)}, y {tuple(y.shape)}; first example x={[round(v, 3) for v in x[0].tolist()]}, "
          f"y={y[0].item():.3f}")

    w, b, path_wb, epoch_losses = train_scratch(x.to(run.device), y.to(run.device), lr=args.lr,
                                                batch_size=args.batch_size, epochs=args.epochs, generator=generator)
    w_exact, b_exact = closed_form(x, y)

    w_error = (w.flatten() - TRUE_W).abs().max().item()
    b_error = abs(b.item() - TRUE_B)
    gap = max((w - w_exact).abs().max().item(), abs(b.item() - b_exact.item()))
    print(f"\n{'':>12} {'w1':>8} {'w2':>8} {'b':>8}")
    for name, (ww, bb) in {"true": (TRUE_W.reshape(-1, 1), TRUE_B), "SGD": (w, b.item()),
                           "closed form": (w_exact, b_exact.item())}.items():
        print(f"{name:>12} {ww[0, 0].item():8.4f} {ww[1, 0].item():8.4f} {bb:8.4f}")
    print(f"largest error against the truth: w {w_error:.4f}, b {b_error:.4f}; "
          f"largest gap between SGD and closed form: {gap:.4f}")

    plot_training(path_wb, x, y, w, b, run.out / "training.png", args.show)
    return run.finish({
        "w": w.flatten().tolist(),
        "b": b.item(),
        "w_closed_form": w_exact.flatten().tolist(),
        "b_closed_form": b_exact.item(),
        "w_error": w_error,
        "b_error": b_error,
        "gap_to_closed_form": gap,
        "final_train_loss": epoch_losses[-1],
        "epochs": args.epochs,
    })


if __name__ == "__main__":
    main()
