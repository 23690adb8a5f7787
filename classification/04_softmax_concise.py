"""classification/04_softmax_concise.py: softmax regression the concise way, nn.Linear + CrossEntropyLoss.

You will rebuild classification/03's model with PyTorch's parts: nn.Flatten turns each 28x28 image into
a row of 784 pixels, nn.Linear(784, 10) holds W and b, nn.CrossEntropyLoss does the softmax and the
cross-entropy (交叉熵) in one numerically safe step, and torch.optim.SGD with a LinearLR schedule does
the update and the learning-rate decay that 03 wrote by hand. The lesson also shows why the loss takes
raw scores (logits), not probabilities, and which classes the model confuses (混淆矩阵).

Notes: 000 torchVisTest2 (softmax regression the usual way; D2L 3.7); 001 lecture 9 (CrossEntropyLoss
contains the softmax, so the last layer has no activation); 002 交叉熵 (F.cross_entropy = log_softmax +
nll_loss). Fixed here: the note computes torch.log(F.softmax(logits)), which is -inf wherever a probability
underflows to 0; with its x and w drawn by torch.randn the logits spread about 28, and in 26 of seeds 0-999
its nll_loss is inf while F.cross_entropy is finite. F.log_softmax computes the same thing safely.
Run:    python classification/04_softmax_concise.py [--epochs 10] [--lr 0.1] [--batch-size 256]
Prints: the model, one line per epoch, the loss on logits vs on probabilities, the most confused classes.
Saves:  outputs/classification/04_softmax_concise/{metrics.json, training.png, confusion.png}
Expect: 84.4% test accuracy after 10 epochs, like 03, under a minute on a 2-core CPU; test loss 0.443 on
        logits but 1.67 on probabilities; the most frequent mistake: Shirt taken for T-shirt/top (about 140 of 1000).
"""

from __future__ import annotations

import math
import time

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

import lessonkit as lk

FASHION_MEAN, FASHION_STD = 0.2860, 0.3530  # of the training pixels in [0, 1], as in classification/03


def to_model_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float (N, 28, 28), standardised once for the whole set; the model flattens."""
    return (images.float() / 255.0 - FASHION_MEAN) / FASHION_STD


def make_model() -> nn.Sequential:
    """(B, 28, 28) -> Flatten -> (B, 784) -> Linear -> (B, 10) logits. No softmax at the end: see below."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10))
    # The same start as 03: W ~ N(0, 0.01^2), b = 0 (nn.Linear's default would draw both uniformly).
    nn.init.normal_(model[1].weight, std=0.01)
    nn.init.zeros_(model[1].bias)
    return model


def probability_floor(num_classes: int = 10) -> float:
    """The smallest loss CrossEntropyLoss can give when fed probabilities instead of logits.

    It softmaxes its input again. The most confident probabilities, [1, 0, ..., 0], become
    [e, 1, ..., 1] / (e + num_classes - 1), so the loss can never go below log(e + 9) - 1 = 1.4612,
    however right the model is.
    """
    return math.log(math.e + num_classes - 1) - 1


def confusion_matrix(predicted: torch.Tensor, labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """counts[true, predicted], (10, 10): bincount over the pair index true * 10 + predicted."""
    return torch.bincount(labels * num_classes + predicted, minlength=num_classes ** 2).reshape(num_classes, -1)


def plot_results(history, confusion, classes, path_curves, path_confusion, show: bool) -> None:
    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, [h["train_loss"] for h in history], "o-", label="train")
    ax_loss.plot(epochs, [h["test_loss"] for h in history], "s-", label="test")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="Loss")
    ax_acc.plot(epochs, [100 * h["test_accuracy"] for h in history], "s-", color="tab:orange", label="test")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="Test accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    lk.save_figure(fig, path_curves, show=show)

    fig, ax = plt.subplots(figsize=(7, 6))
    image = ax.imshow(confusion.numpy(), cmap="Blues")
    for (i, j), count in zip(torch.cartesian_prod(torch.arange(10), torch.arange(10)).tolist(),
                             confusion.flatten().tolist()):
        ax.text(j, i, count, ha="center", va="center", fontsize=7,
                color="white" if count > confusion.max().item() / 2 else "black")
    ax.set_xticks(range(10), classes, rotation=60, ha="right")
    ax.set_yticks(range(10), classes)
    ax.set(xlabel="predicted", ylabel="true", title="Confusion matrix on the test set")
    fig.colorbar(image, ax=ax, shrink=0.8)
    lk.save_figure(fig, path_confusion, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=10, batch_size=256, lr=0.1)
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)

    data = lk.load_mnist(run.data_dir, "FashionMNIST")
    x_train, y_train = to_model_input(data.x_train).to(run.device), data.y_train.to(run.device)  # (60000, 28, 28)
    x_test, y_test = to_model_input(data.x_test).to(run.device), data.y_test.to(run.device)      # (10000, 28, 28)
    if args.quick:
        args.epochs = 2
    print(f"data: {len(x_train)} training and {len(x_test)} test images {tuple(x_train.shape[1:])}")

    model = make_model().to(run.device)
    print(f"model: {model}")
    # nn.Linear stores its weight as (out, in) = (10, 784) and computes x @ weight.T + bias: the transpose
    # of 03's W (784, 10). Same numbers, other layout.
    print(f"weight {tuple(model[1].weight.shape)}, bias {tuple(model[1].bias.shape)}")

    # Why CrossEntropyLoss takes logits (raw scores), not probabilities: it computes log-softmax itself
    # with the log-sum-exp trick (03's safe version), so huge or tiny scores never become inf, NaN or
    # log(0), and its gradient is simply softmax(logits) - one_hot(label). A softmax layer in the model
    # would be applied twice, and the loss could no longer reach 0 (see probability_floor).
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    steps_per_epoch = lk.num_batches(len(x_train), args.batch_size)
    # 03's decay by hand, lr * (1 - step / total_steps), as a scheduler stepped once per batch.
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
            optimizer.zero_grad(set_to_none=True)   # 03's param.grad = None
            loss.backward()
            optimizer.step()                        # 03's param -= lr * param.grad, for every parameter
            scheduler.step()
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

    # --- the logits question, measured on the trained model ---
    model.eval()  # what lk.evaluate did each epoch: eval mode and no autograd bookkeeping
    with torch.inference_mode():
        logits = model(x_test)                                                  # (10000, 10)
    on_logits = loss_fn(logits, y_test).item()
    by_parts = F.nll_loss(F.log_softmax(logits, dim=1), y_test).item()          # 002's two steps, made safe
    on_probabilities = loss_fn(F.softmax(logits, dim=1), y_test).item()         # the mistake
    print(f"test loss: CrossEntropyLoss(logits) {on_logits:.4f} = nll_loss(log_softmax(logits)) {by_parts:.4f}; "
          f"CrossEntropyLoss(softmax(logits)) {on_probabilities:.4f}, which can never go below "
          f"{probability_floor():.4f}")

    predicted = logits.argmax(dim=1)
    confusion = confusion_matrix(predicted, y_test, 10).cpu()
    off_diagonal = confusion - torch.diag(torch.diag(confusion))
    true_k, pred_k = divmod(off_diagonal.argmax().item(), 10)
    if off_diagonal.max() > 0:
        worst = f"{data.classes[true_k]} taken for {data.classes[pred_k]}"
        print(f"most frequent mistake: {worst} ({off_diagonal.max().item()} of {confusion[true_k].sum().item()} "
              f"test images of that class)")
    else:
        worst = "none"
        print("no test image misclassified")

    plot_results(history, confusion, data.classes, run.out / "training.png", run.out / "confusion.png", args.show)
    return run.finish({
        "test_accuracy": history[-1]["test_accuracy"],
        "test_loss": on_logits,
        "test_loss_on_probabilities": on_probabilities,
        "train_loss": history[-1]["train_loss"],
        "most_frequent_mistake": worst,
        "most_frequent_mistake_count": off_diagonal.max().item(),
        "epochs": args.epochs,
        "train_examples": len(x_train),
        "history": history,
    })


if __name__ == "__main__":
    main()
