"""Checks for exercises/regression/07_weight_decay.py (run: python -m lessonkit.check regression/07)."""

import torch
from torch import nn

from lessonkit.check import NotYet, lesson

wd = lesson("regression/07_weight_decay.py")


def check_DECAY_FACTOR_PER_STEP(answer):
    if answer is None:
        raise NotImplementedError
    if not isinstance(answer, (int, float)):
        raise NotYet("give a number, the factor")
    w = nn.Parameter(torch.ones(3))
    optimizer = torch.optim.SGD([w], lr=0.01, weight_decay=3.0)
    (w * 0).sum().backward()             # a loss whose own gradient is 0: only the decay moves w
    optimizer.step()
    if abs(answer - w[0].item()) > 1e-6:
        raise NotYet("weight_decay adds lambda * w to the gradient, so the step subtracts lr * lambda * w: what is "
                     "left of w?")


def _small_problem():
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(12, 30, generator=generator)
    y = x[:, :3] @ torch.tensor([[0.5], [-0.3], [0.2]]) + 0.05 + 0.01 * torch.randn(12, 1, generator=generator)
    return x, y


def _train(update, x, y, lambd: float, steps: int = 25):
    torch.manual_seed(0)
    model = nn.Linear(x.shape[1], 1)
    for step in range(steps):
        batch = slice(step % 3 * 4, step % 3 * 4 + 4)
        loss = nn.functional.mse_loss(model(x[batch]), y[batch])
        update(model, loss, lambd)
    return torch.cat([model.weight.detach().flatten(), model.bias.detach()])


def check_decayed_sgd_step(answer):
    x, y = _small_problem()
    lr = 0.05

    def by_answer(model, loss, lambd):
        model.zero_grad()
        loss.backward()
        answer(model.weight, lr, lambd)
        answer(model.bias, lr, 0.0)          # as in the lesson: no decay on the bias

    def by_penalty(model, loss, lambd):      # the lesson's hand-written L2 in the loss
        model.zero_grad()
        (loss + lambd * wd.l2_penalty(model.weight)).backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= lr * p.grad

    def by_optimizer(model, loss, lambd):
        if not hasattr(model, "_optimizer"):
            model._optimizer = torch.optim.SGD([{"params": [model.weight], "weight_decay": lambd},
                                                {"params": [model.bias], "weight_decay": 0.0}], lr=lr)
        model._optimizer.zero_grad()
        loss.backward()
        model._optimizer.step()

    w = nn.Parameter(torch.tensor([1.0, -2.0]))
    w.grad = torch.tensor([0.5, 0.5])
    answer(w, 0.1, 2.0)
    if not torch.equal(w.grad, torch.tensor([0.5, 0.5])):
        raise NotYet("leave param.grad as it is: read it, do not change or clear it")
    for lambd in (0.0, 3.0):
        mine, theirs, penalty = (_train(f, x, y, lambd) for f in (by_answer, by_optimizer, by_penalty))
        if not torch.allclose(mine, theirs, atol=1e-6):
            raise NotYet(f"with weight_decay {lambd} the weights differ from torch.optim.SGD's: the step is "
                         "p <- p - lr * (grad + weight_decay * p), done in place under torch.no_grad()")
        if not torch.allclose(mine, penalty, atol=1e-5):
            raise NotYet("the weights differ from the lesson's L2 penalty in the loss; they should agree")


def _largest(t: torch.Tensor) -> float:
    return t.abs().max().item() if t.numel() else 0.0


def check_lasso(answer):
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(30, 10, generator=generator, dtype=torch.float64)
    true_w = torch.tensor([[3.0], [-2.0], [1.5]] + [[0.0]] * 7, dtype=torch.float64)
    y = x @ true_w + 0.7 + 0.3 * torch.randn(30, 1, generator=generator, dtype=torch.float64)
    largest = (2 * x.T @ (y - y.mean()) / len(x)).abs().max().item()   # from this lambda on, w = 0 is optimal
    for lambd in (0.1, 0.5, 1.1 * largest):
        got = answer(x, y, lambd)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise NotYet("return two tensors, (w, b)")
        w, b = got
        if not isinstance(w, torch.Tensor) or w.numel() != 10 or not isinstance(b, torch.Tensor) or b.numel() != 1:
            raise NotYet("w has one weight per feature, shape (features, 1); b one number, shape (1,)")
        w, b = w.detach().reshape(10, 1).double(), b.detach().reshape(1).double()
        residual = x @ w + b - y
        gradient = 2 * x.T @ residual / len(x)            # of the MSE part, (10, 1)
        zero = w == 0
        if zero.sum() == 0:   # every lambda here has zeros at its minimum
            raise NotYet(f"with lambd {lambd:g} some weights must be exactly 0, and none is: after each gradient step "
                         "apply soft-thresholding, sign(w) * max(|w| - lr * lambd, 0)")
        if abs(2 * residual.mean().item()) > 1e-5:
            raise NotYet(f"with lambd {lambd:g} the bias is not optimal: it is not penalised, so the MSE's gradient "
                         "with respect to b must be 0 at the minimum; update b with plain gradient steps")
        moving = ~zero
        if _largest(gradient[moving] + lambd * torch.sign(w[moving])) > 1e-5:
            raise NotYet(f"with lambd {lambd:g} the non-zero weights are not at the minimum: there the MSE's gradient "
                         "must balance lambd * sign(w) exactly. Is the threshold lr * lambd? Then take more "
                         "steps (or a larger, still stable, lr)")
        if _largest(gradient[zero]) > lambd + 1e-5:
            raise NotYet(f"with lambd {lambd:g} a weight sits at 0 where the data pulls harder than lambd: it should "
                         "not be 0. Is the threshold lr * lambd (not lambd alone)?")
