"""Exercises for cnn/08_vgg.py. Write your answers in this file, then check them:

    python -m lessonkit.check cnn/08

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/cnn/08_vgg.py (try first).
"""

from __future__ import annotations

from torch import nn

# Exercise 1 (note 002 VGG "使用了更小的 kernel: 3x3"; D2L-PyTorch 5.7 vgg_block; a number answers it): how many
# parameters does the lesson's vgg_block(2, 64, 128) hold (its convolutions have no bias; BatchNorm has a scale
# and a shift per channel)?
VGG_BLOCK_PARAMETERS = None


def vgg_from_arch(arch, num_classes: int = 10, size: int = 28, hidden: int = 256) -> nn.Module:
    """Exercise 2 (D2L-PyTorch 5.7 conv_arch; note 002 VGG; a few lines): a whole VGG from a list of
    (number of 3x3 convolutions, output channels) pairs, one VGG block (VGG 块) per pair, for grey images
    (B, 1, size, size); then the dense head (flatten, hidden, hidden, num_classes, with ReLU and dropout between).
    The lesson's vgg() does it for two fixed lists and 28 px; make the first dense layer fit ANY arch and size
    (each block halves the height and width, rounding down).
    """
    raise NotImplementedError


def receptive_field(layers: list[tuple[int, int]]) -> int:
    """Exercise 3 (note 004 CNN, 感受野, 局部连接; note 002 VGG; goes further): the receptive field (感受野) of one
    output pixel of a stack of layers, each given as (kernel, stride) (a convolution or a pooling window), as a
    width in input pixels. The lesson MEASURES it for stacked 3x3 convolutions; derive the rule instead: each
    layer widens the field by (kernel - 1) times the product of the strides of the layers before it.
    """
    raise NotImplementedError
