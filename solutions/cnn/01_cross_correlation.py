"""Worked solutions for exercises/cnn/01_cross_correlation.py, with a paragraph each. Check them with
    python -m lessonkit.check cnn/01 --solutions
"""

from __future__ import annotations

import torch

# Exercise 1. One 3x3 layer: each output pixel reads a 3x3 window. A second 3x3 layer reads a 3x3 window of
# those outputs, and each of them reaches one more pixel on every side: 5x5. Every layer adds k - 1 = 2, so n
# layers see 2n + 1 pixels: 11 for five. That is why deep stacks of small kernels still see large patterns
# (局部连接 layer by layer, a wide receptive field overall), the argument VGG (cnn/08) builds on.
RECEPTIVE_FIELD_FIVE_LAYERS = 11


def corr2d_unfold(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """unfold(dim, size, step) returns a view holding every window of `size` along `dim` as a new last axis:
    x.unfold(0, kh, 1) is (h', w, kh), and unfolding dim 1 next gives (h', w', kh, kw), all windows without a
    copy. Multiplying by k broadcasts over the windows, and summing the last two axes gives the output: the
    same arithmetic as the two loops, done in one tensor operation (this window view is the im2col idea that
    fast convolutions use). Every step is differentiable, so gradients reach k."""
    kh, kw = k.shape
    windows = x.unfold(0, kh, 1).unfold(1, kw, 1)  # (h - kh + 1, w - kw + 1, kh, kw)
    return (windows * k).sum(dim=(-2, -1))


def learn_kernel(x: torch.Tensor, y: torch.Tensor, kernel_size: tuple[int, int]) -> torch.Tensor:
    """The lesson's loop with a mean instead of a sum: the mean squared error does not grow with the number of
    outputs, so one learning rate fits any image size. On random inputs its curvature is about 2 in every
    direction, so lr 0.2 shrinks the error by a good factor each step (lr above about 1 would diverge, the
    same overshoot the lesson's --lr 0.02 shows for its summed loss). 300 steps cost a few milliseconds."""
    generator = torch.Generator().manual_seed(0)
    kernel = torch.rand(kernel_size, generator=generator, dtype=x.dtype).requires_grad_(True)
    for _ in range(300):
        loss = ((corr2d_unfold(x, kernel) - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():  # the update must not become part of the graph
            kernel -= 0.2 * kernel.grad
            kernel.grad.zero_()
    return kernel.detach()
