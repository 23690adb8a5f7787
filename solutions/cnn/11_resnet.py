"""Worked solutions for exercises/cnn/11_resnet.py, with a paragraph each. Check them with
    python -m lessonkit.check cnn/11 --solutions
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

# Exercise 1. conv1 16 x 32 x 9 = 4,608, conv2 32 x 32 x 9 = 9,216, the shortcut's 1x1 16 x 32 = 512, and three
# BatchNorm2d(32) with 64 each: 14,528. The shortcut costs under 4% of the block: a 1x1 convolution is the
# cheapest way to make x fit the body's output when the channels or the size change.
RESIDUAL_PARAMETERS = 14_528


class ResidualBlock(nn.Module):
    """The body learns the correction F(x); the shortcut carries x past it. With the ReLU after the addition,
    out = relu(x + F(x)) and a body that outputs 0 leaves relu(x): the block can do no worse than pass its input
    on, and the gradient flows back through the addition unchanged (the lesson's gradient table). When the stride
    or the channels change, x no longer fits F(x), and a 1x1 convolution with the same stride makes it fit."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        body = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(self.shortcut(x) + body)  # sum first, then activate (先相加再激活)


class Bottleneck(nn.Module):
    """The first 1x1 squeezes to mid_channels, the 3x3 works there (the stride sits in it, as in torchvision's
    ResNet v1.5), the last 1x1 expands to 4 x mid. At 256 channels a plain block holds 2 x 256 x 256 x 9 = 1.18
    million weights, the bottleneck 256 x 64 + 64 x 64 x 9 + 64 x 256 = 69,632: 17x fewer, which is what lets
    ResNet-50 be deeper than ResNet-34 for about the same cost."""

    def __init__(self, in_channels: int, mid_channels: int, stride: int = 1):
        super().__init__()
        out_channels = 4 * mid_channels
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, mid_channels, 1, bias=False), nn.BatchNorm2d(mid_channels), nn.ReLU(),
            nn.Conv2d(mid_channels, mid_channels, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(mid_channels), nn.ReLU(),
            nn.Conv2d(mid_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels),
        )
        self.shortcut = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.shortcut(x) + self.body(x))
