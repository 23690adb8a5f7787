"""cnn/08_vgg.py: VGG, a network written as a list of repeated blocks, and why its blocks use 3x3 convolutions.

AlexNet was designed layer by layer; VGG (2014) is designed block by block. One VGG block (VGG 块) is a few
3x3 convolutions with padding 1 (height and width kept) followed by a 2x2 max pool (height and width halved),
and the whole network is a list of (number of convolutions, output channels) pairs. VGG-11 is
((1, 64), (1, 128), (2, 256), (2, 512), (2, 512)) followed by three dense layers. Why only 3x3 kernels: two
3x3 convolutions in a row see a 5x5 patch of their input, three see 7x7, with fewer parameters than one 5x5
or 7x7 convolution and a ReLU between them. The lesson measures both: the receptive field (感受野) through
the gradient, the parameters by counting. Then it prints the output shape, parameters and multiply-adds of
every block, trains, and draws where the multiply-adds sit.

Notes: 002 VGG (smaller kernels: 3x3, 1x1); D2L-PyTorch 5.7 (vgg_block, conv_arch, VGG-11 on Fashion-MNIST
resized to 224 px).
Run:    python cnn/08_vgg.py [--epochs 3] [--full] [--device cuda] [--quick]
        --full builds the book's VGG-11 (224 px input, full widths): meant for a GPU, very slow on a CPU.
Prints: the receptive field and parameters of 3x3 stacks against one larger kernel, the block table (output
        shape, parameters, multiply-adds per block), one line per epoch, then the final numbers.
Saves:  outputs/cnn/08_vgg/{metrics.json, curves.png, cost_per_block.png, vgg.pt}
Expect: two stacked 3x3 convolutions see 5x5 with 28% fewer weights than one 5x5 convolution, three see 7x7 with
        45% fewer than one 7x7. About 91.7% test accuracy after the default 3 epochs (seed 0), about 1.2 minutes
        on an idle 2-core CPU (about 89% with --epochs 1: 89.1% at seed 0; the default run is checked by the
        benchmark), with 383,482 parameters and 5.8 million multiply-adds per image; the book's VGG-11 has
        128.8 million parameters (93% in its dense layers) and 7.5 billion multiply-adds.
"""

from __future__ import annotations

import time
from collections import OrderedDict

import matplotlib.pyplot as plt
import torch
from torch import nn

import lessonkit as lk

FASHION_MEAN, FASHION_STD = 0.2860, 0.3530   # of Fashion-MNIST's training pixels in [0, 1]
VGG11 = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))  # (convolutions, output channels) of each block
# The default: VGG-11's first four blocks at a quarter of the widths. Five halvings would take a 28-px image
# to 0 pixels (28 -> 14 -> 7 -> 3 -> 1 -> 0); four leave 1x1.
SMALL = ((1, 16), (1, 32), (2, 64), (2, 128))


def vgg_block(num_convs: int, in_channels: int, out_channels: int) -> nn.Sequential:
    """num_convs 3x3 convolutions (padding 1 keeps height and width), then a 2x2 max pool halving them."""
    layers = []
    for _ in range(num_convs):
        # Deviation from the book: BatchNorm after each convolution (VGG predates it; it lets a few epochs
        # at a high learning rate train reliably, and makes the convolution's bias redundant).
        layers += [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False),
                   nn.BatchNorm2d(out_channels), nn.ReLU()]
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


def vgg(full: bool = False, num_classes: int = 10) -> nn.Sequential:
    """VGG as a Sequential of named blocks. Input (B, 1, 28, 28).

    full=True: VGG-11 as in the book, the image resized to 224 px inside the model (nn.Upsample is
    F.interpolate as a layer), 4096-wide dense layers. full=False: SMALL above and 256-wide dense layers.
    Dropout (p=0.5) follows each hidden dense layer, as in the book.
    """
    arch, side, hidden = (VGG11, 224, 4096) if full else (SMALL, 28, 256)
    blocks = OrderedDict()  # names become the rows of the block table
    if full:
        blocks["resize"] = nn.Upsample(size=(224, 224), mode="bilinear")  # (B, 1, 224, 224)
    channels = 1
    for i, (num_convs, out_channels) in enumerate(arch, start=1):
        blocks[f"block{i}"] = vgg_block(num_convs, channels, out_channels)
        channels, side = out_channels, side // 2
        # small: (B, 16, 14, 14), (B, 32, 7, 7), (B, 64, 3, 3), (B, 128, 1, 1)
        # full:  (B, 64, 112, 112), (B, 128, 56, 56), (B, 256, 28, 28), (B, 512, 14, 14), (B, 512, 7, 7)
    blocks["dense"] = nn.Sequential(
        nn.Flatten(),                                          # small (B, 128); full (B, 25088)
        nn.Linear(channels * side * side, hidden), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(hidden, num_classes),                        # (B, 10) logits, no activation
    )
    return nn.Sequential(blocks)


def receptive_field(num_convs: int, size: int = 15) -> int:
    """Side of the input square that one output pixel of num_convs stacked 3x3 convolutions depends on.

    Measured, not derived: backpropagate from the centre output pixel and see which input pixels get a
    gradient. Weights of 1 (and no ReLU) so that no gradient cancels to zero by chance.
    """
    stack = nn.Sequential(*[nn.Conv2d(1, 1, 3, padding=1) for _ in range(num_convs)])
    for conv in stack:
        nn.init.ones_(conv.weight)
    x = torch.zeros(1, 1, size, size, requires_grad=True)
    stack(x)[0, 0, size // 2, size // 2].backward()
    return int(x.grad[0, 0].ne(0).any(dim=1).sum())  # rows with any non-zero gradient


def conv_weights(kernel: int, channels: int) -> int:
    """Weights of one kernel x kernel convolution from `channels` to `channels` channels (no bias)."""
    return nn.Conv2d(channels, channels, kernel, bias=False).weight.numel()  # channels * channels * kernel**2


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


def plot_cost_per_block(rows: list[lk.BlockRow], path, show: bool) -> None:
    """Where the cost of each block lies: multiply-adds (time) and parameters (memory)."""
    names = [r.name.split()[0] for r in rows]
    fig, (ax_macs, ax_params) = plt.subplots(1, 2, figsize=(11, 4))
    ax_macs.bar(names, [r.macs / 1e6 for r in rows], color="tab:orange")
    ax_macs.set(ylabel="million multiply-adds per image", title="Compute per block")
    ax_params.bar(names, [r.parameters / 1e3 for r in rows], color="tab:blue")
    ax_params.set(ylabel="thousand parameters", title="Parameters per block")
    for ax in (ax_macs, ax_params):
        ax.grid(alpha=0.3, axis="y")
        ax.tick_params(axis="x", rotation=30)
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=3, batch_size=128, lr=0.005)
    parser.add_argument("--full", action="store_true",
                        help="the book's VGG-11: 224 px input, widths 64-128-256-512-512, 4096-wide dense layers"
                             " (default lr then 0.001)")
    if parser.parse_known_args(argv)[0].full:
        # the book-size model starts from the book's Adam learning rate (D2L-PyTorch trains VGG with 0.001)
        parser.set_defaults(lr=0.001)  # an explicit --lr still wins
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)

    # --- why 3x3: n stacked 3x3 convolutions see (2n+1)x(2n+1) pixels, with fewer weights than one kernel
    # of that size (counted for 64 channels in and out, VGG's first width; the saving holds for any width) ---
    channels = 64
    print(f"why 3x3 kernels ({channels} channels in and out, weights without bias):")
    stacks = []
    for n in (2, 3):
        field = receptive_field(n)
        stacked, single = n * conv_weights(3, channels), conv_weights(field, channels)
        stacks.append({"convs": n, "receptive_field": field, "stacked_weights": stacked, "single_weights": single})
        print(f"  {n} x 3x3 sees {field}x{field} input pixels with {stacked:>7,} weights; "
              f"one {field}x{field} convolution: {single:>7,} ({100 * (1 - stacked / single):.0f}% fewer with 3x3, "
              f"and {n - 1} more ReLU in between)")

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

    # --- the model, block by block ---
    model = vgg(full=args.full).to(run.device)
    size = "VGG-11 (224 px)" if args.full else "VGG-11's first 4 blocks at 1/4 of the widths (28 px)"
    rows = lk.print_block_table(model, x_test[:1], title=f"{size}, for one image:")
    n_params, n_macs = sum(r.parameters for r in rows), sum(r.macs for r in rows)
    conv_rows = [r for r in rows if r.name.startswith("block")]
    print(f"the convolution blocks do {100 * sum(r.macs for r in conv_rows) / n_macs:.0f}% of the multiply-adds "
          f"and hold {100 * sum(r.parameters for r in conv_rows) / n_params:.0f}% of the parameters")
    if not args.full:
        # The book-size model on the "meta" device (shapes without storage): counting it costs nothing.
        with torch.device("meta"):
            book_rows = lk.block_table(vgg(full=True), torch.zeros(1, 1, 28, 28))
        book_params = sum(r.parameters for r in book_rows)
        print(f"the book's VGG-11 (--full): {book_params:,} parameters "
              f"({100 * book_rows[-1].parameters / book_params:.0f}% of them in the dense layers), "
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
        # eval mode, no gradients; 256 images at a time keeps the 224-px activations of --full within memory
        test_loss, test_acc = lk.evaluate(model, x_test, y_test, batch_size=256)
        train_loss = loss_sum.item() / seen
        history.append({"epoch": epoch, "train_loss": train_loss, "test_loss": test_loss,
                        "test_accuracy": test_acc, "seconds": time.perf_counter() - t_epoch})
        print(f"epoch {epoch}/{args.epochs}  train loss {train_loss:.4f}  test loss {test_loss:.4f}  "
              f"test accuracy {100 * test_acc:.2f}%  ({history[-1]['seconds']:.1f} s)")

    # --- results ---
    plot_curves(history, run.out / "curves.png", args.show)
    plot_cost_per_block(rows, run.out / "cost_per_block.png", args.show)
    print(f"saved {lk.save_checkpoint(model.state_dict(), run.out / 'vgg.pt')}")
    return run.finish({
        "test_accuracy": history[-1]["test_accuracy"],
        "test_loss": history[-1]["test_loss"],
        "train_loss": history[-1]["train_loss"],
        "epochs": args.epochs,
        "full": args.full,
        "parameters": n_params,
        "macs_per_image": n_macs,
        "train_examples": len(x_train),
        "three_by_three": stacks,
        "history": history,
    })


if __name__ == "__main__":
    main()
