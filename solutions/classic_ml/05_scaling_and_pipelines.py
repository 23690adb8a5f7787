"""Worked solutions for exercises/classic_ml/05_scaling_and_pipelines.py, with a paragraph each. Check them with
    python -m lessonkit.check classic_ml/05 --solutions
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression

# Exercise 1. 1/3 (0.333): fitted on one wine, the scaler's mean is that wine and its std is 0 in every column
# (StandardScaler then divides by 1), so every wine becomes the all-zeros vector. The SVC sees the same input 45
# times and gives the same answer 45 times, here class 0; 15 of the 45 test wines are class 0. The accuracy is the
# share of one class, whatever the wines are: the prediction no longer depends on the wine at all. With the
# training statistics (the pipeline) the same wines, one at a time, score 1.0.
ONE_WINE_REFIT_ACCURACY = 15 / 45


class MeanStdScaler(BaseEstimator, TransformerMixin):
    """The whole leak question is which rows fit sees. A Pipeline calls fit (fit_transform) only with the
    training rows it is fitted on, and transform with anything later, so the means and stds stored by fit are
    the training set's, and each new row is scaled by itself with them. The trailing underscore is
    scikit-learn's convention for what fit learns; an __init__ without arguments is enough for clone() to
    make the fresh copy that each cross-validation fold fits."""

    def fit(self, x: np.ndarray, y=None) -> MeanStdScaler:
        self.mean_ = x.mean(axis=0)
        std = x.std(axis=0)
        self.scale_ = np.where(std == 0, 1.0, std)
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean_) / self.scale_


def cv_with_selection_inside(x: np.ndarray, y: np.ndarray, k: int, cv) -> np.ndarray:
    """This loop is what cross_val_score does with a pipeline: for every fold, a fresh selector and model see
    only the training rows, so the validation labels cannot influence which features are kept. On the noise
    table the honest scores sit around 0.5, chance, where the leaky version (select with all labels, then
    cross-validate) reaches ~0.87 in the lesson. Any step that learns from data, be it a scaler, a selector,
    an imputer or a one-hot encoder, belongs inside the loop for the same reason."""
    scores = []
    for train, valid in cv.split(x, y):
        selector = SelectKBest(f_classif, k=k).fit(x[train], y[train])
        model = LogisticRegression().fit(selector.transform(x[train]), y[train])
        scores.append(model.score(selector.transform(x[valid]), y[valid]))
    return np.array(scores)
