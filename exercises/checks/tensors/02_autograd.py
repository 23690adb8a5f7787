"""Checks for exercises/tensors/02_autograd.py (run: python -m lessonkit.check tensors/02)."""

import torch

from lessonkit.check import NotYet


def check_GRAD_AFTER_TWO_BACKWARDS(answer):
    if answer is None:
        raise NotImplementedError
    x = torch.tensor(2.0, requires_grad=True)
    y = x ** 3
    y.backward(retain_graph=True)
    y.backward()
    if not isinstance(answer, (int, float)) or abs(answer - x.grad.item()) > 1e-6:
        raise NotYet("one backward() stores dy/dx = 3 x^2 in x.grad; a second one adds to what is there "
                     "(that is why training loops call zero_grad)")


def _points():
    return torch.linspace(-2.0, 2.0, 9, dtype=torch.float64)


def check_derivative(answer):
    x = _points()
    for func, slope in ((torch.sin, torch.cos), (lambda t: t ** 3, lambda t: 3 * t ** 2)):
        got = answer(func, x)
        if not isinstance(got, torch.Tensor) or got.shape != x.shape:
            raise NotYet("return one derivative per point: a tensor of x's shape")
        if got.requires_grad:
            raise NotYet("return the numbers without the graph (detach them, or take them from .grad)")
        if not torch.allclose(got, slope(x), atol=1e-9):
            raise NotYet("the values are off: backward() of func(x).sum() gives each point its own derivative, "
                         "because point i only appears in term i; start from a copy of x that requires grad")
    if x.grad is not None or x.requires_grad:
        raise NotYet("leave the caller's x as it was: work on x.detach().requires_grad_() or a clone")


def check_second_derivative(answer):
    x = _points()
    for func, curvature in ((torch.sin, lambda t: -torch.sin(t)), (lambda t: t ** 4, lambda t: 12 * t ** 2)):
        got = answer(func, x)
        if not isinstance(got, torch.Tensor) or got.shape != x.shape:
            raise NotYet("return one second derivative per point: a tensor of x's shape")
        if not torch.allclose(got.detach(), curvature(x), atol=1e-9):
            raise NotYet("differentiate the first derivative again: torch.autograd.grad(y.sum(), x, "
                         "create_graph=True) keeps a graph of the derivative itself, which you can sum and "
                         "differentiate once more")
