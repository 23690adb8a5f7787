r"""cnn/05_training_pipeline.py: note 004's MNIST CNN training script, rebuilt as a complete, correct pipeline.

You will see what a real training run has beyond the loop itself: a seeded train/validation split of the
60,000 training images (the test set is touched once, at the end), a progress bar with the running loss
and accuracy, evaluation on the validation split after every epoch, the best checkpoint saved atomically
(model, optimizer, scheduler, epoch, random-number states, best metric), `--resume PATH` that continues a
run exactly where it stopped, early stopping (--patience), a final test of the BEST checkpoint (not of the
last weights), a confusion matrix (混淆矩阵) and a CSV of per-epoch metrics.

The note's script does not run; each fix is named in a comment beside it:
  note 004                                         | here
  self.filter = ... defined, self.classifier used  | one name: self.classifier (was an AttributeError)
  training set without transform=ToTensor()       | the whole set converted once to normalised tensors
  loss.item(* x.size(0))                           | loss.detach() * batch size, summed on the device
  mean_loss /= loss.item() * ... inside the loop   | += per batch, then one /= by the count after it
  test block prints "Training Acc"                 | printed as validation / test
  device = "cuda"                                  | --device (auto: CUDA, MPS or CPU), .to(run.device)
  root="D:\File\CODE\python\dataset"               | --data-dir (that path is Windows-only, and "\F"
                                                   |   is an invalid escape: a SyntaxWarning since Python 3.12)
  nn.BatchNorm2d(32)  # 正则化 (regularisation)     | it normalises (批量归一化); see cnn/06_batch_norm.py
  100 epochs, model.pth overwritten every epoch    | early stopping; best.pt and last.pt, written atomically
  the test set watched every epoch                 | a validation split chooses; the test set judges once

How it differs from cnn/04_lenet.py: 04 is the fast flagship (LeNet, batches sliced straight from the
in-memory tensors, a fixed 3-epoch schedule, the last weights tested) for learning and quick experiments.
This one keeps the note's wider network, feeds it through a DataLoader (--workers for worker processes)
and does the bookkeeping a long run needs; start from it when a run is long enough to be interrupted or
when a model has to be chosen without looking at the test set.

Notes: 004 Classification (the MNIST script, fixed) and CNN (local connections, shared weights, pooling);
004 优化算法 (提前停止: early stopping); 002 BatchNorm.
Run:    python cnn/05_training_pipeline.py [--epochs 5] [--patience 3] [--workers 2] [--device cuda]
        python cnn/05_training_pipeline.py --resume outputs/cnn/05_training_pipeline/last.pt
Prints: one line per epoch (train and validation loss/accuracy, learning rate, seconds, "best" marks),
        early stopping if it happens, then the test loss and accuracy of the best checkpoint.
Saves:  outputs/cnn/05_training_pipeline/{metrics.json, metrics.csv, last.pt, best.pt, confusion_matrix.png}
Expect: 99.3% test accuracy (seed 0: the best checkpoint is epoch 5 of 5, validation 99.25%) in about 1.5 minutes on an
        idle 2-core CPU (the note's network does about 4x the multiply-adds of cnn/04's LeNet per image); on the
        CPU a resumed run ends with exactly the weights of an uninterrupted one.
"""

from __future__ import annotations

import csv
import math
import shutil
import time
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import lessonkit as lk

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
SPLIT_SEED = 0       # fixed, so every run and every resumed run validates on the same images
VAL_FRACTION = 0.1   # 6,000 of the 60,000 training images
CHECKPOINT_KEYS = {"model", "optimizer", "scheduler", "epoch", "epochs", "best_val_loss", "best_epoch",
                   "history", "shuffler", "torch_rng"}


class NoteCNN(nn.Module):
    """Note 004's Mymodel: three conv blocks of 32 channels, then 128 -> 64 -> 10. Returns logits."""

    def __init__(self, in_channels: int = 1, num_classes: int = 10, width: int = 32):
        super().__init__()  # the note's super(Mymodel, self).__init__() is the Python 2 spelling

        def block(c_in, c_out, padding):
            # fix: the note comments BatchNorm as 正则化 (regularisation). It normalises each channel
            # (批量归一化), which makes training faster (cnn/06_batch_norm.py shows it side by side); any
            # regularising effect is a side effect of batch noise. No conv bias: BatchNorm's beta replaces it.
            return [nn.Conv2d(c_in, c_out, 3, padding=padding, bias=False), nn.BatchNorm2d(c_out),
                    nn.ReLU(), nn.MaxPool2d(2)]

        self.features = nn.Sequential(
            *block(in_channels, width, padding=1),  # (B, 32, 14, 14)
            *block(width, width, padding=0),        # (B, 32, 6, 6)
            *block(width, width, padding=0),        # (B, 32, 2, 2)
        )
        # fix: the note defines this as self.filter but forward() calls self.classifier: AttributeError.
        # nn.Flatten replaces inputs.view(-1, 32*2*2), which silently regroups rows if a shape is off.
        # (Note 002's TestNet, which introduces its own Flatten module, has nn.Conv2d(1, 16, stride=1,
        # padding=1) with no kernel_size: a TypeError. A 3x3 kernel is what its padding=1 is for; then its
        # nn.Linear(1 * 14 * 14, 10) would fail too, since 16 channels flatten to 16 * 14 * 14.)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(width * 2 * 2, 64), nn.ReLU(),
                                        nn.Linear(64, num_classes))  # no activation: logits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def to_model_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float (N, 1, 28, 28), normalised: ToTensor + Normalize for the whole set at once.
    fix: the note gave its TRAINING set no transform (only the test set had ToTensor), so the DataLoader
    received PIL images it cannot batch."""
    return ((images.float() / 255.0 - MNIST_MEAN) / MNIST_STD).unsqueeze(1)


def evaluate(model, loader, device) -> tuple[float, float, torch.Tensor]:
    """(mean loss, accuracy, predicted classes on the CPU) over a loader, in eval mode without autograd."""
    model.eval()  # BatchNorm uses its running statistics
    loss_sum, predicted = torch.zeros((), device=device), []
    with torch.inference_mode():
        for images, labels in loader:
            logits = model(images.to(device))
            loss_sum += nn.functional.cross_entropy(logits, labels.to(device), reduction="sum")
            predicted.append(logits.argmax(dim=1).cpu())
    predicted, labels = torch.cat(predicted), loader.dataset.tensors[1]
    return loss_sum.item() / len(labels), (predicted == labels).float().mean().item(), predicted


def write_csv(history: list[dict], path: Path) -> None:
    """All epochs so far, rewritten atomically each epoch: a crash never leaves half a file."""
    with lk.atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(history[0]))
        writer.writeheader()
        writer.writerows(history)


def plot_confusion(labels, predicted, accuracy, path, show: bool) -> torch.Tensor:
    matrix = torch.bincount(labels * 10 + predicted, minlength=100).reshape(10, 10)  # rows true, cols predicted
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    image = ax.imshow(matrix.numpy(), cmap="Blues", norm="log")  # log colours: the few mistakes show
    for (i, j), count in zip(torch.cartesian_prod(torch.arange(10), torch.arange(10)).tolist(), matrix.flatten()):
        if count:
            ax.text(j, i, str(int(count)), ha="center", va="center", fontsize=7,
                    color="white" if i == j else "black")
    ax.set(xticks=range(10), yticks=range(10), xlabel="predicted", ylabel="true",
           title=f"Test confusion matrix (best checkpoint), accuracy {100 * accuracy:.2f}%")
    fig.colorbar(image, ax=ax, label="images")
    lk.save_figure(fig, path, show=show)
    return matrix


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=5, batch_size=128, lr=3e-3)
    parser.add_argument("--patience", type=lk.positive_int, default=3,
                        help="stop after this many epochs without a better validation loss (default: 3)")
    parser.add_argument("--resume", default=None, metavar="PATH", help="continue from a last.pt or best.pt")
    parser.add_argument("--workers", type=lk.non_negative_int, default=0,
                        help="DataLoader worker processes (default: 0, batches made in this process)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)

    # --- data: a seeded train/validation split of the 60,000 training images; the test set kept apart ---
    mnist = lk.load_mnist(run.data_dir, "MNIST")  # fix: --data-dir, not the note's "D:\File\..." path
    x, y = to_model_input(mnist.x_train), mnist.y_train
    if args.quick:
        x, y, args.epochs = x[:2000], y[:2000], min(args.epochs, 2)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(SPLIT_SEED))
    n_val = int(len(x) * VAL_FRACTION)
    train_set = TensorDataset(x[order[n_val:]], y[order[n_val:]])
    val_set = TensorDataset(x[order[:n_val]], y[order[:n_val]])
    test_set = TensorDataset(to_model_input(mnist.x_test), mnist.y_test)
    # The shuffler is a CPU generator: its state goes into the checkpoint, so a resumed run sees the
    # same batches as an uninterrupted one. pin_memory speeds up copies to a GPU.
    shuffler = torch.Generator().manual_seed(args.seed)
    loader_args = dict(num_workers=args.workers, pin_memory=run.device.type == "cuda")
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, generator=shuffler, **loader_args)
    val_loader = DataLoader(val_set, batch_size=1000, **loader_args)
    test_loader = DataLoader(test_set, batch_size=1000, **loader_args)
    print(f"data: {len(train_set)} train, {len(val_set)} validation, {len(test_set)} test images")

    # --- model, loss, optimizer, scheduler ---
    model = NoteCNN().to(run.device)  # fix: the note hard-codes device = "cuda"
    loss_fn = nn.CrossEntropyLoss()   # 交叉熵 on logits (log-softmax inside)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    # One-cycle: the learning rate warms up to --lr, then anneals to nearly 0 by the last planned step, so
    # the last epochs fine-tune with small steps (the note ran 100 epochs at Adam's constant 1e-3).
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr,
                                                    total_steps=args.epochs * len(train_loader))
    history, start, best_loss, best_epoch = [], 1, math.inf, 0
    last_path, best_path = run.out / "last.pt", run.out / "best.pt"

    if args.resume:  # a broken file is an lk.DataError naming it, never a traceback from deep in torch
        state = lk.load_checkpoint(args.resume, map_location=run.device)
        if missing := CHECKPOINT_KEYS - state.keys():
            raise lk.DataError(f"{args.resume} is not a checkpoint of this lesson (it lacks {sorted(missing)}); "
                               "resume from the last.pt or best.pt that it saved.")
        lk.check_state_dict(state["model"], model, args.resume,
                            expected="a checkpoint of this lesson's NoteCNN (cnn/05's last.pt or best.pt)")
        # The one-cycle schedule was planned as epochs x batches per epoch: another --batch-size, or another
        # data size (--quick), would neither follow that plan nor see the same shuffled batches. Refuse it.
        planned = state["scheduler"].get("total_steps") if isinstance(state["scheduler"], dict) else None
        if planned != state["epochs"] * len(train_loader):
            then = f"{planned // state['epochs']} batches an epoch" if isinstance(planned, int) else "another schedule"
            raise lk.DataError(
                f"{args.resume} was saved by a run with {then} (--batch-size {state.get('batch_size', '?')}); this "
                f"run has {len(train_loader)} (--batch-size {args.batch_size}{', --quick' if args.quick else ''}), so "
                "its learning-rate schedule and shuffled batches would not continue where that run stopped. Resume "
                "with that run's --batch-size and --quick setting, or start a new run without --resume.")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])  # Adam's running averages, step counts
        scheduler.load_state_dict(state["scheduler"])
        # map_location moved the RNG states too; generators take only CPU ByteTensors: restore CPU copies.
        shuffler.set_state(state["shuffler"].cpu())
        torch.set_rng_state(state["torch_rng"].cpu())
        history, start = state["history"], state["epoch"] + 1
        if args.epochs != state["epochs"]:  # the one-cycle schedule was planned for the checkpoint's run
            print(f"--epochs {args.epochs} ignored: the checkpoint's schedule runs to epoch {state['epochs']}")
            args.epochs = state["epochs"]
        best_loss, best_epoch = state["best_val_loss"], state["best_epoch"]
        beside = Path(args.resume).with_name("best.pt")
        if best_epoch == state["epoch"]:
            lk.save_checkpoint(state, best_path)  # this checkpoint is the best so far
        elif beside.resolve() != best_path.resolve():
            if not beside.is_file():
                raise lk.DataError(f"no best.pt beside {args.resume}: it holds the best epoch ({best_epoch}).")
            with lk.atomic_path(best_path) as tmp:
                shutil.copyfile(beside, tmp)
        print(f"resumed from {args.resume}: {state['epoch']} epochs done, best validation loss "
              f"{best_loss:.4f} at epoch {best_epoch}")
        if state["epoch"] - best_epoch >= args.patience:
            print(f"that run had stopped early (--patience {args.patience}): nothing more to train")
            start = args.epochs + 1

    # --- the training loop, in plain sight ---
    for epoch in range(start, args.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        # fix: the note's `mean_loss /= loss.item() * x.size(0)` divided where it should add, and
        # `loss.item(* x.size(0))` is a TypeError. Sums stay on the device: no .item() per batch.
        loss_sum, correct, seen = torch.zeros((), device=run.device), torch.zeros((), device=run.device), 0
        bar = lk.progress(train_loader, desc=f"epoch {epoch}/{args.epochs}")
        for step, (images, labels) in enumerate(bar):
            images, labels = images.to(run.device, non_blocking=True), labels.to(run.device, non_blocking=True)
            logits = model(images)                 # (B, 10)
            loss = loss_fn(logits, labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()                       # one-cycle steps once per batch
            loss_sum += loss.detach() * len(labels)
            correct += (logits.argmax(dim=1) == labels).sum()
            seen += len(labels)
            if step % 50 == 0:  # an occasional look at the numbers (it waits for the device)
                lk.check_finite(loss, f"epoch {epoch} step {step}")
                bar.set_postfix(loss=f"{loss_sum.item() / seen:.4f}", acc=f"{correct.item() / seen:.4f}")
        lk.check_finite(loss_sum, f"epoch {epoch}")
        val_loss, val_acc, _ = evaluate(model, val_loader, run.device)
        history.append({"epoch": epoch, "train_loss": loss_sum.item() / seen, "train_accuracy": correct.item() / seen,
                        "val_loss": val_loss, "val_accuracy": val_acc, "lr": optimizer.param_groups[0]["lr"],
                        "seconds": round(time.perf_counter() - t0, 2)})
        improved = val_loss < best_loss
        if improved:
            best_loss, best_epoch = val_loss, epoch
        # Everything needed to continue exactly (the RNG states are CPU ByteTensors already).
        state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                 "scheduler": scheduler.state_dict(), "epoch": epoch, "epochs": args.epochs, "best_val_loss": best_loss,
                 "best_epoch": best_epoch, "history": history, "shuffler": shuffler.get_state(),
                 "batch_size": args.batch_size,
                 "torch_rng": torch.get_rng_state()}
        lk.save_checkpoint(state, last_path)  # torch.save to a temp file, renamed when complete
        if improved:
            lk.save_checkpoint(state, best_path)
        write_csv(history, run.out / "metrics.csv")
        h = history[-1]
        # fix: the note's evaluation printed "Training Acc"; these are the validation numbers
        print(f"epoch {epoch}/{args.epochs}  train loss {h['train_loss']:.4f} acc {100 * h['train_accuracy']:.2f}%  "
              f"val loss {val_loss:.4f} acc {100 * val_acc:.2f}%  lr {h['lr']:.1e}  ({h['seconds']:.1f} s)"
              + ("  best, saved" if improved else ""))
        if epoch - best_epoch >= args.patience:  # early stopping (提前停止)
            print(f"early stopping: no better validation loss for {args.patience} epochs since epoch {best_epoch}")
            break

    # --- the test set, once, with the BEST checkpoint read back from disk ---
    best = lk.load_checkpoint(best_path, map_location=run.device)
    model.load_state_dict(best["model"])
    test_loss, test_acc, predicted = evaluate(model, test_loader, run.device)
    print(f"test (best checkpoint, epoch {best['epoch']}): loss {test_loss:.4f}  accuracy {100 * test_acc:.2f}%  "
          f"({int((predicted != mnist.y_test).sum())} of {len(predicted)} wrong)")
    matrix = plot_confusion(mnist.y_test, predicted, test_acc, run.out / "confusion_matrix.png", args.show)
    return run.finish({
        "test_accuracy": test_acc,
        "test_loss": test_loss,
        "best_epoch": best["epoch"],
        "best_val_loss": best["best_val_loss"],
        "epochs_run": history[-1]["epoch"],
        "stopped_early": history[-1]["epoch"] < args.epochs,
        "train_examples": len(train_set),
        "val_examples": len(val_set),
        "confusion_matrix": matrix,
        "history": history,
    })


if __name__ == "__main__":
    main()
