"""Exercises for cnn/07_alexnet.py. Write your answers in this file, then check them:

    python -m lessonkit.check cnn/07

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/cnn/07_alexnet.py (try first).
"""

from __future__ import annotations

from torch import nn

# Exercise 1 (note 002 AlexNet; note 000 AlexNet figure, D2L-PyTorch 5.6; a flag answers it): the lesson says
# the book-size AlexNet (--full) has 46.8 million parameters. How many of them are in its first dense layer
# alone, the block the lesson calls fc6 (biases included)? The last feature map decides its input size.
BOOK_FC6_PARAMETERS = None


def alexnet_cifar(num_classes: int = 10) -> nn.Module:
    """Exercise 2 (note 002 AlexNet "max pooling, relu, dropout"; a few lines): the lesson's small AlexNet
    (alexnet(full=False): widths 12-32-48-48-32, BatchNorm, overlapping 3x3 max pools with stride 2, two
    256-wide dense layers with dropout) changed for 32x32 COLOUR images such as CIFAR-10: input (B, 3, 32, 32),
    output (B, num_classes) logits. Two numbers have to change; work out the size of the last feature map.
    """
    raise NotImplementedError
