"""Reading and writing files safely.

- :func:`open_regular` / :func:`read_regular`: a file is checked before it is read: it must
  be a regular file (never a folder, a device such as /dev/zero, or a pipe, which would
  block forever) and no larger than a limit, known from ``stat`` before any byte is read.
- :func:`atomic_write`: a crash mid-write leaves the old file whole. Each write goes through
  a hidden temporary file ``.NAME.xxxxxxxx.tmp`` beside the target, held locked while it is
  written; a save that is killed leaves it behind, and the next save of the same file
  removes it (:func:`remove_stale_temp_files`); :func:`tidy_folder` removes old ones from
  a whole folder (the app can call it at start).
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from .limits import STALE_TEMP_SECONDS

try:  # POSIX: a running save holds an advisory lock on its temporary file
    import fcntl
except ImportError:  # Windows: a file another process has open cannot be removed anyway
    fcntl = None  # type: ignore[assignment]


class UnreadableFile(ValueError):
    """A file refused before (or while) reading it; the message says why, without the
    file's name (the caller adds it)."""


def format_size(size: int) -> str:
    """A byte count for a message: "512 bytes", "3.2 MB", "4.3 GB"."""
    if size < 1000:
        return f"{size} byte{'s' if size != 1 else ''}"
    for unit, scale in (("kB", 1e3), ("MB", 1e6), ("GB", 1e9)):
        if size < scale * 1000 or unit == "GB":
            return f"{size / scale:.1f} {unit}"
    raise AssertionError("unreachable")


def _check(st: os.stat_result, max_bytes: int) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise UnreadableFile("is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        kind = ("a pipe" if stat.S_ISFIFO(st.st_mode) else
                "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else
                "a socket" if stat.S_ISSOCK(st.st_mode) else "not a file")
        raise UnreadableFile(f"is not a regular file ({kind})")
    if st.st_size > max_bytes:
        raise UnreadableFile(f"too large ({format_size(st.st_size)}; the limit is "
                             f"{format_size(max_bytes)})")


def _os_error(exc: OSError) -> UnreadableFile:
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        return UnreadableFile("no such file")
    if isinstance(exc, IsADirectoryError):
        return UnreadableFile("is a folder, not a file")
    if isinstance(exc, PermissionError):
        return UnreadableFile("cannot be read (permission denied)")
    return UnreadableFile(f"cannot be read ({exc.strerror or exc})")


def open_regular(path: str | os.PathLike[str], max_bytes: int) -> BinaryIO:
    """Open a regular file of at most ``max_bytes`` bytes for reading in binary mode.

    The file is checked with ``stat`` first, then opened without blocking (a pipe that
    appeared in between is refused, not waited on) and checked again on the open handle.
    Raises :class:`UnreadableFile`.
    """
    try:
        _check(os.stat(path), max_bytes)
        flags = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                 | getattr(os, "O_BINARY", 0))
        fd = os.open(path, flags)
    except OSError as exc:
        raise _os_error(exc) from None
    try:
        _check(os.fstat(fd), max_bytes)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` bytes (see :func:`open_regular`);
    a file that grows past the limit while it is read is refused too."""
    with open_regular(path, max_bytes) as fh:
        try:
            data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise _os_error(exc) from None
    if len(data) > max_bytes:
        raise UnreadableFile(f"too large (more than {format_size(max_bytes)})")
    return data


def read_text(path: str | os.PathLike[str], max_bytes: int) -> str:
    """The UTF-8 text (a byte-order mark allowed) of a regular file of at most
    ``max_bytes`` bytes (see :func:`read_regular`); :class:`UnreadableFile` for anything
    else, bytes that are not UTF-8 included."""
    try:
        return read_regular(path, max_bytes).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile("not a text file (not UTF-8)") from None


# --- writing -------------------------------------------------------------------------------

_TEMP_SUFFIX = ".tmp"
# tempfile.mkstemp's names: prefix + 8 characters from [a-z0-9_] + suffix.
_RANDOM = r"[a-z0-9_]{8}"


def _lock(fd: int) -> bool:
    """Try to take the advisory lock of a save on ``fd``; False if a running save has it."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:
        return True  # no locks on this file system: the age rule of the caller decides
    return True


def atomic_write(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` through a synced temporary file in the same folder that
    then replaces it, keeping an existing file's permissions. Raises OSError; on failure
    the temporary file is removed and the old file is untouched. Afterwards, temporary
    files that killed saves of the same file left behind are removed."""
    p = Path(path)
    directory = p.parent if str(p.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=_TEMP_SUFFIX, dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            _lock(fh.fileno())  # held until closed: this save is running
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            mode = p.stat().st_mode & 0o777 if p.exists() else 0o644
            os.chmod(tmp, mode)
        except OSError:
            pass  # keeping the permissions is a courtesy, not a reason to fail
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    remove_stale_temp_files(p)


def _remove_if_stale(candidate: Path, min_age: float, now: float) -> bool:
    """Remove one temporary file of a save if no running save holds it and it is at least
    ``min_age`` seconds old. Never follows a symbolic link, never opens a pipe."""
    try:
        st = os.lstat(candidate)
        if not stat.S_ISREG(st.st_mode) or now - st.st_mtime < min_age:
            return False
        fd = os.open(candidate, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode) or not _lock(fd):
            return False
        os.unlink(candidate)  # Windows: fails while another process has it open
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _sweep(folder: Path, pattern: re.Pattern[str], min_age: float) -> list[Path]:
    now = time.time()
    removed: list[Path] = []
    try:
        names: Iterable[str] = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        if pattern.fullmatch(name) and _remove_if_stale(folder / name, min_age, now):
            removed.append(folder / name)
    return removed


def remove_stale_temp_files(path: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files ``.NAME.xxxxxxxx.tmp`` that killed saves of ``path`` left
    beside it (any age: one a running save holds is kept). Returns what was removed."""
    p = Path(path)
    pattern = re.compile(r"\." + re.escape(p.name) + r"\." + _RANDOM + re.escape(_TEMP_SUFFIX))
    return _sweep(p.parent if str(p.parent) else Path("."), pattern, 0.0)


def tidy_folder(folder: str | os.PathLike[str], extensions: Iterable[str] = (".json",),
                min_age: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Remove the temporary files that killed saves of files with these ``extensions``
    left in ``folder`` and that are at least ``min_age`` seconds old (so that a save
    running in another program is never disturbed). Returns what was removed."""
    ext = "|".join(re.escape(e) for e in extensions)
    pattern = re.compile(r"\..+(?:" + ext + r")\." + _RANDOM + re.escape(_TEMP_SUFFIX))
    return _sweep(Path(folder), pattern, min_age)


__all__ = ["UnreadableFile", "atomic_write", "format_size", "open_regular", "read_regular",
           "read_text",
           "remove_stale_temp_files", "tidy_folder"]
