"""Checks for exercises/basics/02_scipy_sparse_and_optimize.py (run: python -m lessonkit.check basics/02)."""

import numpy as np
from scipy import sparse

from lessonkit.check import NotYet, lesson

so = lesson("basics/02_scipy_sparse_and_optimize.py")


def check_CSR_INDPTR(answer):
    if answer is None:
        raise NotImplementedError
    m = np.array([[0, 2, 0, 0], [0, 0, 0, 0], [1, 0, 3, 0]])
    truth = sparse.csr_array(m).indptr
    if np.ndim(answer) != 1 or len(answer) != len(truth):
        raise NotYet(f"indptr has one entry more than the matrix has rows: {len(truth)} whole numbers")
    if not np.array_equal(np.asarray(answer), truth):
        raise NotYet("indptr starts at 0 and, row by row, adds how many non-zeros that row holds (an empty "
                     "row adds 0, so the number repeats); the last entry is the number of non-zeros")


def check_csr_matvec(answer):
    rng = np.random.default_rng(0)
    cases = [sparse.csr_array(np.array([[0.0, 2, 0, 0], [0, 0, 0, 0], [1, 0, 3, 0]]))]
    cases += [sparse.random_array(shape, density=density, format="csr", rng=rng)
              for shape, density in (((6, 5), 0.3), ((40, 30), 0.05), ((3, 4), 0.0))]
    for a in cases:
        x = rng.normal(size=a.shape[1])
        got = answer(a.data, a.indices, a.indptr, x)
        if not isinstance(got, np.ndarray) or got.shape != (a.shape[0],):
            raise NotYet(f"for a {a.shape[0]} x {a.shape[1]} matrix return {a.shape[0]} numbers, one per row "
                         "(rows without values too)")
        if not np.allclose(got, a @ x, atol=1e-12):
            raise NotYet("the values differ from scipy's a @ x: row i is the sum of data[j] * x[indices[j]] "
                         "for j in range(indptr[i], indptr[i + 1])")


def check_fit_decay_by_minimize(answer):
    for seed, noise in ((0, 0.2), (1, 0.05)):
        t, y = so.noisy_decay(50, noise, np.random.default_rng(seed))
        params, errors = so.fit_decay(t, y)
        got = answer(t, y)
        if np.shape(got) != (3,):
            raise NotYet("return the three fitted numbers (a, k, c) as an array")
        got = np.asarray(got, dtype=float)
        residuals = lambda p: ((so.decay(t, *p) - y) ** 2).sum()  # noqa: E731
        if residuals(got) > residuals(params) * (1 + 1e-6) + 1e-12:
            raise NotYet("your (a, k, c) leave a larger sum of squared residuals than curve_fit's: minimize "
                         "sum((a * exp(-k t) + c - y) ** 2) over p = (a, k, c), starting from (1, 1, 0); if "
                         "minimize stops early, try method='BFGS' or a smaller tol")
        if np.any(np.abs(got - params) > 0.01 * errors):
            raise NotYet("the residuals match but the parameters do not: return them in the order a, k, c")
