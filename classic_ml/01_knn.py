"""classic_ml/01_knn.py: k-nearest neighbours (k近邻) on the iris flowers, the first scikit-learn model.

You will learn the scikit-learn workflow every later lesson repeats (load a dataset, split it into a
training set and a test set (训练集/测试集), fit(), predict(), score()), how the one knob of kNN, the
number of neighbours k, trades a jagged decision boundary (决策边界, overfitting 过拟合) for a smooth
one (underfitting 欠拟合), and how to ask the fitted model about a new flower of your own.

Notes: 000 ML_2 (scikit-learn k-nearest neighbours, after "Introduction to Machine Learning with
Python", chapters 1-2: the iris example and k-NN classification).
Run:    python classic_ml/01_knn.py [--k 5] [--max-k 15] [--seed 0] [--predict 5.1 3.5 1.4 0.2]
Prints: the dataset, train/test accuracy for k = 1..max-k, the test accuracy at --k, and the
predicted species of the new flower with its nearest training flowers.
Saves:  outputs/classic_ml/01_knn/{metrics.json, accuracy_vs_k.png, decision_regions.png}
Expect: test accuracy 1.00 at k = 5 with the default seed (at least 0.95; 38 test flowers, so
one mistake is 2.6 points); the default new flower (5.0, 2.9, 1.0, 0.2) is a setosa. A few seconds.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

import lessonkit as lk

FEATURES = ("sepal length", "sepal width", "petal length", "petal width")  # all in cm
# The new flower of the book's example, used when --predict is not given.
DEFAULT_FLOWER = (5.0, 2.9, 1.0, 0.2)
# The two features the decision-region plot uses: the petals separate the species best.
PLOT_FEATURES = (2, 3)
COLORS = ("tab:blue", "tab:orange", "tab:green")
N_TRAIN = 112  # 75% of the 150 flowers
DEFAULT_K = 5   # scikit-learn's default number of neighbours


def load_split(seed: int, test_size: float = 0.25):
    """Iris split into train and test sets.

    stratify=y keeps the 1/3-1/3-1/3 class mix in both parts (分层抽样): a plain random split of 38
    flowers can be lopsided (with random_state=0 it gives 13, 16 and 9 flowers of the three species).
    Returns x_train (112, 4), x_test (38, 4), y_train, y_test and the species names.
    """
    iris = load_iris()
    x_train, x_test, y_train, y_test = train_test_split(
        iris.data, iris.target, test_size=test_size, stratify=iris.target, random_state=seed)
    return x_train, x_test, y_train, y_test, [str(name) for name in iris.target_names]


def fit_knn(x_train: np.ndarray, y_train: np.ndarray, k: int) -> KNeighborsClassifier:
    # "Fitting" kNN only stores the training set; all the work happens at predict time, when the
    # k closest training flowers (Euclidean distance) vote on the label.
    return KNeighborsClassifier(n_neighbors=k).fit(x_train, y_train)


def accuracy_vs_k(x_train, y_train, x_test, y_test, ks) -> list[dict]:
    """Train and test accuracy for each k: k = 1 memorises the training set (train accuracy 1.0)."""
    rows = []
    for k in ks:
        model = fit_knn(x_train, y_train, k)
        rows.append({"k": k, "train_accuracy": model.score(x_train, y_train),
                     "test_accuracy": model.score(x_test, y_test)})
    return rows


def describe_new_flower(model: KNeighborsClassifier, flower, x_train, y_train, names) -> dict:
    """Predict the species of one flower and show the training flowers that voted for it."""
    x_new = np.asarray(flower, dtype=float).reshape(1, -1)   # (1, 4): scikit-learn wants a 2-D array
    label = int(model.predict(x_new)[0])
    probabilities = model.predict_proba(x_new)[0]            # share of the k votes per class
    distances, index = model.kneighbors(x_new)               # (1, k) each
    print(f"\nnew flower {tuple(float(v) for v in flower)} (cm) -> {names[label]} "
          f"(votes: {', '.join(f'{n} {p:.0%}' for n, p in zip(names, probabilities))})")
    for d, i in zip(distances[0], index[0]):
        print(f"  neighbour at distance {d:.2f} cm: {np.round(x_train[i], 1).tolist()} {names[y_train[i]]}")
    # kNN always answers, even for a flower unlike any it has seen: say so rather than pretend.
    typical = np.median(model.kneighbors(x_train, n_neighbors=2)[0][:, 1])  # nearest-other-flower distance
    if distances[0, 0] > 5 * typical:
        print(f"  note: the nearest training flower is {distances[0, 0]:.1f} cm away (training flowers are "
              f"typically {typical:.2f} cm apart): this flower is unlike the data, so the answer means little")
    return {"species": names[label], "label": label, "nearest_distance": float(distances[0, 0])}


def plot_accuracy_vs_k(rows: list[dict], chosen_k: int, path, show: bool) -> None:
    ks = [r["k"] for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(ks, [r["train_accuracy"] for r in rows], "o-", label="training set")
    ax.plot(ks, [r["test_accuracy"] for r in rows], "s-", label="test set")
    ax.axvline(chosen_k, color="gray", linestyle=":", label=f"--k {chosen_k}")
    ax.set(xlabel="k (number of neighbours)", ylabel="accuracy", title="kNN on iris: accuracy vs k",
           xticks=ks)
    ax.grid(alpha=0.3)
    ax.legend()
    lk.save_figure(fig, path, show=show)


def plot_decision_regions(x_train, y_train, names, ks, path, show: bool) -> None:
    """Decision regions of kNN trained on two features only (a 2-D picture needs 2 inputs).

    The regions are drawn the plain way: predict a label for every point of a fine grid, then colour
    the grid by label.
    """
    f1, f2 = PLOT_FEATURES
    x2 = x_train[:, [f1, f2]]                                  # (112, 2)
    lo, hi = x2.min(axis=0) - 0.5, x2.max(axis=0) + 0.5
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], 300), np.linspace(lo[1], hi[1], 300))  # (300, 300) each
    grid = np.column_stack([g1.ravel(), g2.ravel()])           # (90000, 2)
    fig, axes = plt.subplots(1, len(ks), figsize=(4.2 * len(ks), 4), squeeze=False)
    for ax, k in zip(axes[0], ks):
        model = fit_knn(x2, y_train, k)
        regions = model.predict(grid).reshape(g1.shape)        # (300, 300) labels
        ax.contourf(g1, g2, regions, levels=[-0.5, 0.5, 1.5, 2.5], colors=COLORS, alpha=0.25)
        for label, name in enumerate(names):
            points = x2[y_train == label]
            ax.scatter(points[:, 0], points[:, 1], s=18, color=COLORS[label], edgecolor="k", linewidth=0.4,
                       label=name)
        ax.set(xlabel=f"{FEATURES[f1]} (cm)", ylabel=f"{FEATURES[f2]} (cm)",
               title=f"k = {k}: train accuracy {model.score(x2, y_train):.2f}")
    axes[0, 0].legend(loc="upper left")
    fig.suptitle("kNN decision regions on two iris features: small k follows every point, large k smooths")
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__)
    parser.add_argument("--k", type=lk.positive_int, default=DEFAULT_K,
                        help=f"number of neighbours that vote (default: {DEFAULT_K})")
    parser.add_argument("--max-k", type=lk.positive_int, default=15,
                        help="the accuracy-vs-k curve tries k = 1..max-k (default: 15)")
    parser.add_argument("--predict", nargs=4, type=lk.positive_float, default=None,
                        metavar=("SEPAL_LEN", "SEPAL_WID", "PETAL_LEN", "PETAL_WID"),
                        help="a new flower's four measurements in cm (default: the book's 5.0 2.9 1.0 0.2)")
    args = parser.parse_args(argv)
    if args.k > N_TRAIN:
        parser.error(f"--k {args.k} is more than the {N_TRAIN} training flowers")
    run = lk.start_run(__file__, args, cpu_only="scikit-learn computes on the CPU")
    # Fitting kNN on 112 flowers takes milliseconds: --quick only shortens the k sweep.
    max_k = min(args.max_k, 5 if args.quick else N_TRAIN)

    x_train, x_test, y_train, y_test, names = load_split(args.seed)
    print(f"iris: {len(x_train)} training and {len(x_test)} test flowers, features {FEATURES} (cm), "
          f"species {names}")
    print(f"first training flower: {x_train[0].tolist()} -> {names[y_train[0]]}")

    rows = accuracy_vs_k(x_train, y_train, x_test, y_test, range(1, max_k + 1))
    print("\n  k  train acc  test acc")
    for r in rows:
        print(f"{r['k']:3d}  {r['train_accuracy']:9.3f}  {r['test_accuracy']:8.3f}")

    model = fit_knn(x_train, y_train, args.k)
    train_acc, test_acc = model.score(x_train, y_train), model.score(x_test, y_test)
    errors = int((model.predict(x_test) != y_test).sum())
    print(f"\nk = {args.k}: train accuracy {train_acc:.3f}, test accuracy {test_acc:.3f} "
          f"({errors} of {len(y_test)} test flowers wrong)")

    new = describe_new_flower(model, args.predict or DEFAULT_FLOWER, x_train, y_train, names)

    plot_accuracy_vs_k(rows, args.k, run.out / "accuracy_vs_k.png", args.show)
    region_ks = sorted({1, args.k, max_k})
    plot_decision_regions(x_train, y_train, names, region_ks, run.out / "decision_regions.png", args.show)
    return run.finish({
        "k": args.k,
        "test_accuracy": test_acc,
        "train_accuracy": train_acc,
        "test_errors": errors,
        "best_k": max(rows, key=lambda r: r["test_accuracy"])["k"],
        "new_flower_species": new["species"],
        "accuracy_vs_k": rows,
    })


if __name__ == "__main__":
    main()
