"""classification/11_optimizers_and_schedules.py: how optimizers move, how the learning rate changes, when to stop.

You will race five optimizers (优化器) down the same narrow valley f(x, y) = 0.1 x^2 + 2 y^2 and draw
their paths: plain SGD zig-zags across the steep y direction while creeping along the flat x direction;
momentum (动量) averages past steps, so the zig-zags partly cancel and the creep speeds up; RMSprop divides
each coordinate's step by a running size of its gradients, evening out the two directions; Adam does
both, which makes every step about lr long whatever the slope: at lr 0.5 it overshoots and circles the
minimum. AdamW is Adam with weight decay applied to the weights directly; on this bowl it moves the path
by 0.12 at most. Then three learning-rate schedules (学习率衰减) drawn as learning rate against step: step decay,
cosine annealing, and one-cycle, which cnn/04 uses: it starts at max_lr / 25 and warms up to max_lr over
the first 30% of the steps (the first gradients, from random weights, are the least reliable, so the
first steps are small), then anneals with a cosine down to max_lr / 25 / 1e4, moving SGD's momentum (or
Adam's beta1) the opposite way, 0.95 -> 0.85 -> 0.95. Last, a small network on 1000 Fashion-MNIST
images: its noisy per-batch loss smoothed with an exponential moving average (指数移动平均) with bias
correction, and early stopping (提前停止) on a validation split that restores the best epoch's weights.

Empirical vs structural risk (经验风险 / 结构风险, note 004): what we want small is the expected risk, the
average loss over all the data the world will show the model; we cannot compute it, so training
minimises the empirical risk, the average loss on the training set (empirical risk minimisation, ERM).
With few examples and a flexible model, ERM drives the training loss down while the loss on new data
goes back up: overfitting. Structural risk minimisation (SRM) adds a penalty on the model's complexity,
empirical risk + lambda * ||w||^2, which is what SGD's weight_decay does (classification/10; AdamW below
decays the weights directly instead, the same brake outside the gradient); early stopping is another brake: the
validation loss stands in for the expected risk, and training stops when it stops improving.

Notes: 002 动量 momentum 与学习率衰减, Early Stopping ("no-improvement-in-n", keep the best); 004 学习准则
(ERM, SRM) and 优化算法 (提前停止); 001 lecture 3 (a loss curve should be smoothed before reading it).
Run:    python classification/11_optimizers_and_schedules.py [--epochs 100] [--patience 5] [--lr 0.001]
Prints: each optimizer's end point and loss, the one-cycle schedule's key values, one line per epoch with
        the validation loss, where early stopping stopped and which epoch it restored, the test accuracy.
Saves:  outputs/classification/11_optimizers_and_schedules/{metrics.json, optimizers_and_schedules.png}
Expect: after 40 steps in the valley f is 0.003 for SGD, below 1e-5 for momentum and RMSprop and
        about 0.05 for Adam and AdamW; one-cycle goes 0.004 -> 0.1 (step 299) -> 4e-07; early stopping at
        seed 0 stops at epoch 17 and restores epoch 12, test accuracy 79.1% (over seeds 0-4 it restores an
        epoch from 11 to 21, test accuracy 78.5-81.5%); about 10 s on a 2-core CPU.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import torch
from torch import nn

import lessonkit as lk

START, RACE_STEPS = (-5.0, -2.0), 40
# name: (optimizer class, settings); each with a learning rate that suits it: a fair race tunes each one.
OPTIMIZERS = {
    "SGD": (torch.optim.SGD, {"lr": 0.4}),
    "SGD + momentum 0.5": (torch.optim.SGD, {"lr": 0.4, "momentum": 0.5}),
    "RMSprop": (torch.optim.RMSprop, {"lr": 0.4, "alpha": 0.9}),
    "Adam": (torch.optim.Adam, {"lr": 0.5}),
    "AdamW": (torch.optim.AdamW, {"lr": 0.5, "weight_decay": 0.01}),
}


def valley(p: torch.Tensor) -> torch.Tensor:
    """A narrow valley: curvature 0.2 along x, 4 along y (20 times steeper); minimum 0 at (0, 0)."""
    return 0.1 * p[0] ** 2 + 2 * p[1] ** 2


def optimizer_path(optimizer_class, settings: dict, steps: int = RACE_STEPS) -> torch.Tensor:
    """(steps + 1, 2): the points an optimizer visits from START."""
    point = torch.tensor(START, requires_grad=True)
    optimizer = optimizer_class([point], **settings)
    path = [point.detach().clone()]
    for _ in range(steps):
        loss = valley(point)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        path.append(point.detach().clone())
    return torch.stack(path)


def schedule(name: str, steps: int, lr: float = 0.1) -> tuple[list[float], list[float]]:
    """Learning rate and momentum at each step of one schedule, read from the optimizer it drives."""
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr, momentum=0.9)
    scheduler = {
        "step (x0.1 every 30%)": lambda: torch.optim.lr_scheduler.StepLR(optimizer, step_size=int(0.3 * steps),
                                                                          gamma=0.1),
        "cosine": lambda: torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps),
        "one-cycle": lambda: torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps),
    }[name]()
    lrs, momenta = [], []
    for _ in range(steps):
        lrs.append(optimizer.param_groups[0]["lr"])
        momenta.append(optimizer.param_groups[0]["momentum"])
        optimizer.step()   # (no gradients here: it changes nothing) a scheduler steps after its optimizer
        scheduler.step()
    return lrs, momenta


def ema(values: list[float], beta: float, bias_correction: bool = True) -> list[float]:
    """Exponential moving average s_t = beta * s_{t-1} + (1 - beta) * x_t, starting from s_0 = 0.

    Starting from 0 drags the first values towards 0; dividing by 1 - beta^t (the total weight the
    average has given to real values so far) removes that bias, as Adam does for its moments.
    """
    s, out = 0.0, []
    for t, x in enumerate(values, start=1):
        s = beta * s + (1 - beta) * x
        out.append(s / (1 - beta ** t) if bias_correction else s)
    return out


def make_model(hidden: int = 256) -> nn.Sequential:
    return nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10))


def train_with_early_stopping(model, x_train, y_train, x_val, y_val, *, epochs: int, patience: int, lr: float,
                              batch_size: int, seed: int, verbose: bool = True):
    """Train with AdamW; stop after `patience` epochs without a better validation loss; restore the best.

    Returns (history, best_epoch, per-batch losses). The model comes back holding the best epoch's weights.
    """
    # AdamW: Adam + weight decay that shrinks the weights directly (decoupled); Adam's own weight_decay
    # adds it to the gradient, where the adaptive scaling weakens it for weights with large gradients.
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    shuffler = torch.Generator().manual_seed(seed)
    loss_fn = nn.CrossEntropyLoss()
    history, batch_losses = [], []
    best_loss, best_epoch, best_state = math.inf, 0, None
    for epoch in range(1, epochs + 1):
        model.train()
        for images, labels in lk.batches(x_train, y_train, batch_size, shuffle=True, generator=shuffler):
            loss = loss_fn(model(images), labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.detach())   # stays on the device; read once, after training
        lk.check_finite(torch.stack(batch_losses[-5:]), f"epoch {epoch}")
        train_loss, _ = lk.evaluate(model, x_train, y_train)
        val_loss, val_acc = lk.evaluate(model, x_val, y_val)
        history.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss, "val_accuracy": val_acc})
        if verbose:
            print(f"epoch {epoch:3d}  train loss {train_loss:.4f}  validation loss {val_loss:.4f}  "
                  f"validation accuracy {100 * val_acc:.2f}%")
        if val_loss < best_loss:
            best_loss, best_epoch = val_loss, epoch
            # state_dict() hands out the live tensors: without clone() this "copy" would go on training.
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        elif epoch - best_epoch >= patience:
            if verbose:
                print(f"stopped at epoch {epoch}: no better validation loss for {patience} epochs")
            break
    model.load_state_dict(best_state)
    return history, best_epoch, torch.stack(batch_losses).cpu().tolist()


def plot_all(paths, schedules, batch_losses, beta, history, best_epoch, path, show: bool) -> None:
    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    ax = axes[0, 0]
    xs, ys = torch.meshgrid(torch.linspace(-5.5, 2, 200), torch.linspace(-2.5, 2.5, 200), indexing="xy")
    ax.contour(xs.numpy(), ys.numpy(), valley(torch.stack([xs, ys])).numpy(), levels=20, cmap="Greys", alpha=0.6)
    for name, points in paths.items():
        ax.plot(points[:, 0].numpy(), points[:, 1].numpy(), ".-", markersize=3, linewidth=1, label=name)
    ax.set(xlabel="x", ylabel="y", title=f"{RACE_STEPS} steps on 0.1 x² + 2 y²")
    ax.legend(fontsize=8)
    ax = axes[0, 1]
    for name, (lrs, _) in schedules.items():
        ax.plot(lrs, label=name)
    twin = ax.twinx()
    twin.plot(schedules["one-cycle"][1], ":", color="tab:green", label="one-cycle momentum")
    twin.set_ylabel("momentum (dotted)")
    ax.set(xlabel="step", ylabel="learning rate", title="Learning-rate schedules")
    ax.legend(fontsize=8)
    ax = axes[1, 0]
    ax.plot(batch_losses, color="tab:blue", alpha=0.3, linewidth=0.8, label="per batch")
    ax.plot(ema(batch_losses, beta, bias_correction=False), color="tab:orange", label=f"EMA, beta {beta}")
    ax.plot(ema(batch_losses, beta), color="tab:red", label="EMA with bias correction")
    ax.set(xlabel="batch", ylabel="training loss", title="A noisy loss, smoothed")
    ax.legend(fontsize=8)
    ax = axes[1, 1]
    epochs = [h["epoch"] for h in history]
    ax.plot(epochs, [h["train_loss"] for h in history], "o-", markersize=3, label="train (empirical risk)")
    ax.plot(epochs, [h["val_loss"] for h in history], "s-", markersize=3, label="validation")
    ax.axvline(best_epoch, color="tab:green", linestyle="--", label=f"best epoch {best_epoch}, restored")
    ax.set(xlabel="epoch", ylabel="cross-entropy loss", title="Early stopping")
    ax.legend(fontsize=8)
    for ax in axes.flat:
        ax.grid(alpha=0.3)
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=100, batch_size=32, lr=0.001)
    parser.add_argument("--patience", type=lk.positive_int, default=5,
                        help="epochs without a better validation loss before stopping (default: 5)")
    parser.add_argument("--train-size", type=lk.positive_int, default=1000,
                        help="training images, and as many again for validation (default: 1000)")
    parser.add_argument("--beta", type=lk.probability, default=0.98, help="EMA smoothing factor (default: 0.98)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)

    # --- 1. five optimizers in the valley ---
    paths = {name: optimizer_path(cls, settings) for name, (cls, settings) in OPTIMIZERS.items()}
    for name, points in paths.items():
        print(f"{name:<19} ends at ({points[-1, 0]:+.4f}, {points[-1, 1]:+.4f}), f = {valley(points[-1]):.5f}")

    # --- 2. three schedules over 1000 steps ---
    schedules = {name: schedule(name, 1000) for name in ("step (x0.1 every 30%)", "cosine", "one-cycle")}
    cycle = schedules["one-cycle"][0]
    peak = max(range(len(cycle)), key=cycle.__getitem__)
    print(f"one-cycle (max_lr 0.1): starts at {cycle[0]:.4g}, peaks at {cycle[peak]:.4g} at step {peak}, "
          f"ends at {cycle[-1]:.3g}")

    # --- 3. a small network: noisy batches, early stopping ---
    fashion = lk.load_mnist(run.data_dir, "FashionMNIST")
    n = min(args.train_size, len(fashion.x_train) // 2)
    order = torch.randperm(len(fashion.x_train), generator=torch.Generator().manual_seed(args.seed))
    images = fashion.x_train.float() / 255.0
    x_train, y_train = images[order[:n]], fashion.y_train[order[:n]]            # (n, 28, 28)
    x_val, y_val = images[order[n:2 * n]], fashion.y_train[order[n:2 * n]]      # held out from training
    x_test, y_test = fashion.x_test.float() / 255.0, fashion.y_test
    if args.quick:
        args.epochs = min(args.epochs, 5)
    x_train, y_train, x_val, y_val, x_test, y_test = (t.to(run.device) for t in
                                                      (x_train, y_train, x_val, y_val, x_test, y_test))
    print(f"data: {n} training, {n} validation and {len(x_test)} test images")
    torch.manual_seed(args.seed)
    model = make_model().to(run.device)
    history, best_epoch, batch_losses = train_with_early_stopping(
        model, x_train, y_train, x_val, y_val, epochs=args.epochs, patience=args.patience, lr=args.lr,
        batch_size=args.batch_size, seed=args.seed)
    best = history[best_epoch - 1]
    test_loss, test_acc = lk.evaluate(model, x_test, y_test)
    print(f"restored epoch {best_epoch} of {len(history)}: empirical risk (training loss) {best['train_loss']:.4f}, "
          f"validation loss {best['val_loss']:.4f}; test loss {test_loss:.4f}, test accuracy {100 * test_acc:.2f}%")

    plot_all(paths, schedules, batch_losses, args.beta, history, best_epoch,
             run.out / "optimizers_and_schedules.png", args.show)
    return run.finish({
        "race_final_loss": {name: valley(points[-1]).item() for name, points in paths.items()},
        "one_cycle_start_lr": cycle[0], "one_cycle_peak_lr": cycle[peak], "one_cycle_peak_step": peak,
        "one_cycle_end_lr": cycle[-1],
        "best_epoch": best_epoch, "epochs_run": len(history),
        "best_val_loss": best["val_loss"], "last_val_loss": history[-1]["val_loss"],
        "test_accuracy": test_acc, "test_loss": test_loss,
        "history": history,
    })


if __name__ == "__main__":
    main()
