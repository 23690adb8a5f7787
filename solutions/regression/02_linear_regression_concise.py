"""Worked solutions for exercises/regression/02_linear_regression_concise.py, with a paragraph each. Check them with
    python -m lessonkit.check regression/02 --solutions
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1. Lesson 01's step is lr * grad(sum(r^2 / 2)) / batch = lr * mean(r * dr); MSELoss's gradient is
# grad(mean(r^2)) = 2 * mean(r * dr), twice as big. So at lr 0.015 this lesson's SGD takes lesson 01's steps at
# lr 0.03, and at lr 0.03 it takes lesson 01's steps at 0.06 (the docstring's remark). A loss's scale is part of
# the learning rate: halving the loss halves the step.
LR_MATCHING_LESSON_01 = 0.015


class LinearRegression(nn.Module):
    """nn.Parameter marks a tensor as a trainable part of the module: assigning one to self registers it, so
    model.parameters() (what an optimizer is given) and state_dict() find it, and it requires grad. nn.Linear
    is exactly this with the weight stored as (out, in) and forward x @ W.T + b; here w is (in, 1)."""

    def __init__(self, in_features: int = 2):
        super().__init__()
        self.w = nn.Parameter(torch.randn(in_features, 1) * 0.01)
        self.b = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.w + self.b          # (batch, in) @ (in, 1) + (1,) -> (batch, 1)


class PlainSGD(torch.optim.Optimizer):
    """An optimizer is a list of parameter groups (each a dict of "params" and settings, filled from the
    defaults) plus a step() that reads .grad. torch.no_grad() keeps the update itself out of the graph, as
    lesson 01's sgd() does; zero_grad(), state_dict() and parameter groups with their own lr come from the base
    class. torch.optim.SGD is this plus momentum, dampening, weight decay and Nesterov."""

    def __init__(self, params, lr: float):
        super().__init__(params, defaults=dict(lr=lr))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-group["lr"])
        return loss
