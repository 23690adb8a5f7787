"""classification/06_mlp_concise.py: the multilayer perceptron the concise way, with nn.Sequential.

You will write classification/05's network in four lines: nn.Flatten, nn.Linear(784, 256), nn.ReLU,
nn.Linear(256, 10). The layers hold and initialise their own parameters (the hidden layer's start is
set to 05's, see make_model), model.parameters() hands them to torch.optim.SGD, a LinearLR schedule
does 05's learning-rate decay, and nn.CrossEntropyLoss takes the raw scores (logits). At the end you
look at the model's answers: a grid of test images with the true and the predicted garment, mistakes
in red.

Notes: 000 mlpTest (MLP the usual way; D2L 3.10); 001 lecture 9 (a network of Linear layers with ReLU,
no activation on the last layer, CrossEntropyLoss); 002 GPU 加速 (net = MLP().to(device),
optim.SGD(net.parameters(), ...), nn.CrossEntropyLoss: the same pieces, the model here an nn.Sequential).
Run:    python classification/06_mlp_concise.py [--epochs 10] [--lr 0.3] [--batch-size 128] [--hidden 256]
Prints: the model, one line per epoch, how many test images it gets wrong, the final numbers.
Saves:  outputs/classification/06_mlp_concise/{metrics.json, training.png, predictions.png}
Expect: 89.1-89.2% test accuracy after 10 epochs (1080-1090 of 10000 test images wrong), like 05, under a
        minute on a 2-core CPU.
"""

from __future__ import annotations

import time

import matplotlib.pyplot as plt
import torch
from torch import nn

import lessonkit as lk

FASHION_MEAN, FASHION_STD = 0.2860, 0.3530  # of the training pixels in [0, 1], as in classification/03


def to_model_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float (N, 28, 28), standardised once for the whole set; the model flattens."""
    return (images.float() / 255.0 - FASHION_MEAN) / FASHION_STD


def make_model(hidden: int = 256) -> nn.Sequential:
    """(B, 28, 28) -> (B, 784) -> (B, hidden) -> ReLU -> (B, 10) logits.

    nn.Linear draws its weights and bias uniformly from [-1/sqrt(fan_in), 1/sqrt(fan_in)]. The hidden
    layer gets 05's He initialisation instead (nn.init.kaiming_normal_), so both lessons start alike;
    the output layer keeps the default.
    """
    model = nn.Sequential(
        nn.Flatten(),                        # (B, 784)
        nn.Linear(28 * 28, hidden),          # (B, hidden)
        nn.ReLU(),
        nn.Linear(hidden, 10),               # (B, 10): no activation, the loss applies the softmax
    )
    nn.init.kaiming_normal_(model[1].weight, nonlinearity="relu")  # N(0, 2/784), as in 05
    nn.init.zeros_(model[1].bias)
    return model


def plot_training(history, path, show: bool) -> None:
    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, [h["train_loss"] for h in history], "o-", label="train (running)")
    ax_loss.plot(epochs, [h["test_loss"] for h in history], "s-", label="test")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="Loss")
    ax_acc.plot(epochs, [100 * h["test_accuracy"] for h in history], "s-", color="tab:orange", label="test")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="Test accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    lk.save_figure(fig, path, show=show)


def plot_predictions(images, labels, predicted, classes, path, show: bool, count: int = 18) -> None:
    """The first `count` test images, titled with the true and the predicted class; mistakes in red."""
    cols = 6
    rows = -(-min(count, len(images)) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.9, rows * 2.3), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i, ax in enumerate(axes.flat[:min(count, len(images))]):
        right = predicted[i] == labels[i]
        ax.imshow(images[i].numpy(), cmap="gray_r")
        ax.set_title(f"true: {classes[labels[i]]}\npredicted: {classes[predicted[i]]}", fontsize=8,
                     color="black" if right else "tab:red")
    fig.suptitle("Test images: true and predicted class (mistakes in red)")
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=10, batch_size=128, lr=0.3)
    parser.add_argument("--hidden", type=lk.positive_int, default=256, help="hidden units (default: 256)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)

    data = lk.load_mnist(run.data_dir, "FashionMNIST")
    x_train, y_train = to_model_input(data.x_train).to(run.device), data.y_train.to(run.device)  # (60000, 28, 28)
    x_test, y_test = to_model_input(data.x_test).to(run.device), data.y_test.to(run.device)      # (10000, 28, 28)
    if args.quick:
        args.epochs = 2
    print(f"data: {len(x_train)} training and {len(x_test)} test images {tuple(x_train.shape[1:])}")

    model = make_model(args.hidden).to(run.device)
    print(f"model: {model}\n{sum(p.numel() for p in model.parameters()):,} parameters")
    loss_fn = nn.CrossEntropyLoss()  # takes logits: log-softmax with the log-sum-exp trick inside
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    steps_per_epoch = lk.num_batches(len(x_train), args.batch_size)
    scheduler = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=1.0, end_factor=0.0,
                                                  total_iters=args.epochs * steps_per_epoch)
    shuffler = torch.Generator().manual_seed(args.seed)

    history = []
    for epoch in range(1, args.epochs + 1):
        t_epoch = time.perf_counter()
        model.train()
        loss_sum = torch.zeros((), device=run.device)
        bar = lk.progress(lk.batches(x_train, y_train, args.batch_size, shuffle=True, generator=shuffler),
                          total=steps_per_epoch, desc=f"epoch {epoch}/{args.epochs}")
        for step, (images, labels) in enumerate(bar):
            logits = model(images)                  # (B, 10)
            loss = loss_fn(logits, labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()                        # lr * (1 - step / total_steps), once per batch
            loss_sum += loss.detach() * len(labels)
            if step % 50 == 0:
                lk.check_finite(loss, f"epoch {epoch} step {step}")
                bar.set_postfix(loss=f"{loss.item():.3f}")
        lk.check_finite(loss_sum, f"epoch {epoch}")
        test_loss, test_acc = lk.evaluate(model, x_test, y_test)  # eval mode, no gradients, batched
        history.append({"epoch": epoch, "train_loss": loss_sum.item() / len(x_train), "test_loss": test_loss,
                        "test_accuracy": test_acc, "seconds": time.perf_counter() - t_epoch})
        print(f"epoch {epoch}/{args.epochs}  train loss {history[-1]['train_loss']:.4f}  test loss {test_loss:.4f}"
              f"  test accuracy {100 * test_acc:.2f}%  ({history[-1]['seconds']:.1f} s)")

    predicted = lk.predict(model, x_test).argmax(dim=1).cpu()
    errors = int((predicted != y_test.cpu()).sum())
    print(f"{errors} of {len(y_test)} test images misclassified")
    plot_training(history, run.out / "training.png", args.show)
    plot_predictions(data.x_test, data.y_test, predicted, data.classes, run.out / "predictions.png", args.show)
    return run.finish({
        "test_accuracy": history[-1]["test_accuracy"],
        "test_loss": history[-1]["test_loss"],
        "train_loss": history[-1]["train_loss"],
        "errors": errors,
        "epochs": args.epochs,
        "hidden": args.hidden,
        "train_examples": len(x_train),
        "history": history,
    })


if __name__ == "__main__":
    main()
