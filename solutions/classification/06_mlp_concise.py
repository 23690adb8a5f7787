"""Worked solutions for exercises/classification/06_mlp_concise.py, with a paragraph each. Check them with
    python -m lessonkit.check classification/06 --solutions
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1. nn.Linear calls kaiming_uniform_(weight, a=sqrt(5)): the gain is sqrt(2 / (1 + 5)) = sqrt(1/3) and
# the bound gain * sqrt(3 / fan_in) = 1 / sqrt(fan_in), so 1 / sqrt(784) = 1/28 = 0.0357. Its variance, a^2 / 3 =
# 1 / (3 fan_in), is a sixth of the 2 / fan_in that He initialisation gives a ReLU layer: fine for two layers, too
# small for a deep stack (classification/09), which is why the lesson sets the hidden layer's start itself.
DEFAULT_WEIGHT_BOUND_784 = 1 / 28


class MLP(nn.Module):
    """nn.Module registers every module and Parameter assigned as an attribute in __init__: that is how
    parameters(), state_dict() and .to(device) find them (a plain Python list of layers would hide them; use
    nn.ModuleList). forward says what happens to a batch, and calling model(x) runs it (with any hooks). The class
    form pays off once forward is more than a chain: a skip connection, two inputs, a branch on a flag."""

    def __init__(self, hidden: int = 256):
        super().__init__()
        self.flatten = nn.Flatten()
        self.hidden = nn.Linear(28 * 28, hidden)
        self.relu = nn.ReLU()
        self.out = nn.Linear(hidden, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.relu(self.hidden(self.flatten(x))))   # (B, 10) logits


def predict_classes(model: nn.Module, x: torch.Tensor, batch_size: int = 100) -> torch.Tensor:
    """eval() switches dropout (and BatchNorm's running statistics) to their test behaviour; inference_mode()
    stops autograd from keeping every intermediate tensor for a backward pass that will never come, which saves
    memory and time; batches keep the peak memory to batch_size rows. argmax of the logits is the prediction:
    softmax would not change which score is largest. The try/finally puts the mode back even if a batch fails."""
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            return torch.cat([model(x[i:i + batch_size]).argmax(dim=1) for i in range(0, len(x), batch_size)])
    finally:
        model.train(was_training)
