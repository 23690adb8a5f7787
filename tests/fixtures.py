"""Tiny datasets written in the real file formats, so no test needs the network or real data.

Each writer produces files a lesson's loader reads exactly as it reads the real ones.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

MNIST_FILES = {
    ("train", "images"): "train-images-idx3-ubyte.gz",
    ("train", "labels"): "train-labels-idx1-ubyte.gz",
    ("test", "images"): "t10k-images-idx3-ubyte.gz",
    ("test", "labels"): "t10k-labels-idx1-ubyte.gz",
}


def write_idx_images(path: Path, images: np.ndarray) -> None:
    """IDX3 (magic 2051): big-endian count, rows, cols, then uint8 pixels; gzip-compressed."""
    n, rows, cols = images.shape
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">IIII", 2051, n, rows, cols))
        f.write(images.astype(np.uint8).tobytes())


def write_idx_labels(path: Path, labels: np.ndarray) -> None:
    """IDX1 (magic 2049): big-endian count, then uint8 labels; gzip-compressed."""
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">II", 2049, len(labels)))
        f.write(labels.astype(np.uint8).tobytes())


def fake_digit_images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """28x28 images where each class lights a different band of rows, plus noise: learnable."""
    images = rng.integers(0, 60, size=(len(labels), 28, 28))
    for i, label in enumerate(labels):
        images[i, 2 + 2 * label: 6 + 2 * label, 4:24] = 230
    return images.astype(np.uint8)


def write_mnist_like(root: Path, name: str, n_train: int = 256, n_test: int = 64, seed: int = 0) -> Path:
    """<root>/<name>/raw/*.gz in torchvision's layout (name: MNIST or FashionMNIST)."""
    rng = np.random.default_rng(seed)
    raw = root / name / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for split, n in (("train", n_train), ("test", n_test)):
        labels = np.arange(n) % 10
        rng.shuffle(labels)
        write_idx_images(raw / MNIST_FILES[(split, "images")], fake_digit_images(labels, rng))
        write_idx_labels(raw / MNIST_FILES[(split, "labels")], labels)
    return raw


def write_tiny_data_root(root: Path) -> Path:
    """Every dataset the lessons read, tiny; add a writer here when a lesson needs new data."""
    write_mnist_like(root, "MNIST")
    write_mnist_like(root, "FashionMNIST", seed=1)
    return root
