"""Checks for exercises/classification/04_softmax_concise.py (run: python -m lessonkit.check classification/04)."""

import torch
import torch.nn.functional as F

from lessonkit.check import NotYet, lesson

concise = lesson("classification/04_softmax_concise.py")


def check_PROBABILITY_FLOOR_2_CLASSES(answer):
    if answer is None:
        raise NotImplementedError
    if not isinstance(answer, (int, float)):
        raise NotYet("give a number, the smallest loss")
    best = F.cross_entropy(torch.tensor([[1.0, 0.0]], dtype=torch.float64), torch.tensor([0])).item()
    assert abs(best - concise.probability_floor(2)) < 1e-12
    if abs(answer - best) > 1e-3:
        raise NotYet("CrossEntropyLoss softmaxes what it is given: the probabilities [1, 0] are read as scores, "
                     "become [e, 1] / (e + 1), and the loss is -log of the first entry")


def check_per_class_accuracy(answer):
    generator = torch.Generator().manual_seed(0)
    for n, k in ((50, 4), (200, 10), (3, 3)):
        labels = torch.cat([torch.arange(k), torch.randint(0, k, (n - k,), generator=generator)])
        predicted = torch.where(torch.rand(n, generator=generator) < 0.6, labels,
                                torch.randint(0, k, (n,), generator=generator))
        got = answer(predicted, labels, k)
        if not isinstance(got, torch.Tensor) or got.shape != (k,):
            raise NotYet(f"return one share per class: a tensor of shape ({k},)")
        counts = concise.confusion_matrix(predicted, labels, k).double()
        truth = counts.diag() / counts.sum(dim=1)
        if not torch.allclose(got.double(), truth, atol=1e-6):
            if torch.allclose(got.double(), counts.diag() / counts.sum(dim=0).clamp(min=1), atol=1e-6):
                raise NotYet("you divided by the number of examples predicted as k (a column of the confusion "
                             "matrix); the share asked for is among the examples whose true class is k")
            raise NotYet("entry k counts the examples with labels == k and predicted == k, over those with "
                         "labels == k; make it a float division")


def check_cross_entropy_grad(answer):
    generator = torch.Generator().manual_seed(1)
    for batch, k in ((1, 3), (8, 10), (5, 4)):
        logits = torch.randn(batch, k, generator=generator, dtype=torch.float64) * 3
        y = torch.randint(0, k, (batch,), generator=generator)
        got = answer(logits, y)
        if not isinstance(got, torch.Tensor) or got.shape != logits.shape:
            raise NotYet("the gradient has one entry per logit: the logits' shape (batch, K)")
        leaf = logits.clone().requires_grad_(True)
        F.cross_entropy(leaf, y).backward()
        if torch.allclose(got, leaf.grad * batch, atol=1e-9) and batch > 1:
            raise NotYet("right up to a factor of the batch size: the loss is the batch mean, so each example's "
                         "part is divided by the batch size")
        if not torch.allclose(got, leaf.grad, atol=1e-9):
            raise NotYet("the values differ from autograd's: for one example, d(-log s_y) / d a_j is s_j for "
                         "every j, minus 1 where j is the true class")
