"""Worked solutions for exercises/classification/11_optimizers_and_schedules.py, with a paragraph each. Check them with
    python -m lessonkit.check classification/11 --solutions
"""

from __future__ import annotations

import math

import torch

START = (-5.0, -2.0)   # the lesson's starting point

# Exercise 1. Along y the gradient is 4 y, so a step maps y to y - lr 4 y = (1 - 4 lr) y. It shrinks while
# |1 - 4 lr| < 1, that is for lr < 2 / 4 = 0.5; at lr 0.4 the factor is -0.6, the zig-zag of the lesson's plot; above
# 0.5 each swing is larger than the last. Along x the limit would be 2 / 0.2 = 10: the steepest direction sets the
# largest step, and at that step the flat direction crawls (x shrinks by only 1 - 0.2 lr per step). That mismatch
# is what momentum and the adaptive methods attack.
LARGEST_STABLE_SGD_LR = 0.5


def adam_path(lr: float, steps: int, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> torch.Tensor:
    """m is a momentum (a running mean of gradients), v a running mean of squared gradients; dividing by sqrt(v)
    gives every coordinate a step of about lr whatever its slope, which evens out the valley's two directions (and
    makes Adam circle the minimum at lr 0.5, where a step of 0.5 is too long near the bottom). Both averages start
    at 0, so early on they are too small; dividing by 1 - beta^t, the weight the average has given to real
    gradients so far, removes that bias: at t = 1, m_hat = g and v_hat = g^2 exactly."""
    beta1, beta2 = betas
    p = torch.tensor(START, dtype=torch.float64)
    m, v = torch.zeros(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)
    path = [p.clone()]
    for t in range(1, steps + 1):
        g = torch.stack([0.2 * p[0], 4 * p[1]])          # the gradient of 0.1 x^2 + 2 y^2
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        p = p - lr * m_hat / (v_hat.sqrt() + eps)
        path.append(p.clone())
    return torch.stack(path)


def one_cycle_lr(step: int, total_steps: int, max_lr: float, pct_start: float = 0.3, div_factor: float = 25.0,
                 final_div_factor: float = 1e4) -> float:
    """Two phases, each half a cosine: up from max_lr / 25 to max_lr over the first 30% of the steps, then down to
    1e4 times below the start. The low start is a warm-up: the first gradients, from random weights, are the least
    reliable and a large step on them can throw the model far off; the long cosine tail lets the last steps settle
    into a minimum instead of bouncing around it. PyTorch places the peak at the (possibly fractional) step
    pct_start * total_steps - 1 and measures each phase's fraction from its own start."""
    start = max_lr / div_factor
    end = start / final_div_factor
    peak_step = pct_start * total_steps - 1
    if step <= peak_step:
        a, b, t = start, max_lr, step / peak_step
    else:
        a, b, t = max_lr, end, (step - peak_step) / (total_steps - 1 - peak_step)
    return b + (a - b) * (1 + math.cos(math.pi * t)) / 2
