"""Exercises for regression/06_underfitting_overfitting.py. Write your answers in this file, then check them:

    python -m lessonkit.check regression/06

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/regression/06_underfitting_overfitting.py (try first).
"""

from __future__ import annotations

import torch

# Exercise 1 (note 002 过拟合和欠拟合, model capacity; a number answers it): the cubic model has 4 weights on the
# columns (1, x, x^2/2!, x^3/3!). What is the largest number of training examples (distinct x) that it can
# always fit exactly, training MSE 0 whatever the noise? (The lesson's --few case is below it: try --few 2,
# --few 3, ... and watch the training MSE; SGD only gets close to what least squares reaches exactly.)
MOST_EXAMPLES_FIT_EXACTLY = None


def fit_and_score(train_features: torch.Tensor, train_y: torch.Tensor, test_features: torch.Tensor,
                  test_y: torch.Tensor) -> tuple[float, float]:
    """Exercise 2 (note 000 3.8, 无法从训练误差估计泛化误差; a few lines): fit the weights w (columns, 1) of the
    linear model features @ w that minimise the training MSE exactly (least squares, in float64), and return
    (training MSE, test MSE) as two floats. Run it on the lesson's features for 2, 4 and 20 columns and
    compare with the SGD numbers the lesson prints: the training error keeps falling as columns are added,
    the test error does not."""
    raise NotImplementedError


def ridge_fit(features: torch.Tensor, y: torch.Tensor, lambd: float) -> torch.Tensor:
    """Exercise 3 (note 002 如何消除过拟合, regularization L2; goes further): the weights w (columns, 1) that
    minimise mean((features @ w - y)^2) + lambd * sum(w^2) exactly, in features' dtype, by setting the gradient
    to zero and solving the linear system that gives (torch.linalg.solve). features is (n, columns), y (n, 1).
    On the lesson's 20 ill-conditioned columns even lambd = 1e-6 makes the system well-posed (compare the
    test MSE with the lesson's degree-19 SGD fit); lesson 07 is about this penalty."""
    raise NotImplementedError
