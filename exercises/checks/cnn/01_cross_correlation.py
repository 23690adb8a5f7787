"""Checks for exercises/cnn/01_cross_correlation.py (run: python -m lessonkit.check cnn/01)."""

import torch
import torch.nn.functional as F

from lessonkit.check import NotYet, lesson

cc = lesson("cnn/01_cross_correlation.py")


def check_RECEPTIVE_FIELD_FIVE_LAYERS(answer):
    if answer is None:
        raise NotImplementedError
    side = int(cc.receptive_field(5, "cpu", size=15).any(dim=1).sum())  # autograd measures it
    if not isinstance(answer, int) or answer != side:
        raise NotYet("give the width in pixels, a whole number: 1, 2, 3 layers see 3, 5, 7 pixels; each further "
                     "3x3 layer adds one pixel on each side")


def check_corr2d_unfold(answer):
    generator = torch.Generator().manual_seed(0)
    worked = answer(torch.arange(9.0).reshape(3, 3), torch.tensor([[0.0, 1.0], [2.0, 3.0]]))
    if not isinstance(worked, torch.Tensor) or worked.shape != (2, 2):
        raise NotYet("a 3x3 input and a 2x2 kernel give a 2x2 output: (h - kh + 1, w - kw + 1)")
    for h, w, kh, kw in ((3, 3, 2, 2), (7, 9, 3, 2), (5, 4, 1, 4), (6, 6, 6, 6)):
        x = torch.randn(h, w, generator=generator, dtype=torch.float64)
        k = torch.randn(kh, kw, generator=generator, dtype=torch.float64, requires_grad=True)
        got = answer(x, k)
        want = F.conv2d(x[None, None], k[None, None])[0, 0]
        if not isinstance(got, torch.Tensor) or got.shape != want.shape:
            raise NotYet(f"for x {(h, w)} and k {(kh, kw)} the output must be {tuple(want.shape)}; got "
                         f"{tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__}")
        if not torch.allclose(got.to(want.dtype), want, atol=1e-6):
            raise NotYet("the shape is right, the values are not: output (i, j) is the sum of the window "
                         "x[i:i+kh, j:j+kw] times k, element by element (no flip of the kernel)")
        if not got.requires_grad:
            raise NotYet("the result has no graph back to k: compute it from k with tensor operations (no "
                         ".item(), no torch.no_grad()), so that a kernel can be learned through it")
        (grad,) = torch.autograd.grad(got.sum(), k)
        (grad_want,) = torch.autograd.grad(want.sum(), k)
        if not torch.allclose(grad, grad_want, atol=1e-6):
            raise NotYet("the values agree but the gradient with respect to k does not")


def check_learn_kernel(answer):
    generator = torch.Generator().manual_seed(1)
    for kernel_size in ((2, 2), (1, 3)):
        x = torch.randn(10, 12, generator=generator)
        hidden = torch.randn(kernel_size, generator=generator)
        y = F.conv2d(x[None, None], hidden[None, None])[0, 0]
        got = answer(x, y, kernel_size)
        if not isinstance(got, torch.Tensor) or tuple(got.shape) != kernel_size:
            raise NotYet(f"return the learned kernel with the shape {kernel_size} that was asked for")
        if got.requires_grad:
            raise NotYet("return the kernel without its graph (detach it)")
        gap = (got - hidden).abs().max().item()
        if not gap < 0.02:
            raise NotYet(f"the learned kernel is {gap:.3g} away from the hidden one (allowed 0.02): if the loss "
                         "grows, the step is too large; if it falls but slowly, take more steps or a larger one")
