"""Exercises for cnn/01_cross_correlation.py. Write your answers in this file, then check them:

    python -m lessonkit.check cnn/01

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/cnn/01_cross_correlation.py (try first).
"""

from __future__ import annotations

import torch

# Exercise 1 (note 004 CNN, 感受野; note 000 "更深的卷积神经网络 ... 感受野"; a number answers it): the lesson
# prints the receptive field of 1, 2 and 3 stacked 3x3 convolutions. How many input pixels wide is the
# receptive field of one output pixel after FIVE stacked 3x3 convolutions (stride 1, no pooling)?
RECEPTIVE_FIELD_FIVE_LAYERS = None


def corr2d_unfold(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Exercise 2 (note 000 cnnTest1, 二维互相关运算; a few lines): the lesson's corr2d without the two Python
    loops. x is (h, w), k is (kh, kw); return the (h - kh + 1, w - kw + 1) cross-correlation (互相关).

    Hint of the method: x.unfold(0, kh, 1) cuts every window of kh rows; unfold the columns too and you have
    a (h', w', kh, kw) tensor of all windows at once: multiply by k and sum the last two axes. Autograd must
    still reach k (the lesson learns a kernel through it).
    """
    raise NotImplementedError


def learn_kernel(x: torch.Tensor, y: torch.Tensor, kernel_size: tuple[int, int]) -> torch.Tensor:
    """Exercise 3 (note 000 cnnTest1, 通过数据学习核数组; goes further): y was made from the image x (h, w) by
    cross-correlation with a hidden kernel of kernel_size (no bias). Learn that kernel back from x and y by
    gradient descent, as section 6 of the lesson does, and return it as a (kh, kw) tensor without a graph.

    Start from a random kernel, update it under torch.no_grad(), and clear the gradient after each step. Choose
    the loss (summed or mean squared error), the learning rate and the number of steps yourself: the lesson
    shows what too large a step does.
    """
    raise NotImplementedError
