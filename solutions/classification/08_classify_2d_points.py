"""Worked solutions for exercises/classification/08_classify_2d_points.py, with a paragraph each. Check them with
    python -m lessonkit.check classification/08 --solutions
"""

from __future__ import annotations

import torch

# Exercise 1. The rule's boundary is the line y = 0, halfway between (0, 2) and (0, -2): 2 spreads from each centre.
# A point is misread when its noise along the axis joining the centres exceeds 2 spreads in the wrong direction,
# P(Z > 2) = 0.0228 for a standard normal Z; the other coordinate does not matter. So the ceiling is
# Phi(2) = 0.977. With 3 or more classes each cloud has two neighbours and the ceiling drops (0.93 for 3).
NEAREST_CENTRE_CEILING_2_CLASSES = 0.977


def bayes_posterior(x: torch.Tensor, centres: torch.Tensor, spread: float = 1.0) -> torch.Tensor:
    """Bayes' rule with equal priors: P(k | x) = p(x | k) / sum_j p(x | j). The Gaussian density's constant cancels,
    leaving exp(-d_k^2 / (2 spread^2)) normalised over k: a softmax of the scores -d_k^2 / (2 spread^2). Far from
    every centre all exponentials underflow to 0, while torch.softmax subtracts the largest score first (the
    log-sum-exp trick of classification/03), so the answer stays finite. A network trained with cross-entropy learns
    scores whose softmax approximates exactly this posterior; its argmax is the nearest centre."""
    squared = torch.cdist(x, centres) ** 2                  # (n, k)
    return torch.softmax(-squared / (2 * spread ** 2), dim=1)


def xor_clouds(per_cloud: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Each class's two clouds sit at opposite corners, so both classes have the same mean, (0, 0): any straight
    line leaves about half of each class on either side, and a linear model is stuck near 50%. A hidden ReLU layer
    can fold the plane (each unit is one line; their combination can separate the quadrants), reaching about the
    Bayes ceiling for these clouds, Phi(2)^2 + (1 - Phi(2))^2 = 0.955."""
    centres = torch.tensor([[2.0, 2.0], [-2.0, -2.0], [2.0, -2.0], [-2.0, 2.0]])
    labels = torch.tensor([0, 0, 1, 1])
    cloud = torch.arange(4).repeat_interleave(per_cloud)                      # (4 * per_cloud,)
    x = centres[cloud] + torch.randn(len(cloud), 2, generator=generator)
    return x, labels[cloud]
