"""Checks for exercises/tensors/06_save_load_and_devices.py (run: python -m lessonkit.check tensors/06)."""

import tempfile
from pathlib import Path

import torch
from torch import nn

from lessonkit.check import NotYet


def check_SAVED_VIEW_BYTES_ROUGHLY(answer):
    if answer is None:
        raise NotImplementedError
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "view.pt"
        torch.save(torch.zeros(100_000)[:10], path)
        size = path.stat().st_size
    if not isinstance(answer, (int, float)) or not size / 3 < answer < size * 3:
        raise NotYet("save it and look at the file's size: torch.save writes the storage a view points into, "
                     "not just the numbers the view shows")


def check_save_small(answer):
    big = torch.arange(100_000, dtype=torch.float32)
    view = big[1000:1010]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "small.pt"
        answer(view, path)
        if not path.is_file():
            raise NotYet("save_small must write the file at path")
        back = torch.load(path, weights_only=True)
        size = path.stat().st_size
    if not isinstance(back, torch.Tensor) or not torch.equal(back, view):
        raise NotYet("torch.load must give back a tensor equal to t")
    if size > 20_000:
        raise NotYet(f"the file is {size:,} bytes for 10 numbers: it still holds the whole storage; save a "
                     "copy that owns just t's numbers")
    if not torch.equal(big[1000:1010], torch.arange(1000, 1010, dtype=torch.float32)):
        raise NotYet("leave the caller's tensor as it was")


def _run(epochs, seed=0):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    return model, optimizer


def _train(model, optimizer, epochs, x, y):
    losses = []
    for _ in epochs:
        loss = ((model(x) - y) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def check_resume_state(answer, answers):
    load = getattr(answers, "load_resume_state", None)
    if load is None:
        raise NotYet("keep load_resume_state beside resume_state: exercise 3 has both")
    generator = torch.Generator().manual_seed(1)
    x, y = torch.randn(32, 3, generator=generator), torch.randn(32, 1, generator=generator)
    model, optimizer = _run(8)
    full = _train(model, optimizer, range(8), x, y)
    first, first_opt = _run(8)
    part = _train(first, first_opt, range(4), x, y)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "checkpoint.pt"
        torch.save(answer(first, first_opt, 4), path)
        state = torch.load(path, weights_only=True)
    fresh, fresh_opt = _run(8, seed=123)
    start = load(state, fresh, fresh_opt)
    if start != 4:
        raise NotYet("load_resume_state must return the epoch to continue from (4 after 4 epochs)")
    rest = _train(fresh, fresh_opt, range(start, 8), x, y)
    if part + rest != full:
        raise NotYet("the resumed run takes another path: keep the optimizer's state_dict() too (Adam's "
                     "running averages and step count), not the weights alone")
    if any(not torch.equal(a, b) for a, b in zip(model.state_dict().values(), fresh.state_dict().values())):
        raise NotYet("the losses agree but the final weights do not")
