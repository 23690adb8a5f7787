"""Exercises for classification/09_activations.py. Write your answers in this file, then check them:

    python -m lessonkit.check classification/09

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/classification/09_activations.py (try first).
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1 (note 004 常用的激活函数, 饱和 saturation; a number answers it): which of the lesson's nine activations
# (the names of its ACTIVATIONS dict) saturate on neither side, their derivative staying away from 0 far out to the
# left and to the right? Give the names as a set of strings; the lesson's table answers it.
NEVER_SATURATING = None


class LearnableSwish(nn.Module):
    """Exercise 2 (note 004 激活函数, PReLU's learned slope; a few lines): Swish with a learned sharpness,
    f(x) = x * sigmoid(beta * x), where beta is one trainable number that starts at 1.0 (then f is SiLU) and that the
    optimizer updates along with the weights, as PReLU learns its slope. Large beta turns f into ReLU.
    """

    def __init__(self):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


def init_stack_weight_(weight: torch.Tensor, act: str, generator: torch.Generator) -> None:
    """Exercise 3 (note 000 D2L 3.15, 模型初始化 and 梯度消失/梯度爆炸; goes further): fill the (width, width)
    weight of one layer h = act(h @ weight.T) of the lesson's deep stack, in place, drawing with `generator`, so that
    in 20 such layers the spread of the activations (forward) and of the gradients (backward) stays within a small
    factor from the first layer to the last, for act = "relu" and for act = "tanh". The check runs the lesson's
    stack_spread with your initialisation; PyTorch's default for nn.Linear fails it by factors of 1e4 and more.
    """
    raise NotImplementedError
