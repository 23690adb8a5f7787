"""Checks for exercises/regression/01_linear_regression_scratch.py (run: python -m lessonkit.check regression/01)."""

import contextlib
import io

import torch

from lessonkit.check import NotYet, lesson

lr01 = lesson("regression/01_linear_regression_scratch.py")


def _lesson_data(seed: int = 0, n: int = 1000):
    """The data and the generator exactly as the lesson's main() makes them with --seed seed."""
    generator = torch.Generator().manual_seed(seed)
    x, y = lr01.synthetic_data(lr01.TRUE_W, lr01.TRUE_B, n, generator)
    return x, y, generator


def check_FULL_BATCH_EPOCHS_NEEDED(answer):
    if answer is None:
        raise NotImplementedError
    if not isinstance(answer, (int, float)) or answer < 1:
        raise NotYet("give a whole number of epochs")
    x, y, generator = _lesson_data()
    with contextlib.redirect_stdout(io.StringIO()):   # train_scratch prints a line per epoch
        _, _, path, _ = lr01.train_scratch(x, y, lr=0.03, batch_size=len(x), epochs=400, generator=generator)
    truth = torch.cat([lr01.TRUE_W, torch.tensor([lr01.TRUE_B])])
    close = ((path - truth).abs().max(dim=1).values < 0.01).nonzero()
    needed = close[0].item() + 1          # one step per epoch: step k is the end of epoch k
    if answer < needed * 0.95:
        raise NotYet("too few: after that many full-batch steps at least one of w1, w2, b is still more than "
                     "0.01 away; run the lesson with a larger --epochs and read 'largest error against the truth'")
    if answer > needed * 1.05:
        raise NotYet("too many: the errors are all below 0.01 well before that. Each full-batch step moves b a "
                     "fraction of about lr of its remaining distance (x ~ N(0, 1) makes the curvature about 1)")


def check_squared_loss_gradients(answer):
    generator = torch.Generator().manual_seed(0)
    for n, d in ((10, 2), (7, 3), (1, 1)):
        x, y = torch.randn(n, d, generator=generator), torch.randn(n, 1, generator=generator)
        w = torch.randn(d, 1, generator=generator, requires_grad=True)
        b = torch.randn(1, generator=generator, requires_grad=True)
        got = answer(x, y, w.detach().clone(), b.detach().clone())
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise NotYet("return two tensors, (grad_w, grad_b)")
        grad_w, grad_b = got
        if not isinstance(grad_w, torch.Tensor) or grad_w.shape != (d, 1):
            raise NotYet(f"grad_w must have w's shape ({d}, 1): one number per weight")
        if not isinstance(grad_b, torch.Tensor) or grad_b.shape != (1,):
            raise NotYet("grad_b must have b's shape (1,)")
        lr01.squared_loss(lr01.linreg(x, w, b), y).sum().backward()
        if not torch.allclose(grad_b, b.grad, atol=1e-5):
            raise NotYet("grad_b is off: the derivative of (r_i)^2 / 2 with respect to b is the residual "
                         "r_i = x_i . w + b - y_i itself; the loss sums over the examples")
        if not torch.allclose(grad_w, w.grad, atol=1e-5):
            raise NotYet("grad_w is off: weight j's derivative sums x_ij * r_i over the examples, which for all "
                         "j at once is a matrix product of x transposed with the residuals (n, 1)")


def check_normal_equation(answer):
    x, y, generator = _lesson_data()
    got = answer(x, y)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise NotYet("return two tensors, (w, b)")
    w, b = got
    if not isinstance(w, torch.Tensor) or tuple(w.shape) != (2, 1):
        raise NotYet("w must be a column (d, 1), as in the lesson")
    if not isinstance(b, torch.Tensor) or b.numel() != 1:
        raise NotYet("b must be a tensor with one number, shape (1,)")
    w_exact, b_exact = lr01.closed_form(x, y)
    if (w.double() - w_exact.double()).abs().max() > 1e-4 or abs(b.double().item() - b_exact.item()) > 1e-4:
        raise NotYet("not the least-squares answer that lstsq finds: build X = [x, 1] (n, d + 1) and solve "
                     "(X^T X) theta = X^T y for theta (d + 1, 1); the last entry is b")
    for n, d in ((50, 3), (5, 1)):   # other sizes, exact data: the answer is the generating w and b
        xs = torch.randn(n, d, generator=generator, dtype=torch.float64)
        true_w, true_b = torch.randn(d, 1, generator=generator, dtype=torch.float64), 0.7
        w, b = answer(xs, xs @ true_w + true_b)
        if not torch.allclose(w.reshape(d, 1).double(), true_w, atol=1e-6) or abs(b.double().item() - true_b) > 1e-6:
            raise NotYet(f"with {d} feature(s) and noise-free y the answer must be the w and b that made y; do not "
                         "assume two features")
    with contextlib.redirect_stdout(io.StringIO()):
        x, y, generator = _lesson_data()
        w_sgd, b_sgd, _, _ = lr01.train_scratch(x, y, lr=0.03, batch_size=10, epochs=3, generator=generator)
    w, b = answer(x, y)
    if (w.double() - w_sgd.double()).abs().max() > 2e-3 or abs(b.double().item() - b_sgd.item()) > 2e-3:
        raise NotYet("the lesson's SGD ends more than 0.002 away from your answer; it should not")
