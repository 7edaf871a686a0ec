"""Build the Linux bundle with PyInstaller and run the frozen app (slow: about a minute).

The bundle is built once per session into a temporary folder (never the repository's
build/ or dist/, which a developer's own build may be using), with PyInstaller's cache in
a temporary folder too (``--clean`` empties the cache it is given). Then:

* its contents: resources, the desktop entry, PyOpenGL's glx *and* egl platform modules,
  and none of what the spec leaves out (other Qt bindings, tkinter, Qt translations);
* ``backprop-lab explain <bundled reference.json>`` prints what the source tree prints;
* ``backprop-lab --self-test`` exits 0 with "self-test: OK" under X11 (Xvfb or the
  current DISPLAY) with PyOpenGL on GLX and on EGL (what a Wayland session uses), and
  on the offscreen platform (no OpenGL: the 2-D fallback).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
NAME = "backprop-lab"
BUILD_TIMEOUT = 1200
RUN_TIMEOUT = 240

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"),
                       reason="builds and runs the Linux bundle (CI smoke-tests the others)"),
    pytest.mark.skipif(importlib.util.find_spec("PyInstaller") is None,
                       reason="PyInstaller is not installed (pip install -e '.[package]')"),
]


def _tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built one-folder bundle: <tmp>/dist/backprop-lab."""
    tmp = tmp_path_factory.mktemp("frozen")
    env = dict(os.environ)
    env["PYINSTALLER_CONFIG_DIR"] = str(tmp / "pyinstaller-cache")
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "packaging" / "build.py"), "--skip-archive",
         "--dist", str(tmp / "dist"), "--work", str(tmp / "work")],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, (
        f"packaging/build.py failed ({result.returncode}):\n"
        f"{_tail(result.stdout)}\n{_tail(result.stderr)}")
    folder = tmp / "dist" / NAME
    assert (folder / NAME).is_file(), result.stdout
    print(_tail(result.stdout, 40))  # the size report, shown with -s or on failure
    return folder


def _app_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The environment for the frozen app: no user config, no inherited Qt/GL choices."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("QT_", "PYOPENGL_", "BACKPROP_LAB_"))
           and k not in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "PYTHONPATH")}
    for key in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        path = tmp / key.lower()
        path.mkdir(exist_ok=True)
        env[key] = str(path)
    env.update(extra)
    return env


def _run(cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(cmd, env=env, capture_output=True, text=True,
                              timeout=RUN_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{cmd} did not finish within {RUN_TIMEOUT} s:\n{exc.stdout}\n{exc.stderr}")


def _x11_prefix() -> list[str] | None:
    """How to reach an X server: the current DISPLAY, else xvfb-run; None if neither."""
    if os.environ.get("DISPLAY"):
        return []
    if shutil.which("xvfb-run"):
        return ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24"]
    return None


def _pyz_modules(exe: Path) -> set[str]:
    from PyInstaller.archive.readers import CArchiveReader

    pkg = CArchiveReader(str(exe))
    return set(pkg.open_embedded_archive("PYZ.pyz").toc)


def test_bundle_contents(bundle: Path) -> None:
    internal = bundle / "_internal"
    assert (internal / "resources" / "examples" / "reference.json").is_file()
    assert (internal / "resources" / "icons" / f"{NAME}.svg").is_file()
    assert (internal / "resources" / "icons" / f"{NAME}-256.png").is_file()
    for extra in (f"{NAME}.desktop", f"{NAME}.png", "install-desktop-entry.sh"):
        assert (bundle / extra).is_file(), extra
    assert os.access(bundle / "install-desktop-entry.sh", os.X_OK)

    modules = _pyz_modules(bundle / NAME)
    assert {"OpenGL.platform.glx", "OpenGL.platform.egl"} <= modules
    assert {"simulator.app.self_test", "simulator.app.main_window"} <= modules
    unwanted = {m for m in modules
                if m.split(".")[0] in ("tkinter", "PyQt5", "PyQt6", "PySide2", "matplotlib",
                                       "IPython", "pytest", "hypothesis", "PyInstaller")}
    assert not unwanted, sorted(unwanted)

    paths = list(bundle.rglob("*"))
    files = [p.relative_to(bundle).as_posix() for p in paths]
    assert not [f for f in files if "/translations/" in f], "Qt translations were bundled"
    assert not [f for f in files if "libqgtk3" in f or "/tkinter/" in f or "_tkinter" in f]
    broken = [p.relative_to(bundle).as_posix() for p in paths
              if p.is_symlink() and not p.exists()]
    assert not broken, f"dangling symbolic links: {broken}"


def test_size_is_under_200_mb(bundle: Path) -> None:
    total = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
    assert total < 200e6, f"the bundle is {total / 1e6:.1f} MB"


def test_frozen_command_line_uses_the_bundled_example(bundle: Path, tmp_path: Path) -> None:
    example = bundle / "_internal" / "resources" / "examples" / "reference.json"
    frozen = _run([str(bundle / NAME), "explain", str(example)], _app_env(tmp_path))
    assert frozen.returncode == 0, frozen.stderr
    source = subprocess.run([sys.executable, "-m", "simulator", "explain",
                             str(REPO_ROOT / "resources" / "examples" / "reference.json")],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
                            check=True)
    assert frozen.stdout == source.stdout


def _self_test(bundle: Path, tmp_path: Path, prefix: list[str], **env: str) -> str:
    result = _run(prefix + [str(bundle / NAME), "--self-test"], _app_env(tmp_path, **env))
    out = result.stdout
    assert result.returncode == 0 and "self-test: OK" in out, (
        f"exit status {result.returncode}\n--- stdout\n{out}\n--- stderr\n"
        f"{_tail(result.stderr)}")
    return out


def test_frozen_self_test_x11_glx(bundle: Path, tmp_path: Path) -> None:
    prefix = _x11_prefix()
    if prefix is None:
        pytest.skip("no DISPLAY and no xvfb-run")
    out = _self_test(bundle, tmp_path, prefix, QT_QPA_PLATFORM="xcb")
    assert "PyOpenGL platform GLXPlatform" in out


def test_frozen_self_test_egl(bundle: Path, tmp_path: Path) -> None:
    """PyOpenGL on EGL, as in a Wayland session (the stock hook leaves egl out)."""
    prefix = _x11_prefix()
    if prefix is None:
        pytest.skip("no DISPLAY and no xvfb-run")
    out = _self_test(bundle, tmp_path, prefix, QT_QPA_PLATFORM="xcb",
                     QT_XCB_GL_INTEGRATION="xcb_egl", PYOPENGL_PLATFORM="egl")
    assert "PyOpenGL platform EGLPlatform" in out


def test_frozen_self_test_without_opengl(bundle: Path, tmp_path: Path) -> None:
    out = _self_test(bundle, tmp_path, [], QT_QPA_PLATFORM="offscreen")
    assert "2-D fallback" in out
