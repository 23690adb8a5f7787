"""Worked solutions for exercises/classification/02_diabetes_multi_feature.py, with a paragraph each. Check them with
    python -m lessonkit.check classification/02 --solutions
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch.utils.data import Dataset

# Exercise 1. 607 / 32 = 18.97: 18 full batches of 32 (576 rows) and one of the 31 rows left over, 19 iterations in
# all, and as many optimizer steps. An epoch is one pass over all the rows, whatever the batch size; the batch size
# only decides how many steps the pass is cut into. DataLoader(drop_last=True) would skip the short batch (18).
ITERATIONS_PER_EPOCH = 19


class TableDataset(Dataset):
    """A map-style Dataset answers two questions, how many examples and what is example i; the DataLoader does the
    shuffling and stacking. Converting the whole table to tensors once in __init__ keeps __getitem__ cheap (it runs
    once per example per epoch). Indexing the label column with the integer 8, not the slice [8:], gives shape ()
    rather than (1,), so batches come out (B,), the shape of the model's squeezed logits."""

    def __init__(self, table: np.ndarray):
        data = torch.as_tensor(table, dtype=torch.float32)
        self.x, self.y = data[:, :-1], data[:, -1]      # (N, 8), (N,)

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, index: int):
        return self.x[index], self.y[index]


def best_constant_logit(y: torch.Tensor) -> float:
    """With every logit equal to c the mean BCE has slope mean(sigmoid(c) - y) = sigmoid(c) - p, where p is the share
    of ones; it is 0 at sigmoid(c) = p, that is c = log(p / (1 - p)), the log-odds of the base rate. The loss is
    convex in c, so this is the minimum. A network whose last layer outputs this bias with all weights near 0 says
    "diabetic" (c > 0 when p > 1/2) for everyone, which scores exactly the majority-class baseline: the plateau the
    lecture's sigmoid + SGD setting finds first and, with gradients shrunk by the sigmoids, does not leave."""
    p = y.double().mean().item()
    return math.log(p / (1 - p))
