"""Checks for exercises/classification/02_diabetes_multi_feature.py
(run: python -m lessonkit.check classification/02)."""

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from lessonkit.check import NotYet, lesson

diabetes = lesson("classification/02_diabetes_multi_feature.py")


def check_ITERATIONS_PER_EPOCH(answer):
    if answer is None:
        raise NotImplementedError
    rows = diabetes.DiabetesDataset(torch.zeros(607, 8), torch.zeros(607))
    truth = len(DataLoader(rows, batch_size=32, shuffle=True))
    if answer != truth:
        raise NotYet("an iteration is one mini-batch: divide the rows by the batch size, and count the smaller "
                     "batch left over at the end as one more")


def check_TableDataset(answer):
    generator = np.random.default_rng(0)
    table = np.concatenate([generator.uniform(-1, 1, (23, 8)), generator.integers(0, 2, (23, 1))], axis=1)
    table = table.astype(np.float32)
    ds = answer(table)
    if len(ds) != 23:
        raise NotYet("len(ds) must be the number of rows of the table")
    for i in (0, 7, 22):
        item = ds[i]
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise NotYet("ds[i] must be a pair (features, label)")
        x, y = item
        if not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor):
            raise NotYet("return tensors (torch.from_numpy or torch.as_tensor), not NumPy arrays")
        if x.shape != (8,) or y.shape != ():
            raise NotYet(f"ds[{i}] has shapes {tuple(x.shape)} and {tuple(y.shape)}; the features are (8,) and the "
                         "label a single number, shape (): index the label column with a plain integer")
        if x.dtype != torch.float32 or y.dtype != torch.float32:
            raise NotYet("both must be float32, what BCEWithLogitsLoss and nn.Linear expect")
        if not (np.array_equal(x.numpy(), table[i, :8]) and y.item() == table[i, 8]):
            raise NotYet(f"ds[{i}] must hold row {i}: its first 8 columns, then its last")
    x, y = next(iter(DataLoader(ds, batch_size=10, shuffle=False)))
    if x.shape != (10, 8) or y.shape != (10,):
        raise NotYet(f"a DataLoader with batch_size 10 stacks your items into {tuple(x.shape)} and {tuple(y.shape)}; "
                     "it should give (10, 8) and (10,)")


def check_best_constant_logit(answer):
    for share, n in ((0.645, 200), (0.2, 50), (0.5, 10), (0.97, 100)):
        y = (torch.arange(n) < round(share * n)).double()
        got = answer(y)
        if not isinstance(got, (int, float, torch.Tensor)) or torch.as_tensor(got).numel() != 1:
            raise NotYet("return one number, the logit c")
        c = torch.tensor(float(got), dtype=torch.float64, requires_grad=True)
        F.binary_cross_entropy_with_logits(c.expand(n), y).backward()
        if not abs(c.grad.item()) < 1e-6:
            raise NotYet(f"for {round(share * n)} ones among {n} labels your c = {float(got):.4f} is not the lowest "
                         "point: the mean BCE still slopes there. Its slope is mean(sigmoid(c) - y): set it to 0 and "
                         "solve for c")
