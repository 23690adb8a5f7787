"""Worked solutions for exercises/classification/07_mnist_mlp_manual_weights.py, with a paragraph each. Check them with
    python -m lessonkit.check classification/07 --solutions
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

# Exercise 1. Each batch's loss is already a mean over its 200 images; the sum over the 50 batches is 50 times the
# mean per image, and dividing it by 10000 instead of by 50 makes it 10000 / 50 = 200 times too small. The note's
# "Average loss: 0.0007" was about 0.14 per image. Either sum per-image losses (reduction="sum") and divide by the
# number of images, or weigh each batch mean by the batch's size, which also handles a smaller last batch.
NOTE_TEST_LOSS_TOO_SMALL_BY = 200


def forward(x: torch.Tensor, params: list[torch.Tensor]) -> torch.Tensor:
    """params[0::2] are the weights and params[1::2] the biases; zip pairs them layer by layer. F.linear(h, w, b)
    computes h @ w.t() + b, the same as nn.Linear (which stores its weight as (out, in) too). The last layer's output
    stays raw: cross_entropy's log-softmax needs negative scores to say "unlikely", and a ReLU there would cut
    their gradient."""
    layers = list(zip(params[0::2], params[1::2]))
    h = x
    for i, (w, b) in enumerate(layers):
        h = F.linear(h, w, b)
        if i < len(layers) - 1:
            h = F.relu(h)
    return h


def init_params(sizes: list[int], generator: torch.Generator) -> list[torch.Tensor]:
    """torch.randn draws N(0, 1); multiplying by std = sqrt(gain^2 / fan_in) gives N(0, gain^2 / fan_in), what
    kaiming_normal_(mode="fan_in") does. With fan_in inputs of mean square q, a pre-activation has variance
    fan_in * var(w) * q = gain^2 q; ReLU keeps half of it, and gain^2 = 2 makes up for that, so the spread stays the
    same from layer to layer. The last layer feeds no ReLU: gain 1 (the note used the ReLU gain there too)."""
    params = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        gain2 = 1.0 if i == len(sizes) - 2 else 2.0
        w = torch.randn(fan_out, fan_in, generator=generator) * math.sqrt(gain2 / fan_in)
        params += [w, torch.zeros(fan_out)]
    return params
