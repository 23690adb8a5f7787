"""Checks for exercises/rnn/02_embedding.py (run: python -m lessonkit.check rnn/02)."""

import torch
from torch import nn

from lessonkit.check import NotYet, lesson

emb = lesson("rnn/02_embedding.py")


def check_FIRST_EPOCH_RIGHT_AT_LR_0_01(answer):
    if answer is None:
        raise NotImplementedError
    if not isinstance(answer, int):
        raise NotYet("give a whole number, an epoch")
    _, _, _, predicted = emb.train(0, 20, 0.01)     # seed 0, the default --seed; --lr 0.01 --epochs 20
    first = emb.first_epoch_right(predicted)
    if answer != first:
        raise NotYet(f"not that epoch: it is {'later' if answer < first else 'earlier'}. The lesson's last line "
                     "names it (the first epoch from which every prediction is the target)")


def _compare(mine: nn.Module, theirs: nn.Embedding, what: str):
    names = {name: tuple(p.shape) for name, p in mine.named_parameters()}
    if names != {"weight": tuple(theirs.weight.shape)}:
        raise NotYet(f"{what} has one parameter, weight, of shape {tuple(theirs.weight.shape)}; got {names}")
    mine.load_state_dict(theirs.state_dict())
    indices = torch.tensor([[1, 0, 2, 2, 3], [3, 3, 0, 1, 1]])   # (batch, seq_len), with repeats
    for index in (indices, indices[0], torch.tensor(2)):
        got = mine(index)
        if not isinstance(got, torch.Tensor) or got.shape != (*index.shape, theirs.embedding_dim):
            raise NotYet(f"indices of shape {tuple(index.shape)} must give ({', '.join(map(str, index.shape))}"
                         f"{', ' if index.dim() else ''}{theirs.embedding_dim}): one row per index")
        if not torch.allclose(got, theirs(index)):
            raise NotYet(f"{what} returns other vectors than nn.Embedding with the same weight: row i of weight for "
                         "index i")
    weight = torch.randn(*theirs.weight.shape)
    mine(indices).mul(weight[indices]).sum().backward()
    theirs(indices).mul(weight[indices]).sum().backward()
    return mine.weight.grad, theirs.weight.grad


def check_MyEmbedding(answer):
    torch.manual_seed(0)
    mine = answer(500, 20)
    if not isinstance(mine, nn.Module):
        raise NotYet("MyEmbedding must stay an nn.Module")
    if any(isinstance(m, nn.Embedding) for m in mine.modules()):
        raise NotYet("write it without nn.Embedding: a weight Parameter and indexing")
    weight = dict(mine.named_parameters()).get("weight")
    if weight is None or tuple(weight.shape) != (500, 20):
        raise NotYet("the parameter must be called weight, shape (num_embeddings, embedding_dim)")
    if abs(weight.mean().item()) > 0.05 or abs(weight.std().item() - 1) > 0.05:
        raise NotYet("initialise weight N(0, 1), as nn.Embedding does (torch.randn)")
    mine_grad, their_grad = _compare(answer(4, 10), nn.Embedding(4, 10), "MyEmbedding")
    if mine_grad is None or not torch.allclose(mine_grad, their_grad):
        raise NotYet("the gradient differs from nn.Embedding's: only looked-up rows get one, and a row looked up "
                     "twice gets the sum of both (indexing does this for you)")


def check_PaddedEmbedding(answer):
    torch.manual_seed(0)
    for pad in (0, 2):
        mine = answer(4, 10, pad)
        if not isinstance(mine, nn.Module):
            raise NotYet("PaddedEmbedding must stay an nn.Module")
        weight = dict(mine.named_parameters()).get("weight")
        if weight is None or tuple(weight.shape) != (4, 10):
            raise NotYet("the parameter must be called weight, shape (num_embeddings, embedding_dim)")
        if not torch.equal(weight[pad].detach(), torch.zeros(10)):
            raise NotYet(f"with padding_idx={pad} row {pad} must start at zeros")
        if weight.detach().abs().sum() == 0:
            raise NotYet("the other rows must start random, N(0, 1), as in MyEmbedding")
        mine_grad, their_grad = _compare(mine, nn.Embedding(4, 10, padding_idx=pad), "PaddedEmbedding")
        if mine_grad is None or not torch.allclose(mine_grad, their_grad):
            raise NotYet(f"the gradient differs from nn.Embedding(padding_idx={pad})'s: row {pad} must get none "
                         "(zeros), however often it is looked up; the other rows as in MyEmbedding")
    mine = answer(4, 10, 0)
    optimizer = torch.optim.SGD(mine.parameters(), lr=0.5, momentum=0.9)
    for _ in range(3):
        optimizer.zero_grad()
        mine(torch.tensor([0, 1, 0, 3])).pow(2).sum().backward()
        optimizer.step()
    if not torch.equal(dict(mine.named_parameters())["weight"][0].detach(), torch.zeros(10)):
        raise NotYet("after training steps the padding row is no longer zeros: it must get no gradient at all")
