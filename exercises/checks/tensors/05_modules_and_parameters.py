"""Checks for exercises/tensors/05_modules_and_parameters.py (run: python -m lessonkit.check tensors/05)."""

import torch
from torch import nn

from lessonkit.check import NotYet


def check_PARAMETER_COUNT(answer):
    if answer is None:
        raise NotImplementedError
    model = nn.Sequential(nn.Linear(784, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Linear(256, 10))
    if answer != sum(p.numel() for p in model.parameters() if p.requires_grad):
        raise NotYet("add up layer by layer: 784 x 256 + 256, then 2 x 256 for BatchNorm (its running mean and "
                     "variance are buffers, not trained), then 256 x 10 + 10; or let "
                     "sum(p.numel() for p in model.parameters()) count them")


def check_Dropout(answer):
    torch.manual_seed(0)
    x = torch.rand(200_000) + 0.5
    for p in (0.2, 0.5):
        layer = answer(p)
        if not isinstance(layer, nn.Module):
            raise NotYet("Dropout must stay an nn.Module (class Dropout(nn.Module))")
        out = layer.train()(x)
        if not isinstance(out, torch.Tensor) or out.shape != x.shape:
            raise NotYet("forward must return a tensor of the input's shape")
        zero = out == 0
        if abs(zero.float().mean().item() - p) > 0.01:
            raise NotYet(f"with p = {p} about {p:.0%} of the entries must be 0 in training mode; got "
                         f"{zero.float().mean().item():.1%}")
        if not torch.allclose(out[~zero], x[~zero] / (1 - p)):
            raise NotYet("the survivors must be scaled by 1 / (1 - p), so that the expected value stays")
        if torch.equal(layer(x), layer(x)):
            raise NotYet("each call in training mode draws a new mask")
        if not torch.equal(layer.eval()(x), x):
            raise NotYet("in eval mode (self.training is False) dropout returns its input unchanged")
