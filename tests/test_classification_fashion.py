"""classification/03-06 (Fashion-MNIST softmax regression and MLP): the scratch pieces agree with PyTorch's,
the claims in their docstrings and comments hold, and the real-data accuracy floors and promised numbers."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from conftest import REPO, load_lesson, real_image_copy
from measured import measured
from torch import nn

softmax_scratch = load_lesson(REPO / "classification" / "03_softmax_scratch.py")
softmax_concise = load_lesson(REPO / "classification" / "04_softmax_concise.py")
mlp_scratch = load_lesson(REPO / "classification" / "05_mlp_scratch.py")
mlp_concise = load_lesson(REPO / "classification" / "06_mlp_concise.py")


def extreme_logits() -> tuple[torch.Tensor, torch.Tensor]:
    """Ordinary scores plus rows holding +-1e4, where exp overflows and naive formulas give inf/NaN."""
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(8, 10, generator=generator) * 3
    logits[0, 3], logits[1, 0], logits[2] = 1e4, -1e4, torch.linspace(-1e4, 1e4, 10)
    logits[3, :5], logits[3, 5:] = 1e4, -1e4
    labels = torch.tensor([3, 0, 0, 9, 1, 2, 7, 5])  # rows 1 and 2: the true class has a hopeless score
    return logits, labels


# --- 03: softmax and cross-entropy from scratch ---------------------------------------------------------


def test_scratch_cross_entropy_equals_torch_including_extreme_logits():
    logits, labels = extreme_logits()
    ours, reference = softmax_scratch.cross_entropy(logits, labels), F.cross_entropy(logits, labels)
    assert torch.isfinite(ours), "the log-sum-exp trick keeps +-1e4 finite"
    assert ours.item() == pytest.approx(reference.item(), rel=1e-6)
    for row in range(len(labels)):  # row by row too, not only on average
        one = softmax_scratch.cross_entropy(logits[row:row + 1], labels[row:row + 1])
        assert one.item() == pytest.approx(F.cross_entropy(logits[row:row + 1], labels[row:row + 1]).item(),
                                           rel=1e-6, abs=1e-6)


def test_scratch_cross_entropy_gradient_equals_torch():
    logits, labels = extreme_logits()
    ours = logits.clone().requires_grad_()
    theirs = logits.clone().requires_grad_()
    softmax_scratch.cross_entropy(ours, labels).backward()
    F.cross_entropy(theirs, labels).backward()
    assert torch.isfinite(ours.grad).all()
    assert torch.allclose(ours.grad, theirs.grad, atol=1e-7)


def test_scratch_softmax_rows_are_probabilities():
    logits, _ = extreme_logits()
    probs = softmax_scratch.softmax(logits)
    assert torch.isfinite(probs).all() and (probs >= 0).all()
    assert torch.allclose(probs.sum(dim=1), torch.ones(len(logits)), atol=1e-6)
    assert torch.allclose(probs, torch.softmax(logits, dim=1), atol=1e-7)
    assert torch.allclose(softmax_scratch.log_softmax(logits), torch.log_softmax(logits, dim=1), rtol=1e-6, atol=1e-4)


def test_naive_softmax_fails_where_the_lesson_says():
    """The lesson's demonstration: exp(1000) is inf in float32, inf/inf is NaN; the stable loss is 5000.0."""
    assert math.log(torch.finfo(torch.float32).max) == pytest.approx(88.7, abs=0.05)  # the docstring's numbers
    assert torch.finfo(torch.float32).max == pytest.approx(3.4e38, rel=0.01)
    logits, _ = extreme_logits()
    assert torch.isnan(softmax_scratch.softmax_naive(logits)).any()
    small = torch.randn(4, 10)
    assert torch.allclose(softmax_scratch.softmax_naive(small), softmax_scratch.softmax(small), atol=1e-6)
    result = softmax_scratch.show_stability()
    assert result["naive_has_nan"] and result["stable_loss"] == 5000.0


def test_scratch_accuracy():
    logits = torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    assert softmax_scratch.accuracy(logits, torch.tensor([1, 0, 0, 0])).item() == pytest.approx(0.75)


def test_sgd_by_hand_steps_against_the_gradient_and_clears_it():
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    (w ** 2).sum().backward()  # gradient 2w
    softmax_scratch.sgd([w], lr=0.25)
    assert torch.equal(w.detach(), torch.tensor([0.5, -1.0])) and w.grad is None and w.requires_grad


def test_inputs_are_standardised_rows():
    """FASHION_MEAN/STD are those of the real training pixels (checked in a real_data test); here: the shapes."""
    images = torch.randint(0, 256, (5, 28, 28), dtype=torch.uint8)
    rows = softmax_scratch.to_model_input(images)
    assert rows.shape == (5, 784)
    assert torch.allclose(rows.reshape(5, 28, 28), softmax_concise.to_model_input(images))


# --- 04: the concise softmax ------------------------------------------------------------------------------


def test_concise_model_shapes_and_start():
    model = softmax_concise.make_model()
    assert model(torch.zeros(3, 28, 28)).shape == (3, 10)
    assert model[1].weight.shape == (10, 784), "nn.Linear stores (out, in), the transpose of 03's W"
    assert model[1].weight.std().item() == pytest.approx(0.01, rel=0.05) and not model[1].bias.any()


def test_cross_entropy_on_probabilities_cannot_reach_zero():
    """The comment's claim: fed probabilities, CrossEntropyLoss never goes below log(e + 9) - 1 = 1.4612."""
    floor = softmax_concise.probability_floor()
    assert floor == pytest.approx(1.4612, abs=1e-4)
    sure = F.one_hot(torch.arange(10), 10).float()  # perfectly right, perfectly confident probabilities
    assert nn.CrossEntropyLoss()(sure, torch.arange(10)).item() == pytest.approx(floor, rel=1e-6)
    random_probs = torch.softmax(torch.randn(1000, 10) * 5, dim=1)
    assert nn.CrossEntropyLoss(reduction="none")(random_probs, torch.randint(0, 10, (1000,))).min() >= floor - 1e-6
    logits = torch.randn(50, 10) * 4
    labels = torch.randint(0, 10, (50,))
    assert nn.CrossEntropyLoss()(logits, labels).item() == pytest.approx(
        F.nll_loss(F.log_softmax(logits, dim=1), labels).item(), rel=1e-6)


def test_confusion_matrix():
    labels, predicted = torch.tensor([0, 0, 1, 2, 2, 2]), torch.tensor([0, 1, 1, 2, 0, 2])
    matrix = softmax_concise.confusion_matrix(predicted, labels, 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]


# --- 05: the MLP from scratch ---------------------------------------------------------------------------


def test_mlp_gradients_by_hand_equal_autograd():
    generator = torch.Generator().manual_seed(1)
    params = [p.detach().double().requires_grad_()
              for p in mlp_scratch.init_params(32, generator, "cpu")]
    with torch.no_grad():  # non-zero biases, so their gradients are tested too
        params[1].normal_(generator=generator)
        params[3].normal_(generator=generator)
    x = torch.randn(16, 784, generator=generator, dtype=torch.float64)
    y = torch.randint(0, 10, (16,), generator=generator)
    F.cross_entropy(mlp_scratch.net(x, params), y).backward()
    for mine, param in zip(mlp_scratch.backward_by_hand(x, y, params), params):
        assert mine.shape == param.shape
        assert torch.allclose(mine, param.grad, rtol=1e-10, atol=1e-12)


def test_mlp_scratch_equals_nn_sequential_with_copied_weights():
    """The same numbers in nn.Sequential (weights transposed to (out, in)): same logits, same gradients."""
    generator = torch.Generator().manual_seed(2)
    params = mlp_scratch.init_params(64, generator, "cpu")
    model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    with torch.no_grad():
        model[0].weight.copy_(params[0].T), model[0].bias.copy_(params[1])
        model[2].weight.copy_(params[2].T), model[2].bias.copy_(params[3])
    x, y = torch.randn(32, 784, generator=generator), torch.randint(0, 10, (32,), generator=generator)
    ours, theirs = mlp_scratch.net(x, params), model(x)
    assert torch.allclose(ours, theirs, atol=1e-5)
    F.cross_entropy(ours, y).backward()
    F.cross_entropy(theirs, y).backward()
    assert torch.allclose(params[0].grad, model[0].weight.grad.T, atol=1e-6)
    assert torch.allclose(params[2].grad, model[2].weight.grad.T, atol=1e-6)
    assert torch.allclose(params[1].grad, model[0].bias.grad, atol=1e-6)


def test_relu_by_hand():
    x = torch.tensor([-2.0, -0.0, 0.5, 3.0])
    assert torch.equal(mlp_scratch.relu(x), torch.relu(x))


def test_he_initialisation_keeps_the_mean_square():
    """The docstring: hidden values' mean square about that of the inputs, logits' mean square about 1."""
    images = torch.randint(0, 256, (512, 28, 28), dtype=torch.uint8)
    x = mlp_scratch.to_model_input(images)
    ratios, logit_squares = [], []
    for seed in range(5):
        w1, b1, w2, b2 = (p.detach() for p in mlp_scratch.init_params(256, torch.Generator().manual_seed(seed), "cpu"))
        h = mlp_scratch.relu(x @ w1 + b1)
        ratios.append((h ** 2).mean().item() / (x ** 2).mean().item())
        logit_squares.append(((h @ w2 + b2) ** 2).mean().item() / (h ** 2).mean().item())
    measured("hidden/input mean square, mean of 5 seeds", sum(ratios) / 5, 0.85, 1.15)
    measured("logits/hidden mean square, mean of 5 seeds", sum(logit_squares) / 5, 0.85, 1.15)


# --- 06: the concise MLP ----------------------------------------------------------------------------------


def test_concise_mlp_shapes_and_initialisation():
    model = mlp_concise.make_model(256)
    assert model(torch.zeros(4, 28, 28)).shape == (4, 10)
    assert sum(p.numel() for p in model.parameters()) == 203_530
    assert model[1].weight.std().item() == pytest.approx(math.sqrt(2 / 784), rel=0.05), "He, as in 05"
    # the docstring: nn.Linear's default is uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)]. 1000 outputs, so that the
    # largest of the 1000 biases comes near the edge (10 of them stayed below 0.8 of it about one run in nine), and
    # a seeded generator of its own, so that the test does not depend on what ran before it in this process
    with torch.random.fork_rng():
        torch.manual_seed(0)
        default = nn.Linear(256, 1000)
    for tensor in (default.weight, default.bias):
        assert 0.95 / 16 < tensor.abs().max().item() <= 1 / 16


# --- all four on the tiny fixture -------------------------------------------------------------------------


@pytest.mark.parametrize("lesson", [softmax_scratch, softmax_concise, mlp_scratch, mlp_concise],
                         ids=["03", "04", "05", "06"])
def test_lessons_learn_the_tiny_fixture(lesson, tmp_path, tiny_data_root):
    """Each class lights its own band of rows in the fixture: two epochs must separate them."""
    record = lesson.main(["--quick", "--device", "cpu", "--data-dir", str(tiny_data_root), "--out", str(tmp_path)])
    metrics = record["metrics"]
    assert metrics["test_accuracy"] >= 0.9 and metrics["train_examples"] == 256
    if lesson is softmax_scratch:
        assert metrics["naive_softmax_has_nan"] is True
    if lesson is mlp_scratch:
        measured("by hand vs autograd, largest gradient gap", metrics["gradient_gap"], None, 1e-06)


# --- real data: the floors and the promised numbers at the defaults ---------------------------------------


@pytest.fixture(scope="module")
def real_fashion(tmp_path_factory):
    return real_image_copy(tmp_path_factory.mktemp("fashion"), "FashionMNIST")


def run_at_defaults(lesson, data, tmp_path) -> dict:
    record = lesson.main(["--device", "cpu", "--data-dir", str(data), "--out", str(tmp_path / "out")])
    metrics = record["metrics"]
    assert metrics["train_examples"] == 60_000 and metrics["epochs"] == 10
    return metrics


@pytest.mark.real_data
def test_softmax_scratch_at_defaults(real_fashion, tmp_path):
    """Guards 03's 'Expect: 84.4% test accuracy (running train accuracy 86.4%)' and COURSE.md's floor 0.83."""
    import lessonkit as lk

    train = lk.load_mnist(real_fashion, "FashionMNIST").x_train.float() / 255
    assert train.mean().item() == pytest.approx(softmax_scratch.FASHION_MEAN, abs=5e-4)
    assert train.std().item() == pytest.approx(softmax_scratch.FASHION_STD, abs=5e-4)
    metrics = run_at_defaults(softmax_scratch, real_fashion, tmp_path)
    measured("test accuracy (floor 0.83)", metrics["test_accuracy"], 0.83, None)
    measured("test accuracy", metrics["test_accuracy"], 0.84, 0.848)
    measured("train accuracy", metrics["train_accuracy"], 0.86, 0.868)


@pytest.mark.real_data
def test_softmax_concise_at_defaults(real_fashion, tmp_path):
    """Guards 04's 'Expect: 84.4%; test loss 0.443 on logits, 1.67 on probabilities; Shirt taken for
    T-shirt/top (about 140 of 1000)' and the floor 0.83."""
    metrics = run_at_defaults(softmax_concise, real_fashion, tmp_path)
    measured("test accuracy (floor 0.83)", metrics["test_accuracy"], 0.83, None)
    measured("test accuracy", metrics["test_accuracy"], 0.84, 0.848)
    measured("test loss", metrics["test_loss"], 0.433, 0.453)
    measured("test loss on probabilities", metrics["test_loss_on_probabilities"], 1.64, 1.7)
    assert metrics["most_frequent_mistake"] == "Shirt taken for T-shirt/top"
    measured("Shirt taken for T-shirt/top, of 1000", metrics["most_frequent_mistake_count"], 130, 150)
    assert metrics["history"][-1]["test_accuracy"] == metrics["test_accuracy"]


@pytest.mark.real_data
def test_mlp_scratch_at_defaults(real_fashion, tmp_path):
    """Guards 05's 'Expect: 89.3-89.4% test accuracy (running train accuracy 93.4%)', gradients within 1e-6,
    and COURSE.md's MLP floor 0.87."""
    metrics = run_at_defaults(mlp_scratch, real_fashion, tmp_path)
    measured("test accuracy (floor 0.87)", metrics["test_accuracy"], 0.87, None)
    measured("test accuracy", metrics["test_accuracy"], 0.889, 0.897)
    measured("train accuracy", metrics["train_accuracy"], 0.929, 0.939)
    measured("gradient gap", metrics["gradient_gap"], None, 1e-06)


@pytest.mark.real_data
def test_mlp_concise_at_defaults(real_fashion, tmp_path):
    """Guards 06's 'Expect: 89.1-89.2% test accuracy (1080-1090 of 10000 wrong)' and the floor 0.87."""
    metrics = run_at_defaults(mlp_concise, real_fashion, tmp_path)
    measured("test accuracy (floor 0.87)", metrics["test_accuracy"], 0.87, None)
    measured("test accuracy", metrics["test_accuracy"], 0.888, 0.896)
    measured("errors", metrics["errors"], 1040.0, 1120.0)
