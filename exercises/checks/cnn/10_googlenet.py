"""Checks for exercises/cnn/10_googlenet.py (run: python -m lessonkit.check cnn/10)."""

import torch
from torch import nn

import lessonkit as lk
from lessonkit.check import NotYet


def check_FIVE_BY_FIVE_MACS_RATIO(answer):
    if answer is None:
        raise NotImplementedError
    x = torch.zeros(1, 192, 12, 12)
    direct = lk.count_macs(nn.Conv2d(192, 32, 5, padding=2), x)
    reduced = lk.count_macs(nn.Sequential(nn.Conv2d(192, 16, 1), nn.Conv2d(16, 32, 5, padding=2)), x)
    if not isinstance(answer, (int, float)) or not abs(answer - direct / reduced) < 0.06:
        raise NotYet("count both: a k x k convolution costs c_out x H x W x c_in x k x k multiply-adds, and the "
                     "squeezed branch is the sum of its 1x1 and its 5x5 (which now sees 16 channels, not 192); "
                     "then divide the direct cost by it")


def _side(grad):
    """Width of the patch of input pixels with a non-zero gradient."""
    rows = grad.ne(0).flatten(0, -3).any(dim=0).any(dim=1).nonzero().flatten()
    return int(rows.max() - rows.min() + 1) if len(rows) else 0


def check_InceptionLite(answer):
    torch.manual_seed(0)
    in_channels, c1, c3, c_pool = 32, 16, (12, 20), 8
    block = answer(in_channels, c1, c3, c_pool)
    if not isinstance(block, nn.Module):
        raise NotYet("InceptionLite must stay an nn.Module")
    block.eval()
    for h, w in ((7, 7), (6, 9)):
        with torch.no_grad():
            out = block(torch.randn(2, in_channels, h, w))
        if out.shape != (2, c1 + c3[1] + c_pool, h, w):
            raise NotYet(f"a (2, {in_channels}, {h}, {w}) input must give (2, {c1 + c3[1] + c_pool}, {h}, {w}); got "
                         f"{tuple(out.shape)}: every branch must keep height and width (padding (k - 1) / 2, the "
                         "pool with stride 1 and padding 1) so that torch.cat(..., dim=1) can join them")
    expected = {"the 1x1 branch (the first c1 channels)": (slice(0, c1), 1),
                "the 1x1 -> 3x3 branch (the next c3[1] channels)": (slice(c1, c1 + c3[1]), 3),
                "the pool -> 1x1 branch (the last c_pool channels)": (slice(c1 + c3[1], None), 3)}
    for name, (channels, side) in expected.items():
        x = torch.randn(1, in_channels, 9, 9, requires_grad=True)
        block(x)[0, channels, 4, 4].sum().backward()
        seen = _side(x.grad)
        if seen != side:
            raise NotYet(f"one output pixel of {name} depends on a {seen}x{seen} patch of the input, not "
                         f"{side}x{side}: check the order of the branches in torch.cat and their kernel sizes")
