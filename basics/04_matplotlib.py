"""basics/04_matplotlib.py: Matplotlib figures: lines, scatter, subplots, a 3-D surface and contours.

You will learn the object-oriented way to draw (make a Figure and its Axes, then call methods on the
Axes), a line plot with axis labels, a title and a legend; a scatter plot whose colour comes from a
colour map (颜色映射) with a colorbar that explains it; a 2 x 2 grid of subplots (子图); a 3-D
surface drawn the current way, `fig.add_subplot(projection="3d")` (old tutorials call
`fig.gca` with a `projection` argument, which Matplotlib removed in 3.6); and a contour plot (等高线图) of the
same function seen from above. Every figure is saved as a PNG.

Notes: 000 ML_1 (the basic libraries: NumPy, SciPy, Matplotlib, pandas; after "Introduction to
Machine Learning with Python", chapter 1).
Run:    python basics/04_matplotlib.py [--points 500] [--grid 80] [--cmap viridis] [--show]
Prints: what each figure shows and where it was saved.
Saves:  outputs/basics/04_matplotlib/{metrics.json, line_plot.png, scatter.png, subplots.png,
        surface_3d.png, contour.png}
Expect: five PNG files (the contour plot marks the highest z = 1.00 and the lowest z = -0.79); with
--show, windows you can zoom (and rotate the 3-D one).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colormaps

import lessonkit as lk

FIGURES = ("line_plot", "scatter", "subplots", "surface_3d", "contour")


def bumps(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A smooth landscape with one hill and one valley, used by the 3-D and contour figures."""
    return np.exp(-((x - 1) ** 2 + (y - 0.5) ** 2)) - 0.8 * np.exp(-((x + 1) ** 2 + (y + 0.5) ** 2) / 0.6)


def line_plot():
    # plt.subplots() returns the Figure (the whole image) and one Axes (a single plot in it).
    fig, ax = plt.subplots(figsize=(7, 4))
    x = np.linspace(-10, 10, 200)
    ax.plot(x, np.sin(x), label="sin(x)")
    ax.plot(x, np.cos(x), "--", label="cos(x)")
    # marker draws the samples themselves: fewer points so the crosses stay readable
    coarse = np.linspace(-10, 10, 40)
    ax.plot(coarse, np.sin(coarse) * np.exp(-np.abs(coarse) / 5), "x-", label="damped sin(x)")
    ax.set(xlabel="x", ylabel="y", title="line plot: labels, title and legend")
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right")
    return fig, ax


def scatter_plot(points: int, rng: np.random.Generator, cmap: str):
    x = rng.normal(size=points)
    y = 0.5 * x + rng.normal(scale=0.7, size=points)
    distance = np.hypot(x, y)                     # the value the colours show
    fig, ax = plt.subplots(figsize=(6, 5))
    # c= gives one number per point, cmap turns numbers into colours, s= is the marker area
    dots = ax.scatter(x, y, c=distance, cmap=cmap, s=15 + 10 * distance, alpha=0.8, edgecolors="none")
    fig.colorbar(dots, ax=ax, label="distance from the origin")   # without it the colours mean nothing
    ax.set(xlabel="x", ylabel="y", title=f"scatter: {points} points coloured with '{cmap}'")
    ax.set_aspect("equal")
    return fig, ax


def subplot_grid(rng: np.random.Generator):
    # A 2 x 2 grid; axes is a (2, 2) NumPy array of Axes (plt.subplots(2, 2, sharex=True) would also
    # make the panels share one x range, useful when they show the same quantity).
    fig, axes = plt.subplots(2, 2, figsize=(9, 7))
    samples = rng.normal(size=1000)
    axes[0, 0].hist(samples, bins=30, color="C0")
    axes[0, 0].set_title("hist: 1000 normal samples")
    labels = ["numpy", "scipy", "matplotlib", "pandas"]
    axes[0, 1].bar(labels, [3, 2, 5, 4], color=["C0", "C1", "C2", "C3"])
    axes[0, 1].set_title("bar: one value per category")
    steps = rng.choice([-1, 1], size=(3, 200)).cumsum(axis=1)     # (3, 200): three random walks
    for i, walk in enumerate(steps):
        axes[1, 0].plot(walk, label=f"walk {i}")
    axes[1, 0].set(title="plot: three random walks", xlabel="step")
    axes[1, 0].legend(fontsize=8)
    image = axes[1, 1].imshow(rng.random((8, 8)), cmap="gray")    # an 8x8 "image" of pixel values
    axes[1, 1].set_title("imshow: an 8x8 array as an image")
    fig.colorbar(image, ax=axes[1, 1])
    fig.suptitle("a grid of subplots: plt.subplots(2, 2)")
    fig.tight_layout()    # move titles and labels so they do not overlap
    return fig, axes


def surface_grid(grid: int):
    """x, y, z on a grid x grid mesh, each of shape (grid, grid)."""
    x, y = np.meshgrid(np.linspace(-3, 3, grid), np.linspace(-3, 3, grid))
    return x, y, bumps(x, y)


def surface_3d(grid: int, cmap: str):
    x, y, z = surface_grid(grid)
    fig = plt.figure(figsize=(8, 6))
    # The current API: ask for a 3-D Axes when adding it. (gca with a projection argument was removed in 3.6.)
    ax = fig.add_subplot(projection="3d")
    surface = ax.plot_surface(x, y, z, cmap=cmap, linewidth=0, antialiased=True)
    # the contour lines projected on the floor link this view to the contour figure
    ax.contour(x, y, z, levels=10, zdir="z", offset=z.min() - 0.3, cmap=cmap)
    ax.set(xlabel="x", ylabel="y", zlabel="z", zlim=(z.min() - 0.3, z.max()))
    ax.set_title("3-D surface: fig.add_subplot(projection='3d')")
    ax.view_init(elev=30, azim=-60)               # the camera: height angle and turn, in degrees
    fig.colorbar(surface, ax=ax, shrink=0.6, pad=0.1, label="z")  # pad: clear of the z labels
    return fig, ax


def contour_plot(grid: int, cmap: str):
    x, y, z = surface_grid(grid)
    fig, ax = plt.subplots(figsize=(7, 6))
    filled = ax.contourf(x, y, z, levels=20, cmap=cmap)              # coloured bands
    lines = ax.contour(x, y, z, levels=10, colors="black", linewidths=0.6)
    ax.clabel(lines, fontsize=7)                                      # the height written on each line
    fig.colorbar(filled, ax=ax, label="z")
    top = np.unravel_index(z.argmax(), z.shape)
    bottom = np.unravel_index(z.argmin(), z.shape)
    ax.plot(x[top], y[top], "w^", ms=10, label=f"highest z = {z[top]:.2f}")
    ax.plot(x[bottom], y[bottom], "wv", ms=10, label=f"lowest z = {z[bottom]:.2f}")
    ax.set(xlabel="x", ylabel="y", title="contour: the same surface seen from above")
    ax.set_aspect("equal")
    ax.legend(loc="upper left")
    return fig, ax


def main(argv=None):
    parser = lk.make_parser(__doc__)
    parser.add_argument("--points", type=lk.positive_int, default=500,
                        help="points in the scatter plot (default: 500)")
    parser.add_argument("--grid", type=lk.positive_int, default=80,
                        help="grid points per side for the surface and contours (default: 80)")
    parser.add_argument("--cmap", default="viridis",
                        help="colour map for scatter, surface and contours, e.g. plasma, coolwarm (default: viridis)")
    args = parser.parse_args(argv)
    if args.cmap not in colormaps:
        parser.error(f"unknown colour map {args.cmap!r}; try one of viridis, plasma, magma, coolwarm, RdBu")
    if args.grid < 3:
        parser.error("--grid must be at least 3 to draw a surface")
    run = lk.start_run(__file__, args, cpu_only="Matplotlib draws on the CPU")
    rng = np.random.default_rng(args.seed)
    points = min(args.points, 200) if args.quick else args.points
    grid = min(args.grid, 30) if args.quick else args.grid

    saved = []
    print("\n--- line plot: three curves, a legend to tell them apart, x markers on the damped one's samples")
    fig, _ = line_plot()
    saved.append(lk.save_figure(fig, run.out / "line_plot.png", show=args.show))

    print(f"\n--- scatter: {points} points, colour = distance from the origin, explained by a colorbar")
    fig, _ = scatter_plot(points, rng, args.cmap)
    saved.append(lk.save_figure(fig, run.out / "scatter.png", show=args.show))

    print("\n--- subplots: four kinds of plot in one 2 x 2 figure")
    fig, axes = subplot_grid(rng)
    print(f"axes is a NumPy array of shape {axes.shape}; axes[1, 0] is the bottom-left plot")
    saved.append(lk.save_figure(fig, run.out / "subplots.png", show=args.show))

    print(f"\n--- 3-D surface on a {grid} x {grid} grid")
    fig, ax = surface_3d(grid, args.cmap)
    print(f"fig.add_subplot(projection='3d') returned {type(ax).__name__} (ax.name = {ax.name!r})")
    saved.append(lk.save_figure(fig, run.out / "surface_3d.png", show=args.show))

    print("\n--- contour: filled bands, labelled lines, the highest and lowest points marked")
    fig, _ = contour_plot(grid, args.cmap)
    saved.append(lk.save_figure(fig, run.out / "contour.png", show=args.show))

    _, _, z = surface_grid(grid)
    return run.finish({
        "figures_saved": len(saved),
        "scatter_points": points,
        "surface_grid": grid,
        "surface_z_max": float(z.max()),
        "surface_z_min": float(z.min()),
    })


if __name__ == "__main__":
    main()
