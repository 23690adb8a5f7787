"""Worked solutions for exercises/classification/01_logistic_regression.py, with a paragraph each. Check them with
    python -m lessonkit.check classification/01 --solutions
"""

from __future__ import annotations

import torch

# Exercise 1. sigmoid(z) is computed as 1 / (1 + e^-z). float32 has no number between 1 and 1 + 2^-23, so once e^-z
# is below half of that step, 2^-24 (z > 24 ln 2 = 16.6), 1 + e^-z rounds to exactly 1.0, and so does sigmoid(z):
# from z = 17 on. Then log(1 - p) = log(0) = -inf, BCELoss clamps it to -100 (loss 100) and the chain rule
# multiplies by sigma'(z) = p (1 - p) = 0: the most confidently wrong examples teach nothing. Already from z = 10
# the two-step loss is visibly off (11.99 instead of 12 at z = 12); BCEWithLogitsLoss stays exact all the way.
TWO_STEP_GRADIENT_DIES_AT = 17


def bce_with_logits(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """-log sigmoid(z) = log(1 + e^-z) = softplus(-z) and -log(1 - sigmoid(z)) = softplus(z), so the loss is
    y softplus(-z) + (1 - y) softplus(z) = softplus(z) - y z. softplus(z) = max(z, 0) + log(1 + e^-|z|) keeps
    the exponent at or below 0: e^-|z| is in (0, 1], nothing overflows, and log1p keeps its precision when
    e^-|z| is tiny. This is the formula BCEWithLogitsLoss uses. (torch.maximum rather than clamp or relu: at a
    logit of exactly 0, as a zero-initialised model gives, those two take the slope 0 for max(z, 0) and the
    gradient comes out 1/2 too small; maximum splits the tie, 1/2, which is softplus' true slope there.
    torch.logaddexp(torch.zeros_like(z), z) is the same softplus in one call.)"""
    softplus = torch.maximum(z, torch.zeros_like(z)) + torch.log1p(torch.exp(-z.abs()))
    return (softplus - y * z).mean()


def bce_gradients(x: torch.Tensor, y: torch.Tensor, w: float, b: float) -> tuple[float, float]:
    """d BCE / d p = (p - y) / (p (1 - p)) and d p / d z = p (1 - p): their product is simply p - y, the error
    of each example. Then d z / d w = x and d z / d b = 1, so d loss / d w = sum((p - y) x) and
    d loss / d b = sum(p - y). This is why the logit form is both safe and cheap: the gradient never divides
    by p (1 - p), which is 0 where the model is sure."""
    p = torch.sigmoid(w * x + b)
    error = p - y
    return (error * x).sum().item(), error.sum().item()
