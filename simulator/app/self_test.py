"""``backprop-lab --self-test``: prove that an installed (or frozen) app works, then exit.

It checks, in order, and stops at the first failure:

1. resources: the bundled reference example and icon are there and the engine loads
   the example;
2. Qt: a QApplication starts;
3. PyOpenGL: on Linux both platform modules (``OpenGL.platform.glx`` for X11 and
   ``OpenGL.platform.egl`` for Wayland) are importable, and the one this session
   selects loads (a bundle without ``egl`` dies under Wayland with "'NoneType' object
   is not callable"); whether Qt can make an OpenGL context is reported (not required:
   without one the app shows the 2-D contour fallback);
4. the main window: it opens on the reference example, runs one training iteration,
   renders the cost surface (3-D, or its 2-D fallback), and closes.

It prints ``self-test: <detail>`` lines and finally ``self-test: OK`` (exit status 0) or
``self-test: FAILED: <reason>`` (exit status 1). A watchdog ends a hung run with status 3
after ``$BACKPROP_LAB_SELF_TEST_TIMEOUT`` seconds (default 120). If
``$BACKPROP_LAB_SELF_TEST_LOG`` names a file, the lines are appended there too (a
windowed Windows executable has no stdout unless the caller redirects it).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

OK_LINE = "self-test: OK"
FAILED_PREFIX = "self-test: FAILED: "
TIMEOUT_ENV = "BACKPROP_LAB_SELF_TEST_TIMEOUT"
LOG_ENV = "BACKPROP_LAB_SELF_TEST_LOG"
EXIT_OK, EXIT_FAILED, EXIT_TIMEOUT = 0, 1, 3


class SelfTestError(Exception):
    """A check failed; the message is the reason printed after "FAILED: "."""


def _say(line: str) -> None:
    """Print one line to stdout (or stderr if there is no stdout) and to the log file."""
    stream = sys.stdout if sys.stdout is not None else sys.stderr
    if stream is not None:
        with contextlib.suppress(OSError, ValueError):
            print(line, file=stream, flush=True)
    log = os.environ.get(LOG_ENV)
    if log:
        with contextlib.suppress(OSError), open(log, "a", encoding="utf-8") as f:
            f.write(line + "\n")


def _start_watchdog() -> threading.Timer:
    try:
        seconds = float(os.environ.get(TIMEOUT_ENV, "120"))
    except ValueError:
        seconds = 120.0

    def expire() -> None:
        _say(f"{FAILED_PREFIX}timed out after {seconds:g} s")
        os._exit(EXIT_TIMEOUT)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    return timer


# --- 1. resources and engine ---------------------------------------------------------------

def _check_resources(example: Path | None) -> Path:
    from ..engine import document as doc_io
    from ..resources import example_path, icon_path, resources_dir

    path = example if example is not None else example_path("reference")
    if not path.is_file():
        raise SelfTestError(f"example not found: {path} (resources folder: {resources_dir()})")
    if not icon_path().is_file():
        raise SelfTestError(f"icon not found: {icon_path()}")
    try:
        doc = doc_io.load(path)
    except doc_io.DocumentError as exc:
        raise SelfTestError(f"cannot load {path}: {exc}") from None
    _say(f"self-test: example {path.name}: network {'-'.join(map(str, doc.network.sizes))}")
    return path


# --- 3. PyOpenGL platform modules -----------------------------------------------------------

def _check_pyopengl() -> None:
    import importlib
    import importlib.util

    # Choose PyOpenGL's platform for Qt's (glx for xcb, egl for wayland) as the app does,
    # before anything imports OpenGL: PyOpenGL fixes its choice at import.
    from .gl_platform import ensure_pyopengl_platform

    ensure_pyopengl_platform()

    try:
        if sys.platform.startswith("linux"):
            for name, session in (("OpenGL.platform.glx", "an X11"),
                                  ("OpenGL.platform.egl", "a Wayland")):
                if importlib.util.find_spec(name) is None:
                    raise SelfTestError(f"{name} is missing (the app dies at start in "
                                        f"{session} session)")
        platform = importlib.import_module("OpenGL.platform")
    except TypeError as exc:  # PlatformPlugin.load() returned None: module not bundled
        raise SelfTestError(f"PyOpenGL has no platform module for this session "
                            f"(XDG_SESSION_TYPE={os.environ.get('XDG_SESSION_TYPE', '')!r}, "
                            f"PYOPENGL_PLATFORM={os.environ.get('PYOPENGL_PLATFORM', '')!r}): "
                            f"{exc}") from None
    _say(f"self-test: PyOpenGL platform {type(platform.PLATFORM).__name__}")


# --- 2. Qt ----------------------------------------------------------------------------------

def _qt_app() -> Any:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "backprop-lab"])
    _say(f"self-test: Qt platform {QApplication.platformName()}")
    return app


def _report_gl() -> None:
    """Say whether Qt can make an OpenGL context (informational only)."""
    from PySide6.QtGui import QOffscreenSurface, QOpenGLContext

    ctx = QOpenGLContext()
    if not ctx.create():
        _say("self-test: no OpenGL context: the cost surface should use its 2-D fallback")
        return
    surface = QOffscreenSurface()
    surface.setFormat(ctx.format())
    surface.create()
    fmt = ctx.format()
    detail = f"OpenGL {fmt.majorVersion()}.{fmt.minorVersion()}"
    if ctx.makeCurrent(surface):
        renderer = _gl_string(ctx, 0x1F01)  # GL_RENDERER
        if renderer:
            detail += f" ({renderer})"
        ctx.doneCurrent()
    surface.destroy()
    _say(f"self-test: {detail}")


def _gl_string(ctx: Any, name: int) -> str:
    try:
        value = ctx.functions().glGetString(name)
    except Exception:
        return ""
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return str(value or "")


# --- 4. the main window ---------------------------------------------------------------------

def _settle(app: Any, seconds: float, until: Callable[[], bool] | None = None) -> bool:
    """Process events for ``seconds`` or until ``until()`` is true; returns ``until()``."""
    import time

    from PySide6.QtCore import QEventLoop

    end = time.monotonic() + seconds
    while True:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        done = until() if until is not None else False
        if done or time.monotonic() >= end:
            return done
        time.sleep(0.01)


def _exercise_main_window(app: Any, example: Path) -> None:
    try:
        from ..engine.numbers import format_number
        from .main_window import MainWindow
        from .model import LabModel
        from .surface import VIEW_3D, SurfaceView
    except ImportError as exc:
        raise SelfTestError(f"the main window is not available: {exc}") from None

    # ------------------------------------------------------------------------------------
    # TOUCHES THE MAIN WINDOW (simulator.app.main_window / simulator.app.surface API).
    # ------------------------------------------------------------------------------------
    window = MainWindow(LabModel(), persist=False)  # persist=False: no QSettings
    window.set_confirm_on_close(False)  # closing must not ask about unsaved changes
    try:
        window.show()
        _settle(app, 0.2)
        if not window.open_path(example, example=True):
            raise SelfTestError(f"the main window could not open {example}")
        before = window.model.stepper.completed_iterations
        window.finish_iteration()
        if window.model.stepper.completed_iterations != before + 1:
            raise SelfTestError("one training iteration did not complete")
        _say(f"self-test: one iteration done, loss {format_number(window.model.losses[-1], 10)}")

        window.show_view("surface")  # the surface view is made when its dock shows
        if not _settle(app, 10, lambda: "surface" in window.views):
            raise SelfTestError("the cost-surface dock did not create its view")
        view = window.views["surface"]
        if not isinstance(view, SurfaceView):
            raise SelfTestError("the cost-surface view is missing (a placeholder is shown)")
        if not _settle(app, 60, lambda: view.controller.drawn is not None
                       and not view.controller.busy and not view.redraw_pending):
            raise SelfTestError("the cost surface was not computed within 60 s")
        mode = "3-D" if view.view_mode == VIEW_3D else f"2-D fallback: {view.gl_reason}"
        image = window.grab().toImage()  # paints every child, the GL view included
        if image.isNull() or image.width() == 0:
            raise SelfTestError("the window rendered an empty image")
        _say(f"self-test: cost surface rendered ({mode}), window "
             f"{image.width()}x{image.height()}")
    finally:
        window.close()
        window.deleteLater()
        _settle(app, 0.05)
    # ------------------------------------------------------------------------------------


def run_self_test(example: str | os.PathLike[str] | None = None) -> int:
    """Run every check; print the outcome; return the exit status (0 = OK)."""
    watchdog = _start_watchdog()
    try:
        path = _check_resources(Path(example) if example is not None else None)
        app = _qt_app()
        _check_pyopengl()
        _report_gl()
        _exercise_main_window(app, path)
    except SelfTestError as exc:
        _say(FAILED_PREFIX + str(exc))
        return EXIT_FAILED
    except BaseException as exc:
        if sys.stderr is not None:
            import traceback

            traceback.print_exc()
        _say(f"{FAILED_PREFIX}{type(exc).__name__}: {exc}")
        return EXIT_FAILED
    finally:
        watchdog.cancel()
    _say(OK_LINE)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """``backprop-lab --self-test [FILE]``."""
    args = [a for a in (sys.argv[1:] if argv is None else argv) if a != "--self-test"]
    return run_self_test(args[0] if args else None)
