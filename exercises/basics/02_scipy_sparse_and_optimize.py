"""Exercises for basics/02_scipy_sparse_and_optimize.py. Write your answers in this file, then check them:

    python -m lessonkit.check basics/02

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/basics/02_scipy_sparse_and_optimize.py (try first).
"""

from __future__ import annotations

import numpy as np

# Exercise 1 (note 000 ML_1, SciPy sparse matrices 稀疏矩阵; a number answers it): what is the indptr array of
# this matrix in CSR format? Work it out by hand from the lesson's rule (row i's values are
# data[indptr[i]:indptr[i+1]]), then check with sparse.csr_array(m).indptr. Give a list of whole numbers.
#     m = [[0, 2, 0, 0],
#          [0, 0, 0, 0],
#          [1, 0, 3, 0]]
CSR_INDPTR = None


def csr_matvec(data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Exercise 2 (note 000 ML_1, CSR storage; a few lines): the product A @ x of a CSR matrix A, given only
    its three arrays (data, indices, indptr as in the lesson), with a 1-D dense x. Return a 1-D array with
    one entry per row of A (len(indptr) - 1 rows); a row with no stored values gives 0. Do not build A:
    compute from the three arrays (a loop over the rows is fine; np.bincount or np.add.at does it without).
    """
    raise NotImplementedError


def fit_decay_by_minimize(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Exercise 3 (note 000 ML_1, scipy.optimize; goes further): what curve_fit does, by hand. Write the sum of
    squared residuals of the lesson's model a * exp(-k t) + c as a function of p = (a, k, c), minimize it
    with scipy.optimize.minimize from the lesson's start p0 = (1, 1, 0), and return the fitted (a, k, c) as
    an array of 3 numbers. It must land where the lesson's fit_decay (curve_fit) lands.
    """
    raise NotImplementedError
