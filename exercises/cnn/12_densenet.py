"""Exercises for cnn/12_densenet.py. Write your answers in this file, then check them:

    python -m lessonkit.check cnn/12

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/cnn/12_densenet.py (try first).
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1 (note 002 DenseNet "每一层都与初始层相关"; D2L chapter 5, growth rate and transition layer; a number
# answers it): how many channels reach the head of the lesson's default densenet() (16-channel stem, two dense
# blocks of 4 convolutions with growth rate 8, a transition halving the channels between them)?
HEAD_CHANNELS = None


class MyDenseBlock(nn.Module):
    """Exercise 2 (note 002 DenseNet; D2L chapter 5, dense block; a few lines): a dense block (稠密块) of
    num_convs conv blocks, each BatchNorm -> ReLU -> 3x3 convolution (padding 1) making growth_rate channels.
    Conv block i sees the concatenation (拼接) of the block's input and the outputs of all conv blocks before it,
    and its output is concatenated to that: (B, in_channels, H, W) ->
    (B, in_channels + num_convs * growth_rate, H, W). Where ResNet adds, DenseNet concatenates.
    """

    def __init__(self, num_convs: int, in_channels: int, growth_rate: int):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


def channel_plan(stem_channels: int, growth_rate: int, convs_per_block: list[int]) -> list[int]:
    """Exercise 3 (note 002 DenseNet; D2L chapter 5, 过渡层; goes further): the channels a DenseNet laid out like the
    lesson's densenet() has after each dense block and after each transition (a transition between every two
    blocks, none after the last), in that order. A transition halves the channels, rounding down. For the
    lesson's default, channel_plan(16, 8, [4, 4]) lists three numbers.
    """
    raise NotImplementedError
