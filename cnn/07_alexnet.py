"""cnn/07_alexnet.py: AlexNet, the network that won ImageNet 2012, built block by block and trained on Fashion-MNIST.

AlexNet is LeNet's plan (convolutions and pooling, then dense layers) made deeper and wider, plus the changes
that made that size trainable: ReLU instead of sigmoid (its gradient does not vanish for positive inputs),
dropout (丢弃法) in the dense layers (which hold most of the parameters and overfit first), overlapping max
pooling (3x3 windows, stride 2), and far more data (1.2 million ImageNet images, enlarged by augmentation)
and compute (two GPUs). The lesson prints the output shape, parameters and multiply-adds of every block for
one image (as D2L does), compares them with LeNet's, trains, and draws the filters the first layer learned.

Notes: 002 AlexNet (max pooling, ReLU, dropout); 000 AlexNet figure (D2L-PyTorch 5.6: AlexNet on
Fashion-MNIST resized to 224 px, 96-256-384-384-256 channels, two 4096-wide dense layers).
Run:    python cnn/07_alexnet.py [--epochs 3] [--full] [--device cuda] [--quick]
        --full builds the book's AlexNet (224 px input, full widths): meant for a GPU, very slow on a CPU.
Prints: the block table (output shape, parameters, multiply-adds per block), how it compares with LeNet and
        with the book-size AlexNet, one line per epoch, then the final numbers.
Saves:  outputs/cnn/07_alexnet/{metrics.json, curves.png, first_layer_filters.png, alexnet.pt}
Expect: about 90.2% test accuracy after the default 3 epochs (seed 0), about a minute on an idle 2-core CPU
        (about 88% with --epochs 1: 87.8% at seed 0; the default run's number is checked by
        benchmarks/benchmark.py). This small AlexNet has 160,014 parameters, 63% of them in the dense layers,
        and 3.7 million multiply-adds per image: 2.6x and 9x LeNet's. The book's has 46.8 million and 938
        million.
"""

from __future__ import annotations

import time
from collections import OrderedDict

import matplotlib.pyplot as plt
import torch
from torch import nn

import lessonkit as lk

FASHION_MEAN, FASHION_STD = 0.2860, 0.3530  # of Fashion-MNIST's training pixels in [0, 1]
BOOK_WIDTHS = (96, 256, 384, 384, 256)       # output channels of AlexNet's five convolutions
BOOK_DENSE = 4096                            # width of its two hidden dense layers
# cnn/04's LeNet-5 (with BatchNorm) for one 28x28 image, counted by lk.block_table (tests check these).
LENET_PARAMETERS, LENET_MACS = 61_728, 416_520


def conv_bn_relu(c_in: int, c_out: int, kernel: int, stride: int = 1, padding: int = 0) -> list[nn.Module]:
    # Deviation from the book: BatchNorm (批量归一化, invented three years after AlexNet) after each
    # convolution, so that a few epochs at a high learning rate train reliably. It makes the bias redundant.
    return [nn.Conv2d(c_in, c_out, kernel, stride, padding, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]


def alexnet(full: bool = False, num_classes: int = 10) -> nn.Sequential:
    """AlexNet as a Sequential of named blocks (one row each in the block table). Input (B, 1, 28, 28).

    full=True: the book's network. The 28-px image is resized to 224 px inside the model (nn.Upsample is
    F.interpolate as a layer), then an 11x11 convolution with stride 4 (54x54 out), widths 96-256-384-384-256
    and two 4096-wide dense layers. full=False (default): one eighth of the widths (12-32-48-48-32), 256-wide
    dense layers, and a 5x5 stride-1 first convolution, since 11x11 with stride 4 would leave a 28-px image
    only 5x5 pixels. Same block structure, same overlapping 3x3 max pools.
    """
    c1, c2, c3, c4, c5 = BOOK_WIDTHS if full else [w // 8 for w in BOOK_WIDTHS]
    hidden = BOOK_DENSE if full else BOOK_DENSE // 16
    side = 5 if full else 2  # height = width of the last feature map (see the shapes below)
    blocks = OrderedDict()  # names become the rows of the block table
    if full:
        blocks["resize"] = nn.Upsample(size=(224, 224), mode="bilinear")    # (B, 1, 224, 224)
        first = conv_bn_relu(1, c1, kernel=11, stride=4)                   # (B, 96, 54, 54)
    else:
        first = conv_bn_relu(1, c1, kernel=5, padding=2)                   # (B, 12, 28, 28)
    # Overlapping pooling: 3x3 windows moved 2 pixels at a time (LeNet's 2x2 windows did not overlap).
    blocks["conv1"] = nn.Sequential(*first, nn.MaxPool2d(3, stride=2))    # full (B, 96, 26, 26); small (B, 12, 13, 13)
    blocks["conv2"] = nn.Sequential(*conv_bn_relu(c1, c2, 5, padding=2),
                                    nn.MaxPool2d(3, stride=2))            # full (B, 256, 12, 12); small (B, 32, 6, 6)
    # Three 3x3 convolutions in a row with no pooling in between: the extra depth LeNet did not have.
    blocks["conv3"] = nn.Sequential(*conv_bn_relu(c2, c3, 3, padding=1))  # full (B, 384, 12, 12); small (B, 48, 6, 6)
    blocks["conv4"] = nn.Sequential(*conv_bn_relu(c3, c4, 3, padding=1))  # full (B, 384, 12, 12); small (B, 48, 6, 6)
    blocks["conv5"] = nn.Sequential(*conv_bn_relu(c4, c5, 3, padding=1),
                                    nn.MaxPool2d(3, stride=2))            # full (B, 256, 5, 5); small (B, 32, 2, 2)
    # The dense layers hold most of the parameters, so dropout (p=0.5, as in the paper) sits after each
    # hidden one: in training it zeroes each activation with probability 0.5 and doubles the rest (so the
    # expected value is kept), in eval mode it does nothing.
    blocks["fc6"] = nn.Sequential(nn.Flatten(), nn.Linear(c5 * side * side, hidden), nn.ReLU(),
                                  nn.Dropout(0.5))                        # (B, hidden)
    blocks["fc7"] = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(0.5))  # (B, hidden)
    blocks["fc8"] = nn.Linear(hidden, num_classes)                        # (B, 10) logits, no activation
    return nn.Sequential(blocks)


def to_model_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float (N, 1, 28, 28), standardised. Done once for the whole set."""
    return ((images.float() / 255.0 - FASHION_MEAN) / FASHION_STD).unsqueeze(1)


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


def plot_filters(conv: nn.Conv2d, path, show: bool) -> None:
    """The first layer's kernels as small images: each is the pattern of light and dark that excites its
    channel most (the paper shows AlexNet's 96 colour kernels of 11x11 as edges, stripes and colour blobs)."""
    weights = conv.weight.detach().cpu()[:, 0]  # (out_channels, k, k): one input channel (grey images)
    cols = min(12, len(weights))
    rows = -(-len(weights) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.9, rows * 0.9 + 0.4), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, kernel in zip(axes.flat, weights):
        limit = kernel.abs().max().item() or 1.0
        ax.imshow(kernel.numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)  # red positive, blue negative
    k = weights.shape[-1]
    fig.suptitle(f"First-layer filters ({len(weights)} of {k}x{k}), red = positive weight")
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=3, batch_size=128, lr=0.005)
    parser.add_argument("--full", action="store_true",
                        help="the book's AlexNet: 224 px input, widths 96-256-384-384-256, 4096-wide dense layers"
                             " (default lr then 0.001)")
    if parser.parse_known_args(argv)[0].full:
        # the book-size model starts from the book's Adam learning rate (D2L-PyTorch trains AlexNet with 0.001)
        parser.set_defaults(lr=0.001)  # an explicit --lr still wins
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)

    # --- data: all of Fashion-MNIST as tensors in memory ---
    data = lk.load_mnist(run.data_dir, "FashionMNIST")
    x_train, y_train = to_model_input(data.x_train), data.y_train
    x_test, y_test = to_model_input(data.x_test), data.y_test
    if args.quick:  # a tiny run: seconds, for smoke tests
        x_train, y_train, x_test, y_test = x_train[:2000], y_train[:2000], x_test[:500], y_test[:500]
        args.epochs = 1
    x_train, y_train = x_train.to(run.device), y_train.to(run.device)
    x_test, y_test = x_test.to(run.device), y_test.to(run.device)
    print(f"data: Fashion-MNIST, {len(x_train)} training and {len(x_test)} test images {tuple(x_train.shape[1:])}")

    # --- the model, block by block: how shapes shrink and where parameters and multiply-adds sit ---
    model = alexnet(full=args.full).to(run.device)
    size = "book-size (224 px)" if args.full else "small (28 px, 1/8 of the widths)"
    rows = lk.print_block_table(model, x_test[:1], title=f"AlexNet, {size}, for one image:")
    n_params, n_macs = sum(r.parameters for r in rows), sum(r.macs for r in rows)
    dense_params = sum(r.parameters for r in rows if r.name.startswith("fc"))
    print(f"the three dense layers hold {100 * dense_params / n_params:.0f}% of the parameters, "
          f"the convolutions {100 * (1 - sum(r.macs for r in rows if r.name.startswith('fc')) / n_macs):.0f}% "
          "of the multiply-adds")
    print(f"against cnn/04's LeNet-5 ({LENET_PARAMETERS:,} parameters, {LENET_MACS:,} multiply-adds): "
          f"{n_params / LENET_PARAMETERS:.1f}x the parameters, {n_macs / LENET_MACS:.0f}x the multiply-adds")
    if not args.full:
        # The book-size model on the "meta" device: tensors with shapes but no storage, so counting its
        # 47 million parameters costs neither memory nor time.
        with torch.device("meta"):
            book_rows = lk.block_table(alexnet(full=True), torch.zeros(1, 1, 28, 28))
        print(f"the book-size AlexNet (--full): {sum(r.parameters for r in book_rows):,} parameters, "
              f"{sum(r.macs for r in book_rows):,} multiply-adds per image")

    steps_per_epoch = lk.num_batches(len(x_train), args.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr,
                                                    total_steps=args.epochs * steps_per_epoch)
    loss_fn = nn.CrossEntropyLoss()
    shuffler = torch.Generator().manual_seed(args.seed)

    # --- the training loop, as in cnn/04 ---
    history = []
    for epoch in range(1, args.epochs + 1):
        t_epoch = time.perf_counter()
        model.train()  # dropout on, BatchNorm uses batch statistics
        loss_sum, seen = torch.zeros((), device=run.device), 0
        bar = lk.progress(lk.batches(x_train, y_train, args.batch_size, shuffle=True, generator=shuffler),
                          total=steps_per_epoch, desc=f"epoch {epoch}/{args.epochs}")
        for step, (images, labels) in enumerate(bar):
            logits = model(images)                   # (B, 10)
            loss = loss_fn(logits, labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            loss_sum += loss.detach() * len(labels)  # summed on the device: no waiting every step
            seen += len(labels)
            if step % 50 == 0:
                lk.check_finite(loss, f"epoch {epoch} step {step}")
                bar.set_postfix(loss=f"{loss.item():.3f}")
        lk.check_finite(loss_sum, f"epoch {epoch}")
        # eval mode (dropout off, BatchNorm's running statistics), no gradients; 256 images at a time keeps
        # the 224-px activations of --full within memory
        test_loss, test_acc = lk.evaluate(model, x_test, y_test, batch_size=256)
        train_loss = loss_sum.item() / seen
        history.append({"epoch": epoch, "train_loss": train_loss, "test_loss": test_loss,
                        "test_accuracy": test_acc, "seconds": time.perf_counter() - t_epoch})
        print(f"epoch {epoch}/{args.epochs}  train loss {train_loss:.4f}  test loss {test_loss:.4f}  "
              f"test accuracy {100 * test_acc:.2f}%  ({history[-1]['seconds']:.1f} s)")

    # --- results ---
    plot_curves(history, run.out / "curves.png", args.show)
    plot_filters(model.conv1[0], run.out / "first_layer_filters.png", args.show)
    print(f"saved {lk.save_checkpoint(model.state_dict(), run.out / 'alexnet.pt')}")
    return run.finish({
        "test_accuracy": history[-1]["test_accuracy"],
        "test_loss": history[-1]["test_loss"],
        "train_loss": history[-1]["train_loss"],
        "epochs": args.epochs,
        "full": args.full,
        "parameters": n_params,
        "macs_per_image": n_macs,
        "dense_parameter_share": dense_params / n_params,
        "train_examples": len(x_train),
        "history": history,
    })


if __name__ == "__main__":
    main()
