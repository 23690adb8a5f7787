"""Every lesson runs with --quick on tiny data and leaves sensible results behind.

Lessons run in-process through main(argv) (torch is imported once, so the whole course smoke-tests
in a couple of minutes); a few also run as a subprocess exactly as a learner types them.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest
from conftest import REPO, lesson_files, lesson_id, load_lesson

LESSONS = lesson_files()
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Lessons whose subject has nothing to draw; every other lesson must save at least one figure.
NO_FIGURES: set[str] = set()


def _finite_numbers(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _finite_numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from _finite_numbers(v)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield value


def check_outputs(out_dir, lesson: str, returned: dict | None = None) -> dict:
    """metrics.json is well formed and finite; every PNG is a real, non-empty PNG."""
    metrics_path = out_dir / "metrics.json"
    assert metrics_path.is_file(), f"{lesson} wrote no metrics.json"
    record = json.loads(metrics_path.read_text())
    assert record["lesson"] == lesson
    assert record["metrics"], f"{lesson} saved no metrics"
    assert record["seconds"] >= 0 and record["device"]
    assert all(math.isfinite(x) for x in _finite_numbers(record["metrics"])), record["metrics"]
    if returned is not None:
        assert returned == record, "main() must return what it saved"
    pngs = sorted(out_dir.rglob("*.png"))
    if lesson not in NO_FIGURES:
        assert pngs, f"{lesson} saved no figure"
    for png in pngs:
        assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size > 1000, png
    assert not list(out_dir.rglob("*.tmp")) and not list(out_dir.rglob("*.part")), "half-written files left"
    return record


@pytest.mark.parametrize("path", LESSONS, ids=lesson_id)
def test_lesson_quick_run(path, tmp_path, tiny_data_root):
    module = load_lesson(path)
    out = tmp_path / "out"
    returned = module.main(["--quick", "--device", "cpu", "--out", str(out), "--data-dir", str(tiny_data_root)])
    check_outputs(out, lesson_id(path), returned)


@pytest.mark.parametrize("path", LESSONS, ids=lesson_id)
def test_lesson_reads_as_documented(path):
    """Importing has no side effects, and the docstring says what the lesson is and how to run it."""
    module = load_lesson(path)
    doc = module.__doc__ or ""
    assert doc.startswith(f"{lesson_id(path)}.py: "), "docstring starts with the lesson's path"
    for field in ("Notes:", "Run:", "Expect:"):
        assert field in doc, f"{lesson_id(path)} docstring lacks {field!r}"
    assert callable(module.main)


def test_every_lesson_is_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [lesson_id(p) for p in LESSONS if f"{p.parent.name}/{p.name}" not in readme]
    assert not missing, f"lessons missing from the README's lesson table: {missing}"


def run_script(args, tmp_path, extra_env=None):
    """Run a lesson as a learner would, warnings from our code promoted to errors."""
    env = {**os.environ, "LESSONS_OFFLINE": "1", **(extra_env or {})}
    return subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-W", "error::FutureWarning", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )


SUBPROCESS_LESSONS = ["basics/01_numpy.py", "cnn/04_lenet.py"]


@pytest.mark.subprocess
@pytest.mark.parametrize("script", SUBPROCESS_LESSONS)
def test_lesson_runs_as_a_script(script, tmp_path, tiny_data_root):
    out = tmp_path / "out"
    result = run_script([script, "--quick", "--device", "cpu", "--out", str(out),
                         "--data-dir", str(tiny_data_root)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "==" in result.stdout.splitlines()[0], "the banner comes first"
    check_outputs(out, script.removesuffix(".py"))


@pytest.mark.subprocess
def test_missing_data_offline_is_one_clear_paragraph(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_script(["cnn/04_lenet.py", "--quick", "--device", "cpu", "--out", str(tmp_path / "o"),
                         "--data-dir", str(empty)], tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    message = result.stderr.strip()
    assert message.startswith("error: ") and "\n" not in message, message
    for needed in ("train-images-idx3-ubyte.gz", str(empty / "MNIST" / "raw"), "http", "--data-dir"):
        assert needed in message, f"{needed!r} not in: {message}"


@pytest.mark.subprocess
def test_bad_flag_is_a_usage_error_as_typed(tmp_path):
    result = run_script(["cnn/04_lenet.py", "--epochs", "-1"], tmp_path)
    assert result.returncode == 2
    assert "usage:" in result.stderr and "--epochs: must be positive" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("bad", [["--lr", "nan"], ["--batch-size", "x"], ["--device", "tpu"], ["--seed", "-1"]])
@pytest.mark.parametrize("path", [p for p in LESSONS if p.parent.name == "cnn"][:1], ids=lesson_id)
def test_bad_flags_are_usage_errors(path, bad, capsys):
    with pytest.raises(SystemExit) as exit_info:
        load_lesson(path).main(bad)
    assert exit_info.value.code == 2 and "usage:" in capsys.readouterr().err


@pytest.mark.subprocess
def test_cuda_without_cuda_fails_clearly(tmp_path, tiny_data_root):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA; the missing-device path is covered in test_lessonkit")
    result = run_script(["cnn/04_lenet.py", "--quick", "--device", "cuda", "--out", str(tmp_path / "o"),
                         "--data-dir", str(tiny_data_root)], tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "--device cuda" in result.stderr and "Available: cpu" in result.stderr


DATA_LESSONS = [p for p in LESSONS if "run.data_dir" in p.read_text(encoding="utf-8")]


@pytest.mark.parametrize("path", DATA_LESSONS, ids=lesson_id)
def test_data_lesson_without_data_offline_fails_in_one_paragraph(path, tmp_path):
    """No data and no network: a DataError (printed as one 'error: ...' line, exit 1), never a traceback."""
    empty = tmp_path / "empty"
    empty.mkdir()
    import lessonkit as lk

    with pytest.raises(lk.DataError) as err:
        load_lesson(path).main(["--quick", "--device", "cpu", "--out", str(tmp_path / "o"), "--data-dir", str(empty)])
    message = str(err.value)
    assert str(empty) in message and "--data-dir" in message and "\n" not in message
    assert err.value.code == f"error: {message}"
