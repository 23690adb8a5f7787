"""Checks for exercises/classic_ml/02_linear_models.py (run: python -m lessonkit.check classic_ml/02)."""

import numpy as np
from sklearn.linear_model import Lasso, Ridge

from lessonkit.check import NotYet, lesson

lm = lesson("classic_ml/02_linear_models.py")


def check_LASSO_NONZERO_AT_ALPHA_1(answer):
    if answer is None:
        raise NotImplementedError
    x_train, x_test, y_train, y_test, _ = lm.load_diabetes_split(0)
    truth = lm.fit_regressors(x_train, y_train, x_test, y_test, 1.0)["lasso"]["nonzero_coefficients"]
    if not isinstance(answer, int) or not 0 <= answer <= 10:
        raise NotYet("give a whole number between 0 and 10: the lesson prints 'non-zero coefficients' per model")
    if answer != truth:
        raise NotYet("run the lesson with --alpha 1 and read the lasso row; a larger alpha sets more "
                     "coefficients exactly to zero")


def _tables():
    x_train, _, y_train, _, _ = lm.load_diabetes_split(0)
    yield x_train, y_train
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, size=(40, 5))                  # not centred, unlike diabetes
    yield x, x @ np.array([1.5, 0.0, -2.0, 0.3, 0.0]) + 7.0 + rng.normal(0, 0.5, size=40)


def _as_pair(got, d):
    if not isinstance(got, tuple) or len(got) != 2 or np.shape(got[0]) != (d,) or np.ndim(got[1]) != 0:
        raise NotYet(f"return the pair (coefficients of shape ({d},), intercept as one number)")
    return np.asarray(got[0], dtype=float), float(got[1])


def check_ridge_closed_form(answer):
    for x, y in _tables():
        for alpha in (0.01, 1.0, 30.0):
            coef, intercept = _as_pair(answer(x, y, alpha), x.shape[1])
            twin = Ridge(alpha=alpha).fit(x, y)
            scale = np.abs(twin.coef_).max()
            if not np.allclose(coef, twin.coef_, rtol=1e-6, atol=1e-8 * scale):
                raise NotYet(f"at alpha {alpha} the coefficients differ from Ridge's: solve "
                             "(Xc^T Xc + alpha I) w = Xc^T yc with the CENTRED columns (x - x.mean(axis=0)), so "
                             "the intercept is not penalised; alpha multiplies the identity, not 1/n")
            if not np.isclose(intercept, twin.intercept_, rtol=1e-6, atol=1e-8 * abs(y).max()):
                raise NotYet("the coefficients are right, the intercept is not: b = mean(y) - mean(x) @ w")


def check_lasso_coordinate_descent(answer):
    for x, y in _tables():
        for alpha in (0.1, 1.0):
            coef, intercept = _as_pair(answer(x, y, alpha), x.shape[1])
            twin = Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(x, y)
            scale = np.abs(twin.coef_).max()
            if not np.array_equal(coef == 0, twin.coef_ == 0):
                raise NotYet(f"at alpha {alpha} lasso sets {int(np.sum(twin.coef_ == 0))} coefficients exactly to "
                             f"0, yours {int(np.sum(coef == 0))}: the soft threshold S(rho, n alpha) is 0 whenever "
                             "|rho| <= n alpha (n is the number of rows); sweep until nothing moves")
            if np.abs(coef - twin.coef_).max() > 1e-4 * scale:
                raise NotYet(f"at alpha {alpha} the coefficients differ from Lasso's by up to "
                             f"{np.abs(coef - twin.coef_).max():.3g}: update the residual after each w_j changes, "
                             "and sweep more often (or until no coefficient moves)")
            if not np.isclose(intercept, twin.intercept_, rtol=1e-6, atol=1e-6 * abs(y).max()):
                raise NotYet("the coefficients are right, the intercept is not: b = mean(y) - mean(x) @ w")
