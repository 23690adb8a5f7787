"""Exercises for rnn/01_rnn_basics.py. Write your answers in this file, then check them:

    python -m lessonkit.check rnn/01

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/rnn/01_rnn_basics.py (try first).
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1 (note 001 第十二讲, nn.RNN's input and output shapes; a number answers it): rnn = nn.RNN(4, 5,
# num_layers=2, batch_first=True) gets x of shape (3, 7, 4): 3 sequences of 7 steps. What are the shapes of
# output and h_n in `output, h_n = rnn(x)`? Write them as two tuples, ((...), (...)); the lesson prints the rule.
OUTPUT_AND_H_N_SHAPES = None


class MyRNNCell(nn.Module):
    """Exercise 2 (note 001 第十二讲, RNN 本质上也是一个线性层, tanh; a few lines): nn.RNNCell written by hand, as a
    module with the same four parameters under the same names and shapes, so that
    my_cell.load_state_dict(torch_cell.state_dict()) works: weight_ih (hidden, input), weight_hh (hidden,
    hidden), bias_ih and bias_hh (hidden,). Initialise them as PyTorch does, uniform in (-1/sqrt(hidden),
    1/sqrt(hidden)). forward(x, h) with x (batch, input) and h (batch, hidden) returns the new h; h=None means
    a state of zeros."""

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor, h: torch.Tensor | None = None) -> torch.Tensor:
        raise NotImplementedError


def gru_step(x: torch.Tensor, h: torch.Tensor, cell: nn.GRUCell) -> torch.Tensor:
    """Exercise 3 (note 001 第十二讲, LSTM GRU; goes further): one step of a GRU by hand, with the weights of the
    given nn.GRUCell, equal to cell(x, h). x (batch, input), h (batch, hidden). PyTorch's GRU:
        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)          reset gate (重置门)
        z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)          update gate (更新门)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))       the candidate state
        h' = (1 - z) * n + z * h
    cell.weight_ih (3 * hidden, input) holds W_ir, W_iz, W_in stacked in that order (and the same for
    weight_hh, bias_ih, bias_hh): torch.chunk splits them."""
    raise NotImplementedError
