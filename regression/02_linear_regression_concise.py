"""regression/02_linear_regression_concise.py: the same linear regression with PyTorch's building blocks.

Lesson 01 wrote the data iterator, model, loss and SGD by hand. Here each piece is replaced by its
library version, following the four steps of a PyTorch program: (1) prepare the data: TensorDataset +
DataLoader (shuffled mini-batches); (2) design the model as a class derived from nn.Module with
__init__ and forward (here one nn.Linear(2, 1)); (3) construct the loss and the optimizer: nn.MSELoss
and torch.optim.SGD; (4) the training cycle: forward, backward, update (前馈, 反馈, 更新). Then the
same loop runs with other optimizers (momentum, Adagrad, RMSprop, Adam) so you can compare them.

Notes: 001 lecture 5 (linear regression with PyTorch: the four steps, model as a class, loss and optimizer
objects; its exercise of trying other optimizers); 000 tensorTest3 (D2L 3.3, concise implementation).
Run:    python regression/02_linear_regression_concise.py [--epochs 3] [--lr 0.03] [--optimizer adam]
Prints: the loss after each epoch, the learned w and b against the true ones, then for each optimizer
its full-data MSE after every epoch and its final w and b.
Saves:  outputs/regression/02_linear_regression_concise/{metrics.json, optimizers.png}
Expect: w about [2.000, -3.400], b about 4.200 (errors below 0.01), the same answer as lesson 01. When
comparing the two at one --lr: nn.MSELoss has no 1/2, so its step is twice lesson 01's (01 at lr 0.06
moves exactly as 02 at lr 0.03).
From a start of MSE 32-36, at lr 0.03 (the ranges are over seeds 0-4): SGD is within 5x of the noise level
(1e-4) after one epoch, momentum overshoots first (4.6x to 42x), and both are on it (1.0x-1.2x) after two;
RMSprop gets there in three; Adam (steps of about lr per coordinate) is still at 0.007-0.013 after three, and
Adagrad (whose steps shrink as squared gradients pile up) is far from done at 19-21. About 3 seconds.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import lessonkit as lk

TRUE_W = torch.tensor([2.0, -3.4])
TRUE_B = 4.2
NOISE_STD = 0.01

OPTIMIZERS = {
    "sgd": lambda params, lr: torch.optim.SGD(params, lr=lr),
    "momentum": lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9),
    "adagrad": lambda params, lr: torch.optim.Adagrad(params, lr=lr),
    "rmsprop": lambda params, lr: torch.optim.RMSprop(params, lr=lr),
    "adam": lambda params, lr: torch.optim.Adam(params, lr=lr),
}


def synthetic_data(w: torch.Tensor, b: float, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """X (n, 2) ~ N(0, 1); y (n, 1) = X @ w + b + noise. The same data as lesson 01."""
    x = torch.randn(n, len(w), generator=generator)
    y = x @ w + b + NOISE_STD * torch.randn(n, generator=generator)
    return x, y.reshape(-1, 1)


class LinearModel(nn.Module):
    """y_hat = x @ W.T + b. nn.Linear(2, 1) holds W (1, 2) and b (1,) as Parameters, so the optimizer
    finds them through model.parameters() and autograd tracks them without requires_grad by hand."""

    def __init__(self, in_features: int = 2):
        super().__init__()
        self.linear = nn.Linear(in_features, 1)
        # The same start as lesson 01: small random weights, zero bias.
        nn.init.normal_(self.linear.weight, mean=0.0, std=0.01)
        nn.init.zeros_(self.linear.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:   # (batch, 2) -> (batch, 1)
        return self.linear(x)


def train(model: LinearModel, loader: DataLoader, optimizer: torch.optim.Optimizer, epochs: int,
          device: torch.device, verbose: bool = True) -> list[float]:
    """The training cycle; returns the loss of every step."""
    # Mean over the batch, so unlike lesson 01 the step needs no / batch_size. And no 1/2: MSELoss is the mean
    # of (y_hat - y)^2, lesson 01's loss the mean of (y_hat - y)^2 / 2, so at one --lr this step is twice
    # lesson 01's (lesson 01 at lr 0.06 takes exactly the steps this lesson takes at lr 0.03).
    loss_fn = nn.MSELoss()
    losses = []
    for epoch in range(1, epochs + 1):
        step_losses = []
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)  # a DataLoader hands out CPU tensors: move each batch
            loss = loss_fn(model(xb), yb)          # forward
            optimizer.zero_grad(set_to_none=True)  # clear the last step's gradients
            loss.backward()                        # backward
            optimizer.step()                       # update
            step_losses.append(loss.detach())      # no .item() here: a GPU would stop and wait every step
        epoch_losses = torch.stack(step_losses)
        lk.check_finite(epoch_losses, f"epoch {epoch}")
        losses += epoch_losses.tolist()            # one trip to the CPU per epoch
        if verbose:
            w, b = model.linear.weight.detach().cpu(), model.linear.bias.detach().cpu()
            print(f"epoch {epoch}/{epochs}  last batch loss {losses[-1]:.6f}  w {[round(v, 4) for v in w[0].tolist()]}"
                  f"  b {b.item():.4f}")
    return losses


def plot_optimizers(curves: dict[str, list[float]], steps_per_epoch: int, path, show: bool) -> None:
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, losses in curves.items():
        ax.plot(range(1, len(losses) + 1), losses, label=name, linewidth=1.2)
    for epoch_end in range(steps_per_epoch, len(next(iter(curves.values()))), steps_per_epoch):
        ax.axvline(epoch_end, color="gray", linestyle=":", linewidth=1)
    ax.set_yscale("log")
    ax.set(xlabel="step (dotted lines: epoch ends)", ylabel="mini-batch MSE (log scale)",
           title="The same model and data, five optimizers at the same learning rate")
    ax.grid(alpha=0.3)
    ax.legend()
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=3, batch_size=10, lr=0.03)
    parser.add_argument("--optimizer", choices=list(OPTIMIZERS), default="sgd",
                        help="the optimizer of the main run (default: sgd); all are compared afterwards")
    parser.add_argument("--examples", type=lk.positive_int, default=1000,
                        help="how many synthetic examples to draw (default: 1000)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)
    generator = torch.Generator().manual_seed(args.seed)
    if args.quick:
        args.epochs, args.examples = 1, min(args.examples, 300)

    # 1. data: a Dataset pairs each x with its y; a DataLoader batches and shuffles them
    x, y = synthetic_data(TRUE_W, TRUE_B, args.examples, generator)
    dataset = TensorDataset(x, y)

    def make_loader(seed: int) -> DataLoader:
        # its own generator, so every optimizer below sees the batches in the same order
        return DataLoader(dataset, batch_size=args.batch_size, shuffle=True,
                          generator=torch.Generator().manual_seed(seed))

    # 2. model; 3. loss (inside train) and optimizer
    torch.manual_seed(args.seed)
    model = LinearModel().to(run.device)
    optimizer = OPTIMIZERS[args.optimizer](model.parameters(), args.lr)
    print(f"model: {model}\noptimizer: {type(optimizer).__name__} lr={args.lr}")

    # 4. the training cycle
    train(model, make_loader(args.seed), optimizer, args.epochs, run.device)
    w = model.linear.weight.detach().cpu().flatten()
    b = model.linear.bias.detach().cpu().item()
    w_error = (w - TRUE_W).abs().max().item()
    b_error = abs(b - TRUE_B)
    print(f"learned w {[round(v, 4) for v in w.tolist()]} (true {[round(v, 4) for v in TRUE_W.tolist()]}), "
          f"b {b:.4f} (true {TRUE_B})")
    print(f"largest error: w {w_error:.4f}, b {b_error:.4f}")

    # the same cycle with each optimizer, from the same start, on the same batches, one epoch at a time
    # (the loader's generator carries on, so three calls of one epoch see the batches of one call of three)
    x_dev, y_dev = x.to(run.device), y.to(run.device)
    noise = NOISE_STD ** 2
    torch.manual_seed(args.seed)
    start = nn.functional.mse_loss(lk.predict(LinearModel().to(run.device), x_dev), y_dev).item()
    print(f"\nfull-data MSE after each epoch (the start: {start:.1f}; the noise alone gives about {noise:g}); "
          "final w and b")
    print(f"{'optimizer':<10} " + " ".join(f"{f'epoch {e}':>9}" for e in range(1, args.epochs + 1))
          + f"  {'w1':>7} {'w2':>7} {'b':>7}")
    curves, by_epoch = {}, {}
    for name, make_optimizer in OPTIMIZERS.items():
        torch.manual_seed(args.seed)
        other = LinearModel().to(run.device)
        other_optimizer, loader = make_optimizer(other.parameters(), args.lr), make_loader(args.seed)
        curves[name], by_epoch[name] = [], []
        for _ in range(args.epochs):
            curves[name] += train(other, loader, other_optimizer, 1, run.device, verbose=False)
            by_epoch[name].append(nn.functional.mse_loss(lk.predict(other, x_dev), y_dev).item())
        ow, ob = other.linear.weight.detach().cpu()[0], other.linear.bias.detach().cpu().item()
        print(f"{name:<10} " + " ".join(f"{v:>9.2e}" for v in by_epoch[name])
              + f"  {ow[0].item():>7.4f} {ow[1].item():>7.4f} {ob:>7.4f}")

    plot_optimizers(curves, len(make_loader(0)), run.out / "optimizers.png", args.show)
    return run.finish({
        "w": w.tolist(),
        "b": b,
        "w_error": w_error,
        "b_error": b_error,
        "optimizer": args.optimizer,
        "final_mse_by_optimizer": {name: mse[-1] for name, mse in by_epoch.items()},
        "mse_by_epoch": by_epoch,
        "start_mse": start,
        "noise_variance": noise,
        "epochs": args.epochs,
    })


if __name__ == "__main__":
    main()
