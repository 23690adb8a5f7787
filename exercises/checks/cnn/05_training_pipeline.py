"""Checks for exercises/cnn/05_training_pipeline.py (run: python -m lessonkit.check cnn/05)."""

import io
import math

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import lessonkit as lk
from lessonkit.check import NotYet, lesson

pipeline = lesson("cnn/05_training_pipeline.py")


def check_STEPS_PER_EPOCH(answer):
    if answer is None:
        raise NotImplementedError
    n_val = int(60_000 * pipeline.VAL_FRACTION)
    if not isinstance(answer, int) or answer != lk.num_batches(60_000 - n_val, 128):
        raise NotYet("first take the validation images out of the 60,000 (VAL_FRACTION of them), then count "
                     "batches of 128 in what is left; the last, smaller batch is a step too")


def _lesson_rule(val_losses, patience):
    best_loss, best_epoch = math.inf, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best_loss:
            best_loss, best_epoch = loss, epoch
        if epoch - best_epoch >= patience:
            return best_epoch, epoch
    return best_epoch, len(val_losses)


def check_early_stopping(answer):
    cases = [([0.5, 0.4, 0.3, 0.2, 0.1], 3), ([0.5, 0.4, 0.45, 0.41, 0.42, 0.3], 3), ([0.5, 0.4, 0.45, 0.41], 3),
             ([0.3, 0.3, 0.3, 0.3], 2), ([0.9, 0.2, 0.25, 0.19, 0.3, 0.3, 0.3, 0.1], 3), ([0.4, 0.5], 1)]
    for losses, patience in cases:
        want = _lesson_rule(losses, patience)
        got = answer(list(losses), patience)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise NotYet("return a pair: (best_epoch, last_epoch)")
        if tuple(got) != want:
            raise NotYet(f"for validation losses {losses} and patience {patience} the answer is not "
                         f"{tuple(got)}: epochs count from 1, an equal loss is no improvement, and the run stops "
                         "right after the epoch at which `patience` epochs have passed without a new best")


def _run(seed):
    """A tiny run with everything that draws random numbers or keeps state: dropout, BatchNorm, Adam, OneCycleLR
    and a shuffling DataLoader."""
    generator = torch.Generator().manual_seed(7)
    x, y = torch.randn(64, 4, generator=generator), torch.randint(0, 3, (64,), generator=generator)
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.02, total_steps=3 * 4)
    shuffler = torch.Generator().manual_seed(seed)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True, generator=shuffler)
    return model, optimizer, scheduler, shuffler, loader


def _epoch(model, optimizer, scheduler, loader):
    losses = []
    model.train()
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    return losses


def check_checkpoint_state(answer, answers):
    restore = getattr(answers, "restore_state", None)
    if restore is None:
        raise NotYet("keep restore_state beside checkpoint_state: exercise 3 has both")
    model, optimizer, scheduler, _, loader = _run(seed=0)
    full = [loss for _ in range(3) for loss in _epoch(model, optimizer, scheduler, loader)]
    first, first_opt, first_sched, first_shuffler, first_loader = _run(seed=0)
    part = _epoch(first, first_opt, first_sched, first_loader)
    buffer = io.BytesIO()
    torch.save(answer(first, first_opt, first_sched, first_shuffler, 1), buffer)
    buffer.seek(0)
    try:
        state = torch.load(buffer, weights_only=True)
    except Exception as err:
        raise NotYet(f"torch.load(..., weights_only=True) refuses the checkpoint ({type(err).__name__}): keep to "
                     "state_dict()s, tensors (generator states are ByteTensors), numbers and strings") from None
    fresh, fresh_opt, fresh_sched, fresh_shuffler, fresh_loader = _run(seed=123)  # another start, another RNG
    start = restore(state, fresh, fresh_opt, fresh_sched, fresh_shuffler)
    if start != 2:
        raise NotYet("restore_state must return the next epoch to run: 2 after a checkpoint of epoch 1")
    rest = [loss for _ in range(start, 4) for loss in _epoch(fresh, fresh_opt, fresh_sched, fresh_loader)]
    if fresh_opt.param_groups[0]["lr"] != optimizer.param_groups[0]["lr"]:
        raise NotYet("the learning rate after resuming follows another schedule: keep the scheduler's "
                     "state_dict() too")
    if part + rest != full:
        raise NotYet("the resumed run takes another path: besides the model, optimizer and scheduler, the "
                     "batches come from the shuffler's state (get_state / set_state) and dropout's masks from "
                     "torch's global generator (torch.get_rng_state / torch.set_rng_state)")
    if any(not torch.equal(a, b) for a, b in zip(model.state_dict().values(), fresh.state_dict().values())):
        raise NotYet("the losses agree but the final weights (or BatchNorm's running statistics) do not")
