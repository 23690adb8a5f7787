"""Checks for exercises/classification/03_softmax_scratch.py (run: python -m lessonkit.check classification/03)."""

import torch
import torch.nn.functional as F

from lessonkit.check import NotYet, lesson

softmax_lesson = lesson("classification/03_softmax_scratch.py")


def check_EXP_OVERFLOWS_AT(answer):
    if answer is None:
        raise NotImplementedError
    truth = next(x for x in range(1000) if torch.isinf(torch.exp(torch.tensor(float(x)))))
    if not isinstance(answer, int) or answer != truth:
        raise NotYet("give a whole number: the float32 maximum is about 3.4e38, so solve e^x = 3.4e38 for x and "
                     "round up")
    naive = softmax_lesson.softmax_naive(torch.tensor([[float(answer), 0.0]]))
    assert torch.isnan(naive).any(), "at this x the lesson's naive softmax should give NaN"


def _extreme(shape, generator):
    scores = torch.randn(shape, generator=generator) * 3
    scores.view(-1)[::5] = 1e4
    scores.view(-1)[2::7] = -1e4
    return scores


def check_log_softmax(answer):
    generator = torch.Generator().manual_seed(0)
    for shape, dim in (((4, 5), 1), ((3, 4, 6), 0), ((3, 4, 6), -1), ((2, 7), 0)):
        o = _extreme(shape, generator).requires_grad_(True)
        got = answer(o, dim)
        if not isinstance(got, torch.Tensor) or got.shape != o.shape:
            raise NotYet("log_softmax keeps the input's shape")
        if not torch.isfinite(got).all():
            raise NotYet("scores of +-1e4 give inf or NaN: subtract the largest score along dim (keepdim=True) "
                         "before exp")
        twin = F.log_softmax(o, dim=dim)
        if not torch.allclose(got, twin, atol=1e-4, rtol=1e-5):
            raise NotYet(f"for a tensor of shape {shape} along dim={dim} the values differ from F.log_softmax: "
                         "take the maximum and the sum along dim and keep that axis so they broadcast back")
        weights = torch.randn(shape, generator=generator)
        (mine,) = torch.autograd.grad((got * weights).sum(), o)
        (theirs,) = torch.autograd.grad((twin * weights).sum(), o)
        if not torch.allclose(mine, theirs, atol=1e-5):
            raise NotYet("the values are right but the gradient is not: avoid .detach() or in-place changes on "
                         "the scores")


def check_cross_entropy_smoothed(answer):
    generator = torch.Generator().manual_seed(1)
    for batch, classes, smoothing in ((6, 10, 0.0), (6, 10, 0.1), (5, 3, 0.3)):
        logits = _extreme((batch, classes), generator)
        y = torch.randint(0, classes, (batch,), generator=generator)
        got = answer(logits, y, smoothing)
        if not isinstance(got, torch.Tensor) or got.shape != ():
            raise NotYet("return the batch mean, a 0-d tensor")
        twin = F.cross_entropy(logits, y, label_smoothing=smoothing)
        if not torch.isfinite(got):
            raise NotYet("extreme logits give inf or NaN: work from a stable log-softmax, never log(softmax(...))")
        if not torch.allclose(got, twin, rtol=1e-5, atol=1e-4):
            if smoothing == 0.0:
                raise NotYet("with smoothing 0 this is plain cross-entropy, the mean of -log p(true class); "
                             f"expected {twin.item():.4f}, got {got.item():.4f}")
            raise NotYet(f"with smoothing {smoothing} and {classes} classes the loss should be {twin.item():.4f}, got "
                         f"{got.item():.4f}: the true class gets 1 - smoothing + smoothing / K, every other class "
                         "smoothing / K, and the loss sums q_k times -log p_k over all k")
