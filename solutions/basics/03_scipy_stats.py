"""Worked solutions for exercises/basics/03_scipy_stats.py, with a paragraph each. Check them with
    python -m lessonkit.check basics/03 --solutions
"""

from __future__ import annotations

import numpy as np
from scipy import stats

# Exercise 1. For a count, cdf(k) = P(X <= k) includes k, so P(X >= 8) = 1 - cdf(7) = sf(7): the pmf of 8, 9
# and 10 heads, (45 + 10 + 1) / 1024 = 56 / 1024 = 0.0547. 1 - cdf(8) would be P(X >= 9), an off-by-one that
# a continuous distribution never shows (there P(X = k) is 0). sf ("survival function") is also more accurate
# than 1 - cdf far in the tail, where cdf rounds to 1.
P_AT_LEAST_8_HEADS = 0.0546875


def welch_test(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Welch's test gives each group its own variance; the price is that t no longer follows a t
    distribution with na + nb - 2 degrees of freedom, and the Welch-Satterthwaite formula gives a
    (fractional) df close to the truth. Two-sided: a t as extreme on the other side counts too, so the
    p-value doubles the tail beyond |t|."""
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    t = (a.mean() - b.mean()) / np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    return float(t), float(2 * stats.t.sf(abs(t), df))


def theoretical_power(n: int, shift: float, alpha: float = 0.05) -> float:
    """The lesson's formula: under a true shift, t follows a noncentral t distribution."""
    df = 2 * n - 2
    noncentrality = shift / np.sqrt(2.0 / n)
    critical = stats.t.ppf(1 - alpha / 2, df)
    return float(stats.nct.sf(critical, df, noncentrality) + stats.nct.cdf(-critical, df, noncentrality))


def samples_for_power(shift: float, power: float = 0.8, alpha: float = 0.05) -> int:
    """Power grows with n (the noncentrality shift / sqrt(2 / n) grows like sqrt(n)), so the first n that
    reaches the target is the answer; a plain upward search costs a few hundred cheap calls at most. Halving
    the shift needs about four times the samples: 64 per group for a shift of 0.5 at 80% power, 26 for 0.8.
    This is how an experiment is sized before it is run, instead of hoping the p-value will come out small."""
    n = 2
    while theoretical_power(n, shift, alpha) < power:
        n += 1
    return n
