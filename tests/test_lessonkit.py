"""Unit tests for lessonkit, failure paths included."""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import tarfile
import zipfile

import numpy as np
import pytest
import torch
from torch import nn

import lessonkit as lk
from lessonkit import data as lkdata

# --- device -------------------------------------------------------------------------------------


def test_auto_and_cpu_devices_work():
    assert lk.get_device("cpu") == torch.device("cpu")
    assert lk.get_device("auto").type in {"cpu", "cuda", "mps"}
    assert "cpu" in lk.available_devices()


@pytest.mark.parametrize("name", ["tpu", "cuda:x", "gpu", ""])
def test_unknown_device_names_are_rejected(name):
    with pytest.raises(lk.DeviceError, match="unknown device"):
        lk.get_device(name)


def test_missing_cuda_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(lk.DeviceError) as err:
        lk.get_device("cuda")
    assert "--device cuda" in str(err.value) and "Available: cpu" in str(err.value)
    assert isinstance(err.value, SystemExit) and str(err.value.code).startswith("error: ")


def test_cuda_index_beyond_the_device_count(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(lk.DeviceError, match="has 1 CUDA device"):
        lk.get_device("cuda:3")
    assert lk.get_device("cuda:0") == torch.device("cuda", 0)


def test_missing_mps_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(lk.DeviceError, match="MPS"):
        lk.get_device("mps")


# --- command line -------------------------------------------------------------------------------


def test_parser_defaults_and_lesson_flags():
    parser = lk.make_parser("doc", epochs=3, batch_size=64, lr=0.1)
    args = parser.parse_args([])
    assert (args.device, args.seed, args.epochs, args.batch_size, args.lr) == ("auto", 0, 3, 64, 0.1)
    assert not args.quick and not args.show and args.data_dir is None and args.out is None
    bare = lk.make_parser("doc").parse_args([])
    assert not hasattr(bare, "epochs"), "lessons that do not train get no --epochs flag"


@pytest.mark.parametrize("argv", [["--epochs", "-1"], ["--epochs", "0"], ["--epochs", "2.5"],
                                  ["--lr", "0"], ["--lr", "nan"], ["--lr", "inf"], ["--batch-size", "x"],
                                  ["--seed", "-3"], ["--device", "tpu"]])
def test_bad_values_are_argparse_errors(argv, capsys):
    parser = lk.make_parser("doc", epochs=3, batch_size=64, lr=0.1)
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(argv)
    assert exit_info.value.code == 2
    assert "error: argument" in capsys.readouterr().err


def test_probability_type():
    assert lk.probability("0.5") == 0.5
    with pytest.raises(argparse.ArgumentTypeError):
        lk.probability("1.0")


# --- data root ----------------------------------------------------------------------------------


def test_data_root_order(tmp_path, monkeypatch):
    monkeypatch.delenv("LESSONS_DATA_DIR", raising=False)
    assert lk.data_root(None, tmp_path) == (tmp_path / "data").resolve()
    monkeypatch.setenv("LESSONS_DATA_DIR", str(tmp_path / "env"))
    assert lk.data_root(None, tmp_path) == (tmp_path / "env").resolve()
    assert lk.data_root(str(tmp_path / "cli"), tmp_path) == (tmp_path / "cli").resolve()


# --- downloads and checksums --------------------------------------------------------------------


def test_verify_file_accepts_right_and_rejects_wrong_checksum(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"hello")
    lk.verify_file(path, sha256=hashlib.sha256(b"hello").hexdigest())
    lk.verify_file(path, md5=hashlib.md5(b"hello").hexdigest())
    with pytest.raises(lk.DataError, match="checksum mismatch"):
        lk.verify_file(path, sha256="0" * 64)


def test_download_checks_the_checksum_and_leaves_nothing_on_mismatch(tmp_path):
    source = tmp_path / "source.bin"
    source.write_bytes(b"payload" * 1000)
    url = source.as_uri()  # a file:// URL exercises the real download code without a network
    dest = tmp_path / "cache" / "file.bin"
    with pytest.raises(lk.DataError, match="checksum mismatch"):
        lk.download(url, dest, sha256="0" * 64)
    assert not dest.exists() and list(dest.parent.iterdir()) == [], "no partial file may remain"
    lk.download(url, dest, sha256=hashlib.sha256(source.read_bytes()).hexdigest())
    assert dest.read_bytes() == source.read_bytes()


def test_ensure_file_downloads_when_online(tmp_path, monkeypatch):
    monkeypatch.delenv("LESSONS_OFFLINE")
    source = tmp_path / "source.csv"
    source.write_text("a,b\n1,2\n")
    root = tmp_path / "root"
    path = lk.ensure_file(root, "set/file.csv", ["file:///nonexistent/first", source.as_uri()],
                          md5=hashlib.md5(source.read_bytes()).hexdigest())
    assert path == root / "set" / "file.csv" and path.read_text() == "a,b\n1,2\n"


def test_missing_file_offline_names_file_path_url_and_data_dir(tmp_path):
    with pytest.raises(lk.DataError) as err:
        lk.ensure_file(tmp_path, "MNIST/raw/train-images-idx3-ubyte.gz",
                       ["https://example.org/train-images-idx3-ubyte.gz"], what="MNIST")
    message = str(err.value)
    for needed in ("train-images-idx3-ubyte.gz", str(tmp_path / "MNIST" / "raw"),
                   "https://example.org/", "--data-dir", "LESSONS_DATA_DIR", "LESSONS_OFFLINE"):
        assert needed in message
    assert "\n" not in message


def test_failed_download_reports_every_url(tmp_path, monkeypatch):
    monkeypatch.delenv("LESSONS_OFFLINE")
    with pytest.raises(lk.DataError) as err:
        lk.ensure_file(tmp_path, "x.csv", ["file:///nonexistent/a.csv", "file:///nonexistent/b.csv"])
    assert "a.csv" in str(err.value) and "b.csv" in str(err.value)


# --- archives -----------------------------------------------------------------------------------


def test_zip_extracts_safely(tmp_path):
    archive = tmp_path / "good.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("folder/hour.csv", "a,b\n")
    lk.extract_archive(archive, tmp_path / "out")
    assert (tmp_path / "out" / "folder" / "hour.csv").read_text() == "a,b\n"


@pytest.mark.parametrize("member", ["../escape.txt", "/abs/escape.txt", "ok/../../escape.txt"])
def test_zip_member_escaping_the_folder_is_refused(tmp_path, member):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("fine.txt", "fine")
        zf.writestr(member, "owned")
    dest = tmp_path / "a" / "b"
    with pytest.raises(lk.DataError, match="outside"):
        lk.extract_archive(archive, dest)
    assert not (tmp_path / "a" / "escape.txt").exists() and not (tmp_path / "escape.txt").exists()
    assert not (dest / "fine.txt").exists(), "a refused archive extracts nothing"


def _tar_with(path, name, data=b"x", linkname=None):
    with tarfile.open(path, "w:gz") as tf:
        info = tarfile.TarInfo(name)
        if linkname is not None:
            info.type, info.linkname = tarfile.SYMTYPE, linkname
            tf.addfile(info)
        else:
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))


def test_tar_extracts_and_refuses_escapes(tmp_path):
    good = tmp_path / "good.tar.gz"
    _tar_with(good, "d/file.txt", b"content")
    lk.extract_archive(good, tmp_path / "out")
    assert (tmp_path / "out" / "d" / "file.txt").read_bytes() == b"content"
    evil = tmp_path / "evil.tar.gz"
    _tar_with(evil, "../../evil.txt")
    with pytest.raises(lk.DataError, match="outside"):
        lk.extract_archive(evil, tmp_path / "out2")
    link = tmp_path / "link.tar.gz"
    _tar_with(link, "innocent", linkname="/etc/passwd")
    with pytest.raises(lk.DataError, match="outside"):
        lk.extract_archive(link, tmp_path / "out3")


@pytest.mark.parametrize("payload", [b"PK\x03\x04 this is not really a zip", b"\x1f\x8b\x08 broken gzip tar",
                                     b"plain text"])
def test_corrupted_archive_is_a_clear_error(tmp_path, payload):
    archive = tmp_path / "broken.zip"
    archive.write_bytes(payload)
    with pytest.raises(lk.DataError, match=r"corrupt|not a zip"):
        lk.extract_archive(archive, tmp_path / "out")
    assert [p.name for p in (tmp_path / "out").iterdir()] == [], "nothing half-extracted"


def test_truncated_zip_is_a_clear_error(tmp_path):
    archive = tmp_path / "cut.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.txt", "".join(str(i) for i in range(20000)))
    archive.write_bytes(archive.read_bytes()[:200])
    with pytest.raises(lk.DataError):
        lk.extract_archive(archive, tmp_path / "out")


def test_gunzip_corrupt_file_leaves_nothing(tmp_path):
    good = tmp_path / "a.gz"
    with gzip.open(good, "wb") as f:
        f.write(b"x" * 10000)
    lk.gunzip(good, tmp_path / "a")
    assert (tmp_path / "a").read_bytes() == b"x" * 10000
    bad = tmp_path / "b.gz"
    bad.write_bytes(good.read_bytes()[:15])
    with pytest.raises(lk.DataError, match="corrupt"):
        lk.gunzip(bad, tmp_path / "b")
    assert not (tmp_path / "b").exists() and not list(tmp_path.glob(".b.*"))


# --- MNIST --------------------------------------------------------------------------------------


def test_load_mnist_reads_the_standard_layout(tiny_data_root, tmp_path):
    import shutil

    root = tmp_path / "root"
    # only the archives: other tests may already have unpacked the shared fixture
    shutil.copytree(tiny_data_root / "MNIST", root / "MNIST", ignore=shutil.ignore_patterns("*-ubyte"))
    mnist = lk.load_mnist(root, "MNIST")
    assert mnist.x_train.shape == (256, 28, 28) and mnist.x_train.dtype == torch.uint8
    assert mnist.y_train.dtype == torch.int64 and mnist.x_test.shape == (64, 28, 28)
    assert set(mnist.y_train.tolist()) == set(range(10)) and len(mnist.classes) == 10
    assert (root / "MNIST" / "raw" / "train-images-idx3-ubyte").is_file(), "unpacked beside the .gz"
    again = lk.load_mnist(root, "MNIST")  # second load reads the unpacked files
    assert torch.equal(again.x_train, mnist.x_train)
    fashion = lk.load_mnist(tiny_data_root, "FashionMNIST")
    assert fashion.classes[0] == "T-shirt/top"


def test_load_mnist_offline_without_files_is_one_paragraph(tmp_path):
    with pytest.raises(lk.DataError) as err:
        lk.load_mnist(tmp_path, "FashionMNIST")
    message = str(err.value)
    assert "FashionMNIST/raw/train-images-idx3-ubyte.gz" in message and "http" in message


def test_load_mnist_corrupt_gz_is_a_clear_error(tmp_path, tiny_data_root):
    import shutil

    shutil.copytree(tiny_data_root / "MNIST", tmp_path / "MNIST", ignore=shutil.ignore_patterns("*-ubyte"))
    (tmp_path / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8bnot gzip")
    with pytest.raises(lk.DataError, match="t10k-labels"):
        lk.load_mnist(tmp_path, "MNIST")


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="unknown dataset"):
        lkdata.load_mnist("/nowhere", "CIFAR10")


# --- run setup, metrics, figures ----------------------------------------------------------------


def _args(tmp_path, **extra):
    parser = lk.make_parser("doc", epochs=1)
    return parser.parse_args(["--out", str(tmp_path / "o"), "--device", "cpu", *extra.get("argv", [])])


def test_seeding_repeats_numbers():
    lk.seed_everything(7)
    first = (torch.rand(3), np.random.rand(3))
    lk.seed_everything(7)
    second = (torch.rand(3), np.random.rand(3))
    assert torch.equal(first[0], second[0]) and np.array_equal(first[1], second[1])


def test_start_run_and_finish_write_metrics(tmp_path, capsys):
    lesson_file = tmp_path / "cnn" / "99_fake.py"
    lesson_file.parent.mkdir()
    lesson_file.write_text("")
    run = lk.start_run(lesson_file, _args(tmp_path))
    banner = capsys.readouterr().out
    assert banner.startswith("== cnn/99_fake | Python") and "device cpu" in banner and "torch" in banner
    import matplotlib

    assert matplotlib.get_backend().lower() == "agg"
    run.args.sizes = (3, 4)  # a tuple-valued flag must come back as the file stores it
    record = run.finish({"accuracy": torch.tensor(0.5), "curve": np.array([1.0, 2.0])})
    saved = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert saved == record
    assert saved["metrics"] == {"accuracy": 0.5, "curve": [1.0, 2.0]}
    assert saved["args"]["epochs"] == 1 and saved["args"]["sizes"] == [3, 4]
    assert saved["device"] == "cpu" and saved["seconds"] >= 0


@pytest.mark.parametrize("asked", ["auto", "cpu", "cuda", "mps"])
def test_cpu_only_lesson_names_the_cpu_and_why(tmp_path, capsys, asked):
    """A NumPy/scikit-learn lesson reports the CPU whatever --device says (even a device not present)."""
    lesson_file = tmp_path / "classic_ml" / "99_fake.py"
    lesson_file.parent.mkdir()
    args = lk.make_parser("doc").parse_args(["--out", str(tmp_path / "o"), "--device", asked])
    run = lk.start_run(lesson_file, args, cpu_only="scikit-learn computes on the CPU")
    banner = capsys.readouterr().out
    assert run.device == torch.device("cpu")
    assert "device cpu (scikit-learn computes on the CPU" in banner
    assert (f"--device {asked} has no effect here" in banner) == (asked not in ("auto", "cpu"))
    assert run.finish({"x": 1.0})["device"] == "cpu"


def test_default_out_folder_is_outputs_folder_lesson(tmp_path):
    lesson_file = tmp_path / "basics" / "01_x.py"
    lesson_file.parent.mkdir()
    args = lk.make_parser("doc").parse_args(["--device", "cpu"])
    run = lk.start_run(lesson_file, args)
    assert run.out == (tmp_path / "outputs" / "basics" / "01_x").resolve()


def test_save_figure_is_a_png(tmp_path):
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    path = lk.save_figure(fig, tmp_path / "figs" / "line.png")
    assert path.read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in path.parent.iterdir()) == ["line.png"]


class NotATensor:
    """An arbitrary object: loading it would need full pickle, which weights_only=True refuses."""


# --- training helpers ---------------------------------------------------------------------------


def test_batches_cover_every_example_once():
    x, y = torch.arange(10).float().unsqueeze(1), torch.arange(10)
    seen = torch.cat([yb for _, yb in lk.batches(x, y, 3, shuffle=True, generator=torch.Generator().manual_seed(0))])
    assert sorted(seen.tolist()) == list(range(10)) and seen.tolist() != list(range(10))
    sizes = [len(yb) for _, yb in lk.batches(x, y, 3)]
    assert sizes == [3, 3, 3, 1] and lk.num_batches(10, 3) == 4


def test_accuracy_and_evaluate_use_eval_mode_without_grad():
    class Spy(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(2, 2)
            self.modes = []

        def forward(self, x):
            self.modes.append((self.training, torch.is_grad_enabled()))
            return self.linear(x)

    model = Spy()
    x, y = torch.randn(25, 2), torch.randint(0, 2, (25,))
    loss, acc = lk.evaluate(model, x, y, batch_size=10)
    assert model.modes == [(False, False)] * 3 and model.training, "eval for evaluation, train mode restored"
    assert 0.0 <= acc <= 1.0 and loss > 0
    assert lk.accuracy(torch.tensor([[0.1, 0.9], [2.0, 1.0]]), torch.tensor([1, 1])) == 0.5


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_check_finite_stops_a_diverging_run(value):
    lk.check_finite(torch.tensor(1.0))
    with pytest.raises(lk.TrainingDiverged, match="diverged.*--lr"):
        lk.check_finite(torch.tensor(value), "epoch 1 step 5")


def test_checkpoint_round_trip_and_weights_only(tmp_path):
    model = nn.Linear(3, 2)
    path = lk.save_checkpoint(model.state_dict(), tmp_path / "ck" / "model.pt")
    restored = nn.Linear(3, 2)
    restored.load_state_dict(lk.load_checkpoint(path))
    x = torch.randn(4, 3)
    assert torch.equal(model(x), restored(x))
    assert [p.name for p in path.parent.iterdir()] == ["model.pt"]

    torch.save({"evil": NotATensor()}, tmp_path / "pickle.pt")  # arbitrary objects need pickle
    with pytest.raises(lk.DataError, match="not a checkpoint this course wrote"):
        lk.load_checkpoint(tmp_path / "pickle.pt")
    with pytest.raises(lk.DataError, match="no checkpoint"):
        lk.load_checkpoint(tmp_path / "missing.pt")
    (tmp_path / "cut.pt").write_bytes(path.read_bytes()[:50])
    with pytest.raises(lk.DataError):
        lk.load_checkpoint(tmp_path / "cut.pt")


def test_atomic_path_keeps_the_old_file_when_the_write_fails(tmp_path):
    target = tmp_path / "sub" / "file.txt"
    with lk.atomic_path(target) as tmp:
        tmp.write_text("first")
    with pytest.raises(RuntimeError), lk.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "first" and sorted(p.name for p in target.parent.iterdir()) == ["file.txt"]


def test_atomic_path_onto_a_folder_is_one_clear_error(tmp_path):
    (tmp_path / "trace.json").mkdir()
    with pytest.raises(lk.LessonError, match="is a folder, where the lesson writes a file"):
        with lk.atomic_path(tmp_path / "trace.json") as tmp:
            tmp.write_text("{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trace.json"], "no temporary file left behind"


def test_unwritable_mnist_folder_says_so(tmp_path, tiny_data_root, monkeypatch):
    import shutil

    from lessonkit import files

    shutil.copytree(tiny_data_root / "MNIST" / "raw", tmp_path / "MNIST" / "raw",
                    ignore=shutil.ignore_patterns("*-ubyte"))

    def read_only_folder(*args, **kwargs):  # what mkstemp raises in a folder we may not write to
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.tempfile, "mkstemp", read_only_folder)
    with pytest.raises(lk.DataError, match="not writable.*--data-dir"):
        lk.load_mnist(tmp_path, "MNIST")


def test_write_json_is_atomic(tmp_path):
    lk.write_json({"a": 1}, tmp_path / "m.json")
    assert json.loads((tmp_path / "m.json").read_text()) == {"a": 1}
    with pytest.raises(TypeError):
        lk.write_json({"a": object()}, tmp_path / "m.json")
    assert json.loads((tmp_path / "m.json").read_text()) == {"a": 1}, "a failed write keeps the old file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]


# --- block table (shapes, parameters, multiply-adds) -------------------------------------------


def test_block_table_counts_conv_and_linear_macs():
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(4 * 14 * 14, 10))
    rows = lk.block_table(net, torch.zeros(2, 1, 28, 28))
    assert [r.output_shape for r in rows] == [(2, 4, 28, 28), (2, 4, 28, 28), (2, 4, 14, 14), (2, 784), (2, 10)]
    # conv: 4*28*28 outputs x (1*3*3) MACs each; linear: 10 outputs x 784 MACs each (per example)
    assert rows[0].macs == 4 * 28 * 28 * 9 and rows[-1].macs == 10 * 784
    assert rows[0].parameters == 4 * 9 + 4 and sum(r.macs for r in rows[1:4]) == 0
    assert lk.count_macs(net, torch.zeros(1, 1, 28, 28)) == 4 * 28 * 28 * 9 + 7840
    grouped = nn.Conv2d(8, 8, 3, padding=1, groups=8)  # depthwise: one input channel per output
    assert lk.count_macs(grouped, torch.zeros(1, 8, 5, 5)) == 8 * 25 * 9


def test_block_table_restores_training_mode_and_prints(capsys):
    net = nn.Sequential(nn.Linear(3, 2))
    net.train()
    rows = lk.print_block_table(net, torch.zeros(1, 3), title="tiny")
    assert net.training and rows[0].parameters == 8
    assert "total" in capsys.readouterr().out
