"""Checks for exercises/regression/02_linear_regression_concise.py (run: python -m lessonkit.check regression/02)."""

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from lessonkit.check import NotYet, lesson

lr01 = lesson("regression/01_linear_regression_scratch.py")
lr02 = lesson("regression/02_linear_regression_concise.py")


def _data(n: int = 300, seed: int = 0):
    return lr02.synthetic_data(lr02.TRUE_W, lr02.TRUE_B, n, torch.Generator().manual_seed(seed))


def check_LR_MATCHING_LESSON_01(answer):
    if answer is None:
        raise NotImplementedError
    if not isinstance(answer, (int, float)) or answer <= 0:
        raise NotYet("give a positive number, a learning rate")
    x, y = _data()
    torch.manual_seed(0)
    model = lr02.LinearModel()
    w = model.linear.weight.detach().T.clone().requires_grad_()   # lesson 01's layout: (2, 1)
    b = model.linear.bias.detach().clone().requires_grad_()
    optimizer = torch.optim.SGD(model.parameters(), lr=answer)
    for start in range(0, 100, 10):                                # the same ten batches for both
        xb, yb = x[start:start + 10], y[start:start + 10]
        lr01.squared_loss(lr01.linreg(xb, w, b), yb).sum().backward()
        lr01.sgd([w, b], 0.03, len(xb))
        loss = nn.MSELoss()(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    if not torch.allclose(model.linear.weight.detach().T, w.detach(), rtol=1e-4, atol=1e-6):
        bigger = model.linear.bias.item() > b.item()   # both biases walk up from 0 towards 4.2
        raise NotYet(f"the steps are {'longer' if bigger else 'shorter'} than lesson 01's: compare the two losses. "
                     "MSELoss takes the mean of (y_hat - y)^2; lesson 01 sums (y_hat - y)^2 / 2 and then divides "
                     "the step by the batch size. How much bigger is the one gradient than the other?")


def _is_affine_like(model, d: int) -> bool:
    generator = torch.Generator().manual_seed(3)
    x = torch.randn(6, d, generator=generator)
    with torch.no_grad():
        zero = model(torch.zeros(1, d))
        slopes = model(torch.eye(d)) - zero                   # (d, 1): the weight of each feature
        return torch.allclose(model(x), x @ slopes + zero, atol=1e-5)


def check_LinearRegression(answer):
    for d in (2, 5):
        torch.manual_seed(0)
        model = answer(d)
        if not isinstance(model, nn.Module):
            raise NotYet("LinearRegression must stay an nn.Module")
        if any(isinstance(m, nn.Linear) for m in model.modules()):
            raise NotYet("write it without nn.Linear: two nn.Parameter attributes and a matrix product")
        params = list(model.parameters())
        if len(params) != 2 or sum(p.numel() for p in params) != d + 1:
            raise NotYet(f"with in_features={d} model.parameters() must give two tensors, {d} weights and one bias "
                         f"({d + 1} numbers); wrap them in nn.Parameter inside __init__")
        out = model(torch.randn(4, d))
        if not isinstance(out, torch.Tensor) or out.shape != (4, 1):
            raise NotYet(f"forward must map (batch, {d}) to (batch, 1); got "
                         f"{tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__}")
        if not _is_affine_like(model, d):
            raise NotYet("the output is not x @ w + b: no activation, one weight per feature, one bias")
    x, y = _data(1000)
    torch.manual_seed(0)
    model = answer(2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.03)
    loader = DataLoader(TensorDataset(x, y), batch_size=10, shuffle=True, generator=torch.Generator().manual_seed(0))
    lr02.train(model, loader, optimizer, 2, torch.device("cpu"), verbose=False)
    with torch.no_grad():
        slopes, bias = model(torch.eye(2)) - model(torch.zeros(1, 2)), model(torch.zeros(1, 2))
    if (slopes.flatten() - lr02.TRUE_W).abs().max() > 0.01 or abs(bias.item() - lr02.TRUE_B) > 0.01:
        raise NotYet("two epochs of the lesson's train() with SGD lr 0.03 should bring w near [2, -3.4] and b near "
                     "4.2; check that both tensors are nn.Parameters (requires_grad) and that forward uses them")


def _twin_runs(make_optimizer, groups: bool):
    """Train the lesson's model twice on the same batches, with torch.optim.SGD and with the answer."""
    x, y = _data(100)
    finals = []
    for build in (lambda p: torch.optim.SGD(p, lr=0.05), make_optimizer):
        torch.manual_seed(0)
        model = lr02.LinearModel()
        params = ([{"params": [model.linear.weight]}, {"params": [model.linear.bias], "lr": 0.2}] if groups
                  else model.parameters())
        optimizer = build(params)
        loader = DataLoader(TensorDataset(x, y), batch_size=10, shuffle=True,
                            generator=torch.Generator().manual_seed(1))
        lr02.train(model, loader, optimizer, 1, torch.device("cpu"), verbose=False)
        finals.append(torch.cat([model.linear.weight.detach().flatten(), model.linear.bias.detach()]))
    return finals


def check_PlainSGD(answer):
    torch.manual_seed(0)
    model = lr02.LinearModel()
    optimizer = answer(model.parameters(), lr=0.05)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise NotYet("PlainSGD must stay a torch.optim.Optimizer (call super().__init__(params, defaults))")
    if optimizer.param_groups[0].get("lr") != 0.05:
        raise NotYet("keep the learning rate in the parameter group: super().__init__(params, dict(lr=lr))")
    theirs, mine = _twin_runs(lambda p: answer(p, lr=0.05), groups=False)
    if not torch.allclose(mine, theirs, atol=1e-6):
        raise NotYet("after one epoch the weights differ from torch.optim.SGD's: the update is p -= lr * p.grad, "
                     "done in place under torch.no_grad()")
    theirs, mine = _twin_runs(lambda p: answer(p, lr=0.05), groups=True)
    if not torch.allclose(mine, theirs, atol=1e-6):
        raise NotYet("with two parameter groups (the bias with its own lr 0.2) the result differs: take lr from "
                     "each group, group['lr'], not from a value saved in __init__")
    w = nn.Parameter(torch.ones(2))
    unused = nn.Parameter(torch.ones(2))
    optimizer = answer([w, unused], lr=0.5)
    (w * torch.tensor([1.0, 2.0])).sum().backward()
    optimizer.step()
    if not torch.equal(unused.detach(), torch.ones(2)) or not torch.allclose(w.detach(), torch.tensor([0.5, 0.0])):
        raise NotYet("a parameter whose .grad is None (not used by the loss) must be skipped, not changed")
