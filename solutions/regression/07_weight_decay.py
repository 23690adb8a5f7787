"""Worked solutions for exercises/regression/07_weight_decay.py, with a paragraph each. Check them with
    python -m lessonkit.check regression/07 --solutions
"""

from __future__ import annotations

import torch

# Exercise 1. SGD with weight_decay adds lambda * w to the gradient, so a step is
# w <- w - lr * (grad + lambda * w) = (1 - lr * lambda) * w - lr * grad: each step first shrinks w by the
# factor 1 - 0.01 * 3 = 0.97, then moves it along the data's gradient. Over the lesson's 400 steps that is
# 0.97^400 = 5e-6 of any weight the data does not hold up, which is how the penalty takes the 200 weights
# from ||w|| = 14 back towards the true 0.14.
DECAY_FACTOR_PER_STEP = 0.97


def decayed_sgd_step(param: torch.Tensor, lr: float, weight_decay: float) -> None:
    """The gradient of lambd * ||w||^2 / 2 (the lesson's l2_penalty, whose 1/2 is there for this) is lambd * w,
    so adding the penalty to the loss and adding weight_decay * w to the gradient are one and the same update;
    the lesson measures them agreeing to rounding. Doing it in the optimizer saves building the penalty into
    the graph. (For Adam the two differ, because Adam rescales the gradient: AdamW applies the decay apart
    from the gradient, as here.)"""
    with torch.no_grad():
        param -= lr * (param.grad + weight_decay * param)


def lasso(x: torch.Tensor, y: torch.Tensor, lambd: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Proximal gradient descent (ISTA): the MSE part is smooth, so take its gradient step; the L1 part is not
    (|w| has a corner at 0), so solve it exactly for one step instead: argmin_v (v - u)^2 / (2 lr) + lambd |v|
    is soft-thresholding, sign(u) max(|u| - lr lambd, 0), which lands on exactly 0 whenever |u| <= lr lambd.
    With lr = 1 / L (L the largest eigenvalue of 2 x^T x / n, the MSE's curvature) every step lowers the
    objective; at the fixed point the data's gradient balances lambd sign(w) on each non-zero weight and is
    weaker than lambd on each zero one, which is what the check tests. That is why L1 gives sparse weights."""
    n, features = x.shape
    lr = 1.0 / torch.linalg.eigvalsh(2 * x.T @ x / n).max().item()
    w = torch.zeros(features, 1, dtype=x.dtype)
    b = y.mean().reshape(1)
    for _ in range(20_000):
        residual = x @ w + b - y
        u = w - lr * 2 * x.T @ residual / n
        new_w = torch.sign(u) * torch.clamp(u.abs() - lr * lambd, min=0.0)
        new_b = b - lr * 2 * residual.mean()
        done = (new_w - w).abs().max() < 1e-12 and (new_b - b).abs().max() < 1e-12
        w, b = new_w, new_b
        if done:
            break
    return w, b
