"""Checks for exercises/cnn/11_resnet.py (run: python -m lessonkit.check cnn/11)."""

import math

import torch
from torch import nn

from lessonkit.check import NotYet, lesson

resnet = lesson("cnn/11_resnet.py")


def check_RESIDUAL_PARAMETERS(answer):
    if answer is None:
        raise NotImplementedError
    if not isinstance(answer, int) or answer != sum(p.numel() for p in resnet.Residual(16, 32, stride=2).parameters()):
        raise NotYet("add up: conv1 (16 -> 32, 3x3), conv2 (32 -> 32, 3x3), the shortcut's 1x1 conv (16 -> 32), and "
                     "a scale and a shift per channel for each of the three BatchNorm2d(32)")


def _shapes(block, in_channels, out_channels, stride, name):
    block.eval()
    for h, w in ((8, 8), (7, 9)):
        with torch.no_grad():
            out = block(torch.randn(2, in_channels, h, w))
        want = (2, out_channels, math.ceil(h / stride), math.ceil(w / stride))
        if out.shape != want:
            raise NotYet(f"{name} on (2, {in_channels}, {h}, {w}) must give {want}; got {tuple(out.shape)}: padding 1 "
                         "for the 3x3 convolutions, the same stride on the shortcut's 1x1 as on the body")
        if (out < 0).any():
            raise NotYet(f"{name}: the output has negative values: the last ReLU comes after the addition")


def _silence_body(block):
    """Zero every 3x3 convolution and every convolution bias: the body then adds nothing (eval-mode BN of 0 is 0)."""
    with torch.no_grad():
        for m in block.modules():
            if isinstance(m, nn.Conv2d):
                if m.bias is not None:
                    m.bias.zero_()
                if m.kernel_size != (1, 1):
                    m.weight.zero_()
    return block.eval()


def _shortcuts(make, in_same, out_same, in_down, out_down, name):
    torch.manual_seed(0)
    block = _silence_body(make(in_same, 1))
    x = torch.randn(2, in_same, 6, 6)
    with torch.no_grad():
        out = block(x)
    if not torch.allclose(out, torch.relu(x), atol=1e-6):
        raise NotYet(f"{name} with matching shapes and a silent body (all 3x3 weights 0) must give relu(x): the "
                     "shortcut is the identity, added to the body's output before the ReLU")
    block = _silence_body(make(in_down, 2))
    x = torch.randn(1, in_down, 8, 8, requires_grad=True)
    block(x)[0, :, 1, 1].sum().backward()
    where = x.grad[0].ne(0).any(dim=0).nonzero().tolist()
    if where != [[2, 2]]:
        raise NotYet(f"{name} that changes the shape: with a silent body, output pixel (1, 1) must come from input "
                     f"pixel (2, 2) alone, through the shortcut's 1x1 convolution with stride 2; it depends on {where}")


def check_ResidualBlock(answer):
    torch.manual_seed(0)
    for c_in, c_out, stride in ((16, 16, 1), (16, 32, 2), (8, 16, 1)):
        block = answer(c_in, c_out, stride)
        if not isinstance(block, nn.Module):
            raise NotYet("ResidualBlock must stay an nn.Module")
        _shapes(block, c_in, c_out, stride, f"ResidualBlock({c_in}, {c_out}, stride={stride})")
    _shortcuts(lambda c, s: answer(c, c * s, s), 16, 16, 16, 32, "the block")


def check_Bottleneck(answer):
    torch.manual_seed(0)
    for c_in, mid, stride in ((64, 16, 1), (64, 32, 2), (32, 16, 1)):
        block = answer(c_in, mid, stride)
        if not isinstance(block, nn.Module):
            raise NotYet("Bottleneck must stay an nn.Module")
        _shapes(block, c_in, 4 * mid, stride, f"Bottleneck({c_in}, {mid}, stride={stride})")
    _shortcuts(lambda c, s: answer(c, c // 4 * s, s), 64, 64, 64, 128, "the bottleneck")
    wide = sum(p.numel() for p in answer(256, 64).parameters())
    plain = sum(p.numel() for p in resnet.Residual(256, 256).parameters())
    if not wide * 10 < plain:
        raise NotYet(f"Bottleneck(256, 64) holds {wide:,} parameters, the lesson's Residual(256, 256) {plain:,}: the "
                     "3x3 convolution should work at mid_channels, between the two 1x1")
