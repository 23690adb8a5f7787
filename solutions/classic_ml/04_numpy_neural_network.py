"""Worked solutions for exercises/classic_ml/04_numpy_neural_network.py, with a paragraph each. Check them with
    python -m lessonkit.check classic_ml/04 --solutions
"""

from __future__ import annotations

import numpy as np

# Exercise 1. log(10) = 2.3026. Equal logits give softmax = 1/10 for every class, so -log p(true class) =
# -log(1/10) = log 10 for every example, whatever its label. It is the loss of knowing nothing, and a good
# check of a new classifier: its first loss should be close to log(C) (the lesson's untrained network scores
# 2.33 to 2.43 on the training set, by seed). A much larger first loss means the initial logits are too large:
# confident and wrong.
LOSS_OF_EQUAL_LOGITS = float(np.log(10))


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)                # the row maximum becomes 0
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """The loss of one example is -z_y + log(sum_j exp(z_j)); its derivative in z_k is softmax(z)_k - [k = y]:
    the predicted probabilities minus the one-hot target, the cleanest gradient in deep learning, and the
    reason the lesson dropped network.py's sigmoid + squared error. Averaging over the batch divides it by B.
    Subtracting the row maximum changes no value (it cancels) but keeps exp from overflowing; the gradient is
    computed from the same stable log-softmax, so it stays exact at +-1000."""
    log_p = _log_softmax(logits)
    batch = np.arange(len(labels))
    loss = float(-log_p[batch, labels].mean())
    grad = np.exp(log_p)
    grad[batch, labels] -= 1.0
    return loss, grad / len(labels)


def relu_loss_and_gradients(params: dict[str, np.ndarray], x: np.ndarray,
                            labels: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    """The backward pass runs the forward pass in reverse, each layer multiplying by its local derivative
    (链式法则). Everything above the hidden layer is as in the lesson; at the activation the sigmoid's
    s (1 - s) becomes ReLU's step, 1 where the pre-activation was positive, 0 where the unit was off (so no
    gradient flows through a unit that is off for this example). Where a ReLU is on its derivative is exactly
    1, while the sigmoid's is at most 1/4: stacked layers multiply these factors, which is why deep ReLU
    networks train where deep sigmoid networks stall."""
    pre = x @ params["W1"] + params["b1"]                               # (B, H)
    hidden = np.maximum(0.0, pre)
    logits = hidden @ params["W2"] + params["b2"]                       # (B, C)
    loss, d_logits = softmax_cross_entropy(logits, labels)
    d_pre = (d_logits @ params["W2"].T) * (pre > 0)                     # (B, H)
    grads = {"W2": hidden.T @ d_logits, "b2": d_logits.sum(axis=0),
             "W1": x.T @ d_pre, "b1": d_pre.sum(axis=0)}
    return loss, grads
