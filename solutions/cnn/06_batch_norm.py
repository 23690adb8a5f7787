"""Worked solutions for exercises/cnn/06_batch_norm.py, with a paragraph each. Check them with
    python -m lessonkit.check cnn/06 --solutions
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1. PyTorch's momentum is the weight of the new batch statistic: running = 0.9 * running + 0.1 * mean.
# From 0: 0.1 * 5 = 0.5 after the first call, 0.9 * 0.5 + 0.1 * 5 = 0.95 after the second. The running mean
# creeps towards 5 (after n calls 5 * (1 - 0.9^n)), which is why eval-mode BatchNorm is wrong right after the
# start of training, and right after many steps. D2L's momentum=0.9 names the old value's weight instead.
RUNNING_MEAN_AFTER_TWO_CALLS = 0.95


class MyBatchNorm2d(nn.Module):
    """Training mode: one mean and one biased variance per channel over (N, H, W), the output normalised with
    them (they stay in the graph: the gradient with respect to x passes through the statistics too), and the
    running estimates moved under no_grad, the variance unbiased (times n / (n - 1)), PyTorch's convention. Eval
    mode: the running estimates, so a prediction depends on one image only. weight and bias are Parameters, the
    running statistics buffers: the optimizer trains the former, state_dict() and .to() carry both."""

    def __init__(self, num_features: int, momentum: float = 0.1, eps: float = 1e-5):
        super().__init__()
        self.momentum, self.eps = momentum, eps
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            mean = x.mean(dim=(0, 2, 3))
            var = x.var(dim=(0, 2, 3), correction=0)
            n = x.numel() // x.shape[1]
            with torch.no_grad():
                self.running_mean.lerp_(mean, self.momentum)  # old + momentum * (new - old)
                self.running_var.lerp_(var * n / (n - 1), self.momentum)
        else:
            mean, var = self.running_mean, self.running_var
        shape = (1, -1, 1, 1)
        x_hat = (x - mean.view(shape)) / torch.sqrt(var.view(shape) + self.eps)
        return self.weight.view(shape) * x_hat + self.bias.view(shape)


def fuse_conv_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    """With z = conv(x) = W * x + b, eval-mode BatchNorm gives s (z - mu) + beta with s = gamma / sqrt(var + eps)
    per output channel: that is (s W) * x + s (b - mu) + beta, again one convolution. So scale each output
    channel's kernel by s and set the bias to s (b - mu) + beta. It holds in eval mode only: in training mode the
    statistics come from each batch and are no constant."""
    fused = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, stride=conv.stride,
                      padding=conv.padding, dilation=conv.dilation, groups=conv.groups, bias=True)
    with torch.no_grad():
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)              # (C_out,)
        conv_bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
        fused.weight.copy_(conv.weight * scale.view(-1, 1, 1, 1))
        fused.bias.copy_(scale * (conv_bias - bn.running_mean) + bn.bias)
    return fused
