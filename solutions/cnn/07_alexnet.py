"""Worked solutions for exercises/cnn/07_alexnet.py, with a paragraph each. Check them with
    python -m lessonkit.check cnn/07 --solutions
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

# Exercise 1. At 224 px the 11x11 stride-4 convolution leaves 54x54, and the three overlapping pools take it to 26,
# 12 and 5: fc6 flattens 256 x 5 x 5 = 6,400 numbers into 4,096, so 6,400 * 4,096 + 4,096 = 26,218,496
# parameters, 56% of the whole network in one layer (fc7 adds 16.8 million more). That is why AlexNet needed
# dropout in its dense layers, and why NiN (cnn/09) and later networks replaced them with global average pooling.
BOOK_FC6_PARAMETERS = 26_218_496


def conv_bn_relu(c_in: int, c_out: int, kernel: int, stride: int = 1, padding: int = 0) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, kernel, stride, padding, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]


def alexnet_cifar(num_classes: int = 10) -> nn.Module:
    """Two numbers change: the first convolution takes 3 channels (red, green, blue: a kernel has one slice per
    input channel), and the first dense layer takes what 32 px leave. 5x5 with padding 2 keeps 32; each 3x3
    stride-2 pool maps n to floor((n - 3) / 2) + 1: 32 -> 15 -> 7 -> 3. So fc6 sees 32 x 3 x 3 = 288 numbers,
    where the 28-px grey version saw 32 x 2 x 2 = 128. (nn.LazyLinear, or an nn.AdaptiveAvgPool2d before the
    flatten, would avoid working it out, at the price of not knowing it.)"""
    blocks = OrderedDict()
    blocks["conv1"] = nn.Sequential(*conv_bn_relu(3, 12, 5, padding=2), nn.MaxPool2d(3, stride=2))  # (B, 12, 15, 15)
    blocks["conv2"] = nn.Sequential(*conv_bn_relu(12, 32, 5, padding=2), nn.MaxPool2d(3, stride=2))  # (B, 32, 7, 7)
    blocks["conv3"] = nn.Sequential(*conv_bn_relu(32, 48, 3, padding=1))                            # (B, 48, 7, 7)
    blocks["conv4"] = nn.Sequential(*conv_bn_relu(48, 48, 3, padding=1))
    blocks["conv5"] = nn.Sequential(*conv_bn_relu(48, 32, 3, padding=1), nn.MaxPool2d(3, stride=2))  # (B, 32, 3, 3)
    blocks["fc6"] = nn.Sequential(nn.Flatten(), nn.Linear(32 * 3 * 3, 256), nn.ReLU(), nn.Dropout(0.5))
    blocks["fc7"] = nn.Sequential(nn.Linear(256, 256), nn.ReLU(), nn.Dropout(0.5))
    blocks["fc8"] = nn.Linear(256, num_classes)
    return nn.Sequential(blocks)
