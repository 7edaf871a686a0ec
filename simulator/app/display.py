"""Is there a display to open the window on? Asked before Qt is started.

Without one, Qt's xcb plugin prints a misleading hint about libxcb-cursor0 and aborts the
process (a core dump, exit status 134). :func:`display_problem` finds that case first so
that the app can say so in one line and exit with status 2. It imports nothing from Qt.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Mapping

#: Platform plugins that need no display server.
HEADLESS_PLATFORMS = frozenset({"offscreen", "minimal", "vnc", "eglfs", "linuxfb",
                                "vkkhrdisplay"})
#: How long to try reaching a display server before calling it unreachable.
CONNECT_TIMEOUT_S = 2.0

HOW_TO = ("run it under Xvfb (xvfb-run -a backprop-lab ...), or save a picture without a "
          "display: QT_QPA_PLATFORM=offscreen backprop-lab --screenshot out.png")


def _connects(family: int, address: str | bytes | tuple[str, int]) -> bool:
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(CONNECT_TIMEOUT_S)
            sock.connect(address)
        return True
    except OSError:
        return False


def x11_reachable(display: str) -> bool:
    """Whether an X server answers at ``display`` (":0", "unix:1", "host:10.0",
    "/tmp/launch-x/org.xquartz:0")."""
    if not display:
        return False
    host, sep, rest = display.rpartition(":")
    if not sep:
        return False
    number = rest.split(".", 1)[0]
    if not number.isdigit():
        return False
    if host.startswith("/"):  # a socket path (XQuartz)
        return _connects(socket.AF_UNIX, display)
    if host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{number}"
        if hasattr(socket, "AF_UNIX"):
            # Linux X servers also listen on an abstract socket of the same name.
            if sys.platform.startswith("linux") and _connects(socket.AF_UNIX, "\0" + path):
                return True
            if _connects(socket.AF_UNIX, path):
                return True
        if host == "unix":
            return False
        host = "localhost"
    return _connects(socket.AF_INET, (host, 6000 + int(number)))


def wayland_reachable(environ: Mapping[str, str]) -> bool:
    """Whether a Wayland compositor answers at $WAYLAND_DISPLAY."""
    name = environ.get("WAYLAND_DISPLAY", "")
    if not name or not hasattr(socket, "AF_UNIX"):
        return False
    path = name if name.startswith("/") else os.path.join(environ.get("XDG_RUNTIME_DIR", ""),
                                                          name)
    return _connects(socket.AF_UNIX, path)


def display_problem(platform: str | None, environ: Mapping[str, str] | None = None,
                    system: str | None = None) -> str | None:
    """One line saying there is no display for Qt's ``platform`` plugin (as
    :func:`simulator.app.main.qt_platform` names it) and how to run without one, or None
    if there is one (or this is Windows/macOS, or a headless platform was chosen)."""
    env = os.environ if environ is None else environ
    plat = sys.platform if system is None else system
    if not (plat.startswith("linux") or "bsd" in plat):
        return None
    if platform in HEADLESS_PLATFORMS:
        return None
    display = env.get("DISPLAY", "")
    if platform and platform.startswith("wayland"):
        if wayland_reachable(env) or (not env.get("QT_QPA_PLATFORM") and
                                      x11_reachable(display)):
            return None
        what = (f"no Wayland compositor answers at WAYLAND_DISPLAY="
                f"{env.get('WAYLAND_DISPLAY', '')!r}")
    else:
        if x11_reachable(display):
            return None
        what = ("DISPLAY is not set" if not display else
                f"no X server answers at DISPLAY={display!r}")
    return f"backprop-lab: no display to open the window on ({what}); {HOW_TO}"


def refuse_without_display(platform: str | None) -> bool:
    """Print the :func:`display_problem` line on stderr if there is one; True if so (the
    caller then exits with status 2)."""
    problem = display_problem(platform)
    if problem is not None:
        print(problem, file=sys.stderr)
    return problem is not None


__all__ = ["HEADLESS_PLATFORMS", "HOW_TO", "display_problem", "refuse_without_display",
           "wayland_reachable", "x11_reachable"]
