"""cnn/10_googlenet.py: GoogLeNet's Inception block (four parallel branches) on Fashion-MNIST.

You will see the Inception block (Inception 块) of 001 lecture 11: four branches look at the same input
through different windows (1x1; 1x1 -> 5x5; 1x1 -> 3x3 -> 3x3; 3x3 average pool -> 1x1) and their
outputs are concatenated along the channel axis (通道维拼接). That only works if every branch keeps the
input's height and width, so each k x k window gets padding (k - 1) / 2; the lesson shows the torch.cat
that fails without it. The 1x1 convolutions first cut the channels (降低运算量) so that the 5x5 and 3x3
see fewer. The network: a stem, Inception blocks between pools, global average pooling, one linear layer.

Notes: 001 lecture 11 (GoogLeNet: the branches must keep height and width, only the channels differ;
1x1 convolution to cut the cost); 002 GoogLeNet and 1x1 convolution; D2L chapter 5 (GoogLeNet, b1..b5).
Run:    python cnn/10_googlenet.py [--epochs 3] [--full] [--device cuda] [--quick]
Prints: the four branch shapes of one Inception block, the cat that fails without padding, the block
        table (output shape, parameters, multiply-adds), one line per epoch, the final numbers.
Saves:  outputs/cnn/10_googlenet/{metrics.json, curves.png, branches.png, googlenet.pt}
Expect: defaults (a small GoogLeNet, 24.5k parameters, 28 px, 3 epochs on Fashion-MNIST): about 90.4% test
        accuracy (90.38% in the benchmark's seed-0 run, which checks it) in a minute or two on a 2-core CPU;
        --epochs 1 gives about 88% (87.9% and 88.4% at seeds 0 and 1).
        --full is D2L's GoogLeNet (b1..b5, 6.0M parameters, 96 px input): meant for a GPU, slow on a CPU.
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
FULL_SIZE = 96  # D2L resizes Fashion-MNIST to 96 px for GoogLeNet (224 px would be ImageNet's size)


def conv_bn_relu(in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0):
    # No conv bias: BatchNorm's shift does that job.
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU())


class Inception(nn.Module):
    """Four branches on the same input, concatenated along channels: c1 + c5[-1] + c3[-1] + c_pool out.

    c5 = (channels after the 1x1 reduction, after the 5x5); c3 = (after the 1x1, after each 3x3): the
    lecture's (16, 24, 24) stacks two 3x3 (the same 5x5 window, cheaper), D2L's (96, 128) has one.
    same=True pads every window so that it keeps height and width ("same" padding): k x k with stride 1
    needs padding (k - 1) / 2 (0 for 1x1, 1 for 3x3, 2 for 5x5). same=False is there to show what breaks.

    Fixed from the lecture's InceptionA (widths 16, 24, 24, 24 = 88; the note states the rule in words
    only): it has no activation inside the branches, so 1x1 -> 5x5 is one linear map. Here every conv is
    followed by BatchNorm and ReLU (GoogLeNet has the ReLU, Inception-v2 added the BatchNorm)."""

    def __init__(self, in_channels: int, c1: int, c5: tuple[int, int], c3: tuple[int, ...], c_pool: int,
                 same: bool = True):
        super().__init__()
        p3, p5 = (1, 2) if same else (0, 0)
        self.branch1x1 = conv_bn_relu(in_channels, c1, 1)
        self.branch5x5 = nn.Sequential(conv_bn_relu(in_channels, c5[0], 1), conv_bn_relu(c5[0], c5[1], 5, padding=p5))
        self.branch3x3 = nn.Sequential(conv_bn_relu(in_channels, c3[0], 1),  # then one 3x3 per further width
                                       *[conv_bn_relu(a, b, 3, padding=p3) for a, b in zip(c3, c3[1:])])
        self.branch_pool = nn.Sequential(nn.AvgPool2d(3, stride=1, padding=p3), conv_bn_relu(in_channels, c_pool, 1))
        self.out_channels = c1 + c5[-1] + c3[-1] + c_pool

    def branches(self, x: torch.Tensor) -> list[torch.Tensor]:
        return [self.branch1x1(x), self.branch5x5(x), self.branch3x3(x), self.branch_pool(x)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat(self.branches(x), dim=1)  # (B, C, H, W): dim 1 is the channel axis


class Resize(nn.Module):
    """--full: 28 px -> size x size (bilinear), a batch at a time (all 70k images at 96 px: 2.6 GB)."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, size=(self.size, self.size), mode="bilinear", align_corners=False)


def googlenet(full: bool = False, num_classes: int = 10) -> nn.Sequential:
    """A Sequential of blocks (one row each in the table), logits out. full=False: small, for 28 px, with
    the lecture's branches; full=True: D2L's b1..b5 and widths (plus BatchNorm, and the lecture's average
    pool in the fourth branch where D2L has max). Global average pooling before the linear layer, where
    the lecture's network flattens to a hard-coded 1408 = 88 x 4 x 4 that only fits 28 px input."""
    if not full:
        return nn.Sequential(OrderedDict(
            stem=nn.Sequential(conv_bn_relu(1, 16, 3, padding=1), nn.MaxPool2d(2)),    # (B, 16, 14, 14)
            inception1=Inception(16, 8, (8, 12), (8, 12, 12), 8),                       # (B, 40, 14, 14)
            pool=nn.MaxPool2d(2),                                                       # (B, 40, 7, 7)
            inception2=Inception(40, 24, (12, 24), (12, 24, 24), 24),                   # (B, 96, 7, 7)
            head=nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(96, num_classes)),
        ))
    pool = dict(kernel_size=3, stride=2, padding=1)  # halves height and width
    return nn.Sequential(OrderedDict(
        resize=Resize(FULL_SIZE),                                                       # (B, 1, 96, 96)
        b1=nn.Sequential(conv_bn_relu(1, 64, 7, stride=2, padding=3), nn.MaxPool2d(**pool)),  # (B, 64, 24, 24)
        b2=nn.Sequential(conv_bn_relu(64, 64, 1), conv_bn_relu(64, 192, 3, padding=1),
                         nn.MaxPool2d(**pool)),                                         # (B, 192, 12, 12)
        b3=nn.Sequential(Inception(192, 64, (16, 32), (96, 128), 32),                   # (B, 256, 12, 12)
                         Inception(256, 128, (32, 96), (128, 192), 64),                 # (B, 480, 12, 12)
                         nn.MaxPool2d(**pool)),                                         # (B, 480, 6, 6)
        b4=nn.Sequential(Inception(480, 192, (16, 48), (96, 208), 64),
                         Inception(512, 160, (24, 64), (112, 224), 64),
                         Inception(512, 128, (24, 64), (128, 256), 64),
                         Inception(512, 112, (32, 64), (144, 288), 64),
                         Inception(528, 256, (32, 128), (160, 320), 128),               # (B, 832, 6, 6)
                         nn.MaxPool2d(**pool)),                                         # (B, 832, 3, 3)
        b5=nn.Sequential(Inception(832, 256, (32, 128), (160, 320), 128),
                         Inception(832, 384, (48, 128), (192, 384), 128),               # (B, 1024, 3, 3)
                         nn.AdaptiveAvgPool2d(1), nn.Flatten()),                        # (B, 1024)
        head=nn.Linear(1024, num_classes),
    ))


def show_branches(x: torch.Tensor) -> list[torch.Tensor]:
    """Print what each branch of the lecture's block makes of one input, with and without padding."""
    block = Inception(x.shape[1], 16, (16, 24), (16, 24, 24), 24).eval()  # the lecture's widths
    with torch.inference_mode():
        outputs = block.branches(x)
        print(f"Inception block on one input {tuple(x.shape)}, branch by branch:")
        for name, out in zip(["1x1", "1x1 -> 5x5", "1x1 -> 3x3 -> 3x3", "avg pool -> 1x1"], outputs):
            print(f"  {name:<18} {tuple(out.shape)}")
        print(f"  concatenated on channels: {tuple(block(x).shape)}  ({' + '.join(str(o.shape[1]) for o in outputs)}"
              f" = {block.out_channels} channels, same height and width)")
        unpadded = Inception(x.shape[1], 16, (16, 24), (16, 24, 24), 24, same=False).eval()
        shapes = [tuple(o.shape[2:]) for o in unpadded.branches(x)]
        try:
            unpadded(x)
        except RuntimeError as err:  # the branches disagree on height and width: torch.cat refuses
            print(f"  without padding the branches give {shapes}: torch.cat fails ({str(err).splitlines()[0]})")
    return outputs


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


def plot_branches(image: torch.Tensor, outputs: list[torch.Tensor], path, show: bool) -> None:
    """The input and the first channel of each branch's output: four maps of the same size."""
    fig, axes = plt.subplots(1, 5, figsize=(12, 2.8))
    titles = ["input", "1x1", "1x1 -> 5x5", "1x1 -> 3x3 -> 3x3", "avg pool -> 1x1"]
    for ax, img, title in zip(axes, [image] + [o[0, 0] for o in outputs], titles):
        ax.imshow(img.cpu().numpy(), cmap="gray_r")
        ax.set_title(f"{title}\n{tuple(img.shape)}", fontsize=9)
        ax.axis("off")
    fig.suptitle("One Inception block (trained): channel 0 of each branch, all the same height and width")
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=3, batch_size=128, lr=0.01)
    parser.add_argument("--full", action="store_true",
                        help=f"D2L's full GoogLeNet at {FULL_SIZE} px (meant for a GPU; slow on a CPU)")
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

    # --- the block, its branches, and why they all keep height and width (shapes need no real image) ---
    show_branches(torch.randn(1, 32, 14, 14))

    # --- the network: one row per block ---
    model = googlenet(args.full).to(run.device)
    rows = lk.print_block_table(model, x_test[:1], title=f"GoogLeNet ({'full, D2L' if args.full else 'small'}):")
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

    # --- results: the trained first Inception block on one test image, curves, checkpoint, metrics ---
    first = next(m for m in model.modules() if isinstance(m, Inception))
    seen_by_first = []  # the input the trained first block sees for one test image, caught by a hook
    hook = first.register_forward_pre_hook(lambda _module, inputs: seen_by_first.append(inputs[0]))
    model.eval()
    with torch.inference_mode():
        model(x_test[:1])
        hook.remove()
        branch_maps = first.branches(seen_by_first[0])
    plot_branches(data.x_test[0], branch_maps, run.out / "branches.png", args.show)
    plot_curves(history, run.out / "curves.png", args.show)
    lk.save_checkpoint(model.state_dict(), run.out / "googlenet.pt")
    return run.finish({
        "test_accuracy": history[-1]["test_accuracy"], "test_loss": history[-1]["test_loss"],
        "train_loss": history[-1]["train_loss"], "epochs": args.epochs, "full": args.full,
        "parameters": n_params, "macs_per_image": macs, "train_examples": len(x_train),
        "block_shapes": [list(r.output_shape) for r in rows], "history": history,
    })


if __name__ == "__main__":
    main()
