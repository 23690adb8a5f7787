"""Worked solutions for exercises/tensors/01_tensor_basics.py, with a paragraph each. Check them with
    python -m lessonkit.check tensors/01 --solutions
"""

from __future__ import annotations

import torch

# Exercise 1. Align from the right: (2, 1, 4) over (_, 3, 1). Last axis: 4 and 1 -> 4. Middle: 1 and 3 -> 3.
# First: 2 and a missing axis (counts as 1) -> 2. So (2, 3, 4); torch.broadcast_shapes says the same without
# allocating anything. Broadcasting never copies: expand makes size-1 axes look bigger with stride 0.
BROADCAST_SHAPE = (2, 3, 4)


def pairwise_squared_distances(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """x[:, None, :] is (n, 1, d) and y[None, :, :] is (1, m, d); their difference broadcasts to (n, m, d),
    every row of x against every row of y, and summing the squares over the last axis leaves (n, m). It holds
    n * m * d numbers at once: for large inputs the expansion |x|^2 - 2 x.y + |y|^2 (a matrix product) needs
    only (n, m), which is what torch.cdist does."""
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(dim=-1)


def take_per_row(scores: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """gather(dim=1, index) returns out[i][j] = scores[i][index[i][j]]: the index must have as many axes as
    scores, so index[:, None] makes it (n, 1), and squeeze(1) drops that axis again. F.cross_entropy does
    this pick (of log-probabilities) for every example's true class."""
    return scores.gather(1, index[:, None]).squeeze(1)
