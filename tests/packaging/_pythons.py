"""The oldest supported Python, and a virtual environment of it to build the bundle with.

The bundle is built with the Python that runs the tests (the newest one scripts/_venv.sh
finds) and, when it can be found, with the oldest one pyproject.toml supports (3.11):
a build that works on one can die at start on the other (NumPy 2.4, the newest for 3.11,
ships an OpenBLAS that ``strip`` corrupts). The environment is kept in ``.venv-oldest``
beside ``.venv`` and re-made or re-installed only when the interpreter or pyproject.toml
changes, as scripts/_venv.sh does for ``.venv``.

By hand: ``python tests/packaging/_pythons.py`` prints the oldest Python found and makes
its environment.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
OLDEST = (3, 11)
VENV = REPO_ROOT / ".venv-oldest"
STAMP = VENV / ".backprop-lab-stamp"


def _works(python: str, version: tuple[int, int]) -> bool:
    """``python`` runs, is ``version`` and can make a venv with pip (pyenv shims of versions
    not selected exist but fail, so each candidate is run)."""
    check = ("import sys, venv, ensurepip; "
             f"sys.exit(sys.version_info[:2] != {version!r})")
    try:
        return subprocess.run([python, "-c", check], capture_output=True, timeout=60,
                              check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def find_python(version: tuple[int, int] = OLDEST) -> str | None:
    """A working Python of ``version``: on PATH, from pyenv (newest patch release first), or
    the system's."""
    name = f"python{version[0]}.{version[1]}"
    candidates = [shutil.which(name)]
    root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    found = glob.glob(f"{root}/versions/{version[0]}.{version[1]}.*/bin/python3")
    found = [p for p in found if Path(p).parts[-3].replace(".", "").isdigit()]  # no -dev, t
    candidates += sorted(found, key=lambda p: int(Path(p).parts[-3].split(".")[2]),
                         reverse=True)
    candidates += [f"/usr/bin/{name}", f"/usr/local/bin/{name}"]
    for python in candidates:
        if python and Path(python).exists() and _works(python, version):
            return python
    return None


def _identity(python: str) -> str:
    out = subprocess.run([python, "-c", "import os, sys; print(os.path.realpath("
                          "sys.executable)); print(sys.version)"], capture_output=True,
                         text=True, timeout=60, check=True)
    return out.stdout


def ensure_venv(python: str, folder: Path = VENV) -> Path:
    """``folder``'s Python with ``pip install -e '.[package]'`` done (re-made when it was
    made by another interpreter, re-installed when pyproject.toml changed). Returns it."""
    venv_python = folder / "bin" / "python"
    want = _identity(python)
    if venv_python.exists():
        try:
            same = _identity(str(venv_python)) == want
        except (OSError, subprocess.CalledProcessError):
            same = False
        if not same:
            shutil.rmtree(folder)
    if not venv_python.exists():
        subprocess.run([python, "-m", "venv", str(folder)], check=True, timeout=600)
    digest = hashlib.sha256((REPO_ROOT / "pyproject.toml").read_bytes() + want.encode())
    stamp = digest.hexdigest()
    if not STAMP.exists() or STAMP.read_text(encoding="utf-8").strip() != stamp:
        STAMP.unlink(missing_ok=True)
        subprocess.run([str(venv_python), "-m", "pip", "install", "-q", "-e", ".[package]"],
                       cwd=REPO_ROOT, check=True, timeout=1800)
        STAMP.write_text(stamp + "\n", encoding="utf-8")
    return venv_python


if __name__ == "__main__":
    oldest = find_python()
    if oldest is None:
        sys.exit(f"no Python {OLDEST[0]}.{OLDEST[1]} found")
    print(oldest)
    print(ensure_venv(oldest))
