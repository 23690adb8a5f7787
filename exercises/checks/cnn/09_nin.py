"""Checks for exercises/cnn/09_nin.py (run: python -m lessonkit.check cnn/09)."""

import torch
from torch import nn

from lessonkit.check import NotYet, lesson

nin = lesson("cnn/09_nin.py")


def check_CLASS_MAPS_SHAPE_56(answer):
    if answer is None:
        raise NotImplementedError
    model = nin.nin().eval()
    with torch.no_grad():
        upto = [name for name, _ in model.named_children()].index("classes") + 1
        maps = model[:upto](torch.zeros(3, 1, 56, 56))  # every block up to and including "classes"
    truth = tuple(maps.shape)
    if not isinstance(answer, (tuple, list, torch.Size)) or len(answer) != 4:
        raise NotYet("give the shape of a feature map batch: (batch, channels, height, width)")
    if tuple(answer)[:2] != truth[:2]:
        raise NotYet("the classes block makes one map per class (10), for each of the 3 images")
    if tuple(answer) != truth:
        raise NotYet("follow 56 px through the blocks: the first convolution (5x5, padding 2) and the 1x1 ones keep "
                     "the size, each MaxPool2d(3, stride=2) maps n to floor((n - 3) / 2) + 1, and the 3x3 in the "
                     "classes block has padding 1")


def check_conv1x1_from_linear(answer):
    torch.manual_seed(0)
    for bias in (True, False):
        linear = nn.Linear(16, 8, bias=bias)
        x = torch.randn(2, 16, 5, 7)
        with torch.no_grad():
            want = linear(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)  # the dense layer at every pixel
        conv = answer(linear)
        if not isinstance(conv, nn.Conv2d) or conv.kernel_size != (1, 1):
            raise NotYet("return an nn.Conv2d with kernel_size=1")
        with torch.no_grad():
            got = conv(x)
        if got.shape != want.shape:
            raise NotYet(f"a (2, 16, 5, 7) input must give (2, 8, 5, 7); got {tuple(got.shape)}")
        if not torch.allclose(got, want, atol=1e-5):
            raise NotYet(f"the values differ (linear bias={bias}): the conv weight is (out, in, 1, 1), the linear "
                         "weight (out, in): the same numbers with two more axes; copy the bias too, or have none "
                         "when the linear layer has none")
