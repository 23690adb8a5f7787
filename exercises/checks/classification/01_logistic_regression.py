"""Checks for exercises/classification/01_logistic_regression.py (run: python -m lessonkit.check classification/01)."""

import torch
import torch.nn.functional as F

from lessonkit.check import NotYet, lesson

lr = lesson("classification/01_logistic_regression.py")


def check_TWO_STEP_GRADIENT_DIES_AT(answer):
    if answer is None:
        raise NotImplementedError
    if not isinstance(answer, int) or isinstance(answer, bool) or answer < 1:
        raise NotYet("give a whole number, the first logit z at which the two-step gradient is exactly 0")
    truth = next(z for z in range(1, 200) if lr.loss_forms(float(z), 0.0)["sigmoid_then_bce"]["grad"] == 0.0)
    if answer < truth:
        raise NotYet(f"at z = {answer} the two-step gradient is small but not 0 yet: sigmoid(z) still differs "
                     "from 1.0 in float32; look higher")
    if answer > truth:
        raise NotYet(f"already below z = {answer} the two-step gradient is exactly 0; look lower: where does "
                     "1 / (1 + e^-z) first round to 1.0?")


def _cases():
    generator = torch.Generator().manual_seed(0)
    yield torch.randn(7, generator=generator), torch.randint(0, 2, (7,), generator=generator).float()
    yield torch.tensor([-1000.0, -200.0, -30.0, 0.25, 30.0, 200.0, 1000.0]), torch.tensor([1.0, 1, 0, 1, 1, 0, 0])
    yield 5 * torch.randn(6, 1, generator=generator), torch.randint(0, 2, (6, 1), generator=generator).float()


def check_bce_with_logits(answer):
    for z, y in _cases():
        mine = z.clone().requires_grad_(True)
        got = answer(mine, y)
        if not isinstance(got, torch.Tensor) or got.shape != ():
            raise NotYet("return one number, the mean over the examples, as a 0-d tensor")
        if not torch.isfinite(got):
            raise NotYet(f"for logits {z.flatten().tolist()} the loss is {got.item()}: do not take the log of "
                         "sigmoid(z), which rounds to 0 or 1 for large |z|")
        theirs = z.clone().requires_grad_(True)
        twin = F.binary_cross_entropy_with_logits(theirs, y)
        if not torch.allclose(got.detach(), twin.detach(), rtol=1e-5, atol=1e-5):
            raise NotYet(f"for logits {[round(v, 3) for v in z.flatten().tolist()]} and labels "
                         f"{y.flatten().tolist()} the loss should be {twin.item():.4f} (BCEWithLogitsLoss), "
                         f"got {got.item():.4f}; remember the mean")
        got.backward()
        twin.backward()
        if mine.grad is None or not torch.allclose(mine.grad, theirs.grad, atol=1e-6):
            raise NotYet("the loss is right but its gradient is not: the slope with respect to each logit is "
                         "(sigmoid(z) - y) / n; a clamp or a rounding step in your formula flattens it")


def check_bce_gradients(answer):
    generator = torch.Generator().manual_seed(1)
    cases = [(lr.HOURS, lr.PASSED, 0.5, -1.0), (lr.HOURS, lr.PASSED, 1.11, -2.68)]
    x = torch.randn(9, 1, generator=generator, dtype=torch.float64)
    cases.append((x, (torch.rand(9, 1, generator=generator) < 0.5).double(), -0.7, 0.3))
    for x, y, w0, b0 in cases:
        got = answer(x, y, w0, b0)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise NotYet("return two numbers: (d loss / d w, d loss / d b)")
        w = torch.tensor(w0, dtype=x.dtype, requires_grad=True)
        b = torch.tensor(b0, dtype=x.dtype, requires_grad=True)
        F.binary_cross_entropy_with_logits(w * x + b, y.to(x.dtype), reduction="sum").backward()
        dw, db = (float(g) for g in got)
        if abs(db - b.grad.item()) > 1e-5:
            raise NotYet(f"at w = {w0}, b = {b0} d loss / d b is off: after the cancelling, each example adds "
                         "its error, its probability minus its label")
        if abs(dw - w.grad.item()) > 1e-5:
            raise NotYet(f"at w = {w0}, b = {b0} d loss / d b is right but d loss / d w is not: z depends on w "
                         "through x")
