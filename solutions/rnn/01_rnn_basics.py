"""Worked solutions for exercises/rnn/01_rnn_basics.py, with a paragraph each. Check them with
    python -m lessonkit.check rnn/01 --solutions
"""

from __future__ import annotations

import math

import torch
from torch import nn

# Exercise 1. output is the last layer's hidden state at every time step: (batch, seq_len, hidden) = (3, 7, 5)
# with batch_first=True. h_n is every layer's state after the last step, always (num_layers, batch, hidden) =
# (2, 3, 5): batch_first changes the layout of input and output only. output[:, -1] equals h_n[-1], the top
# layer's last state, which is what a classifier reads (rnn/03).
OUTPUT_AND_H_N_SHAPES = ((3, 7, 5), (2, 3, 5))


class MyRNNCell(nn.Module):
    """An RNN cell is two linear maps, one of the input and one of the previous state, added and squashed by
    tanh; nn.RNNCell keeps a bias for each (two biases where one would do, for cuDNN's sake). Named like
    PyTorch's, the parameters load from its state_dict, which is how the check compares the two. The same
    module is applied at every time step: that is the weight sharing (权重共享) of the note."""

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(hidden_size))
        bound = 1 / math.sqrt(hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, x: torch.Tensor, h: torch.Tensor | None = None) -> torch.Tensor:
        if h is None:
            h = x.new_zeros(x.shape[0], self.hidden_size)
        return torch.tanh(x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh)


def gru_step(x: torch.Tensor, h: torch.Tensor, cell: nn.GRUCell) -> torch.Tensor:
    """Both linear maps are computed once for all three gates (3 * hidden rows) and split. The update gate z
    decides per unit how much of the old state to keep: where z is near 1, h passes through unchanged, and so
    does its gradient, which is why a GRU remembers over more steps than a plain tanh RNN. The reset gate r
    decides how much of the old state the candidate n may use."""
    gi = x @ cell.weight_ih.T + cell.bias_ih          # (batch, 3 * hidden)
    gh = h @ cell.weight_hh.T + cell.bias_hh
    i_r, i_z, i_n = gi.chunk(3, dim=1)
    h_r, h_z, h_n = gh.chunk(3, dim=1)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h
