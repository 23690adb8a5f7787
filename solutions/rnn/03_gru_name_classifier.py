"""Worked solutions for exercises/rnn/03_gru_name_classifier.py, with a paragraph each. Check them with
    python -m lessonkit.check rnn/03 --solutions
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1. One direction of layer 1: 3 gates x (100 x 100 input weights + 100 x 100 state weights + 2 x 100
# biases) = 60,600; both directions 121,200. Layer 2 reads layer 1's two directions concatenated, 200 numbers
# per step: 3 x (100 x 200 + 100 x 100 + 200) = 90,600 per direction, 181,200 for both. Together 302,400, most
# of the model's 318,918 (the embedding has 129 x 100, the classifier 200 x 18 + 18). An LSTM has 4 gates
# (4/3 as many), a plain RNN 1 (a third).
GRU_PARAMETER_COUNT = 302_400


def last_states_without_packing(gru: nn.GRU, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """A forward GRU reads left to right, so its output at step lengths[i] - 1 has seen exactly row i's real
    letters: the padding comes afterwards and cannot reach back. Picking that step per row is advanced indexing
    with one (row, step) pair per row. The backward direction is the problem: it would start at the padding's
    end and read the padding before the real letters, and no choice of output step undoes that; packing (or
    exercise 3) does. Packing also saves the work spent on padding, which this version still computes."""
    output, _ = gru(x)                                          # (batch, longest, hidden)
    rows = torch.arange(len(x))
    return output[rows, lengths.to(x.device) - 1]


def bidirectional_by_hand(forward: nn.GRU, backward: nn.GRU, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """The backward direction is a forward GRU over each row's real steps in reverse order. Reversing only the
    first lengths[i] steps (step t -> lengths[i] - 1 - t; the padding stays at the end) turns it into the case
    of exercise 2, so the same pick gives its state after the first letter. Concatenated (拼接) with the forward
    state, the classifier sees the name read both ways: the forward state knows the ending best (the last
    letters it read), the backward state the beginning."""
    lengths = lengths.to(x.device)
    steps = torch.arange(x.shape[1], device=x.device).expand(len(x), -1)     # (batch, longest)
    reverse = torch.where(steps < lengths[:, None], lengths[:, None] - 1 - steps, steps)
    x_reversed = x.gather(1, reverse[..., None].expand(-1, -1, x.shape[2]))
    return torch.cat([last_states_without_packing(forward, x, lengths),
                      last_states_without_packing(backward, x_reversed, lengths)], dim=1)
