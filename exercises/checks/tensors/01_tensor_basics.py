"""Checks for exercises/tensors/01_tensor_basics.py (run: python -m lessonkit.check tensors/01)."""

import torch

from lessonkit.check import NotYet


def check_BROADCAST_SHAPE(answer):
    if answer is None:
        raise NotImplementedError
    truth = tuple(torch.broadcast_shapes((2, 1, 4), (3, 1)))
    if not isinstance(answer, (tuple, list, torch.Size)) or len(answer) != len(truth):
        raise NotYet(f"give the shape as a tuple of {len(truth)} sizes: the result has as many axes as the "
                     "longer shape")
    if tuple(answer) != truth:
        raise NotYet("align the two shapes from the right, (2, 1, 4) over (3, 1); in each column a 1 stretches "
                     "to the other size, and a missing axis counts as 1")


def check_pairwise_squared_distances(answer):
    generator = torch.Generator().manual_seed(0)
    for n, m, d in ((4, 3, 2), (1, 5, 7), (6, 6, 1)):
        x, y = torch.randn(n, d, generator=generator), torch.randn(m, d, generator=generator)
        got = answer(x, y)
        if not isinstance(got, torch.Tensor) or got.shape != (n, m):
            raise NotYet(f"for x of shape {(n, d)} and y of {(m, d)} the result must be ({n}, {m}); got "
                         f"{tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__}")
        if not torch.allclose(got, torch.cdist(x, y) ** 2, atol=1e-4):
            raise NotYet("the shape is right, the values are not: entry (i, j) is the sum over d of "
                         "(x[i] - y[j]) ** 2 (squared, not the square root)")


def check_take_per_row(answer):
    generator = torch.Generator().manual_seed(1)
    scores = torch.randn(5, 4, generator=generator)
    index = torch.tensor([3, 0, 2, 2, 1])
    got = answer(scores, index)
    if not isinstance(got, torch.Tensor) or got.shape != (5,):
        raise NotYet("the result has one entry per row, shape (n,): gather keeps the index's shape, so give "
                     "it an index of shape (n, 1) and squeeze the result")
    if not torch.equal(got, scores[torch.arange(5), index]):
        raise NotYet("gather along dim=1 picks from each row the column its index names")
