"""basics/02_scipy_sparse_and_optimize.py: SciPy's sparse matrices and optimizers, built on NumPy arrays.

You will learn when a sparse matrix (稀疏矩阵) pays off and how CSR and COO store it, how to build one
from (row, column, value) coordinates and multiply it with a dense array; then how scipy.optimize
minimizes the Rosenbrock function with several methods (and why a gradient saves function
evaluations), fits a curve to noisy data with curve_fit, and finds a root. Each step prints what it
shows. SciPy's statistics follow in basics/03_scipy_stats.py.

Notes: 000 ML_1 (the basic libraries: NumPy, SciPy, Matplotlib, pandas; after "Introduction to
Machine Learning with Python", chapter 1).
Run:    python basics/02_scipy_sparse_and_optimize.py [--size 2000] [--density 0.001] [--noise 0.2]
        [--samples 50] [--start -1.2 1] [--seed 0]
Prints: CSR/COO internals, dense vs sparse memory and product time, a table of optimizers on
Rosenbrock, the fitted curve parameters and the root.
Saves:  outputs/basics/02_scipy_sparse_and_optimize/{metrics.json, optimize.png}
Expect: at 0.1% density CSR needs ~1/570 of the dense memory and the product agrees to ~1e-15;
every method reaches the minimum (1, 1), BFGS with the gradient in ~40 function evaluations against
~220 for Nelder-Mead and ~800 for Powell; curve_fit recovers a=2.5, k=1.3, c=0.5 within two standard
errors, which are 0.05-0.15 at --noise 0.2; cos(x) = x at x = 0.7390851332.
"""

from __future__ import annotations

import timeit

import matplotlib.pyplot as plt
import numpy as np
from scipy import optimize, sparse

import lessonkit as lk

ROSENBROCK_MINIMUM = np.array([1.0, 1.0])
# name -> does this method use the gradient (jac) / the Hessian (hess)?
METHODS = {
    "Nelder-Mead": (False, False),   # simplex: function values only
    "Powell": (False, False),        # line searches along directions: function values only
    "CG": (True, False),             # nonlinear conjugate gradient
    "BFGS": (True, False),           # quasi-Newton: builds up an estimate of the (inverse) Hessian
    "Newton-CG": (True, True),       # Newton steps with the exact Hessian, each solved by CG
}
TRUE_DECAY = (2.5, 1.3, 0.5)         # a, k, c of a * exp(-k t) + c


def show(title: str, value) -> None:
    """Print a labelled value; arrays also show their shape and dtype."""
    extra = f"  shape={value.shape} dtype={value.dtype}" if isinstance(value, np.ndarray) else ""
    print(f"\n--- {title}{extra}\n{value}")


# --- sparse matrices ---------------------------------------------------------------------------


def from_coordinates(rows, cols, values, shape) -> sparse.csr_array:
    """Build a CSR matrix from (row, col, value) triples; repeated coordinates are summed."""
    # COO ("coordinate format") is the natural way to *build* a matrix: three parallel arrays.
    # CSR ("compressed sparse row") is the way to *compute* with it: fast row slicing and products.
    return sparse.coo_array((values, (rows, cols)), shape=shape).tocsr()


def sparse_formats() -> None:
    # scipy.sparse has two families: the *_matrix classes (old, `*` means matrix product) and the
    # *_array classes used here (current, `*` is elementwise like NumPy, `@` is the matrix product).
    eye = np.eye(4)
    csr = sparse.csr_array(eye)
    show("np.eye(4) as CSR: only the non-zeros are stored", csr)
    show("csr.data: the non-zero values", csr.data)
    show("csr.indices: the column of each value", csr.indices)
    show("csr.indptr: row i's values are data[indptr[i]:indptr[i+1]]", csr.indptr)
    coo = sparse.coo_array((np.ones(4), (np.arange(4), np.arange(4))), shape=(4, 4))
    show("the same matrix built as COO from (data, (row, col))", coo)
    built = from_coordinates([0, 0, 1, 2], [1, 1, 2, 0], [1.0, 2.0, 5.0, 7.0], (3, 3))
    show("from_coordinates with (0, 1) given twice: 1 + 2 is stored as 3", built.toarray())


def sparse_vs_dense(size: int, density: float, rng: np.random.Generator) -> dict[str, float]:
    """Memory and speed of a size x size random sparse matrix against its dense copy."""
    a = sparse.random_array((size, size), density=density, format="csr", rng=rng)
    dense = a.toarray()
    sparse_bytes = a.data.nbytes + a.indices.nbytes + a.indptr.nbytes
    x = rng.normal(size=(size, 8))               # (size, 8): eight right-hand sides at once
    y_sparse = a @ x                             # (size, 8), a dense NumPy array
    y_dense = dense @ x
    error = float(np.abs(y_sparse - y_dense).max())
    # the fastest of a few runs of each product (see basics/01 for why the minimum)
    sparse_s = min(timeit.repeat(lambda: a @ x, number=1, repeat=5))
    dense_s = min(timeit.repeat(lambda: dense @ x, number=1, repeat=5))
    print(f"\n--- a {size}x{size} matrix with {a.nnz:,} non-zeros (density {density:g})")
    print(f"dense: {dense.nbytes / 1e6:8.2f} MB   CSR: {sparse_bytes / 1e6:8.3f} MB "
          f"({dense.nbytes / sparse_bytes:.0f}x smaller)")
    print(f"a @ x: dense {dense_s * 1e3:.2f} ms, sparse {sparse_s * 1e3:.3f} ms; "
          f"max |difference| = {error:.1e}")
    return {"dense_bytes": dense.nbytes, "sparse_bytes": sparse_bytes, "product_error": error,
            "dense_seconds": dense_s, "sparse_seconds": sparse_s}


# --- optimization ------------------------------------------------------------------------------


def minimize_rosenbrock(start, method: str, tol: float = 1e-8):
    """Minimize Rosenbrock from start; return SciPy's result and the path of iterates, shape (steps, 2)."""
    uses_jac, uses_hess = METHODS[method]
    path = [np.asarray(start, dtype=float)]

    def record(intermediate_result):  # the current callback form: SciPy passes an OptimizeResult
        path.append(intermediate_result.x.copy())

    result = optimize.minimize(
        optimize.rosen, path[0], method=method, tol=tol, callback=record,
        jac=optimize.rosen_der if uses_jac else None,
        hess=optimize.rosen_hess if uses_hess else None,
    )
    return result, np.array(path)


def compare_optimizers(start) -> dict[str, tuple]:
    # Rosenbrock's banana-shaped valley: f(x, y) = (1 - x)^2 + 100 (y - x^2)^2, minimum 0 at (1, 1).
    # Easy to find the valley, slow to walk along it: the classic optimizer benchmark.
    print(f"\n--- minimize Rosenbrock from {tuple(start)}")
    print(f"{'method':>12} {'iterations':>10} {'f evals':>8} {'grad evals':>10} {'|x - (1,1)|':>12}  ok")
    runs = {}
    for method in METHODS:
        result, path = minimize_rosenbrock(start, method)
        distance = float(np.linalg.norm(result.x - ROSENBROCK_MINIMUM))
        print(f"{method:>12} {result.nit:>10} {result.nfev:>8} {getattr(result, 'njev', 0):>10} "
              f"{distance:>12.1e}  {result.success}")
        runs[method] = (result, path)
    return runs


def metric_name(method: str) -> str:
    """'Nelder-Mead' -> 'nelder_mead', a plain name for metrics.json."""
    return method.lower().replace("-", "_")


def decay(t, a, k, c):
    """The model curve_fit adjusts: exponential decay towards a floor c."""
    return a * np.exp(-k * t) + c


def fit_decay(t, y):
    """Least-squares fit of decay(t); returns the parameters and their standard errors."""
    # p0 is the starting guess; a non-linear fit from a bad one can end in the wrong place.
    try:
        params, covariance = optimize.curve_fit(decay, t, y, p0=(1.0, 1.0, 0.0))
    except RuntimeError as err:   # raised when the least-squares search runs out of steps
        raise lk.LessonError(f"curve_fit did not converge ({err}); try a smaller --noise or more --samples") from None
    return params, np.sqrt(np.diag(covariance))


def noisy_decay(n: int, noise: float, rng: np.random.Generator):
    t = np.linspace(0.0, 4.0, n)
    return t, decay(t, *TRUE_DECAY) + rng.normal(0.0, noise, size=n)


def find_roots() -> float:
    f = lambda x: np.cos(x) - x  # noqa: E731 (a one-line function reads best here)
    # brentq needs a bracket where f changes sign and then always converges; newton needs the
    # derivative and a start close enough, and then converges in fewer iterations.
    bracketed = optimize.root_scalar(f, bracket=(0.0, 1.0), method="brentq")
    newton = optimize.root_scalar(f, x0=1.0, fprime=lambda x: -np.sin(x) - 1.0, method="newton")
    print(f"\n--- root of cos(x) = x: brentq {bracketed.root:.10f} ({bracketed.iterations} iterations), "
          f"newton {newton.root:.10f} ({newton.iterations} iterations)")
    return float(bracketed.root)


# --- figure ------------------------------------------------------------------------------------


def plot_optimization(runs, t, y, params, path, show_window: bool) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    ax = axes[0]
    gx, gy = np.meshgrid(np.linspace(-2, 2, 300), np.linspace(-1, 3, 300))
    z = optimize.rosen(np.stack([gx, gy]))       # rosen works on the first axis: (2, 300, 300) -> (300, 300)
    contours = ax.contour(gx, gy, np.log10(z + 1e-3), levels=20, cmap="Greys", linewidths=0.6)
    ax.clabel(contours, contours.levels[::4], fontsize=7)
    for method in ("Nelder-Mead", "CG", "BFGS"):
        steps = runs[method][1]
        ax.plot(steps[:, 0], steps[:, 1], ".-", ms=3, label=f"{method} ({len(steps) - 1} steps)")
    ax.plot(*ROSENBROCK_MINIMUM, "r*", ms=14, label="minimum (1, 1)")
    ax.set(xlabel="x", ylabel="y", title="optimizer paths on log10 Rosenbrock")
    ax.legend(fontsize=8)

    ax = axes[1]
    fine = np.linspace(t.min(), t.max(), 200)
    ax.plot(t, y, "o", ms=4, alpha=0.6, label="noisy data")
    ax.plot(fine, decay(fine, *TRUE_DECAY), "k--", label="true curve")
    ax.plot(fine, decay(fine, *params), "C3", label="curve_fit: a={:.2f} k={:.2f} c={:.2f}".format(*params))
    ax.set(xlabel="t", ylabel="y", title="curve_fit of a * exp(-k t) + c")
    ax.legend()
    fig.tight_layout()
    lk.save_figure(fig, path, show=show_window)


def main(argv=None):
    parser = lk.make_parser(__doc__)
    parser.add_argument("--size", type=lk.positive_int, default=2000,
                        help="side of the random sparse matrix (default: 2000)")
    parser.add_argument("--density", type=lk.probability, default=0.001,
                        help="fraction of non-zero entries in the sparse matrix (default: 0.001)")
    parser.add_argument("--noise", type=lk.positive_float, default=0.2,
                        help="standard deviation of the noise added before curve_fit (default: 0.2)")
    parser.add_argument("--samples", type=lk.positive_int, default=50,
                        help="data points for curve_fit (default: 50)")
    parser.add_argument("--start", type=float, nargs=2, default=[-1.2, 1.0], metavar=("X", "Y"),
                        help="where the optimizers start on Rosenbrock (default: -1.2 1)")
    args = parser.parse_args(argv)
    if args.density == 0:
        parser.error("--density must be above 0")
    if args.size**2 * 8 > 2e9:   # the dense copy is size x size float64 numbers
        parser.error(f"--size {args.size} needs {args.size**2 * 8 / 1e9:.0f} GB for the dense copy; use 15000 or less")
    if args.samples < 4:
        parser.error("--samples must be at least 4 (curve_fit estimates 3 parameters)")
    if not np.all(np.isfinite(args.start)):
        parser.error("--start needs two finite numbers")
    run = lk.start_run(__file__, args, cpu_only="SciPy computes on the CPU")
    rng = np.random.default_rng(args.seed)
    size = min(args.size, 500) if args.quick else args.size

    sparse_formats()
    memory = sparse_vs_dense(size, args.density, rng)
    runs = compare_optimizers(args.start)
    t, y = noisy_decay(args.samples, args.noise, rng)
    params, errors = fit_decay(t, y)
    print("\n--- curve_fit of a * exp(-k t) + c to noisy data")
    for name, true, fitted, err in zip("akc", TRUE_DECAY, params, errors):
        print(f"{name}: true {true:.3f}, fitted {fitted:.3f} +- {err:.3f} "
              f"({abs(fitted - true) / err:.1f} standard errors away)")
    root = find_roots()
    plot_optimization(runs, t, y, params, run.out / "optimize.png", args.show)

    return run.finish({
        "sparse_memory_ratio": memory["dense_bytes"] / memory["sparse_bytes"],
        "sparse_product_max_error": memory["product_error"],
        "sparse_product_seconds": memory["sparse_seconds"],
        "dense_product_seconds": memory["dense_seconds"],
        **{f"{metric_name(method)}_distance_to_minimum": float(np.linalg.norm(result.x - ROSENBROCK_MINIMUM))
           for method, (result, _) in runs.items()},
        **{f"{metric_name(method)}_function_evaluations": int(result.nfev) for method, (result, _) in runs.items()},
        **{f"fit_{name}": float(value) for name, value in zip("akc", params)},
        **{f"fit_{name}_standard_error": float(value) for name, value in zip("akc", errors)},
        "root_cos_x_equals_x": root,
    })


if __name__ == "__main__":
    main()
