"""Exercises for classic_ml/04_numpy_neural_network.py. Write your answers in this file, then check them:

    python -m lessonkit.check classic_ml/04

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/classic_ml/04_numpy_neural_network.py (try first).
"""

from __future__ import annotations

import numpy as np

# Exercise 1 (note 000 network.py and note 002 交叉熵 Cross Entropy Loss; a number answers it): a network whose
# last layer starts at zero gives equal logits to all 10 digits. What is the cross-entropy loss then, whatever
# the labels? Work it out from -log p(true class), then compare with the loss of the lesson's untrained network
# (evaluate(init_params(64, 64, 10, rng), x_train, y_train) is close to it). Three decimals or more.
LOSS_OF_EQUAL_LOGITS = None


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Exercise 2 (note 002 交叉熵 Cross Entropy Loss and 链式法则; a few lines): the mean cross-entropy of the
    logits (B, C) against the integer labels (B,), and its gradient with respect to the logits, (B, C), by
    hand, as the pair (loss, d_logits). Use the log-sum-exp trick, so that logits like 1000 or -1000 give a
    finite loss and gradient. The checker compares your gradient with finite differences.
    """
    raise NotImplementedError


def relu_loss_and_gradients(params: dict[str, np.ndarray], x: np.ndarray,
                            labels: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    """Exercise 3 (note 002 MLP 反向传播 and 激活函数; goes further): the lesson's network with a ReLU hidden layer
    instead of the sigmoid: hidden = max(0, x @ W1 + b1), logits = hidden @ W2 + b2. Return the mean
    cross-entropy and the gradients of all four parameters (a dict with the keys and shapes of params), by
    the chain rule as in the lesson's loss_and_gradients. Only the derivative of the activation changes:
    ReLU's is 1 where its input is positive and 0 elsewhere.
    """
    raise NotImplementedError
