"""Checks for exercises/classification/06_mlp_concise.py (run: python -m lessonkit.check classification/06)."""

import math

import torch
from torch import nn

from lessonkit.check import NotYet, lesson

concise = lesson("classification/06_mlp_concise.py")


def check_DEFAULT_WEIGHT_BOUND_784(answer):
    if answer is None:
        raise NotImplementedError
    with torch.random.fork_rng():
        torch.manual_seed(0)
        largest = nn.Linear(784, 256).weight.abs().max().item()   # 200,704 draws: within 0.01% of the bound
    if not isinstance(answer, (int, float)) or not largest <= answer < largest * 1.005:
        raise NotYet("make an nn.Linear(784, 256) and look at its weights' largest size; the bound depends only on "
                     "the number of inputs per unit (fan_in), through a square root")


def _images(generator, n=60):
    return torch.randn(n, 28, 28, generator=generator), torch.arange(n) % 10


def check_MLP(answer):
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = answer(32)
        if not isinstance(model, nn.Module):
            raise NotYet("MLP must be an nn.Module subclass")
        count = sum(p.numel() for p in model.parameters())
        expected = sum(p.numel() for p in concise.make_model(32).parameters())
        if count != expected:
            raise NotYet(f"MLP(32) has {count} parameters, the lesson's make_model(32) {expected}: create the two "
                         "Linear layers in __init__ as attributes (self.something = nn.Linear(...)), so that "
                         "parameters() finds them")
        generator = torch.Generator().manual_seed(1)
        x, y = _images(generator)
        out = model(x)
        if not isinstance(out, torch.Tensor) or out.shape != (60, 10):
            raise NotYet("for images (60, 28, 28) forward must return scores (60, 10): flatten each image first")
        if (out >= 0).all():
            raise NotYet("every score is >= 0: no activation after the last layer, the loss applies the softmax")
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        first = None
        for _ in range(30):
            loss = nn.functional.cross_entropy(model(x), y)
            first = loss.item() if first is None else first
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if not loss.item() < 0.5 * first:
            raise NotYet(f"30 SGD steps on 60 images took the loss only from {first:.3f} to {loss.item():.3f}: is "
                         "the ReLU between the layers, and does forward use the layers created in __init__?")


class _Counting(nn.Module):
    """A small model with dropout that records how it was called."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(16, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 5))
        self.calls = []

    def forward(self, x):
        self.calls.append((len(x), self.training, torch.is_grad_enabled()))
        return self.net(x)


def check_predict_classes(answer):
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = _Counting().train()
        x = torch.randn(250, 4, 4)
    got = answer(model, x, batch_size=100)
    if not isinstance(got, torch.Tensor) or got.shape != (250,):
        raise NotYet("return one class per row of x: shape (n,)")
    if any(training for _, training, _ in model.calls):
        raise NotYet("the model ran in training mode: dropout was on; call model.eval() before predicting")
    if any(grad for _, _, grad in model.calls):
        raise NotYet("autograd was recording: run the model under torch.inference_mode() (or torch.no_grad())")
    sizes = [size for size, _, _ in model.calls]
    if sorted(sizes, reverse=True) != [100, 100, 50]:
        raise NotYet(f"the model saw batches of {sizes}; with 250 rows and batch_size 100 it should see "
                     f"{math.ceil(250 / 100)} batches, the last one smaller")
    if not model.training:
        raise NotYet("the model came in training mode and went out in eval mode: put back the mode it had "
                     "(model.train(was_training))")
    with torch.no_grad():
        truth = model.eval()(x).argmax(dim=1)
    if got.dtype != torch.long or not torch.equal(got.cpu(), truth):
        raise NotYet("the classes differ from argmax of the scores in eval mode; concatenate the batches in order")
    model.calls.clear()
    answer(model, x[:30], batch_size=100)
    if model.training:
        raise NotYet("a model that came in eval mode must stay in eval mode")
