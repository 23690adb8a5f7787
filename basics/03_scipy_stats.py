"""basics/03_scipy_stats.py: scipy.stats: distributions, describing a sample, and what a t-test's p-value means.

You will learn to ask a distribution (分布) for its pdf, cdf and ppf (the inverse of the cdf) and a
discrete one for its pmf, to summarise a sample with stats.describe, to compare two groups with
Welch's t-test (t检验), computing its statistic by hand too, and to read the p-value: repeating the
experiment many times shows how often the test finds a real difference (its power, 检验功效) and how
often it raises a false alarm when there is none (about alpha, by design).

Notes: 000 ML_1 (the basic libraries: NumPy, SciPy, Matplotlib, pandas; after "Introduction to
Machine Learning with Python", chapter 1).
Run:    python basics/03_scipy_stats.py [--samples 50] [--shift 0.8] [--repeats 2000] [--seed 0]
Prints: standard normal and binomial values, a description of one sample, one Welch t-test, and how
often the test rejects over many repeated experiments.
Saves:  outputs/basics/03_scipy_stats/{metrics.json, stats.png}
Expect: pdf(0) = 0.3989, cdf(1.96) = 0.9750, ppf(0.975) = 1.9600; 10 fair coins give 5 heads with
probability 0.2461. One t-test's p-value depends on the draw (seed 0: t = -3.63, p = 0.0005, a hit).
Repeated 2000 times with 50 per group, the test finds the 0.8 shift ~98% of the time (theory: 97.7%)
and raises a false alarm ~5% of the time when there is no shift (3.9% at seed 0; over 2000
experiments the rate wobbles by about one point), and then the p-values spread evenly over [0, 1].
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

import lessonkit as lk

ALPHA = 0.05                          # reject "the means are equal" when p < ALPHA


def distributions() -> dict[str, float]:
    normal = stats.norm(loc=0.0, scale=1.0)      # a "frozen" distribution: parameters fixed once
    coin = stats.binom(n=10, p=0.5)              # heads in 10 tosses of a fair coin
    values = {
        "normal_pdf_0": float(normal.pdf(0.0)),
        "normal_cdf_1.96": float(normal.cdf(1.96)),
        "normal_ppf_0.975": float(normal.ppf(0.975)),
        "binomial_pmf_5": float(coin.pmf(5)),
        "binomial_cdf_2": float(coin.cdf(2)),
    }
    print("\n--- the standard normal distribution")
    print(f"pdf(0) = {values['normal_pdf_0']:.4f}   (height of the bell curve at its centre)")
    print(f"cdf(1.96) = {values['normal_cdf_1.96']:.4f}   (probability of a value below 1.96)")
    print(f"ppf(0.975) = {values['normal_ppf_0.975']:.4f}   (the inverse of cdf: the 97.5% quantile)")
    print(f"binomial(10, 0.5): P(5 heads) = {values['binomial_pmf_5']:.4f}, "
          f"P(at most 2) = {values['binomial_cdf_2']:.4f}")
    return values


def welch_t(a: np.ndarray, b: np.ndarray) -> float:
    """The Welch t statistic by hand: difference of means over its standard error."""
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))   # ddof=1: sample variance
    return float((a.mean() - b.mean()) / se)


def t_test(n: int, shift: float, rng: np.random.Generator):
    a = rng.normal(5.0, 1.0, size=n)
    b = rng.normal(5.0 + shift, 1.0, size=n)
    description = stats.describe(a)               # its variance is the sample variance (ddof=1)
    print(f"\n--- stats.describe(group a): n={description.nobs}, mean={description.mean:.3f}, "
          f"variance={description.variance:.3f}, skewness={description.skewness:.3f}")
    # equal_var=False is Welch's test: it does not assume both groups have the same spread.
    result = stats.ttest_ind(a, b, equal_var=False)
    print(f"Welch t-test, a (mean {a.mean():.3f}) vs b (mean {b.mean():.3f}), true means differ by {shift}: "
          f"t = {result.statistic:.3f} (by hand {welch_t(a, b):.3f}), p = {result.pvalue:.2e}")
    print("p is the probability, if the true means were equal, of a t at least this far from 0 (either sign).")
    return a, b, result


def repeated_pvalues(n: int, shift: float, repeats: int, rng: np.random.Generator) -> np.ndarray:
    """Run the experiment `repeats` times at once; one p-value per experiment, shape (repeats,)."""
    a = rng.normal(5.0, 1.0, size=(repeats, n))            # (repeats, n): one experiment per row
    b = rng.normal(5.0 + shift, 1.0, size=(repeats, n))
    return stats.ttest_ind(a, b, axis=1, equal_var=False).pvalue


def rejection_rate(n: int, shift: float, repeats: int, rng: np.random.Generator, alpha: float = ALPHA) -> float:
    """The fraction of `repeats` experiments whose p-value is below alpha."""
    return float((repeated_pvalues(n, shift, repeats, rng) < alpha).mean())


def theoretical_power(n: int, shift: float, alpha: float = ALPHA) -> float:
    """Power of the two-sided two-sample t-test with n per group and unit spread (noncentral t)."""
    df = 2 * n - 2
    noncentrality = shift / np.sqrt(2.0 / n)
    critical = stats.t.ppf(1 - alpha / 2, df)
    return float(stats.nct.sf(critical, df, noncentrality) + stats.nct.cdf(-critical, df, noncentrality))


def repeated_experiments(n: int, shift: float, repeats: int, rng: np.random.Generator):
    # One p-value comes from one random sample, so it varies from seed to seed. Repeating the
    # experiment shows what the test does on average.
    with_shift = repeated_pvalues(n, shift, repeats, rng)
    no_shift = repeated_pvalues(n, 0.0, repeats, rng)
    power, false_alarms = float((with_shift < ALPHA).mean()), float((no_shift < ALPHA).mean())
    print(f"\n--- over {repeats} repeated experiments, p < {ALPHA} in {power:.1%} with a shift of {shift} "
          f"(theory {theoretical_power(n, shift):.1%}) and in {false_alarms:.1%} with no shift")
    # With no shift every p-value is equally likely, so p < 0.05 happens 5% of the time: alpha is
    # the false-alarm rate we chose. A Kolmogorov-Smirnov test checks that they are uniform.
    uniform = stats.kstest(no_shift, "uniform")
    print(f"with no shift the p-values look uniform on [0, 1]: KS test p = {uniform.pvalue:.2f}")
    return with_shift, no_shift


def plot_stats(a, b, test, with_shift, no_shift, shift, path, show_window: bool) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    ax = axes[0]
    normal = stats.norm()
    xs = np.linspace(-4, 4, 400)
    ax.plot(xs, normal.pdf(xs), label="pdf")
    ax.plot(xs, normal.cdf(xs), label="cdf")
    lo, hi = normal.ppf([0.025, 0.975])
    inside = (xs >= lo) & (xs <= hi)
    ax.fill_between(xs[inside], normal.pdf(xs[inside]), alpha=0.3, label=f"95% between ppf: [{lo:.2f}, {hi:.2f}]")
    ax.set(xlabel="x", title="standard normal: pdf, cdf, ppf")
    ax.legend()

    ax = axes[1]
    bins = np.linspace(min(a.min(), b.min()), max(a.max(), b.max()), 20)
    for name, values in (("a", a), ("b", b)):
        ax.hist(values, bins=bins, alpha=0.5, label=f"group {name}, mean {values.mean():.2f}")
    ax.set(xlabel="value", ylabel="count", title=f"Welch t-test: t = {test.statistic:.2f}, p = {test.pvalue:.1e}")
    ax.legend()

    ax = axes[2]
    bins = np.linspace(0, 1, 21)                  # 20 bins of width 0.05: the first is p < alpha
    ax.hist(no_shift, bins=bins, alpha=0.6, label="no shift: flat")
    ax.hist(with_shift, bins=bins, alpha=0.6, label=f"shift {shift}: piled up near 0")
    ax.axvline(ALPHA, color="k", linestyle="--", linewidth=1, label=f"alpha = {ALPHA}")
    ax.set(xlabel="p-value", ylabel="experiments", title=f"p-values of {len(no_shift)} repeated experiments",
           yscale="log")
    ax.legend()
    fig.tight_layout()
    lk.save_figure(fig, path, show=show_window)


def main(argv=None):
    parser = lk.make_parser(__doc__)
    parser.add_argument("--samples", type=lk.positive_int, default=50,
                        help="values per group in each t-test (default: 50)")
    parser.add_argument("--shift", type=float, default=0.8,
                        help="true difference of the two groups' means in the t-test (default: 0.8)")
    parser.add_argument("--repeats", type=lk.positive_int, default=2000,
                        help="how many times the experiment is repeated (default: 2000)")
    args = parser.parse_args(argv)
    if args.samples < 2:
        parser.error("--samples must be at least 2 (a variance needs two values)")
    if not np.isfinite(args.shift):
        parser.error("--shift must be a finite number")
    run = lk.start_run(__file__, args, cpu_only="SciPy computes on the CPU")
    rng = np.random.default_rng(args.seed)
    repeats = min(args.repeats, 200) if args.quick else args.repeats

    values = distributions()
    a, b, test = t_test(args.samples, args.shift, rng)
    with_shift, no_shift = repeated_experiments(args.samples, args.shift, repeats, rng)
    plot_stats(a, b, test, with_shift, no_shift, args.shift, run.out / "stats.png", args.show)

    return run.finish({
        **values,
        "t_statistic": float(test.statistic),
        "p_value": float(test.pvalue),
        "t_test_power": float((with_shift < ALPHA).mean()),
        "t_test_theoretical_power": theoretical_power(args.samples, args.shift),
        "t_test_false_alarm_rate": float((no_shift < ALPHA).mean()),
        "null_pvalues_uniform_ks_p": float(stats.kstest(no_shift, "uniform").pvalue),
    })


if __name__ == "__main__":
    main()
