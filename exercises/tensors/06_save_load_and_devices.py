"""Exercises for tensors/06_save_load_and_devices.py. Write your answers in this file, then check them:

    python -m lessonkit.check tensors/06

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/tensors/06_save_load_and_devices.py (try first).
"""

from __future__ import annotations

import torch

# Exercise 1 (note 002 "save and load"; a number answers it): big = torch.zeros(100_000) (float32), then
# torch.save(big[:10], path). About how many bytes is the file: roughly 400, 4,000, 40,000 or 400,000?
# Run the lesson (it prints the sizes) or try it, then say why in a comment.
SAVED_VIEW_BYTES_ROUGHLY = None


def save_small(t: torch.Tensor, path) -> None:
    """Exercise 2 (note 002 "save and load"; a few lines): save the tensor t (possibly a view of a much larger
    one) to path so that the file holds only t's own numbers, and torch.load(path, weights_only=True) gives
    back an equal tensor."""
    raise NotImplementedError


def resume_state(model: torch.nn.Module, optimizer: torch.optim.Optimizer, epoch: int) -> dict:
    """Exercise 3 (note 003 "checkpoint"; goes further): the dict to torch.save after `epoch` epochs so that
    a fresh model and optimizer, given it with load_resume_state below, continue training exactly as if never
    stopped (the same losses and weights on the CPU). Include what Adam keeps between steps."""
    raise NotImplementedError


def load_resume_state(state: dict, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> int:
    """Part of exercise 3: put `state` (as resume_state made it, after a torch.save/torch.load round trip)
    into the fresh model and optimizer; return the epoch to continue from."""
    raise NotImplementedError
