"""Exercises for classic_ml/01_knn.py. Write your answers in this file, then check them:

    python -m lessonkit.check classic_ml/01

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/classic_ml/01_knn.py (try first).
"""

from __future__ import annotations

import numpy as np

# Exercise 1 (note 000 ML_2, k-nearest neighbours k近邻 and overfitting 过拟合; a flag answers it): run
#     python classic_ml/01_knn.py --max-k 3
# What training accuracy does k = 1 get on the lesson's split (default seed)? Predict it before you run it,
# and say why in a comment: what is the nearest training flower of a training flower?
TRAIN_ACCURACY_AT_K_1 = None


def knn_predict(x_train: np.ndarray, y_train: np.ndarray, x_query: np.ndarray, k: int) -> np.ndarray:
    """Exercise 2 (note 000 ML_2, k-nearest neighbours by hand; a few lines): the label of every row of x_query
    (m, d) by a majority vote of its k nearest rows of x_train (n, d) (Euclidean distance), as an (m,) array
    of labels. y_train holds whole-number labels 0..C-1. It must agree with KNeighborsClassifier(n_neighbors=k)
    wherever the vote is not a tie. Hint of the method: pairwise distances by broadcasting (basics/01),
    np.argsort along each row, the first k columns, then np.bincount per row for the vote.
    """
    raise NotImplementedError


def knn_predict_weighted(x_train: np.ndarray, y_train: np.ndarray, x_query: np.ndarray, k: int) -> np.ndarray:
    """Exercise 3 (note 000 ML_2, distance-weighted voting; goes further): as knn_predict, but each of the k
    neighbours votes with weight 1 / distance, so a close neighbour counts more than a far one, and the
    label with the largest total weight wins. It must agree with KNeighborsClassifier(n_neighbors=k,
    weights="distance"). (A query exactly on a training point would divide by zero; the checker uses none.)
    """
    raise NotImplementedError
