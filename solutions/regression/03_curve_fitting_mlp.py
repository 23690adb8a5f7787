"""Worked solutions for exercises/regression/03_curve_fitting_mlp.py, with a paragraph each. Check them with
    python -m lessonkit.check regression/03 --solutions
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1. A fresh point is y = f(x) + e with e ~ N(0, 0.3^2), drawn after training, so no model can know
# it: even the true curve f scores E[e^2] = 0.3^2 = 0.09, and any model scores 0.09 plus its error against the
# curve. Three times the noise is nine times the floor. The training MSE has no such floor: a big enough network
# can learn its own samples' noise (overfitting), which is why the lesson scores fresh points.
FRESH_MSE_FLOOR_AT_NOISE_0_3 = 0.09


class ShallowNet(nn.Module):
    """Each ReLU unit max(0, w x + b) is a line with one bend at x = -b / w; the output layer adds 32 of them
    with weights of either sign, which can trace any continuous curve on [-1, 1] as closely as enough units
    allow. Without the activation the two layers would collapse into one straight line; with an activation
    after the last layer the output could not be negative (ReLU) or above 1 (sigmoid)."""

    def __init__(self, hidden: int = 32):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(1, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def relu_interpolant(knots: torch.Tensor, values: torch.Tensor) -> nn.Module:
    """With slopes s_i = (v_(i+1) - v_i) / (k_(i+1) - k_i) of the m - 1 segments, the broken line is
    v_0 + s_0 relu(x - k_0) + sum_(i >= 1) (s_i - s_(i-1)) relu(x - k_i): each unit adds its change of slope from
    its knot on. So m - 1 hidden units, first-layer weights 1 and biases -k_i, output weights the slope changes
    and output bias v_0. (Left of k_0 it stays flat at v_0; the exercise leaves that part free.) This is the
    universal approximation idea made exact: a curve sampled at enough knots is a ReLU network."""
    slopes = (values[1:] - values[:-1]) / (knots[1:] - knots[:-1])          # (m - 1,)
    changes = torch.cat([slopes[:1], slopes[1:] - slopes[:-1]])             # (m - 1,)
    k = len(slopes)
    model = nn.Sequential(nn.Linear(1, k), nn.ReLU(), nn.Linear(k, 1))
    with torch.no_grad():
        model[0].weight.fill_(1.0)
        model[0].bias.copy_(-knots[:-1])
        model[2].weight.copy_(changes.unsqueeze(0))
        model[2].bias.fill_(values[0].item())
    return model
