"""Exercises for classification/01_logistic_regression.py. Write your answers in this file, then check them:

    python -m lessonkit.check classification/01

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/classification/01_logistic_regression.py (try first).
"""

from __future__ import annotations

import torch

# Exercise 1 (note 001 lecture 6, sigmoid and BCE; a number answers it): for the label 0 and the logits
# z = 1, 2, 3, ..., the two-step form (sigmoid, then BCELoss) follows the true loss softplus(z) for a while; from
# some whole z on it reports d loss / d z = 0 exactly, though the true slope is about 1. From which z? Try the
# lesson's loss_forms(z, 0.0), or reason it out: sigmoid(z) = 1 / (1 + e^-z), and float32 has no number between
# 1 and 1 + 2^-23.
TWO_STEP_GRADIENT_DIES_AT = None


def bce_with_logits(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Exercise 2 (note 001 lecture 6, BCE 二分类交叉熵; a few lines): the mean binary cross-entropy of logits z
    for labels y in {0, 1} (both of the same shape), computed from z without ever forming the probability
    sigmoid(z), so that logits of +-1000 give a finite loss and a finite gradient, as BCEWithLogitsLoss does.

    Hint of the method: write -log sigmoid(z) and -log(1 - sigmoid(z)) in terms of softplus(t) = log(1 + e^t),
    and softplus itself so that the exponent is never positive.
    """
    raise NotImplementedError


def bce_gradients(x: torch.Tensor, y: torch.Tensor, w: float, b: float) -> tuple[float, float]:
    """Exercise 3 (note 002 "逻辑回归" and 001 lecture 6; goes further): for the model z = w * x + b on inputs x
    and labels y (both of shape (n, 1)), the gradient of the summed BCE (the lesson's reduction="sum") with
    respect to w and to b, by hand (no autograd), as two numbers (d loss / d w, d loss / d b).

    Work it out by the chain rule: d BCE / d p, then d p / d z for p = sigmoid(z) (sigma' = sigma (1 - sigma)),
    then d z / d w and d z / d b. Most of it cancels.
    """
    raise NotImplementedError
