"""Checks for exercises/regression/06_underfitting_overfitting.py (run: python -m lessonkit.check regression/06)."""

import torch

from lessonkit.check import NotYet, lesson

poly = lesson("regression/06_underfitting_overfitting.py")


def _lesson_data():
    _, features, y = poly.make_data(torch.Generator().manual_seed(0))
    return features.double(), y.double()


def _least_squares_mse(a, y):
    solution = torch.linalg.lstsq(a, y, driver="gelsd").solution
    return solution, ((a @ solution - y) ** 2).mean().item()


def check_MOST_EXAMPLES_FIT_EXACTLY(answer):
    if answer is None:
        raise NotImplementedError
    if not isinstance(answer, int):
        raise NotYet("give a whole number of examples")
    features, y = _lesson_data()
    exact = [n for n in range(1, 10) if _least_squares_mse(features[:n, :4], y[:n])[1] < 1e-20]
    if answer != max(exact):
        raise NotYet("each example is one equation w0 + w1 x + w2 x^2/2! + w3 x^3/3! = y in the 4 unknown weights; "
                     "how many equations can 4 unknowns always satisfy at once?")


def check_fit_and_score(answer):
    features, y = _lesson_data()
    for columns, n in ((2, 100), (4, 100), (4, 6), (8, 100)):
        train, test = features[:n, :columns], features[100:, :columns]
        got = answer(train, y[:n], test, y[100:])
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise NotYet("return two numbers: (training MSE, test MSE)")
        solution, train_mse = _least_squares_mse(train, y[:n])
        test_mse = ((test @ solution - y[100:]) ** 2).mean().item()
        if abs(float(got[0]) - train_mse) > 1e-6 * max(train_mse, 1e-3):
            raise NotYet(f"with {columns} columns and {n} examples the training MSE is not the least one possible: "
                         "torch.linalg.lstsq(train_features, train_y) finds the minimising weights")
        if abs(float(got[1]) - test_mse) > 1e-4 * test_mse:
            raise NotYet("the training MSE is right, the test MSE is not: apply the same weights (found in "
                         "float64) to the test features, and take the mean of the squared errors")


def check_ridge_fit(answer):
    features, y = _lesson_data()
    generator = torch.Generator().manual_seed(0)
    for x, target, lambd in ((features[:100], y[:100], 1e-6), (features[:100, :4], y[:100], 0.1),
                             (torch.randn(5, 8, generator=generator, dtype=torch.float64),
                              torch.randn(5, 1, generator=generator, dtype=torch.float64), 0.5)):
        w = answer(x, target, lambd)
        if not isinstance(w, torch.Tensor) or w.numel() != x.shape[1]:
            raise NotYet(f"return the weights, a tensor of shape ({x.shape[1]}, 1)")
        w = w.detach().reshape(-1, 1).double().requires_grad_()
        objective = ((x @ w - target) ** 2).mean() + lambd * (w ** 2).sum()
        (gradient,) = torch.autograd.grad(objective, w)
        if gradient.abs().max() > 1e-7:
            raise NotYet(f"with lambd = {lambd} and {x.shape[1]} columns the objective's gradient at your w is not 0, "
                         "so it is not the minimum. Differentiate: (2 / n) X^T (X w - y) + 2 lambd w = 0; mind the "
                         "1 / n of the mean; solve that system for w")
