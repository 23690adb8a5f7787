"""Exercises for classification/06_mlp_concise.py. Write your answers in this file, then check them:

    python -m lessonkit.check classification/06

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/classification/06_mlp_concise.py (try first).
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1 (note 000 D2L 3.10, nn.Linear's own initialisation; a number answers it): a fresh nn.Linear(784, 256)
# draws its weights uniformly from [-a, a]. What is a? The lesson's make_model docstring gives the rule; try it on a
# layer of your own (weight.abs().max()). Four decimals.
DEFAULT_WEIGHT_BOUND_784 = None


class MLP(nn.Module):
    """Exercise 2 (note 002 "激活函数与GPU加速", net = MLP().to(device); a few lines): the lesson's network as a class
    of your own instead of nn.Sequential: __init__ creates the layers (Flatten, Linear(784, hidden), ReLU,
    Linear(hidden, 10)) as attributes, forward applies them to a batch of images (B, 28, 28) and returns the raw
    scores (B, 10). The layers' default initialisation is fine here.
    """

    def __init__(self, hidden: int = 256):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


def predict_classes(model: nn.Module, x: torch.Tensor, batch_size: int = 100) -> torch.Tensor:
    """Exercise 3 (note 002 "test计算", argmax and when to test; goes further): what lk.predict(...).argmax(1) does
    for the lesson: the predicted class of every row of x as a (n,) tensor of whole numbers, computed batch_size rows
    at a time, in eval mode (dropout off) and without autograd recording anything. Leave the model in the mode
    (train or eval) it was in when it came.
    """
    raise NotImplementedError
