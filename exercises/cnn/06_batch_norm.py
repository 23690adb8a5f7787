"""Exercises for cnn/06_batch_norm.py. Write your answers in this file, then check them:

    python -m lessonkit.check cnn/06

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/cnn/06_batch_norm.py (try first).
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1 (note 002 BatchNorm, running_mean, momentum=0.1; a number answers it): a fresh nn.BatchNorm1d(1)
# in training mode is called twice on the same batch x = torch.arange(8.0).reshape(8, 1) + 1.5 (its mean is 5).
# What is layer.running_mean afterwards? (Mind which way round PyTorch's momentum is.)
RUNNING_MEAN_AFTER_TWO_CALLS = None


class MyBatchNorm2d(nn.Module):
    """Exercise 2 (note 002 BatchNorm, nn.BatchNorm2d, running_mean/running_var, layer.eval(); a few lines): a
    BatchNorm2d (批量归一化) of your own that computes exactly what nn.BatchNorm2d(num_features) does, in training
    mode (batch statistics per channel, running statistics updated) and in eval mode (running statistics used).

    Use PyTorch's names so that the two can swap weights: Parameters `weight` (gamma, starts at 1) and `bias`
    (beta, starts at 0), buffers `running_mean` (0) and `running_var` (1) made with register_buffer, and the
    attributes `momentum` and `eps`. The lesson's batch_norm() shows the arithmetic; write it for (N, C, H, W).
    """

    def __init__(self, num_features: int, momentum: float = 0.1, eps: float = 1e-5):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


def fuse_conv_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    """Exercise 3 (note 002 BatchNorm "test 的时候 ... layer.eval()"; goes further): in eval mode BatchNorm is a
    fixed scale and shift per channel, so it can be folded into the convolution before it. Return ONE new
    nn.Conv2d (same kernel size, stride, padding; with a bias) that computes bn(conv(x)) with bn in eval mode.
    This is what exported models do to save a layer (deploy/ lessons).
    """
    raise NotImplementedError
