"""Exercises for rnn/03_gru_name_classifier.py. Write your answers in this file, then check them:

    python -m lessonkit.check rnn/03

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/rnn/03_gru_name_classifier.py (try first).
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1 (note 001 第十三讲, GRU层, 双向; a number answers it): how many trainable numbers does the lesson's
# recurrent layer hold, nn.GRU(100, 100, num_layers=2, batch_first=True, bidirectional=True)? Count by hand
# first: per layer and direction a GRU has three gates, each with an input matrix, a state matrix and two
# biases; what is the input size of layer 2 when layer 1 runs in both directions?
GRU_PARAMETER_COUNT = None


def last_states_without_packing(gru: nn.GRU, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Exercise 2 (note 001 第十三讲, 得到最后一个输出, padding; a few lines): for a one-directional gru
    (batch_first=True) and a padded batch x (batch, longest, features) whose row i has lengths[i] real steps
    followed by padding, return each row's last-layer state after its last REAL step, (batch, hidden), WITHOUT
    pack_padded_sequence: run gru over the whole padded x and pick, in each row, the output at the right step.
    It must equal h_n[-1] of the lesson's packed run. (Why does this trick work for the forward direction but
    not for the backward one?)"""
    raise NotImplementedError


def bidirectional_by_hand(forward: nn.GRU, backward: nn.GRU, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Exercise 3 (note 001 第十三讲, 双向的循环网络, 需要在计算结束后进行拼接; goes further): a one-layer
    bidirectional GRU built from two one-directional ones (both batch_first=True, the same sizes), for a padded
    batch x (batch, longest, features) with lengths (batch,): return the lesson's features for the classifier,
    torch.cat([forward state after the last real step, backward state after reading the real steps from the
    last to the first], dim=1), shape (batch, 2 * hidden). The padding must not reach either direction. The check
    copies a bidirectional nn.GRU's weights into forward and backward (weight_ih_l0_reverse -> backward's
    weight_ih_l0, ...) and compares with its packed h_n."""
    raise NotImplementedError
