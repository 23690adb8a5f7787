"""Worked solutions for exercises/cnn/12_densenet.py, with a paragraph each. Check them with
    python -m lessonkit.check cnn/12 --solutions
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1. dense1: 16 + 4 x 8 = 48; transition1: 48 // 2 = 24 (and 14x14 -> 7x7); dense2: 24 + 4 x 8 = 56.
# The head (BatchNorm, ReLU, global average pooling, Linear(56, 10)) gets 56 channels. Without the transition
# the channels would keep growing by 32 per block; with it they stay small, which is why this DenseNet has only
# 21k parameters.
HEAD_CHANNELS = 56


class MyDenseBlock(nn.Module):
    """Conv block i gets in_channels + i x growth_rate channels: the input and every output so far, joined along
    dim 1. Each new output is appended (input first), so the block's input passes through untouched, and every
    later layer can reuse every earlier feature map instead of learning it again. Padding 1 keeps height and
    width, which torch.cat needs; pre-activation (BN -> ReLU -> conv) is DenseNet's order."""

    def __init__(self, num_convs: int, in_channels: int, growth_rate: int):
        super().__init__()
        self.convs = nn.ModuleList(
            nn.Sequential(nn.BatchNorm2d(in_channels + i * growth_rate), nn.ReLU(),
                          nn.Conv2d(in_channels + i * growth_rate, growth_rate, 3, padding=1, bias=False))
            for i in range(num_convs))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv in self.convs:
            x = torch.cat([x, conv(x)], dim=1)  # (B, C, H, W) -> (B, C + growth, H, W)
        return x


def channel_plan(stem_channels: int, growth_rate: int, convs_per_block: list[int]) -> list[int]:
    """Follow one number through the network: a dense block adds num_convs x growth_rate, a transition halves
    with the floor (its 1x1 convolution is where the channels are cut; the 2x2 average pool halves height and
    width). For D2L's layout (64, 32, [4, 4, 4, 4]): 192, 96, 224, 112, 240, 120, 248."""
    plan, channels = [], stem_channels
    for i, num_convs in enumerate(convs_per_block):
        channels += num_convs * growth_rate
        plan.append(channels)
        if i < len(convs_per_block) - 1:
            channels //= 2
            plan.append(channels)
    return plan
