"""Face photos for the face-recognition lessons: the AT&T (ORL) Database of Faces, or a learner's own.

- `load_att_faces(root)`: 40 people x 10 photos from `<root>/att_faces/s1 .. s40/1.pgm .. 10.pgm`
  (92 wide, 112 high, 8-bit grey), checked against the published checksums of all 400 files. Where the
  folder is missing and the network is there, scikit-learn's `fetch_olivetti_faces` gets the same 400
  photos (scaled to 64x64; scikit-learn checks its download) into `<root>/scikit_learn_data`.
- `load_face_folder(folder)`: a learner's own photos in the same layout torchvision's ImageFolder reads,
  `<folder>/<name>/*.jpg` (any image format): one folder per person, every file read by
  `read_grey_image`, so a bad photo is one clear error naming it.

Both give a `FaceSet`: uint8 grey images of one size, labels, the people's names and each photo's number.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .data import ENV_DATA_DIR, ENV_UNVERIFIED, _flag, file_digest, offline
from .errors import DataError
from .images import image_files, read_grey_image

ATT_PEOPLE, ATT_PHOTOS, ATT_SIZE = 40, 10, (112, 92)   # (height, width) of every AT&T photo
# sha256 over the 400 lines "<sha256 of the file>  s<person>/<photo>.pgm\n", person then photo in order:
# one number for the published files (the per-file sums are in att_faces/SHA256SUMS beside the copy).
ATT_MANIFEST_SHA256 = "de45a65f9c353ff9364f6d79a2c5a3e0f98e9a4751e1a3133a77b444864f1ebf"
ATT_SOURCE = "https://cam-orl.co.uk/facedatabase.html (AT&T Laboratories Cambridge)"


@dataclass
class FaceSet:
    images: torch.Tensor        # (N, H, W) uint8 grey levels
    labels: torch.Tensor        # (N,) int64: index into names
    names: list[str]            # one per person, in label order
    photo: torch.Tensor         # (N,) int64: the photo's number within its person, from 1
    source: str                 # where the photos came from, for the lesson's banner

    @property
    def size(self) -> tuple[int, int]:
        return tuple(self.images.shape[1:])


def _natural(name: str):
    """s2 before s10, 2.pgm before 10.pgm: numbers compared as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _att_paths(folder: Path) -> list[tuple[int, int, Path]]:
    return [(person, photo, folder / f"s{person}" / f"{photo}.pgm")
            for person in range(1, ATT_PEOPLE + 1) for photo in range(1, ATT_PHOTOS + 1)]


def _check_att(folder: Path, paths) -> None:
    missing = [str(p.relative_to(folder)) for _, _, p in paths if not p.is_file()]
    if missing:
        raise DataError(f"{folder} is not a complete AT&T face database: {len(missing)} of its 400 photos are "
                        f"missing (e.g. {', '.join(missing[:3])}). Copy the whole att_faces/ folder (s1 .. s40, "
                        f"1.pgm .. 10.pgm each), or delete it to fetch the 64x64 copy through scikit-learn.")
    if _flag(ENV_UNVERIFIED):
        return
    digests = {f"s{person}/{photo}.pgm": file_digest(p) for person, photo, p in paths}
    manifest = "".join(f"{digest}  {name}\n" for name, digest in digests.items())
    if hashlib.sha256(manifest.encode()).hexdigest() == ATT_MANIFEST_SHA256:
        return
    sums = folder / "SHA256SUMS"
    published = {}
    if sums.is_file():  # name the files that differ, where the copy's own list of sums is there
        for line in sums.read_text(errors="replace").splitlines():
            digest, _, name = line.partition("  ")
            published[name.removeprefix("./")] = digest
    changed = [name for name, digest in digests.items() if published and published.get(name) != digest]
    which = f" ({len(changed)} differ from SHA256SUMS, e.g. {', '.join(changed[:3])})" if changed else ""
    raise DataError(f"{folder} does not hold the published AT&T photos{which}: damaged or other files. Copy "
                    f"a good att_faces/ folder there, or set {ENV_UNVERIFIED}=1 to use photos of your own "
                    "in that layout on purpose.")


def load_att_faces(root: str | os.PathLike) -> FaceSet:
    """The 400 AT&T photos (checked), or scikit-learn's 64x64 copy of them where the folder is missing."""
    root = Path(root)
    folder = root / "att_faces"
    if folder.is_dir():
        paths = _att_paths(folder)
        _check_att(folder, paths)
        images = [read_grey_image(p) for _, _, p in paths]
        if any(image.shape != ATT_SIZE for image in images):
            odd = next(p for (_, _, p), image in zip(paths, images) if image.shape != ATT_SIZE)
            raise DataError(f"{odd} is not 92x112 like every AT&T photo: the folder holds other photos.")
        return FaceSet(torch.from_numpy(np.stack(images)),
                       torch.tensor([person - 1 for person, _, _ in paths]),
                       [f"s{person}" for person in range(1, ATT_PEOPLE + 1)],
                       torch.tensor([photo for _, photo, _ in paths]), f"AT&T faces, {folder}")
    return _olivetti(root)


def _olivetti(root: Path) -> FaceSet:
    """scikit-learn's fetch_olivetti_faces: the same 400 photos, person by person, scaled to 64x64."""
    from sklearn.datasets import fetch_olivetti_faces

    home = root / "scikit_learn_data"
    try:
        bunch = fetch_olivetti_faces(data_home=home, download_if_missing=not offline())
    except OSError as err:  # offline and not cached (sklearn raises OSError), or the download failed
        why = "not downloaded because LESSONS_OFFLINE is set" if offline() else f"download failed: {err}"
        raise DataError(
            f"the AT&T face database is missing: expected the folder {root / 'att_faces'} (s1 .. s40, 1.pgm .. "
            f"10.pgm each; data root: {root}), and scikit-learn's 64x64 copy is not in {home} ({why}). Copy "
            f"att_faces/ there from {ATT_SOURCE}, or point --data-dir (or {ENV_DATA_DIR}) at a folder that "
            "holds it; with the network, the lesson fetches the 64x64 copy by itself.") from None
    images = np.rint(np.asarray(bunch.images) * 255).clip(0, 255).astype(np.uint8)
    labels = torch.as_tensor(np.asarray(bunch.target), dtype=torch.long)
    photo = torch.zeros_like(labels)
    for person in labels.unique():
        where = labels == person
        photo[where] = torch.arange(1, int(where.sum()) + 1)
    names = [f"s{person + 1}" for person in range(int(labels.max()) + 1)]
    return FaceSet(torch.from_numpy(images), labels, names, photo, f"Olivetti faces (scikit-learn), {home}")


def load_face_folder(folder: str | os.PathLike, prepare=None, *, min_photos: int = 2) -> FaceSet:
    """A learner's own photos, one folder per person (ImageFolder's layout), as one FaceSet.

    Every photo is read by read_grey_image (one clear error per bad file), then given to
    `prepare(image, path)`, the lesson's own crop and scale to its input size (which raises DataError for a
    photo it cannot use, e.g. one with no face). Without `prepare` all photos must have one size already.
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise DataError(f"--faces-dir {folder} is not a folder: give a folder with one subfolder per person "
                        "(e.g. my_faces/alice/1.jpg, my_faces/bob/1.jpg).")
    people = sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
                    key=lambda p: _natural(p.name))
    if len(people) < 2:
        raise DataError(f"{folder} holds {len(people)} person folders: a recogniser needs at least 2 people, "
                        "one subfolder each, with their photos inside.")
    images, labels, photos, names = [], [], [], []
    for label, person in enumerate(people):
        files = sorted(image_files(person), key=lambda p: _natural(p.name))
        if len(files) < min_photos:
            raise DataError(f"{person} holds {len(files)} image files: each person needs at least {min_photos} "
                            "photos (some to learn from, some to test on).")
        names.append(person.name)
        for number, path in enumerate(files, start=1):
            image = read_grey_image(path)
            image = prepare(image, path) if prepare else image
            if images and image.shape != images[0].shape:
                raise DataError(f"{path} is {image.shape[1]}x{image.shape[0]} pixels, the first photo "
                                f"{images[0].shape[1]}x{images[0].shape[0]}: all photos must have one size.")
            images.append(image)
            labels.append(label)
            photos.append(number)
    return FaceSet(torch.from_numpy(np.stack(images)), torch.tensor(labels), names, torch.tensor(photos),
                   f"your photos, {folder}")
