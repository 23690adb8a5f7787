"""tensors/06_save_load_and_devices.py: saving and loading models, resuming training, moving between devices.

You will save a model's state_dict (its parameters and buffers by name) and load it into a fresh
model that then gives bit-for-bit the same outputs; save a full training checkpoint (model,
optimizer state, epoch, random-number state), "crash", resume from it, and check that the resumed
run ends exactly where an uninterrupted run ends; and move models and tensors between devices with
.to(device), loading a checkpoint onto another device with map_location. Checkpoints are loaded
with weights_only=True: torch.load then only rebuilds tensors and plain data, never arbitrary
pickled objects, so a checkpoint from someone else cannot run code on your machine.

Notes: 002 nn.Module (".device", "load and save": torch.save(net.state_dict()), net.load_state_dict);
003 chapter 2 (moving tensors to the GPU: its x.cuda and x.cpu calls are written .to(device) here, so the
same code runs on a CPU, a CUDA GPU or Apple's MPS).
Run:    python tensors/06_save_load_and_devices.py [--epochs 40] [--resume-at 20] [--device cuda]
Prints: the state_dict's entries, the round trip's largest output difference, the loss per epoch
        of the uninterrupted and the resumed runs, whether their final weights are identical.
Saves:  outputs/tensors/06_save_load_and_devices/{metrics.json, resume.png, model.pt, checkpoint.pt}
Expect: a few seconds; round-trip difference 0; on the CPU the resumed run's losses and weights
        equal the uninterrupted run's exactly (on a GPU they can differ in the last digits).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import torch
from torch import nn

import lessonkit as lk


def make_data(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A noisy sine: x (n, 1) in [-3, 3], y (n, 1)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, generator=g) * 6 - 3
    y = torch.sin(x) + 0.1 * torch.randn(n, 1, generator=g)
    return x, y


def make_model() -> nn.Module:
    return nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))


def train_epochs(model, optimizer, x, y, *, epochs: range, batch_size: int,
                 shuffler: torch.Generator) -> list[float]:
    """Train for the given epochs (a range, so a resumed run can start in the middle); return the
    mean training loss of each epoch."""
    loss_fn = nn.MSELoss()
    losses = []
    for epoch in epochs:
        model.train()
        total, seen = 0.0, 0
        for xb, yb in lk.batches(x, y, batch_size, shuffle=True, generator=shuffler):
            loss = loss_fn(model(xb), yb)
            lk.check_finite(loss, f"epoch {epoch}")
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
            seen += len(xb)
        losses.append(total / seen)
    return losses


def checkpoint_state(model, optimizer, epoch: int, shuffler: torch.Generator, history: list[float]) -> dict:
    """Everything needed to continue exactly: weights, the optimizer's own state (Adam's running
    averages and step count), where we are, and the random-number generators' states."""
    return {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "epoch": epoch,                          # epochs completed
        "shuffler": shuffler.get_state(),        # the next shuffle order depends on it
        "torch_rng": torch.get_rng_state(),      # used by dropout or random augmentation, if any
        "history": history,
    }


def new_run(seed: int, lr: float, device) -> tuple[nn.Module, torch.optim.Optimizer, torch.Generator]:
    torch.manual_seed(seed)                      # the initial weights come from this
    model = make_model().to(device)
    # Build the optimizer after .to(device), so it holds the parameters that will be trained.
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    shuffler = torch.Generator().manual_seed(seed)
    return model, optimizer, shuffler


def train_uninterrupted(x, y, *, seed: int, lr: float, epochs: int, batch_size: int, device="cpu"):
    model, optimizer, shuffler = new_run(seed, lr, device)
    losses = train_epochs(model, optimizer, x, y, epochs=range(epochs), batch_size=batch_size, shuffler=shuffler)
    return model, losses


def train_with_restart(x, y, path, *, seed: int, lr: float, epochs: int, resume_at: int, batch_size: int,
                       device="cpu", map_location="cpu", restore_optimizer: bool = True):
    """Train resume_at epochs, save a checkpoint, throw everything away, then resume from the file.

    restore_optimizer=False resumes with the weights only and a fresh Adam: the mistake of saving
    just model.state_dict(), shown for comparison.
    """
    model, optimizer, shuffler = new_run(seed, lr, device)
    losses = train_epochs(model, optimizer, x, y, epochs=range(resume_at), batch_size=batch_size, shuffler=shuffler)
    lk.save_checkpoint(checkpoint_state(model, optimizer, resume_at, shuffler, losses), path)
    del model, optimizer, shuffler               # as if the process had been killed here

    # A new process: build the objects fresh (another seed, to show loading overwrites them all) ...
    model, optimizer, shuffler = new_run(seed + 1, lr, device)
    # ... and load. map_location puts the tensors where we want them, whatever device saved them.
    state = lk.load_checkpoint(path, map_location=map_location)
    model.load_state_dict(state["model"])        # copies into the model's tensors, on its device
    if restore_optimizer:
        optimizer.load_state_dict(state["optimizer"])  # moves its state to the parameters' device
    shuffler.set_state(state["shuffler"])
    torch.set_rng_state(state["torch_rng"])
    start = state["epoch"]
    losses = state["history"] + train_epochs(model, optimizer, x, y, epochs=range(start, epochs),
                                             batch_size=batch_size, shuffler=shuffler)
    return model, losses


def max_weight_difference(a: nn.Module, b: nn.Module) -> float:
    sa, sb = a.state_dict(), b.state_dict()
    return max((sa[k].float() - sb[k].float()).abs().max().item() for k in sa)


def plot_resume(full: list[float], resumed: list[float], weights_only: list[float], resume_at: int,
                path, show: bool) -> None:
    fig, ax = plt.subplots(figsize=(7, 4))
    epochs = range(1, len(full) + 1)
    ax.plot(epochs, full, "-", lw=3, alpha=0.5, label="uninterrupted")
    ax.plot(epochs, resumed, "o", ms=4, label="saved, stopped and resumed from the full checkpoint")
    ax.plot(epochs[resume_at - 1:], weights_only[resume_at - 1:], "--", color="tab:red",
            label="resumed from the weights only (fresh Adam state)")
    ax.axvline(resume_at + 0.5, color="gray", ls="--", lw=1)
    ax.text(resume_at + 0.7, min(full), "checkpoint saved,\nprocess restarted", fontsize=8, va="bottom")
    ax.set(xlabel="epoch", ylabel="training MSE", yscale="log",
           title="Resuming from a checkpoint continues the same run")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=40, batch_size=32, lr=0.01)
    parser.add_argument("--resume-at", type=lk.positive_int, default=None,
                        help="epoch after which the checkpoint is saved and training restarted "
                             "(default: half of --epochs)")
    parser.add_argument("--samples", type=lk.positive_int, default=512, help="training points (default: 512)")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.samples = min(args.epochs, 6), min(args.samples, 128)
    if args.epochs < 2:
        parser.error("--epochs must be at least 2: training stops and resumes in between")
    resume_at = args.resume_at if args.resume_at is not None else max(1, args.epochs // 2)
    if not 1 <= resume_at < args.epochs:
        parser.error(f"--resume-at must be between 1 and --epochs - 1 = {args.epochs - 1}, got {resume_at}")
    run = lk.start_run(__file__, args)
    device = run.device

    x, y = make_data(args.samples, args.seed)
    x, y = x.to(device), y.to(device)            # data and model must be on the same device
    print(f"data: {len(x)} points of a noisy sine on {x.device}")

    # --- 1. what a state_dict is, and a save/load round trip ---
    model = make_model().to(device)
    print("\nmodel.state_dict(): an ordered dict name -> tensor")
    for name, t in model.state_dict().items():
        print(f"  {name:10s} {str(tuple(t.shape)):8s} {t.device}")
    model_path = lk.save_checkpoint(model.state_dict(), run.out / "model.pt")   # atomic: temp file + rename
    print(f"saved {model_path}")
    restored = make_model().to(device)           # fresh random weights ...
    restored.load_state_dict(lk.load_checkpoint(model_path, map_location=device))  # ... replaced
    probe = torch.linspace(-3, 3, 50, device=device).unsqueeze(1)                 # (50, 1)
    round_trip = (lk.predict(model, probe) - lk.predict(restored, probe)).abs().max().item()
    print(f"largest output difference, original vs loaded: {round_trip}")

    # --- 2. devices ---
    print(f"\ndevices here: {lk.available_devices()}; this run uses {device}")
    print(f"parameters on {next(model.parameters()).device}; model.to('cpu') moves them back "
          f"({next(model.to('cpu').parameters()).device}), model.to(device) moves them again")
    model.to(device)
    if device.type != "cpu":
        try:
            model(torch.zeros(1, 1))             # a CPU tensor into a GPU model
        except RuntimeError as err:
            print(f"CPU input into a {device} model: RuntimeError: {str(err).splitlines()[0][:100]}")
    on_cpu = lk.load_checkpoint(model_path, map_location="cpu")
    print(f"load_checkpoint(..., map_location='cpu') puts every tensor on "
          f"{sorted({str(t.device) for t in on_cpu.values()})}, whatever device saved it")

    # --- 3. a checkpoint with optimizer state, and resuming ---
    print(f"\ntraining {args.epochs} epochs without a break, then again with a restart after epoch {resume_at}")
    full_model, full = train_uninterrupted(x, y, seed=args.seed, lr=args.lr, epochs=args.epochs,
                                           batch_size=args.batch_size, device=device)
    resumed_model, resumed = train_with_restart(
        x, y, run.out / "checkpoint.pt", seed=args.seed, lr=args.lr, epochs=args.epochs, resume_at=resume_at,
        batch_size=args.batch_size, device=device, map_location=device)
    _, weights_only = train_with_restart(
        x, y, run.out / "checkpoint.pt", seed=args.seed, lr=args.lr, epochs=args.epochs, resume_at=resume_at,
        batch_size=args.batch_size, device=device, map_location=device, restore_optimizer=False)
    state = lk.load_checkpoint(run.out / "checkpoint.pt")
    adam = state["optimizer"]["state"][0]
    print(f"checkpoint keys: {sorted(state)}; Adam keeps per parameter: {sorted(adam)} "
          f"(step {int(adam['step'])})")
    for epoch in sorted({1, resume_at, resume_at + 1, args.epochs}):
        print(f"epoch {epoch:3d}  uninterrupted {full[epoch - 1]:.6f}  resumed {resumed[epoch - 1]:.6f}  "
              f"resumed without optimizer state {weights_only[epoch - 1]:.6f}")
    print(f"without the optimizer state the first epoch after the restart has loss "
          f"{weights_only[resume_at]:.4f} instead of {full[resume_at]:.4f}: a fresh Adam has forgotten its "
          f"running averages and restarts with full-size steps")
    weight_diff = max_weight_difference(full_model, resumed_model)
    identical = weight_diff == 0.0
    print(f"final weights identical: {identical} (largest difference {weight_diff:.1e})")
    if not identical and device.type == "cpu":
        print("warning: on the CPU they should be identical; was a random state left out of the checkpoint?")
    plot_resume(full, resumed, weights_only, resume_at, run.out / "resume.png", args.show)

    return run.finish({
        "round_trip_max_diff": round_trip,
        "final_loss_uninterrupted": full[-1],
        "final_loss_resumed": resumed[-1],
        "resume_max_weight_diff": weight_diff,
        "resumed_identical": int(identical),
        "final_loss_weights_only_resume": weights_only[-1],
        "resume_at": resume_at,
        "fit_rmse": math.sqrt(full[-1]),
    })


if __name__ == "__main__":
    main()
