"""Exercises for regression/02_linear_regression_concise.py. Write your answers in this file, then check them:

    python -m lessonkit.check regression/02

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/regression/02_linear_regression_concise.py (try first).
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1 (note 001 第五讲, the loss object; a number answers it): lesson 01 trains with the loss
# sum((y_hat - y)^2 / 2) and divides the step by the batch size; this lesson uses nn.MSELoss and
# torch.optim.SGD. At which --lr does this lesson take exactly the steps that lesson 01 takes at --lr 0.03
# (from the same start, on the same batches)?
LR_MATCHING_LESSON_01 = None


class LinearRegression(nn.Module):
    """Exercise 2 (note 001 第五讲, 模型必须定义为一个类; a few lines): y_hat = x @ w + b as a model class of your
    own, without nn.Linear: __init__ makes w (in_features numbers) and b (one number) nn.Parameters, so that
    model.parameters() finds them and an optimizer can train them; forward maps (batch, in_features) to
    (batch, 1). Start from small random weights and a zero bias, as the lesson does."""

    def __init__(self, in_features: int = 2):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class PlainSGD(torch.optim.Optimizer):
    """Exercise 3 (note 001 第五讲, 优化器 实例化, and step 4 更新; goes further): plain SGD, p <- p - lr * p.grad,
    as an optimizer class of your own, so that it drops into the lesson's train() where torch.optim.SGD was.
    Pass the learning rate to torch.optim.Optimizer.__init__ as a default (defaults=dict(lr=lr)), then in step()
    walk self.param_groups (each a dict with "params" and "lr"), skip parameters whose .grad is None, and
    update in place without recording the update in the graph."""

    def __init__(self, params, lr: float):
        raise NotImplementedError

    def step(self, closure=None):
        raise NotImplementedError
