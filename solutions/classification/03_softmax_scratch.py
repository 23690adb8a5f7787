"""Worked solutions for exercises/classification/03_softmax_scratch.py, with a paragraph each. Check them with
    python -m lessonkit.check classification/03 --solutions
"""

from __future__ import annotations

import torch

# Exercise 1. The largest float32 is (2 - 2^-23) 2^127 = 3.40e38 = e^88.72, so e^88 = 1.65e38 is still finite and
# e^89 = 4.5e38 is inf. One score of 89 in a row is enough: the naive softmax divides inf by inf and gets NaN. After
# subtracting the row's maximum the largest exponent is e^0 = 1, whatever the scores.
EXP_OVERFLOWS_AT = 89


def log_softmax(o: torch.Tensor, dim: int) -> torch.Tensor:
    """m = the maximum along dim with keepdim=True, so that it broadcasts back over that axis. Then
    log softmax(o) = (o - m) - log(sum exp(o - m)): every exponent is <= 0 (no overflow) and the sum is >= 1 (its
    log is finite), although single terms may underflow to 0, harmlessly. m needs no gradient of its own: the
    result does not depend on it mathematically, and autograd's path through it cancels exactly."""
    shifted = o - o.max(dim=dim, keepdim=True).values
    return shifted - torch.log(torch.exp(shifted).sum(dim=dim, keepdim=True))


def cross_entropy_smoothed(logits: torch.Tensor, y: torch.Tensor, smoothing: float) -> torch.Tensor:
    """Cross-entropy is -sum_k q_k log p_k for a target distribution q; a one-hot q leaves only -log p_y. With
    smoothing, q = (1 - smoothing) one_hot(y) + smoothing / K, so the loss splits into (1 - smoothing) times the usual
    loss plus smoothing times the mean of -log p_k over all classes. The second part never reaches 0: it keeps the
    model from pushing the true class's logit ever further from the others (a cure for over-confidence)."""
    log_p = log_softmax(logits, dim=1)                                   # (batch, K)
    true_class = -log_p.gather(1, y[:, None]).squeeze(1)                 # (batch,)
    uniform = -log_p.mean(dim=1)                                         # (batch,)
    return ((1 - smoothing) * true_class + smoothing * uniform).mean()
