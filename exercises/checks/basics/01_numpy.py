"""Checks for exercises/basics/01_numpy.py (run: python -m lessonkit.check basics/01)."""

import numpy as np
from scipy.spatial.distance import cdist

from lessonkit.check import NotYet

EXPRESSIONS = ("a[1]", "a[:, 2]", "a[a % 2 == 0]", "a[[0, 2], 1:3]", "a.T", "a.reshape(4, 3)", "a.flatten()")


def check_SHARES_MEMORY_WITH_A(answer):
    if answer is None:
        raise NotImplementedError
    a = np.arange(12).reshape(3, 4)
    truth = {text for text in EXPRESSIONS if np.shares_memory(a, eval(text, {"a": a, "np": np}))}
    if not isinstance(answer, (set, frozenset, list, tuple)) or not all(isinstance(s, str) for s in answer):
        raise NotYet('give a set of the expressions as strings, e.g. {"a[1]", "a.T"}')
    unknown = set(answer) - set(EXPRESSIONS)
    if unknown:
        raise NotYet(f"these are not among the expressions of the exercise: {sorted(unknown)}; copy them exactly")
    if set(answer) - truth:
        raise NotYet("some you named are copies: a boolean mask or a list of indices (fancy indexing) always "
                     "copies, and flatten() always returns a new array (ravel() would not)")
    if truth - set(answer):
        raise NotYet("some views are missing: basic slicing, transposing and a reshape of a contiguous array "
                     "only change the shape and strides, so they look into a's own memory")


def check_pairwise_distances(answer):
    rng = np.random.default_rng(0)
    for n, m, d in ((4, 3, 2), (1, 5, 7), (6, 6, 1)):
        x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d))
        got = answer(x, y)
        if not isinstance(got, np.ndarray) or got.shape != (n, m):
            raise NotYet(f"for x of shape {(n, d)} and y of {(m, d)} the result must have shape ({n}, {m}); got "
                         f"{got.shape if isinstance(got, np.ndarray) else type(got).__name__}")
        if not np.allclose(got, cdist(x, y), atol=1e-10):
            if np.allclose(got, cdist(x, y) ** 2, atol=1e-10):
                raise NotYet("those are the squared distances: take the square root at the end")
            raise NotYet("the shape is right, the values are not: entry (i, j) is sqrt(sum over d of "
                         "(x[i] - y[j]) ** 2)")
    x = rng.normal(size=(5, 3)) * 1e4
    same = answer(x, x)
    if not np.all(np.isfinite(same)) or np.abs(np.diag(same)).max() > 1e-6 * np.abs(x).max():
        raise NotYet("the distance of a row to itself must be 0 (and never NaN): if you expand |x|^2 - 2 x.y + |y|^2, "
                     "rounding can make it slightly negative before the square root; clip it at 0")


def check_bootstrap_means(answer):
    x = np.random.default_rng(123).exponential(2.0, size=60)
    means = answer(x, 4000, np.random.default_rng(0))
    if not isinstance(means, np.ndarray) or means.shape != (4000,):
        raise NotYet("return one mean per resample: an array of shape (n_resamples,)")
    if not np.array_equal(means, answer(x, 4000, np.random.default_rng(0))):
        raise NotYet("the same seed must give the same means: draw every random number from the rng argument")
    if np.array_equal(means, answer(x, 4000, np.random.default_rng(1))):
        raise NotYet("another seed gives the same means: use the rng you are given, not a fixed seed")
    if means.min() < x.min() or means.max() > x.max():
        raise NotYet("each resample holds values of x, so its mean lies between x.min() and x.max()")
    if means.std() < 1e-9:
        raise NotYet("all the means are equal: draw with replacement (rng.integers, or rng.choice with "
                     "replace=True); a permutation only reorders the same values")
    expected = x.std() / np.sqrt(len(x))   # the standard error of the mean
    if abs(means.mean() - x.mean()) > 4 * expected / np.sqrt(4000) + 1e-9 or not 0.9 < means.std() / expected < 1.1:
        raise NotYet("the means do not spread as bootstrap means do: draw len(x) indices per resample, "
                     "shape (n_resamples, len(x)), and average each row")
