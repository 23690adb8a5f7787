"""cnn/12_densenet.py: DenseNet's dense blocks and transition layers on Fashion-MNIST.

You will see the two pieces of DenseNet (稠密连接网络). In a dense block (稠密块) every convolution
(BatchNorm -> ReLU -> 3x3 conv, "pre-activation") sees the concatenation of the block's input and all
earlier outputs, and adds `growth_rate` new channels (增长率): 4 convolutions with growth 8 turn 16
channels into 16 + 4 x 8 = 48. Where ResNet adds a layer's output to its input, DenseNet concatenates
it (拼接), so later layers reuse every earlier feature map. The channels would keep growing, so a
transition layer (过渡层: BatchNorm -> ReLU -> 1x1 conv -> 2x2 average pool) between blocks halves both
the channels and the height and width. The lesson prints the channels after every convolution of the
first block, what the transition does, and the block table (shapes, parameters, multiply-adds).

Notes: 002 DenseNet (each layer connects to all earlier ones); D2L chapter 5 (DenseNet: dense block,
transition layer, growth rate); 001 lecture 11 (concatenating branches on the channel axis, as in
GoogLeNet, cnn/10_googlenet.py; the residual block, cnn/11_resnet.py).
Run:    python cnn/12_densenet.py [--epochs 3] [--full] [--device cuda] [--quick]
Prints: the channels after each convolution of the first dense block and after the transition, the
        block table, one line per epoch (train loss, test loss, test accuracy, seconds), the final numbers.
Saves:  outputs/cnn/12_densenet/{metrics.json, curves.png, channel_growth.png, densenet.pt}
Expect: defaults (2 dense blocks of 4 convolutions, growth 8, 21k parameters, 28 px, 3 epochs on
        Fashion-MNIST): about 89.9% test accuracy (89.9% in the benchmark's seed-0 run, which checks it) in a
        minute or two on a 2-core CPU; --epochs 1 gives about 87% (87.1% and 86.7% at seeds 0 and 1).
        --full is DenseNet-BC in D2L's layout (4 blocks of 4, growth 32, 96 px, 0.98M parameters): meant
        for a GPU, slow on a CPU.
"""

from __future__ import annotations

import time
from collections import OrderedDict

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

import lessonkit as lk

# Mean and standard deviation of Fashion-MNIST training pixels in [0, 1].
FASHION_MEAN, FASHION_STD = 0.2860, 0.3530
FULL_SIZE = 96  # D2L resizes Fashion-MNIST to 96 px for DenseNet


def conv_block(in_channels: int, growth_rate: int, bottleneck: bool) -> nn.Sequential:
    """BN -> ReLU -> 3x3 conv making `growth_rate` channels; padding 1 keeps height and width, which the
    concatenation needs. bottleneck (the "B" of DenseNet-BC): first BN -> ReLU -> 1x1 conv down to
    4 x growth channels, which pays off when the input has hundreds of channels."""
    layers = []
    if bottleneck:
        layers += [nn.BatchNorm2d(in_channels), nn.ReLU(), nn.Conv2d(in_channels, 4 * growth_rate, 1, bias=False)]
        in_channels = 4 * growth_rate
    layers += [nn.BatchNorm2d(in_channels), nn.ReLU(), nn.Conv2d(in_channels, growth_rate, 3, padding=1, bias=False)]
    return nn.Sequential(*layers)


class DenseBlock(nn.Module):
    """num_convs conv blocks; each one's output is concatenated to its input on the channel axis.

    Output channels: in_channels + num_convs x growth_rate. Height and width do not change.
    """

    def __init__(self, num_convs: int, in_channels: int, growth_rate: int, bottleneck: bool = False):
        super().__init__()
        self.convs = nn.ModuleList(conv_block(in_channels + i * growth_rate, growth_rate, bottleneck)
                                   for i in range(num_convs))
        self.out_channels = in_channels + num_convs * growth_rate

    def forward(self, x: torch.Tensor, trace: list | None = None) -> torch.Tensor:
        for conv in self.convs:
            x = torch.cat([x, conv(x)], dim=1)  # (B, C, H, W) -> (B, C + growth, H, W)
            if trace is not None:
                trace.append(x.shape[1])
        return x


def transition(in_channels: int, out_channels: int) -> nn.Sequential:
    """BN -> ReLU -> 1x1 conv (fewer channels) -> 2x2 average pool (half the height and width)."""
    return nn.Sequential(nn.BatchNorm2d(in_channels), nn.ReLU(), nn.Conv2d(in_channels, out_channels, 1, bias=False),
                         nn.AvgPool2d(2))


class Resize(nn.Module):
    """--full: 28 px -> size x size (bilinear), a batch at a time (all 70k images at 96 px: 2.6 GB)."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, size=(self.size, self.size), mode="bilinear", align_corners=False)


def densenet(full: bool = False, num_classes: int = 10) -> nn.Sequential:
    """A Sequential of blocks (one row each in the table): stem, dense blocks with transitions between, head.

    full=False: 28 px, stem of 16 channels, 2 dense blocks of 4 convs, growth 8, no bottleneck.
    full=True: D2L's DenseNet layout (96 px, 64-channel 7x7 stem, 4 blocks of 4 convs, growth 32, the
    transitions halving channels: compression 0.5) with bottleneck convs, i.e. DenseNet-BC.
    """
    blocks = OrderedDict()
    if full:
        blocks["resize"] = Resize(FULL_SIZE)                                            # (B, 1, 96, 96)
        blocks["stem"] = nn.Sequential(nn.Conv2d(1, 64, 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(64),
                                       nn.ReLU(), nn.MaxPool2d(3, stride=2, padding=1))  # (B, 64, 24, 24)
        channels, growth, convs_per_block = 64, 32, [4, 4, 4, 4]
    else:
        blocks["stem"] = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16),
                                       nn.ReLU(), nn.MaxPool2d(2))                      # (B, 16, 14, 14)
        channels, growth, convs_per_block = 16, 8, [4, 4]
    for i, num_convs in enumerate(convs_per_block, start=1):
        block = DenseBlock(num_convs, channels, growth, bottleneck=full)
        blocks[f"dense{i}"] = block                                  # default dense1: (B, 48, 14, 14)
        channels = block.out_channels
        if i < len(convs_per_block):
            blocks[f"transition{i}"] = transition(channels, channels // 2)  # default: (B, 24, 7, 7)
            channels //= 2
    blocks["head"] = nn.Sequential(nn.BatchNorm2d(channels), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                   nn.Linear(channels, num_classes))
    return nn.Sequential(blocks)


def channel_trace(model: nn.Sequential, x: torch.Tensor) -> list[tuple[str, int, tuple[int, ...]]]:
    """(label, channels, (height, width)) after every convolution of every dense block and after each of the
    other blocks but the head, for one input: the numbers behind the channel-growth figure."""
    trace, was_training = [], model.training
    model.eval()  # BatchNorm with its running statistics: one image is not a batch
    with torch.inference_mode():
        for name, block in model.named_children():
            if isinstance(block, DenseBlock):
                counts = []
                x = block(x, trace=counts)
                trace += [(f"{name}.conv{j}", c, tuple(x.shape[2:])) for j, c in enumerate(counts, start=1)]
            else:
                x = block(x)
                if name != "head":
                    trace.append((name, x.shape[1], tuple(x.shape[2:])))
    model.train(was_training)
    return trace


def to_model_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float (N, 1, 28, 28), normalised. Done once for the whole set."""
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


def plot_channel_growth(trace, growth: int, path, show: bool) -> None:
    labels, channels = [t[0] for t in trace], [t[1] for t in trace]
    colors = ["tab:orange" if "transition" in n else "tab:blue" if ".conv" in n else "tab:gray" for n in labels]
    fig, ax = plt.subplots(figsize=(max(6, 0.45 * len(trace)), 4))
    ax.bar(range(len(trace)), channels, color=colors)
    for i, (_, c, hw) in enumerate(trace):
        ax.text(i, c, f"{c}\n{hw[0]}x{hw[1]}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(len(trace)), labels, rotation=60, ha="right", fontsize=8)
    ax.set(ylabel="channels", ylim=(0, 1.2 * max(channels)),
           title=f"Channels through the network: +{growth} per dense-block conv (blue), halved by transitions (orange)")
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=3, batch_size=128, lr=0.01)
    parser.add_argument("--full", action="store_true",
                        help=f"DenseNet-BC in D2L's layout at {FULL_SIZE} px (meant for a GPU; slow on a CPU)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)

    data = lk.load_mnist(run.data_dir, "FashionMNIST")
    x_train, y_train = to_model_input(data.x_train), data.y_train
    x_test, y_test = to_model_input(data.x_test), data.y_test
    if args.quick:  # a tiny run: seconds, for smoke tests
        x_train, y_train, x_test, y_test = x_train[:2000], y_train[:2000], x_test[:500], y_test[:500]
        args.epochs = 1
    print(f"data: Fashion-MNIST, {len(x_train)} training and {len(x_test)} test images {tuple(x_train.shape[1:])}")
    x_train, y_train = x_train.to(run.device), y_train.to(run.device)
    x_test, y_test = x_test.to(run.device), y_test.to(run.device)

    # --- the network, and its channels convolution by convolution for one image ---
    model = densenet(args.full).to(run.device)
    trace = channel_trace(model, x_test[:1])
    growth = model.dense1.convs[0][-1].out_channels
    in_dense1 = model.dense1.convs[0][0].num_features
    dense1 = [c for n, c, _ in trace if n.startswith("dense1.")]
    print(f"dense1, growth rate {growth}: channels {in_dense1} -> {' -> '.join(map(str, dense1))} "
          f"(= {in_dense1} + {len(dense1)} x {growth}), height and width unchanged")
    at = [n for n, _, _ in trace].index("transition1")
    (_, c_before, hw_before), (_, c_after, hw_after) = trace[at - 1], trace[at]
    print(f"transition1: {c_before} channels {hw_before[0]}x{hw_before[1]} -> {c_after} channels "
          f"{hw_after[0]}x{hw_after[1]} (1x1 conv halves the channels, 2x2 average pool the height and width)")
    rows = lk.print_block_table(model, x_test[:1], title=f"DenseNet ({'full, DenseNet-BC' if args.full else 'small'}):")
    n_params, macs = sum(r.parameters for r in rows), sum(r.macs for r in rows)

    # --- training: the in-memory loop of cnn/04_lenet.py ---
    steps_per_epoch = lk.num_batches(len(x_train), args.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    total_steps = args.epochs * steps_per_epoch
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=total_steps)
    loss_fn = nn.CrossEntropyLoss()
    shuffler = torch.Generator().manual_seed(args.seed)
    history = []
    for epoch in range(1, args.epochs + 1):
        t_epoch = time.perf_counter()
        model.train()
        loss_sum, seen = torch.zeros((), device=run.device), 0
        bar = lk.progress(lk.batches(x_train, y_train, args.batch_size, shuffle=True, generator=shuffler),
                          total=steps_per_epoch, desc=f"epoch {epoch}/{args.epochs}")
        for step, (images, labels) in enumerate(bar):
            loss = loss_fn(model(images), labels)    # logits (B, 10)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            loss_sum += loss.detach() * len(labels)  # summed on the device: no .item() per step
            seen += len(labels)
            if step % 50 == 0:
                lk.check_finite(loss, f"epoch {epoch} step {step}")
                bar.set_postfix(loss=f"{loss.item():.3f}")
        lk.check_finite(loss_sum, f"epoch {epoch}")
        test_loss, test_acc = lk.evaluate(model, x_test, y_test, batch_size=250 if args.full else 1000)
        history.append({"epoch": epoch, "train_loss": loss_sum.item() / seen, "test_loss": test_loss,
                        "test_accuracy": test_acc, "seconds": time.perf_counter() - t_epoch})
        print(f"epoch {epoch}/{args.epochs}  train loss {history[-1]['train_loss']:.4f}  test loss {test_loss:.4f}  "
              f"test accuracy {100 * test_acc:.2f}%  ({history[-1]['seconds']:.1f} s)")

    # --- results: figures, checkpoint, metrics ---
    plot_curves(history, run.out / "curves.png", args.show)
    plot_channel_growth(trace, growth, run.out / "channel_growth.png", args.show)
    lk.save_checkpoint(model.state_dict(), run.out / "densenet.pt")
    return run.finish({
        "test_accuracy": history[-1]["test_accuracy"], "test_loss": history[-1]["test_loss"],
        "train_loss": history[-1]["train_loss"], "epochs": args.epochs, "full": args.full,
        "parameters": n_params, "macs_per_image": macs, "growth_rate": growth, "train_examples": len(x_train),
        "block_shapes": [list(r.output_shape) for r in rows], "channel_trace": [[n, c] for n, c, _ in trace],
        "history": history,
    })


if __name__ == "__main__":
    main()
