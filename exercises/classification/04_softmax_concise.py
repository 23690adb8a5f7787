"""Exercises for classification/04_softmax_concise.py. Write your answers in this file, then check them:

    python -m lessonkit.check classification/04

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/classification/04_softmax_concise.py (try first).
"""

from __future__ import annotations

import torch

# Exercise 1 (note 001 lecture 9, CrossEntropyLoss contains the softmax; a number answers it): the lesson shows that
# CrossEntropyLoss fed probabilities instead of logits can never go below 1.4612 with 10 classes. What is that floor
# for a yes/no problem with 2 classes (the most confident probabilities, [1, 0], for the true class 0)? Work it out,
# then check with the lesson's probability_floor. Three decimals.
PROBABILITY_FLOOR_2_CLASSES = None


def per_class_accuracy(predicted: torch.Tensor, labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Exercise 2 (note 002 "test计算", argmax and eq, 混淆矩阵; a few lines): for predicted and true classes (n,)
    (whole numbers in [0, num_classes), every class present among the labels at least once), return a float tensor
    (num_classes,) whose entry k is the share of the examples of true class k that were predicted as k. In the
    confusion matrix counts[true, predicted] of the lesson, that is each row's diagonal entry over the row's sum.
    """
    raise NotImplementedError


def cross_entropy_grad(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Exercise 3 (note 002 "LOSS及其梯度", the derivative of softmax, and "交叉熵"; goes further): the gradient of
    F.cross_entropy(logits, y) (the batch mean) with respect to logits (batch, K), by hand, no autograd: a tensor
    of the logits' shape. The lesson's comment states the result; derive it from d s_i / d a_j (the note's two
    cases i = j and i != j) and d(-log s_y) / d s.
    """
    raise NotImplementedError
