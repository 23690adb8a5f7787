"""Exercises for classic_ml/02_linear_models.py. Write your answers in this file, then check them:

    python -m lessonkit.check classic_ml/02

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/classic_ml/02_linear_models.py (try first).
"""

from __future__ import annotations

import numpy as np

# Exercise 1 (note 000 ML_3, lasso and feature selection; a flag answers it): run
#     python classic_ml/02_linear_models.py --alpha 1
# How many of the 10 lasso coefficients are not zero at alpha 1 (default seed)? Compare with alpha 0.1.
LASSO_NONZERO_AT_ALPHA_1 = None


def ridge_closed_form(x: np.ndarray, y: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """Exercise 2 (note 000 ML_3, ridge regression 岭回归 in closed form; a few lines): the coefficients (d,) and
    the intercept of ridge regression, minimizing ||y - X w - b||^2 + alpha ||w||^2 (the intercept b is not
    penalised), with np.linalg.solve, no scikit-learn. It must agree with sklearn's Ridge(alpha).
    Hint of the method: centre the columns of x and y first; then b drops out, w solves
    (Xc^T Xc + alpha I) w = Xc^T yc, and b = mean(y) - mean(x) . w.
    """
    raise NotImplementedError


def lasso_coordinate_descent(x: np.ndarray, y: np.ndarray, alpha: float,
                             sweeps: int = 1000) -> tuple[np.ndarray, float]:
    """Exercise 3 (note 000 ML_3, lasso by coordinate descent 坐标下降; goes further): the coefficients (d,) and
    intercept minimizing scikit-learn's lasso objective (1 / (2n)) ||y - X w - b||^2 + alpha ||w||_1, found
    the way sklearn's Lasso finds them: centre x and y, then sweep over the coefficients one at a time; the
    best w_j with all the others fixed is the soft threshold
        w_j = S(rho_j, n alpha) / (Xc_j . Xc_j),  rho_j = Xc_j . (residual without feature j),
        S(r, t) = sign(r) * max(|r| - t, 0).
    Repeat up to `sweeps` times (you may stop early once no coefficient moves). Exact zeros must come out.
    """
    raise NotImplementedError
