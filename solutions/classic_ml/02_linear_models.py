"""Worked solutions for exercises/classic_ml/02_linear_models.py, with a paragraph each. Check them with
    python -m lessonkit.check classic_ml/02 --solutions
"""

from __future__ import annotations

import numpy as np

# Exercise 1. 2 (against 7 at alpha 0.1): at alpha 1 only two features, s5 and bmi, carry enough signal to be
# worth their L1 price; lasso has chosen a two-feature model. The L1 penalty's corner at 0 is what makes exact
# zeros: for a coefficient whose correlation with the residual is below n alpha, zero is the best value, not
# merely a small one. Ridge's smooth L2 penalty only shrinks, so every ridge coefficient stays non-zero.
LASSO_NONZERO_AT_ALPHA_1 = 2


def ridge_closed_form(x: np.ndarray, y: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """Setting the gradient of ||yc - Xc w||^2 + alpha ||w||^2 to zero gives the normal equations with alpha
    added to the diagonal, (Xc^T Xc + alpha I) w = Xc^T yc. Adding alpha makes the matrix positive definite,
    so it is always solvable, even with more features than rows or with collinear columns: the original
    reason for ridge. Centring removes the intercept from the problem, so it is not shrunk (predicting the
    mean of y costs no penalty), and b is recovered from the means. solve() is faster and more accurate than
    forming the inverse."""
    x_mean, y_mean = x.mean(axis=0), y.mean()
    xc, yc = x - x_mean, y - y_mean
    w = np.linalg.solve(xc.T @ xc + alpha * np.eye(x.shape[1]), xc.T @ yc)
    return w, float(y_mean - x_mean @ w)


def lasso_coordinate_descent(x: np.ndarray, y: np.ndarray, alpha: float,
                             sweeps: int = 1000) -> tuple[np.ndarray, float]:
    """With the other coefficients fixed, the lasso objective in w_j is a parabola plus alpha |w_j|, whose
    minimum is the soft threshold: shrink the least-squares value towards 0 by n alpha, and stop at 0 if it
    would cross. So exact zeros fall out of each update, feature selection for free. The residual is kept
    up to date in place (add feature j's part back, refit w_j, subtract it again), so one sweep costs
    O(n d). Coordinate descent is what sklearn's Lasso runs, with a duality-gap test instead of this
    "nothing moved" one."""
    n, d = x.shape
    x_mean, y_mean = x.mean(axis=0), y.mean()
    xc = x - x_mean
    squares = (xc ** 2).sum(axis=0)
    w = np.zeros(d)
    residual = y - y_mean                               # yc - Xc w, with w = 0
    for _ in range(sweeps):
        largest_move = 0.0
        for j in range(d):
            residual += xc[:, j] * w[j]                 # the residual without feature j
            rho = xc[:, j] @ residual
            new = np.sign(rho) * max(abs(rho) - n * alpha, 0.0) / squares[j]
            residual -= xc[:, j] * new
            largest_move = max(largest_move, abs(new - w[j]))
            w[j] = new
        if largest_move <= 1e-10 * max(np.abs(w).max(), 1e-12):
            break
    return w, float(y_mean - x_mean @ w)
