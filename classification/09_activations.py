"""classification/09_activations.py: activation functions (激活函数), their gradients, and why depth needs care.

You will meet nine activations side by side (ReLU, LeakyReLU, PReLU, ELU, Softplus, Swish/SiLU, GELU,
sigmoid, tanh), each drawn with its derivative computed by autograd, not by hand, and a table that
reads off which of them saturate (饱和: the derivative goes to 0 far out on one side or both). Then
the same small network is trained with each one on two interleaved spirals. Then a 20-layer stack
shows vanishing and exploding gradients (梯度消失/梯度爆炸): the spread of the activations going
forward and of the gradients coming back, layer by layer, under different initialisations (Xavier
for tanh and sigmoid, Kaiming for ReLU, 模型初始化). Last, the derivative of softmax, a function of a
vector, is a matrix (a Jacobian) that autograd builds row by row and that equals diag(s) - s s^T.

Notes: 004 (the activation list with saturation: logistic and tanh saturate on both sides, PReLU with
slope 0 is ReLU, Softplus' derivative is the logistic function); 002 (sigmoid' = s(1 - s), tanh,
ReLU, LeakyReLU; softmax's derivative with torch.autograd.grad); 000 D2L 3.8 (activations) and 3.15
(numerical stability and initialisation).
Run:    python classification/09_activations.py [--epochs 300] [--depth 20]
Prints: the saturation table and the notes' identities checked; final loss and test accuracy of each
        activation; the per-layer spread forward and backward for six stacks; the softmax Jacobian.
Saves:  outputs/classification/09_activations/{metrics.json, activations.png, spirals_training.png,
        deep_stack.png}
Expect: a few seconds on a CPU. Sigmoid and tanh saturate on both sides; ReLU, ELU, Softplus, SiLU and GELU on
the left; LeakyReLU and PReLU nowhere. On the spirals in 300 steps (seeds 0-4, AVX2 and no-SIMD code paths)
every activation but sigmoid ends at test accuracy 0.87-1.0, mostly 0.97-0.99 (tanh fell to 0.88 on the
no-SIMD path at seed 0, LeakyReLU to 0.87 at seed 2: 300 steps is short, and a run can still be on its way);
sigmoid ends at 0.61-0.86, in every run at least 0.1 below the others' median. In 20 layers (seeds 0-4): ReLU
with Kaiming keeps the backward spread within a factor of 1.3 and the forward one within 2.3 (0.83 at layer 1,
0.37-1.06 at layer 20 by seed: each layer multiplies it by a random factor near 1); ReLU with PyTorch's
default init shrinks the forward spread to about 1e-8 and with N(0, 1) weights grows it to about 1e21; tanh
with Xavier holds 0.65 forward while its default init fades to about 1e-5; sigmoid with Xavier keeps its
forward spread (0.21 -> 0.11-0.12) but the gradient reaching layer 1 is about 1e-12 of that at layer 20. The
softmax Jacobian matches diag(s) - s s^T to within 1e-7.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import torch
from torch import nn

import lessonkit as lk

# LeakyReLU's slope 0.1 (PyTorch's default is 0.01) so that the slope shows on the plot; PReLU learns its
# slope, starting at 0.25.
ACTIVATIONS = {
    "ReLU": nn.ReLU, "LeakyReLU": lambda: nn.LeakyReLU(0.1), "PReLU": nn.PReLU, "ELU": nn.ELU,
    "Softplus": nn.Softplus, "SiLU": nn.SiLU, "GELU": nn.GELU, "Sigmoid": nn.Sigmoid, "Tanh": nn.Tanh,
}
FAR = 20.0  # "far out": a derivative below 1e-3 at -20 or +20 counts as saturated on that side


def derivative(fn, x: torch.Tensor) -> torch.Tensor:
    """f'(x) for an elementwise f, by autograd: each y_i depends on x_i alone, so the gradient of
    sum(y) with respect to x is the vector of the f'(x_i)."""
    x = x.detach().requires_grad_()
    (grad,) = torch.autograd.grad(fn(x).sum(), x)
    return grad


def saturation(fn) -> dict:
    """Where the derivative dies: f'(-FAR), f'(+FAR) and the largest |f'| on [-6, 6]."""
    left, right = derivative(fn, torch.tensor([-FAR, FAR])).tolist()
    peak = derivative(fn, torch.linspace(-6, 6, 1201)).abs().max().item()
    return {"left": left, "right": right, "max_slope": peak,
            "saturates_left": abs(left) < 1e-3, "saturates_right": abs(right) < 1e-3}


def two_spirals(n: int, generator: torch.Generator, noise: float = 0.2):
    """n points on two interleaved spirals (x (n, 2), y (n,) in {0, 1}): no straight line separates them."""
    turn = 0.5 + 3.5 * math.pi * torch.rand(n, generator=generator)        # how far along the spiral
    y = torch.arange(n) % 2
    angle = turn + math.pi * y                                               # class 1 is class 0 turned by 180 degrees
    radius = 4 * turn / (3.5 * math.pi)
    x = torch.stack([radius * angle.cos(), radius * angle.sin()], dim=1)
    return x + noise * torch.randn(n, 2, generator=generator), y


def spiral_net(make_act, width: int = 32) -> nn.Sequential:
    """2 -> 32 -> 32 -> 32 -> 2, the same layout whatever the activation."""
    return nn.Sequential(nn.Linear(2, width), make_act(), nn.Linear(width, width), make_act(),
                         nn.Linear(width, width), make_act(), nn.Linear(width, 2))


def compare_on_spirals(steps: int, lr: float, seed: int, device) -> dict:
    """Train one network per activation from the same seed, full batch with Adam; losses and test accuracy."""
    generator = torch.Generator().manual_seed(seed)
    x_train, y_train = (t.to(device) for t in two_spirals(500, generator))
    x_test, y_test = (t.to(device) for t in two_spirals(500, generator))
    results = {}
    for name, make_act in lk.progress(ACTIVATIONS.items(), desc="activations", total=len(ACTIVATIONS)):
        torch.manual_seed(seed)                          # the same initial weights for each activation
        model = spiral_net(make_act).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        losses = torch.zeros(steps, device=device)
        for step in range(steps):
            loss = nn.functional.cross_entropy(model(x_train), y_train)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses[step] = loss.detach()
        lk.check_finite(losses.sum(), name)
        results[name] = {"losses": losses.cpu(), "test_accuracy": lk.accuracy(lk.predict(model, x_test), y_test)}
    return results


# The deep stack: (activation, weight initialisation) pairs. PyTorch's default for nn.Linear draws
# U(-1/sqrt(n), 1/sqrt(n)), variance 1/(3n): fine for shallow nets, a sixth of the 2/n a deep ReLU stack needs.
STACKS = {
    "sigmoid, Xavier": ("sigmoid", "xavier"), "tanh, default": ("tanh", "default"),
    "tanh, Xavier": ("tanh", "xavier"), "ReLU, N(0, 1)": ("relu", "normal"),
    "ReLU, default": ("relu", "default"), "ReLU, Kaiming": ("relu", "kaiming"),
}


def init_weight(weight: torch.Tensor, act: str, init: str, generator: torch.Generator) -> None:
    if init == "normal":
        weight.normal_(0, 1, generator=generator)   # variance 1, not ~1/n: ReLU's spread x sqrt(n/2) a layer
    elif init == "default":
        nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)   # what nn.Linear does
    elif init == "xavier":   # variance gain^2 * 2 / (n_in + n_out); tanh's gain is 5/3, sigmoid's 1
        nn.init.xavier_normal_(weight, gain=nn.init.calculate_gain(act), generator=generator)
    else:                    # Kaiming: variance 2 / n, since ReLU zeroes half of its inputs
        nn.init.kaiming_normal_(weight, nonlinearity="relu", generator=generator)


def stack_spread(act: str, init: str, depth: int, device, width: int = 256, batch: int = 512, seed: int = 0):
    """Std of each layer's output h_l going forward, and of dLoss/dh_l coming back, for depth layers
    h_l = act(W_l h_(l-1)) (no bias). The loss is sum(h_depth * r) with r ~ N(0, 1): a gradient of
    spread 1 arriving at the top, whose fate on the way down is what we watch."""
    generator = torch.Generator().manual_seed(seed)
    weights = []
    for _ in range(depth):
        w = torch.empty(width, width)
        init_weight(w, act, init, generator)
        weights.append(w.to(device).requires_grad_())
    fn = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[act]
    h = torch.randn(batch, width, generator=generator).to(device)            # inputs of spread 1
    outputs = []
    for w in weights:
        h = fn(h @ w.T)                                                       # (batch, width)
        h.retain_grad()                                                       # keep dLoss/dh_l for us
        outputs.append(h)
    (h * torch.randn(batch, width, generator=generator).to(device)).sum().backward()
    forward = torch.stack([o.detach().std() for o in outputs]).cpu()
    backward = torch.stack([o.grad.std() for o in outputs]).cpu()
    return forward, backward


def softmax_jacobian(a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """J[i, j] = d s_i / d a_j for s = softmax(a), row by row with torch.autograd.grad as in note 002,
    and the formula diag(s) - s s^T (d s_i/d a_j = s_i (1 - s_i) if i = j, else -s_i s_j)."""
    a = a.detach().requires_grad_()
    s = torch.softmax(a, dim=0)
    rows = [torch.autograd.grad(s[i], a, retain_graph=True)[0] for i in range(len(s))]  # keep the graph
    s = s.detach()
    return torch.stack(rows), torch.diag(s) - torch.outer(s, s)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=300, lr=0.01)
    parser.add_argument("--depth", type=lk.positive_int, default=20, help="layers in the deep stack (default: 20)")
    args = parser.parse_args(argv)
    if args.depth > 30:  # the N(0, 1) ReLU stack grows about 11x a layer: past ~35 layers float32 overflows
        parser.error("--depth must be at most 30")
    run = lk.start_run(__file__, args)
    if args.quick:
        args.epochs = min(args.epochs, 30)

    # --- 1. the functions and their derivatives (CPU: a few hundred numbers) ---
    x = torch.linspace(-6, 6, 601)
    fig, axes = plt.subplots(3, 3, figsize=(12, 10))
    table = {}
    print(f"{'activation':>10}  f'(-20)   f'(+20)   max|f'|  saturates")
    for ax, (name, make_act) in zip(axes.flat, ACTIVATIONS.items()):
        fn = make_act()
        with torch.no_grad():
            ax.plot(x.numpy(), fn(x).numpy(), label="f(x)")
        ax.plot(x.numpy(), derivative(fn, x).numpy(), "--", label="f'(x) by autograd")
        ax.set(title=name, ylim=(-1.5, 3))
        ax.grid(alpha=0.3)
        table[name] = info = saturation(fn)   # ReLU: f' is exactly 0 for every x < 0, the far left included
        sides = [s for s in ("left", "right") if info[f"saturates_{s}"]]
        print(f"{name:>10}  {info['left']:8.2g}  {info['right']:8.2g}  {info['max_slope']:7.3f}  "
              f"{' and '.join(sides) or 'no'}")
    axes.flat[0].legend()
    lk.save_figure(fig, run.out / "activations.png", show=args.show)

    s, t = torch.sigmoid(x), torch.tanh(x)
    checks = {   # the notes' statements, each as a largest difference over x in [-6, 6]
        "Softplus' = logistic (004)": (derivative(nn.Softplus(), x) - s).abs().max().item(),
        "PReLU with slope 0 = ReLU (004)": (nn.PReLU(init=0.0)(x) - torch.relu(x)).abs().max().item(),
        "sigmoid' = s (1 - s) (002)": (derivative(torch.sigmoid, x) - s * (1 - s)).abs().max().item(),
        "tanh' = 1 - tanh^2": (derivative(torch.tanh, x) - (1 - t**2)).abs().max().item(),
        "SiLU(x) = x sigmoid(x)": (nn.SiLU()(x) - x * s).abs().max().item(),
    }
    for claim, gap in checks.items():
        print(f"check: {claim:34s} largest difference {gap:.1e}")

    # --- 2. the same network, trained with each activation ---
    # Sigmoid's slope is at most 1/4 (the table), so each of its three layers shrinks the gradient on the way
    # back; tanh is the same S-shape stretched to slope 1 and centred at 0.
    results = compare_on_spirals(args.epochs, args.lr, args.seed, run.device)
    print(f"\ntwo spirals, {args.epochs} full-batch Adam steps, same initial weights:")
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, r in results.items():
        print(f"{name:>10}  final loss {r['losses'][-1].item():.4f}  test accuracy {r['test_accuracy']:.3f}")
        ax.plot(r["losses"].numpy(), label=name, linewidth=2.5 if name == "Sigmoid" else 1.2)
    ax.set(xlabel="step", ylabel="cross-entropy (training)", yscale="log", title="Two spirals, one net per activation")
    ax.grid(alpha=0.3)
    ax.legend(ncol=3, fontsize=8, loc="lower left")
    lk.save_figure(fig, run.out / "spirals_training.png", show=args.show)

    # --- 3. a deep stack: does the spread survive 20 layers, forward and backward? ---
    spreads = {name: stack_spread(act, init, args.depth, run.device, seed=args.seed)
               for name, (act, init) in STACKS.items()}
    print(f"\nstd of each layer's output (forward) and of the gradient reaching it (backward), {args.depth} layers:")
    print("layer " + "".join(f"{name:>18}" for name in spreads))
    print("      " + "     forward  back" * len(spreads))
    for layer in range(args.depth):
        print(f"{layer + 1:5d} " + "".join(f"{f[layer]:9.2g}{b[layer]:9.2g}" for f, b in spreads.values()))
    fig, (ax_f, ax_b) = plt.subplots(1, 2, figsize=(12, 4.5))
    layers = range(1, args.depth + 1)
    for name, (forward, backward) in spreads.items():
        ax_f.plot(layers, forward.numpy(), "o-", markersize=3, label=name)
        ax_b.plot(layers, backward.numpy(), "o-", markersize=3, label=name)
    ax_f.set(xlabel="layer", ylabel="std of the layer's output", yscale="log", title="Forward: activations")
    ax_b.set(xlabel="layer", ylabel="std of dLoss/d output", yscale="log", title="Backward: gradients")
    for ax in (ax_f, ax_b):
        ax.grid(alpha=0.3)
    ax_b.legend(fontsize=8)
    lk.save_figure(fig, run.out / "deep_stack.png", show=args.show)

    # --- 4. softmax's derivative is a matrix ---
    a = torch.randn(4, generator=torch.Generator().manual_seed(args.seed))
    by_autograd, by_formula = softmax_jacobian(a)
    jacobian_error = (by_autograd - by_formula).abs().max().item()
    print(f"\nsoftmax Jacobian at a = {[round(v, 3) for v in a.tolist()]} by torch.autograd.grad:\n{by_autograd}")
    print(f"largest difference from diag(s) - s s^T: {jacobian_error:.1e}; the rows sum to 0 (largest "
          f"|sum| {by_autograd.sum(dim=1).abs().max().item():.0e}): the probabilities always add up to 1")

    return run.finish({
        "saturation": table,
        "identity_checks": checks,
        "spirals": {n: {"final_loss": r["losses"][-1].item(), "test_accuracy": r["test_accuracy"]}
                    for n, r in results.items()},
        "stack_forward_std": {n: f.tolist() for n, (f, _) in spreads.items()},
        "stack_backward_std": {n: b.tolist() for n, (_, b) in spreads.items()},
        "softmax_jacobian_error": jacobian_error,
        "sigmoid_spirals_accuracy": results["Sigmoid"]["test_accuracy"],
        "others_worst_spirals_accuracy": min(r["test_accuracy"] for n, r in results.items() if n != "Sigmoid"),
        "epochs": args.epochs,
        "depth": args.depth,
    })


if __name__ == "__main__":
    main()
