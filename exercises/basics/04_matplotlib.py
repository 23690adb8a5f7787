"""Exercises for basics/04_matplotlib.py. Write your answers in this file, then check them:

    python -m lessonkit.check basics/04

Replace each `raise NotImplementedError` (or None) with your answer; the checker draws with the Agg backend
(no windows) and prints "passed" or "not yet" with a hint. Worked solutions: solutions/basics/04_matplotlib.py
(try first).
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

# Exercise 1 (note 000 ML_1, Matplotlib subplots 子图; a number answers it): fig, axes = plt.subplots(1, 3)
# makes one row of three plots. What is axes.shape? (And why does the decision-region plot of
# classic_ml/01_knn.py pass squeeze=False?) Give the shape as a tuple.
AXES_SHAPE_1_BY_3 = None


def labelled_lines(x: np.ndarray, curves: dict[str, np.ndarray]) -> tuple[Figure, Axes]:
    """Exercise 2 (note 000 ML_1, line plots; a few lines): one Axes with one line per entry of curves (name ->
    y values over x), each line labelled with its name and shown in a legend, the x axis labelled "x", the
    y axis "y", and a title of your choice. Use the object-oriented way of the lesson (fig, ax = plt.subplots())
    and return (fig, ax); do not call plt.show().
    """
    raise NotImplementedError


def surface_and_contour(func, grid: int) -> Figure:
    """Exercise 3 (note 000 ML_1, 3-D surface and contour 等高线图; goes further): one Figure with two Axes side
    by side: on the left a 3-D surface of z = func(x, y) over a grid x grid mesh of [-3, 3] x [-3, 3]
    (np.meshgrid; func works element-wise on arrays, like the lesson's bumps), made the current way with
    fig.add_subplot(1, 2, 1, projection="3d"); on the right a filled contour plot (contourf) of the same z
    with the highest grid point marked by a single marker (one ax.plot call with one point). Return the figure.
    """
    raise NotImplementedError
