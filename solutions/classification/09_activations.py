"""Worked solutions for exercises/classification/09_activations.py, with a paragraph each. Check them with
    python -m lessonkit.check classification/09 --solutions
"""

from __future__ import annotations

import math

import torch
from torch import nn

# Exercise 1. LeakyReLU and PReLU: on the right every ReLU-like function has slope 1, on the left LeakyReLU keeps its
# slope 0.1 (PyTorch's default 0.01 would still count, 0.01 > 1e-3) and PReLU its learned slope (0.25 at the start).
# ReLU, ELU, Softplus, SiLU and GELU go flat on the left (ReLU exactly 0), sigmoid and tanh on both sides. A
# saturated unit passes back almost no gradient, so its weights stop learning: the "dying ReLU" on the left, and
# sigmoid's vanishing gradients in deep stacks.
NEVER_SATURATING = {"LeakyReLU", "PReLU"}


class LearnableSwish(nn.Module):
    """nn.Parameter registers beta with the module, so parameters() (and the optimizer, and state_dict) see it;
    a plain tensor attribute would be silently left out of training. As beta grows, sigmoid(beta x) tends to the
    step function [x > 0] and f to ReLU; at beta = 0 f is x / 2, linear. Each instance owns its beta, so two layers
    can learn different shapes, as two PReLUs learn different slopes."""

    def __init__(self):
        super().__init__()
        self.beta = nn.Parameter(torch.tensor(1.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(self.beta * x)


def init_stack_weight_(weight: torch.Tensor, act: str, generator: torch.Generator) -> None:
    """A layer's pre-activation is a sum of `width` products, with variance width * var(w) * E[h^2]. ReLU keeps half
    of the second moment, so var(w) = 2 / width holds it constant (Kaiming). tanh is about the identity near 0, so
    var(w) of about 1 / width keeps it; the gain 5/3 makes up for what tanh's flattening loses (Xavier normal with
    PyTorch's tanh gain, which for a square layer is gain^2 / width). The same argument backwards keeps the
    gradients. No initialisation rescues a deep sigmoid stack: its slope is at most 1/4 and its outputs are not
    centred, which is why the lesson's sigmoid stack loses its gradient however it starts."""
    fan_in = weight.shape[1]
    gain = nn.init.calculate_gain(act)     # sqrt(2) for relu, 5/3 for tanh
    with torch.no_grad():
        weight.normal_(0.0, gain / math.sqrt(fan_in), generator=generator)
