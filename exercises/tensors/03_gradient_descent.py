"""Exercises for tensors/03_gradient_descent.py. Write your answers in this file, then check them:

    python -m lessonkit.check tensors/03

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/tensors/03_gradient_descent.py (try first).
"""

from __future__ import annotations

import torch

# Exercise 1 (note 001 梯度下降, learning rate; a number answers it): on the lesson's three points
# (x = 1, 2, 3; y = 2, 4, 6) batch gradient descent on w diverges once the learning rate passes a limit.
# Find it: try `gradient_descent(X_DATA, Y_DATA, w0=1.0, lr=..., epochs=100, batch_size=3)` from the lesson
# with growing lr, or derive it from the update rule w <- w - lr * dMSE/dw. Two significant digits.
LARGEST_STABLE_LR = None


def momentum_descent(x: torch.Tensor, y: torch.Tensor, *, w0: float, lr: float, beta: float,
                     epochs: int) -> float:
    """Exercise 2 (note 001 "momentum"; a few lines): batch gradient descent on the MSE of y_hat = w x with
    momentum: v <- beta * v + dMSE/dw, then w <- w - lr * v (v starts at 0). Return w after `epochs` steps.
    Write the gradient by hand, as the lesson's mse_grad does."""
    raise NotImplementedError
