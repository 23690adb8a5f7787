"""Checks for exercises/basics/04_matplotlib.py (run: python -m lessonkit.check basics/04)."""

import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")   # draw into memory: no windows, the same on every machine

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from mpl_toolkits.mplot3d.art3d import Poly3DCollection  # noqa: E402

from lessonkit.check import NotYet, lesson  # noqa: E402

mp = lesson("basics/04_matplotlib.py")


def _saves(fig: Figure) -> None:
    """The figure must draw: save it into a temporary folder."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "figure.png"
        fig.savefig(path, dpi=40)
        if path.stat().st_size == 0:
            raise NotYet("the figure saved as an empty file")


def check_AXES_SHAPE_1_BY_3(answer):
    if answer is None:
        raise NotImplementedError
    fig, axes = plt.subplots(1, 3)
    plt.close(fig)
    if not isinstance(answer, (tuple, list)) or tuple(answer) != axes.shape:
        raise NotYet("try it: print(plt.subplots(1, 3)[1].shape). By default subplots squeezes away axes of "
                     "length 1, so a single row is not two-dimensional (and a 1 x 1 grid is not an array at all)")


def check_labelled_lines(answer):
    x = np.linspace(0, 2, 25)
    curves = {"square": x ** 2, "sine": np.sin(x), "straight": 1 - x}
    got = answer(x, curves)
    if not isinstance(got, tuple) or len(got) != 2 or not isinstance(got[0], Figure) or not isinstance(got[1], Axes):
        raise NotYet("return (fig, ax), as fig, ax = plt.subplots() gives them")
    fig, ax = got
    try:
        lines = {line.get_label(): line for line in ax.get_lines()}
        if set(lines) != set(curves):
            raise NotYet(f"draw one line per curve, each with label=name: the Axes has lines labelled "
                         f"{sorted(lines)}")
        for name, y in curves.items():
            if not (np.allclose(lines[name].get_xdata(), x) and np.allclose(lines[name].get_ydata(), y)):
                raise NotYet(f"the line labelled {name!r} does not show curves[{name!r}] over x")
        legend = ax.get_legend()
        if legend is None or {t.get_text() for t in legend.get_texts()} != set(curves):
            raise NotYet("the labels only appear once you call ax.legend()")
        if ax.get_xlabel() != "x" or ax.get_ylabel() != "y":
            raise NotYet('label the axes: ax.set(xlabel="x", ylabel="y") (or ax.set_xlabel, ax.set_ylabel)')
        if not ax.get_title():
            raise NotYet("give the plot a title (ax.set_title, or title= in ax.set)")
        _saves(fig)
    finally:
        plt.close(fig)


def _tilted(x, y):
    return np.sin(x) * np.cos(0.5 * y) + 0.1 * x


def check_surface_and_contour(answer):
    for func, grid in ((mp.bumps, 31), (_tilted, 20)):
        fig = answer(func, grid)
        if not isinstance(fig, Figure):
            raise NotYet("return the Figure (fig = plt.figure(...), then fig.add_subplot for each Axes)")
        try:
            three_d = [ax for ax in fig.axes if ax.name == "3d"]
            flat = [ax for ax in fig.axes if ax.name != "3d" and any(isinstance(c, ContourSet) for c in ax.collections)]
            if len(three_d) != 1:
                raise NotYet('one Axes must be 3-D: fig.add_subplot(1, 2, 1, projection="3d")')
            if not any(isinstance(c, Poly3DCollection) for c in three_d[0].collections):
                raise NotYet("draw the surface on the 3-D Axes with plot_surface(x, y, z)")
            if len(flat) != 1:
                raise NotYet("the second Axes needs a filled contour plot: ax.contourf(x, y, z)")
            xs, ys = np.meshgrid(np.linspace(-3, 3, grid), np.linspace(-3, 3, grid))
            z = func(xs, ys)
            top = np.unravel_index(np.argmax(z), z.shape)
            peak = np.array([xs[top], ys[top]])
            step = 6 / (grid - 1)
            points = [np.column_stack([line.get_xdata(), line.get_ydata()]) for line in flat[0].get_lines()]
            if not any(len(p) == 1 and np.all(np.abs(p[0] - peak) <= step / 2 + 1e-9) for p in points):
                raise NotYet("mark the highest grid point with one marker on the contour Axes, e.g. "
                             "ax.plot(x_top, y_top, 'r*'): np.argmax(z) gives a flat index, and np.unravel_index "
                             "turns it into (row, column) of the mesh; a mesh row is a y value, a column an x")
            _saves(fig)
        finally:
            plt.close(fig)
