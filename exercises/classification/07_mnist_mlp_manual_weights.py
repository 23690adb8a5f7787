"""Exercises for classification/07_mnist_mlp_manual_weights.py. Write your answers in this file, then check them:

    python -m lessonkit.check classification/07

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/classification/07_mnist_mlp_manual_weights.py (try first).
"""

from __future__ import annotations

import torch

# Exercise 1 (note 002 "多分类问题实战", the test loss; a number answers it): the note adds up the mean loss of each
# test batch (batch_size = 200) and divides the sum by the number of test images, 10000. By what factor is the
# "Average loss" it prints smaller than the true mean loss per image?
NOTE_TEST_LOSS_TOO_SMALL_BY = None


def forward(x: torch.Tensor, params: list[torch.Tensor]) -> torch.Tensor:
    """Exercise 2 (note 002 "多分类问题实战", forward(x); a few lines): the lesson's forward for any number of layers.
    params = [w1, b1, w2, b2, ..., wL, bL], each w in PyTorch's layout (out, in); every layer computes
    h @ w.t() + b, with a ReLU after every layer but the last (the fix of the note's bug: raw scores come out).
    x is (batch, in); return (batch, out of the last layer).
    """
    raise NotImplementedError


def init_params(sizes: list[int], generator: torch.Generator) -> list[torch.Tensor]:
    """Exercise 3 (note 002 "多分类问题实战", 何凯明初始化 kaiming_normal_; goes further): [w1, b1, ..., wL, bL] for
    layer sizes like [784, 200, 200, 10], drawn with `generator` by hand (torch.randn and a factor, no nn.init): each
    w (out, in) from N(0, gain^2 / fan_in) with fan_in = in, gain^2 = 2 for a layer that feeds a ReLU and 1 for the
    last layer, which feeds none; every b zeros (out,). The lesson's init_params does this with nn.init.
    """
    raise NotImplementedError
