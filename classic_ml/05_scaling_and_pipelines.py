"""classic_ml/05_scaling_and_pipelines.py: feature scaling inside a Pipeline, and why preprocessing can leak.

You will see an SVM (支持向量机, SVC) and kNN go from poor (0.60, 0.67) to 0.93-1.00 on the wine data once
the features are put on one scale (StandardScaler: mean 0, std 1, 标准化; MinMaxScaler: range [0, 1], 归一化),
because both measure distances and the proline column (278..1680) otherwise drowns out the rest. You
will put the scaler inside a Pipeline (管道) so that it is fitted on the training data only, and see
with numbers what goes wrong otherwise (data leakage, 数据泄露):
  1. a scaler fitted on the test data makes each prediction depend on which other wines are in the
     test batch: fine for a large random batch, wrong for a batch of one class, meaningless for one wine;
  2. a scaler fitted on all the data before cross-validation lets the validation folds shape the
     preprocessing. For a scaler the effect is small; for a step that learns more from the data, like
     picking the features most correlated with the label, it turns pure noise into a "good" model.

Notes: 000 ML_2-ML_4 (scikit-learn workflow; after "Introduction to Machine Learning with Python",
chapter 3 (preprocessing and scaling) and chapter 6 (algorithm chains and pipelines)).
Run:    python classic_ml/05_scaling_and_pipelines.py [--model svc|knn] [--seed 0]
Prints: test accuracy without and with each scaler, the batch-dependent predictions of a test-fitted
scaler, and the cross-validation scores with and without the leak.
Saves:  outputs/classic_ml/05_scaling_and_pipelines/{metrics.json, feature_ranges.png, accuracy.png}
Expect: SVC 0.60 unscaled -> 1.00 with StandardScaler; the noise "model" scores ~0.87 with the
selection leak and ~0.5 (chance) without it. A few seconds.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_wine
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.svm import SVC

import lessonkit as lk

SCALERS = {"none": None, "standard": StandardScaler, "minmax": MinMaxScaler}


def load_split(seed: int):
    """Wine: 178 wines from 3 cultivars, 13 chemical measurements on very different scales.

    Returns x_train (133, 13), x_test (45, 13), y_train, y_test, feature names.
    """
    data = load_wine()
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, stratify=data.target, random_state=seed)
    return x_train, x_test, y_train, y_test, list(data.feature_names)


def make_model(model: str = "svc", scaler: str = "standard") -> Pipeline:
    """A pipeline [scaler ->] classifier. fit() fits each step on the data it is given, in order; predict()
    only transforms with what was learned. So the scaler's mean/std (or min/max) come from the training
    data, and new data is scaled with those same numbers."""
    estimator = SVC() if model == "svc" else KNeighborsClassifier()
    steps = [] if SCALERS[scaler] is None else [SCALERS[scaler]()]
    return make_pipeline(*steps, estimator)


def compare_scalers(x_train, y_train, x_test, y_test) -> dict[str, dict[str, float]]:
    """Test accuracy of each classifier without a scaler and with each scaler."""
    return {model: {scaler: make_model(model, scaler).fit(x_train, y_train).score(x_test, y_test)
                    for scaler in SCALERS}
            for model in ("svc", "knn")}


def scaler_refit_on_batches(pipe: Pipeline, x_test, y_test) -> dict[str, tuple[float, float]]:
    """Accuracy on batches of test wines: (scaled with the training statistics, scaler refit on the batch).

    The second number is what you get by calling StandardScaler().fit_transform() on data at prediction
    time. Batches: the whole test set, each class on its own, and each wine on its own.
    """
    scaler, classifier = pipe[0], pipe[-1]

    def both(x, y):
        right = classifier.score(scaler.transform(x), y)
        wrong = classifier.score(StandardScaler().fit_transform(x), y)
        return right, wrong

    batches = {"whole test set": both(x_test, y_test)}
    for label in np.unique(y_test):
        batches[f"class {label} only"] = both(x_test[y_test == label], y_test[y_test == label])
    # A batch of one: every feature has zero spread, so the refit scaler maps every wine to all zeros
    # and the classifier gives every wine the same answer.
    singles = [both(x_test[i:i + 1], y_test[i:i + 1]) for i in range(len(y_test))]
    batches["one wine at a time"] = tuple(np.mean(singles, axis=0))
    return batches


def cv_scaler_leak(x, y, model: str, folds: int, seed: int) -> dict[str, float]:
    """Cross-validation accuracy with the scaler fitted on all the data first (leak) vs inside the pipeline."""
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    leaky_x = StandardScaler().fit_transform(x)            # has seen every validation fold already
    return {
        "scaler fitted on all data, then CV": cross_val_score(make_model(model, "none"), leaky_x, y, cv=cv).mean(),
        "scaler inside the pipeline": cross_val_score(make_model(model, "standard"), x, y, cv=cv).mean(),
    }


def cv_selection_leak(seed: int, n_samples: int = 100, n_features: int = 10_000, k: int = 20,
                      folds: int = 5) -> dict[str, float]:
    """The same mistake with feature selection, on pure noise: the labels are random, so no honest
    model can beat 50%. Picking the k features most correlated with the label using ALL rows, then
    cross-validating, finds features that happen to match the validation rows' labels too."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_samples, n_features))           # (100, 10000) noise
    y = rng.integers(0, 2, size=n_samples)                 # random labels
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    leaky_x = SelectKBest(f_classif, k=k).fit_transform(x, y)          # (100, 20), chosen with every label
    honest = make_pipeline(SelectKBest(f_classif, k=k), LogisticRegression())
    return {
        "features selected on all data, then CV": cross_val_score(LogisticRegression(), leaky_x, y, cv=cv).mean(),
        "selection inside the pipeline": cross_val_score(honest, x, y, cv=cv).mean(),
    }


def plot_feature_ranges(x_train, names, path, show: bool) -> None:
    """Box plots of each training feature: raw (log axis), after StandardScaler, after MinMaxScaler."""
    versions = [("raw features (log scale)", x_train),
                ("StandardScaler: mean 0, std 1", StandardScaler().fit_transform(x_train)),
                ("MinMaxScaler: min 0, max 1", MinMaxScaler().fit_transform(x_train))]
    fig, axes = plt.subplots(1, 3, figsize=(15, 5))
    for ax, (title, values) in zip(axes, versions):
        ax.boxplot(values, orientation="horizontal", tick_labels=names if ax is axes[0] else [""] * len(names))
        ax.set_title(title)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_xscale("log")
    fig.suptitle("Wine training features before and after scaling")
    lk.save_figure(fig, path, show=show)


def plot_accuracy(scores, scaler_leak, selection_leak, model: str, path, show: bool) -> None:
    fig, (ax_scale, ax_leak) = plt.subplots(1, 2, figsize=(14, 4.5), layout="constrained",
                                          gridspec_kw={"width_ratios": [1, 1.4]})
    width = 0.25
    for j, scaler in enumerate(SCALERS):
        values = [scores[m][scaler] for m in scores]
        bars = ax_scale.bar(np.arange(len(scores)) + (j - 1) * width, values, width, label=f"scaler: {scaler}")
        ax_scale.bar_label(bars, fmt="%.2f", fontsize=8)
    ax_scale.set(xticks=range(len(scores)), xticklabels=[m.upper() for m in scores], ylim=(0, 1.25),
                 ylabel="test accuracy", title="Wine: scaling matters for distance-based models")
    ax_scale.legend(loc="upper center", ncols=3, fontsize=8)
    labels = list(scaler_leak) + list(selection_leak)
    values = list(scaler_leak.values()) + list(selection_leak.values())
    colors = ["tab:red", "tab:green", "tab:red", "tab:green"]
    bars = ax_leak.barh(range(len(labels)), values, color=colors)
    ax_leak.bar_label(bars, fmt="%.3f", fontsize=8)
    ax_leak.axvline(0.5, color="gray", linestyle=":", label="chance on the noise data")
    ax_leak.set(yticks=range(len(labels)), yticklabels=labels, xlim=(0, 1.1),
                xlabel="5-fold cross-validation accuracy",
                title=f"Leak (red) vs pipeline (green): wine {model.upper()} (top), noise (bottom)")
    ax_leak.invert_yaxis()
    ax_leak.legend(loc="lower right")
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__)
    parser.add_argument("--model", choices=["svc", "knn"], default="svc",
                        help="classifier used in the leak demonstrations (default: svc)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args, cpu_only="scikit-learn computes on the CPU")
    # Everything but the noise demo takes milliseconds; --quick shrinks the noise table 5x.
    n_noise_features = 2_000 if args.quick else 10_000

    x_train, x_test, y_train, y_test, names = load_split(args.seed)
    print(f"wine: {len(x_train)} training and {len(x_test)} test wines, {len(names)} features")
    for name, lo, hi in zip(names, x_train.min(axis=0), x_train.max(axis=0)):
        print(f"  {name:>30}: {lo:8.2f} .. {hi:8.2f}")

    scores = compare_scalers(x_train, y_train, x_test, y_test)
    print("\ntest accuracy   no scaling  StandardScaler  MinMaxScaler")
    for model, row in scores.items():
        print(f"{model.upper():>13}   {row['none']:10.3f}  {row['standard']:14.3f}  {row['minmax']:12.3f}")
    print("Both models compare distances; unscaled, a difference of 100 in proline outweighs everything else.")

    pipe = make_model(args.model, "standard").fit(x_train, y_train)
    scaler = pipe.named_steps["standardscaler"]
    print(f"\nthe pipeline's scaler was fitted on the training set only: its mean_ equals the training mean "
          f"({np.allclose(scaler.mean_, x_train.mean(axis=0))}), proline mean {scaler.mean_[-1]:.1f} "
          f"(all 178 wines: {np.concatenate([x_train, x_test])[:, -1].mean():.1f})")

    print(f"\n1. fitting the scaler on the test data ({args.model.upper()}):")
    print("   batch                   training statistics   scaler refit on the batch")
    batches = scaler_refit_on_batches(pipe, x_test, y_test)
    for batch, (right, wrong) in batches.items():
        print(f"   {batch:<22}  {right:19.3f}   {wrong:25.3f}")
    print("   A prediction must depend on the wine alone. With a scaler refit on the batch it depends on the\n"
          "   other wines in the batch: a batch of one class is centred on itself and looks 'average', and a\n"
          "   single wine becomes all zeros. A large random test batch hides this, which is why it goes unnoticed:\n"
          f"   on the whole test set ({len(y_test)} wines) the refit scores within a few wines of the right way.")
    right, wrong = batches["whole test set"]
    if wrong > right:
        print("   Here it even scores higher, by chance: a few wines near a boundary fell the other way.")

    folds = 5
    scaler_leak = cv_scaler_leak(np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test]),
                                 args.model, folds, args.seed)
    selection_leak = cv_selection_leak(args.seed, n_features=n_noise_features, folds=folds)
    print(f"\n2. preprocessing fitted on all data before {folds}-fold cross-validation:")
    for name, score in {**scaler_leak, **selection_leak}.items():
        print(f"   {name:<40} {score:.3f}")
    scaler_gap = scaler_leak["scaler fitted on all data, then CV"] - scaler_leak["scaler inside the pipeline"]
    print(f"   Wine: the leak moves the score by {scaler_gap:+.3f}: a scaler learns only a mean and a std per column,\n"
          "   and those barely change when one more fold is included. A step that learns more shows the danger:\n"
          f"   Noise ({n_noise_features} random features, random labels): choosing features with every label, "
          "validation\n   labels included, makes chance look like skill. Inside the pipeline the selection is "
          "redone on each\n   training fold and the score falls to chance, the truth.")

    plot_feature_ranges(x_train, names, run.out / "feature_ranges.png", args.show)
    plot_accuracy(scores, scaler_leak, selection_leak, args.model, run.out / "accuracy.png", args.show)
    return run.finish({
        **{f"{model}_{scaler}_test_accuracy": acc for model, row in scores.items() for scaler, acc in row.items()},
        "test_scaler_one_wine_accuracy": batches["one wine at a time"][1],
        "cv_scaler_leak": scaler_leak["scaler fitted on all data, then CV"],
        "cv_scaler_pipeline": scaler_leak["scaler inside the pipeline"],
        "cv_selection_leak": selection_leak["features selected on all data, then CV"],
        "cv_selection_pipeline": selection_leak["selection inside the pipeline"],
    })


if __name__ == "__main__":
    main()
