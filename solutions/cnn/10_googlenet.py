"""Worked solutions for exercises/cnn/10_googlenet.py, with a paragraph each. Check them with
    python -m lessonkit.check cnn/10 --solutions
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1. Directly: 32 x 12 x 12 x 192 x 25 = 22,118,400 multiply-adds. Squeezed: the 1x1 costs 16 x 144 x 192
# = 442,368 and the 5x5 now 32 x 144 x 16 x 25 = 1,843,200, together 2,285,568: 9.7 times fewer. The 1x1
# convolution is cheap because it looks at one pixel, and everything after it sees 16 channels instead of 192;
# this is the "1*1 的卷积 降低运算量" of lecture 11 (and ResNet's bottleneck, cnn/02).
FIVE_BY_FIVE_MACS_RATIO = 9.7


def conv_bn_relu(in_channels: int, out_channels: int, kernel_size: int, padding: int = 0) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel_size, padding=padding, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU())


class InceptionLite(nn.Module):
    """Each branch keeps height and width: the 1x1 trivially, the 3x3 with padding 1, the pool with stride 1 and
    padding 1 (a 3x3 window centred on every pixel). Only then can torch.cat join them along dim 1, the channel
    axis of (B, C, H, W); the channels simply add up. The order in the cat decides which output channels belong to
    which branch, and the next layer sees them all as one input."""

    def __init__(self, in_channels: int, c1: int, c3: tuple[int, int], c_pool: int):
        super().__init__()
        self.branch1x1 = conv_bn_relu(in_channels, c1, 1)
        self.branch3x3 = nn.Sequential(conv_bn_relu(in_channels, c3[0], 1), conv_bn_relu(c3[0], c3[1], 3, padding=1))
        self.branch_pool = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), conv_bn_relu(in_channels, c_pool, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch1x1(x), self.branch3x3(x), self.branch_pool(x)], dim=1)
