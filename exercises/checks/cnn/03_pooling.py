"""Checks for exercises/cnn/03_pooling.py (run: python -m lessonkit.check cnn/03)."""

import torch
import torch.nn.functional as F
from torch import nn

from lessonkit.check import NotYet


def check_POOLED_SHAPE(answer):
    if answer is None:
        raise NotImplementedError
    truth = tuple(nn.MaxPool2d(3)(torch.zeros(2, 16, 14, 14)).shape)
    if not isinstance(answer, (tuple, list, torch.Size)) or len(answer) != len(truth):
        raise NotYet("give the shape as a tuple of 4 sizes: (batch, channels, height, width)")
    if tuple(answer)[:2] != truth[:2]:
        raise NotYet("pooling works on each channel by itself: the batch size and the channels stay as they are")
    if tuple(answer) != truth:
        raise NotYet("nn.MaxPool2d(3) moves its window by its own size unless you give stride: use "
                     "floor((n - k) / s) + 1 with s = 3")


def check_max_pool2d_by_hand(answer):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 7, 9, generator=generator) - 2  # mostly negative: a zero padding would show
    for size, stride, padding in ((2, None, 0), (2, 1, 0), (3, 2, 1), (3, None, 1), (3, 1, 0)):
        want = F.max_pool2d(x, size, stride, padding)
        got = answer(x, size, stride, padding)
        setting = f"size {size}, stride {stride}, padding {padding}"
        if not isinstance(got, torch.Tensor) or got.shape != want.shape:
            raise NotYet(f"with {setting} a {tuple(x.shape)} input gives {tuple(want.shape)}; got "
                         f"{tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__}"
                         + (" (stride None means stride = size)" if stride is None else ""))
        if not torch.equal(got, want):
            raise NotYet(f"the shape is right with {setting}, the values are not"
                         + (": pad with -inf (torch.finfo(x.dtype).min will do), not zeros" if padding else
                            ": each output is the largest value in its window of its own channel"))


def check_upsample_bilinear_corners(answer):
    generator = torch.Generator().manual_seed(1)
    cases = [(torch.tensor([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 1, 2, 2), (4, 4)),
             (torch.randn(2, 3, 3, 4, generator=generator, dtype=torch.float64), (7, 9)),
             (torch.randn(1, 2, 5, 6, generator=generator, dtype=torch.float64), (3, 4))]
    for x, size in cases:
        want = F.interpolate(x, size=size, mode="bilinear", align_corners=True)
        got = answer(x, size)
        if not isinstance(got, torch.Tensor) or got.shape != want.shape:
            raise NotYet(f"a {tuple(x.shape)} input brought to size {size} is {tuple(want.shape)}; got "
                         f"{tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__}")
        if not torch.allclose(got.to(want.dtype), want, atol=1e-6):
            if torch.allclose(got.to(want.dtype), F.interpolate(x, size=size, mode="bilinear"), atol=1e-6):
                raise NotYet("that is align_corners=False: here the first and last output rows sit exactly on "
                             "the first and last input rows")
            raise NotYet(f"the values differ from F.interpolate for {tuple(x.shape)} -> {size}: output row i "
                         "sits at input position i * (h - 1) / (H - 1); with r its whole part and f the rest, it "
                         "is (1 - f) times row r plus f times row r + 1 (and the same for columns)")
