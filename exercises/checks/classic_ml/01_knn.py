"""Checks for exercises/classic_ml/01_knn.py (run: python -m lessonkit.check classic_ml/01)."""

import numpy as np
from sklearn.datasets import load_wine
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from lessonkit.check import NotYet, lesson

knn = lesson("classic_ml/01_knn.py")


def check_TRAIN_ACCURACY_AT_K_1(answer):
    if answer is None:
        raise NotImplementedError
    x_train, x_test, y_train, y_test, _ = knn.load_split(0)
    truth = knn.accuracy_vs_k(x_train, y_train, x_test, y_test, [1])[0]["train_accuracy"]
    if not isinstance(answer, (int, float)) or not 0 <= answer <= 1:
        raise NotYet("give an accuracy, a number between 0 and 1 (the lesson prints it in the 'train acc' column)")
    if abs(answer - truth) > 1e-9:
        raise NotYet("read the k = 1 row of the table the lesson prints; to see why, ask which stored training "
                     "flower is nearest to a training flower")


def _away_from(x_train, x_query):
    """The queries that are not exactly a training row (iris holds duplicates: 1 / distance would be 1 / 0)."""
    return x_query[np.abs(x_query[:, None, :] - x_train[None, :, :]).sum(axis=-1).min(axis=1) > 1e-9]


def _cases():
    """(x_train, y_train, x_query) triples: iris as in the lesson, plus scaled wine (13 features)."""
    rng = np.random.default_rng(0)
    x_train, x_test, y_train, _, _ = knn.load_split(0)
    jitter = x_train[rng.integers(0, len(x_train), 60)] + rng.normal(0, 0.3, size=(60, 4))
    yield x_train, y_train, _away_from(x_train, np.concatenate([x_test, jitter]))
    wine = load_wine()
    x = StandardScaler().fit_transform(wine.data)
    order = rng.permutation(len(x))
    yield x[order[:120]], wine.target[order[:120]], x[order[120:]]


def _clear_votes(model, x_query, y_train, k, weighted):
    """Queries whose answer is unambiguous: no tie at the k-th distance, no tie in the vote."""
    distances, index = model.kneighbors(x_query, n_neighbors=k + 1)
    clear = distances[:, k - 1] < distances[:, k] - 1e-9
    weights = 1 / np.maximum(distances[:, :k], 1e-12) if weighted else np.ones((len(x_query), k))
    votes = np.zeros((len(x_query), y_train.max() + 1))
    np.add.at(votes, (np.arange(len(x_query))[:, None], y_train[index[:, :k]]), weights)
    top = np.sort(votes, axis=1)
    return clear & (top[:, -1] - top[:, -2] > 1e-9 * top[:, -1])


def _compare(answer, weighted: bool):
    for x_train, y_train, x_query in _cases():
        for k in (1, 3, 5, 8):
            model = KNeighborsClassifier(n_neighbors=k, weights="distance" if weighted else "uniform")
            model.fit(x_train, y_train)
            got = answer(x_train, y_train, x_query, k)
            if not isinstance(got, np.ndarray) or got.shape != (len(x_query),):
                raise NotYet(f"return one label per query row: shape ({len(x_query)},)")
            clear = _clear_votes(model, x_query, y_train, k, weighted)
            assert clear.mean() > 0.8, "the check's queries are too often ties"
            wrong = np.flatnonzero(clear & (got != model.predict(x_query)))
            if len(wrong):
                raise NotYet(f"with k = {k} on data with {x_train.shape[1]} features, {len(wrong)} of "
                             f"{len(x_query)} queries get another label than scikit-learn's: "
                             + ("each of the k nearest votes with weight 1 / distance; add the weights per label"
                                if weighted else "take the k smallest distances in each row of the (queries, "
                                "training rows) distance matrix and count their labels"))


def check_knn_predict(answer):
    _compare(answer, weighted=False)


def check_knn_predict_weighted(answer):
    _compare(answer, weighted=True)
