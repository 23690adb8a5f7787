"""Checks for exercises/classification/10_dropout_and_regularization.py
(run: python -m lessonkit.check classification/10)."""

import torch
from torch import nn

from lessonkit.check import NotYet, lesson

regularization = lesson("classification/10_dropout_and_regularization.py")


def check_DROPOUT_VARIANCE_P_0_2(answer):
    if answer is None:
        raise NotImplementedError
    with torch.random.fork_rng():
        torch.manual_seed(0)
        out = regularization.dropout(torch.ones(1_000_000), 0.2, training=True)
    measured = out.var().item()   # within about 0.001 of the exact value
    if not isinstance(answer, (int, float)) or abs(answer - measured) > 0.01:
        raise NotYet("the output is 0 with probability p and 1 / (1 - p) otherwise; its mean is 1. The variance is "
                     "E[out^2] - (E[out])^2")


def _model(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3))


def check_l1_penalty(answer):
    with torch.random.fork_rng():
        model = _model(0)
    got = answer(model)
    if not isinstance(got, torch.Tensor) or got.shape != ():
        raise NotYet("return one number as a 0-d tensor, so that it can be added to the loss")
    truth = sum(p.abs().sum() for p in model.parameters())
    if not torch.allclose(got, truth):
        if torch.allclose(got, sum(p.abs().sum() for n, p in model.named_parameters() if "weight" in n)):
            raise NotYet("the note's loop runs over model.parameters(): the biases count too")
        raise NotYet("take the absolute value of every entry of every parameter, then add them all up")
    got.backward()
    weight = model[0].weight
    if weight.grad is None or not torch.equal(weight.grad, torch.sign(weight.detach())):
        raise NotYet("autograd must reach the parameters: build the sum from them directly, without .detach(), "
                     ".item() or torch.no_grad()")


def check_l2_penalty(answer):
    generator = torch.Generator().manual_seed(1)
    x, y = torch.randn(16, 4, generator=generator), torch.randint(0, 3, (16,), generator=generator)
    with torch.random.fork_rng():
        for momentum in (0.0, 0.9):
            reference, mine = _model(2), _model(2)
            twin = torch.optim.SGD(reference.parameters(), lr=0.1, momentum=momentum, weight_decay=0.05)
            plain = torch.optim.SGD(mine.parameters(), lr=0.1, momentum=momentum)
            for _ in range(5):
                twin.zero_grad()
                nn.functional.cross_entropy(reference(x), y).backward()
                twin.step()
                plain.zero_grad()
                penalty = answer(mine, 0.05)
                if not isinstance(penalty, torch.Tensor) or penalty.shape != ():
                    raise NotYet("return one number as a 0-d tensor, to be added to the loss")
                (nn.functional.cross_entropy(mine(x), y) + penalty).backward()
                plain.step()
            same = all(torch.allclose(a, b, atol=1e-6) for a, b in zip(reference.parameters(), mine.parameters()))
            if not same:
                ratio = (answer(mine, 0.05) / sum((p ** 2).sum() for p in mine.parameters())).item()
                raise NotYet(f"after 5 steps{' with momentum' if momentum else ''} the weights differ from SGD with "
                             f"weight_decay: your penalty is {ratio:.4g} x the sum of squares. SGD adds "
                             "weight_decay * p to each gradient: which penalty has that derivative?")
