"""PyOpenGL's platform, chosen to match Qt's: the one place that decides it.

PyOpenGL picks its platform (GLX, EGL, ...) once, when ``OpenGL`` is first imported, and
under an X11 Qt it can pick EGL, after which the 3D view renders one flat colour without
any error; a bundle without the module for the session dies at start. So
:func:`ensure_pyopengl_platform` sets ``PYOPENGL_PLATFORM`` from Qt's platform plugin
(``glx`` under xcb, ``egl`` under Wayland) unless the user set it. The app's entry point
calls it first thing; the self-test, the surface view and the OpenGL tests call it again
before they import OpenGL (it is idempotent).

This module imports neither Qt nor OpenGL, so it can run before both.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

#: The PYOPENGL_PLATFORM for each Qt platform plugin that needs one.
_PYOPENGL_FOR_QT: dict[str, str] = {"xcb": "glx", "wayland": "egl", "wayland-egl": "egl",
                                    "eglfs": "egl", "linuxfb": "egl"}


def qt_platform(environ: MutableMapping[str, str] | None = None,
                platform: str | None = None) -> str | None:
    """The Qt platform plugin the app uses: that of the running QGuiApplication, else
    QT_QPA_PLATFORM, else on Linux the one Qt picks ("wayland" when WAYLAND_DISPLAY is set,
    else "xcb"); None on Windows/macOS when not set.

    With an explicit ``environ`` (a what-if question, as the tests ask) the running
    application is not consulted.
    """
    if environ is None:
        running = _running_platform()
        if running:
            return running
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        # "wayland;xcb" lists fallbacks; "xcb:option=..." carries options.
        return chosen.split(";")[0].split(":")[0].strip().lower() or None
    if plat.startswith("linux") or "bsd" in plat:
        return "wayland" if env.get("WAYLAND_DISPLAY") else "xcb"
    return None


def pyopengl_platform_for(qt_name: str | None) -> str | None:
    """The PYOPENGL_PLATFORM that matches a Qt platform plugin (None: let PyOpenGL choose)."""
    name = (qt_name or "").lower()
    if name.startswith("wayland"):
        return "egl"
    return _PYOPENGL_FOR_QT.get(name)


def ensure_pyopengl_platform(environ: MutableMapping[str, str] | None = None,
                             platform: str | None = None) -> str | None:
    """Set PYOPENGL_PLATFORM to match Qt's platform unless it is set already or this is
    Windows/macOS; returns the value in effect (None: PyOpenGL chooses).

    Idempotent. Call it before anything imports ``OpenGL``: once PyOpenGL is imported its
    platform is fixed, and then this only reports the value. ``environ`` and ``platform``
    stand in for ``os.environ`` and ``sys.platform`` (tests).
    """
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    current = env.get("PYOPENGL_PLATFORM")
    if current:
        return current
    if plat.startswith("win") or plat == "darwin":
        return None
    if environ is None and "OpenGL.platform" in sys.modules:
        return None  # too late to choose: PyOpenGL picked its platform at import
    value = pyopengl_platform_for(qt_platform(environ, plat))
    if value is not None:
        env["PYOPENGL_PLATFORM"] = value
    return value


def _running_platform() -> str:
    """The running QGuiApplication's platform name ("" when there is none). Qt is only
    asked when something has imported it already: this module never imports Qt itself."""
    gui = sys.modules.get("PySide6.QtGui")
    if gui is None:
        return ""
    app = gui.QGuiApplication.instance()
    if app is None:
        return ""
    return str(gui.QGuiApplication.platformName()).lower()


__all__ = ["ensure_pyopengl_platform", "pyopengl_platform_for", "qt_platform"]
