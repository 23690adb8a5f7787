"""Checks for exercises/classic_ml/05_scaling_and_pipelines.py (run: python -m lessonkit.check classic_ml/05)."""

import numpy as np
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from lessonkit.check import NotYet, lesson

sp = lesson("classic_ml/05_scaling_and_pipelines.py")


def check_ONE_WINE_REFIT_ACCURACY(answer):
    if answer is None:
        raise NotImplementedError
    x_train, x_test, y_train, y_test, _ = sp.load_split(0)
    pipe = sp.make_model("svc", "standard").fit(x_train, y_train)
    truth = float(sp.scaler_refit_on_batches(pipe, x_test, y_test)["one wine at a time"][1])
    if not isinstance(answer, (int, float)) or not 0 <= answer <= 1:
        raise NotYet("give an accuracy, a number between 0 and 1")
    if abs(answer - truth) > 1e-3:
        raise NotYet("a scaler fitted on a single wine has mean = that wine and std = 0, so every wine becomes the "
                     "same vector and gets the same prediction; the accuracy is then the share of the test wines "
                     "that have that one class (the lesson prints it)")


def check_MeanStdScaler(answer):
    x_train, x_test, y_train, y_test, _ = sp.load_split(0)
    scaler = answer()
    if scaler.fit(x_train) is not scaler:
        raise NotYet("fit must return self, so that scaler.fit(x).transform(x) and pipelines work")
    twin = StandardScaler().fit(x_train)
    got = scaler.transform(x_test)
    if not isinstance(got, np.ndarray) or got.shape != x_test.shape:
        raise NotYet("transform must return an array of the input's shape")
    if not np.allclose(got, twin.transform(x_test)):
        if np.allclose(got, StandardScaler().fit_transform(x_test)):
            raise NotYet("transform recomputes the mean and std from the rows it is given (the test rows): use "
                         "the numbers fit learned from the training rows")
        raise NotYet("the scaled test rows differ from StandardScaler's: subtract the training columns' means "
                     "(axis=0) and divide by their standard deviations (np.std, ddof=0)")
    if not np.allclose(scaler.transform(x_test[:1]), got[:1]):
        raise NotYet("a single row must be scaled as it is in a batch: the result may not depend on the other rows")
    constant = np.column_stack([x_train[:, 0], np.full(len(x_train), 3.0)])
    if not np.all(np.isfinite(answer().fit(constant).transform(constant))):
        raise NotYet("a constant column has std 0: divide it by 1 instead, as StandardScaler does")
    mine = make_pipeline(answer(), SVC()).fit(x_train, y_train)
    if not np.array_equal(mine.predict(x_test), make_pipeline(StandardScaler(), SVC()).fit(x_train, y_train)
                          .predict(x_test)):
        raise NotYet("in a pipeline with SVC your scaler predicts differently from StandardScaler")
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    x, y = np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test])
    if not np.allclose(cross_val_score(make_pipeline(answer(), SVC()), x, y, cv=cv),
                       cross_val_score(make_pipeline(StandardScaler(), SVC()), x, y, cv=cv)):
        raise NotYet("in cross-validation your scaler scores differently from StandardScaler: each fold's clone "
                     "must learn its numbers in fit, from that fold's training rows")


def _tables():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 1000))                      # pure noise with random labels, as in the lesson
    y = rng.integers(0, 2, size=100)
    yield "noise", x, y, 20
    x = rng.normal(size=(90, 300))
    y = rng.integers(0, 3, size=90)
    x[:, :4] += 1.5 * y[:, None]                          # four columns that do carry the label
    yield "signal", x, y, 6


def check_cv_with_selection_inside(answer):
    # Dozens of tiny LogisticRegression fits: one BLAS thread is many times faster for them than two
    # threads competing for a busy machine; it changes nothing in the results.
    with threadpool_limits(limits=1):
        for name, x, y, k in _tables():
            cv = StratifiedKFold(3, shuffle=True, random_state=1)
            got = answer(x, y, k, cv)
            if np.shape(got) != (3,):
                raise NotYet("return one accuracy per fold: shape (3,) for 3 folds")
            got = np.asarray(got, dtype=float)
            truth = cross_val_score(make_pipeline(SelectKBest(f_classif, k=k), LogisticRegression()), x, y, cv=cv)
            if np.allclose(got, truth, atol=1e-12):
                continue
            leaky = cross_val_score(LogisticRegression(), SelectKBest(f_classif, k=k).fit_transform(x, y), y, cv=cv)
            if np.allclose(got, leaky):
                raise NotYet(f"on the {name} table these are the leaky scores: the features were chosen with every "
                             "label, validation rows included; fit SelectKBest inside the loop, on x[train], y[train]")
            raise NotYet(f"on the {name} table your fold scores differ from the pipeline's: per fold, fit the "
                         "selector on the training rows, transform both parts with it, fit LogisticRegression() "
                         "on the training part, and score on the validation part")
