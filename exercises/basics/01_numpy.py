"""Exercises for basics/01_numpy.py. Write your answers in this file, then check them:

    python -m lessonkit.check basics/01

Each exercise is one function or constant below; replace the `raise NotImplementedError` (or the None) with
your answer. The checker runs your code on small inputs and prints "passed" or "not yet" with a hint.
Worked solutions: solutions/basics/01_numpy.py (try first).
"""

from __future__ import annotations

import numpy as np

# Exercise 1 (note 000 ML_1, NumPy views and copies; a flag answers it): start from a = np.arange(12).reshape(3, 4).
# Which of these results share memory with a (writing into them changes a)?
#     "a[1]", "a[:, 2]", "a[a % 2 == 0]", "a[[0, 2], 1:3]", "a.T", "a.reshape(4, 3)", "a.flatten()"
# Answer with the set of those strings, e.g. {"a[1]", ...}. Decide by the rules first (basic slicing gives a
# view, a mask or a list of indices copies), then test with np.shares_memory(a, result).
SHARES_MEMORY_WITH_A = None


def pairwise_distances(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Exercise 2 (note 000 ML_1, broadcasting 广播机制; a few lines): the Euclidean distance between every row
    of x (n, d) and every row of y (m, d), as an (n, m) array, without a Python loop. kNN (classic_ml/01)
    spends all its time on exactly this.

    Hint of the method: x[:, None, :] has shape (n, 1, d); what does subtracting y[None, :, :] give?
    """
    raise NotImplementedError


def bootstrap_means(x: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Exercise 3 (note 000 ML_1, random numbers with a Generator; goes further): the bootstrap (自助法). Draw
    n_resamples samples of len(x) values from the 1-D array x WITH replacement, and return the mean of each,
    an array of shape (n_resamples,). Use only the generator you are given (the same seed must give the same
    numbers), and no Python loop: draw all the indices at once as a 2-D array.

    The spread of these means estimates how far the mean of x would move if the data were collected again.
    """
    raise NotImplementedError
