"""cnn/04_lenet.py: LeNet-5 on MNIST, the course's flagship convolutional network.

You will see the classic LeNet layout (two convolution + pooling blocks, then three fully connected
layers; 卷积层块 + 全连接层块) with the touches a modern learner should know: BatchNorm (批量归一化)
after each convolution, ReLU instead of sigmoid, max pooling, AdamW with a one-cycle learning-rate
schedule, and the whole dataset held in memory as one tensor, which is what makes a CPU fast here.

Notes: 001 lecture 10 (basic CNN); 000 LeNet (convolution block + dense block, 6 then 16 channels,
120-84-10); 002 LeNet-5 and Batch Norm; 004 CNN (local connections, shared weights, pooling). 004's own
MNIST training script, with its bugs fixed one by one, is cnn/05_training_pipeline.py.
Run:    python cnn/04_lenet.py [--epochs 3] [--optimizer sgd] [--device cuda] [--quick]
Prints: one line per epoch (train loss, test loss, test accuracy, seconds), then the final numbers.
Saves:  outputs/cnn/04_lenet/{metrics.json, curves.png, misclassified.png, lenet.pt}
Expect: about 99.2% test accuracy (3 epochs, seed 0) in about 20 s on a 2-core CPU; about 98.9% after 1 epoch.
"""

from __future__ import annotations

import time

import matplotlib.pyplot as plt
import torch
from torch import nn

import lessonkit as lk

# Mean and standard deviation of MNIST training pixels (in [0, 1]): inputs centred near 0 with unit
# spread make the first layer's job easier (the usual torchvision Normalize values).
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


class LeNet5(nn.Module):
    """LeNet-5 with BatchNorm and ReLU. Input (batch, 1, 28, 28), output (batch, 10) logits.

    The original used sigmoid and average pooling; ReLU + max pooling + BatchNorm trains in a few
    epochs instead of dozens. Convolutions feeding BatchNorm need no bias: BatchNorm's own shift
    (beta) does that job.
    """

    def __init__(self, num_classes: int = 10, batch_norm: bool = True):
        super().__init__()

        def norm2d(channels):
            return nn.BatchNorm2d(channels) if batch_norm else nn.Identity()

        self.features = nn.Sequential(
            # padding=2 keeps 28x28, like the 32x32 input of the original paper
            nn.Conv2d(1, 6, kernel_size=5, padding=2, bias=not batch_norm),  # (B, 6, 28, 28)
            norm2d(6),
            nn.ReLU(),
            nn.MaxPool2d(2),                                                 # (B, 6, 14, 14)
            nn.Conv2d(6, 16, kernel_size=5, bias=not batch_norm),            # (B, 16, 10, 10)
            norm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),                                                 # (B, 16, 5, 5)
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),                                                    # (B, 400)
            nn.Linear(16 * 5 * 5, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            # No activation on the last layer: the model returns raw scores (logits) and
            # cross_entropy applies log-softmax itself.
            nn.Linear(84, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def to_model_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) in [0, 255] -> float (N, 1, 28, 28), normalised. Done once for the whole set."""
    return ((images.float() / 255.0 - MNIST_MEAN) / MNIST_STD).unsqueeze(1)


def make_optimizer(name: str, model: nn.Module, lr: float, total_steps: int):
    """AdamW or SGD with Nesterov momentum, both under a one-cycle schedule (warm up, then anneal)."""
    if name == "adamw":
        optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=total_steps)
    return optimizer, scheduler


def plot_curves(history: list[dict], path, show: bool) -> None:
    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, [h["train_loss"] for h in history], "o-", label="train")
    ax_loss.plot(epochs, [h["test_loss"] for h in history], "s-", label="test")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", title="Loss")
    ax_loss.legend()
    ax_acc.plot(epochs, [100 * h["test_accuracy"] for h in history], "s-", color="tab:green")
    ax_acc.set(xlabel="epoch", ylabel="test accuracy (%)", title="Test accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.set_xticks(epochs)
    lk.save_figure(fig, path, show=show)


def plot_misclassified(images, labels, predicted, path, show: bool, limit: int = 32) -> None:
    """A grid of test digits the model got wrong, titled 'true -> predicted'."""
    wrong = (predicted != labels).nonzero().flatten()[:limit]
    cols = 8
    rows = max(1, -(-len(wrong) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.2, rows * 1.4), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, wrong.tolist()):
        ax.imshow(images[i].numpy(), cmap="gray_r")  # Matplotlib wants NumPy, not tensors
        ax.set_title(f"{labels[i].item()} -> {predicted[i].item()}", fontsize=9, color="tab:red")
    fig.suptitle(f"Misclassified test digits (first {len(wrong)}), true -> predicted")
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=3, batch_size=128, lr=0.01)
    parser.add_argument("--optimizer", choices=["adamw", "sgd"], default="adamw",
                        help="adamw (lr 0.01) or sgd with Nesterov momentum (try --lr 0.1)")
    parser.add_argument("--no-batchnorm", action="store_true",
                        help="drop BatchNorm to see how much slower the plain network learns")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)

    # --- data: the whole of MNIST as tensors in memory (55 MB as uint8, 220 MB once float32) ---
    t_data = time.perf_counter()
    mnist = lk.load_mnist(run.data_dir, "MNIST")
    x_train, y_train = to_model_input(mnist.x_train), mnist.y_train
    x_test, y_test = to_model_input(mnist.x_test), mnist.y_test
    if args.quick:  # a tiny run: seconds, for smoke tests
        x_train, y_train, x_test, y_test = x_train[:2000], y_train[:2000], x_test[:500], y_test[:500]
        args.epochs = 1
    x_train, y_train = x_train.to(run.device), y_train.to(run.device)
    x_test, y_test = x_test.to(run.device), y_test.to(run.device)
    print(f"data: {len(x_train)} training and {len(x_test)} test images {tuple(x_train.shape[1:])}, "
          f"loaded in {time.perf_counter() - t_data:.1f} s")

    # --- model, loss, optimizer ---
    model = LeNet5(batch_norm=not args.no_batchnorm).to(run.device)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: LeNet-5 with {n_params:,} parameters")
    steps_per_epoch = lk.num_batches(len(x_train), args.batch_size)
    optimizer, scheduler = make_optimizer(args.optimizer, model, args.lr, args.epochs * steps_per_epoch)
    loss_fn = nn.CrossEntropyLoss()
    shuffler = torch.Generator().manual_seed(args.seed)

    # --- the training loop, in plain sight ---
    history = []
    for epoch in range(1, args.epochs + 1):
        t_epoch = time.perf_counter()
        model.train()  # BatchNorm uses batch statistics while training
        # The loss is summed on the device: a .item() every step would make a GPU wait for each batch.
        loss_sum, seen = torch.zeros((), device=run.device), 0
        bar = lk.progress(lk.batches(x_train, y_train, args.batch_size, shuffle=True, generator=shuffler),
                          total=steps_per_epoch, desc=f"epoch {epoch}/{args.epochs}")
        for step, (images, labels) in enumerate(bar):
            logits = model(images)                   # (B, 10)
            loss = loss_fn(logits, labels)
            optimizer.zero_grad(set_to_none=True)    # gradients accumulate unless cleared
            loss.backward()
            optimizer.step()
            scheduler.step()                         # one-cycle steps once per batch
            loss_sum += loss.detach() * len(labels)  # mean loss of the batch x its size
            seen += len(labels)
            if step % 50 == 0:  # looking at the loss means waiting for the device: every 50 steps is cheap
                lk.check_finite(loss, f"epoch {epoch} step {step}")
                bar.set_postfix(loss=f"{loss.item():.3f}")
        lk.check_finite(loss_sum, f"epoch {epoch}")  # a NaN in any step makes the sum NaN
        if epoch == 1:
            # Evaluation = eval mode (BatchNorm uses its running statistics, not the batch's) and no
            # autograd bookkeeping (inference_mode). Written out once here; lk.evaluate does the same.
            model.eval()
            with torch.inference_mode():
                first = model(x_test[:1000])
            print(f"by hand: accuracy on the first {len(first)} test images "
                  f"{100 * lk.accuracy(first, y_test[:1000]):.2f}% (model.eval() + torch.inference_mode())")
        test_loss, test_acc = lk.evaluate(model, x_test, y_test)  # eval mode, no gradients, batched
        train_loss = loss_sum.item() / seen
        history.append({"epoch": epoch, "train_loss": train_loss, "test_loss": test_loss,
                        "test_accuracy": test_acc, "seconds": time.perf_counter() - t_epoch})
        print(f"epoch {epoch}/{args.epochs}  train loss {train_loss:.4f}  test loss {test_loss:.4f}  "
              f"test accuracy {100 * test_acc:.2f}%  ({history[-1]['seconds']:.1f} s)")

    # --- results: figures, checkpoint, metrics ---
    predicted = lk.predict(model, x_test).argmax(dim=1).cpu()
    plot_curves(history, run.out / "curves.png", args.show)
    plot_misclassified(mnist.x_test[: len(predicted)], y_test.cpu(), predicted,
                       run.out / "misclassified.png", args.show)
    checkpoint = lk.save_checkpoint(model.state_dict(), run.out / "lenet.pt")
    print(f"saved {checkpoint}")
    return run.finish({
        "test_accuracy": history[-1]["test_accuracy"],
        "test_loss": history[-1]["test_loss"],
        "train_loss": history[-1]["train_loss"],
        "errors": int((predicted != y_test.cpu()).sum()),
        "epochs": args.epochs,
        "parameters": n_params,
        "train_examples": len(x_train),
        "history": history,
    })


if __name__ == "__main__":
    main()
