"""Worked solutions for exercises/regression/06_underfitting_overfitting.py, with a paragraph each. Check them with
    python -m lessonkit.check regression/06 --solutions
"""

from __future__ import annotations

import torch

# Exercise 1. n examples give n linear equations in the 4 weights. With n <= 4 distinct x they can always all
# hold (the matrix of 1, x, x^2/2!, x^3/3! rows has full row rank, a Vandermonde matrix), so some cubic passes
# through every point and the training MSE is 0 however noisy y is. From 5 examples on the noise cannot be
# matched. A model with as many parameters as examples "learns" the noise: training error 0 says nothing about
# the test error, which is the lesson's too-little-data case (the --few 2 test MSE of 34).
MOST_EXAMPLES_FIT_EXACTLY = 4


def fit_and_score(train_features: torch.Tensor, train_y: torch.Tensor, test_features: torch.Tensor,
                  test_y: torch.Tensor) -> tuple[float, float]:
    """lstsq minimises the training error exactly, so this is the best each column set can do on the training
    rows: more columns never raise it (the smaller model is a special case of the bigger one), while the test
    error bottoms out at the cubic and rises again. On the lesson's seed (train / test): 2 columns 5.34 / 10.7,
    4 columns 0.0099 / 0.0126, 8 columns 0.0092 / 0.021, 20 columns 0.0078 / tens of thousands. The lesson's SGD
    fit of 20 columns tests at 0.023 only because SGD hardly moves the weights of the tiny high columns (an
    implicit regularisation); the exact minimiser uses them with huge weights that explode away from the
    training x. float64 matters: those columns are tiny (1e-8) and nearly collinear, beyond float32's 7 digits."""
    train_features, train_y = train_features.double(), train_y.double()
    w = torch.linalg.lstsq(train_features, train_y, driver="gelsd").solution
    train_mse = ((train_features @ w - train_y) ** 2).mean().item()
    test_mse = ((test_features.double() @ w - test_y.double()) ** 2).mean().item()
    return train_mse, test_mse


def ridge_fit(features: torch.Tensor, y: torch.Tensor, lambd: float) -> torch.Tensor:
    """The gradient (2 / n) X^T (X w - y) + 2 lambd w vanishes where (X^T X + n lambd I) w = X^T y. Adding
    n lambd to every eigenvalue of X^T X lifts the tiny ones that make the plain problem ill-conditioned
    (condition number 3e16 here), so the system has one stable answer: the penalty trades a little training
    error for weights that do not chase noise along directions the data hardly sees. With lambd 1e-6 the
    degree-19 fit's test MSE comes out at the cubic's, 0.0127, against SGD's 0.023."""
    n, columns = features.shape
    eye = torch.eye(columns, dtype=features.dtype)
    return torch.linalg.solve(features.T @ features + n * lambd * eye, features.T @ y)
