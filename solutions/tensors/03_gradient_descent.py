"""Worked solutions for exercises/tensors/03_gradient_descent.py, with a paragraph each. Check them with
    python -m lessonkit.check tensors/03 --solutions
"""

from __future__ import annotations

import torch

# Exercise 1. MSE(w) = mean((w x - y)^2) has slope 2 mean(x (w x - y)) = 2 mean(x^2) (w - 2), with mean(x^2) =
# 14/3. One step maps the error e = w - 2 to e (1 - lr * 28/3). It shrinks while |1 - lr * 28/3| < 1, that
# is for lr < 2 / (28/3) = 3/14 = 0.214; between 3/28 and 3/14 it shrinks while changing sign (the zig-zag),
# above 3/14 it grows every step. The limit is 2 / (the curvature): steeper losses need smaller steps.
LARGEST_STABLE_LR = 3 / 14


def momentum_descent(x: torch.Tensor, y: torch.Tensor, *, w0: float, lr: float, beta: float,
                     epochs: int) -> float:
    """The velocity v is a running sum of past gradients, each older one weighted by another factor beta:
    along a direction where the gradient keeps its sign the steps grow up to 1 / (1 - beta) times, where it
    flips they cancel. This is exactly torch.optim.SGD(momentum=beta) (with dampening 0)."""
    w, v = w0, 0.0
    for _ in range(epochs):
        grad = (2 * x * (w * x - y)).mean().item()
        v = beta * v + grad
        w = w - lr * v
    return w
