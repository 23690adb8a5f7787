"""Worked solutions for exercises/cnn/02_padding_stride_channels.py, with a paragraph each. Check them with
    python -m lessonkit.check cnn/02 --solutions
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

# Exercise 1. The output size is floor((56 + 2 - 3) / 2) + 1 = 28, so the layer makes 128 x 28 x 28 values,
# each a sum of 64 x 3 x 3 = 576 products: 128 * 28 * 28 * 576 = 57,802,752 multiply-adds. The stride is what
# makes it cheap: at stride 1 (56x56 out) it would cost four times as much. The weights (64 * 128 * 9) do not
# depend on the image size or the stride at all.
CONV_MACS = 57_802_752


def conv2d_by_hand(x: torch.Tensor, k: torch.Tensor, padding: int = 0, stride: int = 1) -> torch.Tensor:
    """F.pad's (left, right, top, bottom) widths add the zero border (填充). The output size follows from the
    padded size: (n + 2p - k) // s + 1, the floor dropping windows that do not fit. For each output position the
    window x[:, r:r+kh, c:c+kw] is (c_in, kh, kw); multiplying by k (c_out, c_in, kh, kw) broadcasts it against
    every output channel's kernel, and summing the last three axes sums over input channels and the window at
    once (多输入通道 added up, one kernel per output channel)."""
    c_out, _, kh, kw = k.shape
    x = F.pad(x, (padding, padding, padding, padding))
    h_out, w_out = (x.shape[1] - kh) // stride + 1, (x.shape[2] - kw) // stride + 1
    y = torch.zeros(c_out, h_out, w_out, dtype=x.dtype)
    for i in range(h_out):
        for j in range(w_out):
            r, c = i * stride, j * stride
            y[:, i, j] = (x[:, r:r + kh, c:c + kw] * k).sum(dim=(1, 2, 3))
    return y


def bottleneck(channels: int, reduced: int) -> nn.Module:
    """The 1x1 convolution mixes channels at each pixel and nothing else, so it can squeeze 256 channels to 64
    cheaply; the expensive 3x3 then works on 64 channels (16x fewer multiply-adds than at 256 in and out), and the
    last 1x1 restores the width. With BatchNorm and ReLU between (as ResNet-50 has) the three are not one linear
    map. The 3x3 is the only layer that looks at neighbours, so one output pixel sees exactly a 3x3 patch."""
    return nn.Sequential(
        nn.Conv2d(channels, reduced, 1, bias=False), nn.BatchNorm2d(reduced), nn.ReLU(),
        nn.Conv2d(reduced, reduced, 3, padding=1, bias=False), nn.BatchNorm2d(reduced), nn.ReLU(),
        nn.Conv2d(reduced, channels, 1, bias=False), nn.BatchNorm2d(channels),
    )
