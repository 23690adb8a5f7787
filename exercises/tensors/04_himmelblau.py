"""Exercises for tensors/04_himmelblau.py. Write your answers in this file, then check them:

    python -m lessonkit.check tensors/04

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/tensors/04_himmelblau.py (try first).
"""

from __future__ import annotations

import torch

# Exercise 1 (note 002 "Himmelblau 函数优化"; a flag answers it): run
#     python tensors/04_himmelblau.py --optimizer sgd --lr 0.015
# How many of the four known minima do the lesson's four starts reach? (Compare with --lr 0.01.)
MINIMA_REACHED_WITH_SGD_LR_0_015 = None


def himmelblau_gradient(p: torch.Tensor) -> torch.Tensor:
    """Exercise 2 (note 002, the chain rule by hand; a few lines): the gradient of
    f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2 at points p of shape (..., 2), written out by hand (no
    autograd), returned with p's shape: [..., 0] holds df/dx, [..., 1] holds df/dy."""
    raise NotImplementedError
