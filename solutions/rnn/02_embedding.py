"""Worked solutions for exercises/rnn/02_embedding.py, with a paragraph each. Check them with
    python -m lessonkit.check rnn/02 --solutions
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1. At lr 0.01 the model needs 6 epochs (seed 0) where the default lr 0.05 needs 2, and after 20
# epochs its loss per letter is still about 0.28 where lr 0.05 reaches 0.009 in 15. Adam's steps are roughly lr
# per weight whatever the gradient's size, so five times smaller steps take longer to get anywhere; and the first
# right epoch comes long before the loss is small, because the prediction is an argmax: the right letter only
# has to score highest, not be certain.
FIRST_EPOCH_RIGHT_AT_LR_0_01 = 6


class MyEmbedding(nn.Module):
    """weight[indices] is advanced indexing: for indices of shape (...) it returns (..., dim), one row per
    index, the same numbers as one_hot(indices) @ weight without building the one-hot tensor or multiplying by
    its zeros (for a 50,000-word vocabulary that is 50,000 multiplications per number saved). Its backward
    adds each output's gradient into the row it came from (index_put with accumulation), so rows never looked
    up get zero gradient and a repeated index collects the sum."""

    def __init__(self, num_embeddings: int, embedding_dim: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(num_embeddings, embedding_dim))

    def forward(self, indices: torch.Tensor) -> torch.Tensor:
        return self.weight[indices]


class PaddedEmbedding(nn.Module):
    """Multiplying the looked-up rows by a mask that is 0 at padded positions makes their output zeros and
    their gradient zeros too (the gradient passes through the mask), so the padding row never moves: momentum
    and Adam average gradients that are all zero, and weight decay shrinks a row that is already zeros.
    nn.Embedding gets the same by skipping padding_idx in its backward. Starting the row at zeros makes a padded
    position look up nothing, the same as the mask does."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int):
        super().__init__()
        self.padding_idx = padding_idx
        weight = torch.randn(num_embeddings, embedding_dim)
        weight[padding_idx] = 0.0
        self.weight = nn.Parameter(weight)

    def forward(self, indices: torch.Tensor) -> torch.Tensor:
        keep = (indices != self.padding_idx).unsqueeze(-1).to(self.weight.dtype)   # (..., 1)
        return self.weight[indices] * keep
