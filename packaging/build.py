"""Build Backprop Lab for the current OS: ``python packaging/build.py``.

1. PyInstaller (packaging/backprop-lab.spec, one-folder) -> ``<dist>/backprop-lab/``
   (and ``<dist>/Backprop Lab.app`` on macOS);
2. then, per OS:

   * Linux:   adds the desktop entry, icon and ``install-desktop-entry.sh`` to the folder
     and packs ``<dist>/backprop-lab-<version>-linux-<arch>.tar.gz``;
   * Windows: runs Inno Setup's ``ISCC`` on packaging/backprop-lab.iss ->
     ``<dist>/backprop-lab-<version>-setup.exe``;
   * macOS:   ``hdiutil`` -> ``<dist>/backprop-lab-<version>-macos-<arch>.dmg``;

3. prints the size of the app folder and its 15 biggest items.

Options: ``--dist DIR`` / ``--work DIR`` (default dist/ and build/ in the repository),
``--skip-archive`` (stop after step 1 and the size report), ``--no-clean`` (reuse
PyInstaller's cache). Needs ``pip install -e '.[package]'``; on Windows Inno Setup 6
(``choco install innosetup``), found via ``$ISCC``, on PATH or in its default folder.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "backprop-lab.spec"
NAME = "backprop-lab"
APP_NAME = "Backprop Lab"
ICONS = ROOT / "resources" / "icons"


def version() -> str:
    """simulator.__version__, read without importing the package."""
    text = (ROOT / "simulator" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if not match:
        raise SystemExit("build: no __version__ in simulator/__init__.py")
    return match.group(1)


def arch() -> str:
    machine = platform.machine().lower()
    return {"amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64"}.get(machine, machine)


def log(msg: str) -> None:
    print(f"[build] {msg}", flush=True)


def run(cmd: list[str], **kwargs) -> None:
    log("$ " + " ".join(f'"{c}"' if " " in c else c for c in cmd))
    subprocess.run(cmd, check=True, **kwargs)


# --- step 1: PyInstaller -------------------------------------------------------------------

def pyinstaller(dist: Path, work: Path, clean: bool) -> Path:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        raise SystemExit("build: PyInstaller is not installed: pip install -e '.[package]'")
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
           "--distpath", str(dist), "--workpath", str(work)]
    if clean:
        cmd.append("--clean")
    run(cmd + [str(SPEC)], cwd=ROOT)
    folder = dist / NAME
    exe = folder / (f"{NAME}.exe" if sys.platform == "win32" else NAME)
    if not exe.is_file():
        raise SystemExit(f"build: PyInstaller did not produce {exe}")
    return folder


# --- step 2: per-OS packages ---------------------------------------------------------------

def linux_extras(folder: Path) -> None:
    """Desktop entry, icon and its installer script, next to the executable."""
    shutil.copy2(PACKAGING / f"{NAME}.desktop", folder / f"{NAME}.desktop")
    shutil.copy2(ICONS / f"{NAME}-256.png", folder / f"{NAME}.png")
    script = folder / "install-desktop-entry.sh"
    shutil.copy2(PACKAGING / "linux" / "install-desktop-entry.sh", script)
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def linux_tarball(folder: Path, dist: Path) -> Path:
    out = dist / f"{NAME}-{version()}-linux-{arch()}.tar.gz"
    log(f"packing {out.name}")

    def normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    with tarfile.open(out, "w:gz", compresslevel=9) as tar:
        tar.add(folder, arcname=NAME, filter=normalise)
    return out


def find_iscc() -> str:
    env = os.environ.get("ISCC")
    if env:
        return env
    found = shutil.which("ISCC") or shutil.which("iscc")
    if found:
        return found
    for base in (os.environ.get("ProgramFiles(x86)"), os.environ.get("ProgramFiles"),
                 os.path.join(os.environ.get("LOCALAPPDATA", ""), "Programs")):
        if base and Path(base).is_dir():
            # "Inno Setup 6" (or a later major version), newest first.
            for candidate in sorted(Path(base).glob("Inno Setup */ISCC.exe"), reverse=True):
                return str(candidate)
    raise SystemExit("build: Inno Setup's ISCC.exe not found (choco install innosetup, "
                     "or set ISCC to its path)")


def windows_installer(folder: Path, dist: Path) -> Path:
    out = dist / f"{NAME}-{version()}-setup.exe"
    run([find_iscc(), f"/DAppVersion={version()}", f"/DBundleDir={folder}",
         f"/DOutputDir={dist}", f"/DRepoRoot={ROOT}", str(PACKAGING / f"{NAME}.iss")])
    if not out.is_file():
        raise SystemExit(f"build: Inno Setup did not produce {out}")
    return out


def macos_dmg(dist: Path) -> Path:
    app = dist / f"{APP_NAME}.app"
    if not app.is_dir():
        raise SystemExit(f"build: PyInstaller did not produce {app}")
    out = dist / f"{NAME}-{version()}-macos-{arch()}.dmg"
    if out.exists():
        out.unlink()
    # A folder with the app and a link to /Applications, so the user can drag it there.
    staging = dist / "dmg-staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    run(["ditto", str(app), str(staging / app.name)])
    (staging / "Applications").symlink_to("/Applications")
    try:
        for attempt in range(3):  # hdiutil sometimes fails with "Resource busy" on CI
            try:
                run(["hdiutil", "create", "-volname", f"{APP_NAME} {version()}",
                     "-srcfolder", str(staging), "-ov", "-format", "UDZO", str(out)])
                break
            except subprocess.CalledProcessError:
                if attempt == 2:
                    raise
                time.sleep(5)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


# --- step 3: size report -------------------------------------------------------------------

def tree_size(path: Path) -> int:
    if path.is_symlink():
        return 0
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def size_report(folder: Path, top: int = 15) -> str:
    """The folder's total size and its biggest items (files, and folders under _internal)."""
    lines = [f"size of {folder}: {tree_size(folder) / 1e6:.1f} MB"]
    items: list[tuple[int, str]] = []
    for p in folder.rglob("*"):
        if p.is_file() and not p.is_symlink():
            items.append((p.stat().st_size, p.relative_to(folder).as_posix()))
    items.sort(reverse=True)
    lines.append(f"biggest {top} files:")
    lines += [f"  {size / 1e6:8.2f} MB  {name}" for size, name in items[:top]]
    # Group by package folder: _internal/<top>/ (and PySide6/Qt/<sub>/ one level deeper).
    groups: dict[str, int] = {}
    for size, name in items:
        parts = name.split("/")
        key = "/".join(parts[:4] if parts[1:3] == ["PySide6", "Qt"] else parts[:2])
        groups[key] = groups.get(key, 0) + size
    lines.append(f"biggest {top} groups:")
    for key, size in sorted(groups.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"  {size / 1e6:8.2f} MB  {key}")
    return "\n".join(lines)


# --- entry ---------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build Backprop Lab for this OS.")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist",
                        help="output folder (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build",
                        help="PyInstaller's work folder (default: build/)")
    parser.add_argument("--skip-archive", action="store_true",
                        help="only build the app folder (no tar.gz/installer/dmg)")
    parser.add_argument("--no-clean", action="store_true",
                        help="keep PyInstaller's cache from earlier builds")
    args = parser.parse_args(argv)
    dist, work = args.dist.resolve(), args.work.resolve()

    started = time.monotonic()
    log(f"Backprop Lab {version()} for {sys.platform}/{arch()}, Python "
        f"{platform.python_version()}")
    folder = pyinstaller(dist, work, clean=not args.no_clean)
    if sys.platform.startswith("linux"):
        linux_extras(folder)
    outputs = [folder]
    if not args.skip_archive:
        if sys.platform.startswith("linux"):
            outputs.append(linux_tarball(folder, dist))
        elif sys.platform == "win32":
            outputs.append(windows_installer(folder, dist))
        elif sys.platform == "darwin":
            outputs.append(dist / f"{APP_NAME}.app")
            outputs.append(macos_dmg(dist))
        else:
            log(f"no package format for {sys.platform}: only the folder was built")
    print(size_report(folder), flush=True)
    for out in outputs[1:]:
        log(f"{out.name}: {tree_size(out) / 1e6:.1f} MB")
    log(f"done in {time.monotonic() - started:.0f} s: " + ", ".join(str(o) for o in outputs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
