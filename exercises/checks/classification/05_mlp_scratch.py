"""Checks for exercises/classification/05_mlp_scratch.py (run: python -m lessonkit.check classification/05)."""

import torch
import torch.nn.functional as F

from lessonkit.check import NotYet, lesson

mlp = lesson("classification/05_mlp_scratch.py")


def check_PARAMETERS_WITH_HIDDEN_64(answer):
    if answer is None:
        raise NotImplementedError
    params = mlp.init_params(64, torch.Generator().manual_seed(0), "cpu")
    if answer != sum(p.numel() for p in params):
        raise NotYet("W1 has one weight per pixel and hidden unit, b1 one per hidden unit, W2 one per hidden unit "
                     "and score, b2 one per score: add the four")


def _random_params(d, h, k, generator):
    return [torch.randn(shape, generator=generator, dtype=torch.float64) for shape in ((d, h), (h,), (h, k), (k,))]


def check_collapse(answer):
    generator = torch.Generator().manual_seed(0)
    for d, h, k in ((5, 7, 3), (784, 16, 10), (2, 1, 4)):
        w1, b1, w2, b2 = _random_params(d, h, k, generator)
        got = answer(w1, b1, w2, b2)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise NotYet("return a pair (w, b)")
        w, b = got
        if tuple(w.shape) != (d, k) or tuple(b.shape) != (k,):
            raise NotYet(f"for w1 {(d, h)} and w2 {(h, k)} the one layer maps d = {d} inputs to k = {k} scores: w is "
                         f"({d}, {k}) and b ({k},)")
        x = torch.randn(6, d, generator=generator, dtype=torch.float64)
        if not torch.allclose(x @ w + b, (x @ w1 + b1) @ w2 + b2, atol=1e-8):
            raise NotYet("multiply out (x @ w1 + b1) @ w2 + b2: one term has x in it, the rest do not (b1 also passes "
                         "through w2)")


def check_backward_by_hand_tanh(answer):
    generator = torch.Generator().manual_seed(1)
    for n, d, h, k in ((8, 12, 7, 4), (5, 784, 16, 10), (1, 3, 2, 2)):
        params = _random_params(d, h, k, generator)
        params = [p * 0.3 for p in params]
        x = torch.randn(n, d, generator=generator, dtype=torch.float64)
        y = torch.randint(0, k, (n,), generator=generator)
        got = answer(x, y, params)
        if not isinstance(got, (tuple, list)) or len(got) != 4:
            raise NotYet("return four gradients, [dW1, db1, dW2, db2]")
        leaves = [p.clone().requires_grad_(True) for p in params]
        w1, b1, w2, b2 = leaves
        F.cross_entropy(torch.tanh(x @ w1 + b1) @ w2 + b2, y).backward()
        for name, mine, leaf in zip(("dW1", "db1", "dW2", "db2"), got, leaves):
            if not isinstance(mine, torch.Tensor) or mine.shape != leaf.shape:
                raise NotYet(f"{name} must have the shape of its parameter, {tuple(leaf.shape)}")
            if not torch.allclose(mine.detach(), leaf.grad, atol=1e-10):
                hint = {"dW2": "dW2 = h^T @ d_logits with h = tanh(z), the hidden layer after its activation",
                        "db2": "db2 sums d_logits over the batch; d_logits is (softmax - one_hot) / batch size",
                        "dW1": "dW1 = x^T @ dz, with dz = (d_logits @ W2^T) * (1 - h^2)",
                        "db1": "db1 sums dz over the batch, like db2"}[name]
                raise NotYet(f"{name} differs from autograd's (batch {n}, d {d}, h {h}, k {k}): {hint}")
