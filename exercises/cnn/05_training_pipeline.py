"""Exercises for cnn/05_training_pipeline.py. Write your answers in this file, then check them:

    python -m lessonkit.check cnn/05

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/cnn/05_training_pipeline.py (try first).
"""

from __future__ import annotations

import torch

# Exercise 1 (note 002 Batch, "Epoch / Batch_Size / iteration"; note 004 Classification; a number answers it):
# with the lesson's defaults (the 60,000 MNIST training images, its VAL_FRACTION held out for validation,
# --batch-size 128), how many optimizer steps does one epoch take? This is the number OneCycleLR's total_steps
# is planned with, and why --resume refuses another batch size.
STEPS_PER_EPOCH = None


def early_stopping(val_losses: list[float], patience: int) -> tuple[int, int]:
    """Exercise 2 (note 004 优化算法, 提前停止; a few lines): the lesson's early-stopping rule, replayed on a list
    of validation losses (val_losses[0] is epoch 1's). An epoch is the best so far when its loss is strictly
    below every earlier one; training stops after epoch e when e - best_epoch >= patience. Return
    (best_epoch, last_epoch): the epoch whose checkpoint best.pt holds, and the last epoch that ran (the length
    of the list when training never stops early).
    """
    raise NotImplementedError


def checkpoint_state(model, optimizer, scheduler, shuffler: torch.Generator, epoch: int) -> dict:
    """Exercise 3 (note 004 the MNIST script, model.pth; note 002 load and save; goes further): everything to
    torch.save after `epoch` epochs so that restore_state below continues the run EXACTLY (the same losses and
    weights on the CPU) in a fresh process: a model with dropout, Adam, a OneCycleLR scheduler, and a DataLoader
    that shuffles with the generator `shuffler`. What else draws random numbers besides the shuffler?
    """
    raise NotImplementedError


def restore_state(state: dict, model, optimizer, scheduler, shuffler: torch.Generator) -> int:
    """Part of exercise 3: put `state` (as checkpoint_state made it, after torch.save and
    torch.load(..., weights_only=True)) into the fresh model, optimizer, scheduler and shuffler; return the next
    epoch to run."""
    raise NotImplementedError
