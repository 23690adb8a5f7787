"""Worked solutions for exercises/cnn/08_vgg.py, with a paragraph each. Check them with
    python -m lessonkit.check cnn/08 --solutions
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

# Exercise 1. 64 x 128 x 3 x 3 = 73,728 weights in the first convolution, 128 x 128 x 9 = 147,456 in the second,
# and 2 x 128 = 256 in each BatchNorm: 221,696. The second convolution costs twice the first although both make
# 128 channels: a kernel has one 3x3 slice per INPUT channel. Doubling the width of a block quadruples its
# weights, which is why VGG's 512-channel blocks (and its 4096-wide dense layers) hold most of its parameters.
VGG_BLOCK_PARAMETERS = 221_696


def vgg_block(num_convs: int, in_channels: int, out_channels: int) -> nn.Sequential:
    layers = []
    for _ in range(num_convs):
        layers += [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False),
                   nn.BatchNorm2d(out_channels), nn.ReLU()]
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


def vgg_from_arch(arch, num_classes: int = 10, size: int = 28, hidden: int = 256) -> nn.Module:
    """The network is the list: one vgg_block per pair, the channels of one block the input of the next. The 3x3
    convolutions keep the side, each 2x2 pool halves it with the floor (28 -> 14 -> 7 -> 3), so the side after
    the blocks is size // 2 repeated len(arch) times, and the dense head's input is channels x side x side. Too
    many blocks for the image size leave side 0: a size check there would fail early with a clear message."""
    blocks, channels, side = OrderedDict(), 1, size
    for i, (num_convs, out_channels) in enumerate(arch, start=1):
        blocks[f"block{i}"] = vgg_block(num_convs, channels, out_channels)
        channels, side = out_channels, side // 2
    blocks["dense"] = nn.Sequential(
        nn.Flatten(),
        nn.Linear(channels * side * side, hidden), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(hidden, num_classes),
    )
    return nn.Sequential(blocks)


def receptive_field(layers: list[tuple[int, int]]) -> int:
    """After some layers, neighbouring pixels of the current map lie `jump` input pixels apart (the product of the
    strides so far). A k-wide window over that map spans k - 1 more of those steps, so the field grows by
    (k - 1) * jump. Stacked 3x3 convolutions at stride 1 add 2 each (3, 5, 7, ...); after a 2x2 pool every 3x3
    adds 4, which is how VGG's later blocks see most of the image."""
    field, jump = 1, 1
    for kernel, stride in layers:
        field += (kernel - 1) * jump
        jump *= stride
    return field
