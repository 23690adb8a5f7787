"""Worked solutions for exercises/tensors/02_autograd.py, with a paragraph each. Check them with
    python -m lessonkit.check tensors/02 --solutions
"""

from __future__ import annotations

import torch

# Exercise 1. dy/dx = 3 x^2 = 12 at x = 2. backward() does not overwrite .grad, it adds to it (so that
# gradients of several losses, or of several micro-batches, can be summed): after two calls x.grad is 24.
# retain_graph=True keeps the graph alive for the second call; without it the second backward() is an error.
GRAD_AFTER_TWO_BACKWARDS = 24.0


def derivative(func, x: torch.Tensor) -> torch.Tensor:
    """func acts point by point, so in func(x).sum() the point x_i appears only in term i: the gradient of
    the sum with respect to x is the vector of the derivatives f'(x_i). A detached copy that requires grad
    leaves the caller's tensor alone, and .grad holds plain numbers with no graph."""
    x = x.detach().clone().requires_grad_(True)
    func(x).sum().backward()
    return x.grad


def second_derivative(func, x: torch.Tensor) -> torch.Tensor:
    """autograd.grad(..., create_graph=True) returns the first derivative as a tensor that is itself part of
    a graph; the same trick (sum, then differentiate) gives the second derivative. This double backward is
    what gradient penalties and Hessian-vector products use."""
    x = x.detach().clone().requires_grad_(True)
    (first,) = torch.autograd.grad(func(x).sum(), x, create_graph=True)
    (second,) = torch.autograd.grad(first.sum(), x)
    return second
