"""Exercises for classification/05_mlp_scratch.py. Write your answers in this file, then check them:

    python -m lessonkit.check classification/05

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/classification/05_mlp_scratch.py (try first).
"""

from __future__ import annotations

import torch

# Exercise 1 (note 000 D2L 3.9, the MLP's parameters; a flag answers it): with --hidden 64, how many numbers do the
# four tensors W1, b1, W2, b2 hold? Count by hand (784 pixels in, 10 scores out), then compare with the line the
# lesson prints.
PARAMETERS_WITH_HIDDEN_64 = None


def collapse(w1: torch.Tensor, b1: torch.Tensor, w2: torch.Tensor, b2: torch.Tensor):
    """Exercise 2 (note 000 D2L 3.8, why an activation function 激活函数; a few lines): without the ReLU, the
    network computes (x @ w1 + b1) @ w2 + b2. Return (w, b) of ONE linear layer x @ w + b that gives the same
    scores for every x, whatever the sizes: w1 (d, h), b1 (h,), w2 (h, k), b2 (k,). This is why the hidden layer
    needs a nonlinearity: two linear layers are no more than one.
    """
    raise NotImplementedError


def backward_by_hand_tanh(x: torch.Tensor, y: torch.Tensor, params: list[torch.Tensor]) -> list[torch.Tensor]:
    """Exercise 3 (note 002 "MLP 反向传播", 多层网络求导; goes further): the lesson's backward_by_hand, for the same
    network with tanh instead of ReLU in the hidden layer: logits = tanh(x @ W1 + b1) @ W2 + b2, loss = mean
    cross-entropy. params = [W1 (d, h), b1 (h,), W2 (h, k), b2 (k,)] (any d, h, k); return [dW1, db1, dW2, db2] by
    the chain rule, no autograd. tanh'(z) = 1 - tanh(z)^2.
    """
    raise NotImplementedError
