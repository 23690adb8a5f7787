"""Checks for exercises/cnn/02_padding_stride_channels.py (run: python -m lessonkit.check cnn/02)."""

import torch
import torch.nn.functional as F
from torch import nn

import lessonkit as lk
from lessonkit.check import NotYet, lesson

psc = lesson("cnn/02_padding_stride_channels.py")


def check_CONV_MACS(answer):
    if answer is None:
        raise NotImplementedError
    with torch.no_grad():
        _, c_out, h, w = nn.Conv2d(64, 128, kernel_size=3, padding=1, stride=2)(torch.zeros(1, 64, 56, 56)).shape
    if not isinstance(answer, int) or answer != psc.conv_macs(64, c_out, 3, h, w):
        raise NotYet("a whole number: each output value is a sum of c_in x 3 x 3 products, and there are "
                     "c_out x h' x w' output values; with stride 2 the output is about half the input's height "
                     "and width (work h' out with the formula)")


def check_conv2d_by_hand(answer):
    generator = torch.Generator().manual_seed(0)
    for c_in, c_out, h, w, kh, kw, padding, stride in ((1, 1, 5, 5, 3, 3, 1, 1), (2, 3, 6, 7, 3, 2, 0, 2),
                                                        (3, 2, 7, 7, 3, 3, 1, 2), (2, 2, 5, 8, 2, 3, 2, 3)):
        x = torch.randn(c_in, h, w, generator=generator, dtype=torch.float64)
        k = torch.randn(c_out, c_in, kh, kw, generator=generator, dtype=torch.float64)
        want = F.conv2d(x[None], k, padding=padding, stride=stride)[0]
        got = answer(x, k, padding=padding, stride=stride)
        setting = f"x {tuple(x.shape)}, k {tuple(k.shape)}, padding {padding}, stride {stride}"
        if not isinstance(got, torch.Tensor) or got.shape != want.shape:
            raise NotYet(f"for {setting} the output must be {tuple(want.shape)}: (n + 2p - k) // s + 1 per "
                         f"dimension; got {tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__}")
        if not torch.allclose(got.to(want.dtype), want, atol=1e-6):
            raise NotYet(f"the shape is right for {setting}, the values are not: output (o, i, j) is the sum over "
                         "input channels and the window starting at row i * stride, column j * stride of the "
                         "zero-padded input, times k[o]")


def check_bottleneck(answer):
    torch.manual_seed(0)
    for channels, reduced in ((256, 64), (32, 8)):
        block = answer(channels, reduced)
        if not isinstance(block, nn.Module):
            raise NotYet("return an nn.Module (an nn.Sequential of layers will do)")
        block.eval()  # BatchNorm, if any, with its running statistics
        for h, w in ((8, 8), (5, 7)):
            with torch.no_grad():
                out = block(torch.randn(2, channels, h, w))
            if out.shape != (2, channels, h, w):
                raise NotYet(f"a ({2}, {channels}, {h}, {w}) input must come out with the same shape; got "
                             f"{tuple(out.shape)}: the 3x3 convolution needs padding 1, the last 1x1 goes back up to "
                             "`channels`")
        x = torch.randn(1, channels, 9, 9, requires_grad=True)
        block(x)[0, :, 4, 4].sum().backward()
        side = int(x.grad[0].ne(0).any(dim=0).any(dim=1).sum())
        if side != 3:
            raise NotYet(f"one output pixel depends on a {side}x{side} patch of the input; a bottleneck's single "
                         "3x3 convolution (between the two 1x1) makes it 3x3")
        macs = lk.count_macs(block, torch.zeros(1, channels, 14, 14))
        plain = psc.conv_macs(channels, channels, 3, 14, 14)
        if not macs * 4 < plain:
            raise NotYet(f"it costs {macs:,} multiply-adds at 14x14, against {plain:,} for one plain 3x3 "
                         f"convolution: squeeze to `reduced` channels before the 3x3, not after it")
