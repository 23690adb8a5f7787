"""Checks for exercises/classification/12_tensorboard.py (run: python -m lessonkit.check classification/12)."""

import os
import tempfile
import threading
from pathlib import Path

import lessonkit as lk
from lessonkit.check import NotYet, lesson

board = lesson("classification/12_tensorboard.py")


def _stop_forgotten_writers(folder: Path) -> int:
    """Stop the writer threads of SummaryWriters never closed that write into folder or below; return how many.

    An open writer's background thread writes its queue out whenever it gets to it: the check might read the
    file before, and the thread might write after the check has deleted the folder. (It looks at tensorboard's
    writer thread from outside: if a later version names its parts otherwise, nothing is found and nothing breaks.)
    """
    forgotten = 0
    for thread in threading.enumerate():
        record_writer = getattr(thread, "_record_writer", None)
        filename = getattr(getattr(record_writer, "_writer", None), "filename", None)
        if filename is None or not hasattr(thread, "stop"):
            continue
        if Path(os.fsdecode(filename)).resolve().is_relative_to(folder.resolve()):
            thread.stop()              # writes what is queued, then ends
            record_writer.flush()
            record_writer.close()
            forgotten += 1
    return forgotten


def check_LOSS_TRAIN_POINTS(answer):
    if answer is None:
        raise NotImplementedError
    steps_per_epoch = lk.num_batches(60_000, 128)
    log_every = min(board.LOG_EVERY, steps_per_epoch)   # as in the lesson's loop
    truth = sum(1 for step in range(1, 3 * steps_per_epoch + 1) if step % log_every == 0)
    if answer != truth:
        raise NotYet("count the steps first (batches per epoch, the last one smaller, times the epochs), then how "
                     "many of them are multiples of LOG_EVERY: the count runs on across epochs, it does not restart")


def _read(folder: Path):
    if not any(folder.glob("events.out.tfevents.*")):
        raise NotYet(f"no event file in {folder.name}: give SummaryWriter log_dir=str(that folder)")
    tags, scalars = board.read_events(folder)
    if "loss/train" not in scalars:
        raise NotYet(f"the event file holds no complete 'loss/train' series (scalar tags: {sorted(scalars)}); the "
                     "writer buffers what it is given: close() it (or flush()) before returning")
    return scalars["loss/train"]


def _same(points, losses) -> bool:
    return ([step for step, _ in points] == list(range(1, len(losses) + 1))
            and all(abs(value - loss) <= 1e-6 * max(1.0, abs(loss)) for (_, value), loss in zip(points, losses)))


def check_log_losses(answer):
    losses = [2.3, 1.7, 1.25, 0.9, 0.71, 0.6]
    with tempfile.TemporaryDirectory() as folder:
        try:
            answer(Path(folder), list(losses))
        finally:
            left_open = _stop_forgotten_writers(Path(folder))
        if left_open:
            raise NotYet("the SummaryWriter is still open when the function returns: its background thread may "
                         "not have written everything yet; close() it (or use a with-block)")
        points = _read(Path(folder))
    if len(points) != len(losses):
        raise NotYet(f"{len(losses)} losses in, {len(points)} points read back: all of them must be in the file "
                     "when the function returns (close the writer)")
    if not _same(points, losses):
        raise NotYet("the values or the steps differ: add_scalar(tag, value, global_step) with the steps "
                     "1, 2, 3, ...")


def check_log_runs(answer):
    runs = {"lr0.1": [2.3, 1.1, 0.7], "lr0.01": [2.3, 2.0, 1.8, 1.6]}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        try:
            answer(root, {name: list(losses) for name, losses in runs.items()})
        finally:
            left_open = _stop_forgotten_writers(root)
        if left_open:
            raise NotYet(f"{left_open} SummaryWriter(s) still open when the function returns: close each one")
        if any(root.glob("events.out.tfevents.*")):
            raise NotYet("an event file lies in root itself: TensorBoard would draw it as one more run; every "
                         "run goes into its own sub-folder")
        for name, losses in runs.items():
            if not (root / name).is_dir():
                raise NotYet(f"no sub-folder {name!r} in root: one folder per run, named after the run")
            if not _same(_read(root / name), losses):
                raise NotYet(f"the folder {name!r} must hold that run's losses only, at steps 1, 2, 3, ...: one "
                             "SummaryWriter per run, each closed")
