"""Exercises for classic_ml/03_decision_tree.py. Write your answers in this file, then check them:

    python -m lessonkit.check classic_ml/03

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/classic_ml/03_decision_tree.py (try first).
"""

from __future__ import annotations

import numpy as np

# Exercise 1 (note 000 ML_4, decision trees 决策树 and pre-pruning 预剪枝; a flag answers it): run
#     python classic_ml/03_decision_tree.py
# and read the depth table (the book's split). Which max_depth gives the highest test accuracy? If several
# depths tie, give the smallest: the simplest tree that does as well.
BEST_TEST_DEPTH = None


def gini_impurity(labels: np.ndarray) -> float:
    """Exercise 2 (note 000 ML_4, Gini impurity, the tree's default criterion; a few lines): 1 - sum_k p_k^2,
    where p_k is the fraction of the labels equal to class k. 0 for a pure node; 0.5 for a 50/50 node of two
    classes. labels is a 1-D array of any label values (numbers or text); np.unique(..., return_counts=True)
    helps. It must agree with the impurity scikit-learn reports for a node (tree_.impurity).
    """
    raise NotImplementedError


def best_split(x: np.ndarray, y: np.ndarray) -> tuple[int, float]:
    """Exercise 3 (note 000 ML_4, how a tree chooses a split; goes further): the first question a tree asks.
    Over every feature j and every threshold t between two neighbouring values of x[:, j], split the rows
    into x[:, j] <= t (left) and the rest (right), and score the split by the weighted Gini impurity of the
    two sides, (n_left * gini(left) + n_right * gini(right)) / n. Return the (j, t) with the lowest score:
    the split that DecisionTreeClassifier(max_depth=1) makes at its root. A loop over features and
    thresholds is fine (sorting each column once and counting classes cumulatively makes it fast).
    """
    raise NotImplementedError
