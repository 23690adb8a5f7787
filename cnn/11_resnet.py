"""cnn/11_resnet.py: ResNet on MNIST, the course's second flagship, with residual blocks built from scratch.

You will build the residual block (残差块): two 3x3 convolutions with BatchNorm whose output F(x) is
added to the block's input before the last ReLU, relu(x + F(x)) ("sum first, then activate",
先相加再激活), with a 1x1 convolution on the shortcut when the block changes the channels or halves
height and width. You will see why the shortcut matters: at initialisation the first layer of a deep
plain stack gets a vanishing (or, with BatchNorm, an exploding) gradient, the same stack with shortcuts
one that changes far less with depth (less than 100x from 1 to 40 blocks). Then a small ResNet (16-32-64
channels, one block per stage) trains on MNIST with label smoothing and random shifts; its block table
shows the output shape, parameters and multiply-adds after every block. `--full` builds D2L's ResNet-18
(64-128-256-512 channels, 96 px input) for a GPU.

Notes: 001 lecture 11 (residual network against vanishing gradients; sum first, then activate);
002 ResNet (深度残差网络, skip connections); D2L chapter 5 (residual block with a 1x1 convolution
shortcut, the ResNet-18 stages).
Run:    python cnn/11_resnet.py [--epochs 2] [--label-smoothing 0] [--shift 0] [--full --device cuda] [--quick]
Prints: the gradient-flow table, the block table, one line per epoch (losses, test accuracy, seconds).
Saves:  outputs/cnn/11_resnet/{metrics.json, curves.png, misclassified.png, resnet.pt}
Expect: about 99.5% test accuracy (5 epochs) in about a minute on a 2-core CPU (about 11 s an epoch; the
default run is checked by benchmarks/benchmark.py: 99.55% in 56 s); --epochs 2 gives about 99.4%. For comparison,
001 lecture 11's residual network (no BatchNorm, SGD, batches of 64 from a DataLoader) reached 98.96% after
10 epochs in one run, at about 27 s an epoch on the same CPU.
"""

from __future__ import annotations

import time
from collections import OrderedDict

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

import lessonkit as lk

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
FULL_SIZE = 96  # D2L trains its ResNet-18 at 96 px; ImageNet's 224 px would cost (224/96)^2 = 5.4x more


class Residual(nn.Module):
    """The residual block: out = relu(shortcut(x) + body(x)).

    body = conv3x3 -> BN -> ReLU -> conv3x3 -> BN. The shortcut is the identity when the shapes already
    match, else a 1x1 convolution with the same stride (plus BN, as torchvision does; D2L leaves it out),
    so that the two can be added. 001 lecture 11's block (in the lecture's code; the note keeps only its
    words) is the identity case without BatchNorm: y = relu(conv1(x)); y = conv2(y); return relu(x + y).
    It cannot change shape, so it had to sit between ordinary convolutions and pooling layers.
    `residual=False` drops the shortcut (a plain block) for the gradient-flow demo.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, *,
                 residual: bool = True, batch_norm: bool = True):
        super().__init__()
        self.residual = residual

        def norm(channels):
            return nn.BatchNorm2d(channels) if batch_norm else nn.Identity()

        # The first convolution may halve height and width (stride 2); the second keeps them.
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=not batch_norm)
        self.bn1 = norm(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=not batch_norm)
        self.bn2 = norm(out_channels)
        if stride == 1 and in_channels == out_channels:
            self.shortcut = nn.Identity()
        else:  # a 1x1 convolution (1x1 卷积) changes the channels, its stride the height and width
            self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=not batch_norm),
                                          norm(out_channels))

    def body(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.residual:
            return F.relu(self.body(x))
        # Sum first, then activate (先相加再激活): the ReLU comes after the addition, so the shortcut
        # carries x through unchanged and the block only has to learn the correction F(x).
        return F.relu(self.shortcut(x) + self.body(x))


def resnet(full: bool = False, num_classes: int = 10) -> nn.Sequential:
    """The network as a Sequential of named blocks (so the block table has one row per block).

    Default: a ResNet-8 for 28 px digits: a stride-2 3x3 stem (28 -> 14 px), then one residual block
    per stage at 16, 32 and 64 channels (14, 7 and 4 px), global average pooling and one linear layer.
    full=True: ResNet-18 as in D2L: upsample to 96 px, 7x7 stride-2 stem and 3x3 max pool (96 -> 24 px),
    four stages of two blocks at 64, 128, 256 and 512 channels (24, 12, 6, 3 px).
    """
    if full:
        widths, per_stage = (64, 128, 256, 512), 2
        layers = [
            # nn.Upsample is F.interpolate as a layer: (B, 1, 28, 28) -> (B, 1, 96, 96)
            ("resize", nn.Upsample(size=FULL_SIZE, mode="bilinear")),
            ("stem", nn.Sequential(nn.Conv2d(1, 64, 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(64),
                                   nn.ReLU(), nn.MaxPool2d(3, stride=2, padding=1))),
        ]
    else:
        widths, per_stage = (16, 32, 64), 1
        layers = [("stem", nn.Sequential(nn.Conv2d(1, 16, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(16),
                                         nn.ReLU()))]
    channels = widths[0]
    for stage, width in enumerate(widths, start=1):
        for i in range(per_stage):
            # Every stage but the first starts by halving height and width and changing the channels:
            # that block needs the 1x1 shortcut; the others keep the identity.
            stride = 2 if stage > 1 and i == 0 else 1
            layers.append((f"res{stage}{'abcd'[i]}", Residual(channels, width, stride)))
            channels = width
    # Global average pooling: one number per channel, whatever the height and width -> (B, channels)
    layers.append(("head", nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, num_classes))))
    return nn.Sequential(OrderedDict(layers))


def first_layer_gradients(x: torch.Tensor, y: torch.Tensor, depth: int, *, residual: bool,
                          batch_norm: bool) -> float:
    """Norm of the loss gradient at the first convolution of a freshly initialised stack of `depth` blocks."""
    with torch.random.fork_rng(devices=[]):  # seed 0 here, without touching the run's own random state
        torch.manual_seed(0)  # the same weights for the plain and the residual stack
        stack = nn.Sequential(nn.Conv2d(1, 16, 3, stride=2, padding=1),  # (B, 16, 14, 14)
                              *[Residual(16, 16, residual=residual, batch_norm=batch_norm) for _ in range(depth)],
                              nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))
    F.cross_entropy(stack(x), y).backward()
    return stack[0].weight.grad.norm().item()


def to_model_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) in [0, 255] -> float (N, 1, 28, 28), normalised. Done once for the whole set."""
    return ((images.float() / 255.0 - MNIST_MEAN) / MNIST_STD).unsqueeze(1)


def random_shift(images: torch.Tensor, max_shift: int, generator: torch.Generator) -> torch.Tensor:
    """Light augmentation: move the whole batch by up to max_shift pixels in x and y (background fills in).

    One offset per batch costs next to nothing; as batches are reshuffled every epoch, each digit still
    meets a new random offset each epoch. (B, 1, 28, 28) -> (B, 1, 28, 28)
    """
    height, width = images.shape[-2:]
    padded = F.pad(images, (max_shift,) * 4, value=-MNIST_MEAN / MNIST_STD)  # the value of a black pixel
    dx, dy = torch.randint(0, 2 * max_shift + 1, (2,), generator=generator).tolist()
    return padded[..., dy:dy + height, dx:dx + width]


def plot_curves(history: list[dict], path, show: bool, smoothed: bool) -> None:
    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, [h["train_loss"] for h in history], "o-",
                 label="train (smoothed labels)" if smoothed else "train")
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
        ax.imshow(images[i].numpy(), cmap="gray_r")
        ax.set_title(f"{labels[i].item()} -> {predicted[i].item()}", fontsize=9, color="tab:red")
    fig.suptitle(f"Misclassified test digits (first {len(wrong)}), true -> predicted")
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=5, batch_size=128, lr=0.01)
    parser.add_argument("--full", action="store_true",
                        help="D2L's ResNet-18 (64-128-256-512 channels, 96 px input): for a GPU")
    parser.add_argument("--label-smoothing", type=lk.probability, default=0.1,
                        help="mix the one-hot target with a uniform one: at 0.1 the true class gets 0.91, "
                             "each other class 0.01 (0 = off)")
    parser.add_argument("--shift", type=lk.non_negative_int, default=2,
                        help="random shift of each batch by up to this many pixels (0 = off)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)

    # --- data: the whole of MNIST as tensors in memory ---
    mnist = lk.load_mnist(run.data_dir, "MNIST")
    x_train, y_train = to_model_input(mnist.x_train), mnist.y_train
    x_test, y_test = to_model_input(mnist.x_test), mnist.y_test
    if args.quick:
        x_train, y_train, x_test, y_test = x_train[:2000], y_train[:2000], x_test[:500], y_test[:500]
        args.epochs = 1

    # --- why the shortcut: the gradient at the first layer of a deep stack, at initialisation ---
    probe_x, probe_y = x_train[:32], y_train[:32]
    print("gradient norm at the first layer for one batch of 32 digits, fresh weights (on the CPU):")
    print(f"  {'blocks':>6}  {'plain':>10} {'residual':>10}   {'plain+BN':>10} {'residual+BN':>11}")
    gradient_flow = []
    for depth in (1, 10, 20, 40):
        row = {"depth": depth}
        for bn in (False, True):
            for residual in (False, True):
                key = f"{'residual' if residual else 'plain'}{'_bn' if bn else ''}"
                row[key] = first_layer_gradients(probe_x, probe_y, depth, residual=residual, batch_norm=bn)
        gradient_flow.append(row)
        print(f"  {depth:>6}  {row['plain']:>10.2e} {row['residual']:>10.2e}   "
              f"{row['plain_bn']:>10.2e} {row['residual_bn']:>11.2e}")
    with_shortcut = [row[key] for row in gradient_flow for key in ("residual", "residual_bn")]
    print(f"  Without BatchNorm the plain stack's gradient vanishes (梯度消失): {row['plain']:.1e} after {depth} "
          f"blocks; with BatchNorm it explodes instead ({row['plain_bn']:.1e}).\n  With the shortcut it stays "
          f"between {min(with_shortcut):.2g} and {max(with_shortcut):.2g} at every depth: the identity path "
          "of x + F(x) hands the gradient straight back.")

    # --- model: print the output shape after every block for one input, as D2L does ---
    model = resnet(full=args.full)
    lk.print_block_table(model, x_train[:1], title=f"{'ResNet-18' if args.full else 'ResNet-8'}, block by block:")
    n_params = sum(p.numel() for p in model.parameters())
    # channels_last (NHWC): the memory layout oneDNN's CPU convolutions (and cuDNN) prefer: faster steps.
    model = model.to(run.device, memory_format=torch.channels_last)
    x_train, y_train = x_train.to(run.device), y_train.to(run.device)
    x_test, y_test = x_test.to(run.device), y_test.to(run.device)

    steps_per_epoch = lk.num_batches(len(x_train), args.batch_size)
    # AdamW under a one-cycle schedule (warm up, then anneal), stepped once per batch, as in cnn/04
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr,
                                                    total_steps=args.epochs * steps_per_epoch)
    # Two cheap regularisers (compare with --label-smoothing 0 --shift 0): label smoothing (标签平滑)
    # stops pushing the true class's logit ever higher; random_shift (in the loop) is light augmentation.
    loss_fn = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)
    shuffler = torch.Generator().manual_seed(args.seed)

    # --- the training loop, in plain sight ---
    history = []
    for epoch in range(1, args.epochs + 1):
        t_epoch = time.perf_counter()
        model.train()
        loss_sum, seen = torch.zeros((), device=run.device), 0
        bar = lk.progress(lk.batches(x_train, y_train, args.batch_size, shuffle=True, generator=shuffler),
                          total=steps_per_epoch, desc=f"epoch {epoch}/{args.epochs}")
        for step, (images, labels) in enumerate(bar):
            images = random_shift(images, args.shift, shuffler)
            loss = loss_fn(model(images), labels)  # logits (B, 10)
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
        test_loss, test_acc = lk.evaluate(model, x_test, y_test)  # eval mode, no gradients, batched
        history.append({"epoch": epoch, "train_loss": loss_sum.item() / seen, "test_loss": test_loss,
                        "test_accuracy": test_acc, "seconds": time.perf_counter() - t_epoch})
        print(f"epoch {epoch}/{args.epochs}  train loss {history[-1]['train_loss']:.4f}  test loss {test_loss:.4f}  "
              f"test accuracy {100 * test_acc:.2f}%  ({history[-1]['seconds']:.1f} s)")

    # --- results: figures, checkpoint, metrics ---
    predicted = lk.predict(model, x_test).argmax(dim=1).cpu()
    plot_curves(history, run.out / "curves.png", args.show, smoothed=args.label_smoothing > 0)
    plot_misclassified(mnist.x_test[: len(predicted)], y_test.cpu(), predicted, run.out / "misclassified.png",
                       args.show)
    print(f"saved {lk.save_checkpoint(model.state_dict(), run.out / 'resnet.pt')}")
    return run.finish({
        "test_accuracy": history[-1]["test_accuracy"],
        "test_loss": history[-1]["test_loss"],
        "errors": int((predicted != y_test.cpu()).sum()),
        "epochs": args.epochs,
        "seconds_per_epoch": sum(h["seconds"] for h in history) / len(history),
        "parameters": n_params,
        "train_examples": len(x_train),
        "gradient_flow": gradient_flow,
        "history": history,
    })


if __name__ == "__main__":
    main()
