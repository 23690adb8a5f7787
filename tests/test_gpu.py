"""`gpu` tests: every lesson on CUDA, checkpoints across devices, `--device auto` choosing CUDA.

They are collected everywhere and skip with a reason where there is no CUDA (CI has none). On a CUDA
machine run them with `pytest -m gpu`. The CPU-side guards of the same promises (the banner names the
device that does the work) are in test_lessonkit.py and at the end of this file.
"""

from __future__ import annotations

import pytest
import torch
from conftest import REPO, lesson_files, lesson_id, load_lesson
from test_lessons import check_outputs

import lessonkit as lk

LESSONS = lesson_files()
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="gpu: no CUDA device on this machine")


def is_cpu_only(path) -> bool:
    """A lesson that computes on the CPU whatever --device says declares it to start_run."""
    return "cpu_only=" in path.read_text(encoding="utf-8")


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize("path", LESSONS, ids=lesson_id)
def test_lesson_quick_run_on_cuda(path, tmp_path, tiny_data_root):
    out = tmp_path / "out"
    record = load_lesson(path).main(["--quick", "--device", "cuda", "--out", str(out),
                                     "--data-dir", str(tiny_data_root)])
    check_outputs(out, lesson_id(path), record)
    expected = "cpu" if is_cpu_only(path) else "cuda:0"
    assert record["device"] == expected, f"the run says it ran on {record['device']}, expected {expected}"


@pytest.mark.gpu
@needs_cuda
def test_auto_chooses_cuda(tmp_path, tiny_data_root):
    assert lk.get_device("auto").type == "cuda"
    lenet = load_lesson(REPO / "cnn" / "04_lenet.py")
    record = lenet.main(["--quick", "--out", str(tmp_path), "--data-dir", str(tiny_data_root)])
    assert record["device"].startswith("cuda")


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize(("saved_on", "loaded_on"), [("cpu", "cuda"), ("cuda", "cpu")])
def test_state_dict_moves_between_devices(saved_on, loaded_on, tmp_path):
    """A state_dict saved on one device loads with map_location onto the other, values unchanged."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.Linear(8, 2)).to(saved_on)
    path = lk.save_checkpoint(model.state_dict(), tmp_path / "model.pt")
    state = lk.load_checkpoint(path, map_location=loaded_on)
    assert {t.device.type for t in state.values()} == {loaded_on}
    restored = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.Linear(8, 2))
    restored.load_state_dict(state)
    restored.to(loaded_on).eval()
    model.eval()
    probe = torch.randn(16, 4)
    with torch.inference_mode():
        assert torch.allclose(model(probe.to(saved_on)).cpu(), restored(probe.to(loaded_on)).cpu(), atol=1e-5)


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize(("device", "map_location"), [("cpu", "cuda"), ("cuda", "cpu"), ("cuda", "cuda")])
def test_training_resumes_across_devices(device, map_location, tmp_path):
    """tensors/06's resume: saved while training on `device`, loaded with `map_location` (the crash this
    guards: generator states moved to the GPU by map_location cannot be restored)."""
    lesson = load_lesson(REPO / "tensors" / "06_save_load_and_devices.py")
    x, y = lesson.make_data(128, 0)
    x, y = x.to(device), y.to(device)
    settings = dict(seed=0, lr=0.01, epochs=6, batch_size=32, device=device)
    _, full = lesson.train_uninterrupted(x, y, **settings)
    _, resumed = lesson.train_with_restart(x, y, tmp_path / "checkpoint.pt", resume_at=3,
                                           map_location=map_location, **settings)
    assert resumed == pytest.approx(full, rel=1e-4)


# --- CPU-side: the banner and metrics.json name the device that does the work ---------------------

@pytest.mark.parametrize("path", LESSONS, ids=lesson_id)
def test_lessons_that_ignore_the_device_say_so(path):
    """A lesson that never puts work on run.device must declare cpu_only, so that on a GPU machine
    its banner does not claim `device cuda` while NumPy or scikit-learn compute on the CPU."""
    source = path.read_text(encoding="utf-8")
    uses_device = "run.device" in source
    assert uses_device != is_cpu_only(path), (
        f"{lesson_id(path)}: " + ("uses run.device but declares cpu_only" if uses_device
                                  else "never uses run.device: pass cpu_only='why' to lk.start_run"))


@pytest.mark.gpu
@needs_cuda
def test_lenet_at_defaults_on_cuda_with_real_mnist(tmp_path):
    """The README's GPU column for cnn/04: 99.2% at the defaults on CUDA, like the CPU run (within 0.2 points)."""
    from conftest import real_image_copy

    data = real_image_copy(tmp_path)
    lenet = load_lesson(REPO / "cnn" / "04_lenet.py")
    record = lenet.main(["--device", "cuda", "--data-dir", str(data), "--out", str(tmp_path / "o")])
    assert record["metrics"]["test_accuracy"] == pytest.approx(0.992, abs=0.002)
