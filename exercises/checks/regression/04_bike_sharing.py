"""Checks for exercises/regression/04_bike_sharing.py (run: python -m lessonkit.check regression/04)."""

import contextlib
import io

import numpy as np
import pandas as pd
import torch

from lessonkit.check import NotYet, lesson

bike = lesson("regression/04_bike_sharing.py")


def _hour_table(days: int = 90) -> pd.DataFrame:
    """A made-up hour.csv with the real columns, every code of every category present."""
    rows = days * 24
    i = np.arange(rows)
    dates = pd.date_range("2011-01-01", periods=days, freq="D").strftime("%Y-%m-%d")
    rng = np.random.default_rng(0)
    table = pd.DataFrame({
        "instant": i + 1, "dteday": np.repeat(dates.to_numpy(), 24), "season": i % 4 + 1, "yr": (i // 5000) % 2,
        "mnth": (i // 24) % 12 + 1, "hr": i % 24, "holiday": (i // 24) % 20 == 0, "weekday": (i // 24) % 7,
        "workingday": (i // 24) % 7 < 5, "weathersit": i % 4 + 1, "temp": rng.random(rows),
        "atemp": rng.random(rows), "hum": rng.random(rows), "windspeed": rng.random(rows),
        "casual": rng.integers(0, 50, rows), "registered": rng.integers(0, 300, rows),
    })
    table[["holiday", "workingday"]] = table[["holiday", "workingday"]].astype(int)
    table["cnt"] = table["casual"] + table["registered"]
    return table


def check_FEATURE_COUNT(answer):
    if answer is None:
        raise NotImplementedError
    with contextlib.redirect_stdout(io.StringIO()):   # prepare() prints the split
        data = bike.prepare(_hour_table())
    if answer != len(data.features):
        raise NotYet("count again: each categorical column becomes one 0/1 column per code (season has 4), the "
                     "dropped columns go, dteday goes, the target is not an input, and the other columns stay")


def _affine_pairs(train, other):
    """Both readings of 'standard deviation': n - 1 (pandas, torch.std) and n (NumPy's default)."""
    mean = train.mean(dim=0)
    return [((train - mean) / train.std(dim=0, correction=c), (other - mean) / train.std(dim=0, correction=c))
            for c in (1, 0)]


def check_standardise(answer):
    generator = torch.Generator().manual_seed(0)
    train = torch.randn(40, 3, generator=generator) * torch.tensor([1.0, 10.0, 0.1]) + torch.tensor([5.0, -2.0, 0.0])
    other = torch.randn(15, 3, generator=generator) * 3 + 20   # later days: another mean and spread
    train_copy, other_copy = train.clone(), other.clone()
    got = answer(train, other)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise NotYet("return two tensors: the standardised train and other")
    z_train, z_other = got
    if not torch.equal(train, train_copy) or not torch.equal(other, other_copy):
        raise NotYet("leave the caller's tensors as they were: compute new ones")
    if not isinstance(z_train, torch.Tensor) or z_train.shape != train.shape or z_other.shape != other.shape:
        raise NotYet("each result has the shape of its input")
    if not any(torch.allclose(z_train, a, atol=1e-4) for a, _ in _affine_pairs(train, other)):
        raise NotYet("the training rows must come out with mean 0 and std 1 in every column: subtract each "
                     "column's mean and divide by its standard deviation (dim=0, over the rows)")
    if torch.allclose(z_other, (other - other.mean(0)) / other.std(0), atol=1e-3):
        raise NotYet("the other rows were scaled with their own statistics: use the training rows' mean and std")
    if not any(torch.allclose(z_other, b, atol=1e-4) for _, b in _affine_pairs(train, other)):
        raise NotYet("the other rows must go through the same map as the training rows: (other - train mean) / "
                     "train std, column by column; statistics from train and other together leak")


def check_manual_gradients(answer):
    generator = torch.Generator().manual_seed(0)
    for batch, inputs, hidden in ((8, 5, 4), (1, 3, 2)):
        net = bike.ManualNet(inputs, hidden, generator, torch.device("cpu"))
        with torch.no_grad():                       # non-zero biases, so that a missing term shows
            net.b1.copy_(torch.randn(hidden, generator=generator))
            net.b2.copy_(torch.randn(1, generator=generator))
        x, y = torch.randn(batch, inputs, generator=generator), torch.randn(batch, 1, generator=generator)
        got = answer(x, y, *(p.detach().clone() for p in net.parameters()))
        if not isinstance(got, (tuple, list)) or len(got) != 4:
            raise NotYet("return four tensors: the gradients for w1, b1, w2, b2")
        bike.mse(net(x), y).backward()
        # backwards, as back-propagation goes: the first gradient that is off is where the mistake starts
        for name, mine, param in reversed(list(zip(("w1", "b1", "w2", "b2"), got, net.parameters()))):
            if not isinstance(mine, torch.Tensor) or mine.shape != param.shape:
                raise NotYet(f"the gradient for {name} must have {name}'s shape {tuple(param.shape)}")
            if not torch.allclose(mine, param.grad, atol=1e-5):
                hint = {"b2": "d loss / d output is 2 (output - y) / batch (the mean's 1 / batch counts); b2 "
                              "collects it from every row",
                        "w2": "w2's gradient is hidden.T @ (d loss / d output)",
                        "b1": "through the sigmoid: multiply (d loss / d output) @ w2.T by s (1 - s) element by "
                              "element, then sum over the batch for b1",
                        "w1": "w1's gradient is x.T @ (the gradient at the sigmoid's input)"}[name]
                raise NotYet(f"the gradient for {name} differs from autograd's: {hint}")
