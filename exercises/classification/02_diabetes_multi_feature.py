"""Exercises for classification/02_diabetes_multi_feature.py. Write your answers in this file, then check them:

    python -m lessonkit.check classification/02

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/classification/02_diabetes_multi_feature.py (try first).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

# Exercise 1 (note 001 lecture 8, epoch / batch-size / iteration; a number answers it): the lesson trains on 607
# rows with --batch-size 32 and a DataLoader that keeps the last, smaller batch. How many iterations (mini-batches,
# optimizer steps) make one epoch? The lesson prints it; work it out first.
ITERATIONS_PER_EPOCH = None


class TableDataset(Dataset):
    """Exercise 2 (note 001 lecture 8, Dataset and DataLoader; a few lines): the lecture's Dataset. `table` is a
    float32 NumPy array (N, 9), one patient a row: the first 8 columns are the features, the last one the label
    (0.0 or 1.0). len(ds) is N; ds[i] is (features, label) as float32 tensors of shapes (8,) and (), so that a
    DataLoader stacks batches of (B, 8) and (B,) for BCEWithLogitsLoss.
    """

    def __init__(self, table: np.ndarray):
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index: int):
        raise NotImplementedError


def best_constant_logit(y: torch.Tensor) -> float:
    """Exercise 3 (note 001 lectures 6-7, BCE; goes further): a model that gives every patient the same logit c
    has learned nothing about the features, only how common the label is: this is where the lecture's sigmoid +
    SGD setting gets stuck (the lesson's docstring). For labels y (n,) of 0.0 / 1.0, not all equal, return the c
    that minimises the mean BCE of the logits (c, c, ..., c), worked out on paper: where is d loss / d c = 0?
    """
    raise NotImplementedError
