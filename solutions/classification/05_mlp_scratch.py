"""Worked solutions for exercises/classification/05_mlp_scratch.py, with a paragraph each. Check them with
    python -m lessonkit.check classification/05 --solutions
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

# Exercise 1. W1 784 x 64 = 50,176, b1 64, W2 64 x 10 = 640, b2 10: 50,890 in all (the default --hidden 256 gives
# 203,530). Almost all of them sit in the first layer, one per pixel and hidden unit: in an MLP on images the input
# layer is where the size goes, which is what convolutions (cnn/) share away.
PARAMETERS_WITH_HIDDEN_64 = 50_890


def collapse(w1: torch.Tensor, b1: torch.Tensor, w2: torch.Tensor, b2: torch.Tensor):
    """(x @ w1 + b1) @ w2 + b2 = x @ (w1 @ w2) + (b1 @ w2 + b2): a (d, k) matrix and a (k,) bias, one linear layer.
    However many linear layers are stacked, the product of their matrices is still one matrix (of rank at most the
    narrowest width, so the stack can be even weaker than one wide layer). The ReLU between them breaks this: it
    treats each hidden value differently depending on its sign, and the composition is no longer linear."""
    return w1 @ w2, b1 @ w2 + b2


def backward_by_hand_tanh(x: torch.Tensor, y: torch.Tensor, params: list[torch.Tensor]) -> list[torch.Tensor]:
    """Only the local derivative of the activation changes: ReLU passes the gradient where z > 0, tanh scales it by
    1 - tanh(z)^2 = 1 - h^2, which the forward pass has already computed. Everything else is the lesson's chain:
    d_logits = (softmax - one_hot) / B, then back through W2 (a matrix product with its transpose), through the
    activation (an element-wise product), through W1. Each bias gradient is the sum over the batch of the gradient
    arriving at its layer, because the bias is added to every row."""
    w1, b1, w2, b2 = params
    z = x @ w1 + b1                                         # (B, h)
    h = torch.tanh(z)
    logits = h @ w2 + b2                                    # (B, k)
    d_logits = (torch.softmax(logits, dim=1) - F.one_hot(y, w2.shape[1]).to(x.dtype)) / len(x)
    d_w2, d_b2 = h.T @ d_logits, d_logits.sum(dim=0)
    d_z = (d_logits @ w2.T) * (1 - h ** 2)
    d_w1, d_b1 = x.T @ d_z, d_z.sum(dim=0)
    return [d_w1, d_b1, d_w2, d_b2]
