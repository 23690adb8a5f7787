"""Checks for exercises/classic_ml/03_decision_tree.py (run: python -m lessonkit.check classic_ml/03)."""

import numpy as np
from sklearn.datasets import load_iris, load_wine
from sklearn.tree import DecisionTreeClassifier

from lessonkit.check import NotYet, lesson

dt = lesson("classic_ml/03_decision_tree.py")


def check_BEST_TEST_DEPTH(answer):
    if answer is None:
        raise NotImplementedError
    x_train, x_test, y_train, y_test, _, _ = dt.load_split(dt.BOOK_SPLIT_SEED)
    full_depth = dt.fit_tree(x_train, y_train, None, 0).get_depth()
    rows = dt.accuracy_vs_depth(x_train, y_train, x_test, y_test, range(1, full_depth + 1), 0)
    best = max(r["test_accuracy"] for r in rows)
    truth = min(r["depth"] for r in rows if r["test_accuracy"] == best)
    if not isinstance(answer, int) or not 1 <= answer <= full_depth:
        raise NotYet(f"give a whole number, a depth from 1 to {full_depth} (the unpruned tree's depth)")
    if answer != truth:
        accuracy = {r["depth"]: r["test_accuracy"] for r in rows}[answer]
        raise NotYet(f"depth {answer} reaches test accuracy {accuracy:.3f}; another depth does better or as well "
                     "with fewer levels: read the 'test acc' column of the depth table, not 'train acc'")


def _root_impurity(labels) -> float:
    """scikit-learn's Gini impurity of a node holding these labels: the root of a tree fitted on them."""
    return float(DecisionTreeClassifier(max_depth=1).fit(np.zeros((len(labels), 1)), labels).tree_.impurity[0])


def check_gini_impurity(answer):
    rng = np.random.default_rng(0)
    cases = [np.array([1, 1, 1, 1]), np.array([0, 1, 0, 1]), np.array([3, 3, 7]), rng.integers(0, 5, size=50),
             np.array(["setosa", "virginica", "virginica", "versicolor", "virginica"]), load_iris().target]
    for labels in cases:
        got = answer(labels)
        if not isinstance(got, (float, np.floating)):
            raise NotYet("return one number, the impurity")
        if not np.isclose(got, _root_impurity(labels), rtol=1e-12, atol=1e-12):
            raise NotYet(f"for labels {labels[:8].tolist()}{'...' if len(labels) > 8 else ''} the impurity differs "
                         "from scikit-learn's: p_k is the count of class k over the number of labels; square, "
                         "sum over the classes present, subtract from 1 (labels need not be 0..C-1, nor numbers)")


def _weighted_gini(y, left) -> float:
    def gini(part):
        _, counts = np.unique(part, return_counts=True)
        return 1.0 - ((counts / counts.sum()) ** 2).sum()
    return (left.sum() * gini(y[left]) + (~left).sum() * gini(y[~left])) / len(y)


def _tables():
    x_train, _, y_train, _, _, _ = dt.load_split(dt.BOOK_SPLIT_SEED)
    yield "breast cancer", x_train, y_train
    wine = load_wine()
    yield "wine", wine.data, wine.target


def check_best_split(answer):
    for name, x, y in _tables():
        got = answer(x, y)
        if not isinstance(got, tuple) or len(got) != 2:
            raise NotYet("return the pair (feature index, threshold)")
        feature, threshold = got
        if not isinstance(feature, (int, np.integer)) or not 0 <= feature < x.shape[1]:
            raise NotYet(f"the feature must be a column index, a whole number from 0 to {x.shape[1] - 1}")
        left = x[:, feature] <= threshold
        if left.all() or not left.any():
            raise NotYet(f"on {name} your threshold puts every row on one side: take it between two values of "
                         "the column")
        stump = DecisionTreeClassifier(max_depth=1, random_state=0).fit(x, y).tree_
        best = _weighted_gini(y, x[:, stump.feature[0]] <= stump.threshold[0])
        score = _weighted_gini(y, left)
        if score > best + 1e-12:
            raise NotYet(f"on {name} your split leaves a weighted Gini impurity of {score:.4f}; a better one "
                         "exists: try every feature and every threshold between neighbouring sorted values, and "
                         "weight each side's impurity by its number of rows")
