"""cnn/ lessons: the LeNet model's shapes and a real-data accuracy floor."""

from __future__ import annotations

import pytest
import torch
from conftest import REPO, load_lesson, real_image_copy
from measured import measured

lenet = load_lesson(REPO / "cnn" / "04_lenet.py")


def test_lenet_shapes_and_size():
    model = lenet.LeNet5()
    out = model(torch.zeros(5, 1, 28, 28))
    assert out.shape == (5, 10)
    # the classic 6-16 / 120-84-10 layout: about 61.7k parameters with BatchNorm
    assert 60_000 < sum(p.numel() for p in model.parameters()) < 63_000
    assert lenet.LeNet5(batch_norm=False)(torch.zeros(2, 1, 28, 28)).shape == (2, 10)


def test_lenet_input_is_normalised():
    images = torch.randint(0, 256, (100, 28, 28), dtype=torch.uint8)
    x = lenet.to_model_input(images)
    assert x.shape == (100, 1, 28, 28) and x.dtype == torch.float32
    assert torch.allclose(x.min(), torch.tensor((0 - lenet.MNIST_MEAN) / lenet.MNIST_STD))


def test_lenet_learns_the_tiny_fixture(tmp_path, tiny_data_root):
    """Three epochs on the 256-image fixture (one band of bright rows per class) must fit it."""
    record = lenet.main(["--device", "cpu", "--epochs", "3", "--batch-size", "32", "--data-dir",
                         str(tiny_data_root), "--out", str(tmp_path)])
    measured("test accuracy on the fixture", record["metrics"]["test_accuracy"], 0.9)
    assert (tmp_path / "lenet.pt").is_file()
    state = torch.load(tmp_path / "lenet.pt", weights_only=True)
    restored = lenet.LeNet5()
    restored.load_state_dict(state)


@pytest.mark.real_data
def test_lenet_at_defaults_on_real_mnist(tmp_path):
    """Guards the docstring's and README's 'Expect: 99.2% test accuracy (3 epochs)' and the floor 99.0%."""
    data = real_image_copy(tmp_path)
    record = lenet.main(["--device", "cpu", "--data-dir", str(data), "--out", str(tmp_path / "o")])
    assert record["metrics"]["train_examples"] == 60_000 and record["metrics"]["epochs"] == 3
    accuracy = measured("test accuracy at defaults", record["metrics"]["test_accuracy"], 0.990, 0.995)
    assert accuracy >= 0.990, "COURSE.md's floor for LeNet on MNIST"


@pytest.mark.real_data
def test_lenet_one_epoch_on_real_mnist(tmp_path):
    """Guards 'Expect: ... 98.9% after 1 epoch' (docstring and README), within 0.3 points."""
    record = lenet.main(["--device", "cpu", "--epochs", "1", "--data-dir", str(real_image_copy(tmp_path)),
                         "--out", str(tmp_path / "o")])
    measured("test accuracy after 1 epoch", record["metrics"]["test_accuracy"], 0.983, 0.994)


def test_same_seed_same_numbers_on_cpu(tmp_path, tiny_data_root):
    def quick(seed, out):
        return lenet.main(["--quick", "--device", "cpu", "--seed", str(seed), "--data-dir", str(tiny_data_root),
                           "--out", str(tmp_path / out)])["metrics"]

    first, second, other = quick(3, "a"), quick(3, "b"), quick(4, "c")
    assert first["train_loss"] == second["train_loss"] and first["test_loss"] == second["test_loss"]
    assert first["test_accuracy"] == second["test_accuracy"]
    assert other["train_loss"] != first["train_loss"], "a different seed gives a different run"
