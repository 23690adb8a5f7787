"""classification/07_mnist_mlp_manual_weights.py: an MNIST network from six bare tensors (手写权重的多层感知机).

You will build note 002's MNIST classifier (多分类问题实战) without nn.Module: the weights w1, w2, w3 and
biases b1, b2, b3 of a 784-200-200-10 network are plain tensors, initialised with Kaiming's method (何凯明
初始化, torch.nn.init.kaiming_normal_), and an optimizer updates the list [w1, b1, w2, b2, w3, b3]
directly: the work nn.Linear and model.parameters() do for you. The note puts a ReLU on the last layer
as well; that is a bug, fixed here (see forward), and --relu-logits puts it back so you can compare.

Notes: 002 多分类问题实战 (w1..w3, kaiming_normal_, optim.SGD on the tensor list, CrossEntropyLoss). Fixed
here: the ReLU on the logits; the test loss (the note adds up batch means and divides by the number of
images, so its "Average loss: 0.0007" is 200 times too small); evaluation without autograd; .data and
.max(1)[1] replaced by argmax. Changed: momentum 0.9 on top of the note's plain SGD at lr 0.01 (the note's
own run printed 95% after 10 epochs; --momentum 0 gives its optimizer back); classification/11 explains
momentum.
Run:    python classification/07_mnist_mlp_manual_weights.py [--epochs 10] [--lr 0.01] [--relu-logits]
Prints: the initial weight spread next to Kaiming's formula, one line per epoch, the share of test
        logits below zero (what the note's ReLU would have set to 0).
Saves:  outputs/classification/07_mnist_mlp_manual_weights/{metrics.json, training.png}
Expect: 97.6% test accuracy after 10 epochs (the course's floor is 97%; 97.5-97.8% over seeds 0-4), with
        55-62% of the test logits below 0 (62% at seed 0); well under a minute on a 2-core CPU.
"""

from __future__ import annotations

import math
import time

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

import lessonkit as lk

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081  # the note's transforms.Normalize((0.1307,), (0.3081,))
SIZES = [784, 200, 200, 10]             # input, two hidden layers, ten digit scores


def init_params(generator: torch.Generator) -> list[torch.Tensor]:
    """[w1, b1, w2, b2, w3, b3]; w has PyTorch's layout (out, in), so a layer computes x @ w.t() + b.

    Kaiming (He) initialisation draws w from N(0, gain^2 / fan_in) with fan_in = inputs per unit. With
    gain sqrt(2) for ReLU layers, the spread of the activations stays about the same from layer to
    layer instead of shrinking or exploding. torch.randn alone (std 1) would give pre-activations of
    std about sqrt(784) = 28 in the first layer. The last layer feeds no ReLU, so its gain is 1
    ("linear"); the note used the ReLU gain there too, a small difference.
    """
    params = []
    for i, (fan_in, fan_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        w = torch.empty(fan_out, fan_in)
        last = i == len(SIZES) - 2
        torch.nn.init.kaiming_normal_(w, mode="fan_in", nonlinearity="linear" if last else "relu",
                                      generator=generator)
        params += [w, torch.zeros(fan_out)]
    return params


def forward(x: torch.Tensor, params: list[torch.Tensor], relu_logits: bool = False) -> torch.Tensor:
    """(batch, 784) -> (batch, 10) scores (logits)."""
    w1, b1, w2, b2, w3, b3 = params
    h = F.relu(x @ w1.t() + b1)   # (batch, 200)
    h = F.relu(h @ w2.t() + b2)   # (batch, 200)
    logits = h @ w3.t() + b3      # (batch, 10)
    if relu_logits:
        # The note's bug, kept only to compare: ReLU sets every negative score to 0. Softmax then
        # cannot say "this digit is unlikely" with a score below 0, and a clamped score passes no
        # gradient back, so the example teaches that output (and the weights under it) nothing.
        # The network still learns (the true digit needs only a score above 0), only more slowly at
        # first, which is how the bug goes unnoticed: run with --relu-logits and compare (after one epoch
        # the fix is ahead by 0.1 to 9.7 points over seeds 0-3: sometimes by little).
        return F.relu(logits)
    return logits  # raw scores: cross_entropy applies log-softmax itself


def to_model_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float (N, 784), normalised; done once for the whole set."""
    return ((images.float() / 255.0 - MNIST_MEAN) / MNIST_STD).reshape(len(images), -1)


def evaluate(x: torch.Tensor, y: torch.Tensor, params, relu_logits: bool, batch_size: int = 1000):
    """(mean loss, accuracy, all logits) over a whole split, without autograd.

    The mean loss weighs each batch by its size: the note summed batch means and divided by the number of
    images instead.
    """
    with torch.inference_mode():
        logits = torch.cat([forward(x[i:i + batch_size], params, relu_logits) for i in range(0, len(x), batch_size)])
        loss = F.cross_entropy(logits, y, reduction="sum") / len(y)
    return loss.item(), lk.accuracy(logits, y), logits


def plot_training(history, test_logits, path, show: bool) -> None:
    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_acc, ax_hist) = plt.subplots(1, 3, figsize=(14, 4))
    ax_loss.plot(epochs, [h["train_loss"] for h in history], "o-", label="train")
    ax_loss.plot(epochs, [h["test_loss"] for h in history], "s-", label="test")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", title="Loss")
    ax_loss.legend()
    ax_acc.plot(epochs, [100 * h["test_accuracy"] for h in history], "s-", color="tab:green")
    ax_acc.set(xlabel="epoch", ylabel="test accuracy (%)", title="Test accuracy")
    values = test_logits.flatten().cpu().numpy()
    ax_hist.hist(values, bins=100, color="tab:blue")
    ax_hist.axvspan(values.min(), 0, color="tab:red", alpha=0.15, label="ReLU on the logits would set these to 0")
    ax_hist.set(xlabel="logit", ylabel="count", title="All test logits (10 per image)")
    ax_hist.legend(fontsize=8)
    for ax in (ax_loss, ax_acc, ax_hist):
        ax.grid(alpha=0.3)
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=10, batch_size=200, lr=0.01)
    parser.add_argument("--momentum", type=lk.probability, default=0.9,
                        help="SGD momentum; 0 is the note's plain SGD (default: 0.9)")
    parser.add_argument("--relu-logits", action="store_true",
                        help="put back the note's bug: a ReLU on the final scores")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)

    mnist = lk.load_mnist(run.data_dir, "MNIST")
    x_train, y_train = to_model_input(mnist.x_train), mnist.y_train   # (60000, 784), (60000,)
    x_test, y_test = to_model_input(mnist.x_test), mnist.y_test       # (10000, 784), (10000,)
    if args.quick:
        x_train, y_train, x_test, y_test = x_train[:2000], y_train[:2000], x_test[:500], y_test[:500]
        args.epochs = min(args.epochs, 2)
    x_train, y_train = x_train.to(run.device), y_train.to(run.device)
    x_test, y_test = x_test.to(run.device), y_test.to(run.device)
    print(f"data: {len(x_train)} training and {len(x_test)} test images, flattened to {x_train.shape[1]} pixels")

    # --- the six tensors: drawn on the CPU (same numbers on every device), then moved ---
    generator = torch.Generator().manual_seed(args.seed)
    params = [p.to(run.device).requires_grad_() for p in init_params(generator)]
    w1 = params[0]
    print(f"w1 {tuple(w1.shape)}: std {w1.std().item():.4f}, Kaiming's sqrt(2 / fan_in) = sqrt(2 / 784) = "
          f"{math.sqrt(2 / 784):.4f}; {sum(p.numel() for p in params):,} numbers in all")
    # An optimizer takes any list of tensors that require gradients; model.parameters() is just such a list.
    optimizer = torch.optim.SGD(params, lr=args.lr, momentum=args.momentum)
    shuffler = torch.Generator().manual_seed(args.seed)
    steps_per_epoch = lk.num_batches(len(x_train), args.batch_size)

    history = []
    for epoch in range(1, args.epochs + 1):
        t_epoch = time.perf_counter()
        loss_sum = torch.zeros((), device=run.device)
        bar = lk.progress(lk.batches(x_train, y_train, args.batch_size, shuffle=True, generator=shuffler),
                          total=steps_per_epoch, desc=f"epoch {epoch}/{args.epochs}")
        for step, (images, labels) in enumerate(bar):
            loss = F.cross_entropy(forward(images, params, args.relu_logits), labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()          # fills w1.grad ... b3.grad
            optimizer.step()         # w <- w - lr * (momentum-smoothed) grad, for all six tensors
            loss_sum += loss.detach() * len(labels)
            if step % 50 == 0:
                lk.check_finite(loss, f"epoch {epoch} step {step}")
                bar.set_postfix(loss=f"{loss.item():.3f}")
        lk.check_finite(loss_sum, f"epoch {epoch}")
        test_loss, test_acc, test_logits = evaluate(x_test, y_test, params, args.relu_logits)
        history.append({"epoch": epoch, "train_loss": loss_sum.item() / len(x_train), "test_loss": test_loss,
                        "test_accuracy": test_acc, "seconds": time.perf_counter() - t_epoch})
        print(f"epoch {epoch}/{args.epochs}  train loss {history[-1]['train_loss']:.4f}  test loss {test_loss:.4f}  "
              f"test accuracy {100 * test_acc:.2f}%  ({history[-1]['seconds']:.1f} s)")

    # How many scores the note's ReLU would have clamped: every one of them below 0.
    _, _, raw_logits = evaluate(x_test, y_test, params, relu_logits=False)
    negative = (raw_logits < 0).float().mean().item()
    print(f"{100 * negative:.1f}% of the raw test logits are below 0: a ReLU on the logits turns each of them "
          "into 0 and passes them no gradient")
    plot_training(history, raw_logits, run.out / "training.png", args.show)
    return run.finish({
        "test_accuracy": history[-1]["test_accuracy"],
        "test_loss": history[-1]["test_loss"],
        "train_loss": history[-1]["train_loss"],
        "negative_logit_fraction": negative,
        "relu_logits": args.relu_logits,
        "epochs": args.epochs,
        "train_examples": len(x_train),
        "history": history,
    })


if __name__ == "__main__":
    main()
