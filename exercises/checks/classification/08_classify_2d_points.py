"""Checks for exercises/classification/08_classify_2d_points.py (run: python -m lessonkit.check classification/08)."""

import torch
from torch import nn

from lessonkit.check import NotYet, lesson

points = lesson("classification/08_classify_2d_points.py")


def check_NEAREST_CENTRE_CEILING_2_CLASSES(answer):
    if answer is None:
        raise NotImplementedError
    centres = points.cloud_centres(2)
    x, y = points.make_clouds(centres, 100_000, torch.Generator().manual_seed(0))
    ceiling = (points.nearest_centre(x, centres) == y).float().mean().item()   # within 0.001 of the average
    if not isinstance(answer, (int, float)) or abs(answer - ceiling) > 0.01:
        raise NotYet("a point is misread when the noise carries it across the line halfway between the centres: "
                     "how far is that line from a centre, in units of the spread, and how likely is a normal "
                     "draw to go further than that in one direction?")


def _true_posterior(x, centres, spread):
    normal = torch.distributions.Normal(centres.double(), spread)      # (k, 2): one per class and coordinate
    log_density = normal.log_prob(x.double()[:, None, :]).sum(dim=2)   # (n, k)
    return torch.softmax(log_density, dim=1)


def check_bayes_posterior(answer):
    generator = torch.Generator().manual_seed(0)
    for k, spread in ((3, 1.0), (4, 0.5), (2, 2.0)):
        centres = points.cloud_centres(k)
        x = torch.cat([4 * torch.randn(20, 2, generator=generator), torch.tensor([[1000.0, 10.0], [-30.0, -300.0]])])
        got = answer(x, centres, spread)
        if not isinstance(got, torch.Tensor) or got.shape != (len(x), k):
            raise NotYet(f"for {len(x)} points and {k} centres return ({len(x)}, {k}): one probability per class")
        if not torch.isfinite(got).all():
            raise NotYet("far from every centre (e.g. at (1000, 0)) each density underflows to 0 and 0 / 0 is NaN: "
                         "work with log-densities and a safe softmax")
        if not torch.allclose(got.double().sum(dim=1), torch.ones(len(x), dtype=torch.float64), atol=1e-5):
            raise NotYet("each row must sum to 1: normalise over the classes")
        if not torch.allclose(got.double(), _true_posterior(x, centres, spread), atol=1e-4):
            raise NotYet(f"with spread {spread} the probabilities differ from Bayes' rule: the squared distance is "
                         "divided by 2 spread^2 before the softmax")
    if not torch.equal(got.argmax(dim=1), points.nearest_centre(x, centres)):
        raise NotYet("the most probable class must be the nearest centre")


def check_xor_clouds(answer):
    x, y = answer(100, torch.Generator().manual_seed(0))
    if not isinstance(x, torch.Tensor) or x.shape != (400, 2) or not isinstance(y, torch.Tensor) or y.shape != (400,):
        raise NotYet("for per_cloud = 100 return x (400, 2) and y (400,)")
    if y.dtype != torch.long or set(y.tolist()) != {0, 1} or (y == 1).sum() != 200:
        raise NotYet("y holds the class indices 0 and 1 as long integers, 200 of each for per_cloud = 100")
    for label in (0, 1):
        if not torch.allclose(x[y == label].mean(dim=0), torch.zeros(2), atol=0.35):
            raise NotYet(f"the points of class {label} should average near (0, 0): two opposite corners each")
    if not 0.8 < x[:, 0].std().item() / (2 ** 2 + 1) ** 0.5 < 1.2:
        raise NotYet("the x coordinates spread too little or too much: centres at +-2, spread 1 around them")
    accuracy = {}
    with torch.random.fork_rng():
        for name, make in (("linear", lambda: nn.Linear(2, 2)), ("hidden layer", lambda: points.make_model(2, 10))):
            torch.manual_seed(0)
            model = make()
            optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
            for _ in range(200):
                loss = nn.functional.cross_entropy(model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            with torch.no_grad():
                accuracy[name] = (model(x).argmax(dim=1) == y).float().mean().item()
    if accuracy["linear"] > 0.75:
        raise NotYet(f"a model without a hidden layer reaches {accuracy['linear']:.2f} on your data: it is still "
                     "close to linearly separable; check which corners belong to which class")
    if accuracy["hidden layer"] < 0.85:
        raise NotYet(f"the lesson's make_model reaches only {accuracy['hidden layer']:.2f} on your data: are the "
                     "clouds too wide, or the labels mixed within a cloud?")
