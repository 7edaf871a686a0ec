"""The packaging inputs are well formed: icon files, desktop entry, build script, spec."""

from __future__ import annotations

import importlib.util
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

import simulator

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGING = REPO_ROOT / "packaging"
ICONS = REPO_ROOT / "resources" / "icons"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_ico_holds_every_size_as_bmp_or_png():
    data = (ICONS / "backprop-lab.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1)
    sizes = []
    for i in range(count):
        w, h, _colors, _res, planes, bpp, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * i)
        size = w or 256
        assert (w, planes, bpp) == (h, 1, 32)
        image = data[offset:offset + length]
        assert len(image) == length
        if image.startswith(PNG_SIGNATURE):
            assert int.from_bytes(image[16:20], "big") == size
        else:  # BITMAPINFOHEADER: width, doubled height (XOR + AND masks), 32 bpp
            hsize, bw, bh, _planes, bbpp = struct.unpack_from("<IiiHH", image)
            assert (hsize, bw, bh, bbpp) == (40, size, 2 * size, 32)
            assert length == 40 + 4 * size * size + ((size + 31) // 32) * 4 * size
        sizes.append(size)
    assert sizes == [16, 24, 32, 48, 64, 128, 256]


def test_icns_chunks_are_pngs_of_the_right_size():
    data = (ICONS / "backprop-lab.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack_from(">I", data, 4)[0] == len(data)
    expected = {b"icp4": 16, b"icp5": 32, b"icp6": 64, b"ic07": 128, b"ic08": 256,
                b"ic09": 512, b"ic10": 1024, b"ic11": 32, b"ic12": 64, b"ic13": 256,
                b"ic14": 512}
    seen = {}
    pos = 8
    while pos < len(data):
        kind, length = data[pos:pos + 4], struct.unpack_from(">I", data, pos + 4)[0]
        png = data[pos + 8:pos + length]
        assert png.startswith(PNG_SIGNATURE), kind
        seen[kind] = int.from_bytes(png[16:20], "big")
        pos += length
    assert pos == len(data)
    assert seen == expected


def _desktop_entry() -> dict[str, str]:
    lines = (PACKAGING / "backprop-lab.desktop").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    entry = {}
    for line in lines[1:]:
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            assert key not in entry, f"duplicate key {key}"
            entry[key] = value
    return entry


def test_desktop_entry():
    entry = _desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "Backprop Lab"
    assert entry["Exec"].split()[0] == "backprop-lab"
    assert entry["Icon"] == "backprop-lab"  # the icon theme name of resources/icons/*.png
    assert entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";")
    # The app calls QGuiApplication.setDesktopFileName("backprop-lab"): Wayland
    # compositors match the window to this entry by that name.
    assert entry["StartupWMClass"] == "backprop-lab"


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-validate is not installed")
def test_desktop_entry_validates():
    result = subprocess.run(["desktop-file-validate", str(PACKAGING / "backprop-lab.desktop")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_install_desktop_entry_script(tmp_path):
    folder = tmp_path / "my apps" / "backprop-lab"
    folder.mkdir(parents=True)
    for src, dst in ((PACKAGING / "backprop-lab.desktop", "backprop-lab.desktop"),
                     (ICONS / "backprop-lab-256.png", "backprop-lab.png"),
                     (PACKAGING / "linux" / "install-desktop-entry.sh",
                      "install-desktop-entry.sh")):
        shutil.copy2(src, folder / dst)
    data = tmp_path / "share"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_DATA_HOME": str(data)}
    subprocess.run(["sh", str(folder / "install-desktop-entry.sh")], env=env, check=True,
                   capture_output=True)
    installed = (data / "applications" / "backprop-lab.desktop").read_text(encoding="utf-8")
    assert f'Exec="{folder}/backprop-lab" %f' in installed.splitlines()
    assert "TryExec" not in installed
    assert (data / "icons" / "hicolor" / "256x256" / "apps" / "backprop-lab.png").is_file()
    subprocess.run(["sh", str(folder / "install-desktop-entry.sh"), "--uninstall"], env=env,
                   check=True, capture_output=True)
    assert not (data / "applications" / "backprop-lab.desktop").exists()


def test_build_script_version_and_size_report(tmp_path):
    build = _load("bpl_build", PACKAGING / "build.py")
    assert build.version() == simulator.__version__
    (tmp_path / "_internal" / "big").mkdir(parents=True)
    (tmp_path / "_internal" / "big" / "a.so").write_bytes(b"x" * 3_000_000)
    (tmp_path / "app").write_bytes(b"x" * 1_000_000)
    report = build.size_report(tmp_path, top=2)
    assert "4.0 MB" in report.splitlines()[0]
    assert "3.00 MB  _internal/big/a.so" in report
    assert "3.00 MB  _internal/big" in report


def test_build_script_help_runs():
    result = subprocess.run([sys.executable, str(PACKAGING / "build.py"), "--help"],
                            capture_output=True, text=True, check=True, timeout=60)
    for option in ("--skip-archive", "--dist", "--work"):
        assert option in result.stdout


def test_spec_bundles_both_pyopengl_linux_platforms_and_the_resources():
    spec = (PACKAGING / "backprop-lab.spec").read_text(encoding="utf-8")
    assert re.search(r'"OpenGL\.platform\.glx",\s*"OpenGL\.platform\.egl"', spec)
    assert '(str(ROOT / "resources"), "resources")' in spec
    assert "translations/" in spec


def test_inno_setup_script_is_per_user_with_shortcut_and_icon():
    iss = (PACKAGING / "backprop-lab.iss").read_text(encoding="utf-8")
    assert "PrivilegesRequired=lowest" in iss
    assert "OutputBaseFilename=backprop-lab-{#AppVersion}-setup" in iss
    assert "SetupIconFile={#RepoRoot}\\resources\\icons\\backprop-lab.ico" in iss
    assert re.search(r'^Name: "\{autoprograms\}\\\{#AppName\}"', iss, re.M)
    assert "UninstallDisplayIcon=" in iss
