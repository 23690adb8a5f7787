"""Exercises for cnn/04_lenet.py. Write your answers in this file, then check them:

    python -m lessonkit.check cnn/04

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/cnn/04_lenet.py (try first).
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1 (note 000 LeNet, 卷积层块 + 全连接层块; note 002 LeNet-5 and Batch Norm; a flag answers it): the
# lesson prints 61,728 parameters for LeNet5(). How many has LeNet5(batch_norm=False), the network that
# `python cnn/04_lenet.py --no-batchnorm` trains? Count by hand, then check with sum(p.numel() ...).
PARAMETERS_WITHOUT_BATCHNORM = None


def predict_classes(model: nn.Module, x: torch.Tensor, batch_size: int = 100) -> torch.Tensor:
    """Exercise 2 (note 002 Batch Norm, "test 的时候 ... layer.eval()"; a few lines): the predicted class of
    every image in x (N, 1, 28, 28), as an (N,) tensor of class indices, the way the lesson evaluates: in eval
    mode (BatchNorm uses its running statistics and does not update them), without autograd
    (torch.inference_mode), at most batch_size images at a time. Leave the model in the mode it came in.
    """
    raise NotImplementedError


class LeNetDropout(nn.Module):
    """Exercise 3 (note 002 AlexNet "max pooling, relu, dropout"; note 000 LeNet; goes further): the lesson's
    LeNet5 (with BatchNorm) plus dropout (丢弃法) with probability p after the ReLU of each of the two hidden
    dense layers (120 and 84 wide). Input (B, 1, 28, 28), output (B, 10) raw scores (logits).

    Keep the lesson's layers and their sizes (dropout adds no parameters); nn.Dropout switches itself off in
    eval mode. The checker also trains it for a few steps on tiny synthetic images.
    """

    def __init__(self, p: float = 0.5):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError
