"""Worked solutions for exercises/classification/10_dropout_and_regularization.py, with a paragraph each. Check them
with
    python -m lessonkit.check classification/10 --solutions
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1. The output is 0 with probability p and x / (1 - p) with probability 1 - p. Its mean is x, and
# E[out^2] = (1 - p) x^2 / (1 - p)^2 = x^2 / (1 - p), so the variance is x^2 / (1 - p) - x^2 = x^2 p / (1 - p):
# 0.2 / 0.8 = 0.25 for x = 1 (and 1.0 at p = 0.5). This is the noise dropout injects in training; at test time it is
# switched off, which is why the model must be told which mode it is in (model.train() / model.eval()).
DROPOUT_VARIANCE_P_0_2 = 0.25


def l1_penalty(model: nn.Module) -> torch.Tensor:
    """The note's loop, as one expression: |p| summed over the entries of every parameter. Its gradient is
    sign(p), a push of the same size towards 0 for every weight however small, which is why L1 drives many weights
    to exactly 0 (sparse models), while L2's push, proportional to p, only shrinks them."""
    return sum(p.abs().sum() for p in model.parameters())


def l2_penalty(model: nn.Module, weight_decay: float) -> torch.Tensor:
    """SGD's weight_decay adds weight_decay * p to each gradient before the momentum and the step. The penalty with
    exactly that derivative is weight_decay / 2 * sum(p^2): the 1/2 cancels the 2 from differentiating the square.
    So weight decay in SGD is L2 regularisation, the structural-risk term of classification/11. (In Adam the two
    differ: the added gradient gets divided by Adam's running scale; AdamW applies the decay to the weights
    directly instead.)"""
    return weight_decay / 2 * sum((p ** 2).sum() for p in model.parameters())
