"""classification/08_classify_2d_points.py: watch a small network carve the plane into classes.

You will draw clouds of 2-D points (one Gaussian cloud per class, 高斯分布), train a network with one
hidden layer to tell them apart, and look at what it has learned in the only way that fits on a page
for two inputs: colour every point of the plane by the class the network would answer there, its
decision regions (决策区域). Snapshots taken while training show the regions start as arbitrary
slices and settle between the clouds. A held-out set drawn from the same clouds gives the test
accuracy, and since we made the data we also know the best any classifier can do: for round clouds
of equal size and spread, answering the nearest centre is optimal (the Bayes classifier, 贝叶斯分类器),
so the network's test accuracy is measured against that ceiling rather than against 100%.

Notes: 000 classificiation.py (named there: a simple three-layer network for classification; the
clouds and the snapshots are this lesson's); 001 lecture 9 (one score per class from the last layer,
no activation on it, CrossEntropyLoss applies softmax).
Run:    python classification/08_classify_2d_points.py [--classes 4] [--epochs 100] [--hidden 10]
Prints: the data, the loss and accuracy at each snapshot, then test accuracy next to the
        nearest-centre ceiling.
Saves:  outputs/classification/08_classify_2d_points/{metrics.json, decision_regions.png}
Expect: with 3 classes, seed 0: train accuracy 0.06 untrained, 0.91 after 100 steps; test accuracy
0.930 against the nearest-centre ceiling of 0.933. Over seeds 0-4 the untrained network scores anything
from 0.06 to 0.64 (chance is 0.33: a random line can be lucky or unlucky), after 100 steps 0.91-0.94, and
the test accuracy 0.92-0.94 lands within a point of that seed's ceiling (0.92-0.95), sometimes a hair
above it (the ceiling is measured on the same finite test points). A few seconds on a CPU.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import torch
from torch import nn

import lessonkit as lk

RADIUS = 2.0   # class centres sit evenly on a circle of this radius
SPREAD = 1.0   # standard deviation of each cloud: with radius 2 neighbouring clouds overlap a little


def cloud_centres(classes: int) -> torch.Tensor:
    """(classes, 2): points evenly spaced on a circle, the first one at the top."""
    angles = math.pi / 2 + 2 * math.pi * torch.arange(classes) / classes
    return RADIUS * torch.stack([angles.cos(), angles.sin()], dim=1)


def make_clouds(centres: torch.Tensor, per_class: int, generator: torch.Generator):
    """x (classes * per_class, 2) drawn around each centre with SPREAD; y the class index (long)."""
    classes = len(centres)
    y = torch.arange(classes).repeat_interleave(per_class)                 # (N,)
    x = centres[y] + SPREAD * torch.randn(len(y), 2, generator=generator)   # (N, 2)
    return x, y


def nearest_centre(x: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    """The Bayes-optimal answer for equal, round Gaussian clouds: the class whose centre is closest."""
    return torch.cdist(x, centres).argmin(dim=1)


def make_model(classes: int, hidden: int) -> nn.Sequential:
    """2 inputs -> hidden ReLU units -> one score (logit) per class."""
    return nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, classes))


def snapshot_steps(epochs: int, count: int = 6) -> list[int]:
    """Steps at which to draw the regions: 0 (untrained), then roughly doubling up to the last step."""
    steps = {0, epochs}
    for i in range(1, count - 1):
        steps.add(round(epochs * 2 ** (i - (count - 1))))
    return sorted(steps)


def region_grid(limit: float, points: int = 200) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A points x points grid over [-limit, limit]^2: the two coordinate arrays and the (points^2, 2) list."""
    axis = torch.linspace(-limit, limit, points)
    gx, gy = torch.meshgrid(axis, axis, indexing="xy")
    return gx, gy, torch.stack([gx.flatten(), gy.flatten()], dim=1)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=100, lr=0.1)
    parser.add_argument("--classes", type=lk.positive_int, default=3, help="how many clouds (default: 3)")
    parser.add_argument("--per-class", type=lk.positive_int, default=200,
                        help="training points per cloud; the test set has the same number (default: 200)")
    parser.add_argument("--hidden", type=lk.positive_int, default=10, help="hidden units (default: 10)")
    args = parser.parse_args(argv)
    if args.classes < 2:
        parser.error("--classes must be at least 2")
    run = lk.start_run(__file__, args)
    if args.quick:
        args.epochs, args.per_class = min(args.epochs, 20), min(args.per_class, 50)

    generator = torch.Generator().manual_seed(args.seed)   # CPU generator: the same data on every device
    centres = cloud_centres(args.classes)
    x_train, y_train = make_clouds(centres, args.per_class, generator)
    x_test, y_test = make_clouds(centres, args.per_class, generator)
    ceiling = (nearest_centre(x_test, centres) == y_test).float().mean().item()
    print(f"data: {args.classes} clouds of {args.per_class} points each (spread {SPREAD}, centres at radius "
          f"{RADIUS}), the same again for testing; x {tuple(x_train.shape)}, y {tuple(y_train.shape)}")
    x_train, y_train = x_train.to(run.device), y_train.to(run.device)

    model = make_model(args.classes, args.hidden).to(run.device)
    loss_fn = nn.CrossEntropyLoss()   # softmax + cross-entropy (交叉熵) on the raw scores
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)

    limit = RADIUS + 3 * SPREAD
    gx, gy, grid = region_grid(limit)
    grid = grid.to(run.device)
    wanted = snapshot_steps(args.epochs)
    snapshots, losses = [], torch.zeros(args.epochs, device=run.device)

    def take_snapshot(step: int) -> None:
        model.eval()
        with torch.inference_mode():
            regions = model(grid).argmax(dim=1).reshape(gx.shape).cpu()   # (200, 200) class indices
            train_logits = model(x_train)
        model.train()
        acc = lk.accuracy(train_logits, y_train)
        loss = loss_fn(train_logits, y_train).item()
        snapshots.append({"step": step, "regions": regions, "train_accuracy": acc, "train_loss": loss})
        print(f"step {step:4d}  train loss {loss:.4f}  train accuracy {acc:.3f}")

    # Full-batch gradient descent, as in the original: every step sees all training points.
    take_snapshot(0)
    for step in lk.progress(range(1, args.epochs + 1), desc="training"):
        logits = model(x_train)            # (N, classes): one score per class, no softmax here
        loss = loss_fn(logits, y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses[step - 1] = loss.detach()
        if step % 50 == 0:
            lk.check_finite(loss, f"step {step}")
        if step in wanted:
            take_snapshot(step)
    lk.check_finite(losses.sum(), "training")

    # The predicted class is the highest score; softmax would not change which one that is.
    test_logits = lk.predict(model, x_test.to(run.device))
    test_accuracy = lk.accuracy(test_logits, y_test.to(run.device))
    print(f"test accuracy {test_accuracy:.3f}; nearest-centre rule (the best possible for these clouds) "
          f"{ceiling:.3f}")

    # One panel per snapshot: the regions filled, the training points on top, and dashed the boundaries
    # of the nearest-centre rule, where the network's boundaries should end up.
    cols = 3
    rows = math.ceil(len(snapshots) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 4 * rows), squeeze=False)
    cmap = plt.get_cmap("tab10")
    points, labels = x_train.cpu().numpy(), y_train.cpu().numpy()
    best = nearest_centre(grid.cpu(), centres).reshape(gx.shape).numpy()   # the ceiling's regions
    for ax, snap in zip(axes.flat, snapshots):
        ax.contour(gx.numpy(), gy.numpy(), best, levels=torch.arange(args.classes).numpy() + 0.5,
                   colors="black", linewidths=0.8, linestyles="dashed")
        ax.contourf(gx.numpy(), gy.numpy(), snap["regions"].numpy(), levels=torch.arange(args.classes + 1).numpy()
                    - 0.5, colors=[cmap(i) for i in range(args.classes)], alpha=0.25)
        ax.scatter(points[:, 0], points[:, 1], c=[cmap(i) for i in labels], s=6, edgecolors="none")
        ax.set(title=f"step {snap['step']}: train accuracy {snap['train_accuracy']:.2f}",
               xlim=(-limit, limit), ylim=(-limit, limit), aspect="equal")
    for ax in axes.flat[len(snapshots):]:
        ax.axis("off")
    fig.suptitle(f"Decision regions while training ({args.classes} classes, {args.hidden} hidden units)")
    lk.save_figure(fig, run.out / "decision_regions.png", show=args.show)

    return run.finish({
        "test_accuracy": test_accuracy,
        "nearest_centre_accuracy": ceiling,
        "gap_to_ceiling": ceiling - test_accuracy,
        "train_accuracy": snapshots[-1]["train_accuracy"],
        "final_train_loss": losses[-1].item(),
        "classes": args.classes,
        "epochs": args.epochs,
        "snapshots": [{k: v for k, v in s.items() if k != "regions"} for s in snapshots],
    })


if __name__ == "__main__":
    main()
