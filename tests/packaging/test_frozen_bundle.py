"""Build the Linux bundle with PyInstaller and run the frozen app (slow: a minute or two
per Python).

The bundle is built with two Pythons: the one running the tests (the newest one
scripts/_venv.sh finds) and the oldest one pyproject.toml supports (3.11, in a virtual
environment of its own, ``.venv-oldest``, see _pythons.py), because a build that works
with one can die at start with the other (NumPy 2.4, the newest for 3.11, ships an OpenBLAS
that ``strip`` corrupts). Without a Python 3.11 on the machine the second build is skipped
(and says so); ``-k "not oldest"`` leaves it out of a quick run by hand. In CI (``.ci/run``
-> ``scripts/test.sh``) both are built: about 3 minutes more than one (the 3.11 environment
about 50 s with a warm pip cache, its build about 2 minutes). Each is built once per
session into a temporary folder (never the repository's build/ or dist/, which a
developer's own build may be using), with PyInstaller's cache in a temporary folder too
(``--clean`` empties the cache it is given).
Then, for each:

* its contents: resources, the desktop entry, PyOpenGL's glx *and* egl platform modules,
  and none of what the spec leaves out (other Qt bindings, tkinter, Qt translations);
* every library in it loads (``ld.so --verify``), and libpython was stripped;
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
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from . import _pythons

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


@dataclass(frozen=True)
class Bundle:
    """A built bundle and the Python it was built with."""

    folder: Path
    python: str
    build_log: str

    def __truediv__(self, name: str) -> Path:
        return self.folder / name


def _build_python(which: str) -> str:
    if which == "current":
        return sys.executable
    if sys.version_info[:2] == _pythons.OLDEST:
        pytest.skip("the Python running the tests is the oldest supported one already")
    oldest = _pythons.find_python()
    if oldest is None:
        pytest.skip(f"no Python {_pythons.OLDEST[0]}.{_pythons.OLDEST[1]} on this machine "
                    "(install it to build the bundle with the oldest supported Python)")
    started = time.monotonic()
    venv_python = str(_pythons.ensure_venv(oldest))
    print(f"\n[{which}] environment ready in {time.monotonic() - started:.0f} s")
    return venv_python


@pytest.fixture(scope="module", params=["current", "oldest"])
def bundle(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """The built one-folder bundle: <tmp>/dist/backprop-lab, for the Python of the test run
    ("current") and for the oldest supported Python ("oldest")."""
    python = _build_python(request.param)
    tmp = tmp_path_factory.mktemp(f"frozen-{request.param}")
    env = dict(os.environ)
    env["PYINSTALLER_CONFIG_DIR"] = str(tmp / "pyinstaller-cache")
    started = time.monotonic()
    result = subprocess.run(
        [python, str(REPO_ROOT / "packaging" / "build.py"), "--skip-archive",
         "--dist", str(tmp / "dist"), "--work", str(tmp / "work")],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, (
        f"packaging/build.py failed ({result.returncode}):\n"
        f"{_tail(result.stdout)}\n{_tail(result.stderr)}")
    folder = tmp / "dist" / NAME
    assert (folder / NAME).is_file(), result.stdout
    print(f"\n[{request.param}] built in {time.monotonic() - started:.0f} s with {python}")
    print(_tail(result.stdout, 40))  # the size report, shown with -s or on failure
    return Bundle(folder, python, result.stdout)


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


def test_bundle_contents(bundle: Bundle) -> None:
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

    paths = list(bundle.folder.rglob("*"))
    files = [p.relative_to(bundle.folder).as_posix() for p in paths]
    assert not [f for f in files if "/translations/" in f], "Qt translations were bundled"
    assert not [f for f in files if "libqgtk3" in f or "/tkinter/" in f or "_tkinter" in f]
    broken = [p.relative_to(bundle.folder).as_posix() for p in paths
              if p.is_symlink() and not p.exists()]
    assert not broken, f"dangling symbolic links: {broken}"


def test_every_library_loads_and_libpython_is_stripped(bundle: Bundle) -> None:
    """The libraries of the bundle map as the dynamic loader maps them at start (a stripped
    OpenBLAS of NumPy 2.4 did not: "ELF load command address/offset not page-aligned")."""
    build = _build_module()
    loader = build.dynamic_loader()
    if loader is None:
        pytest.skip("no dynamic loader (ld.so) found")
    libraries = build.elf_files(bundle.folder, {bundle / NAME})
    assert len(libraries) > 50
    refused = {p.name: why for p in libraries
               if (why := build.loads_cleanly(p, loader)) is not None}
    assert not refused, refused
    assert "stripped" in bundle.build_log and "libraries" in bundle.build_log
    libpython = next(p for p in libraries if p.name.startswith("libpython"))
    assert build.elf_has_section(libpython.read_bytes(), ".symtab") is False


def _build_module():  # packaging/build.py, imported by path
    spec = importlib.util.spec_from_file_location("build", REPO_ROOT / "packaging" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_size_is_under_200_mb(bundle: Bundle) -> None:
    total = sum(p.stat().st_size for p in bundle.folder.rglob("*")
                if p.is_file() and not p.is_symlink())
    assert total < 200e6, f"the bundle is {total / 1e6:.1f} MB"


def test_frozen_command_line_uses_the_bundled_example(bundle: Bundle, tmp_path: Path) -> None:
    example = bundle / "_internal" / "resources" / "examples" / "reference.json"
    frozen = _run([str(bundle / NAME), "explain", str(example)], _app_env(tmp_path))
    assert frozen.returncode == 0, frozen.stderr
    source = subprocess.run([bundle.python, "-m", "simulator", "explain",
                             str(REPO_ROOT / "resources" / "examples" / "reference.json")],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
                            check=True)
    assert frozen.stdout == source.stdout


def _self_test(bundle: Bundle, tmp_path: Path, prefix: list[str], **env: str) -> str:
    result = _run(prefix + [str(bundle / NAME), "--self-test"], _app_env(tmp_path, **env))
    out = result.stdout
    assert result.returncode == 0 and "self-test: OK" in out, (
        f"exit status {result.returncode}\n--- stdout\n{out}\n--- stderr\n"
        f"{_tail(result.stderr)}")
    return out


def test_frozen_self_test_x11_glx(bundle: Bundle, tmp_path: Path) -> None:
    prefix = _x11_prefix()
    if prefix is None:
        pytest.skip("no DISPLAY and no xvfb-run")
    out = _self_test(bundle, tmp_path, prefix, QT_QPA_PLATFORM="xcb")
    assert "PyOpenGL platform GLXPlatform" in out


def test_frozen_self_test_egl(bundle: Bundle, tmp_path: Path) -> None:
    """PyOpenGL on EGL, as in a Wayland session (the stock hook leaves egl out)."""
    prefix = _x11_prefix()
    if prefix is None:
        pytest.skip("no DISPLAY and no xvfb-run")
    out = _self_test(bundle, tmp_path, prefix, QT_QPA_PLATFORM="xcb",
                     QT_XCB_GL_INTEGRATION="xcb_egl", PYOPENGL_PLATFORM="egl")
    assert "PyOpenGL platform EGLPlatform" in out


def test_frozen_self_test_without_opengl(bundle: Bundle, tmp_path: Path) -> None:
    out = _self_test(bundle, tmp_path, [], QT_QPA_PLATFORM="offscreen")
    assert "2-D fallback" in out
