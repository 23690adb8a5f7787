"""Teaching-correctness tests for the tensors/ lessons: the worked numbers of the notes come out,
hand-written gradients agree with autograd, the optimizer finds every Himmelblau minimum, and
checkpoints, Dropout and BatchNorm behave as the lessons say. Each number a lesson promises in its
docstring, comments or printed sentences is asserted here; the test says which claim it guards."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
import torch
from conftest import REPO, load_lesson
from measured import measured
from torch import nn

import lessonkit as lk


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


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny tensors run several times faster on one thread than on a contended pair; results are the same."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


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


def test_chunk_piece_counts(basics, capsys):
    """guards 01's docstring and comment: chunk(n) cuts pieces of ceil(len / n), so 10 in 3 -> 4, 4, 2,
    10 in 4 -> 3, 3, 3, 1 (four pieces, not three), and 6 in 4 -> only 3 pieces."""
    lengths = basics.joining_and_splitting()
    assert lengths == {"10.chunk(3)": [4, 4, 2], "10.chunk(4)": [3, 3, 3, 1], "6.chunk(4)": [2, 2, 2]}
    for key, pieces in lengths.items():
        n, k = (int(v) for v in key.replace(".chunk(", " ").rstrip(")").split())
        assert pieces[0] == math.ceil(n / k) and sum(pieces) == n and len(pieces) <= k


# --- 02 autograd ---------------------------------------------------------------------------------

def test_tutorial_example_gradient_is_4_5_everywhere(autograd):
    ex = autograd.tutorial_example()
    assert ex["x_grad"].shape == (2, 2)
    assert torch.allclose(ex["x_grad"], torch.full((2, 2), 4.5))
    assert torch.allclose(ex["x_grad"], ex["formula"])
    assert ex["out"].item() == pytest.approx(27.0)
    # 003's own version (no factor 3): d/dx mean((x + 2)^2) = 2 (x + 2) / 4 = 1.5
    assert torch.allclose(autograd.note_003_example(), torch.full((2, 2), 1.5))


def test_non_leaf_grad_is_none_with_a_warning(autograd):
    """guards 02's comment: reading .grad of a non-leaf tensor (003's y.grad) gives None, with a warning;
    retain_grad() keeps it."""
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    (y * y).mean().backward()
    with pytest.warns(UserWarning, match="non-leaf"):
        assert y.grad is None
    assert torch.allclose(autograd.tutorial_example()["y_grad"], torch.full((2, 2), 4.5))


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


def test_derivative_errors_at_the_default_200_points(autograd):
    """guards 02's 'Expect: autograd differs from the derivative by hand by rounding error only (1e-15
    or exactly 0), a finite difference by about 5e-8'."""
    xs = torch.linspace(-6, 6, 200, dtype=torch.float64)
    by_hand = autograd.f_prime(xs)
    by_autograd = autograd.autograd_derivative(autograd.f, xs)
    measured("autograd vs by hand, 200 points (float64)", (by_autograd - by_hand).abs().max(), 0, 1e-14)
    numeric_error = (autograd.central_difference(autograd.f, xs) - by_hand).abs().max().item()
    measured("central difference vs by hand, 200 points (float64)", numeric_error, 3e-8, 8e-8)


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
        measured("|w - 2| after 100 epochs", abs(r["w"][-1] - 2.0), None, 0.001)
        measured(f"final / first loss, batch size {batch_size}", r["loss"][-1] / r["loss"][0], 0, 1e-6)
    batch = gd.gradient_descent(gd.X_DATA, gd.Y_DATA, w0=1.0, lr=0.01, epochs=30, batch_size=3)
    assert all(b < a for a, b in zip(batch["loss"], batch["loss"][1:])), "batch GD with a small lr never goes up"


def test_final_w_at_the_default_settings(gd):
    """guards 03's 'Expect: batch GD at 1.99994 after 100 epochs, SGD and mini-batch closer' (lr 0.01,
    w0 = 1, seed 0, mini-batches of 2) and 'hand-written and autograd gradients agree (below 1e-15)'."""
    kwargs = dict(w0=1.0, lr=0.01, epochs=100, seed=0)
    batch = gd.gradient_descent(gd.X_DATA, gd.Y_DATA, batch_size=3, **kwargs)
    sgd = gd.gradient_descent(gd.X_DATA, gd.Y_DATA, batch_size=1, **kwargs)
    mini = gd.gradient_descent(gd.X_DATA, gd.Y_DATA, batch_size=2, **kwargs)
    measured("batch GD final w", batch["w"][-1], 1.99994, 1.99995)
    measured("batch GD's |w - 2| minus SGD's", abs(batch["w"][-1] - 2) - abs(sgd["w"][-1] - 2), 1e-9, None)
    measured("batch GD's |w - 2| minus mini-batch's", abs(batch["w"][-1] - 2) - abs(mini["w"][-1] - 2), 1e-9, None)
    auto = gd.gradient_descent_autograd(gd.X_DATA, gd.Y_DATA, batch_size=2, **kwargs)
    measured("autograd vs hand, largest w difference", max(abs(a - b) for a, b in zip(auto["w"], mini["w"])), 0, 1e-15)


def test_shuffled_batches_cover_every_example_once_per_epoch(gd):
    g = torch.Generator().manual_seed(0)
    orders = []
    for _ in range(20):
        batches = gd.shuffled_batches(7, 3, g)
        assert [len(b) for b in batches] == [3, 3, 1]
        order = torch.cat(batches)
        assert sorted(order.tolist()) == list(range(7))
        orders.append(tuple(order.tolist()))
    assert len(set(orders)) > 1, "a new order each epoch"
    again = torch.Generator().manual_seed(0)   # the same seed gives the same batches
    assert tuple(torch.cat(gd.shuffled_batches(7, 3, again)).tolist()) == orders[0]


def test_cost_surface_over_w_and_b(gd):
    """guards 03's 'the (w, b) grid's lowest cost is 0 at w = 2, b = 0' and the printed valley numbers."""
    ws = torch.arange(0, 41, dtype=torch.float64) / 10
    bs = torch.arange(-20, 21, dtype=torch.float64) / 10
    grid = gd.cost_grid(ws, bs)
    assert grid.shape == (len(bs), len(ws))
    row, col = divmod(grid.argmin().item(), len(ws))
    assert (ws[col].item(), bs[row].item()) == (2.0, 0.0) and grid.min().item() == 0.0
    # the least-squares solution of [x, 1] [w, b]^T = y is the same point
    design = torch.stack([gd.X_DATA, torch.ones(3, dtype=torch.float64)], dim=1)
    w_b = torch.linalg.lstsq(design, gd.Y_DATA.unsqueeze(1)).solution.flatten()
    assert torch.allclose(w_b, torch.tensor([2.0, 0.0], dtype=torch.float64), atol=1e-10)
    # every grid entry is the MSE of that (w, b); the b = 0 row is 001's MSE over w
    for i, j in [(0, 0), (5, 33), (30, 15), (40, 40)]:
        want = ((ws[j] * gd.X_DATA + bs[i] - gd.Y_DATA) ** 2).mean()
        assert grid[i, j].item() == pytest.approx(want.item(), abs=1e-12)
    assert torch.allclose(grid[20], torch.stack([gd.mse(w) for w in ws]))
    # the valley: w = 1.5, b = 1 costs 1/6, less than w = 2, b = 1 (cost 1)
    assert grid[30, 15].item() == pytest.approx(1 / 6) and grid[30, 20].item() == pytest.approx(1.0)


@pytest.mark.parametrize("values", [dict(), dict(x=3.0, w1=-0.5, b1=2.0, w2=-1.5, b2=0.3)])
def test_chain_rule_002(gd, values):
    chain = gd.chain_rule_002(**values)
    expected = values.get("w2", 2.0) * values.get("x", 1.0)   # dy2/dw1 = w2 x
    assert chain["by_hand"] == pytest.approx(expected)
    assert chain["local_product"] == pytest.approx(expected, abs=1e-12)
    assert chain["autograd"] == pytest.approx(expected, abs=1e-12)


def test_backprop_by_hand_at_the_lesson_settings(gd):
    """guards 03's 'agree to rounding (below 1e-15)' for the printed two-layer network (seed 0)."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(8, 3, generator=g, dtype=torch.float64)
    y = torch.randn(8, 1, generator=g, dtype=torch.float64)
    params = gd.init_two_layer(3, 4, seed=0)
    hand, auto = gd.two_layer_backward_by_hand(params, x, y), gd.two_layer_backward_autograd(params, x, y)
    assert max((hand[k] - auto[k]).abs().max().item() for k in params) < 1e-15


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


def test_himmelblau_at_the_default_settings(himmelblau):
    """guards 04's 'Expect: all four minima found to within 1e-6 with f below 1e-11' (Adam, lr 0.05, 1000 steps)."""
    ends, _ = himmelblau.find_minima(himmelblau.STARTS, lr=0.05, steps=1000)
    idx, dist = himmelblau.nearest_known(ends)
    assert sorted(idx.tolist()) == [0, 1, 2, 3]
    measured("largest distance to a known minimum", dist.max().item(), 0, 1e-06)
    measured("largest f at the ends", himmelblau.himmelblau(ends).max().item(), 0, 1e-11)


def test_himmelblau_plain_sgd_learning_rates(himmelblau):
    """guards 04's --optimizer help: with sgd, lr 0.01 finds all four minima, from about 0.015 a start
    lands in another minimum, at 0.05 the steps diverge."""
    ends, _ = himmelblau.find_minima(himmelblau.STARTS, lr=0.01, steps=1000, optimizer="sgd")
    idx, dist = himmelblau.nearest_known(ends)
    assert sorted(idx.tolist()) == [0, 1, 2, 3]
    measured("SGD lr 0.01: largest distance to a known minimum", dist.max(), 0, 1e-5)
    ends, _ = himmelblau.find_minima(himmelblau.STARTS, lr=0.015, steps=1000, optimizer="sgd")
    idx, dist = himmelblau.nearest_known(ends)
    assert len(set(idx.tolist())) == 3
    measured("SGD lr 0.015: largest distance to a known minimum", dist.max(), 0, 1e-5)
    with pytest.raises(lk.TrainingDiverged):
        himmelblau.find_minima(himmelblau.STARTS, lr=0.05, steps=1000, optimizer="sgd")


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
    measured("fraction dropped", abs(dropped.float().mean().item() - p), None, 0.02)
    assert torch.equal(eval_out, x)                                     # identity in eval mode


def test_dropout_keeps_the_mean_of_ones(modules):
    """guards 05's printed 'on 100,000 ones ... (the 1 / (1 - p) scaling keeps the mean at 1)'."""
    torch.manual_seed(0)
    for p in (0.2, 0.5):
        train_out, _ = modules.dropout_train_vs_eval(torch.ones(100_000), p)
        measured("mean of dropout(ones)", train_out.mean().item(), 0.99, 1.01)


def test_batchnorm_train_uses_batch_stats_eval_uses_running_stats(modules):
    g = torch.Generator().manual_seed(0)
    batches = [torch.randn(64, 3, generator=g) * torch.tensor([1.0, 3.0, 0.5]) + torch.tensor([2.0, -1.0, 0.5])
               for _ in range(5)]
    bn = modules.batchnorm_train_vs_eval(batches)
    last = batches[-1]
    # train mode: the batch's own mean and biased variance
    expected_train = (last - last.mean(0)) / torch.sqrt(last.var(0, correction=0) + bn["eps"])
    assert torch.allclose(bn["train_out"], expected_train, atol=1e-5)
    # 05's 'Expect: BatchNorm's train output has mean 0 and std 1 per feature'
    measured("largest |mean| of BatchNorm train output", bn["train_out"].mean(0).abs().max().item(), 0, 1e-05)
    assert torch.allclose(bn["train_out"].std(0, correction=0), torch.ones(3), atol=1e-3)
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


def test_apply_visits_children_first_and_default_init_is_uniform(modules):
    """guards 05's comments: model.apply calls the function on every submodule, children first; the
    default Linear weights are uniform in +-1/sqrt(fan_in)."""
    model = modules.SmallClassifier(hidden=16)
    seen = []
    model.apply(seen.append)
    assert seen[-1] is model and seen.index(model.body[0]) < seen.index(model.body)
    assert {id(m) for m in seen} == {id(m) for m in model.modules()}
    layer = nn.Linear(256, 256)
    bound = 1 / 256 ** 0.5
    assert layer.weight.abs().max().item() <= bound
    measured("default init std / (bound / sqrt 3)", layer.weight.std().item() / (bound / 3 ** 0.5), 0.98, 1.02)


def test_custom_init_through_apply(modules):
    model = nn.Sequential(nn.Linear(400, 400), nn.ReLU(), modules.MyLinear(400, 300))
    model.apply(modules.init_weights)
    assert torch.count_nonzero(model[0].bias) == 0 and torch.count_nonzero(model[2].b) == 0
    he_std = (2 / 400) ** 0.5
    measured("He init std, nn.Linear", model[0].weight.std().item(), he_std * (1 - 0.05), he_std * (1 + 0.05))
    measured("He init std, MyLinear", model[2].w.std().item(), he_std * (1 - 0.05), he_std * (1 + 0.05))


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
    measured("weights-only resume vs uninterrupted, largest weight difference",
             save_load.max_weight_difference(full_model, other_model), 1e-6, None)


def test_save_and_load_plain_tensors(save_load, tmp_path):
    """guards 06's tensor round trips (000: a tensor, a list, a dict) and 'a 2-number slice of a 100,000-number
    tensor saved as a view writes the whole 400 kB storage, its clone under 2 kB'."""
    saved = save_load.save_and_load_tensors(tmp_path)
    x, x_back = saved["x"]
    assert torch.equal(x, x_back)
    xy, xy_back = saved["list"]
    assert isinstance(xy_back, list) and len(xy_back) == 2 and all(map(torch.equal, xy, xy_back))
    d, d_back = saved["dict"]
    assert isinstance(d_back, dict) and d_back.keys() == d.keys() and all(torch.equal(d[k], d_back[k]) for k in d)
    assert saved["bytes"]["view"] > 400_000 and saved["bytes"]["clone"] < 2_000


def test_generator_state_off_the_cpu_is_rejected(save_load, tmp_path):
    """The failure behind the CUDA crash, reproduced without a GPU: map_location moves a generator's
    state like any tensor, and set_state takes only a CPU ByteTensor. 'meta' is a real non-CPU device
    on every machine; the same check rejects a state on 'cuda' with the same message. (The lesson's fix,
    restoring from .cpu() copies, can only run with a device that holds data: the gpu tests do that.)"""
    model, optimizer, shuffler = save_load.new_run(0, 0.01, "cpu")
    path = lk.save_checkpoint(save_load.checkpoint_state(model, optimizer, 0, shuffler, []), tmp_path / "c.pt")
    moved = lk.load_checkpoint(path, map_location="meta")
    assert moved["shuffler"].device.type == "meta"
    with pytest.raises(TypeError, match="RNG state must be a torch.ByteTensor"):
        torch.Generator().set_state(moved["shuffler"])
    with pytest.raises(TypeError, match="RNG state must be a torch.ByteTensor"):
        torch.set_rng_state(moved["torch_rng"])
    on_cpu = lk.load_checkpoint(path, map_location="cpu")
    for key in ("shuffler", "torch_rng"):
        assert on_cpu[key].device.type == "cpu" and on_cpu[key].dtype == torch.uint8
    restored = torch.Generator().set_state(on_cpu["shuffler"].cpu())
    assert torch.equal(torch.randperm(50, generator=restored), torch.randperm(50, generator=shuffler))


def test_resume_with_map_location_and_resume_device_arguments(save_load, tmp_path):
    """The keyword arguments the gpu tests use (map_location, resume_device) work on the CPU and keep the run exact."""
    x, y = save_load.make_data(64, seed=1, device="cpu")
    kwargs = dict(seed=1, lr=0.01, epochs=3, batch_size=16, device="cpu")
    full_model, full = save_load.train_uninterrupted(x, y, **kwargs)
    model, losses = save_load.train_with_restart(x, y, tmp_path / "c.pt", resume_at=1, map_location=torch.device("cpu"),
                                                 resume_device="cpu", **kwargs)
    assert losses == full and save_load.max_weight_difference(full_model, model) == 0.0


def test_save_load_lesson_at_its_defaults(save_load, tmp_path, capsys):
    """guards 06's 'Expect': every round trip exact, the resumed run identical on the CPU, and the
    printed 'without the optimizer state the first epoch after the restart has (a higher) loss'."""
    m = save_load.main(["--out", str(tmp_path), "--device", "cpu"])["metrics"]
    assert m["tensors_round_trip_equal"] == 1 and m["round_trip_max_diff"] == 0.0
    assert m["saved_view_bytes"] > 400_000 and m["saved_clone_bytes"] < 2_000
    assert m["resumed_identical"] == 1 and m["final_loss_resumed"] == m["final_loss_uninterrupted"]
    measured("first loss after a weights-only restart / after a full restart",
             m["first_loss_after_weights_only_restart"] / m["first_loss_after_restart"], 1.1, None)  # 1.3-3.4


def test_the_notes_bugs_named_in_the_lessons_are_real():
    """The lessons' "fix:" comments name bugs of the notes' code; each one fails as the comment says."""
    from torch import nn

    w = torch.full([1], 2)                                    # note 002 (tensors/02's comment)
    assert w.dtype == torch.int64
    with pytest.raises(RuntimeError, match="floating point"):
        w.requires_grad_()
    assert not hasattr(torch.optim, "SCD")                   # note 002 (classification/10's comment)
    with pytest.raises(TypeError, match="kernel_size"):       # note 002's TestNet (cnn/05's comment)
        nn.Conv2d(1, 16, stride=1, padding=1)
    data = torch.ones(4, 3, dtype=torch.float64, requires_grad=True)  # note 003 (regression/04's comment)
    weight = torch.ones(3, 1, dtype=torch.float64, requires_grad=True)
    (data @ weight).sum().backward()
    assert data.grad is not None, "autograd computed a gradient for the data that nothing uses"
