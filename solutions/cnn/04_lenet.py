"""Worked solutions for exercises/cnn/04_lenet.py, with a paragraph each. Check them with
    python -m lessonkit.check cnn/04 --solutions
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1. Convolutions: 1 x 6 x 5 x 5 + 6 = 156 and 6 x 16 x 5 x 5 + 16 = 2,416 (each gets its bias back).
# Dense layers, as before: 400 x 120 + 120 = 48,120, 120 x 84 + 84 = 10,164, 84 x 10 + 10 = 850. Total 61,706:
# 22 fewer than with BatchNorm, which swaps 22 conv biases for 2 x (6 + 16) = 44 scale and shift numbers. The
# dense layers hold 96% of the weights either way; the convolutions do most of the multiply-adds.
PARAMETERS_WITHOUT_BATCHNORM = 61_706


def predict_classes(model: nn.Module, x: torch.Tensor, batch_size: int = 100) -> torch.Tensor:
    """eval() switches BatchNorm to its running statistics (and stops it updating them) and dropout off, so a
    prediction depends on the image alone, not on which others share its batch. inference_mode() records no
    graph, which saves memory and time. Batches bound the memory a large test set needs. The mode flag is put
    back in `finally`, so that a training loop that calls this goes on training. lk.predict does the same."""
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            return torch.cat([model(part).argmax(dim=1) for part in x.split(batch_size)])
    finally:
        model.train(was_training)


class LeNetDropout(nn.Module):
    """nn.Dropout(p) zeroes each activation with probability p in training mode and scales the rest by
    1 / (1 - p); in eval mode it is the identity. It sits after the hidden dense layers because they hold most of
    the parameters and overfit first (AlexNet's choice, cnn/07). The last Linear stays bare: logits."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2, bias=False), nn.BatchNorm2d(6), nn.ReLU(),
            nn.MaxPool2d(2),                                                 # (B, 6, 14, 14)
            nn.Conv2d(6, 16, kernel_size=5, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
            nn.MaxPool2d(2),                                                 # (B, 16, 5, 5)
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),                                                    # (B, 400)
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Dropout(p),
            nn.Linear(120, 84), nn.ReLU(), nn.Dropout(p),
            nn.Linear(84, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))
