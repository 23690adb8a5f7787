"""Worked solutions for exercises/tensors/04_himmelblau.py, with a paragraph each. Check them with
    python -m lessonkit.check tensors/04 --solutions
"""

from __future__ import annotations

import torch

# Exercise 1. With lr 0.01 each start settles in its nearest minimum, four in all; with lr 0.015 the first
# steps from one start are long enough to jump the ridge between two valleys, and two starts end in the same
# minimum: 3 distinct minima. Where plain SGD ends depends on the step size, not only on where it starts.
MINIMA_REACHED_WITH_SGD_LR_0_015 = 3


def himmelblau_gradient(p: torch.Tensor) -> torch.Tensor:
    """With u = x^2 + y - 11 and v = x + y^2 - 7, f = u^2 + v^2, so by the chain rule
    df/dx = 2u * 2x + 2v * 1 and df/dy = 2u * 1 + 2v * 2y. Indexing with [..., 0] and stacking on the last
    axis keeps any leading shape, as the lesson's himmelblau() does."""
    x, y = p[..., 0], p[..., 1]
    u, v = x ** 2 + y - 11, x + y ** 2 - 7
    return torch.stack([4 * x * u + 2 * v, 2 * u + 4 * y * v], dim=-1)
