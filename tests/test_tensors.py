"""Teaching-correctness tests for the tensors/ lessons: the worked numbers of the notes come out,
hand-written gradients agree with autograd, the optimizer finds every Himmelblau minimum, and
checkpoints, Dropout and BatchNorm behave as the lessons say."""

from __future__ import annotations

from fractions import Fraction

import pytest
import torch
from conftest import REPO, load_lesson
from torch import nn


@pytest.fixture(scope="module")
def basics():
    return load_lesson(REPO / "tensors/01_tensor_basics.py")


@pytest.fixture(scope="module")
def autograd():
    return load_lesson(REPO / "tensors/02_autograd.py")


@pytest.fixture(scope="module")
def gd():
    return load_lesson(REPO / "tensors/03_gradient_descent.py")


@pytest.fixture(scope="module")
def himmelblau():
    return load_lesson(REPO / "tensors/04_himmelblau.py")


@pytest.fixture(scope="module")
def modules():
    return load_lesson(REPO / "tensors/05_modules_and_parameters.py")


@pytest.fixture(scope="module")
def save_load():
    return load_lesson(REPO / "tensors/06_save_load_and_devices.py")


# --- 01 tensor basics --------------------------------------------------------------------------

def test_numpy_interop_sharing_claims(basics, capsys):
    checks = basics.numpy_interop()
    assert checks == {"from_numpy_shares": True, "tensor_copies": True, "numpy_shares": True}


def test_broadcasting_is_expand_then_add(basics, capsys):
    col, row, out = basics.broadcasting()
    assert out.shape == (col.shape[0], row.shape[0])
    assert torch.equal(out, col.expand_as(out) + row.expand_as(out))
    assert torch.equal(out, col.repeat(1, row.shape[0]) + row.repeat(col.shape[0], 1))


def test_view_and_expand_claims(basics, capsys):
    checks = basics.views_and_reshaping()
    assert checks["view_of_transpose_fails"] and checks["expand_shares_memory"]


# --- 02 autograd ---------------------------------------------------------------------------------

def test_tutorial_example_gradient_is_4_5_everywhere(autograd):
    ex = autograd.tutorial_example()
    assert ex["x_grad"].shape == (2, 2)
    assert torch.allclose(ex["x_grad"], torch.full((2, 2), 4.5))
    assert torch.allclose(ex["x_grad"], ex["formula"])
    assert ex["out"].item() == pytest.approx(27.0)
    # 003's own version (no factor 3): d/dx mean((x + 2)^2) = 2 (x + 2) / 4 = 1.5
    assert torch.allclose(autograd.note_003_example(), torch.full((2, 2), 1.5))


def test_gradients_accumulate_until_zeroed(autograd):
    assert autograd.accumulation() == [12.0, 24.0, 36.0, 12.0]


def test_no_grad_update_and_detach(autograd):
    assert autograd.gradient_descent_step_without_tracking() == pytest.approx(4.0)
    stopped, full = autograd.detach_demo()
    x = torch.tensor([1.0, 2.0, 3.0])
    assert torch.equal(stopped, x) and torch.equal(full, 2 * x)


def test_non_scalar_backward_is_vector_jacobian_product(autograd, capsys):
    ns = autograd.non_scalar_output()
    x = torch.tensor([1.0, 2.0, 3.0])
    expected = ns["v"] * 2 * x
    assert torch.allclose(ns["backward_with_v"], expected)
    assert torch.allclose(ns["autograd_grad_with_v"], expected)
    assert torch.allclose(ns["grad_of_sum"], 2 * x)
    assert torch.allclose(ns["jacobian"], torch.diag(2 * x))


def test_autograd_derivative_matches_analytic(autograd):
    xs = torch.linspace(-6, 6, 101, dtype=torch.float64)
    assert torch.allclose(autograd.autograd_derivative(autograd.f, xs), autograd.f_prime(xs), atol=1e-10)
    # and the finite difference is only an approximation, but a close one
    assert torch.allclose(autograd.central_difference(autograd.f, xs), autograd.f_prime(xs), atol=1e-5)


# --- 03 gradient descent -------------------------------------------------------------------------

def test_mse_table_matches_001(gd):
    exact = [Fraction(56, 3), Fraction(14, 3), Fraction(0), Fraction(14, 3), Fraction(56, 3)]
    table = gd.mse_table(range(5))
    assert [w for w, _ in table] == [0.0, 1.0, 2.0, 3.0, 4.0]
    for (_, loss), want in zip(table, exact):
        assert loss == pytest.approx(float(want), abs=1e-2)
        assert round(loss, 2) == round(float(want), 2)
    assert [gd.mse_exact(w) for w in range(5)] == exact


@pytest.mark.parametrize("w", [-1.5, 0.0, 1.0, 2.0, 3.7])
def test_hand_gradient_equals_autograd(gd, w):
    x, y = gd.X_DATA, gd.Y_DATA
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    gd.mse(wt, x, y).backward()
    assert gd.mse_grad(w, x, y).item() == pytest.approx(wt.grad.item(), abs=1e-6)
    # and on a mini-batch of the data
    wt.grad = None
    gd.mse(wt, x[:2], y[:2]).backward()
    assert gd.mse_grad(w, x[:2], y[:2]).item() == pytest.approx(wt.grad.item(), abs=1e-6)


@pytest.mark.parametrize("batch_size", [1, 2, 3])
def test_gradient_descent_by_hand_equals_autograd_loop(gd, batch_size):
    kwargs = dict(w0=1.0, lr=0.01, epochs=15, batch_size=batch_size, seed=3)
    hand = gd.gradient_descent(gd.X_DATA, gd.Y_DATA, **kwargs)
    auto = gd.gradient_descent_autograd(gd.X_DATA, gd.Y_DATA, **kwargs)
    assert len(hand["w"]) == len(auto["w"]) == 1 + 15 * -(-3 // batch_size)
    assert max(abs(a - b) for a, b in zip(hand["w"], auto["w"])) < 1e-6
    assert max(abs(a - b) for a, b in zip(hand["loss"], auto["loss"])) < 1e-6


def test_gradient_descent_variants_approach_w_2(gd):
    for batch_size in (1, 2, 3):
        r = gd.gradient_descent(gd.X_DATA, gd.Y_DATA, w0=1.0, lr=0.01, epochs=100, batch_size=batch_size)
        assert abs(r["w"][-1] - 2.0) < 1e-3
        assert r["loss"][-1] < r["loss"][0] * 1e-6
    batch = gd.gradient_descent(gd.X_DATA, gd.Y_DATA, w0=1.0, lr=0.01, epochs=30, batch_size=3)
    assert all(b < a for a, b in zip(batch["loss"], batch["loss"][1:])), "batch GD with a small lr never goes up"


@pytest.mark.parametrize("values", [dict(), dict(x=3.0, w1=-0.5, b1=2.0, w2=-1.5, b2=0.3)])
def test_chain_rule_002(gd, values):
    chain = gd.chain_rule_002(**values)
    expected = values.get("w2", 2.0) * values.get("x", 1.0)   # dy2/dw1 = w2 x
    assert chain["by_hand"] == pytest.approx(expected)
    assert chain["local_product"] == pytest.approx(expected, abs=1e-12)
    assert chain["autograd"] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_layer_backprop_by_hand_equals_autograd(gd, seed):
    g = torch.Generator().manual_seed(100 + seed)
    x = torch.randn(10, 3, generator=g, dtype=torch.float64)
    y = torch.randn(10, 1, generator=g, dtype=torch.float64)
    params = gd.init_two_layer(3, 5, seed=seed)
    hand = gd.two_layer_backward_by_hand(params, x, y)
    auto = gd.two_layer_backward_autograd(params, x, y)
    assert hand.keys() == auto.keys() == params.keys()
    for k in params:
        assert hand[k].shape == params[k].shape
        assert torch.allclose(hand[k], auto[k], atol=1e-6, rtol=0), k
    assert any(hand[k].abs().max() > 1e-3 for k in params), "gradients should not all vanish"


# --- 04 Himmelblau ------------------------------------------------------------------------------

def test_himmelblau_known_minima_are_zeros(himmelblau):
    values = himmelblau.himmelblau(himmelblau.KNOWN_MINIMA.double())
    assert values.max().item() < 1e-8


def test_himmelblau_finds_all_four_minima(himmelblau):
    ends, paths = himmelblau.find_minima(himmelblau.STARTS, lr=0.05, steps=500)
    assert paths.shape == (501, 4, 2)
    assert torch.equal(paths[0], himmelblau.STARTS)
    values = himmelblau.himmelblau(ends.double())
    assert values.max().item() < 1e-6
    for known in himmelblau.KNOWN_MINIMA:
        distances = (ends - known).norm(dim=1)
        assert distances.min().item() < 1e-3, f"no run ended at {known.tolist()}: {ends.tolist()}"


def test_himmelblau_batched_runs_are_independent(himmelblau):
    """Optimising the 4 points as one (4, 2) tensor is the same as 4 separate runs."""
    ends, _ = himmelblau.find_minima(himmelblau.STARTS, lr=0.05, steps=100)
    for k in (0, 3):
        alone, _ = himmelblau.find_minima(himmelblau.STARTS[k:k + 1], lr=0.05, steps=100)
        assert torch.allclose(alone[0], ends[k], atol=1e-6)


# --- 05 modules and parameters ------------------------------------------------------------------

@pytest.mark.parametrize("p", [0.2, 0.5])
def test_dropout_train_vs_eval(modules, p):
    torch.manual_seed(0)
    x = torch.rand(50_000) + 0.5
    train_out, eval_out = modules.dropout_train_vs_eval(x, p)
    dropped = train_out == 0
    assert torch.allclose(train_out[~dropped], x[~dropped] / (1 - p))   # survivors rescaled
    assert abs(dropped.float().mean().item() - p) < 0.02
    assert torch.equal(eval_out, x)                                     # identity in eval mode


def test_batchnorm_train_uses_batch_stats_eval_uses_running_stats(modules):
    g = torch.Generator().manual_seed(0)
    batches = [torch.randn(64, 3, generator=g) * torch.tensor([1.0, 3.0, 0.5]) + torch.tensor([2.0, -1.0, 0.5])
               for _ in range(5)]
    bn = modules.batchnorm_train_vs_eval(batches)
    last = batches[-1]
    # train mode: the batch's own mean and biased variance
    expected_train = (last - last.mean(0)) / torch.sqrt(last.var(0, correction=0) + bn["eps"])
    assert torch.allclose(bn["train_out"], expected_train, atol=1e-5)
    # running averages: start at 0 / 1, then (1 - 0.1) * old + 0.1 * batch (unbiased variance)
    rm, rv = torch.zeros(3), torch.ones(3)
    for b in batches:
        rm = 0.9 * rm + 0.1 * b.mean(0)
        rv = 0.9 * rv + 0.1 * b.var(0, correction=1)
    assert torch.allclose(bn["running_mean"], rm, atol=1e-5)
    assert torch.allclose(bn["running_var"], rv, atol=1e-5)
    # eval mode: the running statistics, so the output differs from train mode
    expected_eval = (last - rm) / torch.sqrt(rv + bn["eps"])
    assert torch.allclose(bn["eval_out"], expected_eval, atol=1e-5)
    assert not torch.allclose(bn["eval_out"], bn["train_out"], atol=1e-2)


@pytest.mark.parametrize("hidden", [1, 16, 100])
def test_parameter_count_by_hand(modules, hidden):
    model = modules.SmallClassifier(d_in=4, hidden=hidden, classes=3)
    assert modules.count_parameters(model) == modules.count_by_hand(4, hidden, 3)
    model.body.requires_grad_(False)
    assert modules.count_parameters(model, trainable_only=True) == hidden * 3 + 3


def test_my_linear_matches_functional_linear(modules):
    layer = modules.MyLinear(5, 2)
    x = torch.randn(7, 5)
    assert torch.allclose(layer(x), nn.functional.linear(x, layer.w, layer.b), atol=1e-6)
    assert {name for name, _ in layer.named_parameters()} == {"w", "b"}


def test_custom_init_through_apply(modules):
    model = nn.Sequential(nn.Linear(400, 400), nn.ReLU(), modules.MyLinear(400, 300))
    model.apply(modules.init_weights)
    assert torch.count_nonzero(model[0].bias) == 0 and torch.count_nonzero(model[2].b) == 0
    he_std = (2 / 400) ** 0.5
    assert model[0].weight.std().item() == pytest.approx(he_std, rel=0.05)
    assert model[2].w.std().item() == pytest.approx(he_std, rel=0.05)


# --- 06 save, load, resume ------------------------------------------------------------------------

def test_state_dict_round_trip_gives_identical_outputs(save_load, tmp_path):
    import lessonkit as lk

    torch.manual_seed(0)
    model = save_load.make_model()
    lk.save_checkpoint(model.state_dict(), tmp_path / "m.pt")
    torch.manual_seed(1)
    restored = save_load.make_model()
    x = torch.linspace(-3, 3, 20).unsqueeze(1)
    assert not torch.equal(model(x), restored(x))
    restored.load_state_dict(lk.load_checkpoint(tmp_path / "m.pt"))
    assert torch.equal(lk.predict(model, x), lk.predict(restored, x))


def test_resumed_training_equals_uninterrupted(save_load, tmp_path):
    x, y = save_load.make_data(64, seed=0)
    kwargs = dict(seed=0, lr=0.01, epochs=4, batch_size=16)
    full_model, full = save_load.train_uninterrupted(x, y, **kwargs)
    resumed_model, resumed = save_load.train_with_restart(x, y, tmp_path / "ckpt.pt", resume_at=2, **kwargs)
    assert len(full) == len(resumed) == 4
    assert full == resumed
    assert save_load.max_weight_difference(full_model, resumed_model) == 0.0
    # the optimizer state matters: resuming from the weights alone takes another path
    other_model, other = save_load.train_with_restart(x, y, tmp_path / "ckpt2.pt", resume_at=2,
                                                      restore_optimizer=False, **kwargs)
    assert other[:2] == full[:2]
    assert save_load.max_weight_difference(full_model, other_model) > 1e-6
