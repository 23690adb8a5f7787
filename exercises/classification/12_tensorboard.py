"""Exercises for classification/12_tensorboard.py. Write your answers in this file, then check them:

    python -m lessonkit.check classification/12

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/classification/12_tensorboard.py (try first).
"""

from __future__ import annotations

from pathlib import Path

# Exercise 1 (note 002 "Visdom可视化" and "When to test", step vs epoch; a flag answers it): with the defaults
# (--epochs 3, --batch-size 128, 60000 training images) the lesson adds a "loss/train" point every LOG_EVERY steps,
# counting steps across epochs. How many points does that series hold at the end? Work it out, then compare with
# what the lesson reads back from its event file.
LOSS_TRAIN_POINTS = None


def log_losses(log_dir: Path, losses: list[float]) -> None:
    """Exercise 2 (note 002 "Visdom可视化", tensorboardX's add_scalar; a few lines): write losses[i] as the scalar
    "loss/train" at step i + 1 (steps counted from 1, as in the lesson) into an event file in log_dir, with
    torch.utils.tensorboard.SummaryWriter, so that the file holds every value when this function returns.
    """
    raise NotImplementedError


def log_runs(root: Path, runs: dict[str, list[float]]) -> None:
    """Exercise 3 (note 002 "Visdom可视化", several curves in one window; goes further): TensorBoard overlays the runs
    it finds in the sub-folders of --logdir. For runs = {"lr0.1": [...], "lr0.01": [...]} write each run's losses as
    "loss/train" (steps from 1) into a sub-folder of root named after the run, so that
    `tensorboard --logdir root` draws them as separate curves in one chart.
    """
    raise NotImplementedError
