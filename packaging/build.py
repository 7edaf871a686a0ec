"""Build Backprop Lab for the current OS: ``python packaging/build.py``.

1. PyInstaller (packaging/backprop-lab.spec, one-folder) -> ``<dist>/backprop-lab/``
   (and ``<dist>/Backprop Lab.app`` on macOS);
2. on Linux, strips the shared libraries of the folder, keeping each stripped copy only if
   it still loads (:func:`strip_bundle`: ``strip`` corrupts some libraries, such as the
   OpenBLAS of NumPy 2.4, and a bundle with one dies at start);
3. then, per OS:

   * Linux:   adds the desktop entry, icon and ``install-desktop-entry.sh`` to the folder
     and packs ``<dist>/backprop-lab-<version>-linux-<arch>.tar.gz``;
   * Windows: runs Inno Setup's ``ISCC`` on packaging/backprop-lab.iss ->
     ``<dist>/backprop-lab-<version>-setup.exe``;
   * macOS:   ``hdiutil`` -> ``<dist>/backprop-lab-<version>-macos-<arch>.dmg``;

4. prints the size of the app folder and its 15 biggest items.

Options: ``--dist DIR`` / ``--work DIR`` (default dist/ and build/ in the repository),
``--skip-archive`` (stop after steps 1-2 and the size report), ``--no-clean`` (reuse
PyInstaller's cache), ``--no-strip`` (keep every library as it came). Needs
``pip install -e '.[package]'``; on Windows Inno Setup 6 (``choco install innosetup``), found
via ``$ISCC``, on PATH or in its default folder.
"""

from __future__ import annotations

import argparse
import glob
import os
import platform
import re
import shutil
import stat
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
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
        raise SystemExit("build: PyInstaller is not installed: pip install -e '.[package]'") \
            from None
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


# --- step 2: strip what survives stripping (Linux) -----------------------------------------

ELF_MAGIC = b"\x7fELF"
PT_LOAD, PT_INTERP = 1, 3


@dataclass(frozen=True)
class Segment:
    """A loadable segment (PT_LOAD) of an ELF file."""

    offset: int
    vaddr: int
    filesz: int
    memsz: int
    flags: int
    align: int


def elf_program_headers(data: bytes) -> list[tuple[int, Segment]]:
    """(type, segment) of every program header of an ELF file's bytes (32 or 64 bit, either
    byte order). Raises ValueError for something that is not a well-formed ELF file."""
    if data[:4] != ELF_MAGIC or len(data) < 52:
        raise ValueError("not an ELF file")
    wide = data[4] == 2
    order = "<" if data[5] == 1 else ">"
    if wide:
        phoff, = struct.unpack_from(order + "Q", data, 0x20)
        phentsize, phnum = struct.unpack_from(order + "HH", data, 0x36)
        entry = order + "IIQQQQQQ"  # type flags offset vaddr paddr filesz memsz align
    else:
        phoff, = struct.unpack_from(order + "I", data, 0x1C)
        phentsize, phnum = struct.unpack_from(order + "HH", data, 0x2A)
        entry = order + "IIIIIIII"  # type offset vaddr paddr filesz memsz flags align
    if phoff + phnum * phentsize > len(data) or phentsize < struct.calcsize(entry):
        raise ValueError("program headers past the end of the file")
    headers = []
    for i in range(phnum):
        fields = struct.unpack_from(entry, data, phoff + i * phentsize)
        if wide:
            kind, flags, offset, vaddr, _paddr, filesz, memsz, align = fields
        else:
            kind, offset, vaddr, _paddr, filesz, memsz, flags, align = fields
        headers.append((kind, Segment(offset, vaddr, filesz, memsz, flags, align)))
    return headers


def same_loaded_image(original: bytes, stripped: bytes, page: int = 4096) -> str | None:
    """Why ``stripped`` would not load as ``original`` does, or None.

    Stripping removes sections no loader reads; what the loader maps must be unchanged:
    the same PT_LOAD segments (addresses, sizes, flags) holding the same bytes, each at a
    file offset congruent to its address modulo the page size (the rule glibc enforces:
    "ELF load command address/offset not page-aligned") and inside the file.
    """
    try:
        before = [s for kind, s in elf_program_headers(original) if kind == PT_LOAD]
        after = [s for kind, s in elf_program_headers(stripped) if kind == PT_LOAD]
    except (ValueError, struct.error) as exc:
        return f"unreadable program headers ({exc})"
    if len(before) != len(after):
        return f"{len(before)} loadable segments became {len(after)}"
    headers = max(_headers_end(original), _headers_end(stripped))
    for i, (a, b) in enumerate(zip(before, after)):
        if (a.vaddr, a.filesz, a.memsz, a.flags) != (b.vaddr, b.filesz, b.memsz, b.flags):
            return (f"segment {i} changed (address {a.vaddr:#x}, {a.filesz:#x} bytes in the "
                    f"file -> address {b.vaddr:#x}, {b.filesz:#x} bytes)")
    for i, (a, b) in enumerate(zip(before, after)):
        if (b.vaddr - b.offset) % page:
            return f"segment {i} is no longer page-aligned (offset {b.offset:#x})"
        if b.offset + b.filesz > len(stripped):
            return f"segment {i} runs past the end of the file"
        # The ELF and program headers may change (section table offset, segment offsets);
        # every other byte the loader maps must not.
        skip = max(0, min(a.filesz, headers - a.offset))
        if original[a.offset + skip:a.offset + a.filesz] != \
                stripped[b.offset + skip:b.offset + b.filesz]:
            return f"segment {i} holds different bytes"
    return None


def elf_has_section(data: bytes, name: str) -> bool:
    """Whether an ELF file's bytes have a section called ``name`` (".symtab": not
    stripped)."""
    wide = data[4] == 2
    order = "<" if data[5] == 1 else ">"
    if wide:
        shoff, = struct.unpack_from(order + "Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from(order + "HHH", data, 0x3A)
        entry = order + "IIQQQQ"  # name type flags addr offset size
    else:
        shoff, = struct.unpack_from(order + "I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from(order + "HHH", data, 0x2E)
        entry = order + "IIIIII"
    if not shoff or shstrndx >= shnum:
        return False
    sections = [struct.unpack_from(entry, data, shoff + i * shentsize) for i in range(shnum)]
    names_at, names_size = sections[shstrndx][4], sections[shstrndx][5]
    names = data[names_at:names_at + names_size]
    wanted = name.encode()
    return any(names[s[0]:].split(b"\0", 1)[0] == wanted for s in sections)


def _headers_end(data: bytes) -> int:
    """Where the ELF header and the program header table end."""
    wide = data[4] == 2
    order = "<" if data[5] == 1 else ">"
    phoff, = struct.unpack_from(order + ("Q" if wide else "I"), data, 0x20 if wide else 0x1C)
    phentsize, phnum = struct.unpack_from(order + "HH", data, 0x36 if wide else 0x2A)
    return int(phoff + phentsize * phnum)


def dynamic_loader() -> str | None:
    """The path of the dynamic loader (ld.so) that runs this Python, from its PT_INTERP."""
    try:
        data = Path(os.path.realpath(sys.executable)).read_bytes()
        for kind, seg in elf_program_headers(data):
            if kind == PT_INTERP:
                path = data[seg.offset:seg.offset + seg.filesz].split(b"\0")[0].decode()
                if Path(path).exists():
                    return path
    except (OSError, ValueError, struct.error, UnicodeDecodeError):
        pass
    found = sorted(glob.glob("/lib*/ld-linux*.so*") + glob.glob("/lib/*/ld-linux*.so*"))
    return found[0] if found else None


def loads_cleanly(path: Path, loader: str | None) -> str | None:
    """Why the dynamic loader refuses to map ``path`` (``ld.so --verify``), or None.

    --verify maps the object as a program start would, without running any of it: exit
    status 0 (a program) and 2 (a library) mean it loads, 1 that it does not.
    """
    if loader is None:
        return None
    try:
        proc = subprocess.run([loader, "--verify", str(path)], capture_output=True, text=True,
                              timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{loader} --verify could not run ({exc})"
    if proc.returncode in (0, 2):
        return None
    return (proc.stderr or proc.stdout).strip() or f"{loader} --verify: {proc.returncode}"


@dataclass
class StripReport:
    """What :func:`strip_bundle` did."""

    stripped: list[Path] = field(default_factory=list)
    kept: dict[Path, str] = field(default_factory=dict)  # unstripped, and why
    saved: int = 0  # bytes

    def summary(self) -> str:
        lines = [f"stripped {len(self.stripped)} libraries ({self.saved / 1e6:.1f} MB saved); "
                 f"kept {len(self.kept)} as they came"]
        lines += [f"  kept {p.name}: {why}" for p, why in sorted(self.kept.items())
                  if not why.startswith(("already", "no smaller"))]
        return "\n".join(lines)


def elf_files(folder: Path, skip: set[Path]) -> list[Path]:
    """The ELF files (libraries, extensions, programs) in ``folder``, but those in ``skip``
    and those with a checksum file beside them."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path in skip or path.is_symlink() or not path.is_file():
            continue
        # PyInstaller's own rule: a library with a checksum beside it must stay as it is.
        if path.with_name(path.name + ".hmac").exists() or path.with_suffix(".chk").exists():
            continue
        with open(path, "rb") as fh:
            if fh.read(4) == ELF_MAGIC:
                found.append(path)
    return found


def strip_one(path: Path, strip: str, loader: str | None) -> tuple[str, int]:
    """Strip a copy of ``path``; put it in place only if it loads as the original does.
    Returns ("stripped", bytes saved) or ("kept", 0) with the reason as the first item."""
    original = path.read_bytes()
    with tempfile.TemporaryDirectory(prefix="strip-", dir=path.parent) as tmp:
        copy = Path(tmp) / path.name
        copy.write_bytes(original)
        proc = subprocess.run([strip, str(copy)], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            return f"strip failed: {(proc.stderr or proc.stdout).strip()[:200]}", 0
        stripped = copy.read_bytes()
        if len(stripped) >= len(original):
            return "no smaller when stripped", 0
        why = same_loaded_image(original, stripped) or loads_cleanly(copy, loader)
        if why is not None:
            return f"the stripped copy would not load: {why}", 0
        shutil.copymode(path, copy)
        os.replace(copy, path)
    return "stripped", len(original) - len(stripped)


def strip_bundle(folder: Path, skip: set[Path] | None = None, strip: str | None = None,
                 loader: str | None = "auto",
                 say: Callable[[str], None] = print) -> StripReport:
    """Strip the symbols of every ELF file in ``folder`` (but those in ``skip``), keeping
    each stripped copy only if it loads exactly as the original: the same loadable
    segments holding the same bytes, page-aligned, and ``ld.so --verify`` accepts it.

    PyInstaller's own ``strip=True`` strips blindly, and binutils' strip rewrites the
    extra segments patchelf adds to manylinux wheels' libraries wrongly for some of them
    (NumPy 2.4's OpenBLAS: "ELF load command address/offset not page-aligned" at start).
    """
    report = StripReport()
    strip = strip or shutil.which("strip")
    if strip is None:
        say("[build] no strip command (binutils): libraries left as they are")
        return report
    if loader == "auto":
        loader = dynamic_loader()
    files = elf_files(folder, skip or set())
    with ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as pool:
        results = list(pool.map(lambda p: strip_one(p, strip, loader), files))
    for path, (outcome, saved) in zip(files, results):
        if outcome == "stripped":
            report.stripped.append(path)
            report.saved += saved
        else:
            report.kept[path] = outcome
    return report


# --- step 3: per-OS packages ---------------------------------------------------------------

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
    for base in (os.environ.get("PROGRAMFILES(X86)"), os.environ.get("PROGRAMFILES"),
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


# --- step 4: size report -------------------------------------------------------------------

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
    parser.add_argument("--no-strip", action="store_true",
                        help="leave the libraries unstripped (Linux)")
    args = parser.parse_args(argv)
    dist, work = args.dist.resolve(), args.work.resolve()

    started = time.monotonic()
    log(f"Backprop Lab {version()} for {sys.platform}/{arch()}, Python "
        f"{platform.python_version()}")
    folder = pyinstaller(dist, work, clean=not args.no_clean)
    if sys.platform.startswith("linux"):
        if not args.no_strip:
            started_strip = time.monotonic()
            # The executable is the bootloader with the app appended: never strip it.
            report = strip_bundle(folder, skip={folder / NAME})
            log(report.summary() + f" in {time.monotonic() - started_strip:.0f} s")
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
