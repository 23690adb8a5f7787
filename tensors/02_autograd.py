"""tensors/02_autograd.py: automatic differentiation (自动求导), how PyTorch computes gradients for you.

You will mark tensors with requires_grad, build a computation graph (计算图) just by computing, call
backward() and read .grad; see that gradients accumulate (累加) until you zero them; switch tracking
off with torch.no_grad() and torch.inference_mode(); cut a tensor out of the graph with detach();
and differentiate a non-scalar output with backward(gradient=...) and torch.autograd.grad. The
worked example is 003's x + 2, y * y, mean graph, checked against the derivative done by hand, and a
plot compares autograd's derivative of a curve with the analytic one.

Notes: 003 chapter 2 (动态计算图: data, grad, grad_fn; only leaves get .grad); 001 lecture 4
(Tensor.grad, zeroing gradients after each step); 002 梯度 and LOSS及其梯度 (torch.autograd.grad).
Run:    python tensors/02_autograd.py [--points 200]
Prints: each demonstration with its tensors and gradients; the worked example's gradient (4.5 in
        every entry) next to the formula; the largest autograd-vs-analytic difference.
Saves:  outputs/tensors/02_autograd/{metrics.json, derivative.png}
Expect: a second or two; every check prints True; autograd's derivative differs from the one by
        hand by rounding error only (1e-15 or exactly 0), a finite difference by about 5e-8.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch

import lessonkit as lk


def tutorial_example() -> dict[str, torch.Tensor]:
    """003's graph with the PyTorch tutorial's factor 3: out = mean(3 (x + 2)^2) over a 2x2 x of ones.

    By hand: out = 1/4 * sum_i 3 (x_i + 2)^2, so d out / d x_i = 3 (x_i + 2) / 2 = 4.5 at x_i = 1.
    (003 writes z = y * y without the 3; its gradient is 2 (x + 2) / 4 = 1.5.)
    """
    x = torch.ones(2, 2, requires_grad=True)   # a leaf (叶节点): created by us, not by an operation
    y = x + 2                                  # (2, 2), y.grad_fn = AddBackward0
    y.retain_grad()                            # non-leaf tensors keep no .grad unless asked
    z = y * y * 3                              # (2, 2)
    out = z.mean()                             # () a scalar, so backward() needs no argument
    out.backward()
    # 003 reads z.grad and y.grad after backward: for non-leaf tensors those are None (with a warning);
    # retain_grad() above is how to keep one.
    return {"x": x, "y": y, "z": z, "out": out, "x_grad": x.grad, "y_grad": y.grad,
            "formula": 3 * (x.detach() + 2) / 2}


def note_003_example() -> torch.Tensor:
    """The same graph exactly as 003 writes it (z = y * y, no factor 3): the gradient is 1.5."""
    x = torch.ones(2, 2, requires_grad=True)
    torch.mean((x + 2) * (x + 2)).backward()
    return x.grad


def accumulation() -> list[float]:
    """backward() adds into .grad; it does not overwrite. Returns w.grad after each call."""
    # fix: note 002 writes w = torch.full([1], 2), an int64 tensor (the fill value 2 is an int), and then
    # w.requires_grad_(), which fails: only floating-point tensors can require gradients. 2.0 is a float.
    w = torch.tensor(2.0, requires_grad=True)
    seen = []
    for _ in range(3):
        loss = 3 * w * w          # d loss / d w = 6 w = 12; a new graph each time
        loss.backward()
        seen.append(w.grad.item())  # 12, 24, 36: the gradients pile up
    # Zero it before the next step. 001's `w.grad.data.zero()` uses the old .data and lacks the
    # trailing underscore of the in-place method; today: w.grad.zero_(), or set it to None,
    # which is what optimizer.zero_grad() does by default.
    w.grad = None
    (3 * w * w).backward()
    seen.append(w.grad.item())
    return seen


def gradient_descent_step_without_tracking() -> float:
    """Update a parameter in place under torch.no_grad(), the current way (no .data)."""
    w = torch.tensor(5.0, requires_grad=True)
    loss = (w - 3) ** 2
    loss.backward()                           # d loss / d w = 2 (w - 3) = 4
    with torch.no_grad():                     # the update itself must not become part of the graph
        w -= 0.25 * w.grad                    # 5 - 0.25 * 4 = 4
    w.grad.zero_()
    return w.item()


def detach_demo() -> tuple[torch.Tensor, torch.Tensor]:
    """f = x * x.detach(): the detached copy counts as a constant, so df/dx = x instead of 2x."""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x_const = x.detach()                      # shares memory with x, but requires_grad=False
    (x * x_const).sum().backward()
    stopped = x.grad.clone()
    x.grad = None
    (x * x).sum().backward()
    return stopped, x.grad                    # x vs 2x


def non_scalar_output() -> dict[str, torch.Tensor]:
    """y = x ** 2 is a vector: backward() needs a vector v and returns v^T J (vector-Jacobian product)."""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x ** 2                                 # (3,)
    try:
        y.backward(retain_graph=True)
    except RuntimeError as err:
        print(f"    y.backward() on a (3,) output: RuntimeError: {str(err).splitlines()[0]}")
    v = torch.tensor([1.0, 0.5, 0.25])
    y.backward(gradient=v, retain_graph=True)  # x.grad = v * 2x
    vjp_backward = x.grad.clone()
    # torch.autograd.grad returns the gradient instead of adding it to .grad
    (vjp_grad,) = torch.autograd.grad(y, x, grad_outputs=v, retain_graph=True)
    (ones_grad,) = torch.autograd.grad(y.sum(), x)   # v = ones is the same as summing first
    jacobian = torch.autograd.functional.jacobian(lambda t: t ** 2, x.detach())  # (3, 3), diag(2x)
    return {"v": v, "backward_with_v": vjp_backward, "autograd_grad_with_v": vjp_grad,
            "grad_of_sum": ones_grad, "jacobian": jacobian}


def f(x: torch.Tensor) -> torch.Tensor:
    """The curve differentiated in the figure."""
    return torch.sin(x) * x ** 2


def f_prime(x: torch.Tensor) -> torch.Tensor:
    """Its derivative by hand (product rule): 2x sin x + x^2 cos x."""
    return 2 * x * torch.sin(x) + x ** 2 * torch.cos(x)


def autograd_derivative(func, x: torch.Tensor) -> torch.Tensor:
    """d func / dx at every point of x, for a function applied element by element.

    Each output depends only on its own input, so the gradient of the sum holds every derivative.
    """
    x = x.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(func(x).sum(), x)
    return grad


def central_difference(func, x: torch.Tensor, h: float = 1e-4) -> torch.Tensor:
    """The numerical derivative (f(x + h) - f(x - h)) / 2h: an approximation, error of order h^2."""
    return (func(x + h) - func(x - h)) / (2 * h)


def plot_derivative(xs, ys, analytic, auto, numeric, path, show: bool) -> None:
    fig, (ax, ax_err) = plt.subplots(1, 2, figsize=(11, 4))
    x = xs.numpy()
    ax.plot(x, ys.numpy(), label="f(x) = x² sin x")
    ax.plot(x, analytic.numpy(), "k-", lw=1, label="f'(x) by hand: 2x sin x + x² cos x")
    every = max(1, len(x) // 40)
    ax.plot(x[::every], auto.numpy()[::every], "o", ms=4, color="tab:red", label="f'(x) by autograd")
    ax.axhline(0, color="gray", lw=0.5)
    ax.set(xlabel="x", title="A function and its derivative")
    ax.legend(fontsize=8)
    floor = 1e-17  # exact zeros cannot be drawn on a log scale
    ax_err.plot(x, (auto - analytic).abs().clamp(min=floor).numpy(), label="autograd")
    ax_err.plot(x, (numeric - analytic).abs().clamp(min=floor).numpy(), label="central difference, h = 1e-4")
    ax_err.set(xlabel="x", ylabel="|derivative - by hand| (floor 1e-17)", yscale="log",
               title="Error against the derivative by hand (float64)")
    ax_err.legend(fontsize=8)
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__)
    parser.add_argument("--points", type=lk.positive_int, default=200,
                        help="points on the curve whose derivative is plotted (default: 200)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args, cpu_only="small tensors: the ideas, not the speed")
    points = min(args.points, 50) if args.quick else args.points

    print("\n--- 1. requires_grad, the graph and backward()")
    ex = tutorial_example()
    print(f"x is a leaf: {ex['x'].is_leaf}, y is not: {ex['y'].is_leaf}; "
          f"grad_fn chain: {type(ex['out'].grad_fn).__name__} <- {type(ex['z'].grad_fn).__name__} "
          f"<- {type(ex['y'].grad_fn).__name__}")
    print(f"out = mean(3 (x + 2)^2) = {ex['out'].item():.1f}")
    print(f"x.grad (autograd)      = {ex['x_grad'].tolist()}")
    print(f"3 (x + 2) / 2 (by hand) = {ex['formula'].tolist()}")
    print(f"y.grad (kept by retain_grad) = 6 y / 4 = {ex['y_grad'].tolist()}")
    print(f"003's version without the 3: x.grad = {note_003_example().tolist()}")
    tutorial_ok = torch.allclose(ex["x_grad"], ex["formula"])

    print("\n--- 2. gradients accumulate")
    seen = accumulation()
    print(f"w.grad after 3 backward() calls: {seen[:3]} (12 each time, summed); after zeroing: {seen[3]}")

    print("\n--- 3. a gradient-descent step under torch.no_grad()")
    print(f"w = 5, loss = (w - 3)^2, lr 0.25: after one step w = {gradient_descent_step_without_tracking()}")
    x = torch.ones(3, requires_grad=True)
    with torch.no_grad():
        tracked = (x * 2).requires_grad
    with torch.inference_mode():  # faster still: its results can never enter a graph later
        inferred = x * 2
    print(f"inside no_grad: (x * 2).requires_grad = {tracked}; inside inference_mode: "
          f"requires_grad = {inferred.requires_grad}, is_inference() = {inferred.is_inference()}")

    print("\n--- 4. detach(): treat a tensor as a constant")
    stopped, full = detach_demo()
    print(f"d/dx sum(x * x.detach()) = {stopped.tolist()}  vs  d/dx sum(x * x) = {full.tolist()}")

    print("\n--- 5. a non-scalar output")
    ns = non_scalar_output()
    print(f"    v = {ns['v'].tolist()}")
    print(f"    y.backward(gradient=v) -> x.grad = {ns['backward_with_v'].tolist()}")
    print(f"    autograd.grad(y, x, grad_outputs=v) = {ns['autograd_grad_with_v'].tolist()}")
    print(f"    autograd.grad(y.sum(), x) = {ns['grad_of_sum'].tolist()} (v = ones)")
    print(f"    full Jacobian (3, 3):\n{ns['jacobian']}")

    print("\n--- 6. autograd vs the derivative by hand on a curve")
    xs = torch.linspace(-6, 6, points, dtype=torch.float64)
    auto = autograd_derivative(f, xs)
    analytic = f_prime(xs)
    numeric = central_difference(f, xs)
    max_error = (auto - analytic).abs().max().item()
    numeric_error = (numeric - analytic).abs().max().item()
    # autograd is exact up to rounding: it applies the same derivative rules you would, not a
    # finite-difference approximation
    print(f"f(x) = x^2 sin x on {points} points in [-6, 6]: max |autograd - by hand| = {max_error:.2e}, "
          f"max |central difference - by hand| = {numeric_error:.2e}")
    plot_derivative(xs, f(xs), analytic, auto, numeric, run.out / "derivative.png", args.show)

    print(f"\nchecks: tutorial gradient is 4.5 everywhere: {tutorial_ok}; accumulation sums: "
          f"{seen[:3] == [12.0, 24.0, 36.0]}; derivative error < 1e-10: {max_error < 1e-10}")
    return run.finish({
        "tutorial_out": ex["out"].item(),
        "tutorial_grad_mean": ex["x_grad"].mean().item(),
        "tutorial_matches_formula": int(tutorial_ok),
        "accumulated_grads": seen,
        "max_derivative_error": max_error,
        "max_finite_difference_error": numeric_error,
    })


if __name__ == "__main__":
    main()
