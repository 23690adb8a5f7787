"""Checks for exercises/classification/09_activations.py (run: python -m lessonkit.check classification/09)."""

import torch
import torch.nn.functional as F
from torch import nn

from lessonkit.check import NotYet, lesson

activations = lesson("classification/09_activations.py")


def check_NEVER_SATURATING(answer):
    if answer is None:
        raise NotImplementedError
    if not isinstance(answer, (set, frozenset, list, tuple)) or not all(isinstance(a, str) for a in answer):
        raise NotYet("give a set of names, e.g. {\"ReLU\"}, spelled as in the lesson's ACTIVATIONS")
    unknown = set(answer) - set(activations.ACTIVATIONS)
    if unknown:
        raise NotYet(f"{sorted(unknown)} not among the lesson's names: {sorted(activations.ACTIVATIONS)}")
    table = {name: activations.saturation(make()) for name, make in activations.ACTIVATIONS.items()}
    truth = {name for name, row in table.items() if not (row["saturates_left"] or row["saturates_right"])}
    if set(answer) - truth:
        raise NotYet(f"{sorted(set(answer) - truth)} saturate on at least one side: f'(-20) or f'(+20) is near 0")
    if truth - set(answer):
        raise NotYet(f"you left out {len(truth - set(answer))} that keep a slope on both sides: look at the left "
                     "column, f'(-20), of the lesson's table")


def check_LearnableSwish(answer):
    layer = answer()
    params = list(layer.parameters())
    if len(params) != 1 or params[0].numel() != 1:
        raise NotYet("the layer must hold exactly one trainable number, beta, as an nn.Parameter (so that "
                     "parameters() hands it to the optimizer)")
    x = torch.linspace(-6, 6, 121)
    out = layer(x)
    if not isinstance(out, torch.Tensor) or out.shape != x.shape:
        raise NotYet("an activation works element by element: the output has the input's shape")
    if not torch.allclose(out, F.silu(x), atol=1e-6):
        raise NotYet("with beta = 1 at the start, f(x) = x * sigmoid(x), which is SiLU")
    out.sum().backward()
    beta = params[0]
    expected = (x * x * torch.sigmoid(x) * (1 - torch.sigmoid(x))).sum()   # d/d beta of x sigmoid(beta x) at beta 1
    if beta.grad is None or not torch.allclose(beta.grad.reshape(()), expected, rtol=1e-4):
        raise NotYet("beta receives no (or the wrong) gradient: use the Parameter itself inside forward")
    with torch.no_grad():
        beta.fill_(50.0)
        sharp = layer(x)
    if not torch.allclose(sharp, torch.relu(x), atol=0.01):
        raise NotYet("with a large beta the layer should behave like ReLU: forward must read beta each call")
    layers = nn.Sequential(answer(), answer())
    if len(list(layers.parameters())) != 2:
        raise NotYet("each LearnableSwish must have a beta of its own")


def check_init_stack_weight_(answer):
    spread = lesson("classification/09_activations.py")   # a fresh copy whose init_weight we may replace
    spread.init_weight = lambda weight, act, init, generator: answer(weight, act, generator)
    for act in ("relu", "tanh"):
        for seed in (0, 1):
            forward, backward = spread.stack_spread(act, "yours", 20, "cpu", width=256, batch=256, seed=seed)
            if not torch.isfinite(forward).all() or forward.min() == 0:
                raise NotYet(f"with {act} some layer's output is 0, inf or NaN: fill every entry of the weight")
            if forward.max() / forward.min() > 4:
                raise NotYet(f"with {act} the forward spread goes from {forward[0]:.3g} (layer 1) to "
                             f"{forward[-1]:.3g} (layer 20): each layer multiplies it by about sqrt(width * "
                             "var(w) * what the activation keeps); choose var(w) to make that 1")
            if backward.max() / backward.min() > 10:
                raise NotYet(f"with {act} the forward spread holds but the gradient's does not "
                             f"({backward[-1]:.3g} at layer 20, {backward[0]:.3g} at layer 1)")
