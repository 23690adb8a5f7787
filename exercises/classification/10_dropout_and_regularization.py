"""Exercises for classification/10_dropout_and_regularization.py. Write your answers in this file, then check them:

    python -m lessonkit.check classification/10

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/classification/10_dropout_and_regularization.py (try first).
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1 (note 002 Dropout, 丢弃法; a number answers it): inverted dropout keeps every entry's expected value.
# It does not keep its variance: in training mode with p = 0.2, what is the variance of dropout(x) for an input
# entry x = 1.0? Work it out from the two values the output can take, then try the lesson's dropout() on many ones.
DROPOUT_VARIANCE_P_0_2 = None


def l1_penalty(model: nn.Module) -> torch.Tensor:
    """Exercise 2 (note 002 "如何消除过拟合", L1 regularization; a few lines): the note's L1 term, the sum of the
    absolute values of every parameter of the model (weights and biases), as a 0-d tensor that autograd can
    differentiate, to be added to the loss as loss + 0.01 * l1_penalty(model).
    """
    raise NotImplementedError


def l2_penalty(model: nn.Module, weight_decay: float) -> torch.Tensor:
    """Exercise 3 (note 002 "如何消除过拟合", L2 weight_decay; goes further): the penalty term whose gradient is exactly
    what torch.optim.SGD(..., weight_decay=weight_decay) adds to every parameter's gradient, so that plain SGD on
    loss + l2_penalty(model, weight_decay) takes the same steps as SGD with weight_decay on the loss alone (with or
    without momentum). Mind the constant factor.
    """
    raise NotImplementedError
