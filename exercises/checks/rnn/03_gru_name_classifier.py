"""Checks for exercises/rnn/03_gru_name_classifier.py (run: python -m lessonkit.check rnn/03)."""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from lessonkit.check import NotYet, lesson

names = lesson("rnn/03_gru_name_classifier.py")


def check_GRU_PARAMETER_COUNT(answer):
    if answer is None:
        raise NotImplementedError
    model = names.NameClassifier(18)             # the lesson's defaults: GRU, hidden 100, 2 layers, both ways
    if answer != sum(p.numel() for p in model.rnn.parameters()):
        raise NotYet("per layer and direction: 3 gates x (hidden x input + hidden x hidden + 2 x hidden). Layer 1's "
                     "input is the 100-dim embedding; layer 2 reads both directions of layer 1 concatenated. "
                     "Or let sum(p.numel() for p in gru.parameters()) count")


def _padded_batch(generator, batch=5, longest=7, features=3):
    x = torch.randn(batch, longest, features, generator=generator) * 3   # the padding is junk: it must not matter
    lengths = torch.tensor([4, 7, 1, 3, 6][:batch])                      # not sorted, as enforce_sorted=False allows
    return x, lengths


def check_last_states_without_packing(answer):
    generator = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    for layers in (1, 2):
        gru = nn.GRU(3, 4, num_layers=layers, batch_first=True)
        x, lengths = _padded_batch(generator)
        with torch.no_grad():
            _, h_n = gru(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            got = answer(gru, x, lengths)
        if not isinstance(got, torch.Tensor) or got.shape != h_n[-1].shape:
            raise NotYet(f"return one state per row, (batch, hidden) = {tuple(h_n[-1].shape)}")
        if torch.allclose(got, gru(x)[1][-1], atol=1e-6):
            raise NotYet("that is the state after the padding too: each row must stop at its own last real step, "
                         "lengths[i] - 1")
        if not torch.allclose(got, h_n[-1], atol=1e-6):
            raise NotYet(f"with {layers} layer(s) the states differ from the packed run's h_n[-1]: take output (the "
                         "last layer's state at every step) at step lengths[i] - 1 of row i (gather, or indexing "
                         "with torch.arange(batch))")


def check_bidirectional_by_hand(answer):
    generator = torch.Generator().manual_seed(1)
    torch.manual_seed(1)
    both = nn.GRU(3, 4, batch_first=True, bidirectional=True)
    forward, backward = nn.GRU(3, 4, batch_first=True), nn.GRU(3, 4, batch_first=True)
    with torch.no_grad():
        for name, p in forward.named_parameters():
            p.copy_(getattr(both, name))
            getattr(backward, name).copy_(getattr(both, name + "_reverse"))
    x, lengths = _padded_batch(generator)
    with torch.no_grad():
        _, h_n = both(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
        truth = torch.cat([h_n[-2], h_n[-1]], dim=1)     # as the lesson's NameClassifier.forward
        got = answer(forward, backward, x, lengths)
    if not isinstance(got, torch.Tensor) or got.shape != truth.shape:
        raise NotYet(f"return (batch, 2 * hidden) = {tuple(truth.shape)}: the two directions' states concatenated")
    if not torch.allclose(got[:, :4], truth[:, :4], atol=1e-6):
        raise NotYet("the forward half (the first hidden numbers) is off: the forward GRU's state after step "
                     "lengths[i] - 1 of row i (exercise 2)")
    if not torch.allclose(got[:, 4:], truth[:, 4:], atol=1e-6):
        raise NotYet("the backward half is off: it reads each row's real steps from the last to the first, so "
                     "reverse only the first lengths[i] steps of row i (flipping the whole padded row would make it "
                     "read the padding first), and take its state after all of them")
