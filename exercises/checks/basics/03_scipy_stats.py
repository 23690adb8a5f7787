"""Checks for exercises/basics/03_scipy_stats.py (run: python -m lessonkit.check basics/03)."""

import numpy as np
from scipy import stats

from lessonkit.check import NotYet, lesson

st = lesson("basics/03_scipy_stats.py")


def check_P_AT_LEAST_8_HEADS(answer):
    if answer is None:
        raise NotImplementedError
    coin = stats.binom(n=10, p=0.5)
    truth = float(coin.sf(7))
    if not isinstance(answer, (int, float)) or not 0 <= answer <= 1:
        raise NotYet("give a probability, a number between 0 and 1")
    if abs(answer - truth) > 1e-4:
        if abs(answer - float(coin.sf(8))) < 1e-4 or abs(answer - float(1 - coin.cdf(8))) < 1e-4:
            raise NotYet("that is the probability of MORE than 8 heads: cdf(k) = P(X <= k) includes k itself")
        raise NotYet("P(X >= 8) = 1 - P(X <= 7): add the pmf of 8, 9 and 10 heads, or use cdf (or sf) of the "
                     "number just below 8")


def check_welch_test(answer):
    rng = np.random.default_rng(0)
    for na, nb, spread_b, shift in ((12, 12, 1.0, 0.8), (8, 30, 3.0, 1.0), (40, 25, 0.5, 0.0)):
        a, b = rng.normal(0.0, 1.0, size=na), rng.normal(shift, spread_b, size=nb)
        got = answer(a, b)
        if not isinstance(got, tuple) or len(got) != 2:
            raise NotYet("return the tuple (t, p)")
        truth = stats.ttest_ind(a, b, equal_var=False)
        t, p = (float(v) for v in got)
        if not np.isclose(t, truth.statistic, rtol=1e-9):
            raise NotYet("t is off: (mean(a) - mean(b)) / sqrt(var_a / n_a + var_b / n_b), with the sample "
                         "variances (ddof=1), as the lesson's welch_t")
        if not np.isclose(p, truth.pvalue, rtol=1e-7):
            raise NotYet("t is right, p is not: two-sided means both tails, 2 * stats.t.sf(abs(t), df), with the "
                         "Welch-Satterthwaite df of the docstring (not na + nb - 2)")


def check_samples_for_power(answer):
    for shift, power in ((0.5, 0.8), (0.8, 0.8), (1.2, 0.9), (0.3, 0.95)):
        n = answer(shift, power)
        if not isinstance(n, (int, np.integer)) or n < 2:
            raise NotYet("return a whole number of values per group, at least 2")
        if st.theoretical_power(int(n), shift) < power:
            raise NotYet(f"with shift {shift}, n = {n} per group reaches less than {power:.0%} power: too few")
        if n > 2 and st.theoretical_power(int(n) - 1, shift) >= power:
            raise NotYet(f"with shift {shift}, n = {n} is enough but not the smallest: one fewer per group "
                         f"already reaches {power:.0%}")
