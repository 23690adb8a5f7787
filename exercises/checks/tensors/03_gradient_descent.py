"""Checks for exercises/tensors/03_gradient_descent.py (run: python -m lessonkit.check tensors/03)."""

import torch

from lessonkit.check import NotYet, lesson

gd = lesson("tensors/03_gradient_descent.py")


def _diverges(lr: float) -> bool:
    result = gd.gradient_descent(gd.X_DATA, gd.Y_DATA, w0=1.0, lr=lr, epochs=200, batch_size=3)
    return not abs(result["w"][-1] - 2.0) < 1.0


def check_LARGEST_STABLE_LR(answer):
    if answer is None:
        raise NotImplementedError
    if not isinstance(answer, (int, float)) or answer <= 0:
        raise NotYet("give a positive number, the learning rate")
    if _diverges(answer * 0.97):
        raise NotYet("too large: just below your value the steps already grow; lower it")
    if not _diverges(answer * 1.03):
        raise NotYet("too small: just above your value the steps still shrink; the limit is higher. Each "
                     "step multiplies the distance to w = 2 by (1 - lr * 2 * mean(x^2))")


def check_momentum_descent(answer):
    x, y = gd.X_DATA, gd.Y_DATA
    for lr, beta, epochs in ((0.01, 0.9, 60), (0.02, 0.5, 25), (0.05, 0.0, 10)):
        w = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
        twin = torch.optim.SGD([w], lr=lr, momentum=beta)  # the same rule: v = beta v + g, w -= lr v
        for _ in range(epochs):
            twin.zero_grad()
            gd.mse(w, x, y).backward()
            twin.step()
        got = answer(x, y, w0=1.0, lr=lr, beta=beta, epochs=epochs)
        if not isinstance(got, (int, float, torch.Tensor)):
            raise NotYet("return the final w as a number")
        if abs(float(got) - w.item()) > 1e-9:
            raise NotYet(f"with lr {lr}, beta {beta}, {epochs} steps w should end where torch.optim.SGD with "
                         f"momentum={beta} ends; check the order: first v = beta * v + gradient, then "
                         "w = w - lr * v, with the gradient 2 * mean(x * (w x - y))")
