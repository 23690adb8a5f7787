"""Exercises for cnn/14_transfer_learning.py. Write your answers in this file, then check them:

    python -m lessonkit.check cnn/14

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/cnn/14_transfer_learning.py (try first).
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1 (note 003 第一章, 2. 迁移学习; D2L 13.2 微调; a number answers it): the lesson freezes LeNet5's
# `features` and trains 59,134 of its 61,728 parameters. Freeze also the first dense layer of the head
# (classifier[1], 400 -> 120), so that only the last two dense layers train: how many parameters train then?
TRAINABLE_LAST_TWO_LAYERS = None


def train_head(model: nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int, lr: float = 0.01) -> list[float]:
    """Exercise 2 (note 003 迁移学习: reuse a trained network; D2L 13.2; a few lines): the lesson's "frozen
    features" run on a LeNet5 (model.features, then model.classifier). Freeze model.features (冻结) so that only
    the head trains, then take `steps` full-batch AdamW steps on (x, y) with cross-entropy; return the loss of
    every step as a list of floats. Frozen means frozen: not one number of model.features may change, its
    BatchNorm running statistics included, and no gradient should be computed for it.
    """
    raise NotImplementedError


def finetune_param_groups(model: nn.Module, lr: float) -> list[dict]:
    """Exercise 3 (note 003 迁移学习; D2L 13.2 fine-tuning 微调; goes further): the lesson's fine-tuning step
    trains every weight with a 10x smaller learning rate. A common refinement: the pretrained features learn at
    lr / 10, the new head at the full lr. Unfreeze every parameter of the LeNet5 `model` and return the parameter
    groups for that, a list of dicts such as torch.optim.AdamW(groups, lr=lr) accepts (each
    {"params": [...], "lr": ...}).
    """
    raise NotImplementedError
