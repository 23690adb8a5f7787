"""Exercises for classification/11_optimizers_and_schedules.py. Write your answers in this file, then check them:

    python -m lessonkit.check classification/11

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/classification/11_optimizers_and_schedules.py (try first).
"""

from __future__ import annotations

import torch

START = (-5.0, -2.0)   # the lesson's starting point in the valley

# Exercise 1 (note 002 "动量 momentum 与学习率衰减", the learning rate; a number answers it): plain SGD in the lesson's
# valley f(x, y) = 0.1 x^2 + 2 y^2 zig-zags across y at lr 0.4. Above which learning rate does it diverge (the
# zig-zag grow instead of shrink)? Try the lesson's optimizer_path(torch.optim.SGD, {"lr": ...}) with growing lr,
# or derive it from one step of the update along y. Two significant digits.
LARGEST_STABLE_SGD_LR = None


def adam_path(lr: float, steps: int, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> torch.Tensor:
    """Exercise 2 (note 004 优化算法 and note 002 momentum; a few lines): Adam by hand in the valley, from the lesson's
    START, with the gradient written out ((0.2 x, 4 y)) and no torch.optim: per coordinate,
    m <- beta1 m + (1 - beta1) g, v <- beta2 v + (1 - beta2) g^2, both bias-corrected by 1 - beta^t at step
    t = 1, 2, ..., then p <- p - lr * m_hat / (sqrt(v_hat) + eps). Return the (steps + 1, 2) points visited, the
    start included, as the lesson's optimizer_path does.
    """
    raise NotImplementedError


def one_cycle_lr(step: int, total_steps: int, max_lr: float, pct_start: float = 0.3, div_factor: float = 25.0,
                 final_div_factor: float = 1e4) -> float:
    """Exercise 3 (note 002 学习率衰减 learning rate decay; goes further): the learning rate OneCycleLR gives at `step`
    (0, 1, ..., total_steps - 1). It starts at max_lr / div_factor and rises to max_lr at step pct_start *
    total_steps - 1, then falls to max_lr / div_factor / final_div_factor at step total_steps - 1; both phases follow
    half a cosine: from a to b over a fraction t in [0, 1] of a phase, b + (a - b) * (1 + cos(pi t)) / 2.
    """
    raise NotImplementedError
