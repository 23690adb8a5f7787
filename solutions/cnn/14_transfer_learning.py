"""Worked solutions for exercises/cnn/14_transfer_learning.py, with a paragraph each. Check them with
    python -m lessonkit.check cnn/14 --solutions
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1. Linear(120, 84) holds 120 x 84 + 84 = 10,164 and Linear(84, 10) 84 x 10 + 10 = 850: 11,014 trainable
# numbers, against 59,134 when Linear(400, 120) (48,120 of them) trains as well. Freezing more leaves less to
# learn from a few images, and less freedom to adapt: which layers to freeze is a choice to measure, not a rule.
TRAINABLE_LAST_TWO_LAYERS = 11_014


def train_head(model: nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int, lr: float = 0.01) -> list[float]:
    """Three things make a freeze real. requires_grad_(False) stops autograd from computing gradients for the
    features (less work, and their .grad stays None). The optimizer gets only the parameters that still require
    grad, so its weight decay cannot move a frozen one. And model.features stays in eval mode while the rest is
    in training mode: a BatchNorm in training mode normalises with the batch's statistics and updates its running
    ones, with or without gradients, so the "frozen" features would drift."""
    model.features.requires_grad_(False)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=1e-4)
    losses = []
    for _ in range(steps):
        model.train()
        model.features.eval()  # after model.train(), which would switch it back
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def finetune_param_groups(model: nn.Module, lr: float) -> list[dict]:
    """An optimizer takes a list of parameter groups, each with options of its own that override the defaults.
    The features already know something useful, so they move ten times slower than the head, which is still
    learning what its inputs mean. (Layer-wise learning rates are the same idea with one group per layer.)"""
    model.requires_grad_(True)
    return [{"params": list(model.features.parameters()), "lr": lr / 10},
            {"params": list(model.classifier.parameters()), "lr": lr}]
