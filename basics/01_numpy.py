"""basics/01_numpy.py: NumPy arrays, the data structure under every library in this course.

You will learn to create arrays and read their shape and dtype, index and slice them (views, not
copies), reshape, broadcast (广播机制) and reduce along an axis, why a vectorised expression beats a
Python loop, how to draw reproducible random numbers with a Generator, and how to solve a linear
system. Each step prints what it shows.

Notes: 000 ML_1 (the basic libraries: NumPy, SciPy, Matplotlib, pandas; after "Introduction to
Machine Learning with Python", chapter 1).
Run:    python basics/01_numpy.py [--size 1000000] [--seed 0]
Prints: each demonstration with its inputs and outputs, then the timing of loop vs vectorised code.
Saves:  outputs/basics/01_numpy/{metrics.json, random_numbers.png}
Expect: the vectorised sum of squares is well over 10x faster than the Python loop (best of a few
timings each; 48x to 240x on the machines we tried, by processor and load); the linear-system residual
is at float64 rounding level, below 1e-14.
"""

from __future__ import annotations

import timeit

import matplotlib.pyplot as plt
import numpy as np

import lessonkit as lk


def show(title: str, value) -> None:
    """Print a labelled value; arrays also show their shape and dtype."""
    extra = f"  shape={value.shape} dtype={value.dtype}" if isinstance(value, np.ndarray) else ""
    print(f"\n--- {title}{extra}\n{value}")


def creating_arrays() -> None:
    show("np.array from a nested list", np.array([[1, 2, 3], [4, 5, 6]]))
    show("np.zeros((2, 3))", np.zeros((2, 3)))
    show("np.arange(0, 10, 2)", np.arange(0, 10, 2))
    show("np.linspace(0, 1, 5): 5 evenly spaced points, ends included", np.linspace(0, 1, 5))
    show("np.eye(3): the identity matrix", np.eye(3))
    # dtype matters: images arrive as uint8 (0..255), neural networks compute in float32, masks are bool
    show("astype(np.float32)", np.arange(4).astype(np.float32))


def indexing_and_views() -> np.ndarray:
    a = np.arange(12).reshape(3, 4)
    show("a = np.arange(12).reshape(3, 4)", a)
    show("a[1]: the second row", a[1])
    show("a[:, 2]: the third column", a[:, 2])
    show("a[a % 2 == 0]: boolean mask, always a copy", a[a % 2 == 0])
    show("a[[0, 2], 1:3]: rows 0 and 2, columns 1..2 (fancy indexing copies)", a[[0, 2], 1:3])
    row = a[0]          # a slice is a *view*: it shares memory with a
    row[0] = 100
    print(f"\nafter row = a[0]; row[0] = 100 -> a[0, 0] is {a[0, 0]} (a view shares memory; use .copy())")
    return a


def shapes_and_broadcasting() -> None:
    a = np.arange(6).reshape(2, 3)
    show("a.T (transpose)", a.T)
    show("a.reshape(3, -1): -1 means 'work it out'", a.reshape(3, -1))
    show("a[:, np.newaxis, :].shape: np.newaxis inserts an axis of size 1", a[:, np.newaxis, :].shape)
    # Broadcasting: shapes are compared from the right; a size-1 axis stretches to match.
    column = np.array([[10], [20]])          # (2, 1)
    row = np.array([1, 2, 3])                # (3,)
    show("(2,1) + (3,) broadcasts to (2,3)", column + row)
    show("a.sum(axis=0): collapse the rows, one sum per column", a.sum(axis=0))
    show("a.mean(axis=1): one mean per row", a.mean(axis=1))
    # Standardising columns is broadcasting at work: (N, D) - (D,) / (D,)
    data = np.array([[1.0, 200.0], [2.0, 400.0], [3.0, 600.0]])
    show("standardised columns (x - mean) / std", (data - data.mean(axis=0)) / data.std(axis=0))


def loop_vs_vectorised(size: int, repeats: int = 3) -> tuple[float, float]:
    """Time the sum of squares written as a Python loop and as one NumPy expression."""
    x = np.arange(size, dtype=np.float64)

    def python_loop() -> float:
        total = 0.0
        for value in x:            # one interpreted step, and one boxed float, per element
            total += value * value
        return total

    def vectorised() -> float:
        return float((x * x).sum())  # the same arithmetic in compiled loops: square all, then add all

    assert np.isclose(python_loop(), vectorised())
    # timeit.repeat runs each function `repeat` times; keep the fastest: the first call pays for
    # warm-up and any single one can be slowed down by other programs, the minimum is the code itself.
    loop_s = min(timeit.repeat(python_loop, number=1, repeat=repeats))
    vector_s = min(timeit.repeat(vectorised, number=1, repeat=repeats + 2))   # cheap: a few more tries
    print(f"\n--- sum of squares of {size:,} numbers, fastest of several runs: loop {loop_s * 1e3:.1f} ms, "
          f"vectorised {vector_s * 1e3:.2f} ms ({loop_s / vector_s:.0f}x faster)")
    return loop_s, vector_s


def random_numbers(seed: int) -> dict[str, np.ndarray]:
    # np.random.default_rng is the current API; the old global np.random.rand still works but
    # shares one hidden state across the whole program.
    rng = np.random.default_rng(seed)
    samples = {
        "normal(0, 1)": rng.normal(0.0, 1.0, size=10_000),
        "uniform(-2, 2)": rng.uniform(-2.0, 2.0, size=10_000),
        "exponential(1) - 1": rng.exponential(1.0, size=10_000) - 1.0,
    }
    for name, values in samples.items():
        print(f"{name:>20}: mean {values.mean():+.3f}  std {values.std():.3f}")
    show("rng.permutation(10): a shuffled order, as used to shuffle a dataset", rng.permutation(10))
    return samples


def linear_algebra(seed: int) -> float:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(3, 3))
    b = rng.normal(size=3)
    x = np.linalg.solve(a, b)    # better than inv(a) @ b: less work (one LU factorisation) and more accurate
    residual = float(np.abs(a @ x - b).max())
    show("solution of a @ x = b", x)
    print(f"max |a @ x - b| = {residual:.2e}")
    return residual


def plot_random_numbers(samples: dict[str, np.ndarray], path, show_window: bool) -> None:
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, values in samples.items():
        ax.hist(values, bins=80, range=(-4, 4), histtype="step", density=True, label=name)
    ax.set(xlabel="value", ylabel="density", title="10,000 draws from three distributions")
    ax.legend()
    lk.save_figure(fig, path, show=show_window)


def main(argv=None):
    parser = lk.make_parser(__doc__)
    parser.add_argument("--size", type=lk.positive_int, default=1_000_000,
                        help="how many numbers the loop-vs-vectorised timing uses (default: 1000000)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args, cpu_only="NumPy computes on the CPU")
    size = min(args.size, 20_000) if args.quick else args.size

    creating_arrays()
    indexing_and_views()
    shapes_and_broadcasting()
    loop_s, vector_s = loop_vs_vectorised(size)
    samples = random_numbers(args.seed)
    residual = linear_algebra(args.seed)
    plot_random_numbers(samples, run.out / "random_numbers.png", args.show)
    return run.finish({
        "loop_seconds": loop_s,
        "vectorised_seconds": vector_s,
        "speedup": loop_s / vector_s,
        "normal_mean": float(samples["normal(0, 1)"].mean()),
        "normal_std": float(samples["normal(0, 1)"].std()),
        "linear_solve_residual": residual,
    })


if __name__ == "__main__":
    main()
