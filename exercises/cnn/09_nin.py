"""Exercises for cnn/09_nin.py. Write your answers in this file, then check them:

    python -m lessonkit.check cnn/09

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/cnn/09_nin.py (try first).
"""

from __future__ import annotations

from torch import nn

# Exercise 1 (D2L-PyTorch 5.8 NiN, GlobalAvgPool2d; note 002 1x1 Convolution; a number answers it): the small NiN
# (nin()) has no dense layer, so it takes images of any size. Feed it a batch of 3 images of 56x56: what shape
# comes out of its "classes" block, just before global average pooling (全局平均池化)? A tuple.
CLASS_MAPS_SHAPE_56 = None


def conv1x1_from_linear(linear: nn.Linear) -> nn.Conv2d:
    """Exercise 2 (note 000 1x1 convolution "与全连接层等价"; note 002 1x1 Convolution; a few lines): the
    other direction of the lesson's one_by_one_vs_dense. Return a new nn.Conv2d with kernel size 1 that computes,
    at every pixel of a (B, in_features, H, W) input, exactly what `linear` computes from that pixel's channels
    (with the bias, if the linear layer has one): channels are the features, pixels the examples.
    """
    raise NotImplementedError
