"""Checks for exercises/cnn/12_densenet.py (run: python -m lessonkit.check cnn/12)."""

import torch
from torch import nn

from lessonkit.check import NotYet, lesson

dn = lesson("cnn/12_densenet.py")


def check_HEAD_CHANNELS(answer):
    if answer is None:
        raise NotImplementedError
    model = dn.densenet().eval()
    with torch.no_grad():
        before_head = model[:-1](torch.zeros(1, 1, 28, 28))  # every block but the head
    if not isinstance(answer, int) or answer != before_head.shape[1]:
        raise NotYet("follow the channels: a dense block adds growth rate x convolutions to what comes in, the "
                     "transition halves them, and the second dense block adds its own on top")


def check_MyDenseBlock(answer):
    torch.manual_seed(0)
    for num_convs, c_in, growth in ((4, 16, 8), (2, 5, 3), (1, 4, 6)):
        block = answer(num_convs, c_in, growth)
        if not isinstance(block, nn.Module):
            raise NotYet("MyDenseBlock must stay an nn.Module")
        convs = [m for m in block.modules() if isinstance(m, nn.Conv2d)]
        if [c.in_channels for c in convs] != [c_in + i * growth for i in range(num_convs)]:
            raise NotYet(f"with {c_in} channels in and growth {growth}, conv block i must take "
                         f"{c_in} + i x {growth} channels (everything before it); the convolutions take "
                         f"{[c.in_channels for c in convs]}")
        if any(c.out_channels != growth or c.kernel_size != (3, 3) for c in convs):
            raise NotYet("each convolution is 3x3 and makes growth_rate channels")
        block.eval()
        for h, w in ((6, 6), (5, 8)):
            x = torch.randn(2, c_in, h, w)
            with torch.no_grad():
                out = block(x)
            want = (2, c_in + num_convs * growth, h, w)
            if out.shape != want:
                raise NotYet(f"({2}, {c_in}, {h}, {w}) in must give {want}; got {tuple(out.shape)}")
            if not torch.equal(out[:, :c_in], x):
                raise NotYet("the block's input must come out unchanged in the first in_channels channels: "
                             "torch.cat([x, new], dim=1), input first")


def _built(stem, growth, convs_per_block):
    """The channels after each block of a network put together from the lesson's own DenseBlock and transition."""
    side = 2 ** len(convs_per_block)  # each transition halves it
    x, plan = torch.zeros(1, stem, side, side), []
    with torch.no_grad():
        for i, num_convs in enumerate(convs_per_block):
            block = dn.DenseBlock(num_convs, x.shape[1], growth).eval()
            x = block(x)
            plan.append(x.shape[1])
            if i < len(convs_per_block) - 1:
                x = dn.transition(x.shape[1], x.shape[1] // 2).eval()(x)
                plan.append(x.shape[1])
    return plan


def check_channel_plan(answer):
    for stem, growth, convs in ((16, 8, [4, 4]), (64, 32, [4, 4, 4, 4]), (24, 12, [6, 3, 5]), (7, 5, [3])):
        want = _built(stem, growth, convs)
        got = answer(stem, growth, list(convs))
        if not isinstance(got, (list, tuple)) or list(got) != want:
            raise NotYet(f"for stem {stem}, growth {growth}, blocks {convs} the plan has {len(want)} numbers (one per "
                         "dense block and one per transition between them); a dense block of n convolutions adds "
                         "n x growth, a transition keeps channels // 2")
