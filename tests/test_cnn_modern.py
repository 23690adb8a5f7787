"""cnn/10_googlenet.py and cnn/12_densenet.py: block shapes as printed, the Inception block's four branches,
dense-block channel growth and transitions, forward + backward at both sizes, and every promised number."""

from __future__ import annotations

import re

import pytest
import torch
from conftest import REPO, load_lesson, real_image_copy
from measured import measured

import lessonkit as lk

googlenet = load_lesson(REPO / "cnn" / "10_googlenet.py")
densenet = load_lesson(REPO / "cnn" / "12_densenet.py")

# Output shapes after each block for ONE 28 px image, computed by hand from the layer definitions
# (3x3 stem with padding keeps 28, 2x2 pools halve; --full resizes to 96, then stride-2 convs and pools
# halve to 48, 24, 12, 6, 3).
SHAPES = {
    ("googlenet", False): [(1, 16, 14, 14), (1, 40, 14, 14), (1, 40, 7, 7), (1, 96, 7, 7), (1, 10)],
    ("googlenet", True): [(1, 1, 96, 96), (1, 64, 24, 24), (1, 192, 12, 12), (1, 480, 6, 6), (1, 832, 3, 3),
                          (1, 1024), (1, 10)],
    ("densenet", False): [(1, 16, 14, 14), (1, 48, 14, 14), (1, 24, 7, 7), (1, 56, 7, 7), (1, 10)],
    ("densenet", True): [(1, 1, 96, 96), (1, 64, 24, 24), (1, 192, 24, 24), (1, 96, 12, 12), (1, 224, 12, 12),
                         (1, 112, 6, 6), (1, 240, 6, 6), (1, 120, 3, 3), (1, 248, 3, 3), (1, 10)],
}
BUILDERS = {"googlenet": googlenet.googlenet, "densenet": densenet.densenet}


@pytest.mark.parametrize("name,full", list(SHAPES), ids=[f"{n}-{'full' if f else 'small'}" for n, f in SHAPES])
def test_block_table_shapes(name, full):
    """Each block's output shape is the one worked out by hand, and the same as running the blocks in turn."""
    model = BUILDERS[name](full)
    x = torch.randn(1, 1, 28, 28)
    rows = lk.block_table(model, x)
    assert [r.output_shape for r in rows] == SHAPES[name, full]
    assert sum(r.parameters for r in rows) == sum(p.numel() for p in model.parameters())
    model.eval()
    with torch.inference_mode():
        for block, row in zip(model, rows):
            x = block(x)
            assert tuple(x.shape) == row.output_shape


@pytest.mark.parametrize("lesson,name", [(googlenet, "googlenet"), (densenet, "densenet")])
def test_printed_table_is_the_block_table(lesson, name, tmp_path, tiny_data_root, capsys):
    """The table a run prints has one line per block with the shape, parameters and MACs of lk.block_table."""
    record = lesson.main(["--quick", "--device", "cpu", "--data-dir", str(tiny_data_root), "--out", str(tmp_path)])
    printed = capsys.readouterr().out
    rows = lk.block_table(BUILDERS[name](False), torch.zeros(1, 1, 28, 28))
    for r in rows:
        line = f"  {r.name:<{max(len(x.name) for x in rows + [lk.BlockRow('input', (), 0, 0)])}}  "
        assert re.search(re.escape(line) + re.escape(f"{str(r.output_shape):<20} {r.parameters:>12,} {r.macs:>14,}"),
                         printed), r
    assert [tuple(s) for s in record["metrics"]["block_shapes"]] == SHAPES[name, False]
    assert record["metrics"]["parameters"] == sum(r.parameters for r in rows)
    assert record["metrics"]["macs_per_image"] == sum(r.macs for r in rows)


@pytest.mark.parametrize("size", [(14, 14), (7, 7), (9, 13), (1, 1)])
@pytest.mark.parametrize("widths", [(16, (16, 24), (16, 24, 24), 24), (64, (16, 32), (96, 128), 32)],
                         ids=["lecture", "d2l"])
def test_inception_branches_keep_height_and_width(size, widths):
    """Guards the lesson's claim: with 'same' padding all four branches keep H and W, and the block's output
    has c1 + c5 + c3 + c_pool channels (16 + 24 + 24 + 24 = 88 for the lecture's widths)."""
    block = googlenet.Inception(32, *widths)
    x = torch.randn(2, 32, *size)
    branches = block.branches(x)
    assert len(branches) == 4
    assert all(b.shape[0] == 2 and tuple(b.shape[2:]) == size for b in branches)
    expected = widths[0] + widths[1][-1] + widths[2][-1] + widths[3]
    assert [b.shape[1] for b in branches] == [widths[0], widths[1][-1], widths[2][-1], widths[3]]
    assert block(x).shape == (2, expected, *size) and block.out_channels == expected
    if widths[0] == 16:
        assert expected == 88


def test_without_padding_the_concatenation_fails(capsys):
    """Guards the printed demonstration: unpadded branches give 14, 10, 10 and 12 px, and torch.cat refuses."""
    x = torch.randn(1, 32, 14, 14)
    unpadded = googlenet.Inception(32, 16, (16, 24), (16, 24, 24), 24, same=False)
    assert [tuple(b.shape[2:]) for b in unpadded.branches(x)] == [(14, 14), (10, 10), (10, 10), (12, 12)]
    with pytest.raises(RuntimeError, match="Sizes of tensors must match"):
        unpadded(x)
    outputs = googlenet.show_branches(x)
    printed = capsys.readouterr().out
    assert "16 + 24 + 24 + 24 = 88 channels" in printed
    assert "[(14, 14), (10, 10), (10, 10), (12, 12)]: torch.cat fails" in printed
    assert [tuple(o.shape) for o in outputs] == [(1, 16, 14, 14), (1, 24, 14, 14), (1, 24, 14, 14), (1, 24, 14, 14)]


def test_full_googlenet_is_d2l_sized():
    """Guards the docstring's '6.0M parameters' for --full (D2L's GoogLeNet has about 6M)."""
    n = sum(p.numel() for p in googlenet.googlenet(True).parameters())
    assert n == pytest.approx(6.0e6, abs=0.05e6)


def test_full_densenet_size():
    """Guards the docstring's '0.98M parameters' for --full (DenseNet-BC, D2L's layout, growth 32)."""
    n = sum(p.numel() for p in densenet.densenet(True).parameters())
    assert n == pytest.approx(0.98e6, abs=0.005e6)


def test_small_model_sizes():
    """Guards the docstrings' '24.5k parameters' (small GoogLeNet) and '21k parameters' (small DenseNet)."""
    assert sum(p.numel() for p in googlenet.googlenet(False).parameters()) == pytest.approx(24_500, abs=50)
    assert sum(p.numel() for p in densenet.densenet(False).parameters()) == pytest.approx(21_000, abs=500)


@pytest.mark.parametrize("num_convs,in_channels,growth,bottleneck", [(4, 16, 8, False), (2, 3, 12, False),
                                                                      (4, 64, 32, True), (1, 8, 5, True)])
def test_dense_block_adds_growth_per_conv(num_convs, in_channels, growth, bottleneck):
    """Guards 'in + num_convs x growth' output channels, height and width unchanged, +growth per conv."""
    block = densenet.DenseBlock(num_convs, in_channels, growth, bottleneck)
    trace = []
    out = block(torch.randn(2, in_channels, 9, 7), trace=trace)
    assert out.shape == (2, in_channels + num_convs * growth, 9, 7) and block.out_channels == out.shape[1]
    assert trace == [in_channels + (i + 1) * growth for i in range(num_convs)]


def test_transition_halves_channels_and_size():
    out = densenet.transition(48, 24)(torch.randn(2, 48, 14, 14))
    assert out.shape == (2, 24, 7, 7)


def test_densenet_prints_channel_growth(tmp_path, tiny_data_root, capsys):
    """Guards the printed lines: dense1 goes 16 -> 24 -> 32 -> 40 -> 48 (= 16 + 4 x 8), transition1 48 -> 24
    channels and 14x14 -> 7x7; the saved trace and the growth figure."""
    record = densenet.main(["--quick", "--device", "cpu", "--data-dir", str(tiny_data_root), "--out", str(tmp_path)])
    printed = capsys.readouterr().out
    assert "dense1, growth rate 8: channels 16 -> 24 -> 32 -> 40 -> 48 (= 16 + 4 x 8)" in printed
    assert "transition1: 48 channels 14x14 -> 24 channels 7x7" in printed
    trace = record["metrics"]["channel_trace"]
    assert [c for _, c in trace] == [16, 24, 32, 40, 48, 24, 32, 40, 48, 56]
    assert (tmp_path / "channel_growth.png").is_file() and (tmp_path / "curves.png").is_file()


def test_full_densenet_trace():
    """--full: growth 32 through 4 blocks of 4, each transition halving (DenseNet-BC, compression 0.5)."""
    trace = densenet.channel_trace(densenet.densenet(True), torch.zeros(1, 1, 28, 28))
    channels = {name: c for name, c, _ in trace}
    assert [channels[f"dense{i}.conv4"] for i in range(1, 5)] == [192, 224, 240, 248]
    assert [channels[f"transition{i}"] for i in range(1, 4)] == [96, 112, 120]


@pytest.mark.parametrize("name,full,batch", [("googlenet", False, 4), ("googlenet", True, 1),
                                             ("densenet", False, 4), ("densenet", True, 1)])
def test_forward_and_backward(name, full, batch):
    """Each model trains at its default size on a tiny batch and at --full size on a batch of one."""
    model = BUILDERS[name](full).train()
    logits = model(torch.randn(batch, 1, 28, 28))
    assert logits.shape == (batch, 10)
    torch.nn.functional.cross_entropy(logits, torch.arange(batch) % 10).backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert sum(g.abs().sum() for g in grads) > 0


@pytest.mark.parametrize("lesson", [googlenet, densenet], ids=["googlenet", "densenet"])
def test_learns_the_tiny_fixture(lesson, tmp_path, tiny_data_root):
    """The training loop learns: 8 epochs (64 steps) on the 256-image fixture (a band of bright rows per class)
    take the test accuracy from chance (10%) to 90% or more."""
    record = lesson.main(["--device", "cpu", "--epochs", "8", "--batch-size", "32", "--data-dir", str(tiny_data_root),
                          "--out", str(tmp_path)])
    measured("test accuracy on the fixture", record["metrics"]["test_accuracy"], 0.9, 1.0)


# --- real data: short settings. The 3-epoch defaults (about 90.4% and 89.9% in the docstrings; checked by
# benchmarks/benchmark.py) take a minute or two
# each on an idle 2-core CPU, past this file's real-data budget; one epoch each is about half a minute. ---

@pytest.mark.real_data
def test_googlenet_one_epoch_on_real_fashion_mnist(tmp_path):
    """Guards 10_googlenet's 'Expect: ... --epochs 1 gives about 88%' (seeds 0 and 1: 87.9%, 88.4%)."""
    record = googlenet.main(["--device", "cpu", "--epochs", "1", "--out", str(tmp_path / "o"),
                             "--data-dir", str(real_image_copy(tmp_path, "FashionMNIST"))])
    assert record["metrics"]["train_examples"] == 60_000
    measured("test accuracy after 1 epoch", record["metrics"]["test_accuracy"], 0.867, 0.891)


@pytest.mark.real_data
def test_densenet_one_epoch_on_real_fashion_mnist(tmp_path):
    """Guards 12_densenet's 'Expect: ... --epochs 1 gives about 87%' (seeds 0 and 1: 87.1%, 86.7%)."""
    record = densenet.main(["--device", "cpu", "--epochs", "1", "--out", str(tmp_path / "o"),
                            "--data-dir", str(real_image_copy(tmp_path, "FashionMNIST"))])
    assert record["metrics"]["train_examples"] == 60_000
    measured("test accuracy after 1 epoch", record["metrics"]["test_accuracy"], 0.859, 0.883)
