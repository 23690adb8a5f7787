"""Checks for exercises/classic_ml/06_cross_validation.py (run: python -m lessonkit.check classic_ml/06)."""

import numpy as np
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV, ParameterGrid, StratifiedKFold, cross_val_score

from lessonkit.check import NotYet, lesson

cv_lesson = lesson("classic_ml/06_cross_validation.py")


def check_GRID_FITS_WITH_10_FOLDS(answer):
    if answer is None:
        raise NotImplementedError
    grid = {"svc__C": cv_lesson.GRID_VALUES, "svc__gamma": cv_lesson.GRID_VALUES}
    truth = len(ParameterGrid(grid)) * 10 + 1
    if not isinstance(answer, int):
        raise NotYet("give a whole number of fits")
    if answer != truth:
        raise NotYet(f"the grid has {len(cv_lesson.GRID_VALUES)} values for C and as many for gamma: count the "
                     "pairs, fit each once per fold, and add the final refit of the best pair")


def check_stratified_folds(answer):
    rng = np.random.default_rng(0)
    iris = load_iris().target                                      # sorted: 50, 50, 50
    lopsided = rng.permutation(np.repeat([0, 1, 2], [7, 13, 30]))
    for y, folds in ((iris, 3), (iris, 5), (lopsided, 4), (lopsided, 7)):
        got = answer(y, folds, 0)
        if not isinstance(got, (list, tuple)) or len(got) != folds:
            raise NotYet(f"return a list of {folds} index arrays, one per fold")
        everything = np.concatenate([np.asarray(f, dtype=int) for f in got])
        if len(everything) != len(y) or not np.array_equal(np.sort(everything), np.arange(len(y))):
            raise NotYet("every example index must be in exactly one fold (no repeats, none left out)")
        for label, total in zip(*np.unique(y, return_counts=True)):
            counts = [int(np.sum(y[np.asarray(f, dtype=int)] == label)) for f in got]
            if min(counts) < total // folds or max(counts) > -(-total // folds):
                raise NotYet(f"class {label} ({total} examples) is spread {counts} over {folds} folds: split each "
                             "class on its own into nearly equal parts (np.array_split) and give one part to each "
                             "fold")
    first = answer(iris, 3, 0)
    if all(np.array_equal(np.sort(f), np.arange(i * 50, (i + 1) * 50)) for i, f in enumerate(first)) or \
            all(np.all(np.diff(np.sort(np.asarray(f))[:17]) == 1) for f in first):
        raise NotYet("the folds are runs of neighbouring examples: shuffle each class's indices first")
    if all(np.array_equal(np.sort(a), np.sort(b)) for a, b in zip(first, answer(iris, 3, 1))):
        raise NotYet("another seed gives the same folds: shuffle with np.random.default_rng(seed)")
    if not all(np.array_equal(np.sort(a), np.sort(b)) for a, b in zip(first, answer(iris, 3, 0))):
        raise NotYet("the same seed must give the same folds")


def check_nested_cv_scores(answer):
    iris = load_iris()
    values, inner, outer, seed = [0.1, 10.0], 3, 3, 0
    got = answer(iris.data, iris.target, values, inner, outer, seed)
    if np.shape(got) != (outer,):
        raise NotYet(f"return one score per outer fold: shape ({outer},)")
    search = GridSearchCV(cv_lesson.make_model(), {"svc__C": values, "svc__gamma": values},
                          cv=StratifiedKFold(inner, shuffle=True, random_state=seed))
    truth = cross_val_score(search, iris.data, iris.target, cv=StratifiedKFold(outer, shuffle=True, random_state=seed))
    if not np.allclose(np.asarray(got, dtype=float), truth, atol=1e-12):
        raise NotYet("the outer scores differ: for each outer (train, test) split, fit a GridSearchCV with inner "
                     "StratifiedKFold folds on x[train], y[train] only, then score it on x[test], y[test]; "
                     "cross_val_score(GridSearchCV(...), x, y, cv=outer) does exactly that")
