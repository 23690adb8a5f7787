"""Shared test setup: the repo root, the list of lessons, and a tiny data root in real formats."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import fixtures  # noqa: E402
from measured import SEED  # noqa: E402

# pytest-xdist (`-n auto` in pyproject.toml) runs one worker process per core. Each worker then uses one thread,
# and so do the lessons it starts as subprocesses: N workers of N threads each would fight over N cores. The
# trained numbers' spread covers 1 thread (benchmarks/spread.py runs without workers, at 1, 2 and 4 threads).
if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
    for _variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[_variable] = "1"
    import torch

    torch.set_num_threads(1)

LESSON_FOLDERS = ["basics", "tensors", "classic_ml", "regression", "classification", "cnn", "rnn", "deploy", "scale"]


def lesson_files() -> list[Path]:
    """Every numbered lesson script, in teaching order."""
    return sorted(p for folder in LESSON_FOLDERS for p in (REPO / folder).glob("[0-9][0-9]_*.py"))


def lesson_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def load_lesson(path: Path):
    """Import a lesson script as a module (importing has no side effects; main() does the work)."""
    name = "lesson_" + lesson_id(path).replace("/", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _no_downloads(monkeypatch, request):
    """No test may touch the network: lessonkit raises its missing-file message instead.

    The tiny fixtures are not the published files, so their checksums cannot match: tests accept
    them as a learner's own files (LESSONS_UNVERIFIED_DATA), whose content is still validated.
    real_data tests and the checksum tests themselves check the published checksums.
    """
    monkeypatch.setenv("LESSONS_OFFLINE", "1")
    if request.node.get_closest_marker("real_data") is None:
        monkeypatch.setenv("LESSONS_UNVERIFIED_DATA", "1")
    else:
        monkeypatch.delenv("LESSONS_UNVERIFIED_DATA", raising=False)


@pytest.fixture(autouse=True)
def _same_random_state_whatever_ran_before():
    """Every test starts from the same global random state (Python's, NumPy's, PyTorch's), SEED: a test that draws
    without a seed of its own must not depend on which tests ran before it in its process, and with pytest-xdist
    that depends on how the files were shared out among the workers."""
    import random

    import numpy as np
    import torch

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)


@pytest.fixture(autouse=True)
def _seed_from_the_spread_run(monkeypatch):
    """Under benchmarks/spread.py (LESSONS_TEST_SEED=N) a lesson run without --seed gets seed N as its default.

    An explicit --seed in a test's argv still wins: tests that compare chosen seeds keep them.
    """
    if SEED == 0:
        return
    import lessonkit
    import lessonkit.cli

    original = lessonkit.cli.make_parser

    def make_parser(*args, **kwargs):
        parser = original(*args, **kwargs)
        parser.set_defaults(seed=SEED)
        return parser

    monkeypatch.setattr(lessonkit, "make_parser", make_parser)
    monkeypatch.setattr(lessonkit.cli, "make_parser", make_parser)


def pytest_collection_modifyitems(items):
    """A test that asserts a trained number (it calls measured()) is marked `trained`, so that CI and
    benchmarks/spread.py can run exactly those again under other seeds, threads and CPU code paths."""
    import inspect

    for item in items:
        function = getattr(item, "function", None)
        try:
            source = inspect.getsource(function) if function else ""
        except (OSError, TypeError):
            source = ""
        if "measured(" in source:
            item.add_marker(pytest.mark.trained)


@pytest.fixture(scope="session")
def tiny_data_root(tmp_path_factory) -> Path:
    """A data root holding every dataset the lessons read, tiny, in the real file formats."""
    root = tmp_path_factory.mktemp("tiny_data")
    fixtures.write_tiny_data_root(root)
    return root


def real_data_root() -> Path:
    """The real data (LESSONS_DATA_DIR) for `real_data` tests, or a skip saying why not."""
    value = os.environ.get("LESSONS_DATA_DIR", "").strip()
    if not value:
        pytest.skip("real_data: set LESSONS_DATA_DIR to a folder with the real datasets "
                    "(e.g. LESSONS_DATA_DIR=../shared/data pytest -n 0 -m real_data)")
    root = Path(value).expanduser().resolve()
    if not root.is_dir():
        pytest.skip(f"real_data: LESSONS_DATA_DIR={value} is not a folder")
    return root


def real_image_copy(dest: Path, name: str = "MNIST") -> Path:
    """A data root under `dest` holding a copy of the real <name>/raw archives (MNIST or FashionMNIST).

    The loader unpacks beside the archives: real_data tests work on a copy, never in the shared folder.
    """
    import shutil

    root = real_data_root()
    if not (root / name / "raw").is_dir():
        pytest.skip(f"real_data: no {name}/raw under {root}")
    data = dest / "data"
    shutil.copytree(root / name / "raw", data / name / "raw", ignore=shutil.ignore_patterns("*-ubyte"))
    return data


def missing_browser_part(reason: str):
    """Skip a browser test with the reason; with LESSONS_REQUIRE_BROWSER=1 (set by .ci/run) fail instead."""
    if os.environ.get("LESSONS_REQUIRE_BROWSER"):
        pytest.fail(f"{reason} (LESSONS_REQUIRE_BROWSER is set: the browser tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright driver for the session. Its sync API runs an event loop in this thread, and a second
    sync_playwright() inside the first is an error, so deploy/03's and deploy/04's browser tests share this."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_browser_part("playwright (Python) not installed: pip install -r requirements.txt")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def real_faces_run(tmp_path_factory):
    """cnn/15 at its defaults on a copy of the real AT&T faces, once per session (about a minute): its
    metrics, its --out (with recognizer.pt) and the data root. test_faces and test_deploy_faces share it."""
    import shutil

    source = real_data_root() / "att_faces"
    if not source.is_dir():
        pytest.skip(f"real_data: {source} is missing")
    root = tmp_path_factory.mktemp("real_faces")
    shutil.copytree(source, root / "data" / "att_faces")
    lesson = load_lesson(REPO / "cnn" / "15_face_recognition.py")
    with pytest.MonkeyPatch.context() as env:  # offline, the published checksums checked
        env.setenv("LESSONS_OFFLINE", "1")
        env.delenv("LESSONS_UNVERIFIED_DATA", raising=False)
        record = lesson.main(["--device", "cpu", "--data-dir", str(root / "data"), "--out", str(root / "out")])
    return record["metrics"], root / "out", root / "data"
