"""Exercises for classic_ml/06_cross_validation.py. Write your answers in this file, then check them:

    python -m lessonkit.check classic_ml/06

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/classic_ml/06_cross_validation.py (try first).
"""

from __future__ import annotations

import numpy as np

# Exercise 1 (note 000 ML_2-ML_4 and note 002 交叉验证 K-fold cross-validation, grid search 网格搜索; a flag
# answers it): run
#     python classic_ml/06_cross_validation.py --folds 10
# How many SVMs does the grid search fit in all (the lesson prints it)? Count it first: every (C, gamma) pair
# of the grid is fitted once per fold, and refit=True adds one more fit at the end.
GRID_FITS_WITH_10_FOLDS = None


def stratified_folds(y: np.ndarray, folds: int, seed: int) -> list[np.ndarray]:
    """Exercise 2 (note 002 交叉验证 K-fold cross-validation, stratified 分层; a few lines): cut the examples into
    `folds` test folds, each with (nearly) the class mix of y: return a list of `folds` arrays of example
    indices, every index 0..len(y)-1 in exactly one of them, and each class's examples spread as evenly as
    possible (for every class and fold, the count is its total // folds or one more). Shuffle within each
    class with np.random.default_rng(seed), so that a sorted y (like iris) does not give sorted folds.
    """
    raise NotImplementedError


def nested_cv_scores(x: np.ndarray, y: np.ndarray, values: list[float], inner_folds: int, outer_folds: int,
                     seed: int) -> np.ndarray:
    """Exercise 3 (note 002 交叉验证 K-fold cross-validation, nested; goes further): the lesson's grid search picks
    (C, gamma) by the best of many noisy cross-validation means, so its best_score_ is optimistic. Nested
    cross-validation measures the whole procedure honestly: for each outer fold, run the lesson's grid search
    (make_model(), grid {"svc__C": values, "svc__gamma": values}) on the outer training rows only, with inner
    folds, and score the refitted best model on the outer test rows. Use
    StratifiedKFold(n, shuffle=True, random_state=seed) for both loops (GridSearchCV picks the first best
    pair in its order when several tie). Return the outer scores, shape (outer_folds,).
    """
    raise NotImplementedError
