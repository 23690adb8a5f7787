"""Reading a learner's own image files: one clear error for each way a file can be wrong.

The datasets arrive in known formats and are checked by checksum; a photo a learner hands to
`--predict` (or a folder of their own faces) is anything at all: a text file renamed .jpg, a truncated
download, a 1x1 pixel, a 10000x10000 scan, a 16-bit PNG, a CMYK JPEG from a print shop, a phone photo
stored sideways with an EXIF orientation tag. `read_grey_image` turns each of these into either an
8-bit grey array the lesson can use or a DataError that says what the file is and what was expected.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import DataError

MIN_SIDE = 16                 # smaller than this cannot hold a face (or a digit) worth reading
MAX_PIXELS = 50_000_000       # 50 megapixels: larger than any phone photo, small enough to decode here
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".pgm", ".pbm", ".ppm", ".bmp", ".gif", ".tif", ".tiff", ".webp")


def _open(path: Path) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit decides below
            return Image.open(path)
    except Image.DecompressionBombError:  # Pillow's guard, far above MAX_PIXELS: it stops before decoding
        raise DataError(f"{path} is an image too large to decode safely (over {Image.MAX_IMAGE_PIXELS:,} "
                        "pixels): scale it down first.") from None
    except UnidentifiedImageError:
        raise DataError(f"{path} is not an image file that Pillow can read (JPEG, PNG, PGM, BMP, ...): "
                        f"it starts with {path.read_bytes()[:8]!r}.") from None
    except OSError as err:
        raise DataError(f"{path} cannot be read ({err.strerror or err}).") from None


def read_grey_image(path: str | os.PathLike, *, min_side: int = MIN_SIDE, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Read an image file as an (H, W) uint8 array of grey levels, upright, or raise DataError.

    Size limits are checked from the header, before the pixels are decoded. 16-bit images are scaled to
    8 bits (PIL's own convert("L") would clip them to white); colour, palette and CMYK images are
    converted to grey; EXIF orientation is applied, so a phone photo comes out the way it was taken.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise DataError(f"{path} is a folder; an image file was expected (e.g. {path / 'photo.jpg'}).")
    if not path.is_file():
        raise DataError(f"no image file at {path}.")
    image = _open(path)
    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise DataError(f"{path} is {width}x{height} pixels, more than the {max_pixels:,} this lesson "
                            "decodes: scale it down first.")
        if min(width, height) < min_side:
            raise DataError(f"{path} is {width}x{height} pixels: too small to read (each side at least "
                            f"{min_side}).")
        try:
            image.load()
            image = ImageOps.exif_transpose(image)
        except (OSError, SyntaxError, ValueError) as err:  # truncated or damaged pixel data
            raise DataError(f"{path} is a damaged {image.format or 'image'} file ({err}).") from None
        if image.mode in ("I;16", "I;16B", "I;16L", "I"):
            wide = np.asarray(image, dtype=np.float64)
            top = 65535.0 if image.mode.startswith("I;16") or wide.max() > 255 else 255.0
            return np.clip(np.rint(wide * (255.0 / top)), 0, 255).astype(np.uint8)
        if image.mode == "F":
            raise DataError(f"{path} holds floating-point pixels (mode F): save it as an 8-bit image first.")
        return np.asarray(image.convert("L"), dtype=np.uint8).copy()


def image_files(folder: str | os.PathLike) -> list[Path]:
    """The image files directly inside `folder` (by suffix), sorted; hidden files are skipped."""
    folder = Path(folder)
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_SUFFIXES)
