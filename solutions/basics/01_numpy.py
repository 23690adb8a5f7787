"""Worked solutions for exercises/basics/01_numpy.py, with a paragraph each. Check them with
    python -m lessonkit.check basics/01 --solutions
"""

from __future__ import annotations

import numpy as np

# Exercise 1. A view is a new array header (shape, strides, offset) over the same buffer. Basic slicing
# (a[1], a[:, 2]) picks a regular pattern of the buffer, so it can be described by strides: a view. a.T swaps
# the strides; a.reshape(4, 3) of a contiguous array just reads the same buffer with other strides. A boolean
# mask or a list of indices picks an arbitrary set of elements, which no strides describe: NumPy copies them.
# flatten() promises a new array (ravel() returns a view when it can). The lesson's `row = a[0]; row[0] = 100`
# changing a is the same rule; .copy() is how you opt out.
SHARES_MEMORY_WITH_A = {"a[1]", "a[:, 2]", "a.T", "a.reshape(4, 3)"}


def pairwise_distances(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x[:, None, :] is (n, 1, d) and y[None, :, :] is (1, m, d): their difference broadcasts to (n, m, d),
    every row of x against every row of y; summing the squares over the last axis and taking the square
    root leaves (n, m). The (n, m, d) intermediate can be large; scipy's cdist (or the expansion
    |x|^2 - 2 x.y + |y|^2 with a matrix product, clipped at 0 against rounding) avoids it."""
    return np.sqrt(((x[:, None, :] - y[None, :, :]) ** 2).sum(axis=-1))


def bootstrap_means(x: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """rng.integers draws all the indices at once, one row per resample; fancy indexing x[index] gathers
    them into an (n_resamples, n) array (a copy), and mean(axis=1) reduces each row. Drawing with
    replacement is what makes the resamples differ; their means spread with a standard deviation close to
    x.std() / sqrt(n), the standard error of the mean, without any formula."""
    index = rng.integers(0, len(x), size=(n_resamples, len(x)))
    return x[index].mean(axis=1)
