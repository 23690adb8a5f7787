"""Worked solutions for exercises/cnn/05_training_pipeline.py, with a paragraph each. Check them with
    python -m lessonkit.check cnn/05 --solutions
"""

from __future__ import annotations

import math

import torch

# Exercise 1. VAL_FRACTION = 0.1 holds out 6,000 images, leaving 54,000 to train on; 54,000 / 128 = 421.9, so 421
# full batches and one of 112: 422 steps. OneCycleLR is planned as epochs x 422 steps; a run resumed with another
# batch size would take another number of steps per epoch and leave the planned schedule, which is why the
# lesson refuses it.
STEPS_PER_EPOCH = 422


def early_stopping(val_losses: list[float], patience: int) -> tuple[int, int]:
    """The same two lines as the lesson's loop, after each epoch: a strictly lower validation loss makes a new best
    (and, in the lesson, a new best.pt), and `patience` epochs in a row without one end the run. The test set is
    then judged once with best.pt, the epoch the validation split chose, not the last weights."""
    best_loss, best_epoch = math.inf, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best_loss:
            best_loss, best_epoch = loss, epoch
        if epoch - best_epoch >= patience:
            return best_epoch, epoch
    return best_epoch, len(val_losses)


def checkpoint_state(model, optimizer, scheduler, shuffler: torch.Generator, epoch: int) -> dict:
    """Five things decide what the next step does: the weights and buffers (model), Adam's running averages and
    step counts (optimizer), where the schedule stands (scheduler), which batches come next (the DataLoader draws
    its order from the shuffler) and which units dropout zeroes (torch's global generator). Generator states are
    uint8 tensors on the CPU, so weights_only=True loading accepts them."""
    return {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
            "shuffler": shuffler.get_state(), "torch_rng": torch.get_rng_state(), "epoch": epoch}


def restore_state(state: dict, model, optimizer, scheduler, shuffler: torch.Generator) -> int:
    """load_state_dict copies into the objects built fresh for this run. Generators take only CPU ByteTensors:
    .cpu() matters when torch.load was given a map_location (the lesson restores from CPU copies for that
    reason)."""
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    shuffler.set_state(state["shuffler"].cpu())
    torch.set_rng_state(state["torch_rng"].cpu())
    return state["epoch"] + 1
