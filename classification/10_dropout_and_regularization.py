"""classification/10_dropout_and_regularization.py: overfitting, then dropout and weight decay against it.

You will first make a network overfit (过拟合) on purpose: a 784-256-256-10 MLP trained on only 1000
Fashion-MNIST images learns almost all of them, while its accuracy on the 10000 test images stays far lower. The
distance between the two, the train-test gap, is what regularization (正则化) tries to close. Then the
same network, from the same initial weights, three more times: with dropout written from scratch (a
random mask that keeps each activation with probability 1-p and scales the survivors by 1/(1-p), in
training only), with nn.Dropout (the same thing, built in), and with weight decay (L2 权重衰减, the
optimizer's weight_decay). The curves of all four sit side by side in one figure.

Notes: 002 过拟合和欠拟合, 如何消除过拟合 (regularization, L2 weight_decay in optim.SGD) and Dropout (its
training and test behaviour differ, so the model must be told which: model.train() / model.eval(); the
note's dropout code is TensorFlow's, layers.Dropout(0.5) and network(x, training=True/False): in PyTorch
nn.Dropout(0.5), p likewise the probability to drop, and the mode set on the model, not passed per call);
000 D2L 3.12-3.13 (weight decay, dropout from scratch; still to do in that note).
Run:    python classification/10_dropout_and_regularization.py [--epochs 100] [--dropout 0.5] [--weight-decay 0.01]
Prints: for each of the four runs the train and test accuracy, the gap between them and the test loss
        (means of the last 5 evaluations, which wobble from epoch to epoch), and where the unregularized
        network's test loss was lowest.
Saves:  outputs/classification/10_dropout_and_regularization/{metrics.json, curves.png}
Expect: without regularization 99-100% train and about 79% test accuracy, a gap of about 21 points, and
        its test loss climbs back from 0.60 (epoch 28) to about 1.0; dropout (either version) and weight
        decay narrow the gap to 15-17 points and keep the test loss near 0.7, while the test accuracy moves
        by less than 2.5 points (about 80% with dropout, 77.5-79% with weight decay): regularization traded
        training fit for a smaller gap here, not for more test accuracy. About a minute on a 2-core CPU.
"""

from __future__ import annotations

import time

import matplotlib.pyplot as plt
import torch
from torch import nn

import lessonkit as lk

LAST_EVALS = 5  # the final numbers are means over this many evaluations


def dropout(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """Inverted dropout (丢弃法): zero each entry with probability p, scale the rest by 1/(1-p).

    The scaling keeps every entry's expected value unchanged (E = (1-p) * x / (1-p) = x), so at test time
    the layer can simply pass x through: no rescaling needed when the mask is switched off.
    """
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout probability must be in [0, 1), got {p}")
    if not training or p == 0.0:
        return x
    keep = (torch.rand(x.shape, device=x.device) >= p).to(x.dtype)  # 1 with probability 1-p, else 0
    return x * keep / (1.0 - p)


class ScratchDropout(nn.Module):
    """dropout() as a layer, so that model.train() / model.eval() switch it on and off like nn.Dropout."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return dropout(x, self.p, self.training)


def make_mlp(hidden: int, kind: str = "none", p: float = 0.5) -> nn.Sequential:
    """784-hidden-hidden-10 with ReLU; a dropout layer after each hidden layer when kind is scratch or torch."""
    def drop() -> nn.Module:
        return {"scratch": ScratchDropout(p), "torch": nn.Dropout(p), "none": nn.Identity()}[kind]

    return nn.Sequential(
        nn.Flatten(),                                   # (B, 28, 28) -> (B, 784)
        nn.Linear(784, hidden), nn.ReLU(), drop(),
        nn.Linear(hidden, hidden), nn.ReLU(), drop(),
        nn.Linear(hidden, 10),                          # logits
    )


def train_one(name, model, x_train, y_train, x_test, y_test, *, args, weight_decay: float, device):
    """Train one configuration; return its history of train and test accuracy and loss."""
    model.to(device)
    # fix: note 002 writes optim.SCD(..., weight_decay=0.01), an AttributeError: the optimizer is optim.SGD.
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=weight_decay)
    shuffler = torch.Generator().manual_seed(args.seed)  # the same batches in the same order for every run
    loss_fn = nn.CrossEntropyLoss()
    eval_every = max(1, args.epochs // 25)
    history = []
    for epoch in lk.progress(range(1, args.epochs + 1), desc=name):
        model.train()  # dropout on
        loss_sum = torch.zeros((), device=device)
        for images, labels in lk.batches(x_train, y_train, args.batch_size, shuffle=True, generator=shuffler):
            loss = loss_fn(model(images), labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_sum += loss.detach() * len(labels)
        lk.check_finite(loss_sum, f"{name}, epoch {epoch}")
        if epoch % eval_every == 0 or epoch == args.epochs:
            # Train accuracy too is measured in eval mode (dropout off): the network as it will be used.
            train_loss, train_acc = lk.evaluate(model, x_train, y_train)
            test_loss, test_acc = lk.evaluate(model, x_test, y_test)
            history.append({"epoch": epoch, "train_loss": train_loss, "test_loss": test_loss,
                            "train_accuracy": train_acc, "test_accuracy": test_acc})
    return history


def plot_curves(results: dict, summary: dict, path, show: bool) -> None:
    """One column per configuration: accuracy on top, loss below, train and test in each."""
    fig, axes = plt.subplots(2, len(results), figsize=(4 * len(results), 7), sharey="row", squeeze=False)
    for column, (name, history) in enumerate(results.items()):
        epochs = [h["epoch"] for h in history]
        ax_acc, ax_loss = axes[0, column], axes[1, column]
        ax_acc.plot(epochs, [100 * h["train_accuracy"] for h in history], label="train")
        ax_acc.plot(epochs, [100 * h["test_accuracy"] for h in history], label="test")
        ax_acc.set(title=f"{name}\ngap {100 * summary[name]['gap']:.1f} points",
                   ylabel="accuracy (%)" if column == 0 else None)
        ax_loss.plot(epochs, [h["train_loss"] for h in history], label="train")
        ax_loss.plot(epochs, [h["test_loss"] for h in history], label="test")
        ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss" if column == 0 else None)
        for ax in (ax_acc, ax_loss):
            ax.grid(alpha=0.3)
            ax.legend()
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=100, batch_size=50, lr=0.01)
    parser.add_argument("--train-size", type=lk.positive_int, default=1000,
                        help="training images drawn from the 60000 (default: 1000): few, so the network overfits")
    parser.add_argument("--hidden", type=lk.positive_int, default=256, help="units per hidden layer (default: 256)")
    parser.add_argument("--dropout", type=lk.probability, default=0.5, help="dropout probability p (default: 0.5)")
    parser.add_argument("--weight-decay", type=lk.positive_float, default=0.01,
                        help="L2 weight decay of the weight-decay run (default: 0.01)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)

    fashion = lk.load_mnist(run.data_dir, "FashionMNIST")
    picker = torch.Generator().manual_seed(args.seed)
    subset = torch.randperm(len(fashion.x_train), generator=picker)[:args.train_size]
    x_train, y_train = fashion.x_train[subset].float() / 255.0, fashion.y_train[subset]   # (n, 28, 28) in [0, 1]
    x_test, y_test = fashion.x_test.float() / 255.0, fashion.y_test
    if args.quick:
        args.epochs = min(args.epochs, 4)
    x_train, y_train = x_train.to(run.device), y_train.to(run.device)
    x_test, y_test = x_test.to(run.device), y_test.to(run.device)
    print(f"data: {len(x_train)} training images (a random subset), {len(x_test)} test images")

    configs = {  # name: (dropout kind, weight decay)
        "no regularization": ("none", 0.0),
        f"dropout p={args.dropout} (scratch)": ("scratch", 0.0),
        f"nn.Dropout(p={args.dropout})": ("torch", 0.0),
        f"weight decay {args.weight_decay:g}": ("none", args.weight_decay),
    }
    results, seconds = {}, {}
    for name, (kind, weight_decay) in configs.items():
        t0 = time.perf_counter()
        torch.manual_seed(args.seed)  # every run starts from the same initial weights
        model = make_mlp(args.hidden, kind, args.dropout)
        results[name] = train_one(name, model, x_train, y_train, x_test, y_test, args=args,
                                  weight_decay=weight_decay, device=run.device)
        seconds[name] = time.perf_counter() - t0

    # One evaluation wobbles by a point or two from the last batches' noise: average the last few.
    last = min(LAST_EVALS, len(results["no regularization"]))
    first_epoch = results["no regularization"][-last]["epoch"]
    print(f"\nmeans of the last {last} evaluations (epochs {first_epoch}-{args.epochs}):")
    print(f"{'':<28} {'train acc':>9} {'test acc':>9} {'gap':>6} {'test loss':>9} {'seconds':>8}")
    summary = {}
    for name, history in results.items():
        row = {key: sum(h[key] for h in history[-last:]) / last for key in history[-1] if key != "epoch"}
        row["gap"] = row["train_accuracy"] - row["test_accuracy"]
        summary[name] = row
        print(f"{name:<28} {100 * row['train_accuracy']:8.1f}% {100 * row['test_accuracy']:8.1f}% "
              f"{100 * row['gap']:6.1f} {row['test_loss']:9.3f} {seconds[name]:8.1f}")
    plain, scratch, builtin, decay = (summary[name] for name in configs)
    lowest = min(results["no regularization"], key=lambda h: h["test_loss"])
    print(f"no regularization: the test loss was lowest at epoch {lowest['epoch']} ({lowest['test_loss']:.3f}) "
          f"and ends at {results['no regularization'][-1]['test_loss']:.3f}")
    plot_curves(results, summary, run.out / "curves.png", args.show)
    return run.finish({
        **{f"{key}_{label}": row[key] for label, row in
           (("plain", plain), ("dropout_scratch", scratch), ("dropout_torch", builtin), ("weight_decay", decay))
           for key in ("train_accuracy", "test_accuracy", "gap", "test_loss")},
        "lowest_test_loss_plain": lowest["test_loss"], "lowest_test_loss_epoch_plain": lowest["epoch"],
        "epochs": args.epochs, "train_examples": len(x_train),
        "history": results,
    })


if __name__ == "__main__":
    main()
