"""Worked solutions for exercises/tensors/05_modules_and_parameters.py, with a paragraph each. Check them with
    python -m lessonkit.check tensors/05 --solutions
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1. Linear(784, 256): 784 * 256 + 256 = 200,960; BatchNorm1d(256): a weight and a bias per feature,
# 512 (its running mean and variance are buffers: saved in the state_dict, never trained); Linear(256, 10):
# 2,570. Together 204,042; ReLU has none. The lesson's count_by_hand() writes the same sum.
PARAMETER_COUNT = 204_042


class Dropout(nn.Module):
    """A uniform number below p marks an entry to drop (probability p); the survivors are divided by 1 - p so
    that E[output] = input, which is why eval mode can simply pass the input through. self.training is the
    flag that model.train() and model.eval() set on every submodule."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        keep = torch.rand_like(x) >= self.p
        return x * keep / (1 - self.p)
