"""Exercises for classic_ml/05_scaling_and_pipelines.py. Write your answers in this file, then check them:

    python -m lessonkit.check classic_ml/05

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/classic_ml/05_scaling_and_pipelines.py (try first).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

# Exercise 1 (note 000 ML_2-ML_4, data leakage 数据泄露 from a scaler fitted on test data; a number answers it):
# the lesson scores its SVC on the test wines one at a time, each time with a StandardScaler refit on that one
# wine ("one wine at a time", last column). What accuracy comes out (default seed)? Predict it before you run
# the lesson: what does a scaler fitted on one row turn that row into, and what is then the same for every wine?
ONE_WINE_REFIT_ACCURACY = None


class MeanStdScaler(BaseEstimator, TransformerMixin):
    """Exercise 2 (note 000 ML_2-ML_4, standardisation 标准化 inside a Pipeline 管道; a few lines): StandardScaler
    by hand, as a scikit-learn transformer that can sit in a Pipeline. fit(x, y=None) learns each column's
    mean and standard deviation (np.std, ddof 0) from the rows it is given, keeps them on self (as mean_
    and scale_, say) and returns self; transform(x) returns (x - mean) / std with the numbers fit learned,
    whatever rows x holds. A column whose std is 0 is divided by 1 instead. TransformerMixin adds
    fit_transform, BaseEstimator what cross-validation needs to clone it.
    """

    def fit(self, x: np.ndarray, y=None) -> MeanStdScaler:
        raise NotImplementedError

    def transform(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def cv_with_selection_inside(x: np.ndarray, y: np.ndarray, k: int, cv) -> np.ndarray:
    """Exercise 3 (note 000 ML_2-ML_4 and note 002 交叉验证 K-fold cross-validation; goes further): cross-validate
    "keep the k features most related to the label, then logistic regression" without the lesson's leak. For
    each (train, validation) pair of cv.split(x, y): fit SelectKBest(f_classif, k=k) on the training rows only,
    fit LogisticRegression() on the selected training columns, and score (accuracy) on the same columns of
    the validation rows. Return the fold accuracies, an array of shape (number of folds,). It must give
    what cross_val_score gives for the pipeline of the two, which is what a pipeline does inside CV.
    """
    raise NotImplementedError
