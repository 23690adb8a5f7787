"""cnn/13_data_augmentation.py: data augmentation (数据增强 / 图像增广) with torchvision.transforms.v2.

You will see what the usual image augmentations do to a 28x28 digit (random crop with padding, random
resized crop, random affine = small rotation + shift + zoom, horizontal flip, brightness/contrast jitter),
why a flip is wrong for digits but fine for most Fashion-MNIST classes, a trap of transforms.v2 (one call
on a batch tensor draws ONE set of random parameters for the whole batch), and what augmentation buys:
the same LeNet trained twice on a small subset of the training images, once on the raw images and once
on a fresh random version of every image in every epoch, the test accuracy of both plotted side by side.

Notes: 002 数据增强 Data argumentation (limited data; flip 翻转, rotate 旋转, random move & crop 随机移动和裁剪);
D2L 13.1 image augmentation (图像增广); 000/002 LeNet (the network, as in cnn/04_lenet.py).
Run:    python cnn/13_data_augmentation.py [--train-size 1000] [--epochs 40] [--dataset FashionMNIST] [--quick]
Prints: distinct results of one v2 call on a batch vs one call per image, then every 20th epoch of both runs
        (train loss, test accuracy), then the two final test accuracies and the gain in points.
Saves:  outputs/cnn/13_data_augmentation/{metrics.json, augmentations.png, curves.png}
Expect: 1,000 MNIST training digits, 40 epochs, seed 0: about 95.7% test accuracy without augmentation and
        97.7% with it (about +2 points: the test errors drop from about 4.3% to 2.3%; the size of the gain
        depends on --seed: over seeds 0-3, 95.8-96.0% without and 97.1-97.8% with, a gain of 1.4 to 2.0
        points). Without it the training loss falls to about 0.0005 (the network memorised its 1,000 images);
        with it, it stays near 0.06. One to two minutes on a 2-core CPU.
"""

from __future__ import annotations

import time

import matplotlib.pyplot as plt
import torch
from torch import nn
from torchvision.transforms import v2

import lessonkit as lk

# Rotated or scaled pixels are interpolated from their neighbours: bilinear gives smooth strokes (v2's
# default for RandomAffine, nearest neighbour, gives jagged ones).
BILINEAR = v2.InterpolationMode.BILINEAR
# Mean and standard deviation of the training pixels (in [0, 1]) of each dataset.
NORMALISE = {"MNIST": (0.1307, 0.3081), "FashionMNIST": (0.2860, 0.3530)}


class LeNet5(nn.Module):
    """cnn/04_lenet.py's LeNet-5 (BatchNorm, ReLU, max pooling): (B, 1, 28, 28) -> (B, 10) logits."""

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2, bias=False), nn.BatchNorm2d(6), nn.ReLU(),
            nn.MaxPool2d(2),                                                 # (B, 6, 14, 14)
            nn.Conv2d(6, 16, kernel_size=5, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
            nn.MaxPool2d(2),                                                 # (B, 16, 5, 5)
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes),  # logits: no activation
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def gallery_transforms() -> dict[str, v2.Transform]:
    """The common augmentations, each alone, for the figure (stronger settings than training uses)."""
    return {
        "RandomCrop(pad 4)": v2.RandomCrop(28, padding=4),           # shift by up to 4 px, black border
        "RandomResizedCrop": v2.RandomResizedCrop(28, scale=(0.5, 1.0)),  # zoom into 50-100% of the area
        "RandomAffine": v2.RandomAffine(degrees=20, translate=(0.1, 0.1), scale=(0.8, 1.1), interpolation=BILINEAR),
        "HorizontalFlip": v2.RandomHorizontalFlip(p=1.0),            # always, to show it
        # On one channel only brightness and contrast apply (saturation and hue need colour). Lighting
        # varies between photos; MNIST's digits began as black-and-white scans, so every stroke is
        # equally bright, and the training recipe leaves it out.
        "ColorJitter": v2.ColorJitter(brightness=0.6, contrast=0.6),
    }


def training_augmentation(dataset: str) -> v2.Transform:
    """Only changes that leave the label true and that the test images themselves show."""
    if dataset == "MNIST":
        # Handwriting varies in position, slant and size: shift up to 10% (about 3 px), rotate up to 10
        # degrees, scale 90-110%. No flip: a mirrored 2, 3, 4, 5, 6, 7 or 9 is no digit at all (a mirrored
        # 9 reads as a P: the figure shows two at seed 0); only 0, 1 and 8 stay themselves. For the same reason no
        # large rotation: a half turn makes a 6 a 9.
        return v2.RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1), interpolation=BILINEAR)
    # Fashion-MNIST: the items were centred and size-normalised by the dataset's makers, so only a small
    # shift. A mirrored T-shirt, trouser, dress, coat, bag or sneaker is still one: the flip is fine here.
    return v2.Compose([v2.RandomCrop(28, padding=2), v2.RandomHorizontalFlip()])


def augment_each(transform: v2.Transform, images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 1, 28, 28) -> uint8 (N, 1, 28, 28), one call per image so each draws its own parameters.

    transform(images) on the whole (N, 1, 28, 28) tensor would be much faster and wrong: v2 treats the
    leading dimensions as a batch of images that belong together (like an image and its mask) and
    applies the SAME random crop/angle/flip to all N. Per-image calls on small uint8 images cost a
    fraction of a millisecond each on a CPU; a DataLoader does the same per-image work in its workers.
    """
    return torch.stack([transform(image) for image in images])


def distinct_results(transform: v2.Transform, image: torch.Tensor, copies: int, per_image: bool) -> int:
    """How many different outputs `copies` copies of one image give: 1 means one shared random draw."""
    batch = image.expand(copies, -1, -1, -1)  # (copies, 1, 28, 28), a view: no memory copied
    out = augment_each(transform, batch) if per_image else transform(batch)
    return len(torch.unique(out.flatten(1), dim=0))


def to_model_input(images: torch.Tensor, dataset: str) -> torch.Tensor:
    """uint8 (N, 1, 28, 28) -> float (N, 1, 28, 28), normalised. Augment first (on uint8), then this."""
    mean, std = NORMALISE[dataset]
    return (images.float() / 255.0 - mean) / std


def train(name, transform, data, args, run) -> list[dict]:
    """Train a fresh LeNet (same initial weights and batch order for both runs), tested every 4th epoch."""
    x_train, y_train, x_test, y_test = data  # x_train uint8 on the CPU, the rest on run.device
    torch.manual_seed(args.seed)             # the same starting weights with and without augmentation
    model = LeNet5().to(run.device)
    total_steps = args.epochs * lk.num_batches(len(x_train), args.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=total_steps)
    shuffler = torch.Generator().manual_seed(args.seed)
    history = []
    for epoch in lk.progress(range(1, args.epochs + 1), desc=name):
        # A fresh random version of every training image, every epoch: the network hardly ever sees the
        # same pixels twice, so memorising them does not pay. Done on the CPU on uint8, then moved to the device.
        images = x_train if transform is None else augment_each(transform, x_train)
        x = to_model_input(images, args.dataset).to(run.device)
        model.train()
        loss_sum = torch.zeros((), device=run.device)
        for xb, yb in lk.batches(x, y_train, args.batch_size, shuffle=True, generator=shuffler):
            loss = nn.functional.cross_entropy(model(xb), yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            loss_sum += loss.detach() * len(yb)
        lk.check_finite(loss_sum, f"{name} epoch {epoch}")
        if epoch % 4 and epoch != args.epochs:
            continue  # the test set every 4th epoch: one test pass costs more than an epoch on 1,000 images
        _, test_acc = lk.evaluate(model, x_test, y_test)
        history.append({"epoch": epoch, "train_loss": loss_sum.item() / len(x), "test_accuracy": test_acc})
        if epoch % 20 == 0 or epoch == args.epochs:  # of the tested epochs (every 4th), every 20th and the last
            print(f"  {name:<10} epoch {epoch:>3}  train loss {history[-1]['train_loss']:.4f}  "
                  f"test accuracy {100 * test_acc:.2f}%")
    return history


def plot_gallery(images: torch.Tensor, dataset: str, path, show: bool) -> None:
    """Rows: the original images, each augmentation alone, the training recipe. One column per image."""
    rows = {"original": None, **gallery_transforms(), "training recipe": training_augmentation(dataset)}
    fig, axes = plt.subplots(len(rows), len(images), figsize=(len(images) * 1.1, len(rows) * 1.15), squeeze=False,
                             layout="constrained")
    for r, (title, transform) in enumerate(rows.items()):
        shown = images if transform is None else augment_each(transform, images)
        for c in range(len(images)):
            axes[r, c].imshow(shown[c, 0].numpy(), cmap="gray", vmin=0, vmax=255)
            axes[r, c].set_xticks([])
            axes[r, c].set_yticks([])
        axes[r, 0].set_ylabel(title, rotation=0, ha="right", va="center", fontsize=9)
    fig.suptitle(f"{dataset}: each row a different random augmentation of the same images")
    lk.save_figure(fig, path, show=show)


def plot_curves(plain, augmented, n_train, path, show: bool) -> None:
    fig, (ax_acc, ax_loss) = plt.subplots(1, 2, figsize=(11, 4))
    for history, label in ((plain, "no augmentation"), (augmented, "augmented")):
        epochs = [h["epoch"] for h in history]
        ax_acc.plot(epochs, [100 * h["test_accuracy"] for h in history], label=label)
        ax_loss.plot(epochs, [h["train_loss"] for h in history], label=label)
    ax_acc.set(xlabel="epoch", ylabel="test accuracy (%)", title=f"Test accuracy, {n_train} training images")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", yscale="log",
                title="Training loss (on the images the model was shown)")
    for ax in (ax_acc, ax_loss):
        ax.grid(alpha=0.3)
        ax.legend()
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=40, batch_size=64, lr=0.003)
    parser.add_argument("--dataset", choices=["MNIST", "FashionMNIST"], default="MNIST",
                        help="MNIST (no flip) or FashionMNIST (flip allowed) (default: MNIST)")
    parser.add_argument("--train-size", type=lk.positive_int, default=1000,
                        help="training images drawn at random from the 60,000 (default: 1000)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)
    if args.quick:
        args.train_size, args.epochs = min(args.train_size, 200), 2

    data = lk.load_mnist(run.data_dir, args.dataset)
    pick = torch.randperm(len(data.x_train), generator=torch.Generator().manual_seed(args.seed))
    pick = pick[: min(args.train_size, len(pick))]
    x_train = data.x_train[pick].unsqueeze(1)  # uint8 (N, 1, 28, 28): v2 wants a channel dimension
    y_train = data.y_train[pick].to(run.device)
    x_test = to_model_input(data.x_test.unsqueeze(1), args.dataset).to(run.device)  # never augmented
    y_test = data.y_test.to(run.device)
    print(f"data: {len(x_train)} of {len(data.x_train)} {args.dataset} training images, "
          f"all {len(x_test)} test images")

    # --- the batch trap: one v2 call = one random draw for the whole batch ---
    recipe = training_augmentation(args.dataset)
    copies = 16
    together = distinct_results(recipe, x_train[0], copies, per_image=False)
    each = distinct_results(recipe, x_train[0], copies, per_image=True)
    print(f"{copies} copies of one image through the training recipe: one call on the batch gives {together} "
          f"distinct result(s), one call per image gives {each}")
    plot_gallery(x_train[:8], args.dataset, run.out / "augmentations.png", args.show)

    # --- the experiment: same network, same start, same batches; only the images differ ---
    cpu_data = (x_train, y_train, x_test, y_test)
    t0 = time.perf_counter()
    plain = train("plain", None, cpu_data, args, run)
    t_plain = time.perf_counter() - t0
    augmented = train("augmented", recipe, cpu_data, args, run)
    t_augmented = time.perf_counter() - t0 - t_plain
    plot_curves(plain, augmented, len(x_train), run.out / "curves.png", args.show)

    acc_plain, acc_aug = plain[-1]["test_accuracy"], augmented[-1]["test_accuracy"]
    gain = 100 * (acc_aug - acc_plain)
    print(f"test accuracy after {args.epochs} epochs on {len(x_train)} images: {100 * acc_plain:.2f}% without, "
          f"{100 * acc_aug:.2f}% with augmentation ({gain:+.2f} points; test errors {100 * (1 - acc_plain):.1f}% "
          f"-> {100 * (1 - acc_aug):.1f}%). Training took {t_plain:.0f} s and {t_augmented:.0f} s.")
    print(f"final training loss (on the images each model was shown): {plain[-1]['train_loss']:.4f} without, "
          f"{augmented[-1]['train_loss']:.4f} with augmentation")
    return run.finish({
        "test_accuracy_plain": acc_plain,
        "test_accuracy_augmented": acc_aug,
        "gain_points": gain,
        "train_loss_plain": plain[-1]["train_loss"],
        "train_loss_augmented": augmented[-1]["train_loss"],
        "batch_call_distinct": together,
        "per_image_distinct": each,
        "seconds_plain": t_plain,
        "seconds_augmented": t_augmented,
        "train_examples": len(x_train),
        "epochs": args.epochs,
        "history_plain": plain,
        "history_augmented": augmented,
    })


if __name__ == "__main__":
    main()
