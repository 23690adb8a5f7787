"""Exercises for regression/03_curve_fitting_mlp.py. Write your answers in this file, then check them:

    python -m lessonkit.check regression/03

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/regression/03_curve_fitting_mlp.py (try first).
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1 (note 000 regression.py, noisy samples of a curve; a flag answers it): run
#     python regression/03_curve_fitting_mlp.py --noise 0.3
# Below what number can the MSE on fresh noisy points never go, however long you train and however big the
# network (the expected value, two significant digits)? The lesson's docstring explains it for --noise 0.1.
FRESH_MSE_FLOOR_AT_NOISE_0_3 = None


class ShallowNet(nn.Module):
    """Exercise 2 (note 003 第三章 通用逼近定理; a few lines): a network with ONE hidden layer, 1 -> hidden -> 1,
    with a nonlinear activation between the two linear layers and none on the output (a regression output may
    be any real number, negative too). forward maps (batch, 1) to (batch, 1). The lesson's CurveNet has two
    hidden layers; the universal approximation theorem says one is already enough."""

    def __init__(self, hidden: int = 32):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


def relu_interpolant(knots: torch.Tensor, values: torch.Tensor) -> nn.Module:
    """Exercise 3 (note 003 第三章 通用逼近定理, one bend per ReLU unit; goes further): build, without any
    training, a network nn.Sequential(nn.Linear(1, k), nn.ReLU(), nn.Linear(k, 1)) whose output passes through
    every point (knots[i], values[i]) and is a straight line between neighbouring knots (piecewise linear
    interpolation). knots (m,) are sorted and distinct, values (m,); choose k and set the weights and biases by
    hand (under torch.no_grad()). Hint of the method: relu(x - c) is 0 left of c and bends upwards at c; a sum
    of such units, each with its own slope change, draws a broken line."""
    raise NotImplementedError
