"""Worked solutions for exercises/classification/04_softmax_concise.py, with a paragraph each. Check them with
    python -m lessonkit.check classification/04 --solutions
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

# Exercise 1. The loss takes [1, 0] as scores and softmaxes them again: [e, 1] / (e + 1), so the true class gets
# e / (e + 1) = 0.731 and the loss is -log(e / (e + 1)) = log(e + 1) - 1 = 0.313, however sure the model is; with
# K classes it is log(e + K - 1) - 1, the lesson's probability_floor(K). A model fed this way gets a gradient that
# pushes towards probabilities it can never reach, and the loss it prints cannot be compared with anyone else's.
PROBABILITY_FLOOR_2_CLASSES = math.log(math.e + 1) - 1


def per_class_accuracy(predicted: torch.Tensor, labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """bincount counts, for each class, the examples that have it as their label (the row sums of the confusion
    matrix) and those among them that were predicted right (its diagonal). Overall accuracy is a weighted mean of
    these shares, and the per-class view shows what the mean hides: in the lesson's confusion matrix the most
    frequent mistake, Shirt taken for T-shirt/top, lowers one class's share, Shirt's, alone."""
    right = torch.bincount(labels[predicted == labels], minlength=num_classes)
    total = torch.bincount(labels, minlength=num_classes)
    return right.float() / total.float()


def cross_entropy_grad(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """For one example, loss = -log s_y with s = softmax(a). By the note's two cases, d s_y / d a_j = s_y (1 - s_y)
    for j = y and -s_y s_j otherwise, so d loss / d a_j = -(1 / s_y) d s_y / d a_j = s_j - [j = y]: the predicted
    probabilities minus the one-hot target. The batch mean divides each row by the batch size. No exp of a large
    number and no division by a small probability: this is why the loss takes logits."""
    return (torch.softmax(logits, dim=1) - F.one_hot(y, logits.shape[1]).to(logits.dtype)) / len(logits)
