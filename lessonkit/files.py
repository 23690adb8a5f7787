"""Atomic file writes: a file appears complete under its name, or not at all."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import LessonError

# Names of the temporary files and folders lessonkit writes before a rename (see atomic_path and
# data.extract_archive). A run that was killed can leave them behind; the next run sweeps them.
TEMP_PATTERNS = (".*.tmp", ".*.part", ".extract-*", ".unzip-*")
STALE_AFTER_S = 15 * 60  # a temp file untouched this long belongs to no live run (downloads keep writing)


def _umask() -> int:
    mask = os.umask(0)  # the only portable way to read it is to set it; put it straight back
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside `path`; when the block ends normally, rename it onto `path`.

    If the block raises, the temporary file is removed and `path` keeps whatever it held before, so an
    interrupted write never leaves a half-written file under the real name. The temporary file sits in
    the same folder, which makes the final os.replace an atomic rename.
    """
    path = Path(path)
    if path.is_dir():  # os.replace would fail only after the work that made the file: say it first
        raise LessonError(f"{path} is a folder, where the lesson writes a file of that name: move it away, "
                          "or choose another --out")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    # mkstemp makes the file private (0600); give it the mode a plain open() would, so that data unpacked
    # under a shared data root, or figures in a shared folder, stay readable by the others who use it.
    os.chmod(tmp, 0o666 & ~_umask())
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def sweep_stale_temporaries(folder: str | os.PathLike, older_than_s: float = STALE_AFTER_S) -> list[Path]:
    """Remove temporary files and folders of ours in `folder` left by a killed run; return what went.

    Only names that atomic_path and the archive extraction use, and only those not modified for
    `older_than_s` seconds, so a second run writing into the same folder at the same time is safe.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed, now = [], time.time()
    for pattern in TEMP_PATTERNS:
        for path in folder.glob(pattern):
            try:
                if now - path.lstat().st_mtime < older_than_s:
                    continue
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
                removed.append(path)
            except OSError:  # gone already, or not ours to remove: leave it
                continue
    return removed


def ensure_writable_folder(folder: str | os.PathLike, flag: str = "--out") -> Path:
    """Create `folder` if needed and prove a file can be written there, before any work starts.

    Raises LessonError naming the folder when it is an existing file, or cannot be created or written.
    """
    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise LessonError(f"{flag} {folder} is an existing file, not a folder: give a folder path.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test.", suffix=".tmp", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except (FileExistsError, NotADirectoryError):
        raise LessonError(f"{flag} {folder}: a part of that path is an existing file, not a folder.") from None
    except OSError as err:
        raise LessonError(
            f"{flag} {folder} is not writable ({err.strerror or err}): choose a folder you can write to, "
            "e.g. --out /tmp/lesson-outputs."
        ) from None
    return folder
