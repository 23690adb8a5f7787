"""Worked solutions for exercises/cnn/13_data_augmentation.py, with a paragraph each. Check them with
    python -m lessonkit.check cnn/13 --solutions
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torchvision.transforms import v2

# Exercise 1. One. transforms.v2 reads a (16, 1, 28, 28) tensor as 16 images that belong together (frames of one
# clip, or an image and its masks) and applies ONE random angle, shift and zoom to all of them: 16 identical
# outputs. That is the lesson's trap; its augment_each calls the transform once per image, so each draws its own.
BATCH_CALL_DISTINCT = 1


def digit_augmentation() -> v2.Transform:
    """Handwriting varies in position, slant and size, so a shift of up to 10% (about 3 px), a turn of up to 10
    degrees and a zoom of 90-110% make images that a test digit could look like, with the label still true. A
    flip is left out (a mirrored 2 or 7 is no digit), and so is a large rotation (a half turn makes a 6 a 9).
    Bilinear interpolation keeps the strokes smooth. It is the lesson's MNIST recipe."""
    return v2.RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1),
                           interpolation=v2.InterpolationMode.BILINEAR)


def random_shift_per_image(images: torch.Tensor, max_shift: int, generator: torch.Generator,
                           fill: float = 0.0) -> torch.Tensor:
    """Pad once by max_shift on every side (the fill comes in where an image moves away from a border), then cut
    each image's own H x W window from the padded batch: a window starting at (m + dy, m + dx) is the image moved
    by (-dy, -dx). The offsets come from the generator, so a seeded run repeats. Unlike one offset per batch,
    each digit meets its own shift in every batch; a DataLoader's per-image transform does the same."""
    n, _, h, w = images.shape
    m = max_shift
    padded = F.pad(images, (m, m, m, m), value=fill)
    offsets = torch.randint(0, 2 * m + 1, (n, 2), generator=generator).tolist()
    return torch.stack([padded[i, :, dy:dy + h, dx:dx + w] for i, (dy, dx) in enumerate(offsets)])
