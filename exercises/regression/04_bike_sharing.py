"""Exercises for regression/04_bike_sharing.py. Write your answers in this file, then check them:

    python -m lessonkit.check regression/04

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/regression/04_bike_sharing.py (try first).
"""

from __future__ import annotations

import torch

# Exercise 1 (note 003 第三章 单车预测器, one-hot encoding (独热编码); a number answers it): hour.csv has the
# columns instant, dteday, season (1-4), yr, mnth (1-12), hr (0-23), holiday, weekday (0-6), workingday,
# weathersit (1-4), temp, atemp, hum, windspeed, casual, registered, cnt, and every code of every range occurs.
# How many input features does the lesson's prepare() give the networks? Count by hand from CATEGORICAL,
# DROPPED and TARGET in the lesson, then compare with the line "features: ... after one-hot encoding".
FEATURE_COUNT = None


def standardise(train: torch.Tensor, other: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Exercise 2 (note 003 第三章, 对输入归一化; a few lines): standardise (标准化) each column of train (rows,
    columns) to mean 0 and standard deviation 1, and transform other (rows', columns), the validation or test
    days, with the SAME per-column mean and std, taken from train alone. Return both, leaving the inputs
    unchanged. (Statistics from all rows would let the future leak into the scaling, as the lesson says.)"""
    raise NotImplementedError


def manual_gradients(x: torch.Tensor, y: torch.Tensor, w1: torch.Tensor, b1: torch.Tensor, w2: torch.Tensor,
                     b2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Exercise 3 (note 003 第三章 人工手动架构, and the back-propagation it leaves to autograd; goes further): the
    gradients of the lesson's hand-made network's loss mean((sigmoid(x @ w1 + b1) @ w2 + b2 - y)^2) with
    respect to w1 (inputs, hidden), b1 (hidden,), w2 (hidden, 1) and b2 (1,), by back-propagation written out by
    hand (no autograd): x is (batch, inputs), y (batch, 1). Return them in that order, each with its
    parameter's shape. Hint: sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z)); go backwards from the output."""
    raise NotImplementedError
