"""Checks for exercises/cnn/08_vgg.py (run: python -m lessonkit.check cnn/08)."""

import torch
from torch import nn

from lessonkit.check import NotYet, lesson

vgg = lesson("cnn/08_vgg.py")


def check_VGG_BLOCK_PARAMETERS(answer):
    if answer is None:
        raise NotImplementedError
    if not isinstance(answer, int) or answer != sum(p.numel() for p in vgg.vgg_block(2, 64, 128).parameters()):
        raise NotYet("the first 3x3 convolution maps 64 channels to 128 (64 x 128 x 9 weights), the second 128 to "
                     "128; each is followed by a BatchNorm2d(128) with 2 x 128 parameters; the pool has none")


def check_vgg_from_arch(answer):
    torch.manual_seed(0)
    for arch, classes, size in ((((1, 8), (1, 16), (2, 32)), 10, 28), (((1, 8), (2, 16)), 5, 32),
                                (((2, 4),), 3, 20)):
        model = answer(arch, num_classes=classes, size=size)
        if not isinstance(model, nn.Module):
            raise NotYet("return an nn.Module (an nn.Sequential of blocks will do)")
        convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
        if len(convs) != sum(n for n, _ in arch):
            raise NotYet(f"arch {arch} asks for {sum(n for n, _ in arch)} convolutions; the model has {len(convs)}")
        if any(c.kernel_size != (3, 3) or c.padding != (1, 1) for c in convs):
            raise NotYet("every convolution of a VGG block is 3x3 with padding 1 (height and width kept)")
        if [c.out_channels for c in convs] != [c for n, c in arch for _ in range(n)]:
            raise NotYet(f"the convolutions' output channels must follow arch {arch}, block by block")
        pools = sum(isinstance(m, nn.MaxPool2d) for m in model.modules())
        if pools != len(arch):
            raise NotYet("one 2x2 max pool at the end of each block")
        model.eval()
        with torch.no_grad():
            out = model(torch.randn(2, 1, size, size))
        if out.shape != (2, classes):
            raise NotYet(f"arch {arch} on (2, 1, {size}, {size}) must give (2, {classes}); got {tuple(out.shape)}: "
                         "the first dense layer takes last channels x side x side, with side = size halved once "
                         "per block (rounding down)")


def _measured(layers):
    """Width of the input patch that one output pixel depends on, by autograd through convolutions of ones."""
    x = torch.zeros(1, 1, 1, 160, requires_grad=True)  # a 1 x 160 strip: the rule is the same along each axis
    stack = nn.Sequential(*[nn.Conv2d(1, 1, (1, k), stride=(1, s), bias=False) for k, s in layers])
    for conv in stack:
        nn.init.ones_(conv.weight)
    out = stack(x)
    out[0, 0, 0, out.shape[-1] // 2].backward()
    return int(x.grad.ne(0).sum())


def check_receptive_field(answer):
    cases = [[(3, 1)], [(3, 1), (3, 1)], [(3, 1), (2, 2), (3, 1)], [(5, 1), (2, 2), (5, 1), (2, 2)],
             [(3, 1), (3, 1), (2, 2), (3, 1), (3, 1), (2, 2)], [(11, 4), (3, 2), (5, 1)]]
    for layers in cases:
        want = _measured(layers)
        got = answer(list(layers))
        if not isinstance(got, int) or got != want:
            raise NotYet(f"for the layers {layers} (kernel, stride) the field is not {got}: start from 1 pixel; a "
                         "layer adds (kernel - 1) x jump, where jump, the product of the strides of the layers "
                         "BEFORE it, is how far apart its input pixels lie in the original image")
