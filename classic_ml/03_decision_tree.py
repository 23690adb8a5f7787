"""classic_ml/03_decision_tree.py: decision trees (决策树) on breast cancer: overfitting, pruning, importances.

You will grow a tree until every leaf is pure (training accuracy 1.0: it has memorised the training
set), then limit its depth (pre-pruning 预剪枝, max_depth) and see the test accuracy hold or improve
while the tree becomes small enough to read. You will draw the tree with sklearn.tree.plot_tree, read
its first rules as text, plot train/test accuracy against depth, and look at the feature importances
(特征重要性). Finally you will see how much the test accuracy of one tree moves from one random split
to another: the reason 06_cross_validation.py exists.

Notes: 000 ML_4 (scikit-learn decision tree, after "Introduction to Machine Learning with Python",
chapter 2: decision trees on the breast cancer data, max_depth=4, feature importances).
Run:    python classic_ml/03_decision_tree.py [--max-depth 4] [--split-seed 42] [--seed 0]
Prints: train/test accuracy of the unpruned and the depth-limited tree, accuracy per depth, the top
rules and importances, and the mean and spread of test accuracy over many random splits.
Saves:  outputs/classic_ml/03_decision_tree/{metrics.json, accuracy_vs_depth.png, tree.png,
        feature_importances.png}
Expect: unpruned train 1.000 / test 0.937; max_depth 4 train 0.988 / test 0.951 (floor 0.93) on the
book's split (--split-seed 42); over 30 random splits depth 4 averages 0.926 +- 0.027 and the
unpruned tree 0.924 +- 0.024. A few seconds.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier, export_text, plot_tree

import lessonkit as lk

DEFAULT_MAX_DEPTH = 4   # the book's pruned tree
BOOK_SPLIT_SEED = 42    # the book's train/test split of the breast cancer data


def load_split(split_seed: int):
    """Breast cancer: 569 tumours, 30 measurements; 0 = malignant, 1 = benign.

    Returns x_train (426, 30), x_test (143, 30), y_train, y_test, feature names, class names.
    Trees compare one feature with a threshold at a time, so they need no feature scaling.
    """
    data = load_breast_cancer()
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, stratify=data.target, random_state=split_seed)
    return x_train, x_test, y_train, y_test, list(data.feature_names), [str(n) for n in data.target_names]


def fit_tree(x_train, y_train, max_depth: int | None, seed: int) -> DecisionTreeClassifier:
    # random_state fixes the order in which features are tried at each split: when two splits are
    # equally good, it decides which one wins, so a fixed seed gives the same tree every run.
    return DecisionTreeClassifier(max_depth=max_depth, random_state=seed).fit(x_train, y_train)


def accuracy_vs_depth(x_train, y_train, x_test, y_test, depths, seed: int) -> list[dict]:
    rows = []
    for depth in depths:
        tree = fit_tree(x_train, y_train, depth, seed)
        rows.append({"depth": depth, "train_accuracy": tree.score(x_train, y_train),
                     "test_accuracy": tree.score(x_test, y_test)})
    return rows


def split_spread(max_depth: int, n_splits: int, seed: int) -> dict[str, np.ndarray]:
    """Test accuracy of the unpruned and the depth-limited tree on n_splits different random splits."""
    scores = {"unpruned": [], f"max_depth={max_depth}": []}
    for split_seed in range(n_splits):
        x_train, x_test, y_train, y_test, _, _ = load_split(split_seed)
        for key, depth in (("unpruned", None), (f"max_depth={max_depth}", max_depth)):
            scores[key].append(fit_tree(x_train, y_train, depth, seed).score(x_test, y_test))
    return {key: np.array(values) for key, values in scores.items()}


def plot_accuracy_vs_depth(rows, chosen_depth: int, path, show: bool) -> None:
    depths = [r["depth"] for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(depths, [r["train_accuracy"] for r in rows], "o-", label="training set")
    ax.plot(depths, [r["test_accuracy"] for r in rows], "s-", label="test set")
    ax.axvline(chosen_depth, color="gray", linestyle=":", label=f"--max-depth {chosen_depth}")
    ax.set(xlabel="max_depth", ylabel="accuracy", xticks=depths,
           title="Decision tree on breast cancer: deeper fits the training set, not the test set")
    ax.grid(alpha=0.3)
    ax.legend()
    lk.save_figure(fig, path, show=show)


def plot_the_tree(tree, feature_names, class_names, path, show: bool) -> None:
    depth = tree.get_depth()
    fig, ax = plt.subplots(figsize=(max(10, 4.5 * depth), 2.4 * (depth + 1)))
    # filled: the colour shows the majority class and how pure the node is
    plot_tree(tree, feature_names=feature_names, class_names=class_names, filled=True, rounded=True,
              impurity=False, proportion=False, fontsize=8, ax=ax)
    ax.set_title(f"Decision tree, depth {depth}, {tree.get_n_leaves()} leaves "
                 "(each box: the test, samples reaching it, [malignant, benign] counts, majority class)")
    lk.save_figure(fig, path, show=show)


def plot_importances(tree, feature_names, path, show: bool) -> None:
    order = np.argsort(tree.feature_importances_)               # smallest first: largest ends on top
    fig, ax = plt.subplots(figsize=(7, 8))
    ax.barh(np.array(feature_names)[order], tree.feature_importances_[order], color="tab:green")
    ax.set(xlabel="feature importance (share of the impurity decrease, sums to 1)",
           title=f"Which features the depth-{tree.get_depth()} tree uses")
    ax.grid(axis="x", alpha=0.3)
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__)
    parser.add_argument("--max-depth", type=lk.positive_int, default=DEFAULT_MAX_DEPTH,
                        help=f"depth limit of the pruned tree (default: {DEFAULT_MAX_DEPTH}, as in the book)")
    parser.add_argument("--split-seed", type=lk.seed_value, default=BOOK_SPLIT_SEED,
                        help=f"random_state of the train/test split (default: {BOOK_SPLIT_SEED}, the book's split)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args, cpu_only="scikit-learn computes on the CPU")
    # A tree on 426 rows fits in milliseconds; --quick only uses fewer random splits for the spread.
    n_splits = 5 if args.quick else 30

    x_train, x_test, y_train, y_test, features, classes = load_split(args.split_seed)
    print(f"breast cancer: {len(x_train)} training and {len(x_test)} test tumours, {len(features)} features, "
          f"classes {classes}")

    full = fit_tree(x_train, y_train, None, args.seed)
    pruned = fit_tree(x_train, y_train, args.max_depth, args.seed)
    report = {}
    for name, tree in (("unpruned", full), (f"max_depth={args.max_depth}", pruned)):
        report[name] = (tree.score(x_train, y_train), tree.score(x_test, y_test))
        print(f"{name:>12}: depth {tree.get_depth()}, {tree.get_n_leaves():3d} leaves, "
              f"train accuracy {report[name][0]:.3f}, test accuracy {report[name][1]:.3f}")
    print("The unpruned tree keeps splitting until every leaf holds one class, so it is perfect on the training "
          "set, including its noise; limiting the depth stops it early.")

    rows = accuracy_vs_depth(x_train, y_train, x_test, y_test, range(1, full.get_depth() + 1), args.seed)
    print("\ndepth  train acc  test acc")
    for r in rows:
        print(f"{r['depth']:5d}  {r['train_accuracy']:9.3f}  {r['test_accuracy']:8.3f}")

    print("\nthe top three levels of the pruned tree, as rules:")
    print(export_text(pruned, feature_names=features, class_names=classes, max_depth=2, decimals=2))
    ranking = np.argsort(pruned.feature_importances_)[::-1]
    print("top features: " + ", ".join(f"{features[i]} {pruned.feature_importances_[i]:.2f}" for i in ranking[:5]))
    print(f"{int(np.sum(pruned.feature_importances_ == 0))} of {len(features)} features are not used at all "
          "(importance 0 means 'not used by this tree', not 'carries no information')")

    pruned_name = f"max_depth={args.max_depth}"
    spread = split_spread(args.max_depth, n_splits, args.seed)
    print(f"\ntest accuracy over {n_splits} random splits (split seeds 0..{n_splits - 1}):")
    for name, scores in spread.items():
        print(f"{name:>12}: mean {scores.mean():.3f} +- {scores.std():.3f} (min {scores.min():.3f}, "
              f"max {scores.max():.3f})")
    gap = spread[pruned_name].mean() - spread["unpruned"].mean()
    noise = spread[pruned_name].std()
    print(f"Averaged over splits, depth {args.max_depth} differs from the unpruned tree by {gap:+.3f}, "
          f"{'inside' if abs(gap) < noise else 'outside'} the split-to-split spread of {noise:.3f}. One 143-tumour "
          "test set moves the score by a few points, so one split cannot rank two close models; "
          "cross-validation (06_cross_validation.py) averages over folds for that reason.")

    plot_accuracy_vs_depth(rows, args.max_depth, run.out / "accuracy_vs_depth.png", args.show)
    plot_the_tree(pruned, features, classes, run.out / "tree.png", args.show)
    plot_importances(pruned, features, run.out / "feature_importances.png", args.show)
    return run.finish({
        "max_depth": args.max_depth,
        "test_accuracy": report[pruned_name][1],
        "train_accuracy": report[pruned_name][0],
        "unpruned_test_accuracy": report["unpruned"][1],
        "unpruned_train_accuracy": report["unpruned"][0],
        "unpruned_depth": full.get_depth(),
        "pruned_leaves": int(pruned.get_n_leaves()),
        "split_spread_mean": {k: float(v.mean()) for k, v in spread.items()},
        "split_spread_std": {k: float(v.std()) for k, v in spread.items()},
        "accuracy_vs_depth": rows,
    })


if __name__ == "__main__":
    main()
