"""Worked solutions for exercises/basics/02_scipy_sparse_and_optimize.py, with a paragraph each. Check them with
    python -m lessonkit.check basics/02 --solutions
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

# Exercise 1. Row 0 holds one value (the 2), row 1 none, row 2 two (the 1 and the 3): indptr counts them up,
# [0, 1, 1, 3]. Row i's values are data[indptr[i]:indptr[i+1]], so the empty row is the empty slice 1:1.
# data = [2, 1, 3] and indices (their columns) = [1, 0, 2]. n + 1 pointers instead of one row number per value
# is the "compressed" in compressed sparse row, and it makes taking row i one slice.
CSR_INDPTR = [0, 1, 1, 3]


def csr_matvec(data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Each stored value multiplies the entry of x in its own column: data * x[indices]. np.diff(indptr)
    is the number of values per row, so np.repeat gives each value its row number (COO's row array,
    rebuilt), and np.bincount adds the products row by row; minlength keeps empty rows, at the end too.
    The work is proportional to the number of non-zeros, not to rows x columns: why sparse pays off."""
    n_rows = len(indptr) - 1
    rows = np.repeat(np.arange(n_rows), np.diff(indptr))
    return np.bincount(rows, weights=data * x[indices], minlength=n_rows).astype(float)


def fit_decay_by_minimize(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """curve_fit is least squares: it minimizes the sum of squared residuals (with a Levenberg-Marquardt
    method that exploits that structure). A general minimizer finds the same point; BFGS estimates the
    gradient by finite differences here. What curve_fit adds is the covariance of the parameters, the
    standard errors the lesson prints."""

    def loss(p):
        a, k, c = p
        return ((a * np.exp(-k * t) + c - y) ** 2).sum()

    return optimize.minimize(loss, x0=[1.0, 1.0, 0.0], method="BFGS", tol=1e-10).x
