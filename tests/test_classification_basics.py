"""Teaching checks for classification/01, 02, 08 and 09: the losses, the Dataset and split, the clouds'
ceiling, the activations' identities and the deep stack, with every number the docstrings promise
asserted (quick where synthetic data makes it cheap, `real_data` for the diabetes table)."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest
import torch
from conftest import REPO, load_lesson, real_data_root
from torch import nn
from torch.utils.data import DataLoader

logistic = load_lesson(REPO / "classification" / "01_logistic_regression.py")
diabetes = load_lesson(REPO / "classification" / "02_diabetes_multi_feature.py")
clouds = load_lesson(REPO / "classification" / "08_classify_2d_points.py")
acts = load_lesson(REPO / "classification" / "09_activations.py")


# --- 01: logistic regression ----------------------------------------------------------------------


def test_bce_formula_matches_torch_and_the_logits_form():
    generator = torch.Generator().manual_seed(0)
    p = torch.rand(50, 1, generator=generator) * 0.98 + 0.01
    y = (torch.rand(50, 1, generator=generator) > 0.5).float()
    assert torch.allclose(logistic.bce_by_formula(p, y), nn.BCELoss(reduction="sum")(p, y), rtol=1e-5)
    z = torch.linspace(-10, 10, 41).reshape(-1, 1)
    t = (torch.arange(41) % 2).float().reshape(-1, 1)
    two_step = nn.functional.binary_cross_entropy(torch.sigmoid(z), t)
    assert torch.allclose(two_step, nn.functional.binary_cross_entropy_with_logits(z, t), atol=1e-5), \
        "where nothing saturates, the two forms are the same loss"


def test_model_returns_logits_and_probability_is_their_sigmoid():
    model = logistic.LogisticRegression()
    x = torch.tensor([[0.5], [4.0]])
    with torch.no_grad():
        assert torch.equal(model(x), model.linear(x))
        assert torch.allclose(model.probability(x), torch.sigmoid(model.linear(x)))


def test_confidently_wrong_logit_two_forms():
    """Guards the docstring: z = 20, label 0: BCELoss gives 100 (clamped) and gradient 0, the logits form 20 and 1."""
    forms = logistic.loss_forms(20.0, 0.0)
    assert forms["sigmoid_then_bce"] == {"loss": pytest.approx(100.0), "grad": 0.0}
    assert forms["bce_with_logits"]["loss"] == pytest.approx(20.0, abs=1e-5)
    assert forms["bce_with_logits"]["grad"] == pytest.approx(1.0, abs=1e-6)


def test_logistic_regression_at_defaults(tmp_path):
    """Guards 'Expect: w = 1.11, b = -2.68, boundary 2.42 hours, P(pass | 4 hours) = 0.85'."""
    m = logistic.main(["--device", "cpu", "--out", str(tmp_path)])["metrics"]
    assert m["w"] == pytest.approx(1.11, abs=0.005) and m["b"] == pytest.approx(-2.68, abs=0.005)
    assert m["boundary_hours"] == pytest.approx(2.42, abs=0.005)
    assert m["p_pass_4_hours"] == pytest.approx(0.85, abs=0.005)
    assert m["boundary_hours"] == pytest.approx(-m["b"] / m["w"])


def test_separable_data_keeps_steepening():
    """'The loss is still falling (the three points are separable)': more epochs, larger w, lower loss."""
    short, short_losses = logistic.train(1000, 0.01, torch.Generator().manual_seed(0))
    long, long_losses = logistic.train(3000, 0.01, torch.Generator().manual_seed(0))
    assert torch.all(short_losses[1:] < short_losses[:-1]), "the loss falls at every epoch"
    assert long.linear.weight.item() > short.linear.weight.item() > 0
    assert long_losses[-1] < short_losses[-1]


# --- 02: diabetes, Dataset and DataLoader ---------------------------------------------------------


def test_dataset_len_getitem_and_loader():
    features = np.arange(40, dtype=np.float32).reshape(5, 8) / 40
    labels = np.array([0, 1, 1, 0, 1], dtype=np.float32)
    ds = diabetes.DiabetesDataset(features, labels)
    assert len(ds) == 5
    x, y = ds[2]
    assert x.shape == (8,) and x.dtype == torch.float32 and y.shape == () and y.item() == 1.0
    assert torch.equal(x, torch.from_numpy(features[2]))
    loader = DataLoader(ds, batch_size=2, shuffle=True, generator=torch.Generator().manual_seed(0))
    batches = list(loader)
    assert [len(b[1]) for b in batches] == [2, 2, 1], "mini-batches of 2, the last one smaller"
    assert batches[0][0].shape == (2, 8)
    seen = torch.cat([b[0][:, 0] for b in batches])
    assert sorted(seen.tolist()) == sorted(features[:, 0].tolist()), "each row exactly once per epoch"
    with pytest.raises(ValueError):
        diabetes.DiabetesDataset(features, labels[:3])


def test_split_is_disjoint_complete_and_repeatable():
    train, test = diabetes.split_indices(759, 0.2, seed=0)
    assert len(train) == 607 and len(test) == 152
    assert not set(train.tolist()) & set(test.tolist())
    assert sorted(train.tolist() + test.tolist()) == list(range(759))
    again_train, again_test = diabetes.split_indices(759, 0.2, seed=0)
    assert torch.equal(train, again_train) and torch.equal(test, again_test)
    torch.manual_seed(123)  # the global RNG does not matter: the split has its own generator
    assert torch.equal(diabetes.split_indices(759, 0.2, seed=0)[1], test)
    assert not torch.equal(diabetes.split_indices(759, 0.2, seed=1)[1], test)


def test_model_layout_and_binary_accuracy():
    model = diabetes.make_model("relu")
    assert model(torch.zeros(3, 8)).shape == (3, 1)
    assert sum(p.numel() for p in model.parameters()) == 8 * 6 + 6 + 6 * 4 + 4 + 4 + 1
    assert isinstance(model[-1], nn.Linear), "logits out: no activation on the last layer"
    logits = torch.tensor([[2.0], [-0.5], [0.1], [-3.0]])
    assert diabetes.binary_accuracy(logits, torch.tensor([1.0, 0.0, 0.0, 0.0])) == 0.75


def test_workers_change_where_batches_are_built_not_which(tmp_path, tiny_data_root):
    def run(workers):
        return diabetes.main(["--device", "cpu", "--epochs", "3", "--workers", str(workers), "--data-dir",
                              str(tiny_data_root), "--out", str(tmp_path / str(workers))])["metrics"]

    single, multi = run(0), run(2)
    assert single["train_loss"] == pytest.approx(multi["train_loss"], rel=1e-6)
    assert single["test_accuracy"] == multi["test_accuracy"]


def test_tiny_table_beats_its_baseline(tmp_path, tiny_data_root):
    m = diabetes.main(["--quick", "--device", "cpu", "--data-dir", str(tiny_data_root), "--out", str(tmp_path)])
    assert m["metrics"]["test_accuracy"] > m["metrics"]["baseline_accuracy"]


def _real_diabetes(tmp_path):
    source = real_data_root() / "liu" / "diabetes.csv.gz"
    if not source.is_file():
        pytest.skip(f"real_data: no {source}")
    (tmp_path / "data" / "liu").mkdir(parents=True)
    shutil.copy(source, tmp_path / "data" / "liu" / "diabetes.csv.gz")
    return tmp_path / "data"


@pytest.mark.real_data
def test_diabetes_at_defaults_on_the_real_table(tmp_path):
    """Guards 'Expect: 607 / 152 rows, test accuracy 0.763 against a baseline of 0.645, +11.8 points' and
    'the lecture's setting (sigmoid, SGD lr 0.01) never beats the baseline in 100 epochs: from epoch 3 on it
    answers "diabetic" for everyone'."""
    data = _real_diabetes(tmp_path)
    m = diabetes.main(["--device", "cpu", "--data-dir", str(data), "--out", str(tmp_path / "a")])["metrics"]
    assert (m["train_rows"], m["test_rows"]) == (607, 152)
    assert m["baseline_accuracy"] == pytest.approx(0.645, abs=0.001)
    assert m["test_accuracy"] == pytest.approx(0.763, abs=0.014), "within two of the 152 test rows"
    lecture = diabetes.main(["--device", "cpu", "--activation", "sigmoid", "--optimizer", "sgd", "--data-dir",
                             str(data), "--out", str(tmp_path / "b")])["metrics"]
    assert lecture["test_accuracy"] == lecture["baseline_accuracy"]
    assert {h["test_accuracy"] for h in lecture["history"][2:]} == {lecture["baseline_accuracy"]}, "from epoch 3 on"
    assert max(h["test_accuracy"] for h in lecture["history"]) <= lecture["baseline_accuracy"], "never above"


@pytest.mark.real_data
def test_diabetes_other_seeds_on_the_real_table(tmp_path):
    """Guards 'seeds 1-3 ... land between 0.73 and 0.80'."""
    data = _real_diabetes(tmp_path)
    for seed in (1, 2, 3):
        m = diabetes.main(["--device", "cpu", "--seed", str(seed), "--data-dir", str(data),
                           "--out", str(tmp_path / str(seed))])["metrics"]
        assert 0.73 <= m["test_accuracy"] <= 0.80, (seed, m["test_accuracy"])
        assert m["test_accuracy"] > m["baseline_accuracy"]


# --- 08: 2-D clouds --------------------------------------------------------------------------------


def test_cloud_centres_and_samples():
    centres = clouds.cloud_centres(3)
    assert torch.allclose(centres.norm(dim=1), torch.full((3,), clouds.RADIUS))
    assert torch.allclose(centres[0], torch.tensor([0.0, clouds.RADIUS]), atol=1e-6), "the first at the top"
    gaps = torch.cdist(centres, centres)[~torch.eye(3, dtype=torch.bool)]
    assert torch.allclose(gaps, gaps[0].expand_as(gaps)), "evenly spaced"
    x, y = clouds.make_clouds(centres, 4000, torch.Generator().manual_seed(0))
    assert x.shape == (12000, 2) and y.dtype == torch.long and torch.bincount(y).tolist() == [4000] * 3
    for k in range(3):
        assert torch.allclose(x[y == k].mean(0), centres[k], atol=0.05)
        assert torch.allclose(x[y == k].std(0), torch.full((2,), clouds.SPREAD), atol=0.05)


def test_nearest_centre_is_the_bayes_classifier():
    """For equal, round clouds and equal class sizes, the most likely class is the nearest centre."""
    centres = clouds.cloud_centres(4)
    x, _ = clouds.make_clouds(centres, 500, torch.Generator().manual_seed(1))
    densities = torch.distributions.MultivariateNormal(centres, clouds.SPREAD**2 * torch.eye(2))
    most_likely = densities.log_prob(x.unsqueeze(1)).argmax(dim=1)       # (N, classes) -> (N,)
    assert torch.equal(clouds.nearest_centre(x, centres), most_likely)


def test_snapshot_steps():
    assert clouds.snapshot_steps(100) == [0, 6, 12, 25, 50, 100]
    few = clouds.snapshot_steps(3)
    assert few[0] == 0 and few[-1] == 3 and few == sorted(set(few))


def test_clouds_at_defaults(tmp_path):
    """Guards 'Expect: train accuracy 0.06 untrained, 0.91 after 100 steps; test 0.930 against the ceiling 0.933'."""
    m = clouds.main(["--device", "cpu", "--out", str(tmp_path)])["metrics"]
    assert m["nearest_centre_accuracy"] == pytest.approx(0.933, abs=0.001)
    assert m["test_accuracy"] == pytest.approx(0.930, abs=0.005)
    assert m["snapshots"][0]["train_accuracy"] == pytest.approx(0.06, abs=0.005)
    assert m["train_accuracy"] == pytest.approx(0.91, abs=0.005)
    assert [s["step"] for s in m["snapshots"]] == [0, 6, 12, 25, 50, 100]


# --- 09: activations -------------------------------------------------------------------------------


def test_saturation_table():
    """Guards 'sigmoid and tanh saturate on both sides; ReLU, ELU, Softplus, SiLU and GELU on the left;
    LeakyReLU and PReLU nowhere' (note 004's definition: f' -> 0 far out on that side)."""
    sides = {name: (info["saturates_left"], info["saturates_right"])
             for name, info in ((n, acts.saturation(make())) for n, make in acts.ACTIVATIONS.items())}
    assert sides == {"ReLU": (True, False), "LeakyReLU": (False, False), "PReLU": (False, False),
                     "ELU": (True, False), "Softplus": (True, False), "SiLU": (True, False),
                     "GELU": (True, False), "Sigmoid": (True, True), "Tanh": (True, True)}
    assert acts.saturation(nn.Sigmoid())["max_slope"] == pytest.approx(0.25, abs=1e-4)


def test_the_notes_identities():
    x = torch.linspace(-8, 8, 801)
    s = torch.sigmoid(x)
    assert torch.allclose(acts.derivative(nn.Softplus(), x), s, atol=1e-6), "004: Softplus' = logistic"
    prelu = nn.PReLU()
    with torch.no_grad():
        prelu.weight.zero_()
        assert torch.equal(prelu(x), torch.relu(x)), "004: PReLU with slope 0 is ReLU"
    assert torch.allclose(acts.derivative(torch.sigmoid, x), s * (1 - s), atol=1e-7), "002: s' = s (1 - s)"
    assert torch.allclose(acts.derivative(torch.tanh, x), 1 - torch.tanh(x) ** 2, atol=1e-6)
    negative = x[x < 0]
    assert torch.allclose(acts.derivative(nn.ELU(), negative), torch.exp(negative), atol=1e-6), "ELU' = e^x for x < 0"


@pytest.mark.parametrize("name", list(acts.ACTIVATIONS))
def test_autograd_derivative_matches_finite_differences(name):
    fn = acts.ACTIVATIONS[name]()
    x = torch.linspace(-5, 5, 200)          # step 0.05, none within h of the kink at 0
    h = 1e-2
    with torch.no_grad():
        numeric = (fn(x + h) - fn(x - h)) / (2 * h)   # central differences
    assert torch.allclose(acts.derivative(fn, x), numeric, atol=2e-3)


def test_softmax_jacobian():
    a = torch.tensor([1.0, -0.5, 2.0, 0.3, -3.0])
    by_autograd, by_formula = acts.softmax_jacobian(a)
    assert by_autograd.shape == (5, 5)
    assert torch.allclose(by_autograd, by_formula, atol=1e-7), "promised: within 1e-7"
    assert torch.allclose(by_autograd, torch.autograd.functional.jacobian(lambda v: torch.softmax(v, 0), a), atol=1e-7)
    assert torch.allclose(by_autograd.sum(dim=1), torch.zeros(5), atol=1e-7)
    assert torch.allclose(by_autograd, by_autograd.T, atol=1e-7)


def test_deep_stack_spreads():
    """Guards the docstring's numbers for 20 layers at seed 0."""
    spread = {name: acts.stack_spread(act, init, 20, "cpu") for name, (act, init) in acts.STACKS.items()}
    forward, backward = spread["ReLU, Kaiming"]
    assert forward.max() / forward.min() < 2 and backward.max() / backward.min() < 2, "within a factor of 2"
    assert forward[0] == pytest.approx(0.83, abs=0.01) and forward[-1] == pytest.approx(0.47, abs=0.01)
    default_forward = spread["ReLU, default"][0]
    assert 1e-9 < default_forward[-1] < 1e-7, "shrinks to about 1e-8"
    assert 1e20 < spread["ReLU, N(0, 1)"][0][-1] < 1e21, "grows to about 5e20"
    assert spread["tanh, Xavier"][0][-1] == pytest.approx(0.65, abs=0.01)
    assert 3e-6 < spread["tanh, default"][0][-1] < 3e-5, "fades to about 1e-5"
    sig_forward, sig_backward = spread["sigmoid, Xavier"]
    assert sig_forward[0] == pytest.approx(0.21, abs=0.01) and sig_forward[-1] == pytest.approx(0.11, abs=0.01)
    assert 1e-13 < sig_backward[0] / sig_backward[-1] < 1e-11, "about 1e-12 of the gradient at the top"


def test_spirals_comparison_at_defaults():
    """Guards 'every activation but sigmoid reaches >= 0.98 in 300 steps; sigmoid stays near 0.61'."""
    results = acts.compare_on_spirals(steps=300, lr=0.01, seed=0, device="cpu")
    assert results["Sigmoid"]["test_accuracy"] == pytest.approx(0.61, abs=0.03)
    others = {n: r["test_accuracy"] for n, r in results.items() if n != "Sigmoid"}
    assert min(others.values()) >= 0.98, others
    final = {n: r["losses"][-1].item() for n, r in results.items()}
    assert max(final, key=final.get) == "Sigmoid"


def test_two_spirals_are_not_linearly_separable():
    x, y = acts.two_spirals(500, torch.Generator().manual_seed(0))
    assert x.shape == (500, 2) and torch.bincount(y).tolist() == [250, 250]
    torch.manual_seed(0)
    linear = nn.Linear(2, 2)
    optimizer = torch.optim.Adam(linear.parameters(), lr=0.05)
    for _ in range(300):
        loss = nn.functional.cross_entropy(linear(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert (linear(x).argmax(1) == y).float().mean() < 0.75, "a straight line cannot do much better than chance"


def test_depth_is_capped_before_float32_overflows(capsys):
    with pytest.raises(SystemExit) as exit_info:
        acts.main(["--depth", "40"])
    assert exit_info.value.code == 2 and "--depth" in capsys.readouterr().err
    assert math.isfinite(acts.stack_spread("relu", "normal", 30, "cpu")[0][-1].item()), "30 layers still fit"
