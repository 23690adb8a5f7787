"""Exercises for cnn/13_data_augmentation.py. Write your answers in this file, then check them:

    python -m lessonkit.check cnn/13

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/cnn/13_data_augmentation.py (try first).
"""

from __future__ import annotations

import torch
from torchvision.transforms import v2

# Exercise 1 (note 002 数据增强 Data argumentation; D2L 13.1 图像增广; a number answers it): 16 copies of one MNIST
# digit, stacked into a (16, 1, 28, 28) uint8 tensor, go through the lesson's training_augmentation("MNIST") in
# ONE call. How many distinct images come out? (The lesson prints it; say why in a comment.)
BATCH_CALL_DISTINCT = None


def digit_augmentation() -> v2.Transform:
    """Exercise 2 (note 002 数据增强: Flip 翻转, Rotate 旋转, Random Move & Crop 随机移动和裁剪; a few lines): a
    torchvision.transforms.v2 augmentation for MNIST digits that keeps every label true: a new random version of
    a uint8 (1, 28, 28) image at every call, still uint8 (1, 28, 28). Choose among small shifts, rotations and
    zooms; leave out what turns one digit into another or into no digit. The checker feeds it an image with a
    mark in one corner and looks where the mark ends up.
    """
    raise NotImplementedError


def random_shift_per_image(images: torch.Tensor, max_shift: int, generator: torch.Generator,
                           fill: float = 0.0) -> torch.Tensor:
    """Exercise 3 (note 002 Random Move 随机移动; goes further): cnn/11's random_shift moves a whole batch by ONE
    random offset. Move every image of images (N, C, H, W) by its OWN random offset (dy, dx), each a whole number
    in [-max_shift, max_shift] drawn from `generator`, filling the pixels that come in from outside with `fill`.
    Same shape out. (One way: pad once with F.pad, then cut each image's window.)
    """
    raise NotImplementedError
