"""Teaching-correctness tests for basics/: each checks something a lesson claims and could get wrong."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")  # tests draw off-screen, as the lessons do without --show

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from conftest import REPO, load_lesson  # noqa: E402

scipy_lesson = load_lesson(REPO / "basics/02_scipy.py")
mpl_lesson = load_lesson(REPO / "basics/03_matplotlib.py")
pandas_lesson = load_lesson(REPO / "basics/04_pandas.py")


# --- 02_scipy ----------------------------------------------------------------------------------


def test_sparse_product_equals_dense_product_and_saves_memory():
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
    assert np.all(np.abs(params - true) < 0.05), params
    # the reported standard errors are honest: the truth lies within a few of them
    assert np.all(np.abs(params - true) < 4 * errors), (params, errors)


def test_root_solves_cos_x_equals_x():
    root = scipy_lesson.find_roots()
    assert abs(np.cos(root) - root) < 1e-10


def test_welch_t_by_hand_matches_scipy():
    from scipy import stats

    rng = np.random.default_rng(4)
    a, b = rng.normal(0, 1, 25), rng.normal(0.5, 2, 40)
    expected = stats.ttest_ind(a, b, equal_var=False).statistic
    assert scipy_lesson.welch_t(a, b) == pytest.approx(expected, rel=1e-12)


def test_t_test_false_alarms_near_alpha_and_finds_a_real_shift():
    rng = np.random.default_rng(5)
    # 2000 experiments: the false-alarm rate has a standard error of ~0.005 around 0.05
    assert 0.03 < scipy_lesson.rejection_rate(30, 0.0, 2000, rng) < 0.07
    assert scipy_lesson.rejection_rate(30, 1.0, 2000, rng) > 0.9


# --- 03_matplotlib -----------------------------------------------------------------------------


def test_surface_figure_has_a_real_3d_axes():
    fig, ax = mpl_lesson.surface_3d(12, "viridis")
    try:
        assert ax.name == "3d"
        assert hasattr(ax, "get_zlim")
        assert any(type(c).__name__ == "Poly3DCollection" for c in ax.collections), "no surface drawn"
    finally:
        plt.close(fig)


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


def test_line_plot_has_labels_and_a_legend():
    fig, ax = mpl_lesson.line_plot()
    try:
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
        legend = ax.get_legend()
        assert legend is not None
        assert [t.get_text() for t in legend.get_texts()] == [line.get_label() for line in ax.get_lines()
                                                             if not line.get_label().startswith("_")]
    finally:
        plt.close(fig)


def test_matplotlib_lesson_saves_the_expected_pngs(tmp_path):
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


# --- 04_pandas ---------------------------------------------------------------------------------


def test_text_columns_are_str_and_select_dtypes_finds_them():
    people = pandas_lesson.people_table()
    assert people["name"].dtype == "str"
    assert people.select_dtypes(include="str").columns.tolist() == ["name", "city"]
    assert people.select_dtypes(include="number").columns.tolist() == ["age", "height_cm"]


def test_change_values_writes_through_loc_and_leaves_the_input_alone():
    people = pandas_lesson.people_table()
    changed = pandas_lesson.change_values(people)
    assert changed.loc[changed["name"] == "Bo", "age"].item() == 20
    assert people.loc[people["name"] == "Bo", "age"].item() == 19
    np.testing.assert_allclose(changed["height_m"], people["height_cm"] / 100)


def test_left_merge_keeps_unmatched_rows_as_missing():
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


def test_csv_round_trip_is_exact(tmp_path):
    iris = pandas_lesson.iris_frame()
    path = tmp_path / "iris.csv"
    assert pandas_lesson.csv_round_trip(iris, path) == 0.0
    back = pd.read_csv(path)
    assert back.shape == iris.shape and back["species"].dtype == "str"
