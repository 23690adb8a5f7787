"""Exercises for regression/07_weight_decay.py. Write your answers in this file, then check them:

    python -m lessonkit.check regression/07

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/regression/07_weight_decay.py (try first).
"""

from __future__ import annotations

import torch

# Exercise 1 (note 002 如何消除过拟合, L2 weight_decay; a number answers it): the lesson's defaults are lr 0.01 and
# lambda 3. One step of torch.optim.SGD(..., lr=0.01, weight_decay=3) multiplies every weight by what factor
# before the data's gradient is subtracted (the "decay" of weight decay)?
DECAY_FACTOR_PER_STEP = None


def decayed_sgd_step(param: torch.Tensor, lr: float, weight_decay: float) -> None:
    """Exercise 2 (note 002 如何消除过拟合, L2 regularization; a few lines): one SGD step with weight decay on
    the parameter `param`, written by hand: what torch.optim.SGD(lr=lr, weight_decay=weight_decay) does to it,
    using param.grad (the data loss's gradient, already computed). Update in place, outside autograd, and
    leave param.grad as it is (the training loop clears it). The check trains the lesson's linear model with
    it and compares with SGD's weight_decay and with the lesson's penalty lambd * l2_penalty(w) in the loss."""
    raise NotImplementedError


def lasso(x: torch.Tensor, y: torch.Tensor, lambd: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Exercise 3 (note 002 如何消除过拟合, L1 regularization, and the lesson's proximal step (软阈值); goes
    further): the w (features, 1) and b (1,) that minimise mean((x @ w + b - y)^2) + lambd * sum(|w|) (the bias
    is not penalised), for x (n, features) and y (n, 1), to about 1e-6, with the weights that should be 0
    EXACTLY 0. Plain (sub)gradient steps make small weights hop around 0, as the lesson shows; use full-batch
    proximal gradient descent: a gradient step on the MSE, then soft-thresholding by lr * lambd, repeated a few
    thousand times with a small enough lr (below 1 / the largest eigenvalue of 2 x^T x / n)."""
    raise NotImplementedError
