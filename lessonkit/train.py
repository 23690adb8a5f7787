"""Small helpers around training that are not themselves a lesson's subject.

The training loop stays in each lesson; these are the pieces every loop repeats: batching
in-memory tensors, accuracy, evaluation in eval mode without gradients, a progress bar, a guard
against a diverging loss, and checkpoints.
"""

from __future__ import annotations

import math
import os
import pickle
from collections.abc import Iterable, Iterator
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from .errors import DataError, TrainingDiverged
from .files import atomic_path


def batches(
    x: torch.Tensor,
    y: torch.Tensor,
    batch_size: int,
    *,
    shuffle: bool = False,
    generator: torch.Generator | None = None,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield (x, y) mini-batches from tensors already in memory (or on the GPU).

    This is what a DataLoader does for a TensorDataset, without the per-example Python overhead.
    """
    n = len(x)
    order = torch.randperm(n, generator=generator, device="cpu").to(x.device) if shuffle else None
    for start in range(0, n, batch_size):
        if order is None:
            yield x[start:start + batch_size], y[start:start + batch_size]
        else:
            index = order[start:start + batch_size]
            yield x[index], y[index]


def num_batches(n: int, batch_size: int) -> int:
    return math.ceil(n / batch_size)


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of rows whose highest score is the true label."""
    return (logits.argmax(dim=1) == labels).float().mean().item()


def predict(model: nn.Module, x: torch.Tensor, *, batch_size: int = 1000,
            device: torch.device | str | None = None) -> torch.Tensor:
    """Model outputs for all of x, computed in batches in eval mode without gradients.

    Returns the outputs on x's device. The model's train/eval mode is restored afterwards.
    """
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    outputs = []
    with torch.inference_mode():
        for start in range(0, len(x), batch_size):
            outputs.append(model(x[start:start + batch_size].to(device)).to(x.device))
    model.train(was_training)
    return torch.cat(outputs)


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, batch_size: int = 1000,
             loss_fn=nn.functional.cross_entropy) -> tuple[float, float]:
    """(mean loss, accuracy) of a classifier on a whole split, in eval mode without gradients."""
    logits = predict(model, x, batch_size=batch_size)
    return loss_fn(logits, y.to(logits.device)).item(), accuracy(logits, y.to(logits.device))


def progress(iterable: Iterable, *, desc: str = "", total: int | None = None, **kwargs):
    """A tqdm bar that shows on a terminal and stays quiet in logs and tests."""
    return tqdm(iterable, desc=desc, total=total, leave=False, dynamic_ncols=True,
                disable=None, **kwargs)


def check_finite(loss: torch.Tensor, where: str = "") -> None:
    """Stop training with a clear message if the loss is NaN or infinite."""
    if not torch.isfinite(loss).all():
        at = f" at {where}" if where else ""
        raise TrainingDiverged(
            f"the loss became {loss.item()}{at}: training diverged. Try a smaller --lr, "
            "check the inputs are scaled, or use a numerically safe loss."
        )


def save_checkpoint(state: dict, path: str | os.PathLike) -> Path:
    """Save a state_dict (or a dict of state_dicts) atomically: temp file, then rename."""
    path = Path(path)
    with atomic_path(path) as tmp:
        torch.save(state, tmp)
    return path


def load_checkpoint(path: str | os.PathLike, map_location: torch.device | str = "cpu") -> dict:
    """Load a checkpoint saved by save_checkpoint (a dict of tensors and plain data).

    weights_only=True: torch.load rebuilds tensors and plain data only, never arbitrary pickled
    objects, so a file from someone else cannot run code here. Anything else (an empty, truncated or
    text file, a pickle of other objects) is a DataError saying it is not a checkpoint of this course.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"no checkpoint at {path}")
    if path.stat().st_size == 0:
        raise DataError(f"{path} is empty: not a checkpoint this course wrote. Delete it and train again.")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError:
        # torch's own message suggests weights_only=False; that would run whatever the file contains.
        why = "it holds Python objects other than tensors and plain data, which this course never loads"
    except Exception as err:  # truncated zip, text, wrong format: torch raises many kinds
        why = f"{type(err).__name__}: {str(err).splitlines()[0][:160] if str(err) else 'unreadable'}"
    else:
        if isinstance(state, dict):
            return state
        why = f"it holds a {type(state).__name__}, not a dict of tensors"
    raise DataError(f"{path} is not a checkpoint this course wrote ({why}). Delete it and train again, "
                    "or point the lesson at the file it saved.")


def describe_state(state: dict) -> str:
    """One line on what a state_dict holds: its tensor count and first and last tensors (the last bias's
    length is usually the number of classes), so that a message can say what a file is."""
    tensors = [(k, v) for k, v in state.items() if isinstance(v, torch.Tensor)]
    if not tensors:
        return f"no tensors (keys: {', '.join(map(str, list(state)[:5])) or 'none'})"
    (first, a), (last, b) = tensors[0], tensors[-1]
    return f"{len(tensors)} tensors, from {first} {tuple(a.shape)} to {last} {tuple(b.shape)}"


def check_state_dict(state, model: nn.Module, path: str | os.PathLike, *, expected: str) -> None:
    """Check that `state` fits `model` exactly (names, shapes, finite values) before any work uses it.

    load_state_dict would say the same in a RuntimeError from deep inside torch, after the lesson had
    started; this says it first, in one paragraph: what the file holds and what the lesson needed
    (`expected`, e.g. "a LeNet-5 saved by cnn/04_lenet.py").
    """
    path = Path(path)
    if not isinstance(state, dict):
        raise DataError(f"{path} holds a {type(state).__name__}, not the weights of {expected}.")
    wanted = model.state_dict()
    missing = [k for k in wanted if k not in state]
    unexpected = [k for k in state if k not in wanted]
    wrong = [f"{k} is {tuple(state[k].shape)}, needs {tuple(v.shape)}" for k, v in wanted.items()
             if k in state and (not isinstance(state[k], torch.Tensor) or state[k].shape != v.shape)]
    problems = []
    if missing:
        problems.append(f"{len(missing)} tensors missing (e.g. {', '.join(missing[:3])})")
    if unexpected:
        problems.append(f"{len(unexpected)} it does not use (e.g. {', '.join(unexpected[:3])})")
    if wrong:
        problems.append(f"{len(wrong)} of other shapes ({'; '.join(wrong[:3])})")
    if problems:
        raise DataError(f"{path} is not {expected}: it holds {describe_state(state)}; "
                        f"against the model it has {', '.join(problems)}. Point the lesson at a file that "
                        "lesson saved, or delete this one and train again.")
    bad = [k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if bad:
        raise DataError(f"{path} holds NaN or infinite weights ({', '.join(bad[:3])}): the run that saved it "
                        "diverged. Delete it and train again (a smaller --lr usually helps).")
