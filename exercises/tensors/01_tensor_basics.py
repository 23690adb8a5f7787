"""Exercises for tensors/01_tensor_basics.py. Write your answers in this file, then check them:

    python -m lessonkit.check tensors/01

Each exercise is one function or constant below; replace the `raise NotImplementedError` (or the None) with
your answer. The checker runs your code on small inputs and prints "passed" or "not yet" with a hint.
Worked solutions: solutions/tensors/01_tensor_basics.py (try first).
"""

from __future__ import annotations

import torch

# Exercise 1 (note 002 "Broadcast"; a number answers it): what shape comes out of
# torch.zeros(2, 1, 4) + torch.zeros(3, 1)? Work it out by the rules (align the shapes from the right; a
# size 1 stretches to match), write it as a tuple, then check it against the lesson's printed examples.
BROADCAST_SHAPE = None


def pairwise_squared_distances(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Exercise 2 (note 002 "Broadcast", "基本运算"; a few lines): the squared Euclidean distance between every
    row of x (n, d) and every row of y (m, d), as an (n, m) tensor, without a Python loop.

    Hint of the method: give x a new axis with unsqueeze (or None indexing) so that broadcasting pairs every
    row with every row, then sum over d.
    """
    raise NotImplementedError


def take_per_row(scores: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Exercise 3 (note 002 "where, gather"; goes further): for scores (n, k) and index (n,) of whole numbers
    in [0, k), return the (n,) tensor whose entry i is scores[i, index[i]], with torch.gather (no loop, no
    advanced indexing). This is how a loss picks each example's score for its true class.
    """
    raise NotImplementedError
