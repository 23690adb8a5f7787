"""Checks for exercises/classification/07_mnist_mlp_manual_weights.py
(run: python -m lessonkit.check classification/07)."""

import torch
import torch.nn.functional as F
from torch import nn

from lessonkit.check import NotYet, lesson

manual = lesson("classification/07_mnist_mlp_manual_weights.py")


def check_NOTE_TEST_LOSS_TOO_SMALL_BY(answer):
    if answer is None:
        raise NotImplementedError
    generator = torch.Generator().manual_seed(0)
    logits, y = torch.randn(1000, 10, generator=generator), torch.randint(0, 10, (1000,), generator=generator)
    note = sum(F.cross_entropy(logits[i:i + 200], y[i:i + 200]).item() for i in range(0, 1000, 200)) / 1000
    true = F.cross_entropy(logits, y).item()   # 1000 images stand in for 10000: the factor is the same
    if not isinstance(answer, (int, float)) or abs(answer - true / note) > 0.01 * true / note:
        raise NotYet("each batch mean is already divided by its 200 images; the note divides the sum of 50 such means "
                     "by 10000 instead of by 50")


def _layers(sizes, generator):
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params += [torch.randn(fan_out, fan_in, generator=generator, dtype=torch.float64) / fan_in ** 0.5,
                   torch.randn(fan_out, generator=generator, dtype=torch.float64)]
    return params


def check_forward(answer):
    generator = torch.Generator().manual_seed(1)
    for sizes in ([784, 200, 200, 10], [5, 3], [7, 6, 5, 4, 3]):
        params = _layers(sizes, generator)
        twin = nn.Sequential()
        for i, (w, b) in enumerate(zip(params[::2], params[1::2])):
            linear = nn.Linear(w.shape[1], w.shape[0], dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(w)
                linear.bias.copy_(b)
            twin.append(linear)
            if i < len(sizes) - 2:
                twin.append(nn.ReLU())
        x = torch.randn(9, sizes[0], generator=generator, dtype=torch.float64)
        got = answer(x, params)
        if not isinstance(got, torch.Tensor) or got.shape != (9, sizes[-1]):
            raise NotYet(f"for layer sizes {sizes} and 9 inputs the scores are (9, {sizes[-1]}); w is (out, in), so a "
                         "layer multiplies by its transpose")
        if (got >= 0).all():
            raise NotYet("every score is >= 0: that is the note's bug, a ReLU on the logits; leave the last layer "
                         "without one")
        with torch.no_grad():
            truth = twin(x)
        if not torch.allclose(got, truth, atol=1e-9):
            raise NotYet(f"for layer sizes {sizes} the scores differ from nn.Linear layers with the same weights: a "
                         "ReLU after every layer but the last, and each bias added after its matrix product")


def check_init_params(answer):
    sizes = [784, 200, 200, 10]
    got = answer(sizes, torch.Generator().manual_seed(0))
    if not isinstance(got, (list, tuple)) or len(got) != 6:
        raise NotYet("for 4 sizes (3 layers) return 6 tensors: [w1, b1, w2, b2, w3, b3]")
    reference = manual.init_params(torch.Generator().manual_seed(0))   # the lesson's, through nn.init
    for i, (mine, theirs) in enumerate(zip(got, reference)):
        name = f"{'wb'[i % 2]}{i // 2 + 1}"
        if not isinstance(mine, torch.Tensor) or mine.shape != theirs.shape:
            raise NotYet(f"{name} must have shape {tuple(theirs.shape)} (weights are (out, in), biases (out,))")
        if i % 2:
            if mine.abs().max() != 0:
                raise NotYet(f"{name} must start at zero")
            continue
        last = i == len(got) - 2
        std = nn.init.calculate_gain("linear" if last else "relu") / theirs.shape[1] ** 0.5
        if not 0.92 < mine.std().item() / std < 1.08:   # w3's 2000 draws give their std to about 1.6%
            raise NotYet(f"{name} has std {mine.std().item():.4f}; it should be about {std:.4f}: "
                         f"sqrt(gain^2 / fan_in) with fan_in the number of inputs, {theirs.shape[1]}, and gain^2 = "
                         f"{'1 for the last layer' if last else '2 for a layer followed by a ReLU'}")
        if abs(mine.mean().item()) > 5 * std / mine.numel() ** 0.5:
            raise NotYet(f"{name} should be centred on 0 (a normal distribution with mean 0)")
    again = answer(sizes, torch.Generator().manual_seed(0))
    if not all(torch.equal(a, b) for a, b in zip(got, again)):
        raise NotYet("the same generator seed must give the same weights: draw with generator=generator")
