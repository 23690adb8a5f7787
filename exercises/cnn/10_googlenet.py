"""Exercises for cnn/10_googlenet.py. Write your answers in this file, then check them:

    python -m lessonkit.check cnn/10

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/cnn/10_googlenet.py (try first).
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1 (note 001 lecture 11, "1*1 的卷积 降低运算量"; note 002 GoogLeNet; a number answers it): the 5x5
# branch of D2L's first Inception block gets 192 channels at 12x12 and first squeezes them to 16 with a 1x1
# convolution, then a 5x5 convolution (padding 2) makes 32. How many times fewer multiply-adds is that than one
# 5x5 convolution from 192 to 32 channels directly? One decimal is enough.
FIVE_BY_FIVE_MACS_RATIO = None


class InceptionLite(nn.Module):
    """Exercise 2 (note 001 lecture 11, "不同的路径必须保证长和宽一致 只有通道数量可以不一样"; a few lines): an
    Inception block (Inception 块) with three branches on the same input, concatenated on the channel axis in
    this order: a 1x1 convolution to c1 channels; a 1x1 convolution to c3[0] channels then a 3x3 convolution to
    c3[1]; a 3x3 max pool (stride 1) then a 1x1 convolution to c_pool. (B, in_channels, H, W) ->
    (B, c1 + c3[1] + c_pool, H, W) for every H and W. BatchNorm and ReLU after each convolution, as the lesson's
    conv_bn_relu, if you like.
    """

    def __init__(self, in_channels: int, c1: int, c3: tuple[int, int], c_pool: int):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError
