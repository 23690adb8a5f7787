"""classification/12_tensorboard.py: watching a training run in TensorBoard (训练过程可视化).

You will log a short Fashion-MNIST training run with torch.utils.tensorboard.SummaryWriter: scalars
(the training loss and the learning rate every 20 steps, the test loss and accuracy every epoch),
histograms (every weight and gradient tensor, once an epoch), images (a batch of inputs) and the
model's graph. The writer appends them to an event file (events.out.tfevents.*) that the TensorBoard
web app reads while the run goes on; close() writes what is still buffered and stops the writer's
background thread. Then the lesson reads the scalars back from the event file with TensorBoard's
EventAccumulator and draws them with Matplotlib, so you see the file holds what was logged. The notes
used Visdom and tensorboardX, both separate servers or packages; SummaryWriter is built into PyTorch
and needs only `pip install tensorboard`.

Notes: 002 Visdom可视化 (tensorboardX's SummaryWriter: add_scalar, add_image; Visdom's line and image
windows) and its "when to test" (once per epoch vs once per some batches: here the test runs once an
epoch, and the training loss is logged every 20 steps).
Run:    python classification/12_tensorboard.py [--epochs 3] [--lr 0.1]
        then: tensorboard --logdir outputs/classification/12_tensorboard/tensorboard  (open http://localhost:6006)
        Run again with another --lr: each setting gets its own folder, and TensorBoard overlays the runs.
Prints: one line per epoch, the tags found in the event file, the tensorboard command to open it.
Saves:  outputs/classification/12_tensorboard/{metrics.json, scalars_from_event_file.png,
        tensorboard/<lr, batch size, seed>/events.out.tfevents.*}
Expect: about 87% test accuracy after 3 epochs; the event file holds 4 scalar series, 8 histogram
        series, one image series and the graph; about 20 s on a 2-core CPU.
"""

from __future__ import annotations

import time
import warnings

import matplotlib.pyplot as plt
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch import nn
from torch.utils.tensorboard import SummaryWriter

import lessonkit as lk

LOG_EVERY = 20  # steps between two training-loss points


def make_model() -> nn.Sequential:
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def log_graph(writer: SummaryWriter, model: nn.Module, example: torch.Tensor) -> None:
    """Add the model's graph (the GRAPHS tab).

    add_graph records the graph by running the model once under torch.jit.trace, which PyTorch now
    marks deprecated (FutureWarnings for torch.jit.trace and torch.jit.trace_method) while SummaryWriter
    offers no other way to draw a graph. Those two, which the one filter below matches, are silenced
    here, and only here; any other warning still shows.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"`torch\.jit\.trace", category=FutureWarning)
        writer.add_graph(model, example)


def read_events(log_dir) -> tuple[dict, dict[str, list[tuple[int, float]]]]:
    """The tags in the event files of log_dir, and every scalar series as (step, value) pairs."""
    events = EventAccumulator(str(log_dir), size_guidance={"scalars": 0})  # 0: keep every point
    events.Reload()  # reads the files; TensorBoard does this again and again while a run goes on
    tags = events.Tags()
    return tags, {tag: [(e.step, e.value) for e in events.Scalars(tag)] for tag in tags["scalars"]}


def plot_scalars(scalars: dict, path, show: bool) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for ax, tags in zip(axes, (["loss/train", "loss/test"], ["accuracy/test"], ["learning_rate"])):
        for tag in tags:
            steps, values = zip(*scalars[tag])
            ax.plot(steps, values, "o-" if len(steps) < 20 else "-", markersize=4, label=tag)
        ax.set(xlabel="step", title=", ".join(tags))
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("Read back from the event file with EventAccumulator")
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=3, batch_size=128, lr=0.1)
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)

    fashion = lk.load_mnist(run.data_dir, "FashionMNIST")
    x_train, y_train = fashion.x_train.float() / 255.0, fashion.y_train     # (60000, 28, 28) in [0, 1]
    x_test, y_test = fashion.x_test.float() / 255.0, fashion.y_test
    if args.quick:
        args.epochs = 1
    x_train, y_train, x_test, y_test = (t.to(run.device) for t in (x_train, y_train, x_test, y_test))

    torch.manual_seed(args.seed)
    model = make_model().to(run.device)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    steps_per_epoch = lk.num_batches(len(x_train), args.batch_size)
    # A cosine schedule (classification/11), so that the learning_rate curve has something to show.
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs * steps_per_epoch)
    loss_fn = nn.CrossEntropyLoss()
    shuffler = torch.Generator().manual_seed(args.seed)

    # One folder per setting: TensorBoard shows each sub-folder of --logdir as a run. A rerun with the
    # same setting replaces its old event files, which would otherwise be drawn as a second curve.
    # SummaryWriter writes from a thread of its own, where a file in the way or a read-only folder from an
    # earlier run would fail after training started: check the folder like --out, before any work.
    log_dir = lk.ensure_writable_folder(run.out / "tensorboard" / f"lr{args.lr:g}_bs{args.batch_size}_seed{args.seed}",
                                        flag="TensorBoard's log folder")
    for old in sorted(log_dir.glob("events.out.tfevents.*")):
        if old.is_dir():
            raise lk.LessonError(f"{old} is a folder where TensorBoard keeps event files: move it away")
        old.unlink()
        print(f"removed {old.name}, the event file of an earlier run with the same settings")
    writer = SummaryWriter(log_dir=str(log_dir))
    try:
        example = x_train[:64]
        writer.add_images("inputs/first 64 training images", example.unsqueeze(1), 0)  # (64, 1, 28, 28)
        log_graph(writer, model, example)
        log_every = min(LOG_EVERY, steps_per_epoch)  # (--quick has only a couple of steps an epoch)
        step, window = 0, torch.zeros((), device=run.device)
        for epoch in range(1, args.epochs + 1):
            t_epoch = time.perf_counter()
            model.train()
            bar = lk.progress(lk.batches(x_train, y_train, args.batch_size, shuffle=True, generator=shuffler),
                              total=steps_per_epoch, desc=f"epoch {epoch}/{args.epochs}")
            for images, labels in bar:
                loss = loss_fn(model(images), labels)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                scheduler.step()
                step += 1
                window += loss.detach()
                if step % log_every == 0:  # one .item() per log_every steps: the mean loss of that window
                    lk.check_finite(window, f"step {step}")
                    writer.add_scalar("loss/train", window.item() / log_every, step)
                    writer.add_scalar("learning_rate", scheduler.get_last_lr()[0], step)
                    window.zero_()
            # Once an epoch: the weights' and gradients' distributions (HISTOGRAMS and DISTRIBUTIONS tabs).
            for name, param in model.named_parameters():
                writer.add_histogram(f"weights/{name}", param, epoch)
                writer.add_histogram(f"gradients/{name}", param.grad, epoch)
            test_loss, test_acc = lk.evaluate(model, x_test, y_test)
            writer.add_scalar("loss/test", test_loss, step)   # same x axis (step) as the training loss
            writer.add_scalar("accuracy/test", test_acc, step)
            print(f"epoch {epoch}/{args.epochs}  test loss {test_loss:.4f}  test accuracy {100 * test_acc:.2f}%  "
                  f"({time.perf_counter() - t_epoch:.1f} s)")
    finally:
        writer.close()  # flush, close the file, stop the background writer thread: even if training failed

    tags, scalars = read_events(log_dir)
    print(f"event file {next(log_dir.glob('events.out.tfevents.*')).name} holds {len(tags['scalars'])} scalar "
          f"series {sorted(tags['scalars'])}, {len(tags['histograms'])} histogram series, "
          f"images {tags['images']}, graph {tags['graph']}")
    plot_scalars(scalars, run.out / "scalars_from_event_file.png", args.show)
    print(f"to look at it: tensorboard --logdir {log_dir.parent}   (then open http://localhost:6006)")
    return run.finish({
        "test_accuracy": test_acc,
        "test_loss": test_loss,
        "logged_steps": step,
        "scalar_points": sum(len(points) for points in scalars.values()),
        "histogram_series": len(tags["histograms"]),
        "epochs": args.epochs,
    })


if __name__ == "__main__":
    main()
