"""classic_ml/02_linear_models.py: linear regression, ridge, lasso and logistic regression in scikit-learn.

You will fit ordinary least squares (普通最小二乘, LinearRegression), ridge (岭回归, L2 penalty) and lasso
(L1 penalty) on the diabetes table and compare their R^2 on the training and test sets, watch the
coefficients' overall size shrink as the regularisation strength (正则化强度) alpha grows (coefficient
paths; lasso sets some exactly to zero), then classify breast tumours with logistic regression
(逻辑回归), with the features standardised inside a Pipeline so that the solver converges.

Notes: 000 ML_3 (scikit-learn linear regression, after "Introduction to Machine Learning with Python",
chapter 2: linear models for regression and classification).
Run:    python classic_ml/02_linear_models.py [--alpha 0.1] [--seed 0]
Prints: R^2 (train/test) and the number of non-zero coefficients for each regressor, a table of R^2
over alpha, logistic-regression accuracy for several C, and what happens without scaling.
Saves:  outputs/classic_ml/02_linear_models/{metrics.json, coefficient_paths.png, r2_vs_alpha.png}
Expect: diabetes test R^2 around 0.36 for all three (the table is small and noisy; train R^2 ~0.55);
lasso keeps 7 of 10 coefficients at alpha 0.1 (scikit-learn's Lasso divides the squared error by 2n, Ridge
does not: at n = 331 one alpha is 662x stronger in lasso, so the two are compared by trend, not alpha for
alpha); logistic regression 0.958 test accuracy (>= 0.94). A few seconds.
"""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import lessonkit as lk


def load_diabetes_split(seed: int):
    """The bundled diabetes table: 442 patients, 10 features, target = disease progression after a year.

    scikit-learn ships the features already centred and scaled (each column has mean 0 and sum of
    squares 1), so the coefficients of the 10 features are directly comparable.
    Returns x_train (331, 10), x_test (111, 10), y_train, y_test, feature names.
    """
    data = load_diabetes()
    x_train, x_test, y_train, y_test = train_test_split(data.data, data.target, random_state=seed)
    return x_train, x_test, y_train, y_test, list(data.feature_names)


def make_regressor(name: str, alpha: float):
    """OLS has no knob. The two penalties are scaled differently in scikit-learn, so one alpha is not one
    strength: Ridge minimises ||y - Xw||^2 + alpha ||w||^2 (the SUM of squared errors), Lasso minimises
    (1 / (2n)) ||y - Xw||^2 + alpha ||w||_1 (HALF THE MEAN). Written on Ridge's scale, Lasso's penalty is
    2n alpha ||w||_1: with n = 331 training rows the same alpha weighs 662x more in lasso.

    Lasso is solved by coordinate descent (坐标下降); on this table it converges well within its default
    1000 rounds even at the path's smallest alpha (about 500 rounds at alpha 1e-4), so no ConvergenceWarning.
    """
    if name == "ols":
        return LinearRegression()
    if name == "ridge":
        return Ridge(alpha=alpha)
    if name == "lasso":
        return Lasso(alpha=alpha)
    raise ValueError(f"unknown regressor {name!r}")


def fit_regressors(x_train, y_train, x_test, y_test, alpha: float) -> dict[str, dict]:
    """R^2 = 1 - (residual sum of squares) / (total sum of squares): 1 is perfect, 0 is 'predict the mean'."""
    results = {}
    for name in ("ols", "ridge", "lasso"):
        model = make_regressor(name, alpha).fit(x_train, y_train)
        results[name] = {"train_r2": model.score(x_train, y_train), "test_r2": model.score(x_test, y_test),
                         "nonzero_coefficients": int(np.sum(model.coef_ != 0)), "coef": model.coef_}
    return results


def coefficient_paths(x_train, y_train, x_test, y_test, alphas) -> dict[str, dict[str, np.ndarray]]:
    """For ridge and lasso: coefficients (n_alphas, n_features) and train/test R^2 (n_alphas,) per alpha."""
    paths = {}
    for name in ("ridge", "lasso"):
        coefs, train_r2, test_r2 = [], [], []
        for alpha in alphas:
            model = make_regressor(name, alpha).fit(x_train, y_train)
            coefs.append(model.coef_)
            train_r2.append(model.score(x_train, y_train))
            test_r2.append(model.score(x_test, y_test))
        paths[name] = {"coef": np.array(coefs), "train_r2": np.array(train_r2), "test_r2": np.array(test_r2)}
    return paths


def load_cancer_split(seed: int):
    """Breast cancer (Wisconsin): 569 tumours, 30 measurements, 0 = malignant, 1 = benign."""
    data = load_breast_cancer()
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, stratify=data.target, random_state=seed)
    return x_train, x_test, y_train, y_test


def make_logistic(c: float = 1.0):
    """Standardise, then logistic regression. C is the inverse regularisation strength (small C: strong L2).

    The scaler lives inside the pipeline, so fit() learns the means and standard deviations from the
    training data only, and predict() reuses them on new data (05_scaling_and_pipelines.py says why).
    """
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=1000))


def logistic_without_scaling(x_train, y_train) -> list[str]:
    """Fit on the raw features (areas in the thousands, smoothness near 0.1); return the warnings raised.

    The warnings are caught here on purpose, to show them; the rest of the course raises none.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        LogisticRegression().fit(x_train, y_train)   # lbfgs, the default max_iter=100
    return [type(w.message).__name__ for w in caught if issubclass(w.category, ConvergenceWarning)]


def plot_coefficient_paths(alphas, paths, names, path, show: bool) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
    for ax, model_name in zip(axes, ("ridge", "lasso")):
        coefs = paths[model_name]["coef"]                        # (n_alphas, 10)
        for j, feature in enumerate(names):
            ax.plot(alphas, coefs[:, j], label=feature)
        ax.axhline(0, color="k", linewidth=0.6)
        ax.set_xscale("log")
        ax.set(xlabel="alpha (regularisation strength)", title=f"{model_name}: coefficients as alpha grows")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("coefficient")
    axes[1].legend(title="feature", fontsize=8, ncols=2)
    lk.save_figure(fig, path, show=show)


def plot_r2_vs_alpha(alphas, paths, ols: dict, path, show: bool) -> None:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for model_name, color in (("ridge", "tab:blue"), ("lasso", "tab:orange")):
        ax.plot(alphas, paths[model_name]["train_r2"], "--", color=color, label=f"{model_name} train")
        ax.plot(alphas, paths[model_name]["test_r2"], "-", color=color, label=f"{model_name} test")
    ax.axhline(ols["test_r2"], color="gray", linestyle=":", label="OLS test")
    ax.set_xscale("log")
    ax.set(xlabel="alpha", ylabel="R^2", title="Diabetes: more regularisation, lower training R^2",
           ylim=(-0.05, 0.65))
    ax.grid(alpha=0.3)
    ax.legend()
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__)
    parser.add_argument("--alpha", type=lk.positive_float, default=0.1,
                        help="regularisation strength of ridge and lasso in the comparison (default: 0.1)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args, cpu_only="scikit-learn computes on the CPU")
    # Everything here fits in well under a second; --quick draws the paths with fewer alphas and tries one C.
    alphas = np.logspace(-4, 1, 10 if args.quick else 40)
    c_values = (1.0,) if args.quick else (0.01, 1.0, 100.0)

    # --- regression on the diabetes table ---
    x_train, x_test, y_train, y_test, names = load_diabetes_split(args.seed)
    print(f"diabetes: {len(x_train)} training and {len(x_test)} test patients, features {names}")
    results = fit_regressors(x_train, y_train, x_test, y_test, args.alpha)
    print(f"\nmodel (alpha {args.alpha})  train R^2  test R^2  non-zero coefficients")
    for name, r in results.items():
        print(f"{name:>18}  {r['train_r2']:9.3f}  {r['test_r2']:8.3f}  {r['nonzero_coefficients']:2d} of {len(names)}")
    dropped = [n for n, c in zip(names, results["lasso"]["coef"]) if c == 0]
    print(f"lasso set these coefficients exactly to zero (feature selection): {dropped}")

    paths = coefficient_paths(x_train, y_train, x_test, y_test, alphas)
    lasso_scale = 2 * len(x_train)
    print(f"\nOne alpha is not one strength: Lasso divides the squared error by 2n = {lasso_scale}, Ridge does not, "
          f"so lasso at alpha a\nshrinks as a penalty of {lasso_scale} a would on Ridge's scale. The table shares "
          "the alpha column: compare each model's own trend, not the two at one alpha.")
    print("\n   alpha  ridge train/test  lasso train/test  lasso non-zero")
    for i in range(0, len(alphas), max(1, len(alphas) // 6)):
        print(f"{alphas[i]:8.4f}  {paths['ridge']['train_r2'][i]:6.3f} / {paths['ridge']['test_r2'][i]:.3f}"
              f"     {paths['lasso']['train_r2'][i]:6.3f} / {paths['lasso']['test_r2'][i]:.3f}"
              f"     {int(np.sum(paths['lasso']['coef'][i] != 0)):2d}")
    best = int(np.argmax(paths["ridge"]["test_r2"]))
    gain = paths["ridge"]["test_r2"][best] - results["ols"]["test_r2"]
    print("Small alpha = OLS. As alpha grows the coefficients' overall size (their norm) shrinks towards 0,\n"
          "though single coefficients can grow on the way (see the plot), and at large alpha both R^2 fall.\n"
          f"The best ridge alpha on this path ({alphas[best]:.3g}) beats OLS's test R^2 by only {gain:+.3f}:\n"
          f"with {x_train.shape[1]} features and {len(x_train)} patients, OLS has little variance for shrinking "
          "to remove.")

    # --- classification: logistic regression on breast cancer ---
    xc_train, xc_test, yc_train, yc_test = load_cancer_split(args.seed)
    print(f"\nbreast cancer: {len(xc_train)} training and {len(xc_test)} test tumours, 30 features")
    caught = logistic_without_scaling(xc_train, yc_train)
    print(f"LogisticRegression on the raw features raised: {caught or 'nothing'} (column ranges differ "
          f"wildly, from {np.ptp(xc_train, axis=0).min():.3g} to {np.ptp(xc_train, axis=0).max():.4g}, so lbfgs "
          "needs far more than its 100 iterations); with StandardScaler in a pipeline:")
    logistic = {}
    for c in c_values:
        model = make_logistic(c).fit(xc_train, yc_train)
        logistic[c] = {"train_accuracy": model.score(xc_train, yc_train),
                       "test_accuracy": model.score(xc_test, yc_test)}
        print(f"  C = {c:6g}: train accuracy {logistic[c]['train_accuracy']:.3f}, "
              f"test accuracy {logistic[c]['test_accuracy']:.3f}")
    print("Small C = strong regularisation (simpler model); large C fits the training set harder.")

    plot_coefficient_paths(alphas, paths, names, run.out / "coefficient_paths.png", args.show)
    plot_r2_vs_alpha(alphas, paths, results["ols"], run.out / "r2_vs_alpha.png", args.show)
    return run.finish({
        "alpha": args.alpha, "lasso_alpha_scale": lasso_scale,
        **{f"{name}_{key}": r[key] for name, r in results.items()
           for key in ("train_r2", "test_r2", "nonzero_coefficients")},
        "logistic_test_accuracy": logistic[1.0]["test_accuracy"],
        "logistic_train_accuracy": logistic[1.0]["train_accuracy"],
        "unscaled_convergence_warning": bool(caught),
    })


if __name__ == "__main__":
    main()
