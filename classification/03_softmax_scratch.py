"""classification/03_softmax_scratch.py: softmax regression from scratch on Fashion-MNIST (softmax回归的从零开始实现).

You will build a ten-class classifier out of two plain tensors, W (784, 10) and b (10,), and write every
other piece by hand: the softmax (归一化: every score positive, each row summing to 1), the
cross-entropy loss (交叉熵), the accuracy, and stochastic gradient descent under torch.no_grad(). The
softmax uses the log-sum-exp trick (subtract each row's largest score before exp): the lesson first
shows the textbook formula turning extreme scores into inf and NaN, and the safe one staying finite
and equal to PyTorch's F.cross_entropy. Of PyTorch's training tools only autograd is used.

Notes: 000 torchVisTest (softmax regression the raw way; D2L 3.4 and 3.6); 001 lecture 9 (softmax makes
scores positive and sum to 1; cross-entropy; no activation on the last layer); 002 交叉熵 (softmax then
log then nll_loss equals F.cross_entropy, until a probability underflows to 0: the note's torch.log of
F.softmax then gives log(0) = -inf, see cross_entropy below and classification/04). Changed from D2L 3.6:
pixels standardised once for the whole tensor, and a learning rate that shrinks linearly to 0 (D2L: pixels
in [0, 1], constant lr 0.1, 5 epochs, about 82%).
Run:    python classification/03_softmax_scratch.py [--epochs 10] [--lr 0.1] [--batch-size 256]
Prints: naive vs stable softmax on extreme scores, one line per epoch (train loss and accuracy, test
        loss and accuracy), the final numbers.
Saves:  outputs/classification/03_softmax_scratch/{metrics.json, training.png, weights.png}
Expect: 84.4% test accuracy after 10 epochs (running train accuracy 86.4%), under a minute on a 2-core CPU;
        the naive softmax gives NaN on the extreme scores, the stable one a loss of 5000.0 like F.cross_entropy.
"""

from __future__ import annotations

import time

import matplotlib.pyplot as plt
import torch

import lessonkit as lk

# Mean and standard deviation of all Fashion-MNIST training pixels (scaled to [0, 1]); the lesson
# standardises with them once for the whole tensor.
FASHION_MEAN, FASHION_STD = 0.2860, 0.3530
NUM_INPUTS, NUM_OUTPUTS = 28 * 28, 10


def to_model_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) in [0, 255] -> float (N, 784), standardised: each image becomes one row."""
    return ((images.float() / 255.0 - FASHION_MEAN) / FASHION_STD).reshape(len(images), -1)


def softmax_naive(o: torch.Tensor) -> torch.Tensor:
    """The textbook formula exp(o_j) / sum_k exp(o_k), row by row. exp(1000) is inf in float32 (the
    largest float32 is about 3.4e38 = exp(88.7)), and inf / inf is NaN: do not train with this."""
    e = torch.exp(o)
    return e / e.sum(dim=1, keepdim=True)


def log_softmax(o: torch.Tensor) -> torch.Tensor:
    """log softmax(o) with the log-sum-exp trick, (batch, 10) -> (batch, 10).

    Subtracting a row's maximum m changes nothing mathematically (exp(o - m) / sum exp(o - m): the
    factor exp(-m) cancels), but the largest exponent is now exp(0) = 1, so nothing overflows, and
    the sum is at least 1, so its log is finite. log softmax(o)_j = (o_j - m) - log sum_k exp(o_k - m).
    """
    shifted = o - o.max(dim=1, keepdim=True).values
    return shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))


def softmax(o: torch.Tensor) -> torch.Tensor:
    """The safe softmax: exp of the safe log-softmax. Every row is positive and sums to 1."""
    return torch.exp(log_softmax(o))


def cross_entropy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean of -log p(true class): (batch, 10) scores and (batch,) labels -> a scalar.

    log_probs[torch.arange(n), y] picks, in each row i, the column y[i] (the true class). Working from
    log-softmax rather than log(softmax(...)) matters: a tiny probability underflows to 0, and log(0)
    is -inf, whereas the log-softmax of the same score is just a large negative number.
    """
    log_probs = log_softmax(logits)
    return -log_probs[torch.arange(len(y), device=y.device), y].mean()


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Share of rows whose highest score is the true class (a 0-d tensor: no device sync here)."""
    return (logits.argmax(dim=1) == y).float().mean()


def net(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The model: (batch, 784) @ (784, 10) + (10,) -> (batch, 10) scores (logits). No softmax here:
    the loss applies it, safely, in one place."""
    return x @ w + b


def sgd(params: list[torch.Tensor], lr: float) -> None:
    """One step against the gradient. The loss is a batch mean, so lr needs no division by batch size.
    The update itself must not be recorded by autograd: torch.no_grad()."""
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad
            param.grad = None  # gradients add up across backward() calls unless cleared


def evaluate(x, y, w, b, batch_size: int = 1000) -> tuple[float, float]:
    """(mean loss, accuracy) over a whole split, in batches, without autograd's bookkeeping."""
    loss_sum, correct = torch.zeros((), device=x.device), torch.zeros((), device=x.device)
    with torch.inference_mode():
        for start in range(0, len(x), batch_size):
            logits = net(x[start:start + batch_size], w, b)
            labels = y[start:start + batch_size]
            loss_sum += cross_entropy(logits, labels) * len(labels)
            correct += accuracy(logits, labels) * len(labels)
    return loss_sum.item() / len(x), correct.item() / len(x)


def show_stability() -> dict:
    """Naive vs stable softmax and cross-entropy on scores that are far apart."""
    extreme = torch.tensor([[1000.0, 0.0, -1000.0], [-1e4, 1e4, 0.0]])
    labels = torch.tensor([0, 2])
    naive_probs = softmax_naive(extreme)
    naive_loss = -torch.log(naive_probs[torch.arange(2), labels]).mean()
    stable_loss = cross_entropy(extreme, labels)
    reference = torch.nn.functional.cross_entropy(extreme, labels)
    print(f"scores {extreme.tolist()}, true classes {labels.tolist()}")
    print(f"  naive softmax : {naive_probs.tolist()}  -> cross-entropy {naive_loss.item()}")
    print(f"    (exp(1000) = {torch.exp(torch.tensor(1000.0)).item()} in float32, and inf / inf = NaN)")
    print(f"  stable softmax: {softmax(extreme).tolist()}  -> cross-entropy {stable_loss.item():.1f} "
          f"(F.cross_entropy: {reference.item():.1f})")
    return {"naive_has_nan": bool(torch.isnan(naive_probs).any()), "stable_loss": stable_loss.item()}


def plot_training(history, w, classes, path_curves, path_weights, show: bool) -> None:
    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, [h["train_loss"] for h in history], "o-", label="train")
    ax_loss.plot(epochs, [h["test_loss"] for h in history], "s-", label="test")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="Loss")
    ax_acc.plot(epochs, [100 * h["train_accuracy"] for h in history], "o-", label="train")
    ax_acc.plot(epochs, [100 * h["test_accuracy"] for h in history], "s-", label="test")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    lk.save_figure(fig, path_curves, show=show)

    # Each column of W scores one class: drawn as a 28x28 image it is a template of that garment
    # (red: a pixel brighter than the mean there raises the class's score, blue: lowers it; the inputs
    # are standardised, so a darker-than-mean pixel does the opposite).
    fig, axes = plt.subplots(2, 5, figsize=(11, 4.8))
    for k, ax in enumerate(axes.flat):
        image = w[:, k].reshape(28, 28)
        limit = image.abs().max().item()
        ax.imshow(image.numpy(), cmap="bwr", vmin=-limit, vmax=limit)
        ax.set_title(classes[k], fontsize=9)
        ax.axis("off")
    fig.suptitle("W's columns: what raises each class's score")
    lk.save_figure(fig, path_weights, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=10, batch_size=256, lr=0.1)
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)

    stability = show_stability()

    # --- data: all of Fashion-MNIST as in-memory tensors, standardised once ---
    data = lk.load_mnist(run.data_dir, "FashionMNIST")
    x_train, y_train = to_model_input(data.x_train).to(run.device), data.y_train.to(run.device)  # (60000, 784)
    x_test, y_test = to_model_input(data.x_test).to(run.device), data.y_test.to(run.device)      # (10000, 784)
    if args.quick:
        args.epochs = 2
    print(f"data: {len(x_train)} training and {len(x_test)} test images as rows of {x_train.shape[1]} pixels; "
          f"classes {data.classes}")

    # --- parameters: small random W, zero b, both tracked by autograd ---
    generator = torch.Generator().manual_seed(args.seed)  # on the CPU: the same numbers on any device
    w = torch.normal(0.0, 0.01, size=(NUM_INPUTS, NUM_OUTPUTS), generator=generator).to(run.device)
    w.requires_grad_()
    b = torch.zeros(NUM_OUTPUTS, device=run.device, requires_grad=True)

    # --- training: the whole loop by hand ---
    steps_per_epoch = lk.num_batches(len(x_train), args.batch_size)
    total_steps, step = args.epochs * steps_per_epoch, 0
    history = []
    for epoch in range(1, args.epochs + 1):
        t_epoch = time.perf_counter()
        loss_sum = torch.zeros((), device=run.device)  # summed on the device: no .item() per batch
        correct = torch.zeros((), device=run.device)
        bar = lk.progress(lk.batches(x_train, y_train, args.batch_size, shuffle=True, generator=generator),
                          total=steps_per_epoch, desc=f"epoch {epoch}/{args.epochs}")
        for images, labels in bar:
            logits = net(images, w, b)                  # (B, 10)
            loss = cross_entropy(logits, labels)
            loss.backward()                             # fills w.grad (784, 10) and b.grad (10,)
            # Learning-rate decay (学习率衰减): full steps at first, shrinking linearly to 0, so the last
            # updates stop bouncing around the minimum (classification/11 compares schedules).
            sgd([w, b], args.lr * (1 - step / total_steps))
            step += 1
            loss_sum += loss.detach() * len(labels)
            correct += accuracy(logits.detach(), labels) * len(labels)
            if step % 50 == 0:
                lk.check_finite(loss, f"epoch {epoch} step {step}")
                bar.set_postfix(loss=f"{loss.item():.3f}")
        lk.check_finite(loss_sum, f"epoch {epoch}")
        test_loss, test_acc = evaluate(x_test, y_test, w, b)
        history.append({"epoch": epoch, "train_loss": loss_sum.item() / len(x_train),
                        "train_accuracy": correct.item() / len(x_train), "test_loss": test_loss,
                        "test_accuracy": test_acc, "seconds": time.perf_counter() - t_epoch})
        h = history[-1]
        print(f"epoch {epoch}/{args.epochs}  train loss {h['train_loss']:.4f} accuracy {100 * h['train_accuracy']:.1f}%"
              f"  test loss {test_loss:.4f} accuracy {100 * test_acc:.2f}%  ({h['seconds']:.1f} s)")

    # The train numbers are running averages over each epoch (the model changed while they were taken).
    plot_training(history, w.detach().cpu(), data.classes, run.out / "training.png", run.out / "weights.png",
                  args.show)
    return run.finish({
        "test_accuracy": history[-1]["test_accuracy"],
        "test_loss": history[-1]["test_loss"],
        "train_accuracy": history[-1]["train_accuracy"],
        "train_loss": history[-1]["train_loss"],
        "naive_softmax_has_nan": stability["naive_has_nan"],
        "epochs": args.epochs,
        "train_examples": len(x_train),
        "history": history,
    })


if __name__ == "__main__":
    main()
