"""Worked solutions for exercises/classification/12_tensorboard.py, with a paragraph each. Check them with
    python -m lessonkit.check classification/12 --solutions
"""

from __future__ import annotations

from pathlib import Path

from torch.utils.tensorboard import SummaryWriter

# Exercise 1. 60000 / 128 = 468.75: 469 batches an epoch (the last one of 96 images), 1407 steps in 3 epochs. The
# step counter runs on across epochs, so the points fall at steps 20, 40, ..., 1400: 1407 // 20 = 70 points (the
# last 7 steps of the run are in no window). Counting steps rather than epochs on the x axis lets the per-epoch
# test points (at steps 469, 938, 1407) share the training loss's axis.
LOSS_TRAIN_POINTS = 70


def log_losses(log_dir: Path, losses: list[float]) -> None:
    """SummaryWriter queues events and a background thread writes them out (every 120 s by default, or when the
    queue fills), so a reader may see nothing yet; close() flushes what is left, closes the file and stops the
    thread. The with-block closes it even if logging fails halfway, like the lesson's try/finally."""
    with SummaryWriter(log_dir=str(log_dir)) as writer:
        for step, loss in enumerate(losses, start=1):
            writer.add_scalar("loss/train", loss, step)


def log_runs(root: Path, runs: dict[str, list[float]]) -> None:
    """TensorBoard treats every folder below --logdir that holds event files as one run and gives each its own
    colour, so the same tag from different runs lands in one chart. One writer per run folder; the folder name is
    the run's label, which is why the lesson names its folders after the setting (lr, batch size, seed)."""
    for name, losses in runs.items():
        log_losses(root / name, losses)
