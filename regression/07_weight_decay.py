"""regression/07_weight_decay.py: weight decay, L2 and L1 penalties against overfitting (权重衰减).

With 200 input features and only 20 training examples, a linear model can fit the training set
perfectly and still be wrong everywhere else. A penalty on the size of the weights pulls it back:
    L2 (ridge):  loss + lambda/2 * ||w||^2    whose gradient adds lambda * w: each step shrinks w by
                 a fixed fraction, hence the name "weight decay";
    L1 (lasso):  loss + lambda * sum |w|      whose gradient adds lambda * sign(w): the same push
                 whatever the size of w, so small weights are driven to zero (sparse weights).
You will write the L2 penalty by hand, check that torch.optim.SGD's weight_decay gives the same
weights up to rounding (applied to w only, not to the bias), add an L1 penalty, and sweep lambda to
see the weight norm shrink and the test loss fall (for L1 in the loss, rise again once lambda is too
large). One catch with L1: its gradient never gets smaller near 0, so plain SGD makes small weights
hop across 0 by lr * lambda at every step; the proximal step (soft-thresholding, 软阈值) takes the
data step and then shrinks each weight towards 0 by lr * lambda, stopping at exactly 0. Both versions
are in the sweep.

Notes: 000 D2L 3.12 (weight decay: 200 inputs, 20 training and 100 test examples, y = 0.05 + sum of
0.01 * x_i + noise; "high-dimensional linear regression"; lambda 0 overfits, lambda 3 does not). The
book trains with batch size 1 and lr 0.003 for 100 epochs (2000 steps); batches of 5 and lr 0.01 take
400. Here the data loss is the mean squared error without D2L's 1/2, so lambdas are not the book's.
Run:    python regression/07_weight_decay.py [--epochs 100] [--lambdas 0 0.1 0.3 1 3 10] [--batch-size 1]
Prints: the hand-written vs weight_decay check, then for each penalty and lambda the norm ||w||, the
train and test MSE and how many of the 200 weights are (almost) zero.
Saves:  outputs/regression/07_weight_decay/{metrics.json, lambda_sweep.png, curves.png}
Expect: with seed 0, lambda 0: train MSE 0 and test MSE over 200 (||w|| 14, the true one is 0.14); L2 with
lambda 3 and 10: test MSE 0.037 and 0.018 (each seed draws other data: over seeds 0-4 lambda 0 tests at 140-232,
L2 lambda 3 at 0.018-0.11, lambda 10 at 0.016-0.026). For scale: all weights 0 (the bias alone) scores 0.02, the true
weights 1e-4; 20 examples are too few to find 200 weights, and the penalty's job is to stop the damage.
Hand-written L2 and weight_decay agree to within 1e-8. L1 in the loss gets worse as lambda grows past 1
(the hopping); proximal L1 sets every weight to exactly 0 from lambda 1 on. About 5 seconds on a CPU.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from torch import nn

import lessonkit as lk

N_TRAIN, N_TEST, N_INPUTS = 20, 100, 200
TRUE_B = 0.05
TRUE_W_VALUE = 0.01
NOISE_STD = 0.01


def make_data(generator: torch.Generator):
    """x (120, 200) ~ N(0, 1); y (120, 1) = x @ w + b + noise with every w_i = 0.01; 20 train, 100 test."""
    x = torch.randn(N_TRAIN + N_TEST, N_INPUTS, generator=generator)
    true_w = torch.full((N_INPUTS, 1), TRUE_W_VALUE)
    y = x @ true_w + TRUE_B + NOISE_STD * torch.randn(N_TRAIN + N_TEST, 1, generator=generator)
    return x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:], y[N_TRAIN:]


def l2_penalty(w: torch.Tensor) -> torch.Tensor:
    return (w ** 2).sum() / 2          # the 1/2 makes its gradient exactly w


def l1_penalty(w: torch.Tensor) -> torch.Tensor:
    return w.abs().sum()


def train(x_train, y_train, x_test, y_test, *, lambd: float, penalty: str, epochs: int, lr: float,
          batch_size: int, seed: int, device: torch.device) -> tuple[nn.Linear, list[dict]]:
    """Linear regression by SGD with a penalty on w (never on b: the bias does not make the model wiggly).

    penalty: "none", "l2" (written into the loss), "weight_decay" (the same, done by the optimizer),
    "l1" (written into the loss) or "l1_prox" (a proximal step after each update).
    The seed fixes both the initial weights and the batch order, so runs differ only in the penalty.
    """
    torch.manual_seed(seed)
    model = nn.Linear(x_train.shape[1], 1).to(device)
    nn.init.normal_(model.weight, std=1.0)      # D2L starts from N(0, 1) weights and zero bias
    nn.init.zeros_(model.bias)
    decay = lambd if penalty == "weight_decay" else 0.0
    # Two parameter groups: weight decay on the weights only, as the hand-written penalties do.
    optimizer = torch.optim.SGD([{"params": [model.weight], "weight_decay": decay},
                                 {"params": [model.bias], "weight_decay": 0.0}], lr=lr)
    x_train, y_train, x_test, y_test = (t.to(device) for t in (x_train, y_train, x_test, y_test))
    generator = torch.Generator().manual_seed(seed)
    history = []
    for epoch in range(1, epochs + 1):
        loss_sum = torch.zeros((), device=device)   # looked at once per epoch, not per batch (a GPU would wait)
        for xb, yb in lk.batches(x_train, y_train, batch_size, shuffle=True, generator=generator):
            loss = nn.functional.mse_loss(model(xb), yb)
            if penalty == "l2":
                loss = loss + lambd * l2_penalty(model.weight)
            elif penalty == "l1":
                loss = loss + lambd * l1_penalty(model.weight)
            loss_sum += loss.detach()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if penalty == "l1_prox":
                with torch.no_grad():   # soft-thresholding: shrink |w| by lr * lambda, stop at 0
                    w = model.weight
                    w.copy_(torch.sign(w) * torch.clamp(w.abs() - lr * lambd, min=0.0))
        lk.check_finite(loss_sum, f"lambda {lambd}, epoch {epoch}")
        history.append({"epoch": epoch,
                        "train": nn.functional.mse_loss(lk.predict(model, x_train), y_train).item(),
                        "test": nn.functional.mse_loss(lk.predict(model, x_test), y_test).item(),
                        "w_norm": model.weight.detach().norm().item()})
    return model, history


def plot_sweep(sweep: dict[str, list[dict]], path, show: bool) -> None:
    fig, (ax_norm, ax_test) = plt.subplots(1, 2, figsize=(11, 4))
    for name, rows in sweep.items():
        # lambda = 0 cannot sit on a log axis: draw it at a tenth of the smallest positive lambda
        positive = [r["lambda"] for r in rows if r["lambda"] > 0]
        at_zero = min(positive) / 10 if positive else 1e-3
        xs = [r["lambda"] if r["lambda"] > 0 else at_zero for r in rows]
        ax_norm.plot(xs, [r["w_norm"] for r in rows], "o-", label=name)
        ax_test.plot(xs, [r["test"] for r in rows], "o-", label=name)
    true_norm = TRUE_W_VALUE * N_INPUTS ** 0.5
    ax_norm.axhline(true_norm, color="tab:gray", linestyle=":", label=f"true ||w|| = {true_norm:.2f}")
    ax_norm.set(xscale="log", xlabel="lambda (leftmost point: 0)", ylabel="||w|| (log scale above 0.01)",
                title="Size of the learned weights")
    ax_norm.set_yscale("symlog", linthresh=1e-2)   # symlog: the proximal L1's ||w|| = 0 stays on the plot
    ax_norm.set_ylim(bottom=0)
    zero_w = TRUE_W_VALUE ** 2 * N_INPUTS + NOISE_STD ** 2   # expected test MSE of w = 0 with the true bias
    ax_test.axhline(zero_w, color="tab:gray", linestyle=":", label=f"w = 0, bias only ({zero_w:.2f})")
    ax_test.set(xscale="log", yscale="log", xlabel="lambda (leftmost point: 0)", ylabel="test MSE",
                title="Test error")
    for ax in (ax_norm, ax_test):
        ax.grid(alpha=0.3, which="both")
        ax.legend()
    lk.save_figure(fig, path, show=show)


def plot_curves(curves: dict[str, list[dict]], path, show: bool) -> None:
    fig, axes = plt.subplots(1, len(curves), figsize=(5 * len(curves), 4), sharey=True, squeeze=False)
    for ax, (name, history) in zip(axes[0], curves.items()):
        epochs = [h["epoch"] for h in history]
        ax.plot(epochs, [h["train"] for h in history], label="train")
        ax.plot(epochs, [h["test"] for h in history], label="test")
        ax.set(yscale="log", xlabel="epoch", title=name)
        ax.grid(alpha=0.3)
        ax.legend()
    axes[0, 0].set_ylabel("MSE (log scale)")
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=100, batch_size=5, lr=0.01)
    parser.add_argument("--lambdas", type=float, nargs="+", default=[0, 0.1, 0.3, 1, 3, 10],
                        help="penalty strengths to sweep (default: 0 0.1 0.3 1 3 10)")
    parser.add_argument("--lambd", type=float, default=3.0,
                        help="the lambda of the hand-written vs weight_decay check and the curves (default: 3)")
    args = parser.parse_args(argv)
    if any(v < 0 for v in args.lambdas) or args.lambd < 0:
        parser.error("penalty strengths must be zero or more")
    run = lk.start_run(__file__, args)
    if args.quick:
        args.epochs = min(args.epochs, 5)
        args.lambdas = args.lambdas[:3]
    x_train, y_train, x_test, y_test = make_data(torch.Generator().manual_seed(args.seed))
    print(f"data: {N_TRAIN} training and {N_TEST} test examples with {N_INPUTS} features each; "
          f"every true weight is {TRUE_W_VALUE}, bias {TRUE_B}")
    common = dict(epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, seed=args.seed, device=run.device)

    # 1. the hand-written L2 penalty and the optimizer's weight_decay are the same update
    by_hand, hand_history = train(x_train, y_train, x_test, y_test, lambd=args.lambd, penalty="l2", **common)
    by_optimizer, _ = train(x_train, y_train, x_test, y_test, lambd=args.lambd, penalty="weight_decay", **common)
    gap = (by_hand.weight - by_optimizer.weight).abs().max().item()
    print(f"lambda {args.lambd}: largest difference between hand-written L2 and SGD(weight_decay) weights: {gap:.2e}")

    # 2. sweep lambda for L2 and both kinds of L1 (lambda 0 is the same run for all: trained once)
    sweep = {"L2": [], "L1 in the loss": [], "L1 proximal": []}
    penalties = {"L2": "l2", "L1 in the loss": "l1", "L1 proximal": "l1_prox"}
    curves, unpenalised = {}, None
    print(f"\n{'penalty':>15} {'lambda':>7} {'||w||':>9} {'train MSE':>10} {'test MSE':>10} {'|w|<1e-3':>9}")
    for name, penalty in penalties.items():
        for lambd in args.lambdas:
            if lambd == 0 and unpenalised is not None:
                model, history = unpenalised
            else:
                model, history = train(x_train, y_train, x_test, y_test, lambd=lambd,
                                       penalty=penalty if lambd > 0 else "none", **common)
                if lambd == 0:
                    unpenalised = model, history
                    curves["no penalty (lambda 0)"] = history
            small, zero = int((model.weight.abs() < 1e-3).sum()), int((model.weight == 0).sum())
            sweep[name].append({"lambda": lambd, **{k: history[-1][k] for k in ("train", "test", "w_norm")},
                                "small_weights": small, "zero_weights": zero})
            print(f"{name:>15} {lambd:>7g} {history[-1]['w_norm']:>9.4f} {history[-1]['train']:>10.5f} "
                  f"{history[-1]['test']:>10.5f} {small:>9d}")
    curves[f"L2, lambda {args.lambd:g}"] = hand_history

    plot_sweep(sweep, run.out / "lambda_sweep.png", args.show)
    plot_curves(curves, run.out / "curves.png", args.show)
    best = min(sweep["L2"], key=lambda r: r["test"])
    return run.finish({
        "hand_vs_weight_decay_max_diff": gap,
        "l2_best_lambda": best["lambda"],
        "l2_best_test_mse": best["test"],
        "sweep": sweep,
        "epochs": args.epochs,
    })


if __name__ == "__main__":
    main()
