"""Teaching-correctness tests for basics/: each checks something a lesson claims and could get wrong.

Every number a basics docstring promises ("Expect: ...") is asserted here with its tolerance; the
default-run tests call a lesson's main() at its default flags, which takes a second or two.
"""

from __future__ import annotations

import json
import math

import matplotlib

matplotlib.use("Agg")  # tests draw off-screen, as the lessons do without --show

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from conftest import REPO, load_lesson  # noqa: E402
from measured import measured  # noqa: E402
from scipy import stats  # noqa: E402

numpy_lesson = load_lesson(REPO / "basics/01_numpy.py")
scipy_lesson = load_lesson(REPO / "basics/02_scipy_sparse_and_optimize.py")
stats_lesson = load_lesson(REPO / "basics/03_scipy_stats.py")
mpl_lesson = load_lesson(REPO / "basics/04_matplotlib.py")
pandas_lesson = load_lesson(REPO / "basics/05_pandas.py")
ALL_LESSONS = [numpy_lesson, scipy_lesson, stats_lesson, mpl_lesson, pandas_lesson]


def default_run(lesson, tmp_path) -> dict:
    """The lesson's metrics at its default flags (what a learner's plain run prints). Seed 0 is pinned: the
    "Expect:" sentences are seed 0's, so benchmarks/spread.py varies threads and code paths here, not seeds."""
    return lesson.main(["--device", "cpu", "--seed", "0", "--out", str(tmp_path / "out")])["metrics"]


@pytest.mark.parametrize("lesson", ALL_LESSONS, ids=lambda m: m.__name__.removeprefix("lesson_"))
def test_banner_says_the_work_runs_on_the_cpu(lesson, tmp_path, capsys):
    """Guards the banner: NumPy/SciPy/Matplotlib/pandas compute on the CPU whatever --device says,
    so even --device cuda (on a machine without CUDA too) runs and reports cpu, with the reason."""
    record = lesson.main(["--quick", "--device", "cuda", "--out", str(tmp_path / "out")])
    assert record["device"] == "cpu"
    banner = capsys.readouterr().out.splitlines()[0]
    assert "device cpu (" in banner and "on the CPU" in banner and "--device cuda has no effect" in banner, banner


# --- 01_numpy ----------------------------------------------------------------------------------


def test_vectorised_sum_of_squares_is_over_10x_faster(capsys):
    # guards the docstring's "over 10x faster" at the default size: an order of magnitude with a wide margin,
    # since load and the processor move the ratio (measured 48x to 240x on different machines)
    loop_s, vector_s = numpy_lesson.loop_vs_vectorised(1_000_000)
    assert loop_s / vector_s > 10, (loop_s, vector_s)


@pytest.mark.parametrize("seed", range(5))
def test_linear_solve_residual_is_at_rounding_level(seed, capsys):
    # guards "Expect: the linear-system residual is at float64 rounding level, below 1e-14"
    assert numpy_lesson.linear_algebra(seed) < 1e-14


def test_solve_is_more_accurate_than_the_inverse():
    # guards the comment "better than inv(a) @ b: ... more accurate", on an ill-conditioned matrix
    from scipy.linalg import hilbert

    a = hilbert(10)                       # condition number ~1e13
    b = a @ np.ones(10)
    via_solve = np.abs(a @ np.linalg.solve(a, b) - b).max()
    via_inverse = np.abs(a @ (np.linalg.inv(a) @ b) - b).max()
    assert via_solve * 1000 < via_inverse, (via_solve, via_inverse)


def test_views_and_copies_are_as_printed(capsys):
    # guards the printed "a slice is a view" and "boolean mask / fancy indexing copies"
    a = numpy_lesson.indexing_and_views()
    assert a[0, 0] == 100, "writing into the row slice must change a"
    assert np.shares_memory(a, a[1]) and np.shares_memory(a, a[:, 2])
    assert not np.shares_memory(a, a[a % 2 == 0]) and not np.shares_memory(a, a[[0, 2], 1:3])


# --- 02_scipy_sparse_and_optimize --------------------------------------------------------------


def test_sparse_product_equals_dense_product_and_saves_memory(capsys):
    result = scipy_lesson.sparse_vs_dense(300, 0.01, np.random.default_rng(1))
    assert result["product_error"] < 1e-12
    # CSR stores ~900 values + 900 column indices + 301 row pointers against 90,000 dense values
    assert result["sparse_bytes"] * 20 < result["dense_bytes"]


def test_from_coordinates_sums_repeated_entries():
    rows, cols, values = [0, 2, 0, 1, 2], [1, 0, 1, 1, 0], [1.0, 2.0, 3.0, 4.0, 5.0]
    expected = np.zeros((3, 2))
    np.add.at(expected, (rows, cols), values)
    built = scipy_lesson.from_coordinates(rows, cols, values, (3, 2))
    assert built.format == "csr"
    np.testing.assert_array_equal(built.toarray(), expected)


@pytest.mark.parametrize("method", list(scipy_lesson.METHODS))
def test_every_optimizer_finds_the_rosenbrock_minimum(method):
    result, path = scipy_lesson.minimize_rosenbrock((-1.2, 1.0), method)
    assert result.success, result.message
    np.testing.assert_allclose(result.x, [1.0, 1.0], atol=1e-4)
    # the recorded path starts where we asked and ends where the optimizer stopped
    np.testing.assert_array_equal(path[0], [-1.2, 1.0])
    np.testing.assert_allclose(path[-1], result.x, atol=1e-6)


def test_the_gradient_saves_function_evaluations():
    bfgs, _ = scipy_lesson.minimize_rosenbrock((-1.2, 1.0), "BFGS")
    simplex, _ = scipy_lesson.minimize_rosenbrock((-1.2, 1.0), "Nelder-Mead")
    assert bfgs.nfev * 2 < simplex.nfev


def test_curve_fit_recovers_the_true_parameters():
    t, y = scipy_lesson.noisy_decay(200, 0.05, np.random.default_rng(3))
    params, errors = scipy_lesson.fit_decay(t, y)
    true = np.array(scipy_lesson.TRUE_DECAY)
    measured("curve_fit: largest |parameter - truth|", np.abs(params - true).max(), 0, 0.05)
    # the reported standard errors are honest: the truth lies within a few of them
    measured("curve_fit: largest |parameter - truth| in standard errors", (np.abs(params - true) / errors).max(), 0, 4)


def test_root_solves_cos_x_equals_x(capsys):
    root = scipy_lesson.find_roots()
    assert abs(np.cos(root) - root) < 1e-10


def test_sparse_and_optimize_default_run_keeps_its_promises(tmp_path):
    """Guards every number in 02's "Expect:" at the default flags."""
    m = default_run(scipy_lesson, tmp_path)
    # "CSR needs ~1/570 of the dense memory" (+-10) "and the product agrees to ~1e-15" (below 1e-14)
    assert m["sparse_memory_ratio"] == pytest.approx(570, abs=10)
    measured("sparse @ dense vs dense @ dense, max error", m["sparse_product_max_error"], 0, 1e-14)
    # "every method reaches the minimum (1, 1)"
    for method in scipy_lesson.METHODS:
        measured(f"{method}: distance to (1, 1)", m[f"{scipy_lesson.metric_name(method)}_distance_to_minimum"], 0, 1e-4)
    # "BFGS ... in ~40 function evaluations against ~220 for Nelder-Mead and ~800 for Powell" (+-15%)
    measured("BFGS function evaluations", m["bfgs_function_evaluations"], 34, 46)
    measured("Nelder-Mead function evaluations", m["nelder_mead_function_evaluations"], 187, 253)
    measured("Powell function evaluations", m["powell_function_evaluations"], 680, 920)
    # "curve_fit recovers a=2.5, k=1.3, c=0.5 within two standard errors, which are 0.05-0.15"
    for name, true in zip("akc", scipy_lesson.TRUE_DECAY):
        error = m[f"fit_{name}_standard_error"]
        measured(f"curve_fit: standard error of {name}", error, 0.05, 0.15)
        measured(f"curve_fit: |{name} - truth| in standard errors", abs(m[f"fit_{name}"] - true) / error, 0, 2)
    # "cos(x) = x at x = 0.7390851332"
    assert m["root_cos_x_equals_x"] == pytest.approx(0.7390851332, abs=1e-10)


# --- 03_scipy_stats ----------------------------------------------------------------------------


def test_distribution_values_match_their_closed_forms(capsys):
    # guards "pdf(0) = 0.3989, cdf(1.96) = 0.9750, ppf(0.975) = 1.9600; ... 5 heads with probability 0.2461"
    values = stats_lesson.distributions()
    assert values["normal_pdf_0"] == pytest.approx(1 / math.sqrt(2 * math.pi), rel=1e-12)
    assert values["normal_pdf_0"] == pytest.approx(0.3989, abs=5e-5)
    assert values["normal_cdf_1.96"] == pytest.approx(0.5 * (1 + math.erf(1.96 / math.sqrt(2))), rel=1e-12)
    assert values["normal_cdf_1.96"] == pytest.approx(0.9750, abs=5e-5)
    assert values["normal_ppf_0.975"] == pytest.approx(1.9600, abs=5e-5)
    assert values["binomial_pmf_5"] == pytest.approx(math.comb(10, 5) / 2**10, rel=1e-12)   # 252/1024
    assert values["binomial_pmf_5"] == pytest.approx(0.2461, abs=5e-5)
    assert values["binomial_cdf_2"] == pytest.approx((1 + 10 + 45) / 2**10, rel=1e-12)


def test_welch_t_by_hand_matches_scipy():
    rng = np.random.default_rng(4)
    a, b = rng.normal(0, 1, 25), rng.normal(0.5, 2, 40)
    expected = stats.ttest_ind(a, b, equal_var=False).statistic
    assert stats_lesson.welch_t(a, b) == pytest.approx(expected, rel=1e-12)


def test_t_test_false_alarms_near_alpha_and_finds_a_real_shift():
    rng = np.random.default_rng(5)
    # 2000 experiments: the false-alarm rate has a standard error of ~0.005 around 0.05
    assert 0.03 < stats_lesson.rejection_rate(30, 0.0, 2000, rng) < 0.07
    assert stats_lesson.rejection_rate(30, 1.0, 2000, rng) > 0.9


def test_simulated_power_agrees_with_the_noncentral_t_theory():
    # guards "(theory: 97.7%)" and the printed comparison of simulated and theoretical power
    assert stats_lesson.theoretical_power(50, 0.8) == pytest.approx(0.977, abs=0.0005)
    assert stats_lesson.theoretical_power(50, 0.0) == pytest.approx(stats_lesson.ALPHA, abs=1e-9)
    rng = np.random.default_rng(6)
    for n, shift in ((50, 0.8), (20, 0.5)):
        simulated = stats_lesson.rejection_rate(n, shift, 4000, rng)
        # 4000 experiments: standard error <= 0.008; allow about 3 of them
        assert simulated == pytest.approx(stats_lesson.theoretical_power(n, shift), abs=0.025), (n, shift)


def test_p_values_without_a_shift_are_uniform():
    # guards "with no shift ... the p-values spread evenly over [0, 1]"
    pvalues = stats_lesson.repeated_pvalues(30, 0.0, 4000, np.random.default_rng(7))
    assert stats.kstest(pvalues, "uniform").pvalue > 0.001
    counts, _ = np.histogram(pvalues, bins=10, range=(0, 1))
    assert counts.min() > 0.8 * 400 and counts.max() < 1.2 * 400, counts


def test_stats_default_run_keeps_its_promises(tmp_path):
    """Guards every number in 03's "Expect:" at the default flags."""
    m = default_run(stats_lesson, tmp_path)
    # "seed 0: t = -3.63, p = 0.0005, a hit"
    measured("t statistic, seed 0", m["t_statistic"], -3.635, -3.625)
    measured("p value, seed 0", m["p_value"], 0.00045, 0.00055)
    # "finds the 0.8 shift ~98% of the time (theory: 97.7%)"
    measured("t-test power, simulated", m["t_test_power"], 0.97, 0.99)
    assert m["t_test_theoretical_power"] == pytest.approx(0.977, abs=0.0005)
    # "a false alarm ~5% of the time (3.9% at seed 0; ... wobbles by about one point)"
    assert f"{m['t_test_false_alarm_rate']:.1%}" == "3.9%"                  # as the lesson prints it
    measured("false-alarm rate minus alpha", m["t_test_false_alarm_rate"] - stats_lesson.ALPHA, -0.015, 0.015)
    # "the p-values spread evenly over [0, 1]": a KS test does not reject uniformity
    assert m["null_pvalues_uniform_ks_p"] > 0.05


# --- 04_matplotlib -----------------------------------------------------------------------------


def test_surface_figure_has_a_real_3d_axes():
    fig, ax = mpl_lesson.surface_3d(12, "viridis")
    try:
        assert ax.name == "3d"
        assert hasattr(ax, "get_zlim")
        assert any(type(c).__name__ == "Poly3DCollection" for c in ax.collections), "no surface drawn"
    finally:
        plt.close(fig)


def test_surface_extremes_are_as_the_docstring_says():
    # guards "the contour plot marks the highest z = 1.00 and the lowest z = -0.79" (default --grid 80)
    _, _, z = mpl_lesson.surface_grid(80)
    assert z.max() == pytest.approx(1.00, abs=0.005)
    assert z.min() == pytest.approx(-0.79, abs=0.005)


def test_scatter_colours_come_from_the_data_and_have_a_colorbar():
    fig, ax = mpl_lesson.scatter_plot(50, np.random.default_rng(0), "plasma")
    try:
        dots = ax.collections[0]
        x, y = dots.get_offsets().T
        np.testing.assert_allclose(dots.get_array(), np.hypot(x, y))
        assert dots.get_cmap().name == "plasma"
        assert len(fig.axes) == 2, "the figure should hold the plot and its colorbar"
    finally:
        plt.close(fig)


def test_line_plot_has_labels_and_a_legend_for_three_curves():
    # guards the printed "line plot: three curves, a legend to tell them apart"
    fig, ax = mpl_lesson.line_plot()
    try:
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
        legend = ax.get_legend()
        assert legend is not None
        labelled = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
        assert len(labelled) == 3
        assert [t.get_text() for t in legend.get_texts()] == labelled
    finally:
        plt.close(fig)


def test_matplotlib_lesson_saves_the_expected_pngs(tmp_path):
    # guards "Expect: five PNG files"
    out = tmp_path / "out"
    record = mpl_lesson.main(["--quick", "--device", "cpu", "--out", str(out)])
    expected = {"line_plot.png", "scatter.png", "subplots.png", "surface_3d.png", "contour.png"}
    assert {p.name for p in out.glob("*.png")} == expected
    assert record["metrics"]["figures_saved"] == len(expected)
    for name in expected:
        image = plt.imread(out / name)                 # (height, width, 4) floats in [0, 1]
        assert image.shape[0] > 200 and image.shape[1] > 200
        assert image[..., :3].std() > 0.05, f"{name} looks blank"
    assert json.loads((out / "metrics.json").read_text()) == record


def test_matplotlib_lesson_rejects_an_unknown_colour_map(tmp_path):
    with pytest.raises(SystemExit) as err:
        mpl_lesson.main(["--quick", "--device", "cpu", "--out", str(tmp_path), "--cmap", "no-such-map"])
    assert err.value.code == 2


# --- 05_pandas ---------------------------------------------------------------------------------


def test_text_columns_are_str_and_select_dtypes_finds_them():
    people = pandas_lesson.people_table()
    assert people["name"].dtype == "str"
    assert people.select_dtypes(include="str").columns.tolist() == ["name", "city"]
    assert people.select_dtypes(include="number").columns.tolist() == ["age", "height_cm"]


def test_mean_of_a_str_column_raises():
    # guards the comment "mean() of a `str` column raises a TypeError" (why groupby().mean() needs numbers)
    with pytest.raises(TypeError):
        pandas_lesson.people_table().groupby("city").mean()


def test_change_values_writes_through_loc_and_leaves_the_input_alone(capsys):
    people = pandas_lesson.people_table()
    changed = pandas_lesson.change_values(people)
    assert changed.loc[changed["name"] == "Bo", "age"].item() == 20
    assert people.loc[people["name"] == "Bo", "age"].item() == 19
    np.testing.assert_allclose(changed["height_m"], people["height_cm"] / 100)


def test_left_merge_keeps_unmatched_rows_as_missing(capsys):
    people = pandas_lesson.people_table()
    merged = pandas_lesson.merge_with_countries(people)
    assert len(merged) == len(people)
    assert merged.loc[merged["city"] == "Lima", "country"].isna().all()
    assert merged.loc[merged["city"] != "Lima", "country"].notna().all()


def test_add_missing_blanks_only_numbers_at_about_the_asked_rate():
    iris = pandas_lesson.iris_frame()
    damaged = pandas_lesson.add_missing(iris, 0.2, np.random.default_rng(0))
    assert damaged["species"].notna().all()
    rate = damaged.select_dtypes(include="number").isna().to_numpy().mean()
    assert 0.15 < rate < 0.25
    # what is left is untouched
    kept = damaged.notna()
    assert (damaged[kept] == iris[kept]).sum().sum() == kept.sum().sum()


def test_fillna_fills_with_the_column_mean_and_leaves_no_nan():
    frame = pd.DataFrame({
        "a": [1.0, np.nan, 3.0, np.nan],
        "b": [np.nan, 10.0, 20.0, 60.0],
        "label": ["x", "y", "x", "y"],
    })
    filled = pandas_lesson.fill_with_column_means(frame)
    assert not filled.isna().any().any()
    assert filled["a"].tolist() == [1.0, 2.0, 3.0, 2.0]
    assert filled["b"].tolist() == [30.0, 10.0, 20.0, 60.0]
    assert filled["label"].tolist() == frame["label"].tolist()
    assert frame["a"].isna().sum() == 2, "the input frame must not be changed"


def test_group_means_fill_better_than_column_means_on_iris():
    iris = pandas_lesson.iris_frame()
    damaged = pandas_lesson.add_missing(iris, 0.1, np.random.default_rng(1))
    by_species = pandas_lesson.fill_with_group_means(damaged, "species")
    assert not by_species.isna().any().any()
    # each filled cell holds its own species' mean of the values that survived
    row = damaged["petal_length"].isna().idxmax()
    species = damaged.loc[row, "species"]
    expected = damaged.loc[damaged["species"] == species, "petal_length"].mean()
    assert by_species.loc[row, "petal_length"] == pytest.approx(expected)
    column_error = pandas_lesson.fill_error(iris, damaged, pandas_lesson.fill_with_column_means(damaged))
    species_error = pandas_lesson.fill_error(iris, damaged, by_species)
    assert species_error < 0.6 * column_error


def test_group_means_win_by_about_three_times_over_many_draws():
    # guards "about three times as well": over seeds 0-9 the ratio stays in (2, 4) and averages 3 +- 0.5
    iris = pandas_lesson.iris_frame()
    ratios = []
    for seed in range(10):
        damaged = pandas_lesson.add_missing(iris, 0.1, np.random.default_rng(seed))
        column_error = pandas_lesson.fill_error(iris, damaged, pandas_lesson.fill_with_column_means(damaged))
        species_error = pandas_lesson.fill_error(iris, damaged, pandas_lesson.fill_with_group_means(damaged, "species"))
        ratios.append(column_error / species_error)
    assert 2 < min(ratios) and max(ratios) < 4, ratios
    assert np.mean(ratios) == pytest.approx(3, abs=0.5), ratios


def test_species_differ_most_in_petal_size():
    # guards "the three iris species differ most in petal size": the petal columns have the widest
    # spread of species means
    means = pandas_lesson.iris_frame().groupby("species").mean()
    spread = (means.max() - means.min()).sort_values(ascending=False)
    assert set(spread.index[:2]) == {"petal_length", "petal_width"}, spread


def test_csv_round_trip_is_exact(tmp_path, capsys):
    iris = pandas_lesson.iris_frame()
    path = tmp_path / "iris.csv"
    assert pandas_lesson.csv_round_trip(iris, path) == 0.0
    back = pd.read_csv(path)
    assert back.shape == iris.shape and back["species"].dtype == "str"


def test_pandas_default_run_keeps_its_promises(tmp_path):
    """Guards every number in 05's "Expect:" at the default flags (--missing 0.1, seed 0)."""
    m = default_run(pandas_lesson, tmp_path)
    # "setosa's petals are ~1.5 cm long, virginica's ~5.5 cm" (+-0.1 cm)
    assert m["setosa_petal_length_mean"] == pytest.approx(1.5, abs=0.1)
    assert m["virginica_petal_length_mean"] == pytest.approx(5.5, abs=0.1)
    # "about 60 of the 600 measurements go missing (54 at seed 0)"
    assert m["missing_values"] == 54 and abs(m["missing_values"] - 60) < 15
    # "dropna keeps only 104 of the 150 rows (~70%) while fillna keeps all of them"
    assert m["rows_after_dropna"] == 104 and m["rows_after_dropna"] / 150 == pytest.approx(0.70, abs=0.02)
    assert m["rows_after_fillna"] == 150 and m["missing_after_fillna"] == 0
    # "about three times as well ... (mean error 0.23 cm against 0.76 cm)"
    measured("fill error, species means (cm)", m["fill_error_species_mean"], 0.225, 0.235)
    measured("fill error, column means (cm)", m["fill_error_column_mean"], 0.755, 0.765)
    measured("column / species fill error", m["fill_error_column_mean"] / m["fill_error_species_mean"], 2.5, 3.5)
    # "the CSV reads back identical"
    assert m["csv_round_trip_max_difference"] == 0.0
