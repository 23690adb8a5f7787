"""regression/03_curve_fitting_mlp.py: a small neural network learns a curved line (非线性回归).

A straight line cannot follow y = x^2, but a network with a hidden layer and a nonlinear activation
can: each ReLU unit contributes one bend, and together they trace the curve (the universal
approximation idea, 通用逼近定理). You will fit noisy samples of x^2 (or of a sine wave with
--target sine), watch the fit at several moments of training in a grid of snapshots, and score the
network on fresh points in two ways. Against fresh noisy samples the expected error cannot go below
the noise variance (0.1^2 = 0.01): no model can predict noise it has never seen, so the test MSE is
the noise variance plus the error against the true curve. That second error, against the noise-free
curve, can approach 0. The training loss has no such bound: with 1153 parameters for 200 points the
network bends a little towards the noise of its own samples, and its training MSE ends slightly below
the noise variance (a small dose of overfitting, 过拟合; lesson 06 shows a large one).

Notes: 000 regression.py (a three-layer PyTorch network for regression; the note lists the script, not
its code). The widely copied version of this exercise fits y = x^2 on 100 points in [-1, 1], draws the
fit live with plt.ion(), and takes its noise from torch.rand, uniform in [0, 0.2], which lifts the whole
curve by 0.1. Here the noise is zero-mean Gaussian, the live drawing becomes a saved grid of snapshots,
and Adam replaces plain SGD so the sine target also trains in seconds. 003 chapter 3 (universal
approximation).
Run:    python regression/03_curve_fitting_mlp.py [--target sine] [--hidden 32] [--epochs 1000]
Prints: the training loss every 100 steps, then the train MSE, the MSE on 10,000 fresh noisy points
and the MSE against the true curve at those points.
Saves:  outputs/regression/03_curve_fitting_mlp/{metrics.json, snapshots.png, loss.png}
Expect: (seeds 0-4, 1 and 2 threads, AVX2 and no-SIMD code paths) x^2 after 1000 steps: train MSE
0.0080-0.0097, at or below the noise variance 0.01 (seed 0: 0.0088), fresh noisy points 0.0104-0.0110,
above it, the true curve 0.0004-0.0011. The sine needs more steps: with --epochs 3000 train MSE
0.0085-0.0096 and the true curve 0.0012-0.0030; at 1000 steps a seed can still sit on a plateau, a
flattened line through the wave (seed 1 did on our machine). A few seconds on a CPU.
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
FRESH_POINTS = 10_000   # many, so that their own noise averages out: its mean square is 0.01 +- 0.00014


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
    ax.set(xlabel="step", ylabel="MSE (log scale)", title="The training loss levels off near the noise variance")
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
    # fresh points for the generalisation check: noisy samples like the training data, and the curve itself
    x_new = 2 * torch.rand(FRESH_POINTS, 1, generator=generator) - 1
    y_new = f(x_new) + args.noise * torch.randn(x_new.shape, generator=generator)
    print(f"data: {args.points} noisy points of {title} (noise std {args.noise}); {FRESH_POINTS} fresh points to test")

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
        losses.append(loss.detach())                    # stays on the device: no wait for the GPU each step
        if step in wanted:                              # the fit before this step's update
            snapshots[step] = (prediction.detach().cpu(), loss.item())
        if step % 100 == 0:                             # reading the loss every 100 steps is cheap
            lk.check_finite(loss, f"step {step}")
            print(f"step {step:5d}  train MSE {loss.item():.5f}")
        if step == args.epochs:
            break
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    losses = torch.stack(losses)
    lk.check_finite(losses, "training")
    losses = losses.tolist()

    fit_new = lk.predict(model, x_new.to(run.device)).cpu()
    test_mse = loss_fn(fit_new, y_new).item()
    curve_error = loss_fn(fit_new, f(x_new)).item()
    noise_variance = args.noise ** 2
    below = losses[-1] < noise_variance
    print(f"final train MSE {losses[-1]:.5f}, {'below' if below else 'above'} the noise variance "
          f"{noise_variance:.4f}: " + ("the network fits a little of its own samples' noise" if below else
                                       "not all of the curve is learnt yet, or none of the noise"))
    print(f"fresh noisy points: MSE {test_mse:.5f} (noise variance + error against the curve = "
          f"{noise_variance:.4f} + {curve_error:.5f}); against the true curve: {curve_error:.5f}")

    plot_snapshots(x, y, f(x), snapshots, title, run.out / "snapshots.png", args.show)
    plot_loss(losses, args.noise, run.out / "loss.png", args.show)
    return run.finish({
        "train_mse": losses[-1],
        "fresh_noisy_mse": test_mse,
        "true_curve_mse": curve_error,
        "noise_variance": noise_variance,
        "target": args.target,
        "steps": args.epochs,
    })


if __name__ == "__main__":
    main()
