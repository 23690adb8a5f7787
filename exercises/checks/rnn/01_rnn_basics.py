"""Checks for exercises/rnn/01_rnn_basics.py (run: python -m lessonkit.check rnn/01)."""

import math

import torch
from torch import nn

from lessonkit.check import NotYet


def check_OUTPUT_AND_H_N_SHAPES(answer):
    if answer is None:
        raise NotImplementedError
    rnn = nn.RNN(4, 5, num_layers=2, batch_first=True)
    output, h_n = rnn(torch.zeros(3, 7, 4))
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise NotYet("give two shapes, ((output's shape), (h_n's shape))")
    mine_output, mine_h_n = (tuple(shape) if isinstance(shape, (tuple, list, torch.Size)) else shape
                             for shape in answer)
    if mine_output != tuple(output.shape):
        raise NotYet("output's shape is off: it holds the last layer's h at every step, and batch_first=True puts "
                     "the batch first")
    if mine_h_n != tuple(h_n.shape):
        raise NotYet("h_n's shape is off: it holds every layer's h at the last step, and batch_first does not "
                     "apply to it")


def check_MyRNNCell(answer):
    torch.manual_seed(0)
    for input_size, hidden in ((4, 3), (2, 6)):
        mine, theirs = answer(input_size, hidden), nn.RNNCell(input_size, hidden)
        if not isinstance(mine, nn.Module):
            raise NotYet("MyRNNCell must stay an nn.Module")
        names = {name: tuple(p.shape) for name, p in mine.named_parameters()}
        wanted = {name: tuple(p.shape) for name, p in theirs.named_parameters()}
        if names != wanted:
            raise NotYet(f"the parameters must be {wanted} (nn.Parameter attributes with these names); got {names}")
        bound = 1 / math.sqrt(hidden)
        numbers = torch.cat([p.detach().flatten() for p in mine.parameters()])
        if numbers.abs().max() > bound or numbers.std() < bound / 3:   # uniform(-b, b) has std b / sqrt(3)
            raise NotYet("the parameters are not initialised uniformly in (-1/sqrt(hidden), 1/sqrt(hidden)) as "
                         "nn.RNNCell's are: nn.init.uniform_(p, -bound, bound) for each")
        mine.load_state_dict(theirs.state_dict())
        x, h = torch.randn(5, input_size), torch.randn(5, hidden)
        got = mine(x, h)
        if not isinstance(got, torch.Tensor) or got.shape != (5, hidden):
            raise NotYet(f"forward must return the new h, shape (batch, hidden) = (5, {hidden})")
        if not torch.allclose(got, theirs(x, h), atol=1e-6):
            raise NotYet("with nn.RNNCell's weights loaded, the new h differs from nn.RNNCell's: "
                         "tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)")
        if not torch.allclose(mine(x), theirs(x), atol=1e-6):
            raise NotYet("with h=None the state starts at zeros of shape (batch, hidden)")
        mine(x, h).sum().backward()
        if any(p.grad is None for p in mine.parameters()):
            raise NotYet("every parameter must take part in forward (and get a gradient)")


def check_gru_step(answer):
    torch.manual_seed(0)
    for input_size, hidden, batch in ((4, 3, 2), (3, 5, 1)):
        cell = nn.GRUCell(input_size, hidden)
        x, h = torch.randn(batch, input_size), torch.randn(batch, hidden)
        with torch.no_grad():
            truth = cell(x, h)
        got = answer(x, h, cell)
        if not isinstance(got, torch.Tensor) or got.shape != truth.shape:
            raise NotYet(f"return the new state, shape (batch, hidden) = {tuple(truth.shape)}")
        if not torch.allclose(got, truth, atol=1e-6):
            raise NotYet("the new state differs from nn.GRUCell's: chunk each weight and bias into 3 along dim 0 "
                         "(r, z, n in that order); the reset gate multiplies (W_hn h + b_hn), bias included; and "
                         "z keeps the OLD state: h' = (1 - z) n + z h")
