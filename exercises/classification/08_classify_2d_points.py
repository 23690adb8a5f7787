"""Exercises for classification/08_classify_2d_points.py. Write your answers in this file, then check them:

    python -m lessonkit.check classification/08

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/classification/08_classify_2d_points.py (try first).
"""

from __future__ import annotations

import torch

# Exercise 1 (note 000 classificiation.py, the lesson's Bayes ceiling 贝叶斯分类器; a flag answers it): with
# --classes 2 the two clouds sit at (0, 2) and (0, -2) with spread 1. What share of test points does the
# nearest-centre rule get right, on average over many draws (the ceiling no classifier can beat)? Run the lesson
# with a large --per-class, or work it out with the normal distribution. Two decimals.
NEAREST_CENTRE_CEILING_2_CLASSES = None


def bayes_posterior(x: torch.Tensor, centres: torch.Tensor, spread: float = 1.0) -> torch.Tensor:
    """Exercise 2 (note 001 lecture 9, softmax 归一化; a few lines): for round Gaussian clouds of standard deviation
    `spread` around centres (k, 2), equally likely, return P(class | point) for points x (n, 2) as an (n, k) tensor
    whose rows sum to 1 (Bayes' rule). It must stay finite for points far from every centre, like (1000, 0).

    Hint of the method: the log-density of a class at x is -|x - c|^2 / (2 spread^2) plus a constant that is the
    same for every class.
    """
    raise NotImplementedError


def xor_clouds(per_cloud: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Exercise 3 (note 001 lecture 7, hidden layers; goes further): data no straight line can separate. Four round
    clouds of standard deviation 1 (the lesson's SPREAD), per_cloud points each, drawn with `generator`, centred at
    (2, 2), (-2, -2) (class 0) and (2, -2), (-2, 2) (class 1): the XOR pattern (异或). Return x (4 * per_cloud, 2)
    float and y (4 * per_cloud,) long. The check trains a model without a hidden layer and the lesson's make_model on
    your data: the first must fail where the second succeeds.
    """
    raise NotImplementedError
