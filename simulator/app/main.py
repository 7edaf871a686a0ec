"""Start the desktop app: ``python -m simulator [FILE] [--screenshot OUT.png] [--size WxH]
[--presenter] [--dark] [--train N] [--steps N] [--lesson ID [--lesson-step N]]
[--self-test]``.

- ``FILE``: a network to open (default: the reference example, ready to step).
- ``--screenshot OUT.png``: open the window at ``--size`` (default 1600x1000), run
  ``--train`` whole iterations, take ``--steps`` sub-steps, save a picture of what is on
  screen and exit. The picture includes the OpenGL views (their framebuffers are painted
  over the window's picture: ``QWidget.grab`` alone leaves out what the 3D view paints with
  QPainter, its axis labels). Works with QT_QPA_PLATFORM=offscreen (the cost surface then
  shows its contour fallback) and under Xvfb.
- ``--size WxH``: the window's size (also without ``--screenshot``).
- ``--presenter``: start in presenter mode (full screen; with ``--screenshot`` at a
  ``--size`` other than the screen's, the window keeps that size).
- ``--lesson ID``: open a lesson (a shipped lesson's id, such as ``mechanics``, or a lesson
  file) at ``--lesson-step N`` (1 for the first step; by default where it was left). With
  ``--screenshot`` the picture is taken once the step stands where it should (a step with
  a question shows it waiting for the prediction).
- ``--self-test``: run the installed app's self-test and exit with its status.
- ``--dark``: start with the dark theme.
- ``--show VIEW``: bring a view to the front of its tabs (``loss``, ``boundary``,
  ``health``...; may be repeated).

Bad arguments print one line on stderr and exit with status 2. Unexpected exceptions are
logged and shown in a dialog rather than printed at the user. The window's document is
autosaved while it has unsaved changes, and a start after a crash offers to restore it
(:mod:`simulator.app.autosave`, :mod:`simulator.app.recovery`).
"""

from __future__ import annotations

import argparse
import functools
import gc
import logging
import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NoReturn

from .gl_platform import ensure_pyopengl_platform, qt_platform

if TYPE_CHECKING:
    from PySide6.QtGui import QPixmap
    from PySide6.QtWidgets import QWidget

SCREENSHOT_SIZE = (1600, 1000)
LOG_NAME = "backprop-lab.log"

log = logging.getLogger("backprop_lab")


class UsageError(Exception):
    """Bad command-line input: one line on stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: '{text}'") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


#: The largest window side --size accepts.
MAX_SIDE = 10000


def _size(text: str) -> tuple[int, int]:
    parts = text.lower().replace("\u00d7", "x").split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise argparse.ArgumentTypeError(f"not a size like 1024x768: '{text}'")
    width, height = (int(p) for p in parts)
    if not (320 <= width <= MAX_SIDE and 240 <= height <= MAX_SIDE):
        raise argparse.ArgumentTypeError(f"the size must be from 320x240 to "
                                         f"{MAX_SIDE}x{MAX_SIDE}, not {width}x{height}")
    return width, height


def _positive(text: str) -> int:
    value = _non_negative(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: '{text}'")
    return value


def make_parser() -> argparse.ArgumentParser:
    """The app's argument parser."""
    parser = _Parser(prog="backprop-lab",
                     description="Step through one training iteration of a small neural "
                                 "network, one partial derivative at a time.")
    parser.add_argument("file", nargs="?", metavar="FILE",
                        help="a Backprop Lab network (.json) to open")
    parser.add_argument("--screenshot", metavar="OUT.png",
                        help="save a picture of the window to OUT.png and exit")
    parser.add_argument("--train", type=_non_negative, default=0, metavar="N",
                        help="first run N whole training iterations")
    parser.add_argument("--steps", type=_non_negative, default=0, metavar="N",
                        help="take N sub-steps (after --train) before the screenshot")
    parser.add_argument("--size", type=_size, metavar="WxH",
                        help="the window's size, e.g. 1024x768 (--screenshot: 1600x1000 "
                             "unless given)")
    parser.add_argument("--presenter", action="store_true",
                        help="start in presenter mode (full screen, large type)")
    parser.add_argument("--self-test", action="store_true",
                        help="check the installation and exit")
    parser.add_argument("--dark", action="store_true", help="use the dark theme")
    parser.add_argument("--show", action="append", default=[], metavar="VIEW",
                        help="bring a view to the front (its tab), e.g. loss, boundary, "
                             "health, surface, inspector, data; may be repeated")
    parser.add_argument("--lesson", metavar="ID",
                        help="open a lesson: its id (e.g. mechanics) or a lesson file")
    parser.add_argument("--lesson-step", type=_positive, metavar="N",
                        help="the lesson's step to open (1 is the first)")
    return parser


# --- errors --------------------------------------------------------------------------------

def log_path() -> Path:
    """Where unexpected errors are logged."""
    from PySide6.QtCore import QStandardPaths

    folder = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppLocalDataLocation)
    return Path(folder or Path.home()) / LOG_NAME


def _setup_logging() -> None:
    if log.handlers:
        return
    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


_showing_error = False


def excepthook(exc_type: type[BaseException], exc: BaseException,
               tb: TracebackType | None) -> None:
    """Log an unexpected exception and show it in a dialog (never a bare traceback)."""
    global _showing_error
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    details = "".join(traceback.format_exception(exc_type, exc, tb))
    log.error("Unexpected error:\n%s", details)
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance()
    if not isinstance(app, QApplication) or _showing_error or \
            os.environ.get("QT_QPA_PLATFORM", "") == "offscreen":
        print(f"backprop-lab: unexpected error: {exc_type.__name__}: {exc} "
              f"(details in {log_path()})", file=sys.stderr)
        return
    _showing_error = True
    try:
        box = QMessageBox(QMessageBox.Icon.Critical, "Unexpected error",
                          "Something went wrong inside Backprop Lab. Your network is still "
                          "open; saving it under a new name is a good idea.\n\n"
                          f"{exc_type.__name__}: {exc}", QMessageBox.StandardButton.Ok,
                          app.activeWindow())
        box.setDetailedText(f"{details}\nThis was also written to {log_path()}.")
        box.exec()
    finally:
        _showing_error = False


def install_excepthook() -> None:
    """Route unexpected exceptions to :func:`excepthook`."""
    _setup_logging()
    sys.excepthook = excepthook


# --- main ----------------------------------------------------------------------------------

def freeze_startup_objects() -> None:
    """Put the objects made at start-up (modules, Qt wrappers, the window and its items)
    out of the garbage collector's reach.

    Every so often Python's collector walks every object it tracks: with the ~75,000 of
    a started app that takes ~30 ms, a visible stall in the middle of a training run.
    These objects live as long as the app; what is made later is collected as usual.
    """
    gc.collect()
    gc.freeze()


#: Python's thread switch interval in the app (the default is 5 ms). A worker thread (the
#: cost-surface grid, autosave, the function lab's derivatives) holds the GIL up to this
#: long before the GUI thread gets it back, and the window's Python handlers wait for it
#: several times a frame: at 5 ms the slowest events of a Fast run took 50 to 71 ms in
#: benchmarks/bench_app.py, at 1 ms 36 to 46 ms.
SWITCH_INTERVAL_S = 0.001


def share_the_gil() -> None:
    """Let the GUI thread take the GIL back from a worker thread sooner (see
    :data:`SWITCH_INTERVAL_S`)."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)


def _settle(app: object, seconds: float) -> None:
    """Let the event loop lay out and paint for a little while."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    assert isinstance(app, QApplication)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.01)


def screenshot_size(app: Any) -> tuple[int, int]:
    """The screenshot's window size: :data:`SCREENSHOT_SIZE`, or the screen when it is
    smaller (``xvfb-run -s "-screen 0 1024x768x24"`` pictures a projector's 1024x768); the
    offscreen platform's screen is a stand-in, not a limit."""
    width, height = SCREENSHOT_SIZE
    screen = app.primaryScreen()
    if screen is None or app.platformName() == "offscreen":
        return width, height
    size = screen.size()
    return min(width, size.width()), min(height, size.height())


def grab_window(window: QWidget) -> QPixmap:
    """A picture of ``window`` as it is on screen, OpenGL views included: the window's own
    picture, with the frame of each visible OpenGL view painted over its place (an OpenGL
    widget's framebuffer, or the picture of a view drawn in a window of its own, which
    offers ``grab_gl_frame()`` and shows it in its ``container``)."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtOpenGLWidgets import QOpenGLWidget
    from PySide6.QtWidgets import QWidget as Widget

    picture = window.grab()
    painter = QPainter(picture)
    frames: list[tuple[Widget, QImage]] = []
    for gl in window.findChildren(QOpenGLWidget):
        if gl.isVisible() and gl.width() > 0 and gl.height() > 0:
            frames.append((gl, gl.grabFramebuffer()))
    for view in window.findChildren(Widget):
        grab = getattr(view, "grab_gl_frame", None)
        place = getattr(view, "container", None)
        if callable(grab) and isinstance(place, Widget) and place.isVisible() \
                and place.width() > 0 and place.height() > 0:
            frames.append((place, grab()))
    for place, frame in frames:
        if frame.isNull():
            continue
        frame.setDevicePixelRatio(picture.devicePixelRatio())
        painter.drawImage(place.mapTo(window, QPoint(0, 0)), frame)
    painter.end()
    return picture


def _wait_for_surface(app: object, window: object, seconds: float) -> None:
    """Until the cost surface (if it is shown) has drawn its grid, or ``seconds`` pass."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    assert isinstance(app, QApplication)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        view = getattr(window, "views", {}).get("surface")
        controller = getattr(view, "controller", None)
        if view is None or not view.isVisible() or controller is None or (
                controller.drawn is not None and not controller.busy
                and not view.redraw_pending):
            return
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.01)


def _wait_for_lesson(app: object, window: object, seconds: float) -> None:
    """Until the lesson's step stands where it should (its run done, the function lab's
    background work and redraws done), or ``seconds`` pass."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    assert isinstance(app, QApplication)
    end = time.monotonic() + seconds
    player = getattr(window, "lessons", None)
    while time.monotonic() < end and player is not None and not player.idle():
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.01)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the app; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args = make_parser().parse_args(args_list)
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if args.screenshot and not args.screenshot.lower().endswith(".png"):
        print("backprop-lab: --screenshot: the picture must be a .png file", file=sys.stderr)
        return 2

    lesson = None
    if args.lesson_step is not None and not args.lesson:
        print("backprop-lab: --lesson-step needs --lesson", file=sys.stderr)
        return 2
    if args.lesson:
        from ..engine.lesson import LessonError
        from .lessons.catalog import find_lesson

        try:
            lesson = find_lesson(args.lesson)
        except LessonError as exc:
            print(f"backprop-lab: --lesson: {exc}", file=sys.stderr)
            return 2
        if args.lesson_step is not None and args.lesson_step > len(lesson.steps):
            print(f"backprop-lab: --lesson-step: the lesson has {len(lesson.steps)} steps",
                  file=sys.stderr)
            return 2
    lesson_step = args.lesson_step - 1 if args.lesson_step is not None else None

    ensure_pyopengl_platform()
    from .display import refuse_without_display  # before Qt: without a display it aborts
    if refuse_without_display(qt_platform()):
        return 2

    if args.self_test:
        try:
            from . import self_test
        except ImportError:
            print("backprop-lab: the self-test is not available in this build",
                  file=sys.stderr)
            return 1
        return int(self_test.run_self_test() or 0)

    from PySide6.QtCore import QCoreApplication, Qt, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ..engine.document import DocumentError

    app = QApplication.instance()
    if app is None:
        # pyqtgraph keeps its compiled shader programs globally, so every GL view must share
        # one context group (pyqtgraph issue 3455): re-docking the 3D view makes a new one.
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
        app = QApplication([sys.argv[0] if sys.argv else "backprop-lab"])
        app.setStyle("Fusion")
    assert isinstance(app, QApplication)
    app.setOrganizationName("Backprop Lab")
    app.setApplicationName("Backprop Lab")
    app.setApplicationDisplayName("Backprop Lab")
    from .. import __version__

    app.setApplicationVersion(__version__)
    app.setDesktopFileName("backprop-lab")
    from .main_window import MainWindow, window_icon

    icon = window_icon()
    if not icon.isNull():
        app.setWindowIcon(icon)

    screenshot = args.screenshot
    if not screenshot:
        install_excepthook()
    from .model import LabModel

    try:
        model = LabModel()  # the reference example
    except DocumentError as exc:  # the bundled example is missing or broken
        print(f"backprop-lab: {exc}", file=sys.stderr)
        return 2
    error = ""
    path: Path | None = None
    if args.file:
        try:
            model.load(Path(args.file).resolve())
            path = model.path
        except DocumentError as exc:
            error = str(exc)
            if screenshot:
                print(f"backprop-lab: {error}", file=sys.stderr)
                return 2
    window = MainWindow(model, persist=not screenshot)
    unknown = [key for key in args.show if key not in window.docks]
    if unknown:
        print(f"backprop-lab: --show: no view '{unknown[0]}' (views: "
              f"{', '.join(window.docks)})", file=sys.stderr)
        dispose(window)
        return 2
    if args.dark:
        window.set_dark(True)
    elif screenshot:
        window.set_dark(False)

    if screenshot:
        window.set_confirm_on_close(False)
        size = args.size or screenshot_size(app)
        window.resize(*size)
        window.show()
        _settle(app, 0.3)
        if args.presenter:
            screen = window.screen().geometry()
            window.presenter.full_screen = (screen.width(), screen.height()) == tuple(size)
            window.toggle_presenter()
            _settle(app, 0.3)
        if args.train:
            model.run_iterations(args.train)
        for _ in range(args.steps):
            if not model.step():
                break
        if lesson is not None:
            window.lessons.open_lesson(lesson, lesson_step if lesson_step is not None else 0)
            _wait_for_lesson(app, window, 120.0)
        _settle(app, 0.1)  # a tab is brought to the front once the tab bars are laid out
        for key in args.show:
            window.show_view(key)
        _settle(app, 0.4)
        _wait_for_surface(app, window, 30.0)
        _settle(app, 0.3)
        picture = grab_window(window)
        out = Path(screenshot)
        ok = not picture.isNull() and picture.save(str(out), "PNG")
        window.close()
        dispose(window)
        if not ok:
            print(f"backprop-lab: cannot write the screenshot to {out}", file=sys.stderr)
            return 1
        return 0

    if args.size:
        window.resize(*args.size)
        window.show()
    elif window.width() >= window.default_size()[0] and window.screen() is not None and \
            window.width() >= window.screen().availableGeometry().width():
        window.showMaximized()  # a small screen (a 1024x768 projector): all of it
    else:
        window.show()
    if args.presenter:
        window.toggle_presenter()
    if lesson is not None:
        window.lessons.open_lesson(lesson, lesson_step)
    from .recovery import offer_recovery, start_autosave

    autosaver = start_autosave(window, offer=False)  # autosave from now on
    start_page = lesson is None and not args.file and window.lessons.start_page_at_start

    def at_start() -> None:
        # What a crash left is offered first; the start page only when nothing was
        # restored (two window-modal dialogs at once would fight for the keys)
        restored = autosaver is not None and offer_recovery(window, autosaver)
        if start_page and not restored:
            window.lessons.show_start_page()

    QTimer.singleShot(0, at_start)
    share_the_gil()
    freeze_startup_objects()
    if path is not None:
        window.settings.add_recent(str(path))
    if args.train:
        model.run_iterations(args.train)
    for _ in range(args.steps):
        if not model.step():
            break
    for key in args.show:  # once the window is laid out (see the screenshot's)
        QTimer.singleShot(0, functools.partial(window.show_view, key))
    if error:
        QMessageBox.critical(window, "Cannot open the file",
                             f"Backprop Lab cannot open this file:\n\n{error}\n\n"
                             "The reference example is open instead.")
    status = int(app.exec())
    dispose(window)
    return status


def dispose(window: QWidget) -> None:
    """Delete ``window`` now, while the application still exists: left to Python's
    clean-up at exit, it could go after the QApplication, and the 3D view's OpenGL window
    cannot be torn down then (a crash on the way out)."""
    import shiboken6

    if shiboken6.isValid(window):
        shiboken6.delete(window)


if __name__ == "__main__":
    sys.exit(main())
