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
from .files import atomic_path

ENV_DATA_DIR = "LESSONS_DATA_DIR"
ENV_OFFLINE = "LESSONS_OFFLINE"
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


def verify_file(path: str | os.PathLike, *, sha256: str | None = None, md5: str | None = None) -> None:
    """Raise DataError if the file's checksum is not the expected one."""
    expected = _expected(sha256, md5)
    if expected is None:
        return
    algorithm, want = expected
    got = file_digest(path, algorithm)
    if got != want:
        raise DataError(
            f"checksum mismatch for {path}: expected {algorithm} {want}, got {got}. "
            "The file is corrupt or a different version; delete it and run again to re-download."
        )


def offline() -> bool:
    return os.environ.get(ENV_OFFLINE, "").strip().lower() not in ("", "0", "false", "no")


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

    A file already in place is used as it is (a learner's own copy, or a test fixture); a
    downloaded file must match the checksum.
    """
    path = Path(root) / relpath
    if path.is_file():
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


def load_mnist(root: str | os.PathLike, name: str = "MNIST") -> ImageSplits:
    """Load MNIST or Fashion-MNIST from <root>/<name>/raw/ as in-memory tensors.

    The four .gz files are used if present, downloaded (md5-checked, as torchvision checks them)
    if not, and unpacked beside themselves; torchvision's dataset class then reads the unpacked
    files. No per-image transform runs: the lesson converts the whole uint8 tensor at once,
    which is what makes CPU training fast.
    """
    dataset_class = _mnist_class(name)
    root = Path(root)
    raw = root / name / "raw"
    for filename, md5 in dataset_class.resources:
        unpacked = raw / filename.removesuffix(".gz")
        if unpacked.is_file():
            continue
        relpath = f"{name}/raw/{filename}"
        gz_path = ensure_file(
            root, relpath, [mirror + filename for mirror in dataset_class.mirrors], md5=md5, what=name
        )
        try:
            gunzip(gz_path, unpacked)
        except PermissionError:
            raise DataError(
                f"cannot unpack {gz_path}: the folder {raw} is not writable. Copy the {name} folder to a "
                "writable place and point --data-dir there."
            ) from None
    splits = []
    for train in (True, False):
        try:
            ds = dataset_class(root=str(root), train=train, download=False)
        except (RuntimeError, ValueError, OSError, AssertionError) as err:
            raise DataError(
                f"could not read the {name} files in {raw}: {err}. Delete the unpacked files (the ones "
                "without .gz) and run again."
            ) from None
        splits += [ds.data, ds.targets.long()]
    return ImageSplits(*splits, classes=list(dataset_class.classes))


# --- tables: bike sharing and Kaggle house prices ----------------------------------------------

BIKE_SHARING_URL = "https://archive.ics.uci.edu/static/public/275/bike+sharing+dataset.zip"
BIKE_SHARING_HOUR_SHA256 = "e03de4ee4ef4dc376ac6e04bf829673c6269e8eba5c60fa121640fa2f829504f"
BIKE_SHARING_COLUMNS = (
    "instant", "dteday", "season", "yr", "mnth", "hr", "holiday", "weekday", "workingday", "weathersit",
    "temp", "atemp", "hum", "windspeed", "casual", "registered", "cnt",
)

KAGGLE_HOUSE_URLS = {
    "train.csv": "http://d2l-data.s3-accelerate.amazonaws.com/kaggle_house_pred_train.csv",
    "test.csv": "http://d2l-data.s3-accelerate.amazonaws.com/kaggle_house_pred_test.csv",
}
# sha1 585e9cc9... / fa19780a... are the values D2L's DATA_HUB checks; sha256 from data/SOURCES.
KAGGLE_HOUSE_SHA256 = {
    "train.csv": "1e18addf81e5e4d347cc17ee6075bbe4a42b7fa26b9e5b063e8f692a5f929d41",
    "test.csv": "8fdd3d829d4d986b58f845c9553b225e67dd8383624d90fb6ca1d4bed5798c1e",
}
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


def read_table(path: str | os.PathLike, columns, *, numeric=(), what: str = "table"):
    """Read a CSV file with pandas, or raise DataError naming the file and what is wrong with it.

    `columns` must all be in the header; `numeric` ones must have parsed as numbers (a stray text
    cell in a number column is the usual sign of a damaged file).
    """
    import pandas as pd  # imported here: only the table lessons pay for pandas

    path = Path(path)
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError, OSError) as err:
        raise DataError(
            f"could not read the {what} file {path} as CSV ({type(err).__name__}: {err}). The file is corrupt "
            "or not the expected one; delete it to re-download it, or copy a good one there."
        ) from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise DataError(
            f"the {what} file {path} lacks the column(s) {shown} (it has {len(frame.columns)} columns, "
            f"starting {', '.join(map(str, frame.columns[:5]))}). It is not the expected file or it is "
            "damaged; delete it to re-download it, or copy a good one there."
        )
    not_numbers = [c for c in numeric if not pd.api.types.is_numeric_dtype(frame[c])]
    if not_numbers:
        raise DataError(
            f"the {what} file {path} has text in the number column(s) {', '.join(not_numbers)}: it is "
            "damaged or not the expected file; delete it to re-download it, or copy a good one there."
        )
    if frame.empty:
        raise DataError(f"the {what} file {path} has a header but no rows; copy a complete file there.")
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
    if not path.is_file():
        _fetch_bike_sharing(root, relpath)
    numeric = [c for c in BIKE_SHARING_COLUMNS if c != "dteday"]
    return read_table(path, BIKE_SHARING_COLUMNS, numeric=numeric, what="bike sharing")


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
        frames.append(read_table(path, KAGGLE_HOUSE_COLUMNS + extra, numeric=("Id",) + extra,
                                 what="Kaggle house prices"))
    return frames[0], frames[1]
