"""Exercises for rnn/02_embedding.py. Write your answers in this file, then check them:

    python -m lessonkit.check rnn/02

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/rnn/02_embedding.py (try first).
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1 (note 001 第十二讲, Embedding -> RNN -> Linear; a flag answers it): run
#     python rnn/02_embedding.py --lr 0.01 --epochs 20
# From which epoch on does the model predict "ohlol" for good (the lesson prints it at the end)? Compare with
# the default --lr 0.05.
FIRST_EPOCH_RIGHT_AT_LR_0_01 = None


class MyEmbedding(nn.Module):
    """Exercise 2 (note 001 第十二讲, embedding instead of one-hot (独热向量); a few lines): nn.Embedding by hand.
    One parameter, weight (num_embeddings, embedding_dim), initialised N(0, 1) as nn.Embedding's is; forward
    takes a tensor of indices of any shape (...) and returns (..., embedding_dim): row i of weight for each
    index i. It equals one_hot(indices) @ weight (the lesson checks that), but pick the rows directly, without
    nn.Embedding or F.embedding."""

    def __init__(self, num_embeddings: int, embedding_dim: int):
        super().__init__()
        raise NotImplementedError

    def forward(self, indices: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class PaddedEmbedding(nn.Module):
    """Exercise 3 (note 001 第十三讲, 原始数据转化为适合计算的维度: names padded to one length; goes further):
    like MyEmbedding, plus padding_idx, as nn.Embedding(..., padding_idx=p) has it and rnn/03 uses it for the
    padding code 0: row p starts at zeros and never gets a gradient, so training leaves it at zeros, and a
    padded position adds nothing. The other rows behave as in MyEmbedding (same parameter name, weight)."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int):
        super().__init__()
        raise NotImplementedError

    def forward(self, indices: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError
