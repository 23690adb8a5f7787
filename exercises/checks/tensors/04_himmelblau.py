"""Checks for exercises/tensors/04_himmelblau.py (run: python -m lessonkit.check tensors/04)."""

import torch

from lessonkit.check import NotYet, lesson

hb = lesson("tensors/04_himmelblau.py")


def check_MINIMA_REACHED_WITH_SGD_LR_0_015(answer):
    if answer is None:
        raise NotImplementedError
    ends, _ = hb.find_minima(hb.STARTS, lr=0.015, steps=1000, optimizer="sgd")
    index, _ = hb.nearest_known(ends)
    if answer != len(set(index.tolist())):
        raise NotYet("count the distinct minima in the end points the run prints (two starts may land in the "
                     "same one); a bigger step can carry a start over a ridge into another valley")


def check_himmelblau_gradient(answer):
    generator = torch.Generator().manual_seed(0)
    for shape in ((2,), (5, 2), (3, 4, 2)):
        p = (torch.rand(shape, generator=generator, dtype=torch.float64) - 0.5) * 10
        got = answer(p)
        if not isinstance(got, torch.Tensor) or got.shape != p.shape:
            raise NotYet(f"for points of shape {shape} return a gradient of the same shape")
        q = p.clone().requires_grad_(True)
        hb.himmelblau(q).sum().backward()
        if not torch.allclose(got, q.grad, rtol=1e-9, atol=1e-9):
            raise NotYet("the values differ from autograd's: each squared term (u)^2 contributes 2 u times "
                         "the derivative of u; x appears in both terms (as x^2 and as x), and so does y")
