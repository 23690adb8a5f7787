"""cnn/05 and cnn/06: the pipeline resumes exactly, refuses broken checkpoints clearly, stops early and tests
the best epoch, writes one CSV row per epoch; scratch BatchNorm equals nn.BatchNorm1d/2d in train and eval
mode; every number the two docstrings promise (`real_data` on MNIST)."""

from __future__ import annotations

import csv

import pytest
import torch
from conftest import REPO, load_lesson, real_image_copy
from measured import SEED, measured
from torch import nn

import lessonkit as lk

lenet = load_lesson(REPO / "cnn" / "04_lenet.py")
pipeline = load_lesson(REPO / "cnn" / "05_training_pipeline.py")
batchnorm = load_lesson(REPO / "cnn" / "06_batch_norm.py")


def run_pipeline(tiny, out, *flags):
    return pipeline.main(["--device", "cpu", "--batch-size", "32", "--data-dir", str(tiny), "--out", str(out),
                          *flags])


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load_model(path):
    model = pipeline.NoteCNN()
    model.load_state_dict(lk.load_checkpoint(path)["model"])
    return model


# --- cnn/05_training_pipeline.py -------------------------------------------------------------------------

def test_note_model_is_fixed_and_returns_logits():
    model = pipeline.NoteCNN()
    assert model.features(torch.zeros(3, 1, 28, 28)).shape == (3, 32, 2, 2)  # the note's 32 * 2 * 2 = 128
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    assert isinstance(model.classifier[-1], nn.Linear), "no activation after the last layer"


def multiply_adds(model: nn.Module) -> int:
    """Multiply-adds of the conv and linear layers for one 28x28 image, counted from their output sizes."""
    total = 0

    def count(module, inputs, output):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            per_output = module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
        else:
            per_output = module.in_features
        total += output.numel() * per_output

    hooks = [m.register_forward_hook(count) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.inference_mode():
        model.eval()(torch.zeros(1, 1, 28, 28))
    for hook in hooks:
        hook.remove()
    return total


def test_the_notes_network_costs_about_4x_lenet():
    """Guards the docstring's 'about 4x the multiply-adds of cnn/04's LeNet per image'."""
    ratio = multiply_adds(pipeline.NoteCNN()) / multiply_adds(lenet.LeNet5())
    assert ratio == pytest.approx(4.0, abs=0.5), ratio


def test_resume_after_a_crash_ends_exactly_like_an_uninterrupted_run(tmp_path, tiny_data_root, monkeypatch):
    flags = ["--epochs", "4", "--patience", "10"]
    full = run_pipeline(tiny_data_root, tmp_path / "full", *flags)

    # The same run, killed during epoch 3 (after epoch 2's checkpoint, before epoch 3's validation).
    real_evaluate, calls = pipeline.evaluate, []

    def evaluate_then_crash(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_evaluate(*args, **kwargs)

    with monkeypatch.context() as patch, pytest.raises(KeyboardInterrupt):
        patch.setattr(pipeline, "evaluate", evaluate_then_crash)
        run_pipeline(tiny_data_root, tmp_path / "crashed", *flags)
    assert lk.load_checkpoint(tmp_path / "crashed" / "last.pt")["epoch"] == 2

    # Resumed in a fresh output folder: best.pt comes along from beside the checkpoint.
    resumed = run_pipeline(tiny_data_root, tmp_path / "resumed", *flags, "--resume",
                           str(tmp_path / "crashed" / "last.pt"))
    a = lk.load_checkpoint(tmp_path / "full" / "last.pt")["model"]
    b = lk.load_checkpoint(tmp_path / "resumed" / "last.pt")["model"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), "final weights differ"
    no_time = [{k: v for k, v in h.items() if k != "seconds"} for h in full["metrics"]["history"]]
    assert [{k: v for k, v in h.items() if k != "seconds"} for h in resumed["metrics"]["history"]] == no_time
    for key in ("test_accuracy", "test_loss", "best_epoch", "best_val_loss"):
        assert resumed["metrics"][key] == full["metrics"][key], key
    assert len(read_csv(tmp_path / "resumed" / "metrics.csv")) == 4, "the CSV holds all epochs, old and new"


@pytest.fixture
def one_epoch_checkpoint(tmp_path, tiny_data_root):
    run_pipeline(tiny_data_root, tmp_path / "good", "--epochs", "1")
    return tmp_path / "good" / "last.pt"


@pytest.mark.parametrize("damage", ["truncated", "text", "empty", "not_ours", "missing"])
def test_a_broken_checkpoint_is_a_clear_data_error(damage, one_epoch_checkpoint, tmp_path, tiny_data_root):
    bad = tmp_path / "bad.pt"
    good = one_epoch_checkpoint.read_bytes()
    if damage == "truncated":
        bad.write_bytes(good[: len(good) // 2])
    elif damage == "text":
        bad.write_text("this is not a checkpoint\n")
    elif damage == "empty":
        bad.write_bytes(b"")
    elif damage == "not_ours":  # a valid torch file, but a bare state_dict (what cnn/04 saves)
        lk.save_checkpoint(pipeline.NoteCNN().state_dict(), bad)
    with pytest.raises(lk.DataError) as err:
        run_pipeline(tiny_data_root, tmp_path / "o", "--epochs", "2", "--resume", str(bad))
    message = str(err.value)
    assert str(bad) in message and "\n" not in message
    assert ("no checkpoint at" if damage == "missing" else "not a checkpoint") in message, message
    if damage == "not_ours":
        assert "last.pt or best.pt" in message, "says what to resume from instead"
    assert not (tmp_path / "o" / "last.pt").exists(), "nothing trained on a broken resume"


@pytest.mark.parametrize("change, words", [
    # another model's weights in this lesson's checkpoint layout (cnn/04's LeNet-5)
    ("lenet_weights", ["is not a checkpoint of this lesson's NoteCNN", "missing", "it does not use"]),
    ("nan_weights", ["NaN or infinite weights", "diverged"]),
    ("other_classes", ["other shapes"]),
])
def test_a_checkpoint_of_another_model_is_named_before_any_work(change, words, one_epoch_checkpoint, tmp_path,
                                                                tiny_data_root):
    state = lk.load_checkpoint(one_epoch_checkpoint)
    if change == "lenet_weights":
        state["model"] = lenet.LeNet5().state_dict()
    elif change == "nan_weights":
        name = next(iter(state["model"]))
        state["model"][name] = torch.full_like(state["model"][name], float("nan"))
    else:
        last = [k for k in state["model"] if k.endswith("weight")][-1]
        state["model"][last] = torch.zeros(26, state["model"][last].shape[1])
    bad = tmp_path / "bad.pt"
    lk.save_checkpoint(state, bad)
    with pytest.raises(lk.DataError) as err:
        run_pipeline(tiny_data_root, tmp_path / "o", "--epochs", "2", "--resume", str(bad))
    message = str(err.value)
    assert str(bad) in message and "\n" not in message and all(w in message for w in words), message
    assert not (tmp_path / "o" / "last.pt").exists(), "nothing trained"


@pytest.mark.parametrize("flags", [["--batch-size", "64"], ["--batch-size", "100"]])
def test_resume_with_another_schedule_is_refused_with_the_reason(flags, one_epoch_checkpoint, tmp_path,
                                                                 tiny_data_root):
    """Another --batch-size or data size would change the one-cycle plan: the OneCycleLR ValueError half-way
    through the run becomes one paragraph before any training."""
    with pytest.raises(lk.DataError) as err:
        run_pipeline(tiny_data_root, tmp_path / "o", "--epochs", "2", *flags, "--resume", str(one_epoch_checkpoint))
    message = str(err.value)
    assert "batches an epoch" in message and "--batch-size" in message and "schedule" in message, message
    assert not (tmp_path / "o" / "last.pt").exists()


def test_early_stopping_stops_and_the_best_epoch_is_what_gets_tested(tmp_path, tiny_data_root):
    # A learning rate far too high keeps the validation loss from improving: early stopping must step in.
    out = tmp_path / "o"
    metrics = run_pipeline(tiny_data_root, out, "--epochs", "12", "--patience", "2", "--lr", "0.3")["metrics"]
    history = metrics["history"]
    measured("epochs run before early stopping (of 12)", metrics["epochs_run"], 1, 11)
    assert metrics["stopped_early"]
    val_losses = [h["val_loss"] for h in history]
    best_epoch = history[val_losses.index(min(val_losses))]["epoch"]
    assert metrics["best_epoch"] == best_epoch and metrics["epochs_run"] - best_epoch == 2
    assert best_epoch < metrics["epochs_run"], "the last epoch is not the best, so the test below can tell"
    assert lk.load_checkpoint(out / "best.pt")["epoch"] == best_epoch
    # The reported test numbers are those of best.pt's weights, not of the last weights.
    mnist = lk.load_mnist(tiny_data_root, "MNIST")
    x_test = pipeline.to_model_input(mnist.x_test)
    best_loss, best_acc = lk.evaluate(load_model(out / "best.pt"), x_test, mnist.y_test)
    last_loss, _ = lk.evaluate(load_model(out / "last.pt"), x_test, mnist.y_test)
    assert metrics["test_accuracy"] == best_acc
    measured("relative gap, reported test loss vs best.pt re-evaluated", abs(metrics["test_loss"] / best_loss - 1),
             0, 1e-5)
    measured("relative gap, reported test loss vs last.pt", abs(metrics["test_loss"] / last_loss - 1), 1e-3, None)
    rows = read_csv(out / "metrics.csv")
    assert [int(r["epoch"]) for r in rows] == list(range(1, metrics["epochs_run"] + 1)), "one row per epoch"
    # Resuming a run that stopped early trains nothing more and reports the same best checkpoint.
    again = run_pipeline(tiny_data_root, tmp_path / "again", "--epochs", "12", "--patience", "2", "--lr", "0.3",
                         "--resume", str(out / "last.pt"))["metrics"]
    assert again["epochs_run"] == metrics["epochs_run"] and again["best_epoch"] == best_epoch
    assert again["test_loss"] == metrics["test_loss"]


def test_csv_has_one_row_per_epoch_with_the_printed_numbers(tmp_path, tiny_data_root):
    metrics = run_pipeline(tiny_data_root, tmp_path, "--epochs", "3", "--patience", "5")["metrics"]
    rows = read_csv(tmp_path / "metrics.csv")
    assert len(rows) == 3 == metrics["epochs_run"]
    assert list(rows[0]) == ["epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr", "seconds"]
    for row, h in zip(rows, metrics["history"]):
        assert float(row["val_loss"]) == pytest.approx(h["val_loss"], rel=1e-12)
    assert sum(sum(r) for r in metrics["confusion_matrix"]) == 64, "every tiny test image counted once"


@pytest.mark.real_data
@pytest.mark.long
def test_pipeline_at_defaults_on_real_mnist(tmp_path):
    """Guards 'Expect: 99.3% test accuracy (best checkpoint epoch 5 of 5, validation 99.25%)' (docstring and
    README) within 0.15 points, and the floor 99.0%."""
    record = pipeline.main(["--device", "cpu", "--data-dir", str(real_image_copy(tmp_path)),
                            "--out", str(tmp_path / "o")])
    metrics = record["metrics"]
    assert metrics["train_examples"] == 54_000 and metrics["val_examples"] == 6_000
    measured("test accuracy of the best checkpoint", metrics["test_accuracy"], 0.990, 0.996)
    measured("best epoch (of 5)", metrics["best_epoch"], 3, 5)
    measured("validation accuracy, last epoch", metrics["history"][-1]["val_accuracy"], 0.989, 0.996)
    assert metrics["epochs_run"] == 5 and not metrics["stopped_early"]
    assert metrics["test_accuracy"] >= 0.990, "COURSE.md's floor for a CNN on MNIST"


# --- cnn/06_batch_norm.py --------------------------------------------------------------------------------

@pytest.mark.parametrize(("reference", "shape"), [(nn.BatchNorm1d, (32, 8)), (nn.BatchNorm1d, (20, 16, 30)),
                                                  (nn.BatchNorm2d, (16, 4, 6, 6))])
def test_scratch_batchnorm_equals_torch_in_train_and_eval_mode(reference, shape):
    torch.manual_seed(SEED)
    channels = shape[1]
    ours, ref = batchnorm.BatchNorm(channels), reference(channels)
    with torch.no_grad():
        ours.gamma.copy_(torch.rand(channels) + 0.5)
        ours.beta.copy_(torch.randn(channels))
        ref.weight.copy_(ours.gamma)
        ref.bias.copy_(ours.beta)
    gaps = {"train output": 0.0, "running mean": 0.0, "running var": 0.0}
    for _ in range(6):  # several training steps: the running statistics move each time
        x = torch.randn(shape) * 4 - 3
        out, out_ref = ours(x), ref(x)
        for key, a, b in (("train output", out, out_ref), ("running mean", ours.running_mean, ref.running_mean),
                          ("running var", ours.running_var, ref.running_var)):
            gaps[key] = max(gaps[key], (a - b).abs().max().item())
    for key, gap in gaps.items():
        measured(f"scratch vs torch, {key}", gap, 0, 1e-5)
    assert not torch.allclose(ours.running_var, torch.ones(channels)), "the running variance has moved"
    dims = [0, *range(2, len(shape))]
    measured("train mode: batch mean of the output vs beta", (out.mean(dim=dims) - ours.beta).abs().max(), 0, 1e-5)
    ours.eval()
    ref.eval()
    x = torch.randn(shape) * 4 - 3
    measured("scratch vs torch, eval output", (ours(x) - ref(x)).abs().max(), 0, 1e-5)
    before = ours.running_mean.clone()
    ours(x)
    assert torch.equal(ours.running_mean, before), "eval mode leaves the running statistics alone"


@pytest.mark.parametrize("shape", [(32, 8), (20, 16, 30), (16, 4, 6, 6)])
@pytest.mark.parametrize("offset", [0, 1, 2])
def test_the_lessons_printed_comparison_is_within_1e_5(shape, offset):
    """The lesson prints these differences (gradients and an SGD step included); its Expect says < 1e-5."""
    diff = batchnorm.compare_with_torch(shape, steps=5, seed=SEED + offset)
    assert set(diff) == {"train output", "input gradient", "running mean", "running var", "gamma, beta",
                         "eval output"}
    measured("largest difference, scratch vs torch", max(diff.values()), 0, 1e-5)


def test_unbiased_running_variance_as_pytorch_does():
    x = torch.tensor([[1.0], [3.0]])  # one channel, batch variance 1 (biased) or 2 (unbiased)
    layer = batchnorm.BatchNorm(1, momentum=1.0)  # momentum 1: the running value becomes this batch's
    out = layer(x)
    assert layer.running_mean.item() == 2.0 and layer.running_var.item() == 2.0
    assert torch.allclose(out.flatten(), torch.tensor([-1.0, 1.0]), atol=1e-4), "normalised with the biased 1"


@pytest.mark.real_data
def test_side_by_side_on_real_mnist(tmp_path):
    """Guards the docstring's and the printed side-by-side claims at the defaults (1 epoch, SGD lr 0.05)."""
    metrics = batchnorm.main(["--device", "cpu", "--data-dir", str(real_image_copy(tmp_path)),
                              "--out", str(tmp_path / "o")])["metrics"]
    assert metrics["steps"] == 469
    measured("largest difference, scratch vs torch", metrics["max_difference_vs_torch"], 0, 5e-6)
    measured("test accuracy with BatchNorm", metrics["bn_test_accuracy"], 0.978, 0.990)
    measured("test accuracy without", metrics["plain_test_accuracy"], 0.89, 0.970)  # seeds 0-3: 0.911-0.960
    measured("step the loss falls below 0.5, with BatchNorm", metrics["bn_steps_to_loss_target"], 40, 75)
    measured("step the loss falls below 0.5, without", metrics["plain_steps_to_loss_target"], 110, 210)
    measured("how many times sooner with BatchNorm",
             metrics["plain_steps_to_loss_target"] / metrics["bn_steps_to_loss_target"], 2.0, 4.0)


def test_batchnorm_learns_faster_on_tiny_data_too(tmp_path, tiny_data_root):
    """The same comparison on the 256-image fixture (10 epochs of 8 steps): the direction of the claim."""
    metrics = batchnorm.main(["--device", "cpu", "--epochs", "10", "--batch-size", "32", "--data-dir",
                              str(tiny_data_root), "--out", str(tmp_path)])["metrics"]
    measured("largest difference, scratch vs torch", metrics["max_difference_vs_torch"], 0, 5e-6)
    assert metrics["bn_steps_to_loss_target"] > 0, "with BatchNorm the loss does fall below the target"
    measured("steps to the loss target, without minus with BatchNorm",
             metrics["plain_steps_to_loss_target"] - metrics["bn_steps_to_loss_target"], 1, None)
    bn_curve, plain_curve = dict(metrics["bn_accuracy_curve"]), dict(metrics["plain_accuracy_curve"])
    measured("test accuracy after 3 epochs, with minus without BatchNorm", bn_curve[24] - plain_curve[24], 0.02, None)
