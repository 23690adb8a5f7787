"""Worked solutions for exercises/cnn/09_nin.py, with a paragraph each. Check them with
    python -m lessonkit.check cnn/09 --solutions
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1. 56 px: nin1 keeps 56 (5x5 with padding 2, then two 1x1), pool1 gives floor((56 - 3) / 2) + 1 = 27,
# nin2 keeps 27, pool2 gives 13, nin3 keeps 13, pool3 gives 6, and the classes block (3x3 with padding 1, two
# 1x1) keeps 6: (3, 10, 6, 6), one 6x6 map per class. Global average pooling turns each map into one score,
# (3, 10), whatever the size: NiN has no dense layer whose input size would fix the image size (AlexNet's fc6
# would refuse 56 px).
CLASS_MAPS_SHAPE_56 = (3, 10, 6, 6)


def conv1x1_from_linear(linear: nn.Linear) -> nn.Conv2d:
    """A 1x1 convolution computes out[o, i, j] = sum_c W[o, c] x[c, i, j] + b[o]: the dense layer's formula,
    applied to the channel vector of every pixel (i, j) with the same W. So the weights are the linear layer's
    (out, in) matrix with two trailing axes of size 1, and the bias is the same vector."""
    conv = nn.Conv2d(linear.in_features, linear.out_features, kernel_size=1, bias=linear.bias is not None)
    with torch.no_grad():
        conv.weight.copy_(linear.weight.reshape(linear.out_features, linear.in_features, 1, 1))
        if linear.bias is not None:
            conv.bias.copy_(linear.bias)
    return conv
