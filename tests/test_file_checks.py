"""Files a learner hands to a lesson, checked before any work: checkpoints against the model they are for,
and image files (the face lessons read a learner's own photos). Each bad file is one DataError paragraph
that says what the file is and what was expected, never a traceback from torch or Pillow."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
import torch
from fixtures import onnx_identity
from PIL import Image
from torch import nn

import lessonkit as lk


def small_net(classes: int = 10) -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.Linear(4 * 26 * 26, classes))


# --- checkpoints against the model they are for --------------------------------------------------------

def test_a_state_dict_of_the_same_model_passes():
    net = small_net()
    lk.check_state_dict(net.state_dict(), small_net(), "net.pt", expected="the small net")


@pytest.mark.parametrize("other, words", [
    (lambda: small_net(classes=26).state_dict(), ["other shapes", "2.weight is (26, 2704), needs (10, 2704)"]),
    (lambda: nn.Linear(3, 2).state_dict(), ["4 tensors missing", "2 it does not use", "weight"]),
    (lambda: {}, ["no tensors", "4 tensors missing"]),
    (lambda: {**small_net().state_dict(), "extra.bias": torch.zeros(3)}, ["1 it does not use", "extra.bias"]),
])
def test_a_state_dict_of_another_model_names_what_it_holds(other, words):
    with pytest.raises(lk.DataError) as caught:
        lk.check_state_dict(other(), small_net(), "other.pt", expected="a LeNet-5 saved by cnn/04_lenet.py")
    message = str(caught.value)
    assert message.startswith("other.pt is not a LeNet-5 saved by cnn/04_lenet.py: it holds ")
    for word in words:
        assert word in message, message


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_weights_are_refused(bad):
    state = small_net().state_dict()
    state["2.bias"][3] = bad
    with pytest.raises(lk.DataError, match="NaN or infinite weights .*2.bias.*diverged"):
        lk.check_state_dict(state, small_net(), "nan.pt", expected="the small net")


def test_not_a_dict_is_refused():
    with pytest.raises(lk.DataError, match="holds a list, not the weights of the small net"):
        lk.check_state_dict([torch.zeros(1)], small_net(), "list.pt", expected="the small net")


def test_describe_state_gives_the_last_layers_size():
    assert lk.describe_state(small_net(7).state_dict()) == "4 tensors, from 0.weight (4, 1, 3, 3) to 2.bias (7,)"


# --- image files ---------------------------------------------------------------------------------------

def save(image: Image.Image, path, **kwargs):
    image.save(path, **kwargs)
    return path


def test_a_grey_pgm_reads_as_it_is(tmp_path):
    pixels = np.arange(112 * 92, dtype=np.uint32).reshape(112, 92) % 256
    path = save(Image.fromarray(pixels.astype(np.uint8)), tmp_path / "1.pgm")
    got = lk.read_grey_image(path)
    assert got.dtype == np.uint8 and got.shape == (112, 92) and np.array_equal(got, pixels)


def test_colour_cmyk_and_palette_images_become_grey(tmp_path):
    rgb = Image.new("RGB", (40, 30), (255, 0, 0))
    for mode, name in [("RGB", "a.png"), ("CMYK", "a.jpg"), ("P", "a.gif"), ("RGBA", "b.png"), ("LA", "c.png")]:
        got = lk.read_grey_image(save(rgb.convert(mode), tmp_path / name))
        assert got.shape == (30, 40) and got.dtype == np.uint8
        assert abs(int(got.mean()) - 76) <= 3, (mode, got.mean())  # ITU-R 601 luma of pure red: 0.299 * 255


def test_sixteen_bit_images_are_scaled_not_clipped(tmp_path):
    wide = (np.linspace(0, 65535, 64 * 64).reshape(64, 64)).astype(np.uint16)
    got = lk.read_grey_image(save(Image.fromarray(wide), tmp_path / "deep.png"))
    assert got.min() == 0 and got.max() == 255
    assert abs(float(got.mean()) - 127.5) < 1, "mid-grey on average, where a clip to 255 would give white"


def test_exif_orientation_is_applied(tmp_path):
    upright = Image.new("L", (40, 20), 0)
    upright.paste(255, (0, 0, 20, 20))                   # white on the left half
    exif = Image.Exif()
    exif[0x0112] = 6                                     # "rotate 90 clockwise to view"
    got = lk.read_grey_image(save(upright, tmp_path / "phone.jpg", exif=exif))
    assert got.shape == (40, 20), "shown upright: the tag turns a 40x20 photo into 20 wide, 40 high"


@pytest.mark.parametrize("make, words", [
    (lambda p: p.write_text("hello, not an image"), "not an image file that Pillow can read"),
    (lambda p: p.write_bytes(b""), "not an image file that Pillow can read"),
    (lambda p: p.mkdir(), "is a folder; an image file was expected"),
    (lambda p: None, "no image file at"),
    (lambda p: save(Image.new("L", (1, 1)), p, format="PNG"), "1x1 pixels: too small"),
    (lambda p: save(Image.new("L", (400, 8)), p, format="PNG"), "400x8 pixels: too small"),
    (lambda p: p.write_bytes(_png_bytes(Image.new("L", (200, 200), 128))[:120]), "damaged PNG file"),
    (lambda p: save(Image.new("F", (32, 32)), p, format="TIFF"), "floating-point pixels"),
])
def test_bad_image_files_are_one_clear_error(tmp_path, make, words):
    path = tmp_path / "photo.jpg"
    make(path)
    with pytest.raises(lk.DataError, match=words):
        lk.read_grey_image(path)


def test_an_image_too_large_is_refused_from_its_header(tmp_path, monkeypatch):
    """10000x10000 is 100 megapixels: refused from the header, before 100 MB of pixels are decoded."""
    path = save(Image.new("L", (10000, 10000)), tmp_path / "huge.png", compress_level=1)
    with pytest.raises(lk.DataError, match="10000x10000 pixels, more than the 50,000,000"):
        lk.read_grey_image(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10**7)  # Pillow's own bomb guard (2x this) answers in one line
    with pytest.raises(lk.DataError, match="too large to decode safely"):
        lk.read_grey_image(path, max_pixels=10**9)


def test_image_files_lists_images_only(tmp_path):
    for name in ["b.JPG", "a.pgm", ".hidden.png", "notes.txt"]:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub.png").mkdir()
    assert [p.name for p in lk.image_files(tmp_path)] == ["a.pgm", "b.JPG"]


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# --- ONNX files one lesson writes and the next reads ---------------------------------------------------

LENET_IO = ({"image": [None, 1, 28, 28]}, {"logits": [None, 10]})


def test_an_onnx_model_with_the_right_inputs_and_outputs_passes(tmp_path):
    proto = lk.check_onnx_model(onnx_identity(tmp_path / "m.onnx"), *LENET_IO, expected="LeNet")
    assert [i.name for i in proto.graph.input] == ["image"]


@pytest.mark.parametrize("make, words", [
    (lambda p: p.write_text("not a model"), "is not a valid ONNX model"),
    (lambda p: p.write_bytes(b""), "is not a valid ONNX model"),
    (lambda p: p.mkdir(), "it is a folder"),
    (lambda p: None, "no such file"),
    (lambda p: onnx_identity(p, name_in="input.1"), "its inputs are input.1 [?, 1, 28, 28]"),
    (lambda p: onnx_identity(p, shape_in=("batch", 3, 32, 32)), "its inputs are image [?, 3, 32, 32]"),
    (lambda p: onnx_identity(p, shape_in=(1, 1, 28, 28)), "its inputs are image [1, 1, 28, 28]"),
    (lambda p: onnx_identity(p, name_out="output"), "its outputs are output [?, 10]"),
    (lambda p: onnx_identity(p, shape_out=("batch", 26)), "its outputs are logits [?, 26]"),
])
def test_another_onnx_file_is_one_paragraph(tmp_path, make, words):
    path = tmp_path / "m.onnx"
    make(path)
    with pytest.raises(lk.DataError) as caught:
        lk.check_onnx_model(path, *LENET_IO, expected="LeNet as deploy/01 exports it")
    message = str(caught.value)
    assert str(path) in message and words in message and "\n" not in message, message
