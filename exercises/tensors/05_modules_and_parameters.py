"""Exercises for tensors/05_modules_and_parameters.py. Write your answers in this file, then check them:

    python -m lessonkit.check tensors/05

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/tensors/05_modules_and_parameters.py (try first).
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1 (note 002 nn.Module, parameters; a number answers it): how many trainable numbers does
# nn.Sequential(nn.Linear(784, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Linear(256, 10)) hold? By hand first
# (a Linear has in * out weights and out biases; BatchNorm1d a scale and a shift per feature).
PARAMETER_COUNT = None


class Dropout(nn.Module):
    """Exercise 2 (note 002 Dropout; a few lines): dropout as a module of your own. In training mode zero
    each entry with probability p and scale the survivors by 1 / (1 - p); in eval mode return the input
    unchanged. Use self.training (set by .train() and .eval()), and torch.rand_like for the mask."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError
