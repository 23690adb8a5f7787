"""Exercises for tensors/02_autograd.py. Write your answers in this file, then check them:

    python -m lessonkit.check tensors/02

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/tensors/02_autograd.py (try first).
"""

from __future__ import annotations

import torch

# Exercise 1 (note 002 "autograd", 梯度累加; a number answers it): x = torch.tensor(2.0, requires_grad=True);
# y = x ** 3. Call y.backward(retain_graph=True) twice without zeroing x.grad. What number is in x.grad?
GRAD_AFTER_TWO_BACKWARDS = None


def derivative(func, x: torch.Tensor) -> torch.Tensor:
    """Exercise 2 (note 002 "autograd"; a few lines): the derivative of an element-wise function `func` at
    every point of the 1-D tensor x, computed by autograd, as a tensor of x's shape with no graph attached.
    func(x) returns one value per point, so backward needs a scalar: think about what to sum."""
    raise NotImplementedError


def second_derivative(func, x: torch.Tensor) -> torch.Tensor:
    """Exercise 3 (note 002 "autograd", 二阶导; goes further): the second derivative of an element-wise `func`
    at every point of x, by differentiating autograd's first derivative again (torch.autograd.grad with
    create_graph=True)."""
    raise NotImplementedError
