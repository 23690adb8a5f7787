"""Worked solutions for exercises/basics/04_matplotlib.py, with a paragraph each. Check them with
    python -m lessonkit.check basics/04 --solutions
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

# Exercise 1. (3,): plt.subplots squeezes away grid dimensions of length 1 by default, so one row of three is a
# 1-D array of Axes, one column of three also (3,), a 2 x 3 grid (2, 3), and 1 x 1 a single Axes, no array.
# Code that loops over a grid whose size comes from the user (the kNN lesson draws as many panels as there are
# k values, maybe one) passes squeeze=False and always gets a 2-D array, so axes[0] is always a row.
AXES_SHAPE_1_BY_3 = (3,)


def labelled_lines(x: np.ndarray, curves: dict[str, np.ndarray]) -> tuple[Figure, Axes]:
    """Every drawing call is a method of the Axes it draws on; label= is stored on the line, and ax.legend()
    collects the labels of everything on the Axes. Returning (fig, ax) instead of showing keeps the function
    testable: the caller decides to save (fig.savefig, lk.save_figure) or to show."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, y in curves.items():
        ax.plot(x, y, label=name)
    ax.set(xlabel="x", ylabel="y", title="one line per curve")
    ax.legend()
    return fig, ax


def surface_and_contour(func, grid: int) -> Figure:
    """meshgrid gives x and y as (grid, grid) arrays, row i holding y = ys[i], column j x = xs[j]; func
    evaluates the whole mesh at once. The 3-D Axes exists only when asked for at creation
    (projection="3d"). argmax works on the flattened array; unravel_index turns that flat index back into
    (row, column), and the same index into the x and y meshes gives the point's coordinates."""
    x, y = np.meshgrid(np.linspace(-3, 3, grid), np.linspace(-3, 3, grid))
    z = func(x, y)
    fig = plt.figure(figsize=(12, 5))
    ax3d = fig.add_subplot(1, 2, 1, projection="3d")
    ax3d.plot_surface(x, y, z, cmap="viridis", linewidth=0)
    ax3d.set(xlabel="x", ylabel="y", zlabel="z", title="surface")
    ax = fig.add_subplot(1, 2, 2)
    bands = ax.contourf(x, y, z, levels=20, cmap="viridis")
    fig.colorbar(bands, ax=ax, label="z")
    top = np.unravel_index(np.argmax(z), z.shape)
    ax.plot(x[top], y[top], "r*", markersize=14, label=f"highest point, z = {z[top]:.2f}")
    ax.set(xlabel="x", ylabel="y", title="contour, seen from above", aspect="equal")
    ax.legend()
    return fig
