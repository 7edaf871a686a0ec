"""Writing files atomically: a crash mid-write leaves the old file whole."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` through a synced temporary file in the same folder that
    then replaces it, keeping an existing file's permissions. Raises OSError; on failure
    the temporary file is removed and the old file is untouched."""
    p = Path(path)
    directory = p.parent if str(p.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
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
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
