"""Exercises for classification/03_softmax_scratch.py. Write your answers in this file, then check them:

    python -m lessonkit.check classification/03

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/classification/03_softmax_scratch.py (try first).
"""

from __future__ import annotations

import torch

# Exercise 1 (note 001 lecture 9, softmax 归一化; a number answers it): the naive softmax fails because
# torch.exp overflows. What is the smallest whole number x for which torch.exp(torch.tensor(float(x))) is inf in
# float32? (The lesson's softmax_naive docstring gives the largest float32.)
EXP_OVERFLOWS_AT = None


def log_softmax(o: torch.Tensor, dim: int) -> torch.Tensor:
    """Exercise 2 (note 002 "交叉熵", log_softmax; a few lines): log softmax(o) along the axis `dim` of a tensor of
    any shape, by hand with the log-sum-exp trick (only exp, log, max, sum and arithmetic), so that scores like
    +-1e4 give finite values equal to F.log_softmax(o, dim=dim). The lesson's version works on rows (dim=1) only.
    """
    raise NotImplementedError


def cross_entropy_smoothed(logits: torch.Tensor, y: torch.Tensor, smoothing: float) -> torch.Tensor:
    """Exercise 3 (note 002 "交叉熵", cross-entropy between two distributions; goes further): cross-entropy with
    label smoothing (标签平滑). Instead of all of the target's probability on the true class, the target
    distribution q gives the true class 1 - smoothing and spreads `smoothing` evenly over all K classes (the true
    one included). Return the batch mean of -sum_k q_k log p_k for logits (batch, K) and labels y (batch,), safe on
    extreme logits, equal to F.cross_entropy(logits, y, label_smoothing=smoothing).
    """
    raise NotImplementedError
