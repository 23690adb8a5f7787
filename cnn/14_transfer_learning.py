"""cnn/14_transfer_learning.py: transfer learning (迁移学习): MNIST features reused for Fashion-MNIST.

You will see the three ways to start a network on a new task with little data (here 1,000 Fashion-MNIST
images): from scratch (random weights); with the convolutional features that cnn/04_lenet.py learned
on MNIST digits frozen (冻结) and only a new classifier head trained; and fine-tuning (微调), where those
features are unfrozen after a while and trained on with a 10x smaller learning rate. A fourth run, the
control, freezes the same layers at their random starting weights: it tells whether the MNIST weights
carry anything, or whether any fixed features would do. How freezing is done right (requires_grad_(False),
the frozen BatchNorm kept in eval mode, only trainable parameters given to the optimizer), and how the
same is done with torchvision's ImageNet weights (`resnet18(weights=ResNet18_Weights.DEFAULT)`, a new
`fc`): try it with --torchvision-demo.

Notes: 003 第一章 深度学习成功的原因 (2. 迁移学习: reuse a trained network in another); D2L 13.2 fine-tuning (微调);
cnn/04_lenet.py (the network and the MNIST checkpoint it saves).
Run:    python cnn/04_lenet.py && python cnn/14_transfer_learning.py [--checkpoint PATH] [--train-size 1000]
        python cnn/14_transfer_learning.py --torchvision-demo    # needs the internet once (45 MB download)
Prints: where the MNIST weights come from, trainable vs total parameters, every 10th epoch of the four runs,
        the final test accuracies; with --torchvision-demo also ResNet-18's parameter counts and its head's accuracy.
Saves:  outputs/cnn/14_transfer_learning/{metrics.json, curves.png}, and mnist_lenet.pt when it pretrains itself
Expect: after 20 epochs (seed 0; the last digits move with the CPU: two machines gave these pairs): from scratch
        81.6-81.7%, frozen MNIST features 80.5-81.3% (59,134 of 61,728 weights trained), fine-tuned 80.7-81.0%,
        frozen random features 75.2% (seeds 0-3 on one machine: 81.4-82.2%, 80.1-81.3%, 80.0-81.0% and
        75.2-77.8%). What LeNet learned on digits does carry over to clothes (4-6 points better than the same
        layers frozen at random), but a network this small learns features as good from 1,000
        images by itself: here transfer gains no accuracy. Transfer pays most when the source task is big and
        related and the new data are few (ImageNet photos -> photos: --torchvision-demo). Without cnn/04's
        checkpoint it first pretrains the same LeNet on MNIST for one epoch. About a minute on a 2-core CPU,
        plus cnn/04's run.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from matplotlib.ticker import MaxNLocator
from torch import nn

import lessonkit as lk

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CHECKPOINT = REPO / "outputs" / "cnn" / "04_lenet" / "lenet.pt"
# The MNIST features were learned on inputs normalised with MNIST's mean and std: a reused network must
# be fed the way it was trained, so the Fashion-MNIST images get the same normalisation (torchvision's
# weights.transforms() does the same for ImageNet models: ImageNet's mean and std, 224 px).
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


class LeNet5(nn.Module):
    """cnn/04_lenet.py's LeNet-5, with the same parameter names, so its state_dict loads here."""

    def __init__(self, num_classes: int = 10, batch_norm: bool = True):
        super().__init__()

        def norm2d(channels):
            return nn.BatchNorm2d(channels) if batch_norm else nn.Identity()

        self.features = nn.Sequential(  # the part we transfer: (B, 1, 28, 28) -> (B, 16, 5, 5)
            nn.Conv2d(1, 6, kernel_size=5, padding=2, bias=not batch_norm), norm2d(6), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, kernel_size=5, bias=not batch_norm), norm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(  # the head: (B, 16, 5, 5) -> (B, 400) -> 120 -> 84 -> 10 logits
            nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def to_model_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float (N, 1, 28, 28) normalised as the MNIST network was trained."""
    return ((images.float() / 255.0 - MNIST_MEAN) / MNIST_STD).unsqueeze(1)


def count(model: nn.Module) -> tuple[int, int]:
    """(trainable, total) parameters."""
    return (sum(p.numel() for p in model.parameters() if p.requires_grad),
            sum(p.numel() for p in model.parameters()))


def fit(name, model, lr, epochs, data, args, run, keep_eval=(), first_epoch=1, copy_after=None):
    """Train the parameters of `model` that require grad; the modules in keep_eval stay in eval mode.

    Returns the per-epoch history and a copy of the model after epoch `copy_after` (None if not asked).
    """
    x_train, y_train, x_test, y_test = data
    # Only the trainable parameters go to the optimizer: it says what is trained, keeps no state for the
    # rest, and no weight decay or momentum can move a frozen weight (optimizers skip a parameter only
    # while its .grad is None).
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=epochs * lk.num_batches(len(x_train), args.batch_size))
    shuffler = torch.Generator().manual_seed(args.seed)
    history, snapshot = [], None
    for epoch in range(first_epoch, first_epoch + epochs):
        model.train()
        for module in keep_eval:
            # A BatchNorm in train mode normalises with the batch's statistics and updates its running
            # mean and variance even when no gradient flows: the "frozen" features would drift towards
            # Fashion-MNIST's statistics, and change under the head while it learns. Eval mode keeps the
            # MNIST statistics: the frozen part computes exactly what it computed on MNIST.
            module.eval()
        loss_sum = torch.zeros((), device=run.device)
        for xb, yb in lk.batches(x_train, y_train, args.batch_size, shuffle=True, generator=shuffler):
            loss = nn.functional.cross_entropy(model(xb), yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            loss_sum += loss.detach() * len(yb)
        lk.check_finite(loss_sum, f"{name} epoch {epoch}")
        if epoch == copy_after:
            snapshot = copy.deepcopy(model)
        last = epoch == first_epoch + epochs - 1
        if epoch % 2 and not last and epoch != copy_after:
            continue  # the test set every second epoch: a test pass costs more than an epoch on 1,000 images
        _, test_acc = lk.evaluate(model, x_test, y_test)
        history.append({"epoch": epoch, "train_loss": loss_sum.item() / len(x_train), "test_accuracy": test_acc})
        if epoch % 10 == 0 or last:
            print(f"  {name:<10} epoch {epoch:>3}  train loss {history[-1]['train_loss']:.4f}  "
                  f"test accuracy {100 * test_acc:.2f}%")
    return history, snapshot


def mnist_weights(run, args) -> dict:
    """cnn/04's LeNet state_dict, checked to fit; without one, the same LeNet trained here on MNIST for one epoch."""
    path = Path(args.checkpoint).expanduser()
    if not path.is_file():
        print(f"no MNIST checkpoint at {path} (run cnn/04_lenet.py first, or pass --checkpoint PATH): "
              "training the same LeNet on MNIST for one epoch here")
        mnist = lk.load_mnist(run.data_dir, "MNIST")
        n = min(2000, len(mnist.x_train)) if args.quick else len(mnist.x_train)
        data = (to_model_input(mnist.x_train[:n]).to(run.device), mnist.y_train[:n].to(run.device),
                to_model_input(mnist.x_test).to(run.device), mnist.y_test.to(run.device))
        model = LeNet5().to(run.device)
        fit("MNIST", model, args.lr, 1, data, args, run)  # the loop below, on n MNIST digits
        print(f"saved {lk.save_checkpoint(model.state_dict(), run.out / 'mnist_lenet.pt')} (for --checkpoint)")
        return model.state_dict()
    state = lk.load_checkpoint(path, map_location="cpu")  # weights_only=True inside
    # The whole file must fit (names, shapes, finite values) before any training: one paragraph saying what
    # the file holds, not a RuntimeError from load_state_dict after the first model has trained.
    lk.check_state_dict(state, LeNet5(), path, expected="a LeNet-5 with BatchNorm saved by cnn/04_lenet.py")
    print(f"MNIST features from {path}")
    return state


def pretrained_resnet18():
    """torchvision's ResNet-18 with its ImageNet weights, or a one-line LessonError saying why not."""
    from torchvision.models import ResNet18_Weights, resnet18

    weights = ResNet18_Weights.DEFAULT  # IMAGENET1K_V1: learned on 1.28 million ImageNet photos
    cached = Path(torch.hub.get_dir()) / "checkpoints" / Path(weights.url).name  # where torch.hub keeps it
    how = (f"download {weights.url} once where there is internet into {cached.parent}, "
           "or run without --torchvision-demo")
    if not cached.is_file() and lk.offline():
        raise lk.LessonError(f"--torchvision-demo needs ResNet-18's ImageNet weights ({cached.name}, 45 MB), "
                             f"not in the torch cache, and LESSONS_OFFLINE is set: {how}")
    try:
        return resnet18(weights=weights), weights  # downloads into the cache the first time
    except (OSError, RuntimeError, ValueError, EOFError) as err:  # URLError is an OSError; a bad file, RuntimeError
        first = str(err).splitlines()[0][:160] if str(err) else type(err).__name__
        raise lk.LessonError(f"--torchvision-demo could not load ResNet-18's ImageNet weights ({first}): {how}; "
                             f"delete {cached} if it is damaged") from None


def torchvision_demo(model, weights, x_train, y_train, x_test, y_test, run) -> dict:
    """The same recipe on a big pretrained network: freeze everything, replace the last layer (fc)."""
    model.requires_grad_(False)                        # freeze the whole backbone
    model.fc = nn.Linear(model.fc.in_features, 10)    # the new head (512 -> 10) requires grad
    trainable, total = count(model)
    print(f"ResNet-18 ({weights.name}) with a new fc: {trainable:,} trainable of {total:,} parameters")
    # The ImageNet model expects what it was trained on: resize 256, centre crop 224, ImageNet's mean and
    # std, 3 channels. weights.transforms() does all of it and nothing random, so one call per batch is right.
    preprocess, head = weights.transforms(), model.fc
    model.fc = nn.Identity()  # a frozen backbone is a fixed function: compute its 512 features once
    model = model.to(run.device).eval()  # eval: its BatchNorms keep their ImageNet statistics
    with torch.inference_mode():  # gray (50, 1, 28, 28) -> (50, 3, 28, 28) -> preprocess -> (50, 512)
        features = [torch.cat([model(preprocess(c.unsqueeze(1).expand(-1, 3, -1, -1).to(run.device)))
                               for c in x.split(50)]) for x in (x_train, x_test)]
    f_train, f_test = (f.clone() for f in features)  # clones outside inference mode can enter autograd
    head = head.to(run.device)
    y_train, y_test = y_train.to(run.device), y_test.to(run.device)
    optimizer = torch.optim.AdamW(head.parameters(), lr=0.01, weight_decay=1e-4)
    for _ in range(200):  # full-batch steps on the cached features: seconds
        loss = nn.functional.cross_entropy(head(f_train), y_train)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    lk.check_finite(loss, "ResNet-18 head")
    _, acc = lk.evaluate(head, f_test, y_test)
    print(f"ResNet-18 ImageNet features + a new linear head, {len(f_train)} Fashion-MNIST training images: "
          f"{100 * acc:.2f}% on {len(f_test)} test images")
    return {"torchvision_trainable": trainable, "torchvision_parameters": total, "torchvision_test_accuracy": acc}


def plot_curves(curves: dict, unfreeze_at: int, n_train: int, path, show: bool) -> None:
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    styles = {"frozen random features": dict(color="gray", ls="--")}  # the control
    for label, history in curves.items():
        if label == "fine-tuned":  # it branches off the frozen run: draw it from there
            history = [h for h in curves["frozen MNIST features"] if h["epoch"] == unfreeze_at] + history
        ax.plot([h["epoch"] for h in history], [100 * h["test_accuracy"] for h in history], marker="o", ms=3,
                label=label, **styles.get(label, {}))
    ax.axvline(unfreeze_at, color="tab:green", ls=":", lw=1)
    ax.set(xlabel="epoch", ylabel="Fashion-MNIST test accuracy (%)",
           title=f"Starting from MNIST features, {n_train} Fashion-MNIST training images")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend()
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=20, batch_size=64, lr=0.003)
    parser.add_argument("--checkpoint", default=str(DEFAULT_CHECKPOINT),
                        help="LeNet state_dict trained on MNIST (default: cnn/04_lenet.py's; "
                             "missing: pretrain here for one epoch)")
    parser.add_argument("--train-size", type=lk.positive_int, default=1000,
                        help="Fashion-MNIST training images drawn at random from the 60,000 (default: 1000)")
    parser.add_argument("--head-epochs", type=lk.positive_int, default=None,
                        help="epochs with frozen features before fine-tuning starts (default: half of --epochs)")
    parser.add_argument("--torchvision-demo", action="store_true",
                        help="also fit a head on torchvision's ImageNet ResNet-18 (downloads 45 MB once)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)
    if args.quick:
        args.train_size, args.epochs = min(args.train_size, 200), 2
    head_epochs = args.head_epochs or max(1, args.epochs // 2)
    if not head_epochs < args.epochs:
        raise lk.LessonError(f"--head-epochs ({head_epochs}) must be smaller than --epochs ({args.epochs}): "
                             "fine-tuning needs epochs after the head is trained")
    resnet = pretrained_resnet18() if args.torchvision_demo else None  # fail before training, not after

    fashion = lk.load_mnist(run.data_dir, "FashionMNIST")
    pick = torch.randperm(len(fashion.x_train), generator=torch.Generator().manual_seed(args.seed))
    pick = pick[: min(args.train_size, len(pick))]
    data = (to_model_input(fashion.x_train[pick]).to(run.device), fashion.y_train[pick].to(run.device),
            to_model_input(fashion.x_test).to(run.device), fashion.y_test.to(run.device))
    print(f"data: {len(pick)} of {len(fashion.x_train)} Fashion-MNIST training images, all {len(data[2])} test images")
    state = mnist_weights(run, args)

    # --- four runs of the same network from the same random start; they differ in what the conv layers
    # hold (random or MNIST weights) and in what trains ---
    torch.manual_seed(args.seed)
    start = LeNet5().state_dict()
    mnist_features = {k.removeprefix("features."): v for k, v in state.items() if k.startswith("features.")}

    def network(features: dict | None = None, freeze: bool = False) -> LeNet5:
        model = LeNet5()
        model.load_state_dict(start)
        if features is not None:
            model.features.load_state_dict(features)
        if freeze:
            model.features.requires_grad_(False)  # no gradients computed or stored for the conv layers
        return model.to(run.device)

    scratch = network()                                  # 1. every weight random, every weight trains
    frozen = network(mnist_features, freeze=True)        # 2. MNIST features frozen, a new head trains
    control = network(freeze=True)                       # 4. the control: the conv layers frozen at random
    print("trainable of total parameters: from scratch {:,} of {:,}, frozen features {:,} of {:,}".format(
        *count(scratch), *count(frozen)))

    t0 = time.perf_counter()
    curves = {"from scratch": fit("scratch", scratch, args.lr, args.epochs, data, args, run)[0]}
    curves["frozen MNIST features"], tuned = fit("frozen", frozen, args.lr, args.epochs, data, args, run,
                                                 keep_eval=[frozen.features], copy_after=head_epochs)
    # 3. fine-tuning: the frozen model after head_epochs, unfrozen, every weight trained with a smaller lr.
    # The head is trained first so that its random start sends no large, random gradients into the
    # features; the small lr then adapts the features to clothing without erasing what they know.
    tuned.requires_grad_(True)
    trainable, total = count(tuned)
    finetune_lr = args.lr / 10
    print(f"fine-tuning from epoch {head_epochs + 1}: {trainable:,} trainable of {total:,} parameters, "
          f"lr {finetune_lr:g}")
    # The BatchNorms keep the MNIST statistics the head was trained on (their scale and shift do train):
    # switching them to batch statistics now would change the features under the head in one step.
    batch_norms = [m for m in tuned.features if isinstance(m, nn.BatchNorm2d)]
    curves["fine-tuned"] = fit("fine-tune", tuned, finetune_lr, args.epochs - head_epochs, data, args, run,
                               keep_eval=batch_norms, first_epoch=head_epochs + 1)[0]
    # 4. Is it what MNIST taught the conv layers that helps, or just the head on any fixed features?
    curves["frozen random features"] = fit("random", control, args.lr, args.epochs, data, args, run,
                                           keep_eval=[control.features])[0]
    seconds = time.perf_counter() - t0
    plot_curves(curves, head_epochs, len(pick), run.out / "curves.png", args.show)

    final = {name: h[-1]["test_accuracy"] for name, h in curves.items()}
    print(f"Fashion-MNIST test accuracy after {args.epochs} epochs on {len(pick)} images: "
          + ", ".join(f"{name} {100 * acc:.2f}%" for name, acc in final.items()) + f" (training {seconds:.0f} s)")
    metrics = {
        "test_accuracy_scratch": final["from scratch"],
        "test_accuracy_frozen": final["frozen MNIST features"],
        "test_accuracy_finetuned": final["fine-tuned"],
        "test_accuracy_random_frozen": final["frozen random features"],
        "trainable_frozen": count(frozen)[0],
        "parameters": count(frozen)[1],
        "train_examples": len(pick),
        "epochs": args.epochs,
        "head_epochs": head_epochs,
        "curves": curves,
    }
    if resnet is not None:  # 500 images each way at 224 px: a minute or so on a CPU
        n = 20 if args.quick else 500
        metrics |= torchvision_demo(*resnet, fashion.x_train[pick][:n], fashion.y_train[pick][:n],
                                    fashion.x_test[:n], fashion.y_test[:n], run)
    return run.finish(metrics)


if __name__ == "__main__":
    main()
