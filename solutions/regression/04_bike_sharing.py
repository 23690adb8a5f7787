"""Worked solutions for exercises/regression/04_bike_sharing.py, with a paragraph each. Check them with
    python -m lessonkit.check regression/04 --solutions
"""

from __future__ import annotations

import torch

# Exercise 1. The five categorical columns become 4 + 4 + 12 + 24 + 7 = 51 one-hot columns (season, weathersit,
# mnth, hr, weekday). Of the other twelve columns, instant, atemp, workingday, casual and registered are dropped,
# dteday is removed after the split, and cnt is the target: yr, holiday, temp, hum and windspeed stay. 51 + 5 =
# 56. One-hot says "hour 17" without claiming that 17 is more than 16; the price is more inputs.
FEATURE_COUNT = 56


def standardise(train: torch.Tensor, other: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The mean and std are part of the model: learned from the training rows, then applied unchanged to
    every later row, exactly as the network's weights are. Validation and test days scaled with their own (or
    with all rows') statistics would be told something about themselves that a real forecast never knows.
    torch.std divides by n - 1, as pandas does (the lesson's scaler uses pandas)."""
    mean, std = train.mean(dim=0), train.std(dim=0)
    return (train - mean) / std, (other - mean) / std


def manual_gradients(x: torch.Tensor, y: torch.Tensor, w1: torch.Tensor, b1: torch.Tensor, w2: torch.Tensor,
                     b2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Forward once, keeping what backward needs (the hidden activations s); then the chain rule layer by
    layer from the loss back: d loss / d out = 2 (out - y) / batch; the output layer is linear, so its weights'
    gradient is s.T @ that, its bias' the sum over rows; passing back through w2 and then the sigmoid multiplies
    by w2.T and by s (1 - s); the first layer repeats the linear rule with x. This is what loss.backward()
    computes for the lesson's ManualNet, one local derivative per operation."""
    s = torch.sigmoid(x @ w1 + b1)                 # (batch, hidden)
    out = s @ w2 + b2                              # (batch, 1)
    d_out = 2 * (out - y) / len(x)                 # (batch, 1)
    d_w2, d_b2 = s.T @ d_out, d_out.sum(dim=0)
    d_z = (d_out @ w2.T) * s * (1 - s)             # (batch, hidden): at the sigmoid's input
    d_w1, d_b1 = x.T @ d_z, d_z.sum(dim=0)
    return d_w1, d_b1, d_w2, d_b2
