"""Checks for exercises/regression/03_curve_fitting_mlp.py (run: python -m lessonkit.check regression/03)."""

import torch
from torch import nn

from lessonkit.check import NotYet, lesson

cf = lesson("regression/03_curve_fitting_mlp.py")


def check_FRESH_MSE_FLOOR_AT_NOISE_0_3(answer):
    if answer is None:
        raise NotImplementedError
    if not isinstance(answer, (int, float)):
        raise NotYet("give a number, an MSE")
    # Even the true curve itself, the best possible prediction, scores this on noisy points.
    x, y = cf.make_data("square", 40_000, 0.3, torch.Generator().manual_seed(0))
    floor = nn.functional.mse_loss(cf.TARGETS["square"][0](x), y).item()
    if abs(answer - floor) > 0.05 * floor:
        raise NotYet("predict the fresh points with the true curve itself: what is left is the noise, whose mean "
                     "square is its variance. The noise is given by its standard deviation")


def check_ShallowNet(answer):
    for hidden in (1, 8, 32):
        torch.manual_seed(0)
        model = answer(hidden)
        if not isinstance(model, nn.Module):
            raise NotYet("ShallowNet must stay an nn.Module")
        linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
        count = sum(p.numel() for p in model.parameters())
        if len(linears) != 2 or count != 3 * hidden + 1:
            raise NotYet(f"one hidden layer of {hidden} units: two nn.Linear layers, 1 -> {hidden} and {hidden} -> 1, "
                         f"{3 * hidden + 1} parameters in all; got {len(linears)} linear layers and {count} parameters")
        out = model(torch.zeros(5, 1))
        if not isinstance(out, torch.Tensor) or out.shape != (5, 1):
            raise NotYet("forward must map (batch, 1) to (batch, 1)")
    x = torch.linspace(-1, 1, 100).unsqueeze(1)
    y = x ** 2 - 0.5                     # negative in the middle: an activation on the output cannot reach it
    torch.manual_seed(0)
    model = answer(32)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    for _ in range(150):
        loss = nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    if not loss.item() < 5e-3:
        raise NotYet(f"150 Adam steps (lr 0.02) on y = x^2 - 0.5 leave an MSE of {loss.item():.4f}, above 0.005: is "
                     "there a nonlinear activation between the layers, and none after the last one?")


def check_relu_interpolant(answer):
    generator = torch.Generator().manual_seed(0)
    for m in (2, 3, 9):
        knots = torch.sort(torch.rand(m, generator=generator) * 4 - 2).values
        values = torch.randn(m, generator=generator)
        model = answer(knots, values)
        if not isinstance(model, nn.Module):
            raise NotYet("return the network, an nn.Module")
        linears = [mod for mod in model.modules() if isinstance(mod, nn.Linear)]
        if len(linears) != 2 or not any(isinstance(mod, nn.ReLU) for mod in model.modules()):
            raise NotYet("one hidden layer: nn.Linear(1, k), nn.ReLU(), nn.Linear(k, 1)")
        with torch.no_grad():
            at_knots = model(knots.unsqueeze(1)).squeeze(1)
            middles = (knots[1:] + knots[:-1]) / 2
            at_middles = model(middles.unsqueeze(1)).squeeze(1)
        if not torch.allclose(at_knots, values, atol=1e-4):
            raise NotYet(f"with {m} knots the output misses the values at the knots: left of the first bend use a "
                         "line through the first point; each unit relu(x - knot) changes the slope from that knot on")
        if not torch.allclose(at_middles, (values[1:] + values[:-1]) / 2, atol=1e-4):
            raise NotYet("the output hits the knots but is not straight between them: put the bends exactly at the "
                         "knots (first-layer weight 1, bias -knot)")
