"""classic_ml/06_cross_validation.py: k-fold cross-validation (交叉验证) and grid search (网格搜索).

You will score a model on k folds instead of one split, and see why the folds must be drawn with care:
iris is sorted by species, so plain KFold without shuffling tests each fold on a species the model
never saw (accuracy 0), while StratifiedKFold keeps the class mix in every fold. Then GridSearchCV tries
every (C, gamma) pair of an RBF SVM with cross-validation on the training set only, refits the best one
and scores it once on the held-out test set; a heat map shows the whole grid, and
sklearn.model_selection.validation_curve shows underfitting (欠拟合) and overfitting (过拟合) as gamma grows.

Notes: 000 ML_2-ML_4 (scikit-learn workflow; after "Introduction to Machine Learning with Python",
chapter 5: cross-validation, stratified k-fold, grid search with cross-validation).
Run:    python classic_ml/06_cross_validation.py [--folds 5] [--seed 0]
Prints: per-fold scores of KFold (unshuffled, shuffled) and StratifiedKFold, cross_val_score's mean and
spread, the grid search's best parameters, its cross-validation score and test score, the validation curve.
Saves:  outputs/classic_ml/06_cross_validation/{metrics.json, grid_heatmap.png, validation_curve.png}
Expect: unshuffled 3-fold KFold scores 0.00 on every fold, stratified 0.947; grid search best C=10,
gamma=0.1 with CV accuracy 0.965 and test accuracy 1.00 (38 test flowers). A few seconds.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_iris
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_val_score,
    train_test_split,
    validation_curve,
)
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import lessonkit as lk

GRID_VALUES = [0.001, 0.01, 0.1, 1.0, 10.0, 100.0]   # the book's grid for both C and gamma
QUICK_GRID_VALUES = [0.01, 0.1, 1.0, 10.0]


def make_model() -> Pipeline:
    """Scaler + RBF SVM. Inside cross-validation the scaler is refit on each training fold (no leak,
    see 05_scaling_and_pipelines.py). Parameters of a step are named <step>__<param>: svc__C, svc__gamma."""
    return make_pipeline(StandardScaler(), SVC())


def splitter_scores(x, y, folds: int, seed: int) -> dict[str, np.ndarray]:
    """Per-fold accuracy of the same model under three ways of cutting the data into folds."""
    splitters = {
        "KFold, no shuffle": KFold(folds),
        "KFold, shuffled": KFold(folds, shuffle=True, random_state=seed),
        "StratifiedKFold": StratifiedKFold(folds, shuffle=True, random_state=seed),
    }
    return {name: cross_val_score(make_model(), x, y, cv=cv) for name, cv in splitters.items()}


def fold_class_counts(y, cv) -> list[list[int]]:
    """How many examples of each class land in each test fold."""
    return [np.bincount(y[test], minlength=len(np.unique(y))).tolist() for _, test in cv.split(y, y)]


def grid_search(x_train, y_train, values, folds: int, seed: int) -> GridSearchCV:
    """Fit one model per (C, gamma) pair and fold; keep the pair with the best mean validation accuracy,
    then refit it on the whole training set (refit=True), ready to score the test set."""
    grid = {"svc__C": values, "svc__gamma": values}
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    return GridSearchCV(make_model(), grid, cv=cv).fit(x_train, y_train)


def grid_table(search: GridSearchCV, values) -> np.ndarray:
    """Mean cross-validation accuracy as a (n_C, n_gamma) table.

    cv_results_ lists the candidates in the order of ParameterGrid (keys sorted, last key fastest), so
    the row is C and the column gamma. Looked up by value to not depend on that order.
    """
    table = np.full((len(values), len(values)), np.nan)
    for params, score in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"]):
        table[values.index(params["svc__C"]), values.index(params["svc__gamma"])] = score
    return table


def gamma_curve(x_train, y_train, c: float, gammas, folds: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation accuracy, shape (n_gammas, folds) each, for an SVM with fixed C."""
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    return validation_curve(make_model().set_params(svc__C=c), x_train, y_train,
                            param_name="svc__gamma", param_range=gammas, cv=cv)


def plot_heatmap(table, values, best, path, show: bool) -> None:
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    image = ax.imshow(table, cmap="viridis", vmin=0, vmax=1, origin="lower")
    for i in range(table.shape[0]):
        for j in range(table.shape[1]):
            ax.text(j, i, f"{table[i, j]:.2f}", ha="center", va="center", fontsize=9,
                    color="black" if table[i, j] > 0.6 else "white")
    i, j = values.index(best["svc__C"]), values.index(best["svc__gamma"])
    ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=2))
    ax.set(xticks=range(len(values)), xticklabels=[f"{v:g}" for v in values], yticks=range(len(values)),
           yticklabels=[f"{v:g}" for v in values], xlabel="gamma (RBF kernel width: large = very local)",
           ylabel="C (small = strong regularisation)", title="Grid search: mean cross-validation accuracy")
    fig.colorbar(image, ax=ax, label="accuracy")
    lk.save_figure(fig, path, show=show)


def plot_validation_curve(gammas, train_scores, val_scores, c, path, show: bool) -> None:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for scores, label, color in ((train_scores, "training folds", "tab:blue"),
                                 (val_scores, "validation folds", "tab:orange")):
        mean, std = scores.mean(axis=1), scores.std(axis=1)
        ax.plot(gammas, mean, "o-", color=color, label=label)
        ax.fill_between(gammas, mean - std, mean + std, color=color, alpha=0.2)  # +- 1 std over folds
    best = gammas[int(np.argmax(val_scores.mean(axis=1)))]
    ax.axvline(best, color="gray", linestyle=":", label=f"best gamma {best:.3g}")
    ax.set_xscale("log")
    ax.set(xlabel="gamma", ylabel="accuracy", title=f"Validation curve of an RBF SVM (C={c:g}) on iris")
    ax.text(0.02, 0.05, "underfit: smooth boundary,\nboth scores lower", transform=ax.transAxes)
    ax.text(0.98, 0.05, "overfit: training high,\nvalidation falls", transform=ax.transAxes, ha="right")
    ax.grid(alpha=0.3)
    ax.legend(loc="center left")
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__)
    parser.add_argument("--folds", type=lk.positive_int, default=5,
                        help="folds for cross_val_score, the grid search and the validation curve (default: 5)")
    args = parser.parse_args(argv)
    if args.folds < 2:
        parser.error("--folds must be at least 2 (one fold to train on, one to validate)")
    run = lk.start_run(__file__, args, cpu_only="scikit-learn computes on the CPU")
    folds = min(args.folds, 3) if args.quick else args.folds   # --quick: fewer fits, same ideas
    values = QUICK_GRID_VALUES if args.quick else GRID_VALUES
    gammas = np.logspace(-3, 2, 6 if args.quick else 11)

    iris = load_iris()
    x, y = iris.data, iris.target
    print(f"iris: {len(x)} flowers; the labels are sorted: {y[:3]} ... {y[60:63]} ... {y[-3:]}")

    # --- 1. how the folds are cut: three folds of sorted labels ---
    print("\n3-fold cross-validation, class counts [setosa, versicolor, virginica] in each test fold:")
    for name, cv in (("KFold, no shuffle", KFold(3)),
                     ("KFold, shuffled", KFold(3, shuffle=True, random_state=args.seed)),
                     ("StratifiedKFold", StratifiedKFold(3, shuffle=True, random_state=args.seed))):
        print(f"  {name:<18} {fold_class_counts(y, cv)}")
    scores = splitter_scores(x, y, 3, args.seed)
    for name, s in scores.items():
        print(f"  {name:<18} fold accuracies {np.round(s, 3).tolist()}  mean {s.mean():.3f}")
    print("Unshuffled KFold trains on two species and tests on the third, which it cannot predict at all.\n"
          "cross_val_score(model, x, y, cv=5) with a classifier uses StratifiedKFold, so it is safe by default.")

    default_cv = cross_val_score(make_model(), x, y, cv=folds)
    print(f"\ncross_val_score, cv={folds}: {np.round(default_cv, 3).tolist()} -> "
          f"{default_cv.mean():.3f} +- {default_cv.std():.3f}")
    print("The spread over folds shows how far the score of a single split can move.")

    # --- 2. grid search on the training set; the test set is touched once, at the end ---
    x_train, x_test, y_train, y_test = train_test_split(x, y, stratify=y, random_state=args.seed)
    search = grid_search(x_train, y_train, values, folds, args.seed)
    fits = len(values) ** 2 * folds + 1
    best = search.best_params_
    test_accuracy = search.score(x_test, y_test)
    print(f"\ngrid search over C x gamma = {len(values)} x {len(values)} on {len(x_train)} training flowers, "
          f"{folds} folds: {fits} fits")
    print(f"best C = {best['svc__C']:g}, gamma = {best['svc__gamma']:g}: mean CV accuracy {search.best_score_:.3f}, "
          f"test accuracy {test_accuracy:.3f} ({len(x_test)} flowers)")
    print(f"best_score_ is the best of {len(values) ** 2} noisy averages, so on average it is optimistic; the "
          "untouched test set gives the number to report.")
    if test_accuracy > search.best_score_:
        print(f"(Here the test score is the higher one: {len(x_test)} flowers are a small test set, where one "
              f"flower is {100 / len(x_test):.1f} points.)")
    table = grid_table(search, values)

    # --- 3. one parameter at a time: the validation curve ---
    train_scores, val_scores = gamma_curve(x_train, y_train, best["svc__C"], gammas, folds, args.seed)
    print(f"\nvalidation curve (C = {best['svc__C']:g}):\n     gamma  train  validation")
    for g, tr, va in zip(gammas, train_scores.mean(axis=1), val_scores.mean(axis=1)):
        print(f"{g:10.4g}  {tr:5.3f}  {va:10.3f}")

    plot_heatmap(table, values, best, run.out / "grid_heatmap.png", args.show)
    plot_validation_curve(gammas, train_scores, val_scores, best["svc__C"], run.out / "validation_curve.png",
                          args.show)
    return run.finish({
        "kfold_unshuffled_mean": scores["KFold, no shuffle"].mean(),
        "kfold_shuffled_mean": scores["KFold, shuffled"].mean(),
        "stratified_mean": scores["StratifiedKFold"].mean(),
        "cross_val_mean": default_cv.mean(),
        "cross_val_std": default_cv.std(),
        "best_C": best["svc__C"],
        "best_gamma": best["svc__gamma"],
        "best_cv_accuracy": search.best_score_,
        "test_accuracy": test_accuracy,
        "folds": folds,
    })


if __name__ == "__main__":
    main()
