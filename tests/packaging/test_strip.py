"""packaging/build.py strips only what survives stripping (issue 13, finding 9).

``strip`` corrupts some libraries: NumPy 2.4's OpenBLAS (the newest NumPy for Python 3.11)
lost the contents of the segments patchelf had added, and the frozen app died at start with
"ELF load command address/offset not page-aligned". The build strips a copy of each library
and keeps it only if the loader would map exactly what it mapped before. These tests run
the check on real libraries (stripped by the real ``strip``) and on copies broken the ways
strip breaks them; test_frozen_bundle.py builds and starts the whole bundle.
"""

from __future__ import annotations

import glob
import importlib
import importlib.util
import shutil
import struct
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ELF libraries (Linux)"),
    pytest.mark.skipif(shutil.which("strip") is None, reason="no strip (binutils)"),
]


def _build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build", REPO_ROOT / "packaging" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


build = _build()


def _unstripped_library() -> Path:
    """A shared library with symbols to strip: an extension module of this Python."""
    for name in ("_ctypes", "_decimal", "_json", "_csv", "_struct", "select"):
        file = getattr(importlib.import_module(name), "__file__", None)
        if file and file.endswith(".so") and build.elf_has_section(Path(file).read_bytes(),
                                                                   ".symtab"):
            return Path(file)
    pytest.skip("no unstripped extension module in this Python")


@pytest.fixture
def library(tmp_path: Path) -> Path:
    path = tmp_path / "lib" / _unstripped_library().name
    path.parent.mkdir()
    shutil.copy2(_unstripped_library(), path)
    return path


def _stripped_bytes(library: Path, tmp_path: Path) -> bytes:
    copy = tmp_path / "copy.so"
    shutil.copy2(library, copy)
    import subprocess

    subprocess.run(["strip", str(copy)], check=True)
    return copy.read_bytes()


def test_a_well_stripped_library_keeps_its_loaded_image(library: Path, tmp_path: Path) -> None:
    original = library.read_bytes()
    stripped = _stripped_bytes(library, tmp_path)
    assert len(stripped) < len(original)
    assert build.elf_has_section(original, ".symtab")
    assert not build.elf_has_section(stripped, ".symtab")
    assert build.same_loaded_image(original, stripped) is None


def _with_segment(data: bytes, index: int, **changes: int) -> bytes:
    """``data`` with fields of its ``index``-th PT_LOAD program header changed (64-bit)."""
    assert data[4] == 2 and data[5] == 1
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    loads = [i for i in range(phnum)
             if struct.unpack_from("<I", data, phoff + i * phentsize)[0] == build.PT_LOAD]
    at = phoff + loads[index] * phentsize
    out = bytearray(data)
    fields = {"offset": 8, "vaddr": 16, "filesz": 32, "memsz": 40}
    for name, value in changes.items():
        struct.pack_into("<Q", out, at + fields[name], value)
    return bytes(out)


def test_the_ways_strip_breaks_a_library_are_caught(library: Path, tmp_path: Path) -> None:
    original = library.read_bytes()
    stripped = _stripped_bytes(library, tmp_path)
    segments = [s for kind, s in build.elf_program_headers(stripped) if kind == build.PT_LOAD]
    last = len(segments) - 1
    # What happened to NumPy 2.4's OpenBLAS: a segment emptied, its offset no longer
    # congruent to its address.
    emptied = _with_segment(stripped, last, filesz=0, offset=segments[last].offset + 0x98)
    assert "changed" in build.same_loaded_image(original, emptied)
    misaligned = _with_segment(stripped, last, offset=segments[last].offset + 8)
    assert "page-aligned" in build.same_loaded_image(original, misaligned)
    past_end = _with_segment(stripped, last, offset=len(stripped) + 4096 * 4)
    assert build.same_loaded_image(original, past_end) is not None
    flipped = bytearray(stripped)
    text = segments[1] if len(segments) > 1 else segments[0]
    flipped[text.offset + text.filesz // 2] ^= 0xFF
    assert "different bytes" in build.same_loaded_image(original, bytes(flipped))
    assert "not an ELF file" in build.same_loaded_image(original, b"garbage" * 20)


def test_strip_bundle_keeps_the_original_when_the_stripped_copy_would_not_load(
        library: Path, tmp_path: Path) -> None:
    # A "strip" that empties the last segment the way binutils did for OpenBLAS.
    fake = tmp_path / "bad-strip"
    fake.write_text(
        "#!" + sys.executable + "\n"
        "import sys, subprocess, struct\n"
        "path = sys.argv[-1]\n"
        "subprocess.run(['strip', path], check=True)\n"
        "data = bytearray(open(path, 'rb').read())\n"
        "phoff, = struct.unpack_from('<Q', data, 0x20)\n"
        "size, n = struct.unpack_from('<HH', data, 0x36)\n"
        "loads = [phoff + i * size for i in range(n)\n"
        "         if struct.unpack_from('<I', data, phoff + i * size)[0] == 1]\n"
        "struct.pack_into('<Q', data, loads[-1] + 32, 0)\n"
        "open(path, 'wb').write(bytes(data))\n", encoding="utf-8")
    fake.chmod(0o755)
    original = library.read_bytes()
    said: list[str] = []
    report = build.strip_bundle(library.parent, strip=str(fake), say=said.append)
    assert report.stripped == [] and list(report.kept) == [library]
    assert "would not load" in report.kept[library]
    assert library.read_bytes() == original  # untouched
    assert [p.name for p in library.parent.iterdir()] == [library.name]  # no temporary left
    # The real strip: stripped in place, smaller, and it still loads.
    report = build.strip_bundle(library.parent)
    assert report.stripped == [library] and report.saved > 0
    assert len(library.read_bytes()) == len(original) - report.saved
    assert build.loads_cleanly(library, build.dynamic_loader()) is None
    assert "stripped 1 libraries" in report.summary()


def test_strip_bundle_leaves_the_bootloader_and_checksummed_files_alone(
        library: Path, tmp_path: Path) -> None:
    folder = library.parent
    boot = folder / "backprop-lab"
    shutil.copy2(library, boot)
    signed = folder / "libsigned.so"
    shutil.copy2(library, signed)
    (folder / "libsigned.so.hmac").write_text("x", encoding="utf-8")
    before = {p: p.read_bytes() for p in (boot, signed)}
    report = build.strip_bundle(folder, skip={boot})
    assert report.stripped == [library]
    assert all(p.read_bytes() == data for p, data in before.items())


def test_the_dynamic_loader_verifies_libraries(library: Path, tmp_path: Path) -> None:
    loader = build.dynamic_loader()
    if loader is None:
        pytest.skip("no ld.so")
    assert build.loads_cleanly(library, loader) is None
    broken = tmp_path / "broken.so"
    data = library.read_bytes()
    segments = [s for kind, s in build.elf_program_headers(data) if kind == build.PT_LOAD]
    broken.write_bytes(_with_segment(data, len(segments) - 1,
                                     offset=segments[-1].offset + 8))
    assert build.loads_cleanly(broken, loader) is not None


def test_numpy_2_4_openblas_is_kept_unstripped(tmp_path: Path) -> None:
    """The library of the issue, when an environment with NumPy 2.4 is at hand (the 3.11
    environment the frozen-bundle test makes, or the one of a developer)."""
    pattern = "lib/python3.11/site-packages/numpy.libs/libscipy_openblas64_*.so"
    found = sorted(glob.glob(str(REPO_ROOT / ".venv*" / pattern)))
    found = [f for f in found if "numpy-2.4" in " ".join(
        glob.glob(str(Path(f).parents[1] / "numpy-*.dist-info")))]
    if not found:
        pytest.skip("no NumPy 2.4 environment here")
    copy = tmp_path / "numpy.libs" / Path(found[0]).name
    copy.parent.mkdir()
    shutil.copy2(found[0], copy)
    original = copy.read_bytes()
    report = build.strip_bundle(copy.parent)
    assert list(report.kept) == [copy], report.summary()
    assert "changed" in report.kept[copy]
    assert copy.read_bytes() == original
