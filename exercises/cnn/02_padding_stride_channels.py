"""Exercises for cnn/02_padding_stride_channels.py. Write your answers in this file, then check them:

    python -m lessonkit.check cnn/02

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/cnn/02_padding_stride_channels.py (try first).
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1 (note 001 lecture 10, padding and stride; note 001 lecture 11, 1*1 的卷积 降低运算量; a number
# answers it): how many multiply-adds does nn.Conv2d(64, 128, kernel_size=3, padding=1, stride=2) cost for one
# 56x56 image? First the output size from floor((n + 2p - k) / s) + 1, then the lesson's conv_macs rule.
CONV_MACS = None


def conv2d_by_hand(x: torch.Tensor, k: torch.Tensor, padding: int = 0, stride: int = 1) -> torch.Tensor:
    """Exercise 2 (note 000 D2L 5.2-5.3, 填充, 步幅, 多输入通道和多输出通道; a few lines): a convolution layer's
    arithmetic with padding and stride. x is (c_in, h, w), k is (c_out, c_in, kh, kw); return the
    (c_out, h', w') result that F.conv2d(x[None], k, padding=padding, stride=stride)[0] gives.

    Pad with zeros first (F.pad), then visit every stride-th window; each output channel sums its kernel times
    the window over all input channels. The lesson's corr2d_multi_in_out is the stride 1, padding 0 case.
    """
    raise NotImplementedError


def bottleneck(channels: int, reduced: int) -> nn.Module:
    """Exercise 3 (note 001 lecture 11, 1*1 的卷积 降低运算量; note 002 1x1 Convolution; goes further): the
    lesson counts a bottleneck; build one. Return a module that maps (B, channels, H, W) to the same shape for
    any H and W: a 1x1 convolution down to `reduced` channels, a 3x3 convolution at `reduced`, and a 1x1
    convolution back up (with BatchNorm and ReLU between them if you like). The checker measures that it sees a
    3x3 neighbourhood and costs far fewer multiply-adds than one 3x3 convolution from channels to channels.
    """
    raise NotImplementedError
