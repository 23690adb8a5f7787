"""Checks for exercises/cnn/06_batch_norm.py (run: python -m lessonkit.check cnn/06)."""

import torch
from torch import nn

from lessonkit.check import NotYet


def check_RUNNING_MEAN_AFTER_TWO_CALLS(answer):
    if answer is None:
        raise NotImplementedError
    layer = nn.BatchNorm1d(1)
    x = torch.arange(8.0).reshape(8, 1) + 1.5
    layer(x)
    layer(x)
    if not isinstance(answer, (int, float)) or abs(answer - layer.running_mean.item()) > 1e-6:
        raise NotYet("each training-mode call moves the running mean a step towards the batch mean: new = "
                     "(1 - momentum) * old + momentum * batch_mean, with PyTorch's momentum 0.1 the weight of "
                     "the NEW value (D2L writes it the other way round); it starts at 0")


def check_MyBatchNorm2d(answer):
    generator = torch.Generator().manual_seed(0)
    channels = 3
    ours, ref = answer(channels), nn.BatchNorm2d(channels)
    if not isinstance(ours, nn.Module):
        raise NotYet("MyBatchNorm2d must stay an nn.Module")
    names = {name for name, _ in ours.named_parameters()}
    buffers = {name for name, _ in ours.named_buffers()}
    if names != {"weight", "bias"} or not {"running_mean", "running_var"} <= buffers:
        raise NotYet(f"it has the parameters {sorted(names)} and buffers {sorted(buffers)}: the trained ones are "
                     "`weight` and `bias` (nn.Parameter), the running statistics are buffers (register_buffer: "
                     "saved in the state_dict, never trained)")
    with torch.no_grad():
        ref.weight.copy_(torch.rand(channels, generator=generator) + 0.5)
        ref.bias.copy_(torch.randn(channels, generator=generator))
        ours.weight.copy_(ref.weight)
        ours.bias.copy_(ref.bias)
    for step in range(3):
        x = (torch.randn(4, channels, 5, 6, generator=generator) * 3 + 2).requires_grad_()
        x_ref = x.detach().clone().requires_grad_()
        w = torch.randn(4, channels, 5, 6, generator=generator)
        out, out_ref = ours.train()(x), ref.train()(x_ref)
        if not isinstance(out, torch.Tensor) or out.shape != x.shape:
            raise NotYet("the output has the input's shape (N, C, H, W)")
        if not torch.allclose(out, out_ref, atol=1e-5):
            raise NotYet("in training mode the output differs from nn.BatchNorm2d's: one mean and one BIASED "
                         "variance per channel, over the batch and every pixel (dims 0, 2, 3), then "
                         "weight * (x - mean) / sqrt(var + eps) + bias")
        (w * out).sum().backward()
        (w * out_ref).sum().backward()
        if not torch.allclose(x.grad, x_ref.grad, atol=1e-5):
            raise NotYet("the outputs agree but the gradients do not: normalise with the batch statistics as "
                         "tensors in the graph (the mean and variance depend on x too)")
        if not (torch.allclose(ours.running_mean, ref.running_mean, atol=1e-5)
                and torch.allclose(ours.running_var, ref.running_var, atol=1e-5)):
            raise NotYet(f"after {step + 1} training step(s) the running statistics differ: move them by "
                         "`momentum` towards the batch mean and the UNBIASED batch variance (n / (n - 1) times the "
                         "biased one), without recording it in the graph (torch.no_grad())")
    x = torch.randn(2, channels, 5, 6, generator=generator) * 3 + 2
    with torch.no_grad():
        if not torch.allclose(ours.eval()(x), ref.eval()(x), atol=1e-5):
            raise NotYet("in eval mode normalise with running_mean and running_var (self.training is False), and "
                         "leave them as they are")
        if not torch.allclose(ours(x[:1]), ref(x[:1]), atol=1e-5):
            raise NotYet("in eval mode one image alone must give what it gives in a batch")


def check_fuse_conv_bn(answer):
    generator = torch.Generator().manual_seed(1)
    torch.manual_seed(1)
    for bias, stride, padding in ((False, 1, 1), (True, 2, 0)):
        conv = nn.Conv2d(3, 4, 3, stride=stride, padding=padding, bias=bias)
        bn = nn.BatchNorm2d(4)
        with torch.no_grad():
            bn.running_mean.copy_(torch.randn(4, generator=generator))
            bn.running_var.copy_(torch.rand(4, generator=generator) + 0.5)
            bn.weight.copy_(torch.randn(4, generator=generator))
            bn.bias.copy_(torch.randn(4, generator=generator))
        bn.eval()
        x = torch.randn(2, 3, 9, 9, generator=generator)
        with torch.no_grad():
            want = bn(conv(x))
        fused = answer(conv, bn)
        if not isinstance(fused, nn.Conv2d):
            raise NotYet("return one nn.Conv2d")
        if fused.bias is None:
            raise NotYet("the fused convolution needs a bias: BatchNorm's shift (and its mean) end up there")
        with torch.no_grad():
            got = fused(x)
        if got.shape != want.shape:
            raise NotYet("keep the convolution's kernel size, stride and padding")
        if not torch.allclose(got, want, atol=1e-5):
            raise NotYet(f"the fused layer differs from bn(conv(x)) (conv bias={bias}): per output channel "
                         "BatchNorm in eval mode is s * (z - running_mean) + beta with s = gamma / sqrt(running_var "
                         "+ eps); scale that channel's kernel by s and work out the new bias (the conv's own bias "
                         "is part of z)")
