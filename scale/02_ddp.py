"""scale/02_ddp.py: the same LeNet training on several processes with DistributedDataParallel and torchrun.

You will see data parallelism (数据并行): every process (a rank) holds a full copy of the model and trains on its
share of each global batch; DistributedDataParallel (DDP) all-reduces (averages) the gradients during backward,
so every copy takes the same step and the copies stay identical. torchrun starts the processes and tells each
its RANK, WORLD_SIZE and where to meet; the backend is gloo on CPUs (one thread per process here), nccl when each
process has its own GPU. Also: DistributedSampler with set_epoch, the global batch and its learning rate, no_sync
for gradient accumulation (--accumulate), metrics summed over the ranks (all_reduce), rank 0 alone printing and
writing files (atomically), a barrier before exit, destroy_process_group always. And faults: rank 0 checkpoints
every --checkpoint-every steps; --fail-at-step N makes rank 1 die there; the others stop within seconds (a
collective timeout and a handler); the same command again resumes and ends with the same weights.

Notes: none of the notes covers distributed training; the model and recipe are cnn/04_lenet.py's.
Run:    python scale/02_ddp.py                                     (a world of one process)
        torchrun --standalone --nproc-per-node 2 scale/02_ddp.py     (two processes on this machine)
        torchrun --standalone --nproc-per-node 2 scale/02_ddp.py --fail-at-step 300, then the same command
        again: rank 1 dies at step 300 and the job ends; the rerun resumes from the step-200 checkpoint.
        Several machines: on each node, torchrun --nnodes 2 --nproc-per-node 4 --rdzv-backend c10d
        --rdzv-endpoint HOST:29400 --rdzv-id job1 scale/02_ddp.py --device cuda --out /shared/ddp, with HOST one
        of the nodes. They need the same code and torch version, the data under --data-dir on each, the endpoint
        port and other TCP ports open between them (GLOO_SOCKET_IFNAME or NCCL_SOCKET_IFNAME names the network
        interface if there are several), and --out on a filesystem they all share (rank 0 writes the checkpoint,
        and after a restart rank 0 may be on another node).
        torchrun --max-restarts 3 relaunches all processes after a failure; they resume from the checkpoint by
        themselves. Measured here (gloo, torch 2.14, 2 processes on 127.0.0.1, the crash demonstration): a
        relaunched process can read the address its dead predecessor left in torchrun's store and fail to connect
        (the key prefix per attempt in main() prevents that); with the prefix, 19 of 21 automatic restarts
        finished, and in the other 2 a process aborted while exiting after the work was done ("terminate called
        without an active exception"), which torchrun counts as a new failure. Rerunning the same command by hand
        is the reliable path taught here.
Prints: the world (ranks, backend, threads), the global batch, one line per epoch (train loss and test accuracy
        summed over the ranks), checkpoints, how far the ranks' final weights differ (0), the cost of one
        all-reduce, and this run beside the last full run of the other world size in the same --out.
Saves:  outputs/scale/02_ddp/{metrics.json, runs.json, curves.png, lenet_ddp.pt; checkpoint.pt until it ends}
Expect: 99.07% test accuracy after the 2 default epochs, with 1 process and with 2 (their weights differ a little:
        BatchNorm normalises 64 images per rank instead of 128); the ranks' weights differ by 0; with
        --fail-at-step 300 the job ends a moment after the crash, and the rerun resumes at step 200 and ends with
        exactly the weights of an uninterrupted run. Times depend on how busy the cores are: measured on this
        2-core CPU while other programs kept it busy (load 3-7), 1 process trained in 17-35 s and 2 processes in
        22-37 s, no faster: the 2 processes share the cores with that other load, and each step waits for the
        all-reduce. One process with --threads 2 took 221-232 s there: threads that wait for each other at every
        operator suffer most from other programs. Compare on an idle machine.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
import traceback
from datetime import timedelta

import matplotlib.pyplot as plt
import torch
import torch.distributed as dist
from torch import nn
from torch.nn import functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DistributedSampler, TensorDataset

import lessonkit as lk

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


class LeNet5(nn.Module):
    """LeNet-5 as in cnn/04_lenet.py (batch_norm=False drops BatchNorm). Input (B, 1, 28, 28) -> (B, 10) logits."""

    def __init__(self, batch_norm: bool = True):
        super().__init__()
        norm = nn.BatchNorm2d if batch_norm else (lambda channels: nn.Identity())
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2, bias=not batch_norm), norm(6), nn.ReLU(), nn.MaxPool2d(2),  # (B, 6, 14, 14)
            nn.Conv2d(6, 16, 5, bias=not batch_norm), norm(16), nn.ReLU(), nn.MaxPool2d(2),          # (B, 16, 5, 5)
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                                        nn.Linear(84, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def summed(values: list[float | torch.Tensor], device) -> list[float]:
    """Sum numbers over all ranks: each rank adds its part, every rank gets the total (all_reduce, 全规约)."""
    total = torch.stack([torch.as_tensor(v, dtype=torch.float64) for v in values]).to(device)
    dist.all_reduce(total, op=dist.ReduceOp.SUM)
    return total.tolist()


def lost_peer(err: Exception) -> bool:
    """Is this the error a collective raises when another rank died or timed out? (gloo raises a plain
    RuntimeError naming its socket: 'Connection reset by peer', 'Connection closed', 'Timed out'.)"""
    text = str(err).lower()
    return isinstance(err, dist.DistError) or any(w in text for w in ("gloo", "nccl", "connection", "timed out"))


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=2, batch_size=128, lr=0.01)
    parser.add_argument("--accumulate", type=lk.positive_int, default=1,
                        help="micro-batches per optimizer step (gradient accumulation, with no_sync)")
    parser.add_argument("--checkpoint-every", type=lk.positive_int, default=200, help="steps between checkpoints")
    parser.add_argument("--fail-at-step", type=lk.positive_int, default=None,
                        help="rank 1 (rank 0 when alone) exits at this step, to demonstrate a crash")
    parser.add_argument("--threads", type=lk.positive_int, default=1,
                        help="CPU threads per process (default: 1; processes, not threads, share out the cores)")
    parser.add_argument("--timeout", type=lk.positive_float, default=30.0,
                        help="seconds a collective waits for a peer before it fails (default: 30)")
    args = parser.parse_args(argv)
    # torchrun sets these for every process it starts; without torchrun this process is a world of one.
    launched = "WORLD_SIZE" in os.environ
    rank, world = int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
    local_rank, local_world = int(os.environ.get("LOCAL_RANK", 0)), int(os.environ.get("LOCAL_WORLD_SIZE", 1))
    log = print if rank == 0 else (lambda *a, **k: None)  # only rank 0 talks
    with contextlib.redirect_stdout(io.StringIO()) if rank else contextlib.nullcontext():
        run = lk.start_run(__file__, args)  # same seed on every rank (DDP also copies rank 0's weights)
    if args.quick:
        args.epochs = 1

    # --- the world: one process per CPU share or per GPU ---
    if run.device.type == "cuda":
        if local_world > torch.cuda.device_count():
            raise lk.LessonError(f"{local_world} processes on this node but {torch.cuda.device_count()} GPU(s): "
                                 "give --nproc-per-node at most the GPU count, or use --device cpu")
        device, backend = torch.device("cuda", local_rank), "nccl"
        torch.cuda.set_device(device)
    else:
        if run.device.type == "mps":
            log("DDP has no MPS backend: this lesson trains on the CPU with gloo")
        device, backend = torch.device("cpu"), "gloo"
    run.device = device  # metrics.json names the device this rank really used
    if dist.is_initialized():
        raise lk.LessonError("a process group is already initialised in this process (destroy it first)")
    threads_before = torch.get_num_threads()
    threads = args.threads if device.type == "cpu" else threads_before
    timeout = timedelta(seconds=args.timeout)  # how long a collective waits for a missing peer
    met = False  # False until every rank has joined the group: an error before that is not a lost peer
    try:
        torch.set_num_threads(threads)  # two processes on two cores: one thread each, or they fight for the cores
        if launched:  # env://: the key-value store torchrun serves at MASTER_ADDR:MASTER_PORT, where ranks meet
            store, _, _ = next(dist.rendezvous("env://", timeout=timeout))
            # torchrun --max-restarts keeps that store across restarts: a fresh key prefix per attempt stops a
            # relaunched rank from reading the address its crashed predecessor published there.
            store = dist.PrefixStore(f"attempt{os.environ.get('TORCHELASTIC_RESTART_COUNT', '0')}", store)
        else:  # a world of one: an in-memory store stands in for torchrun's, no port is opened
            store = dist.HashStore()
        dist.init_process_group(backend, store=store, rank=rank, world_size=world, timeout=timeout,
                                device_id=device if backend == "nccl" else None)
        met = True
        try:
            return train(args, run, rank, world, local_rank, threads, backend, log)
        finally:
            dist.destroy_process_group()  # always, also after an error: frees the sockets; later tests start clean
    except (dist.DistError, RuntimeError) as err:  # a peer died or went silent: say so and stop, never hang
        if not lost_peer(err):
            raise
        first_line = (str(err).strip().splitlines() or ["no message"])[0][:160]
        if not met:  # the rendezvous itself failed: a taken or wrong port, or torchrun not serving it
            where = f"{os.environ.get('MASTER_ADDR', '?')}:{os.environ.get('MASTER_PORT', '?')}"
            raise lk.LessonError(
                f"rank {rank}: could not meet the other processes at {where} ({first_line}). Another program "
                "may hold that port, or nothing serves it: start the job with torchrun (e.g. torchrun "
                "--standalone --nproc-per-node 2 scale/02_ddp.py), or give torchrun another --master-port.") from None
        checkpoint = run.out / "checkpoint.pt"
        resume = (f"the last checkpoint is {checkpoint}: run the same command again to resume from it"
                  if checkpoint.is_file() else "there is no checkpoint yet")
        raise lk.LessonError(f"rank {rank}: lost contact with the other processes ({first_line}): one died, or was "
                             f"silent for --timeout {args.timeout:g} s; {resume}.") from None
    finally:
        torch.set_num_threads(threads_before)


def read_checkpoint(path, model: nn.Module, settings: dict):
    """Rank 0's view of the checkpoint: None (none yet), the state to resume, or the reason it cannot be used."""
    if not path.exists():
        return None
    try:
        if not path.is_file():
            raise lk.LessonError(f"{path} is a folder, where this lesson keeps its checkpoint file: move it away")
        state = lk.load_checkpoint(path)
        keys = {"model", "optimizer", "scheduler", "step", "epoch", "settings", "history"}
        if not keys <= set(state):
            raise lk.LessonError(f"{path} is not a checkpoint of scale/02_ddp.py (it lacks "
                                 f"{', '.join(sorted(keys - set(state)))}): use another --out, or delete it")
        lk.check_state_dict(state["model"], model, path, expected="scale/02's LeNet-5")
        if state["settings"] != settings:
            raise lk.LessonError(f"{path} belongs to a run with other settings ({state['settings']}; this run: "
                                 f"{settings}): use the same flags to resume, another --out, or delete it to start "
                                 "afresh")
    except lk.LessonError as err:  # DataError too: it is a LessonError
        return str(err)
    return state


def train(args, run, rank, world, local_rank, threads, backend, log):
    device = run.device
    log(f"world: {world} process(es), backend {backend}, {threads} thread(s) per process, this is rank {rank}")
    # --- data: local rank 0 of each node reads (and if needed downloads) first, the others wait ---
    if local_rank == 0:
        mnist = lk.load_mnist(run.data_dir, "MNIST")
    dist.barrier()
    if local_rank != 0:
        mnist = lk.load_mnist(run.data_dir, "MNIST")
    n_train, n_test = (2048, 512) if args.quick else (None, None)
    # uint8 (N, 28, 28) -> normalised float (N, 1, 28, 28) on the device, as in cnn/04_lenet.py
    x_train, x_test = (((x[:n].float() / 255 - MNIST_MEAN) / MNIST_STD).unsqueeze(1).to(device)
                       for x, n in ((mnist.x_train, n_train), (mnist.x_test, n_test)))
    y_train, y_test = mnist.y_train[:n_train].to(device), mnist.y_test[:n_test].to(device)

    # --- the global batch: --batch-size images per optimizer step, over all ranks and micro-batches ---
    per_rank = args.batch_size // (world * args.accumulate)
    if per_rank * world * args.accumulate != args.batch_size:
        raise lk.LessonError(f"--batch-size {args.batch_size} must split evenly into {world} rank(s) x "
                             f"--accumulate {args.accumulate} micro-batches")
    # DistributedSampler asks the dataset only for its length. Its indices (shuffled with seed + epoch, the
    # same permutation on every rank; rank r takes positions r, r + world, ...) slice the in-memory tensors
    # here; DataLoader(dataset, per_rank, sampler=sampler) would do the same one example at a time.
    sampler = DistributedSampler(TensorDataset(x_train, y_train), num_replicas=world, rank=rank, shuffle=True,
                                 seed=args.seed)
    # Every rank must run the same number of steps (a rank with an extra step would wait forever in its
    # all-reduce): the sampler pads the shards to equal length, and an incomplete last global batch is dropped.
    steps_per_epoch = len(sampler) // (per_rank * args.accumulate)
    if steps_per_epoch == 0:
        raise lk.LessonError(f"--batch-size {args.batch_size} is larger than the {len(x_train)} training images: one "
                             f"epoch must hold at least one global batch; use --batch-size {len(x_train)} or less")
    total_steps = args.epochs * steps_per_epoch
    log(f"global batch {args.batch_size} = {world} rank(s) x {args.accumulate} micro-batch(es) x {per_rank}; "
        f"lr {args.lr} belongs to the global batch (a bigger global batch usually wants a bigger lr); "
        f"{steps_per_epoch} steps per epoch on {len(x_train)} training images")

    model = LeNet5().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=total_steps)
    settings = {"batch_size": args.batch_size, "lr": args.lr, "epochs": args.epochs, "seed": args.seed,
                "accumulate": args.accumulate, "train_examples": len(x_train), "steps": total_steps}

    # --- resume: rank 0 reads the checkpoint and broadcasts it, so other nodes need not see the file ---
    # A file that does not fit is refused on every rank with rank 0's reason (a rank that raised alone
    # would leave the others waiting in the next collective until --timeout).
    checkpoint_path = run.out / "checkpoint.pt"
    box = [read_checkpoint(checkpoint_path, model, settings) if rank == 0 else None]
    dist.broadcast_object_list(box, src=0)
    if isinstance(box[0], str):
        raise lk.LessonError(box[0])
    state, start_step, history = box[0], 0, []
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        start_step, history = state["step"], state["history"]
        log(f"resumed from {checkpoint_path}: step {start_step} of {total_steps} (epoch {state['epoch'] + 1})")
    # DDP copies rank 0's weights to every rank, then hooks the backward pass: gradients are averaged over the
    # ranks in buckets while backward still runs (the all-reduce overlaps the computation). BatchNorm normalises
    # each rank's own per_rank images (nn.SyncBatchNorm shares the statistics, on GPUs only), so with BatchNorm a
    # 2-rank step is close to, not the same as, one step on the whole global batch; without it, it is the same.
    # DDP also copies rank 0's BatchNorm running statistics to the others at every forward (broadcast_buffers).
    ddp = DDP(model, device_ids=[device.index] if device.type == "cuda" else None)

    # The demonstration crash happens once: not in a resumed run, nor in a relaunch by torchrun --max-restarts.
    relaunched = os.environ.get("TORCHELASTIC_RESTART_COUNT", "0") != "0"
    fail_rank, first_attempt = min(1, world - 1), start_step == 0 and not relaunched
    step, t_train = start_step, time.perf_counter()
    for epoch in range(start_step // steps_per_epoch, args.epochs):
        t_epoch = time.perf_counter()
        sampler.set_epoch(epoch)  # a new shuffle each epoch; without it every epoch repeats the first order
        order = torch.tensor(list(sampler))  # this rank's indices for the epoch, (len(sampler),)
        loss_sum, seen = torch.zeros((), device=device), 0
        first = step - epoch * steps_per_epoch  # > 0 only in an epoch resumed from a checkpoint
        steps = range(first, steps_per_epoch)
        for s in lk.progress(steps, desc=f"epoch {epoch + 1}") if rank == 0 else steps:
            if step == args.fail_at_step and rank == fail_rank and first_attempt:
                print(f"rank {rank}: --fail-at-step {step}: exiting without clean-up, as a crash would", flush=True)
                os._exit(1)
            optimizer.zero_grad(set_to_none=True)
            for m in range(args.accumulate):
                start = (s * args.accumulate + m) * per_rank
                index = order[start:start + per_rank].to(device)
                images, labels = x_train[index], y_train[index]  # (per_rank, 1, 28, 28), (per_rank,)
                # no_sync: gradients only accumulate locally; the last micro-batch's backward all-reduces the sum
                with ddp.no_sync() if m < args.accumulate - 1 else contextlib.nullcontext():
                    loss = F.cross_entropy(ddp(images), labels)
                    (loss / args.accumulate).backward()
                loss_sum += loss.detach() * len(labels)
                seen += len(labels)
            optimizer.step()
            scheduler.step()
            step += 1
            if step % 50 == 0:
                lk.check_finite(loss, f"step {step}")
            if step % args.checkpoint_every == 0 and rank == 0:  # one writer, atomically (temp file + rename)
                lk.save_checkpoint({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                                    "scheduler": scheduler.state_dict(), "step": step, "epoch": epoch,
                                    "settings": settings, "history": history}, checkpoint_path)
                log(f"  checkpoint at step {step} (sampler epoch {epoch})")
        # --- metrics of the epoch, summed over the ranks ---
        lk.check_finite(loss_sum, f"epoch {epoch + 1}")
        shard = slice(rank, None, world)  # each rank evaluates every world-th test image
        logits = lk.predict(model, x_test[shard])
        labels = y_test[shard]
        total_loss, total_seen, test_loss, correct, tested = summed(
            [loss_sum, seen, F.cross_entropy(logits, labels, reduction="sum"), (logits.argmax(1) == labels).sum(),
             len(labels)], device)
        history.append({"epoch": epoch + 1, "train_loss": total_loss / max(total_seen, 1),
                        "test_loss": test_loss / tested, "test_accuracy": correct / tested,
                        "seconds": time.perf_counter() - t_epoch})
        partial = f" (steps {first + 1}-{steps_per_epoch} of the epoch, run after the resume)" if first else ""
        log(f"epoch {epoch + 1}/{args.epochs}  train loss {history[-1]['train_loss']:.4f}{partial}  test accuracy "
            f"{100 * correct / tested:.2f}% ({int(tested)} images over {world} rank(s))  "
            f"({history[-1]['seconds']:.1f} s)")
    train_seconds = time.perf_counter() - t_train

    # --- DDP's promise: the copies are identical. Largest difference of any weight across ranks: ---
    weights = torch.cat([p.detach().flatten() for p in model.parameters()])
    high, low = weights.clone(), weights.clone()
    dist.all_reduce(high, op=dist.ReduceOp.MAX)
    dist.all_reduce(low, op=dist.ReduceOp.MIN)
    spread = (high - low).abs().max().item()
    log(f"weights on the {world} rank(s) differ by at most {spread:g} after {step} steps")
    # What one all-reduce of all gradients costs here (DDP hides part of it behind the backward pass).
    grads = torch.zeros_like(weights)
    dist.barrier()
    t = time.perf_counter()
    for _ in range(20):
        dist.all_reduce(grads)
    if device.type == "cuda":
        torch.cuda.synchronize(device)  # nccl queues the work: wait for it before reading the clock
    allreduce_ms = 1e3 * (time.perf_counter() - t) / 20

    if rank == 0:
        lk.save_checkpoint(model.state_dict(), run.out / "lenet_ddp.pt")
        checkpoint_path.unlink(missing_ok=True)  # finished: the same command now starts a new run
        steps_run = max(step - start_step, 1)
        log(f"one all-reduce of the {weights.numel():,} gradients ({4 * weights.numel() / 1024:.0f} KB): "
            f"{allreduce_ms:.2f} ms; a training step took {1e3 * train_seconds / steps_run:.2f} ms")
        report(run, world, threads, settings, history, train_seconds if start_step == 0 else None)
        metrics = {"test_accuracy": history[-1]["test_accuracy"], "test_loss": history[-1]["test_loss"],
                   "train_loss": history[-1]["train_loss"], "world_size": world, "backend": backend,
                   "global_batch": args.batch_size, "steps": step, "resumed_from_step": start_step,
                   "train_seconds": train_seconds, "weight_spread_across_ranks": spread,
                   "allreduce_ms": allreduce_ms, "history": history}
    record = run.finish(metrics) if rank == 0 else {"rank": rank, "weight_spread_across_ranks": spread}
    dist.barrier()  # nobody leaves (and tears down the group) while rank 0 is still writing
    return record


def report(run, world, threads, settings, history, train_seconds):
    """Rank 0: this run beside the last full run of the other world size in runs.json, and the curves."""
    runs_path = run.out / "runs.json"
    runs = json.loads(runs_path.read_text()) if runs_path.is_file() else {}
    runs = {k: v for k, v in runs.items() if v.get("settings") == settings}  # comparable runs only
    if train_seconds is not None:  # a resumed run's time is not comparable
        runs[str(world)] = {"settings": settings, "seconds": train_seconds, "threads": threads,
                            "test_accuracy": history[-1]["test_accuracy"]}
        lk.write_json(runs, runs_path)
    if runs:
        print("processes  threads each  training seconds  test accuracy   (runs.json: last full run per world size)")
    for w, r in sorted(runs.items(), key=lambda kv: int(kv[0])):
        print(f"{w:>9}  {r['threads']:>12}  {r['seconds']:>16.1f}  {100 * r['test_accuracy']:>12.2f}%")
    for w, r in runs.items():
        if w != "1" and "1" in runs:
            speedup, one = runs["1"]["seconds"] / r["seconds"], runs["1"]["threads"]
            if speedup < int(w):
                load, cores = (os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0), os.cpu_count() or 1
                why = (f"that one process already used {one} threads; " if one > 1 else "") + (
                    "each step waits for the gradient all-reduce, and every process repeats the per-step Python "
                    "and dispatch overhead") + (f"; and other programs used the cores too (load average {load:.1f} "
                                                f"on {cores} cores, this run's {w} included)" if load > int(w) + 0.5
                                                else "")
            else:
                why = ("threads of one process wait for each other at every operator, which costs far more than an "
                       "all-reduce when other programs compete for the cores (see `uptime`)" if one > 1 else
                       "with one thread each, that points to a busier machine during the one-process run, or to "
                       "each process's smaller share of the batch fitting the processor's caches better")
            print(f"{w} processes trained {speedup:.2f}x as fast as one process with {one} thread(s), "
                  f"{'not' if speedup < int(w) else 'more than'} {w}x: {why}.")
    if len(runs) < 2:
        print("to compare, run the other command too (python alone, or torchrun --nproc-per-node 2) with the same "
              "flags and --out")
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    epochs = [h["epoch"] for h in history]
    ax_loss.plot(epochs, [h["train_loss"] for h in history], "o-")
    ax_loss.set(xlabel="epoch", ylabel="train loss (all ranks)", title=f"DDP, {world} process(es)")
    ax_acc.plot(epochs, [100 * h["test_accuracy"] for h in history], "s-", color="tab:green")
    ax_acc.set(xlabel="epoch", ylabel="test accuracy (%)", title="Test accuracy (all ranks)")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.set_xticks(epochs)
    lk.save_figure(fig, run.out / "curves.png", show=run.args.show)


def leave_without_interpreter_teardown(code: int) -> None:
    """End a torchrun rank at once, after its output is flushed (its files are already written and closed).

    Why not a normal exit: gloo frees each finished collective (and the tensors it used) on its own worker thread,
    a moment after wait() has returned in Python, and destroy_process_group() does not stop those threads. If the
    interpreter has begun to shut down by then, the worker cannot take the GIL to free the tensors, and the process
    aborts with "terminate called without an active exception" (exit -6, so torchrun calls the job failed) although
    it finished: 4 runs in 12 on a loaded 2-core machine, torch 2.14 (pytorch/pytorch PR 179291 describes the race).
    os._exit skips that teardown: nothing of the rank's work is lost, and the exit status is the rank's own.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    if "WORLD_SIZE" not in os.environ:  # a world of one: an ordinary process, an ordinary exit
        main()
    else:
        try:
            main()
        except SystemExit as stop:  # lk.LessonError (one paragraph), Ctrl-C (128 + signal), argparse (2)
            if isinstance(stop.code, int) or stop.code is None:
                leave_without_interpreter_teardown(stop.code or 0)
            print(stop.code, file=sys.stderr)  # what Python prints for SystemExit("error: ..."): the code, a message
            leave_without_interpreter_teardown(1)
        except BaseException:  # a bug: its traceback, as Python would print it, then exit 1
            traceback.print_exc()
            leave_without_interpreter_teardown(1)
        leave_without_interpreter_teardown(0)
