"""Exercises for regression/01_linear_regression_scratch.py. Write your answers in this file, then check them:

    python -m lessonkit.check regression/01

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/regression/01_linear_regression_scratch.py (try first).
"""

from __future__ import annotations

import torch

# Exercise 1 (note 000 tensorTest2, linear regression from scratch, mini-batches (小批量); a flag answers it):
# with --batch-size 1000 every epoch is one step over all 1000 examples (full-batch gradient descent) instead of
# 100 mini-batch steps. Run
#     python regression/01_linear_regression_scratch.py --batch-size 1000 --epochs N
# for a few N: what is the smallest N after which w1, w2 and b are all within 0.01 of the truth (the lesson
# prints "largest error against the truth")? Within 5% is enough; you can also work it out from how much one
# step shrinks b's distance to 4.2.
FULL_BATCH_EPOCHS_NEEDED = None


def squared_loss_gradients(x: torch.Tensor, y: torch.Tensor, w: torch.Tensor,
                           b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Exercise 2 (note 003 第二章, a and b fitted by hand; a few lines): the gradients of the lesson's loss
    squared_loss(linreg(x, w, b), y).sum() = sum of (x @ w + b - y)^2 / 2 with respect to w (d, 1) and b (1,),
    written out by hand (no autograd, no backward). x is (n, d), y is (n, 1); return (grad_w, grad_b) with the
    shapes of w and b. This is what loss.backward() puts into w.grad and b.grad before sgd() uses them."""
    raise NotImplementedError


def normal_equation(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Exercise 3 (note 000 D2L 3.1 解析解 vs 数值解; goes further): the least-squares w (d, 1) and b (1,) for
    x (n, d) and y (n, 1) from the normal equations (正规方程) X^T X theta = X^T y, where X is x with a column of
    ones appended for b. Solve them with torch.linalg.solve (not lstsq, not an inverse you compute yourself).
    It must land where the lesson's closed_form() and its SGD land."""
    raise NotImplementedError
