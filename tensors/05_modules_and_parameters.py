"""tensors/05_modules_and_parameters.py: nn.Module, the container every PyTorch model is built from.

You will write a layer of your own with nn.Parameter, nest modules (a Module inside an
nn.Sequential inside a Module), list what a model holds with named_parameters / named_children /
named_modules / named_buffers, count parameters and check the count by hand, freeze some of them,
re-initialise the weights with nn.init through model.apply, and see what model.train() and
model.eval() change: Dropout zeroes and rescales activations only in training, BatchNorm normalises
with the batch's statistics in training and with its running averages in evaluation.

Notes: 002 nn.Module (BasicNet/Net, nn.Sequential, nn.Parameter, named_parameters/children/modules,
train/eval), BatchNorm (running_mean, running_var, layer.eval()) and Dropout; 001 lecture 5 (a model
is a class with __init__ and forward).
Run:    python tensors/05_modules_and_parameters.py [--hidden 16] [--dropout 0.5]
Prints: the model's parameters, children and modules with shapes; parameter counts; weight
        statistics before and after custom initialisation; Dropout and BatchNorm in train and eval mode.
Saves:  outputs/tensors/05_modules_and_parameters/{metrics.json, init_and_batchnorm.png}
Expect: a second or two; the hand count equals numel(); Dropout output is 0 or x / (1 - p) in train
        mode and x in eval mode; BatchNorm's train output has mean 0 and std 1 per feature.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from torch import nn

import lessonkit as lk


class MyLinear(nn.Module):
    """A fully connected layer written by hand: y = x W^T + b, as nn.Linear computes it.

    Wrapping a tensor in nn.Parameter registers it with the module (it then appears in
    parameters(), moves with .to(device) and is saved in state_dict()) and sets requires_grad=True.
    """

    def __init__(self, d_in: int, d_out: int):
        super().__init__()
        # 002 uses torch.randn here: with many inputs that gives huge outputs; scale by 1/sqrt(d_in)
        self.w = nn.Parameter(torch.randn(d_out, d_in) / d_in ** 0.5)   # (out, in), like nn.Linear
        self.b = nn.Parameter(torch.zeros(d_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.w.T + self.b      # (N, in) @ (in, out) -> (N, out)


class BasicNet(nn.Module):
    """002's building block: one Linear layer wrapped in a Module of its own."""

    def __init__(self):
        super().__init__()  # 002's super(BasicNet, self).__init__() is the Python 2 spelling
        self.net = nn.Linear(4, 3)

    def forward(self, x):
        return self.net(x)


class Net(nn.Module):
    """002's Net: a Module holding a Sequential holding another Module. Input (N, 4), output (N, 2)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(BasicNet(), nn.ReLU(), nn.Linear(3, 2))

    def forward(self, x):
        return self.net(x)


class SmallClassifier(nn.Module):
    """The kind of model later lessons train. Input (N, d_in), output (N, classes) logits.

    It contains layers that behave differently in train and eval mode (BatchNorm, Dropout).
    """

    def __init__(self, d_in: int = 4, hidden: int = 16, classes: int = 3, dropout: float = 0.5):
        super().__init__()
        self.body = nn.Sequential(
            MyLinear(d_in, hidden),        # (N, hidden)
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
        )
        self.head = nn.Linear(hidden, classes)  # no activation: the loss applies softmax

    def forward(self, x):
        return self.head(self.body(x))


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def count_by_hand(d_in: int, hidden: int, classes: int) -> int:
    """Weights + biases of each layer, written out: Linear has in*out + out, BatchNorm 2 per feature."""
    return (d_in * hidden + hidden) + 2 * hidden + (hidden * classes + classes)


def init_weights(module: nn.Module) -> None:
    """Kaiming (He) initialisation for layers followed by ReLU, zero biases; used with model.apply."""
    if isinstance(module, nn.Linear):
        nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
        nn.init.zeros_(module.bias)
    elif isinstance(module, MyLinear):
        nn.init.kaiming_normal_(module.w, nonlinearity="relu")
        nn.init.zeros_(module.b)


def dropout_train_vs_eval(x: torch.Tensor, p: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The same Dropout layer on the same input in both modes: (train output, eval output)."""
    layer = nn.Dropout(p)
    layer.train()
    train_out = layer(x)      # each entry zeroed with probability p, survivors scaled by 1 / (1 - p)
    layer.eval()
    eval_out = layer(x)       # identity: the scaling in training already kept the expected value
    return train_out, eval_out


def batchnorm_train_vs_eval(batches: list[torch.Tensor]) -> dict[str, torch.Tensor]:
    """Feed batches (N, F) to a fresh BatchNorm1d in train mode, then the last batch again in eval mode.

    Train mode normalises with the batch's own mean and BIASED variance (divided by N) and updates the
    running averages: running = (1 - momentum) * running + momentum * batch_stat, momentum 0.1, where the
    variance that goes into running_var is the UNBIASED one (divided by N - 1): eval mode divides by a
    slightly larger variance than the batch's own normalisation used. Eval mode
    normalises with those running averages instead, so one example's output no longer depends on
    the rest of its batch.
    """
    layer = nn.BatchNorm1d(batches[0].shape[1]).to(batches[0].device)
    layer.train()
    history = []
    for x in batches:
        train_out = layer(x)
        history.append(layer.running_mean.clone())
    layer.eval()
    with torch.no_grad():
        eval_out = layer(batches[-1])
    return {"train_out": train_out.detach(), "eval_out": eval_out, "running_mean": layer.running_mean.clone(),
            "running_var": layer.running_var.clone(), "eps": torch.tensor(layer.eps),
            "running_mean_history": torch.stack(history)}


def rounded(t: torch.Tensor) -> list[float]:
    return [round(v, 3) + 0.0 for v in t.tolist()]  # + 0.0 turns -0.0 into 0.0


def plot_init_and_batchnorm(weights: dict[str, torch.Tensor], bn_history: torch.Tensor, true_mean: torch.Tensor,
                            path, show: bool) -> None:
    fig, (ax_w, ax_bn) = plt.subplots(1, 2, figsize=(11, 4))
    for name, w in weights.items():
        ax_w.hist(w.flatten().numpy(), bins=60, histtype="step", density=True,
                  label=f"{name} (std {w.std().item():.3f})")
    ax_w.set(xlabel="weight value", ylabel="density", title="One Linear(256, 256) layer's weights")
    ax_w.legend(fontsize=8, loc="upper right")
    steps = range(1, len(bn_history) + 1)
    for f in range(bn_history.shape[1]):
        line, = ax_bn.plot(steps, bn_history[:, f].numpy(), label=f"feature {f}")
        ax_bn.axhline(true_mean[f].item(), color=line.get_color(), ls="--", lw=0.8)
    ax_bn.set(xlabel="training batches seen", ylabel="running_mean",
              title="BatchNorm's running mean approaches the data mean (dashed)")
    ax_bn.legend(fontsize=8)
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__)
    parser.add_argument("--hidden", type=lk.positive_int, default=16, help="hidden units (default: 16)")
    parser.add_argument("--dropout", type=lk.probability, default=0.5, help="dropout probability (default: 0.5)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)
    bn_steps = 10 if args.quick else 60

    # --- 1. a layer of our own agrees with nn.Linear ---
    mine, ref = MyLinear(4, 3).to(run.device), nn.Linear(4, 3).to(run.device)
    with torch.no_grad():                     # copying weights is not something to differentiate
        ref.weight.copy_(mine.w)
        ref.bias.copy_(mine.b)
    x = torch.randn(5, 4, device=run.device)
    same = torch.allclose(mine(x), ref(x))    # call the module, not .forward(): hooks run in __call__
    print(f"MyLinear(4, 3) and nn.Linear(4, 3) with the same weights agree on a (5, 4) input: {same}")

    # --- 2. what a nested model holds (002's Net) ---
    net = Net().to(run.device)
    print("\nnet = Net(): Sequential(BasicNet(Linear(4, 3)), ReLU, Linear(3, 2))")
    for name, p in net.named_parameters():    # dotted names follow the attribute path
        print(f"  parameter {name:18s} {str(tuple(p.shape)):8s} on {p.device}")
    for name, child in net.named_children():  # direct children only
        print(f"  child     {name}: {type(child).__name__}")
    for name, module in net.named_modules():  # everything, recursively, the model itself as ''
        print(f"  module    {name or '(root)':10s} {type(module).__name__}")
    y = net(torch.randn(2, 4, device=run.device))
    print(f"  net(x): (2, 4) -> {tuple(y.shape)}")

    # --- 3. counting, buffers and freezing ---
    model = SmallClassifier(hidden=args.hidden, dropout=args.dropout).to(run.device)
    n_params, n_hand = count_parameters(model), count_by_hand(4, args.hidden, 3)
    print(f"\nSmallClassifier(4 -> {args.hidden} -> 3):\n{model}")
    print(f"parameters: {n_params} counted by numel(), {n_hand} by hand: (4*{args.hidden} + {args.hidden}) "
          f"+ 2*{args.hidden} + ({args.hidden}*3 + 3)")
    # Buffers are state that is saved and moved with the model but is not trained.
    for name, b in model.named_buffers():
        print(f"  buffer {name:28s} {str(tuple(b.shape)):6s} (not a parameter, but in state_dict)")
    model.body.requires_grad_(False)          # freeze the body, e.g. to fine-tune only the head
    n_trainable = count_parameters(model, trainable_only=True)
    print(f"after model.body.requires_grad_(False): {n_trainable} trainable of {n_params}")
    model.requires_grad_(True)

    # --- 4. custom initialisation with model.apply ---
    before = model.head.weight.std().item()
    model.apply(init_weights)                 # calls init_weights on every submodule, children first
    after = model.head.weight.std().item()
    print(f"\nhead weight std: {before:.3f} (PyTorch default, uniform ±1/sqrt(fan_in)) -> {after:.3f} after "
          f"kaiming_normal_ (sqrt(2/{args.hidden}) = {(2 / args.hidden) ** 0.5:.3f})")
    big = {"default": nn.Linear(256, 256).weight.detach()}
    for name, fn in [("kaiming_normal_", nn.init.kaiming_normal_), ("xavier_normal_", nn.init.xavier_normal_)]:
        layer = nn.Linear(256, 256)
        fn(layer.weight)
        big[name] = layer.weight.detach()

    # --- 5. train() vs eval() ---
    print(f"\nmodel.training = {model.training}; after model.eval(): "
          f"{model.eval().training}, and every child follows: "
          f"{all(not m.training for m in model.modules())}")
    model.train()
    ones = torch.ones(2, 8, device=run.device)
    drop_train, drop_eval = dropout_train_vs_eval(ones, args.dropout)
    print(f"Dropout(p={args.dropout}) on ones (2, 8):\n  train: {drop_train.tolist()}\n  eval:  {drop_eval.tolist()}")
    big_train, _ = dropout_train_vs_eval(torch.ones(100_000, device=run.device), args.dropout)
    zero_fraction = (big_train == 0).float().mean().item()
    print(f"  on 100,000 ones in train mode: {zero_fraction:.3f} zeroed, mean {big_train.mean().item():.3f} "
          f"(the 1 / (1 - p) scaling keeps the mean at 1)")

    g = torch.Generator().manual_seed(args.seed)
    true_mean, true_std = torch.tensor([2.0, -1.0, 0.5]), torch.tensor([1.0, 3.0, 0.5])
    bn_batches = [(torch.randn(32, 3, generator=g) * true_std + true_mean).to(run.device)  # (32, 3)
                  for _ in range(bn_steps)]
    bn = batchnorm_train_vs_eval(bn_batches)
    train_out, eval_out = bn["train_out"], bn["eval_out"]
    print(f"\nBatchNorm1d(3) after {bn_steps} training batches of (32, 3), data mean {true_mean.tolist()}:")
    print(f"  running_mean {rounded(bn['running_mean'])}, running_var {rounded(bn['running_var'])} "
          f"(data variance {rounded(true_std ** 2)})")
    print(f"  train mode output: per-feature mean {rounded(train_out.mean(0))}, "
          f"std {rounded(train_out.std(0, correction=0))} (the batch's own statistics)")
    print(f"  eval mode output on the same batch: mean {rounded(eval_out.mean(0))}, "
          f"std {rounded(eval_out.std(0, correction=0))} (running statistics)")
    plot_init_and_batchnorm(big, bn["running_mean_history"].cpu(), true_mean,
                            run.out / "init_and_batchnorm.png", args.show)

    return run.finish({
        "mylinear_matches_nn_linear": int(same),
        "parameters": n_params,
        "parameters_by_hand": n_hand,
        "trainable_after_freezing_body": n_trainable,
        "head_weight_std_default": before,
        "head_weight_std_kaiming": after,
        "dropout_zero_fraction": zero_fraction,
        "batchnorm_running_mean": bn["running_mean"].tolist(),
        "batchnorm_eval_vs_train_max_diff": (eval_out - train_out).abs().max().item(),
    })


if __name__ == "__main__":
    main()
