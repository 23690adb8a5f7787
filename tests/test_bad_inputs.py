"""Damaged data, bad paths and interruptions: one clear message, a non-zero exit, nothing half-written.

One class of failure per section, each with a damaged fixture in the real file format:
tables (bike sharing, Kaggle house prices), MNIST archives and unpacked files, --out, Ctrl-C and the
temporary files a killed run leaves, checkpoints that are not ours, and NaN results.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from conftest import REPO, load_lesson

import lessonkit as lk
from lessonkit import files


def _copy(tiny_data_root: Path, tmp_path: Path, folder: str) -> Path:
    root = tmp_path / "data"
    shutil.copytree(tiny_data_root / folder, root / folder, ignore=shutil.ignore_patterns("*-ubyte"))
    return root


def _edit_csv_cell(path: Path, column: str, data_row: int, value: str) -> None:
    """Set one cell of a CSV file (data_row 0 is the first line after the header)."""
    lines = path.read_text(encoding="ascii").splitlines()
    header = lines[0].split(",")
    cells = lines[1 + data_row].split(",")
    cells[header.index(column)] = value
    lines[1 + data_row] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="ascii")


# --- 1. tables: validated when loaded; the message names file, column, first bad line, what to do ----

TABLE_DAMAGE = [
    # (folder, file, column, row, value, words expected in the message)
    ("kaggle_house", "train.csv", "SalePrice", 3, "-5000", "positive price"),
    ("kaggle_house", "train.csv", "SalePrice", 4, "NA", "empty"),
    ("kaggle_house", "train.csv", "GrLivArea", 2, "12x0", "a number"),
    ("kaggle_house", "test.csv", "LotArea", 5, "inf", "finite"),
    ("kaggle_house", "test.csv", "YearBuilt", 1, "-1960", "0 or more"),
    ("bike_sharing", "hour.csv", "temp", 7, "", "empty"),
    ("bike_sharing", "hour.csv", "cnt", 9, "-3", "0 or more"),
    ("bike_sharing", "hour.csv", "hum", 4, "1.7", "[0, 1]"),
    ("bike_sharing", "hour.csv", "hr", 0, "nan", "empty"),
    ("bike_sharing", "hour.csv", "dteday", 5, "2011-02-30", "a date written YYYY-MM-DD"),
    ("bike_sharing", "hour.csv", "dteday", 6, "yesterday", "a date written YYYY-MM-DD"),
    ("bike_sharing", "hour.csv", "dteday", 3, "01/02/2011", "a date written YYYY-MM-DD"),
]


@pytest.mark.parametrize(("folder", "name", "column", "row", "value", "words"), TABLE_DAMAGE,
                         ids=[f"{d[1]}-{d[2]}-{d[4] or 'empty'}" for d in TABLE_DAMAGE])
def test_a_damaged_table_is_named_at_its_first_bad_line(tiny_data_root, tmp_path, folder, name, column, row,
                                                        value, words):
    root = _copy(tiny_data_root, tmp_path, folder)
    path = root / folder / name
    _edit_csv_cell(path, column, row, value)
    loader = lk.load_kaggle_house if folder == "kaggle_house" else lk.load_bike_sharing
    with pytest.raises(lk.DataError) as err:
        loader(root)
    message = str(err.value)
    for needed in (str(path), repr(column), f"line {row + 2}", words, "delete the file"):
        assert needed in message, f"{needed!r} not in: {message}"
    assert "\n" not in message


@pytest.mark.parametrize(("column", "value", "words"), [(8, "2", "the label 0 or 1"), (8, "0.5", "the label 0 or 1"),
                                                    (1, "3.5", "[-1, 1]"), (5, "", "empty"), (0, "x", "a number")])
def test_a_damaged_diabetes_table_is_named_at_its_first_bad_line(tiny_data_root, tmp_path, column, value, words):
    root = _copy(tiny_data_root, tmp_path, "liu")
    path = root / "liu" / "diabetes.csv.gz"
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    cells = lines[10].split(",")
    cells[column] = value
    lines[10] = ",".join(cells)
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    with pytest.raises(lk.DataError) as err:
        lk.load_diabetes(root)
    message = str(err.value)
    assert str(path) in message and "line 11" in message and words in message, message


def test_a_diabetes_table_with_a_missing_column_is_refused(tiny_data_root, tmp_path):
    root = _copy(tiny_data_root, tmp_path, "liu")
    path = root / "liu" / "diabetes.csv.gz"
    lines = [",".join(line.split(",")[1:]) for line in gzip.decompress(path.read_bytes()).decode().splitlines()]
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    with pytest.raises(lk.DataError, match="has 8 columns, expected 9"):
        lk.load_diabetes(root)


@pytest.mark.parametrize(("row", "words"), [('"","Czech"', "the name is empty"),
                                           ('"Novak","Czechia"', "unknown country 'Czechia'"),
                                           ('"Novak"', "1 fields instead of 2"),
                                           (f'"{"Novak" * 11}","Czech"', "55 characters long, more than any name"),
                                           ('"\u0301\u0308","Czech"', "has no letters once its accents")])
def test_a_damaged_names_file_is_named_at_its_first_bad_line(tiny_data_root, tmp_path, row, words):
    root = _copy(tiny_data_root, tmp_path, "liu")
    path = root / "liu" / "names_test.csv.gz"
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    lines[6] = row
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    with pytest.raises(lk.DataError) as err:
        lk.load_names(root)
    message = str(err.value)
    assert str(path) in message and "line 7" in message and words in message, message


def test_a_names_file_that_is_not_gzip_is_refused(tiny_data_root, tmp_path):
    root = _copy(tiny_data_root, tmp_path, "liu")
    (root / "liu" / "names_train.csv.gz").write_text('"Novak","Czech"\n')  # plain text under a .gz name
    with pytest.raises(lk.DataError, match="could not read the names file .*names_train.csv.gz"):
        lk.load_names(root)


def test_a_table_with_only_a_header_is_refused(tiny_data_root, tmp_path):
    root = _copy(tiny_data_root, tmp_path, "bike_sharing")
    path = root / "bike_sharing" / "hour.csv"
    path.write_text(path.read_text().splitlines()[0] + "\n")
    with pytest.raises(lk.DataError, match="no rows"):
        lk.load_bike_sharing(root)


def test_negative_price_stops_the_lesson_before_any_result(tiny_data_root, tmp_path):
    """The issue's case: a negative SalePrice gave a NaN log-RMSE, exit 0 and a submission.csv."""
    root = _copy(tiny_data_root, tmp_path, "kaggle_house")
    _edit_csv_cell(root / "kaggle_house" / "train.csv", "SalePrice", 0, "-120000")
    lesson = load_lesson(REPO / "regression" / "05_house_prices.py")
    out = tmp_path / "out"
    for recipe in ("d2l", None):
        argv = ["--quick", "--device", "cpu", "--data-dir", str(root), "--out", str(out)]
        with pytest.raises(lk.DataError, match="SalePrice.*line 2"):
            lesson.main(argv + (["--recipe", recipe] if recipe else []))
    assert not (out / "submission.csv").exists() and not (out / "metrics.json").exists()


def test_in_place_files_must_be_the_published_ones(tiny_data_root, tmp_path, monkeypatch):
    """Without LESSONS_UNVERIFIED_DATA a file that is not the published one is refused by checksum."""
    monkeypatch.delenv("LESSONS_UNVERIFIED_DATA")
    root = _copy(tiny_data_root, tmp_path, "kaggle_house")
    with pytest.raises(lk.DataError) as err:
        lk.load_kaggle_house(root)
    message = str(err.value)
    assert "train.csv is not the published" in message and "LESSONS_UNVERIFIED_DATA=1" in message


# --- 2. MNIST: archives checked against torchvision's md5, decoded files validated -----------------

def _raw(tiny_data_root, tmp_path) -> Path:
    return _copy(tiny_data_root, tmp_path, "MNIST") / "MNIST" / "raw"


def test_archive_that_is_not_the_published_one_is_named(tiny_data_root, tmp_path, monkeypatch):
    monkeypatch.delenv("LESSONS_UNVERIFIED_DATA")
    raw = _raw(tiny_data_root, tmp_path)
    with pytest.raises(lk.DataError) as err:
        lk.load_mnist(raw.parent.parent, "MNIST")
    message = str(err.value)
    assert "-ubyte.gz is not the published MNIST archive file (md5" in message and "Delete it" in message


@pytest.mark.parametrize(("name", "content", "words"), [
    ("train-images-idx3-ubyte.gz", struct.pack(">IIII", 2049, 256, 28, 28) + bytes(256 * 784),
     "magic number is 2049, not 2051"),
    ("t10k-labels-idx1-ubyte.gz", struct.pack(">II", 2049, 64) + bytes(10), "promises 64 labels"),
    ("t10k-images-idx3-ubyte.gz", struct.pack(">IIII", 2051, 64, 32, 32) + bytes(64 * 1024), "32x32"),
])
def test_archive_with_wrong_content_is_named_and_nothing_is_left(tiny_data_root, tmp_path, name, content, words):
    """Valid gzip, wrong content: the issue's empty 'could not read ...: .' becomes a reason and a fix."""
    raw = _raw(tiny_data_root, tmp_path)
    with gzip.open(raw / name, "wb") as f:
        f.write(content)
    with pytest.raises(lk.DataError) as err:
        lk.load_mnist(raw.parent.parent, "MNIST")
    message = str(err.value)
    assert str(raw / name) in message and words in message and f"Delete {raw / name}" in message
    assert not (raw / name.removesuffix(".gz")).exists(), "a bad unpacked file is not left behind"


def test_labels_out_of_range_are_refused(tiny_data_root, tmp_path):
    raw = _raw(tiny_data_root, tmp_path)
    with gzip.open(raw / "train-labels-idx1-ubyte.gz", "wb") as f:
        f.write(struct.pack(">II", 2049, 256) + bytes([3] * 100 + [42] + [1] * 155))
    with pytest.raises(lk.DataError, match="label 42 at position 100.*0-9"):
        lk.load_mnist(raw.parent.parent, "MNIST")


def test_images_and_labels_that_do_not_belong_together(tiny_data_root, tmp_path):
    raw = _raw(tiny_data_root, tmp_path)
    with gzip.open(raw / "t10k-labels-idx1-ubyte.gz", "wb") as f:
        f.write(struct.pack(">II", 2049, 10) + bytes(10))
    with pytest.raises(lk.DataError, match="64 images but t10k-labels-idx1-ubyte holds 10 labels"):
        lk.load_mnist(raw.parent.parent, "MNIST")


def test_a_processed_cache_of_other_tensors_is_not_the_data(tiny_data_root, tmp_path):
    """torchvision's MNIST class would load processed/{training,test}.pt instead of raw/ if they exist
    (a 10-image fake set once gave "test accuracy 1.0"): lessonkit reads the checked raw files only."""
    raw = _raw(tiny_data_root, tmp_path)
    processed = raw.parent / "processed"
    processed.mkdir()
    fake = (torch.zeros(10, 28, 28, dtype=torch.uint8), torch.zeros(10, dtype=torch.int64))
    for name in ("training.pt", "test.pt"):
        torch.save(fake, processed / name)
    splits = lk.load_mnist(raw.parent.parent, "MNIST")
    assert splits.x_train.shape == (256, 28, 28) and splits.x_test.shape == (64, 28, 28)
    assert splits.x_train.dtype == torch.uint8 and splits.y_train.dtype == torch.int64
    assert len(set(splits.y_test.tolist())) == 10, "the fixture's labels, not the cache's zeros"


def test_unpacked_files_are_readable_by_others_sharing_the_data_root(tiny_data_root, tmp_path):
    """atomic_path's temporary file is private (mkstemp: 0600); the renamed file gets the umask's mode."""
    raw = _raw(tiny_data_root, tmp_path)
    old = os.umask(0o022)
    try:
        lk.load_mnist(raw.parent.parent, "MNIST")
        written = lk.write_json({"a": 1}, tmp_path / "out" / "metrics.json")
    finally:
        os.umask(old)
    for path in [*raw.glob("*-ubyte"), written]:
        assert path.stat().st_mode & 0o777 == 0o644, (path, oct(path.stat().st_mode))


def test_damaged_unpacked_file_is_unpacked_again_from_its_archive(tiny_data_root, tmp_path):
    raw = _raw(tiny_data_root, tmp_path)
    good = lk.load_mnist(raw.parent.parent, "MNIST")
    unpacked = raw / "train-images-idx3-ubyte"
    unpacked.write_bytes(unpacked.read_bytes()[:5000])  # cut short, as by a full disk
    again = lk.load_mnist(raw.parent.parent, "MNIST")
    assert torch.equal(again.x_train, good.x_train)


def test_damaged_unpacked_file_without_archive_is_named(tiny_data_root, tmp_path):
    raw = _raw(tiny_data_root, tmp_path)
    lk.load_mnist(raw.parent.parent, "MNIST")
    (raw / "t10k-images-idx3-ubyte.gz").unlink()
    (raw / "t10k-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x01" + b"garbage, not IDX")
    with pytest.raises(lk.DataError, match=r"t10k-images-idx3-ubyte is damaged: its magic number .* Delete it"):
        lk.load_mnist(raw.parent.parent, "MNIST")


# --- 3. --out is checked before any work starts ---------------------------------------------------

def test_out_that_is_a_file_is_refused_before_work(tmp_path, tiny_data_root):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    lenet = load_lesson(REPO / "cnn" / "04_lenet.py")
    with pytest.raises(lk.LessonError, match="is an existing file, not a folder"):
        lenet.main(["--quick", "--device", "cpu", "--out", str(target), "--data-dir", str(tiny_data_root)])
    with pytest.raises(lk.LessonError, match="an existing file, not a folder"):
        lenet.main(["--quick", "--device", "cpu", "--out", str(target / "sub"), "--data-dir", str(tiny_data_root)])


def _unprivileged(command: list[str]) -> list[str]:
    """Run without root's right to ignore permissions (root in CI), or as we are if not root."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without util-linux setpriv: cannot drop the permission override")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]


def _script(args, extra_env=None, **kwargs):
    env = {**os.environ, "LESSONS_OFFLINE": "1", "PYTHONUNBUFFERED": "1", **(extra_env or {})}
    return [sys.executable, *args], dict(cwd=REPO, env=env, text=True, **kwargs)


@pytest.mark.subprocess
def test_read_only_out_fails_at_once_without_traceback(tmp_path, tiny_data_root):
    out = tmp_path / "read-only"
    out.mkdir()
    out.chmod(0o555)
    try:
        command, options = _script(["cnn/04_lenet.py", "--quick", "--device", "cpu", "--out", str(out),
                                    "--data-dir", str(tiny_data_root)])
        result = subprocess.run(_unprivileged(command), capture_output=True, timeout=300, **options)
    finally:
        out.chmod(0o755)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "is not writable" in result.stderr
    assert "epoch" not in result.stdout, "the check comes before training, not after"


# --- 4. Ctrl-C: one line, exit 130, nothing half-written; stale temporaries swept next run -----------

@pytest.mark.subprocess
def test_ctrl_c_during_training_is_one_line_and_exit_130(tmp_path, tiny_data_root):
    out = tmp_path / "out"
    command, options = _script(["cnn/04_lenet.py", "--device", "cpu", "--epochs", "200", "--batch-size", "16",
                                "--out", str(out), "--data-dir", str(tiny_data_root)])
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **options)
    try:
        for line in process.stdout:  # wait until training is under way
            if line.startswith("epoch 1/"):
                break
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert stderr.strip().startswith("interrupted (Ctrl-C)") and len(stderr.strip().splitlines()) == 1, stderr
    leftovers = [p.name for p in out.rglob("*") if p.name.startswith(".")]
    assert not leftovers and not (out / "metrics.json").exists()


def test_stale_temporaries_of_a_killed_run_are_swept(tmp_path, tiny_data_root):
    root = tmp_path / "data"
    shutil.copytree(tiny_data_root / "MNIST", root / "MNIST")
    raw, out = root / "MNIST" / "raw", tmp_path / "out"
    out.mkdir()
    old = [raw / ".train-images-idx3-ubyte.x1y2.part", out / ".lenet.pt.a8b9.tmp", raw / ".extract-zz"]
    old[2].mkdir()
    for path in old[:2]:
        path.write_bytes(b"half")
    hour_ago = time.time() - 3600
    for path in old:
        os.utime(path, (hour_ago, hour_ago))
    fresh = out / ".metrics.json.live.tmp"  # another run writing right now: not ours to remove
    fresh.write_text("{")
    lenet = load_lesson(REPO / "cnn" / "04_lenet.py")
    lenet.main(["--quick", "--device", "cpu", "--out", str(out), "--data-dir", str(root)])
    assert not any(path.exists() for path in old)
    assert fresh.exists()
    assert files.sweep_stale_temporaries(out, older_than_s=0) == [fresh]


# --- 5. checkpoints: anything not ours is refused without suggesting an unsafe load ---------------

class Payload:
    """Loading this would need full pickle, which can run code; weights_only=True refuses it."""


@pytest.mark.parametrize("kind", ["text", "empty", "pickle", "truncated", "list"])
def test_file_that_is_not_our_checkpoint(tmp_path, kind):
    path = tmp_path / "model.pt"
    if kind == "text":
        path.write_text("epoch,loss\n1,0.5\n")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "pickle":
        torch.save({"evil": Payload()}, path)
    elif kind == "truncated":
        torch.save({"w": torch.ones(1000)}, path)
        path.write_bytes(path.read_bytes()[:300])
    else:
        torch.save([torch.ones(2)], path)
    with pytest.raises(lk.DataError) as err:
        lk.load_checkpoint(path)
    message = str(err.value)
    assert "not a checkpoint this course wrote" in message and str(path) in message
    assert "weights_only=False" not in message and "()" not in message and "\n" not in message


# --- 6. NaN is never a result reported with exit 0 ------------------------------------------------

def test_non_finite_results_are_an_error_not_a_success(tmp_path, capsys):
    lesson_file = tmp_path / "regression" / "99_fake.py"
    lesson_file.parent.mkdir()
    args = lk.make_parser("doc").parse_args(["--out", str(tmp_path / "o"), "--device", "cpu"])
    run = lk.start_run(lesson_file, args)
    for metrics in ({"rmse": float("nan")}, {"history": [{"loss": 1.0}, {"loss": float("inf")}]},
                    {"curve": torch.tensor([1.0, float("nan")])}):
        with pytest.raises(lk.LessonError, match="non-finite results"):
            run.finish(metrics)
    assert not (tmp_path / "o" / "metrics.json").exists()
    assert json.loads(json.dumps(run.finish({"rmse": 0.5})["metrics"])) == {"rmse": 0.5}


# --- flags at their extremes: the seed's range ------------------------------------------------------

SEED_LESSONS = ["classic_ml/01_knn.py", "classic_ml/06_cross_validation.py", "basics/03_scipy_stats.py",
                "cnn/04_lenet.py"]


@pytest.mark.parametrize("script", SEED_LESSONS)
def test_the_largest_seed_runs_and_one_more_is_a_usage_error(script, tmp_path, tiny_data_root, capsys):
    """NumPy's np.random.seed and scikit-learn's random_state take 0 .. 2**32 - 1: the top seed runs, 2**32 is
    refused by the parser (exit 2), never a NumPy traceback half-way through."""
    lesson = load_lesson(REPO / script)
    common = ["--quick", "--device", "cpu", "--data-dir", str(tiny_data_root), "--out", str(tmp_path / "o")]
    record = lesson.main([*common, "--seed", str(2**32 - 1)])
    assert record["args"]["seed"] == 2**32 - 1
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        lesson.main([*common, "--seed", str(2**32)])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "--seed: must be below 2**32" in err, err


def test_a_split_seed_out_of_range_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        load_lesson(REPO / "classic_ml" / "03_decision_tree.py").main(["--split-seed", "99999999999"])
    assert exit_info.value.code == 2 and "--split-seed: must be below 2**32" in capsys.readouterr().err
