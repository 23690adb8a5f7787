"""Exercises for cnn/11_resnet.py. Write your answers in this file, then check them:

    python -m lessonkit.check cnn/11

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/cnn/11_resnet.py (try first).
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1 (note 002 ResNet 深度残差网络; D2L chapter 5, residual block with a 1x1 convolution; a number answers
# it): how many parameters does the lesson's Residual(16, 32, stride=2) hold? It has the 1x1 shortcut, because it
# changes the channels and halves height and width; every convolution is followed by BatchNorm and has no bias.
RESIDUAL_PARAMETERS = None


class ResidualBlock(nn.Module):
    """Exercise 2 (note 001 lecture 11, "经过权重层以后和 x 做加法 ... 先求和 再激活"; a few lines): a residual
    block (残差块) of your own: body = 3x3 conv (stride `stride`) -> BN -> ReLU -> 3x3 conv -> BN; shortcut = the
    identity when the shapes already match, else a 1x1 convolution with the same stride, then BN; and
    out = relu(shortcut(x) + body(x)). Sum first, then activate. (B, in_channels, H, W) ->
    (B, out_channels, ceil(H / stride), ceil(W / stride)).
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class Bottleneck(nn.Module):
    """Exercise 3 (note 001 lecture 11, 1*1 的卷积 降低运算量, Residual; D2L chapter 5; goes further): ResNet-50's
    bottleneck block. body = 1x1 conv to mid_channels -> BN -> ReLU -> 3x3 conv (stride `stride`) -> BN -> ReLU
    -> 1x1 conv to 4 x mid_channels -> BN; the shortcut as in ResidualBlock (identity, or a strided 1x1 conv + BN
    when the shapes differ); out = relu(shortcut(x) + body(x)). (B, in_channels, H, W) ->
    (B, 4 * mid_channels, ceil(H / stride), ceil(W / stride)), with far fewer weights than a plain residual block
    at the same width.
    """

    def __init__(self, in_channels: int, mid_channels: int, stride: int = 1):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError
