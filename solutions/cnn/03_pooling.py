"""Worked solutions for exercises/cnn/03_pooling.py, with a paragraph each. Check them with
    python -m lessonkit.check cnn/03 --solutions
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

# Exercise 1. nn.MaxPool2d(3) has stride 3 (the stride defaults to the window size), so each side becomes
# floor((14 - 3) / 3) + 1 = 4: the last two rows and columns fit no whole window and are dropped. Pooling acts
# on every channel by itself, so the batch and the 16 channels stay: (2, 16, 4, 4).
POOLED_SHAPE = (2, 16, 4, 4)


def max_pool2d_by_hand(x: torch.Tensor, size: int, stride: int | None = None, padding: int = 0) -> torch.Tensor:
    """The lesson's pool2d, on (N, C, H, W) instead of (H, W): the window x[..., r:r+size, c:c+size] keeps the
    batch and channel axes, and amax over the last two axes takes each channel's own maximum. The padding value
    is -inf: max pooling must return a real input value, and a zero border would beat every negative one (the
    lesson's average pooling, by contrast, pads with zeros and by default counts them)."""
    stride = size if stride is None else stride
    x = F.pad(x, (padding,) * 4, value=-torch.inf)
    h_out, w_out = (x.shape[-2] - size) // stride + 1, (x.shape[-1] - size) // stride + 1
    y = torch.empty(*x.shape[:2], h_out, w_out, dtype=x.dtype)
    for i in range(h_out):
        for j in range(w_out):
            r, c = i * stride, j * stride
            y[..., i, j] = x[..., r:r + size, c:c + size].amax(dim=(-2, -1))
    return y


def _mixing(n_in: int, n_out: int, dtype) -> torch.Tensor:
    """(n_out, n_in): row i holds the weights with which output i mixes the inputs (two non-zero entries)."""
    position = torch.linspace(0, n_in - 1, n_out, dtype=torch.float64)  # i * (n_in - 1) / (n_out - 1)
    low = position.floor().long().clamp(max=n_in - 2)                  # the last output sits on the last input
    frac = position - low
    weights = torch.zeros(n_out, n_in, dtype=torch.float64)
    rows = torch.arange(n_out)
    weights[rows, low] = 1 - frac
    weights[rows, low + 1] += frac
    return weights.to(dtype)


def upsample_bilinear_corners(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear interpolation is linear and separable: first every column is interpolated along the height, then
    every row along the width. Each is a matrix of mixing weights, so the whole upsampling is A_h @ x @ A_w^T,
    broadcast over batch and channels. align_corners=True puts output 0 on input 0 and output H - 1 on input
    h - 1, hence positions i * (h - 1) / (H - 1); align_corners=False (the default) would treat pixels as little
    squares instead, as the lesson explains."""
    a_h, a_w = _mixing(x.shape[-2], size[0], x.dtype), _mixing(x.shape[-1], size[1], x.dtype)
    return a_h @ x @ a_w.T
