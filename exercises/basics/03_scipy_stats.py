"""Exercises for basics/03_scipy_stats.py. Write your answers in this file, then check them:

    python -m lessonkit.check basics/03

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/basics/03_scipy_stats.py (try first).
"""

from __future__ import annotations

import numpy as np

# Exercise 1 (note 000 ML_1, scipy.stats distributions 分布; a number answers it): the probability of AT LEAST 8
# heads in 10 tosses of a fair coin, from stats.binom(n=10, p=0.5) as in the lesson. Mind what cdf(k) means
# for a discrete distribution. Four decimals or more.
P_AT_LEAST_8_HEADS = None


def welch_test(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Exercise 2 (note 000 ML_1, Welch's t-test t检验; a few lines): the Welch t statistic and its two-sided
    p-value, by hand, as the tuple (t, p). The lesson's welch_t gives t. The p-value comes from Student's t
    distribution with the Welch-Satterthwaite degrees of freedom
        df = (va + vb)^2 / (va^2 / (na - 1) + vb^2 / (nb - 1)),  where va = a.var(ddof=1) / na, vb likewise,
    as the probability of a t at least |t| away from 0 on either side (stats.t.sf helps). It must agree with
    stats.ttest_ind(a, b, equal_var=False).
    """
    raise NotImplementedError


def samples_for_power(shift: float, power: float = 0.8, alpha: float = 0.05) -> int:
    """Exercise 3 (note 000 ML_1, the power of a test 检验功效; goes further): the smallest number of values per
    group with which the two-sided two-sample t-test (unit spread in each group) finds a true difference of
    means `shift` with probability at least `power` at level alpha. Use the lesson's theoretical_power
    formula (copy it: the noncentral t distribution stats.nct) and search over n.
    """
    raise NotImplementedError
