"""Checks for exercises/cnn/07_alexnet.py (run: python -m lessonkit.check cnn/07)."""

import torch
from torch import nn

from lessonkit.check import NotYet, lesson

ax = lesson("cnn/07_alexnet.py")


def check_BOOK_FC6_PARAMETERS(answer):
    if answer is None:
        raise NotImplementedError
    with torch.device("meta"):  # shapes without storage: the 47 million parameters cost nothing
        book = ax.alexnet(full=True)
    if not isinstance(answer, int) or answer != sum(p.numel() for p in book.fc6.parameters()):
        raise NotYet("fc6 flattens the last feature map (256 channels; follow the book's 224 px through the "
                     "block comments to its height and width) into one Linear to 4096 outputs: inputs x outputs "
                     "weights plus one bias per output")


def check_alexnet_cifar(answer):
    torch.manual_seed(0)
    x = torch.randn(4, 3, 32, 32)
    for classes in (10, 100):
        model = answer(classes)
        if not isinstance(model, nn.Module):
            raise NotYet("return an nn.Module (the lesson's nn.Sequential of blocks, changed)")
        model.eval()
        with torch.no_grad():
            out = model(x)
        if out.shape != (4, classes):
            raise NotYet(f"a (4, 3, 32, 32) batch must give ({4}, {classes}) logits; got {tuple(out.shape)}")
    pools = [m for m in model.modules() if isinstance(m, nn.MaxPool2d)]
    if not any(_pair(m.kernel_size)[0] > _pair(m.stride)[0] for m in pools):
        raise NotYet("keep AlexNet's overlapping pooling: 3x3 windows moved 2 pixels at a time")
    with torch.no_grad():
        if not (out < 0).any():
            raise NotYet("no activation after the last layer: the model returns raw scores (logits)")
        if torch.allclose(model.train()(x), model(x)):
            raise NotYet("keep the dropout after the hidden dense layers: in training mode two passes differ")
        if not torch.equal(model.eval()(x), model(x)):
            raise NotYet("in eval mode the same input must give the same scores")


def _pair(v):
    return v if isinstance(v, tuple) else (v, v)
