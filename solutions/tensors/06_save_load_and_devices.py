"""Worked solutions for exercises/tensors/06_save_load_and_devices.py, with a paragraph each. Check them with
    python -m lessonkit.check tensors/06 --solutions
"""

from __future__ import annotations

import torch

# Exercise 1. About 400,000 bytes: big[:10] is a view, a window onto big's storage, and torch.save writes
# the storage (100,000 float32 = 400,000 bytes) so that views saved together stay views of one another after
# loading. The lesson prints it (401,492 bytes for the view, 1,563 for a clone).
SAVED_VIEW_BYTES_ROUGHLY = 400_000


def save_small(t: torch.Tensor, path) -> None:
    """clone() makes a tensor with a storage of its own, exactly t's numbers; that is what gets written."""
    torch.save(t.clone(), path)


def resume_state(model: torch.nn.Module, optimizer: torch.optim.Optimizer, epoch: int) -> dict:
    """The weights are not enough: Adam's step count and its two running averages decide the next step. Both
    state_dicts are plain tensors and numbers, so weights_only=True loading accepts them. (A run that shuffles
    or uses dropout also needs its random generators' states, as the lesson's checkpoint_state() keeps.)"""
    return {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}


def load_resume_state(state: dict, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> int:
    """load_state_dict copies into the existing tensors; the optimizer must be built on this model's
    parameters first, then given its state."""
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    return state["epoch"]
