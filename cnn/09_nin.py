"""cnn/09_nin.py: Network in Network (NiN): 1x1 convolutions as dense layers applied at every pixel, and global
average pooling in place of AlexNet's huge dense layers.

A 1x1 convolution (1×1 卷积) mixes the channels of each pixel and nothing else: treat the channels as features
and every pixel as one example, and it is exactly a dense layer (全连接层) applied to every pixel with the same
weights; the lesson checks this number for number. A NiN block is one ordinary convolution followed by two
1x1 convolutions, a small MLP sliding over the image. NiN (2013) then drops the dense layers altogether: its
last block outputs one channel per class, and global average pooling (全局平均池化) turns each channel into
one score. The dense layers that held most of AlexNet's parameters are gone; the lesson counts what that
saves, prints the output shape, parameters and multiply-adds of every block, and trains.

Notes: 000 1x1 convolution (a 1x1 layer is equivalent to a dense layer over channels); 002 1x1 Convolution
(cross-channel mixing, changing the number of channels, fewer parameters); D2L-PyTorch 5.8 (nin_block, NiN on
Fashion-MNIST resized to 224 px, GlobalAvgPool2d).
Run:    python cnn/09_nin.py [--epochs 3] [--full] [--device cuda] [--quick]
        --full builds the book's NiN (224 px input, widths 96-256-384): meant for a GPU, very slow on a CPU.
Prints: the largest difference between a 1x1 convolution and the same dense layer applied per pixel, the
        block table (output shape, parameters, multiply-adds per block), NiN's head against an AlexNet-style
        dense head on the same features, one line per epoch, then the final numbers.
Saves:  outputs/cnn/09_nin/{metrics.json, curves.png, head_parameters.png, nin.pt}
Expect: the 1x1 convolution and the per-pixel dense layer agree to rounding (below 1e-6). NiN's head has 6,010
        parameters where an AlexNet-style dense head on the same features needs 134,154 (22x; at the book's size
        34,810 against 56.1 million, 1,613x). About 90.9% test accuracy after the default 3 epochs (90.91% in the
        benchmark's seed-0 run, which checks it), under two minutes on an idle 2-core CPU; about 88% with
        --epochs 1 (87.89% at seed 0 in benchmarks/spread_results.md). 49,066 parameters; the book's NiN has
        2.0 million (the book's AlexNet 46.8 million).
"""

from __future__ import annotations

import time
from collections import OrderedDict

import matplotlib.pyplot as plt
import torch
from torch import nn

import lessonkit as lk

FASHION_MEAN, FASHION_STD = 0.2860, 0.3530  # of Fashion-MNIST's training pixels in [0, 1]
# (output channels, kernel, stride, padding) of the first convolution of each NiN block before the last.
BOOK = ((96, 11, 4, 0), (256, 5, 1, 2), (384, 3, 1, 1))
# The default: widths 16-32-64 (the book's divided by 6, 8 and 6), and a 5x5 stride-1 first convolution
# (11x11 with stride 4 would leave a 28-px image 5x5 pixels).
SMALL = ((16, 5, 1, 2), (32, 5, 1, 2), (64, 3, 1, 1))
DENSE_WIDTH = {True: 4096, False: 256}  # the AlexNet-style head NiN is compared with (cnn/07's widths)


def conv_bn_relu(c_in: int, c_out: int, kernel: int, stride: int = 1, padding: int = 0) -> list[nn.Module]:
    # Deviation from the book: BatchNorm after each convolution (NiN predates it), so that a few epochs at a
    # high learning rate train reliably. It makes the convolution's bias redundant.
    return [nn.Conv2d(c_in, c_out, kernel, stride, padding, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]


def nin_block(c_in: int, c_out: int, kernel: int, stride: int, padding: int) -> nn.Sequential:
    """A kernel x kernel convolution, then two 1x1 convolutions: a two-layer MLP applied at every pixel."""
    return nn.Sequential(*conv_bn_relu(c_in, c_out, kernel, stride, padding),
                         *conv_bn_relu(c_out, c_out, 1), *conv_bn_relu(c_out, c_out, 1))


def nin(full: bool = False, num_classes: int = 10) -> nn.Sequential:
    """NiN as a Sequential of named blocks. Input (B, 1, 28, 28).

    full=True: the book's NiN, the image resized to 224 px inside the model (nn.Upsample is F.interpolate
    as a layer). full=False: SMALL above. The shapes after each block are in the comments.
    """
    blocks = OrderedDict()  # names become the rows of the block table
    if full:
        blocks["resize"] = nn.Upsample(size=(224, 224), mode="bilinear")  # (B, 1, 224, 224)
    channels = 1
    for i, (c_out, kernel, stride, padding) in enumerate(BOOK if full else SMALL, start=1):
        blocks[f"nin{i}"] = nin_block(channels, c_out, kernel, stride, padding)
        blocks[f"pool{i}"] = nn.MaxPool2d(3, stride=2)
        channels = c_out
        # small: nin1 (B, 16, 28, 28) pool1 (B, 16, 13, 13); nin2 (B, 32, 13, 13) pool2 (B, 32, 6, 6);
        #        nin3 (B, 64, 6, 6) pool3 (B, 64, 2, 2)
        # full:  nin1 (B, 96, 54, 54) pool1 (B, 96, 26, 26); nin2 (B, 256, 26, 26) pool2 (B, 256, 12, 12);
        #        nin3 (B, 384, 12, 12) pool3 (B, 384, 5, 5)
    if full:
        # Dropout (p=0.5, as in the book) fights overfitting. The small network underfits instead: with this
        # dropout its training loss stayed above its test loss for all 3 epochs and its test accuracy ended
        # lower than without. So the default leaves it out.
        blocks["dropout"] = nn.Dropout(0.5)
    # The head: a last NiN block with one output channel per class, (B, 10, H, W). Deviation from the book:
    # its final 1x1 convolution has no BatchNorm and no ReLU, so the scores can be negative (D2L ends with a
    # ReLU; this course's models return raw logits and let the loss apply softmax).
    blocks["classes"] = nn.Sequential(*conv_bn_relu(channels, num_classes, 3, padding=1),
                                      *conv_bn_relu(num_classes, num_classes, 1),
                                      nn.Conv2d(num_classes, num_classes, 1))  # small (B, 10, 2, 2); full (B, 10, 5, 5)
    # Global average pooling: each class map averaged to one number, the class score. No parameters.
    blocks["gap"] = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())  # (B, 10) logits
    return nn.Sequential(blocks)


def one_by_one_vs_dense(c_in: int = 16, c_out: int = 8) -> float:
    """Largest difference between a 1x1 convolution and a dense layer with the same weights, per pixel."""
    conv = nn.Conv2d(c_in, c_out, kernel_size=1)                # weight (c_out, c_in, 1, 1)
    dense = nn.Linear(c_in, c_out)                              # weight (c_out, c_in)
    with torch.no_grad():
        dense.weight.copy_(conv.weight.view(c_out, c_in))
        dense.bias.copy_(conv.bias)
        x = torch.randn(4, c_in, 7, 7)
        # Channels last: (4, 7, 7, c_in) is 4*7*7 rows of c_in features; nn.Linear maps the last dimension.
        per_pixel = dense(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)  # back to (4, c_out, 7, 7)
        return (conv(x) - per_pixel).abs().max().item()


def dense_head_parameters(in_features: int, hidden: int, num_classes: int = 10) -> int:
    """Parameters of an AlexNet-style head: in_features -> hidden -> hidden -> classes, biases included."""
    return (in_features + 1) * hidden + (hidden + 1) * hidden + (hidden + 1) * num_classes


def to_model_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float (N, 1, 28, 28), standardised. Done once for the whole set."""
    return ((images.float() / 255.0 - FASHION_MEAN) / FASHION_STD).unsqueeze(1)


def head_comparison(rows: list[lk.BlockRow], full: bool) -> dict:
    """NiN's head (the 'classes' block; pooling has no parameters) against a dense head on the same features."""
    features = [r for r in rows if r.name.startswith("pool")][-1].output_shape[1:]  # (C, H, W) entering the head
    nin_head = next(r for r in rows if r.name.startswith("classes")).parameters
    dense = dense_head_parameters(features[0] * features[1] * features[2], DENSE_WIDTH[full])
    return {"features": features, "nin_head": nin_head, "dense_head": dense, "dense_width": DENSE_WIDTH[full]}


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


def plot_heads(heads: dict[str, dict], path, show: bool) -> None:
    """Parameters of NiN's head against a dense head, at both sizes, on a log scale."""
    fig, ax = plt.subplots(figsize=(7, 4))
    labels = [f"{kind}\n{size}" for size, h in heads.items()
              for kind in ("NiN head", f"dense {h['dense_width']}-{h['dense_width']}-10")]
    values = [v for h in heads.values() for v in (h["nin_head"], h["dense_head"])]
    bars = ax.bar(labels, values, color=["tab:green", "tab:red"] * len(heads))
    ax.bar_label(bars, labels=[f"{v:,}" for v in values], fontsize=8)
    ax.set(yscale="log", ylabel="parameters (log scale)", title="Global average pooling instead of dense layers")
    ax.grid(alpha=0.3, axis="y")
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=3, batch_size=128, lr=0.005)
    parser.add_argument("--full", action="store_true",
                        help="the book's NiN: 224 px input, widths 96-256-384 (default lr then 0.002)")
    if parser.parse_known_args(argv)[0].full:
        # the book-size model starts from the book's Adam learning rate (D2L-PyTorch trains NiN with 0.002)
        parser.set_defaults(lr=0.002)  # an explicit --lr still wins
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)

    # --- a 1x1 convolution is a dense layer applied at every pixel ---
    difference = one_by_one_vs_dense()
    print(f"1x1 convolution vs nn.Linear with the same weights applied to every pixel's channels: "
          f"largest difference {difference:.1e} (rounding only)")

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

    # --- the model, block by block, and what global average pooling saves ---
    model = nin(full=args.full).to(run.device)
    size = "book-size (224 px)" if args.full else "small (28 px, widths 16-32-64)"
    rows = lk.print_block_table(model, x_test[:1], title=f"NiN, {size}, for one image:")
    n_params, n_macs = sum(r.parameters for r in rows), sum(r.macs for r in rows)
    # Both sizes built on the "meta" device (tensors with shapes but no storage): counting costs nothing.
    with torch.device("meta"):
        tables = {"28 px": lk.block_table(nin(full=False), torch.zeros(1, 1, 28, 28)),
                  "224 px": lk.block_table(nin(full=True), torch.zeros(1, 1, 28, 28))}
    heads = {name: head_comparison(table, full=name == "224 px") for name, table in tables.items()}
    for name, head in heads.items():
        print(f"{name}: on the {tuple(head['features'])} features, NiN's head (3x3 + two 1x1 convolutions + global "
              f"average pooling) has {head['nin_head']:,} parameters; an AlexNet-style dense head "
              f"({head['dense_width']}-{head['dense_width']}-10) would have {head['dense_head']:,}, "
              f"{head['dense_head'] / head['nin_head']:,.0f}x as many")
    print(f"the book's NiN (--full): {sum(r.parameters for r in tables['224 px']):,} parameters in all "
          "(cnn/07's book-size AlexNet: 46,766,122)")

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
    plot_heads(heads, run.out / "head_parameters.png", args.show)
    print(f"saved {lk.save_checkpoint(model.state_dict(), run.out / 'nin.pt')}")
    return run.finish({
        "test_accuracy": history[-1]["test_accuracy"],
        "test_loss": history[-1]["test_loss"],
        "train_loss": history[-1]["train_loss"],
        "epochs": args.epochs,
        "full": args.full,
        "parameters": n_params,
        "macs_per_image": n_macs,
        "one_by_one_vs_dense": difference,
        "heads": heads,
        "train_examples": len(x_train),
        "history": history,
    })


if __name__ == "__main__":
    main()
