"""regression/03_curve_fitting_mlp.py: a small neural network learns a curved line (非线性回归).

A straight line cannot follow y = x^2, but a network with a hidden layer and a nonlinear activation
can: each ReLU unit contributes one bend, and together they trace the curve (the universal
approximation idea, 通用逼近定理). You will fit noisy samples of x^2 (or of a sine wave with
--target sine), watch the fit at several moments of training in a grid of snapshots, and measure
the error on fresh points against the noise-free curve: the training loss cannot go below the noise
variance (0.1^2 = 0.01), but the error against the true curve can.

Notes: 000 regression.py (a three-layer PyTorch network for regression; the note lists the script, not
its code). The widely copied version of this exercise fits y = x^2 on 100 points in [-1, 1], draws the
fit live with plt.ion(), and takes its noise from torch.rand, uniform in [0, 0.2], which lifts the whole
curve by 0.1. Here the noise is zero-mean Gaussian, the live drawing becomes a saved grid of snapshots,
and Adam replaces plain SGD so the sine target also trains in seconds. 003 chapter 3 (universal
approximation).
Run:    python regression/03_curve_fitting_mlp.py [--target sine] [--hidden 32] [--epochs 1000]
Prints: the training loss every 100 steps, then the train loss and the error against the true curve.
Saves:  outputs/regression/03_curve_fitting_mlp/{metrics.json, snapshots.png, loss.png}
Expect: x^2: train MSE about 0.009 (the noise level), error against the true curve below 0.002;
sine: the same after 1000 steps. A few seconds on a CPU.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import torch
from torch import nn

import lessonkit as lk

TARGETS = {
    "square": (lambda x: x ** 2, "y = x^2"),
    "sine": (lambda x: torch.sin(2 * math.pi * x), "y = sin(2 pi x)"),
}


class CurveNet(nn.Module):
    """1 -> hidden -> hidden -> 1 with ReLU: (batch, 1) -> (batch, 1). No activation on the output,
    because a regression output may be any real number."""

    def __init__(self, hidden: int = 32):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(1, hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def make_data(target: str, n: int, noise: float, generator: torch.Generator):
    """n evenly spaced x in [-1, 1] as a column (n, 1) and noisy y = f(x) + N(0, noise^2)."""
    f = TARGETS[target][0]
    x = torch.linspace(-1, 1, n).unsqueeze(1)          # (n,) -> (n, 1): nn.Linear wants features last
    y = f(x) + noise * torch.randn(x.shape, generator=generator)
    return x, y


def snapshot_steps(total: int, count: int = 8) -> list[int]:
    """Steps at which to draw the fit: 0, then roughly doubling, ending at the last step."""
    steps = sorted({0, total} | {round(total * 2.0 ** -k) for k in range(count - 1)})
    return steps[-count:] if len(steps) > count else steps


def plot_snapshots(x, y, truth, snapshots: dict[int, torch.Tensor], title: str, path, show: bool) -> None:
    cols = 4
    rows = math.ceil(len(snapshots) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.8 * rows), sharex=True, sharey=True,
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, (step, (fit, loss)) in zip(axes.flat, snapshots.items()):
        ax.axis("on")
        ax.scatter(x.numpy(), y.numpy(), s=5, color="tab:gray", alpha=0.5)
        ax.plot(x.numpy(), truth.numpy(), color="tab:green", linewidth=1, linestyle="--")
        ax.plot(x.numpy(), fit.numpy(), color="tab:red", linewidth=2)
        ax.set_title(f"step {step}: loss {loss:.4f}", fontsize=10)
        ax.grid(alpha=0.3)
    fig.suptitle(f"Fitting {title}: data (gray), true curve (green, dashed), network (red)")
    lk.save_figure(fig, path, show=show)


def plot_loss(losses: list[float], noise: float, path, show: bool) -> None:
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(range(len(losses)), losses, label="training MSE")
    ax.axhline(noise ** 2, color="tab:gray", linestyle=":", label=f"noise variance {noise ** 2:g}")
    ax.set_yscale("log")
    ax.set(xlabel="step", ylabel="MSE (log scale)", title="The training loss stops at the noise level")
    ax.grid(alpha=0.3)
    ax.legend()
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=1000, lr=0.01)
    parser.add_argument("--target", choices=list(TARGETS), default="square",
                        help="the curve to learn (default: square)")
    parser.add_argument("--hidden", type=lk.positive_int, default=32, help="units per hidden layer (default: 32)")
    parser.add_argument("--points", type=lk.positive_int, default=200, help="training points (default: 200)")
    parser.add_argument("--noise", type=float, default=0.1, help="noise standard deviation (default: 0.1)")
    args = parser.parse_args(argv)
    if args.noise < 0:
        parser.error("--noise must be zero or more")
    run = lk.start_run(__file__, args)
    if args.quick:
        args.epochs = min(args.epochs, 150)
    generator = torch.Generator().manual_seed(args.seed)
    f, title = TARGETS[args.target]

    x, y = make_data(args.target, args.points, args.noise, generator)     # (n, 1), (n, 1)
    x_dev, y_dev = x.to(run.device), y.to(run.device)
    # fresh points for the generalisation check, scored against the noise-free curve
    x_new = 2 * torch.rand(1000, 1, generator=generator) - 1
    print(f"data: {args.points} noisy points of {title} (noise std {args.noise}); 1000 fresh points to test")

    model = CurveNet(args.hidden).to(run.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.MSELoss()
    print(f"model: 1 -> {args.hidden} -> {args.hidden} -> 1, {sum(p.numel() for p in model.parameters())} parameters")

    # Full-batch training: every step sees all points, so one step is one epoch.
    wanted = snapshot_steps(args.epochs)
    snapshots, losses = {}, []
    for step in range(args.epochs + 1):
        prediction = model(x_dev)                       # (n, 1)
        loss = loss_fn(prediction, y_dev)
        lk.check_finite(loss, f"step {step}")
        losses.append(loss.item())
        if step in wanted:                              # the fit before this step's update
            snapshots[step] = (prediction.detach().cpu(), loss.item())
        if step == args.epochs:
            break
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if step % 100 == 0:
            print(f"step {step:5d}  train MSE {loss.item():.5f}")

    curve_error = loss_fn(lk.predict(model, x_new.to(run.device)).cpu(), f(x_new)).item()
    print(f"final train MSE {losses[-1]:.5f} (noise variance {args.noise ** 2:.4f}); "
          f"MSE against the true curve on 1000 fresh points {curve_error:.5f}")

    plot_snapshots(x, y, f(x), snapshots, title, run.out / "snapshots.png", args.show)
    plot_loss(losses, args.noise, run.out / "loss.png", args.show)
    return run.finish({
        "train_mse": losses[-1],
        "true_curve_mse": curve_error,
        "noise_variance": args.noise ** 2,
        "target": args.target,
        "steps": args.epochs,
    })


if __name__ == "__main__":
    main()
