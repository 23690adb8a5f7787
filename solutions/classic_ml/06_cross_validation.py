"""Worked solutions for exercises/classic_ml/06_cross_validation.py, with a paragraph each. Check them with
    python -m lessonkit.check classic_ml/06 --solutions
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

# Exercise 1. 361: 6 values of C times 6 of gamma are 36 candidates, each fitted on 10 training folds (360 fits),
# plus one refit of the winner on the whole training set. The cost of a grid grows with the product of the
# grid sizes times the folds: a third parameter with 6 values would make it 2,161. That is why grids are kept
# coarse (logarithmic steps) and why RandomizedSearchCV exists.
GRID_FITS_WITH_10_FOLDS = 6 * 6 * 10 + 1


def stratified_folds(y: np.ndarray, folds: int, seed: int) -> list[np.ndarray]:
    """Stratifying means splitting each class separately: shuffle the class's indices, cut them into
    `folds` nearly equal parts with np.array_split (sizes differ by at most one), and give part i to fold i.
    Rotating which fold gets the larger parts keeps the fold sizes even too. Unshuffled KFold on sorted iris
    gives a fold of one species, which the model never saw in training: the lesson's accuracy of 0.
    StratifiedKFold does this (with a cleverer balancing of the sizes)."""
    rng = np.random.default_rng(seed)
    parts = [[] for _ in range(folds)]
    offset = 0
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        for i, chunk in enumerate(np.array_split(members, folds)):
            parts[(i + offset) % folds].append(chunk)
        offset += len(members) % folds              # the next class's larger parts go to other folds
    return [np.sort(np.concatenate(p)) for p in parts]


def nested_cv_scores(x: np.ndarray, y: np.ndarray, values: list[float], inner_folds: int, outer_folds: int,
                     seed: int) -> np.ndarray:
    """A GridSearchCV is itself an estimator: its fit() runs the whole search and refits the best pair, so
    cross-validating it scores the procedure "tune on the data you have, then predict", each outer test fold
    unseen by its search. The result is lower than best_score_ on average (the inner winner was chosen
    because its noisy mean was high), and it is the number to report when there is no separate test set.
    The model is the lesson's make_model(), a scaler and an RBF SVM in one pipeline."""
    search = GridSearchCV(make_pipeline(StandardScaler(), SVC()), {"svc__C": values, "svc__gamma": values},
                          cv=StratifiedKFold(inner_folds, shuffle=True, random_state=seed))
    return cross_val_score(search, x, y, cv=StratifiedKFold(outer_folds, shuffle=True, random_state=seed))
