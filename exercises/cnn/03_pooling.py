"""Exercises for cnn/03_pooling.py. Write your answers in this file, then check them:

    python -m lessonkit.check cnn/03

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/cnn/03_pooling.py (try first).
"""

from __future__ import annotations

import torch

# Exercise 1 (note 001 lecture 10, 下采样: 通道数不变; note 002 pooling, nn.MaxPool2d; a number answers it): what
# shape comes out of nn.MaxPool2d(3) applied to torch.zeros(2, 16, 14, 14)? Mind the default stride. A tuple.
POOLED_SHAPE = None


def max_pool2d_by_hand(x: torch.Tensor, size: int, stride: int | None = None, padding: int = 0) -> torch.Tensor:
    """Exercise 2 (note 000 D2L 5.4, pool2d with padding, stride and channels; note 002 max pooling; a few
    lines): max pooling (最大池化) of a batch x (N, C, H, W), equal to F.max_pool2d(x, size, stride, padding).

    Start from the lesson's pool2d. Like nn.MaxPool2d, stride=None means stride = size. Max pooling pads with
    -inf, not 0 (a padded zero must never win against negative values), and each channel is pooled on its own.
    """
    raise NotImplementedError


def upsample_bilinear_corners(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Exercise 3 (note 002 upsample, F.interpolate; goes further): bilinear upsampling of x (N, C, h, w) to
    size = (H, W) by hand, equal to F.interpolate(x, size=size, mode="bilinear", align_corners=True) for h, w,
    H, W of at least 2.

    With align_corners=True output row i sits at input position i * (h - 1) / (H - 1): between two input rows,
    it mixes them by how close it is to each. Do the rows, then the columns (each step is a matrix of mixing
    weights, so a matrix product can do it).
    """
    raise NotImplementedError
