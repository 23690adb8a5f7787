"""Where data lives and how to get it, safely.

- `data_root(cli_value, repo_root)`: `--data-dir`, else $LESSONS_DATA_DIR, else `<repo>/data`.
- `ensure_file(...)`: use a file already under the data root, or download it: checked against a
  known checksum, written to a temporary file and renamed, so no half-written file is ever left.
- `extract_archive(...)`: zip/tar extraction that refuses members escaping the target folder.
- `load_mnist(root, "MNIST" | "FashionMNIST")`: the whole dataset as in-memory uint8 tensors,
  read by torchvision's dataset classes from the standard `<root>/MNIST/raw/*.gz` layout.

Every failure a learner can fix is a `DataError` with one paragraph saying which file, where it was
expected, where it comes from and how to point `--data-dir` at a copy.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import struct
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import torch

from .errors import DataError
from .files import atomic_path, sweep_stale_temporaries

ENV_DATA_DIR = "LESSONS_DATA_DIR"
ENV_OFFLINE = "LESSONS_OFFLINE"
# Use data files whose checksum is not the published one (a subset of your own, the test fixtures).
# Their content is still validated when it is read.
ENV_UNVERIFIED = "LESSONS_UNVERIFIED_DATA"
DOWNLOAD_TIMEOUT_S = 30
_CHUNK = 1 << 20


def data_root(cli_value: str | os.PathLike | None, repo_root: str | os.PathLike) -> Path:
    """Resolve the data root: the --data-dir value, else $LESSONS_DATA_DIR, else <repo>/data."""
    if cli_value:
        return Path(cli_value).expanduser().resolve()
    env = os.environ.get(ENV_DATA_DIR, "").strip()
    if env:
        return Path(env).expanduser().resolve()
    return (Path(repo_root) / "data").resolve()


def file_digest(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """Hex digest of a file, read in chunks so large files do not fill memory."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _expected(sha256: str | None, md5: str | None) -> tuple[str, str] | None:
    if sha256:
        return "sha256", sha256.lower()
    if md5:
        return "md5", md5.lower()
    return None


def _mismatch(path, sha256: str | None, md5: str | None) -> tuple[str, str, str] | None:
    """(algorithm, expected, got) when the file's checksum differs from the expected one, else None."""
    expected = _expected(sha256, md5)
    if expected is None:
        return None
    algorithm, want = expected
    got = file_digest(path, algorithm)
    return None if got == want else (algorithm, want, got)


def verify_file(path: str | os.PathLike, *, sha256: str | None = None, md5: str | None = None) -> None:
    """Raise DataError if the file's checksum is not the expected one."""
    mismatch = _mismatch(path, sha256, md5)
    if mismatch:
        algorithm, want, got = mismatch
        raise DataError(
            f"checksum mismatch for {path}: expected {algorithm} {want}, got {got}. "
            "The file is corrupt or a different version; delete it and run again to re-download."
        )


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def offline() -> bool:
    return _flag(ENV_OFFLINE)


def check_in_place(path: Path, *, sha256: str | None = None, md5: str | None = None, what: str = "data") -> None:
    """A file found under the data root must be the published one, unless LESSONS_UNVERIFIED_DATA is set.

    A damaged, truncated or different file is a DataError naming it and saying what to do, before any
    work is done with it.
    """
    mismatch = None if _flag(ENV_UNVERIFIED) else _mismatch(path, sha256, md5)
    if mismatch:
        algorithm, want, got = mismatch
        raise DataError(
            f"{path} is not the published {what} file ({algorithm} {got}, expected {want}): it is damaged, "
            "truncated or a different version. Delete it and run again to download it afresh, or copy a good "
            f"one there. To use a file of your own on purpose, set {ENV_UNVERIFIED}=1 (its content is still "
            "checked)."
        )


def download(url: str, dest: str | os.PathLike, *, sha256: str | None = None, md5: str | None = None) -> Path:
    """Download url to dest atomically, checking the checksum before the file appears at dest.

    Raises DataError on a network failure or a checksum mismatch; dest is then untouched.
    """
    dest = Path(dest)
    expected = _expected(sha256, md5)
    digest = hashlib.new(expected[0]) if expected else None
    with atomic_path(dest, suffix=".part") as tmp, open(tmp, "wb") as out:
        request = urllib.request.Request(url, headers={"User-Agent": "lessonkit"})
        with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_S) as response:
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                out.write(chunk)
                if digest:
                    digest.update(chunk)
        if expected and digest.hexdigest() != expected[1]:
            raise DataError(
                f"checksum mismatch for the download of {url}: expected {expected[0]} {expected[1]}, "
                f"got {digest.hexdigest()}. Nothing was written to {dest}."
            )
    return dest


def ensure_file(
    root: Path,
    relpath: str,
    urls: list[str],
    *,
    sha256: str | None = None,
    md5: str | None = None,
    what: str = "",
) -> Path:
    """Return root/relpath, downloading it from the first working url if it is not there yet.

    A file already in place must match the checksum too (see check_in_place), as must a download.
    """
    path = Path(root) / relpath
    sweep_stale_temporaries(path.parent)  # temp files of a download or unpacking that was killed
    if path.is_file():
        check_in_place(path, sha256=sha256, md5=md5, what=what or "data")
        return path
    reasons = _try_download(urls, path, sha256=sha256, md5=md5)
    if not reasons:
        return path
    raise missing_file_error(Path(root), relpath, urls, reasons, what)


def _try_download(urls: list[str], path: Path, *, sha256: str | None = None, md5: str | None = None) -> list[str]:
    """Download to path from the first url that works; return why each attempt failed ([] on success)."""
    if offline():
        return [f"not downloaded because {ENV_OFFLINE} is set"]
    reasons = []
    for url in urls:
        try:
            download(url, path, sha256=sha256, md5=md5)
            return []
        except DataError as err:
            reasons.append(f"{url}: {err.message}")
        except (urllib.error.URLError, OSError, TimeoutError) as err:
            reasons.append(f"{url}: {getattr(err, 'reason', err)}")
    return reasons or ["no download address known"]


def missing_file_error(root: Path, relpath: str, urls: list[str], reasons: list[str], what: str) -> DataError:
    """The one-paragraph message for a file that is not there and could not be fetched."""
    label = f"{what} file" if what else "data file"
    return DataError(
        f"the {label} {relpath!r} is missing. Expected it at {root / relpath} (data root: {root}). "
        f"Download failed ({'; '.join(reasons) or 'no download address known'}). "
        f"If you are offline, fetch it on another machine from {urls[0] if urls else 'its source'} and put it "
        f"at that path, or point --data-dir (or the {ENV_DATA_DIR} environment variable) at a folder that "
        f"already holds {relpath}. data/README.md lists the expected layout."
    )


def _check_member(dest: Path, name: str, archive: Path) -> Path:
    target = (dest / name).resolve()
    if target != dest and dest not in target.parents:
        raise DataError(f"refusing to extract {archive}: member {name!r} would be written outside {dest}")
    return target


def extract_archive(archive: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Extract a .zip or .tar(.gz/.bz2/.xz) into dest, refusing any member that escapes dest.

    Extraction goes into a temporary folder beside dest first, so a corrupt archive leaves nothing
    behind; then the entries are moved into place.
    """
    archive, dest = Path(archive), Path(dest).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".extract-", dir=dest))
    try:
        try:
            if zipfile.is_zipfile(archive):
                with zipfile.ZipFile(archive) as zf:
                    for info in zf.infolist():
                        _check_member(dest, info.filename, archive)
                    zf.extractall(staging)
            elif tarfile.is_tarfile(archive):
                with tarfile.open(archive) as tf:
                    for member in tf.getmembers():
                        _check_member(dest, member.name, archive)
                        if member.issym() or member.islnk():
                            link_base = (dest / member.name).parent if member.issym() else dest
                            _check_member(link_base, member.linkname, archive)
                    # the "data" filter also refuses device files and absolute links
                    tf.extractall(staging, filter="data")
            else:
                raise DataError(f"{archive} is not a zip or tar archive (corrupt or incomplete download?)")
        except (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error, OSError) as err:
            if isinstance(err, DataError):
                raise
            raise DataError(
                f"could not extract {archive}: {err}. The archive is corrupt or incomplete; delete it and "
                "run again to re-download."
            ) from None
        for entry in staging.iterdir():
            target = dest / entry.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(entry, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dest


def gunzip(src: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Decompress a .gz file atomically; a corrupt file is a DataError, and dest is not created.

    A PermissionError (the folder is read-only) is passed on so the caller can name the folder."""
    src, dest = Path(src), Path(dest)
    try:
        with atomic_path(dest, suffix=".part") as tmp, open(tmp, "wb") as out, gzip.open(src, "rb") as f:
            shutil.copyfileobj(f, out, _CHUNK)
    except PermissionError:
        raise
    except (OSError, EOFError, zlib.error) as err:
        raise DataError(
            f"could not decompress {src}: {err}. The file is corrupt or incomplete; delete it and run "
            "again to re-download (or copy a good one there)."
        ) from None
    return dest


# --- MNIST and Fashion-MNIST -------------------------------------------------------------------


@dataclass
class ImageSplits:
    """A whole image-classification dataset held in memory."""

    x_train: torch.Tensor  # (N, 28, 28) uint8
    y_train: torch.Tensor  # (N,) int64
    x_test: torch.Tensor
    y_test: torch.Tensor
    classes: list[str]


def _mnist_class(name: str):
    from torchvision import datasets  # imported here: only image lessons pay for torchvision

    classes = {"MNIST": datasets.MNIST, "FashionMNIST": datasets.FashionMNIST}
    if name not in classes:
        raise ValueError(f"unknown dataset {name!r}; expected one of {sorted(classes)}")
    return classes[name]


# IDX files (LeCun's format): a big-endian header (magic number, count, then rows and columns for
# images), then one unsigned byte per pixel or label.
IDX_LAYOUT = {2051: ("images", 16), 2049: ("labels", 8)}


def idx_problem(path: Path) -> str | None:
    """Why an unpacked MNIST-style file is not a valid IDX file, or None if its header and size agree."""
    with open(path, "rb") as f:
        header = f.read(16)
    if len(header) < 8:
        return f"it is only {len(header)} bytes long"
    magic, count = struct.unpack(">II", header[:8])
    want = "images" if "images" in path.name else "labels"
    if magic not in IDX_LAYOUT or IDX_LAYOUT[magic][0] != want:
        expected = 2051 if want == "images" else 2049
        return f"its magic number is {magic}, not {expected} (IDX {want})"
    header_size = IDX_LAYOUT[magic][1]
    item = 1
    if want == "images":
        if len(header) < 16:
            return "its header is cut short"
        rows, cols = struct.unpack(">II", header[8:16])
        if (rows, cols) != (28, 28):
            return f"its images are {rows}x{cols}, not 28x28"
        item = rows * cols
    size, expected_size = path.stat().st_size, header_size + count * item
    if count == 0:
        return "it holds no examples"
    if size != expected_size:
        return f"its header promises {count} {want} ({expected_size} bytes) but the file has {size} bytes"
    return None


def _unpack_mnist_file(root: Path, name: str, filename: str, md5: str, mirrors: list[str]) -> None:
    """Make sure <root>/<name>/raw/<filename without .gz> is a valid IDX file, unpacking it if needed."""
    raw = root / name / "raw"
    gz_path, unpacked = raw / filename, raw / filename.removesuffix(".gz")
    if gz_path.is_file():  # the archive is checked every run: damage shows before any training
        check_in_place(gz_path, md5=md5, what=f"{name} archive")
    if unpacked.is_file():
        problem = idx_problem(unpacked)
        if problem is None:
            return
        if not gz_path.is_file():
            raise DataError(
                f"{unpacked} is damaged: {problem}. Delete it and run again to download {filename} afresh, "
                "or copy a good one there."
            )
        try:
            unpacked.unlink()  # derived from the archive, which is still there: unpack it again
        except PermissionError:
            raise DataError(f"{unpacked} is damaged ({problem}) and the folder {raw} is not writable: copy "
                            f"the {name} folder to a writable place and point --data-dir there.") from None
    gz_path = ensure_file(root, f"{name}/raw/{filename}", [m + filename for m in mirrors], md5=md5, what=name)
    try:
        gunzip(gz_path, unpacked)
    except PermissionError:
        raise DataError(
            f"cannot unpack {gz_path}: the folder {raw} is not writable. Copy the {name} folder to a "
            "writable place and point --data-dir there."
        ) from None
    problem = idx_problem(unpacked)
    if problem:
        unpacked.unlink()
        raise DataError(
            f"{gz_path} does not hold a valid {name} file: once unpacked, {problem}. Delete {gz_path} and run "
            "again to download it afresh, or copy a good one there."
        )


def _read_idx(path: Path) -> torch.Tensor:
    """The uint8 contents of an unpacked IDX file whose header idx_problem() has accepted: (N, 28, 28) or (N,)."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise DataError(f"could not read {path} ({err.strerror or err}): make it readable, or delete it and run "
                        "again to unpack it afresh.") from None
    magic, count = struct.unpack(">II", data[:8])
    kind, header_size = IDX_LAYOUT[magic]
    flat = torch.frombuffer(bytearray(data[header_size:]), dtype=torch.uint8)
    return flat.reshape(count, 28, 28) if kind == "images" else flat


def load_mnist(root: str | os.PathLike, name: str = "MNIST") -> ImageSplits:
    """Load MNIST or Fashion-MNIST from <root>/<name>/raw/ as in-memory tensors.

    Each .gz archive is checked against the md5 torchvision publishes for it (downloaded first if
    missing) and unpacked beside itself; each unpacked file's header is checked (magic number, 28x28,
    size), and then the files themselves are read (as many labels as images, labels 0-9). torchvision's
    dataset classes would use a `processed/*.pt` cache in place of the raw files if one were there (their
    legacy format, never checked); lessonkit reads only the checked raw files, so a stray cache cannot stand
    in for the data. No per-image transform runs: the lesson converts the whole uint8
    tensor at once, which is what makes CPU training fast.
    """
    dataset_class = _mnist_class(name)
    root = Path(root)
    raw = root / name / "raw"
    sweep_stale_temporaries(raw)
    for filename, md5 in dataset_class.resources:
        _unpack_mnist_file(root, name, filename, md5, dataset_class.mirrors)
    splits = []
    for split in ("train", "t10k"):
        images = _read_idx(raw / f"{split}-images-idx3-ubyte")  # (N, 28, 28) uint8
        labels = _read_idx(raw / f"{split}-labels-idx1-ubyte").long()  # (N,)
        if len(images) != len(labels):
            raise DataError(f"{raw}/{split}-images-idx3-ubyte holds {len(images)} images but "
                            f"{split}-labels-idx1-ubyte holds {len(labels)} labels: the two files do not "
                            "belong together. Delete both (and their .gz) and run again to download them afresh.")
        bad = (labels >= len(dataset_class.classes)).nonzero().flatten()
        if len(bad):
            raise DataError(f"{raw}/{split}-labels-idx1-ubyte has label {int(labels[bad[0]])} at position "
                            f"{int(bad[0])}; {name} labels are 0-{len(dataset_class.classes) - 1}. Delete it (and "
                            "its .gz) and run again to download it afresh.")
        splits += [images, labels]
    return ImageSplits(*splits, classes=list(dataset_class.classes))


# --- tables: bike sharing and Kaggle house prices ----------------------------------------------

BIKE_SHARING_URL = "https://archive.ics.uci.edu/static/public/275/bike+sharing+dataset.zip"
BIKE_SHARING_HOUR_SHA256 = "e03de4ee4ef4dc376ac6e04bf829673c6269e8eba5c60fa121640fa2f829504f"
BIKE_SHARING_COLUMNS = (
    "instant", "dteday", "season", "yr", "mnth", "hr", "holiday", "weekday", "workingday", "weathersit",
    "temp", "atemp", "hum", "windspeed", "casual", "registered", "cnt",
)

# What the lessons assume of each column (UCI's Readme.txt): normalised weather in [0, 1], codes in
# their ranges, counts of riders never negative.
BIKE_SHARING_RANGES = {
    "season": (1, 4, "a season code 1-4"), "yr": (0, 1, "0 (2011) or 1 (2012)"), "mnth": (1, 12, "a month 1-12"),
    "hr": (0, 23, "an hour 0-23"), "holiday": (0, 1, "0 or 1"), "weekday": (0, 6, "a weekday 0-6"),
    "workingday": (0, 1, "0 or 1"), "weathersit": (1, 4, "a weather code 1-4"),
    **{c: (0, 1, "a normalised value in [0, 1]") for c in ("temp", "atemp", "hum", "windspeed")},
    **{c: (0, None, "a count of riders, 0 or more") for c in ("casual", "registered", "cnt")},
}

KAGGLE_HOUSE_URLS = {
    "train.csv": "http://d2l-data.s3-accelerate.amazonaws.com/kaggle_house_pred_train.csv",
    "test.csv": "http://d2l-data.s3-accelerate.amazonaws.com/kaggle_house_pred_test.csv",
}
# sha1 585e9cc9... / fa19780a... are the values D2L's DATA_HUB checks; sha256 from data/SOURCES.
KAGGLE_HOUSE_SHA256 = {
    "train.csv": "1e18addf81e5e4d347cc17ee6075bbe4a42b7fa26b9e5b063e8f692a5f929d41",
    "test.csv": "8fdd3d829d4d986b58f845c9553b225e67dd8383624d90fb6ca1d4bed5798c1e",
}
# The 36 number columns besides Id and SalePrice: areas, counts, years and codes, never negative.
# Three of them have empty cells in the real files (LotFrontage, MasVnrArea, GarageYrBlt) that the
# lessons fill in, so only Id and SalePrice must be complete.
KAGGLE_HOUSE_NUMERIC = (
    "MSSubClass", "LotFrontage", "LotArea", "OverallQual", "OverallCond", "YearBuilt", "YearRemodAdd",
    "MasVnrArea", "BsmtFinSF1", "BsmtFinSF2", "BsmtUnfSF", "TotalBsmtSF", "1stFlrSF", "2ndFlrSF",
    "LowQualFinSF", "GrLivArea", "BsmtFullBath", "BsmtHalfBath", "FullBath", "HalfBath", "BedroomAbvGr",
    "KitchenAbvGr", "TotRmsAbvGrd", "Fireplaces", "GarageYrBlt", "GarageCars", "GarageArea", "WoodDeckSF",
    "OpenPorchSF", "EnclosedPorch", "3SsnPorch", "ScreenPorch", "PoolArea", "MiscVal", "MoSold", "YrSold",
)
# Id and the 79 features, as in the header of both files; train.csv adds SalePrice at the end.
KAGGLE_HOUSE_COLUMNS = (
    "Id", "MSSubClass", "MSZoning", "LotFrontage", "LotArea", "Street", "Alley", "LotShape", "LandContour",
    "Utilities", "LotConfig", "LandSlope", "Neighborhood", "Condition1", "Condition2", "BldgType", "HouseStyle",
    "OverallQual", "OverallCond", "YearBuilt", "YearRemodAdd", "RoofStyle", "RoofMatl", "Exterior1st",
    "Exterior2nd", "MasVnrType", "MasVnrArea", "ExterQual", "ExterCond", "Foundation", "BsmtQual", "BsmtCond",
    "BsmtExposure", "BsmtFinType1", "BsmtFinSF1", "BsmtFinType2", "BsmtFinSF2", "BsmtUnfSF", "TotalBsmtSF",
    "Heating", "HeatingQC", "CentralAir", "Electrical", "1stFlrSF", "2ndFlrSF", "LowQualFinSF", "GrLivArea",
    "BsmtFullBath", "BsmtHalfBath", "FullBath", "HalfBath", "BedroomAbvGr", "KitchenAbvGr", "KitchenQual",
    "TotRmsAbvGrd", "Functional", "Fireplaces", "FireplaceQu", "GarageType", "GarageYrBlt", "GarageFinish",
    "GarageCars", "GarageArea", "GarageQual", "GarageCond", "PavedDrive", "WoodDeckSF", "OpenPorchSF",
    "EnclosedPorch", "3SsnPorch", "ScreenPorch", "PoolArea", "PoolQC", "Fence", "MiscFeature", "MiscVal",
    "MoSold", "YrSold", "SaleType", "SaleCondition",
)


def _bad_row_error(path: Path, what: str, column: str, row: int, value, expected: str,
                   header: bool = True) -> DataError:
    line = row + 2 if header else row + 1  # pandas row 0 is line 2 of a file whose line 1 is the header
    return DataError(
        f"the {what} file {path} has a bad value in column {column!r} at line {line} (data row {row + 1}): "
        f"{value!r}; expected {expected}. The file is damaged or edited: fix that line, or delete the file "
        "and run again to download it afresh."
    )


def read_table(path: str | os.PathLike, columns, *, numeric=(), complete=(), ranges=None, what: str = "table",
               header: bool = True):
    """Read a CSV file with pandas and validate it, or raise DataError naming the file, the column,
    the first bad line and what to do.

    - `columns` must all be in the header, and there must be at least one row;
    - `numeric` columns must be numbers and finite where present (a stray text cell in a number
      column, or an "inf", is the usual sign of a damaged file);
    - `complete` columns must have no empty cells (those the lesson cannot fill in);
    - `ranges` maps a column to (low, high, words): values outside [low, high] are errors (None = open).
    With header=False the file has no header line and `columns` names its columns in order.
    """
    import numpy as np
    import pandas as pd  # imported here: only the table lessons pay for pandas

    path = Path(path)
    try:
        frame = pd.read_csv(path) if header else pd.read_csv(path, header=None)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError, OSError) as err:
        raise DataError(
            f"could not read the {what} file {path} as CSV ({type(err).__name__}: {err}). The file is corrupt "
            "or not the expected one; delete it to re-download it, or copy a good one there."
        ) from None
    if not header:
        if frame.shape[1] != len(columns):
            raise DataError(
                f"the {what} file {path} has {frame.shape[1]} columns, expected {len(columns)}. It is not the "
                "expected file or it is damaged; delete it to re-download it, or copy a good one there."
            )
        frame.columns = list(columns)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise DataError(
            f"the {what} file {path} lacks the column(s) {shown} (it has {len(frame.columns)} columns, "
            f"starting {', '.join(map(str, frame.columns[:5]))}). It is not the expected file or it is "
            "damaged; delete it to re-download it, or copy a good one there."
        )
    if frame.empty:
        raise DataError(f"the {what} file {path} has a header but no rows; copy a complete file there.")
    for column in numeric:
        values = frame[column]
        if not pd.api.types.is_numeric_dtype(values):
            as_numbers = pd.to_numeric(values, errors="coerce")
            row = int(np.flatnonzero(as_numbers.isna() & values.notna())[0])
            raise _bad_row_error(path, what, column, row, values.iloc[row], "a number", header)
        infinite = np.flatnonzero(np.isinf(values.to_numpy(dtype=float, na_value=0.0)))
        if len(infinite):
            raise _bad_row_error(path, what, column, int(infinite[0]), values.iloc[infinite[0]], "a finite number",
                                 header)
    for column in complete:
        empty = np.flatnonzero(frame[column].isna().to_numpy())
        if len(empty):
            raise _bad_row_error(path, what, column, int(empty[0]), "", "a value (the cell is empty)", header)
    for column, (low, high, words) in (ranges or {}).items():
        values = frame[column]
        outside = values.notna() & (((values < low) if low is not None else False)
                                    | ((values > high) if high is not None else False))
        bad = np.flatnonzero(outside.to_numpy())
        if len(bad):
            raise _bad_row_error(path, what, column, int(bad[0]), values.iloc[bad[0]].item(), words, header)
    return frame


def load_bike_sharing(root: str | os.PathLike):
    """The UCI Bike Sharing hourly table (17,379 rows) as a pandas DataFrame.

    Read from <root>/bike_sharing/hour.csv. If it is missing, the UCI zip is downloaded into
    <root>/bike_sharing/ (or a zip already there is used), extracted safely, and hour.csv is checked
    against its known sha256 before it is put in place (the zip's own checksum is not published).
    """
    root = Path(root)
    relpath = "bike_sharing/hour.csv"
    path = root / relpath
    sweep_stale_temporaries(path.parent)
    if not path.is_file():
        _fetch_bike_sharing(root, relpath)
    else:
        check_in_place(path, sha256=BIKE_SHARING_HOUR_SHA256, what="bike sharing hour.csv")
    numeric = [c for c in BIKE_SHARING_COLUMNS if c != "dteday"]
    table = read_table(path, BIKE_SHARING_COLUMNS, numeric=numeric, complete=BIKE_SHARING_COLUMNS,
                       ranges=BIKE_SHARING_RANGES, what="bike sharing")
    _check_dates(table, "dteday", path, "bike sharing")
    return table


def _check_dates(frame, column: str, path: Path, what: str) -> None:
    """Every cell of `column` is a real calendar date written YYYY-MM-DD (the lessons split and plot by it)."""
    import numpy as np
    import pandas as pd

    parsed = pd.to_datetime(frame[column].astype(str), format="%Y-%m-%d", errors="coerce")
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if len(bad):
        raise _bad_row_error(path, what, column, int(bad[0]), frame[column].iloc[bad[0]],
                             "a date written YYYY-MM-DD, such as 2011-01-01")


def _fetch_bike_sharing(root: Path, relpath: str) -> None:
    archive = root / "bike_sharing" / "bike+sharing+dataset.zip"
    reasons = [] if archive.is_file() else _try_download([BIKE_SHARING_URL], archive)
    if reasons:  # one paragraph about hour.csv, with the zip's failure as the reason
        raise missing_file_error(root, relpath, [BIKE_SHARING_URL],
                                 [f"the UCI zip that holds it: {r}" for r in reasons], "bike sharing")
    folder = root / "bike_sharing"
    staging = Path(tempfile.mkdtemp(prefix=".unzip-", dir=folder))
    try:
        extract_archive(archive, staging)
        found = sorted(staging.rglob("hour.csv"))
        if not found:
            archive.unlink()
            raise DataError(f"the zip {archive} (from {BIKE_SHARING_URL}) holds no hour.csv; it was deleted, "
                            f"run again to re-download it or put hour.csv at {root / relpath} yourself.")
        try:
            verify_file(found[0], sha256=BIKE_SHARING_HOUR_SHA256)
        except DataError as err:
            archive.unlink()  # a bad zip must not be reused on the next run
            raise DataError(f"hour.csv from {archive} failed its check: {err.message} The zip was deleted.") from None
        os.replace(found[0], root / relpath)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def load_kaggle_house(root: str | os.PathLike):
    """Kaggle "House Prices" as two DataFrames: (train with SalePrice, test without).

    Read from <root>/kaggle_house/train.csv and test.csv; missing files are downloaded from D2L's
    mirror and checked by sha256.
    """
    root = Path(root)
    frames = []
    for name, extra in (("train.csv", ("SalePrice",)), ("test.csv", ())):
        path = ensure_file(root, f"kaggle_house/{name}", [KAGGLE_HOUSE_URLS[name]],
                           sha256=KAGGLE_HOUSE_SHA256[name], what=f"Kaggle house prices {name}")
        ranges = {c: (0, None, "a number of 0 or more (an area, count, year or code)") for c in KAGGLE_HOUSE_NUMERIC}
        if extra:
            ranges["SalePrice"] = (1, None, "a positive price in dollars")
        frames.append(read_table(path, KAGGLE_HOUSE_COLUMNS + extra, numeric=("Id", *KAGGLE_HOUSE_NUMERIC, *extra),
                                 complete=("Id", *extra), ranges=ranges, what=f"Kaggle house prices {name}"))
    return frames[0], frames[1]


# --- the diabetes table of 001 lectures 7-8 ------------------------------------------------------

DIABETES_URL = ("https://raw.githubusercontent.com/hunkim/PyTorchZeroToAll/"
                "e5a260fac0b4ff1e2ec434fc6f0d962ac97fc289/data/diabetes.csv.gz")
DIABETES_SHA256 = "398214d0f6b7f4a722f598d8e424f28bc078abbd16ebdeea0f8e264492325aa4"
# Pima Indians Diabetes, as the course ships it: 8 measurements scaled to [-1, 1], then the 0/1 label.
DIABETES_FEATURES = ("pregnancies", "glucose", "blood_pressure", "skin_thickness", "insulin", "bmi",
                     "pedigree", "age")


def load_diabetes(root: str | os.PathLike):
    """The course's diabetes table (759 rows, no header) as NumPy float32 arrays (features (N, 8), labels (N,)).

    Read from <root>/liu/diabetes.csv.gz (downloaded and sha256-checked if missing) and validated:
    nine numeric columns, no empty cell, features in [-1, 1], labels 0 or 1.
    """
    import numpy as np

    path = ensure_file(Path(root), "liu/diabetes.csv.gz", [DIABETES_URL], sha256=DIABETES_SHA256, what="diabetes")
    columns = (*DIABETES_FEATURES, "diabetic")
    ranges = {c: (-1, 1, "a scaled value in [-1, 1]") for c in DIABETES_FEATURES}
    ranges["diabetic"] = (0, 1, "the label 0 or 1")
    frame = read_table(path, columns, numeric=columns, complete=columns, ranges=ranges, what="diabetes",
                       header=False)
    labels = frame["diabetic"].to_numpy()
    not_whole = np.flatnonzero(labels != np.round(labels))
    if len(not_whole):
        raise _bad_row_error(path, "diabetes", "diabetic", int(not_whole[0]), labels[not_whole[0]].item(),
                             "the label 0 or 1", header=False)
    return frame[list(DIABETES_FEATURES)].to_numpy(np.float32), labels.astype(np.float32)


# --- the names data of 001 lecture 13 ------------------------------------------------------------

NAMES_URL = "https://raw.githubusercontent.com/hunkim/PyTorchZeroToAll/e5a260fac0b4ff1e2ec434fc6f0d962ac97fc289/data/"
NAMES_SHA256 = {
    "train": "49b4bf41dce5bfeac989b46ca37cf7baccd9a0d2a855df82f86de67a9376268f",
    "test": "57d7758db533a42c99d513b2341a7e7b0f55c1e0e7d233b1ef6a4fa2f1adf753",
}
NAMES_COUNTRIES = (
    "Arabic", "Chinese", "Czech", "Dutch", "English", "French", "German", "Greek", "Irish", "Italian",
    "Japanese", "Korean", "Polish", "Portuguese", "Russian", "Scottish", "Spanish", "Vietnamese",
)


# The longest name in the course's files has 20 characters; a field far longer is a damaged or wrong file.
MAX_NAME_LENGTH = 50


def _without_accents(name: str) -> str:
    """'Dvořák' -> 'Dvorak': what rnn/03 reads of a name (NFKD, combining marks dropped)."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


@dataclass
class NameSplits:
    """The names data: parallel lists of names and their countries, and the 18 countries in order."""

    train_names: list[str]
    train_countries: list[str]
    test_names: list[str]
    test_countries: list[str]
    countries: list[str]


def _read_names(path: Path) -> tuple[list[str], list[str]]:
    """Read a `"name","country"` file (gzip, no header); every row checked, the first bad line named."""
    import csv
    import io

    def bad(line: int, why: str) -> DataError:
        return DataError(f"the names file {path} is damaged at line {line}: {why}. Delete it and run again to "
                         "download it afresh, or copy a good one there.")

    try:
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as err:
        raise DataError(f"could not read the names file {path} ({type(err).__name__}: {err}). It is corrupt "
                        "or not the expected file; delete it and run again, or copy a good one there.") from None
    names, countries = [], []
    for line, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if len(row) != 2:
            raise bad(line, f"{len(row)} fields instead of 2 (name, country)")
        name, country = row[0].strip(), row[1].strip()
        if not name:
            raise bad(line, "the name is empty")
        if len(name) > MAX_NAME_LENGTH:
            raise bad(line, f"the name is {len(name)} characters long, more than any name ({MAX_NAME_LENGTH}): "
                            f"{name[:30]!r}...")
        if not _without_accents(name).strip():
            raise bad(line, f"the name {name!r} has no letters once its accents are taken off")
        if country not in NAMES_COUNTRIES:
            raise bad(line, f"unknown country {country!r} (expected one of the 18: {', '.join(NAMES_COUNTRIES)})")
        names.append(name)
        countries.append(country)
    if not names:
        raise DataError(f"the names file {path} holds no rows; copy a complete file there.")
    return names, countries


def load_names(root: str | os.PathLike) -> NameSplits:
    """The course's names data (001 lecture 13): 13,374 training and 6,700 test names, 18 countries.

    Read from <root>/liu/names_train.csv.gz and names_test.csv.gz (downloaded and sha256-checked if
    missing; files in place are checked too), each row validated: two fields, a name of 1-50 characters
    that still has letters once accents are taken off, a known country.
    """
    lists = []
    for split in ("train", "test"):
        filename = f"names_{split}.csv.gz"
        path = ensure_file(Path(root), f"liu/{filename}", [NAMES_URL + filename], sha256=NAMES_SHA256[split],
                           what=f"names ({split})")
        lists += _read_names(path)
    return NameSplits(*lists, countries=list(NAMES_COUNTRIES))
