"""Worked solutions for exercises/classic_ml/01_knn.py, with a paragraph each. Check them with
    python -m lessonkit.check classic_ml/01 --solutions
"""

from __future__ import annotations

import numpy as np

# Exercise 1. 1.0. Every training flower is in the stored training set, at distance 0 from itself, so with k = 1
# its nearest neighbour is itself and the prediction copies its own label. (Only two identical flowers with
# different labels could spoil it; iris holds one flower twice, both copies virginica.) A perfect training score that
# says nothing about new flowers: the textbook picture of overfitting, which is why the lesson reads the test
# column to choose k.
TRAIN_ACCURACY_AT_K_1 = 1.0


def _distances(x_train: np.ndarray, x_query: np.ndarray) -> np.ndarray:
    """(m, n) Euclidean distances by broadcasting, as in basics/01."""
    return np.sqrt(((x_query[:, None, :] - x_train[None, :, :]) ** 2).sum(axis=-1))


def knn_predict(x_train: np.ndarray, y_train: np.ndarray, x_query: np.ndarray, k: int) -> np.ndarray:
    """All the work of kNN happens here, at predict time: m x n distances, the k smallest per row (argsort;
    np.argpartition finds them without sorting everything), and a vote. np.bincount counts the labels of a
    row; argmax picks the most frequent, the smallest label among ties, which is also what scikit-learn does.
    This is why "fitting" kNN is instant and predicting is slow on a large training set."""
    nearest = np.argsort(_distances(x_train, x_query), axis=1)[:, :k]          # (m, k) training indices
    labels = y_train[nearest]                                                  # (m, k)
    n_classes = int(y_train.max()) + 1
    return np.array([np.bincount(row, minlength=n_classes).argmax() for row in labels])


def knn_predict_weighted(x_train: np.ndarray, y_train: np.ndarray, x_query: np.ndarray, k: int) -> np.ndarray:
    """The same neighbours, but the vote adds 1 / distance per label instead of 1. np.add.at adds into
    (row, label) pairs even when one pair repeats (plain fancy-index assignment would keep only one). With
    weights, a single very close neighbour can outvote several far ones: the boundary follows the data more
    closely, and ties become rare."""
    distances = _distances(x_train, x_query)
    nearest = np.argsort(distances, axis=1)[:, :k]
    rows = np.arange(len(x_query))[:, None]
    weights = 1.0 / distances[rows, nearest]
    votes = np.zeros((len(x_query), int(y_train.max()) + 1))
    np.add.at(votes, (rows, y_train[nearest]), weights)
    return votes.argmax(axis=1)
