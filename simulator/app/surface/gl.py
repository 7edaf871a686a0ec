"""OpenGL availability for the 3D surface view, and PyOpenGL's platform choice.

Two functions, both safe to call many times:

- :func:`ensure_pyopengl_platform` (from :mod:`simulator.app.gl_platform`, re-exported
  here) sets ``PYOPENGL_PLATFORM`` to match Qt's platform unless the user set it; the
  surface view calls it before its lazy import of ``pyqtgraph.opengl``.
- :func:`gl_available` says whether a 3D view can be shown: not on the ``offscreen`` or
  ``minimal`` platforms, not when a QOpenGLContext cannot be created and made current, not
  when PyOpenGL or pyqtgraph.opengl cannot be imported. The answer (with a reason for the
  user) is cached for the process: Qt cannot change platform while it runs.

``BACKPROP_LAB_NO_GL=1`` turns the 3D view off (the contour view is used instead).
"""

from __future__ import annotations

import os

from PySide6.QtGui import QGuiApplication, QOffscreenSurface, QOpenGLContext

from ..gl_platform import ensure_pyopengl_platform

NO_GL_PLATFORMS = ("offscreen", "minimal")

_cache: tuple[bool, str] | None = None


def gl_available() -> tuple[bool, str]:
    """(True, "") if the 3D view can be used, else (False, a short reason for the user).

    Needs a QGuiApplication. The first call creates (and drops) a QOpenGLContext on a
    QOffscreenSurface; the answer is cached.
    """
    global _cache
    if _cache is None:
        _cache = _probe()
    return _cache


def _probe() -> tuple[bool, str]:
    if os.environ.get("BACKPROP_LAB_NO_GL", "").strip() not in ("", "0"):
        return False, "the 3D view is turned off (BACKPROP_LAB_NO_GL is set)"
    if QGuiApplication.instance() is None:
        return False, "no Qt application is running"
    platform = QGuiApplication.platformName().lower()
    if platform in NO_GL_PLATFORMS:
        return False, f"OpenGL is not available on Qt's '{platform}' platform"
    context = QOpenGLContext()
    if not context.create():
        return False, "an OpenGL context could not be created"
    surface = QOffscreenSurface()
    surface.setFormat(context.format())
    surface.create()
    try:
        if not surface.isValid() or not context.makeCurrent(surface):
            return False, "an OpenGL context could not be made current"
        version = context.format().version()
        context.doneCurrent()
    finally:
        surface.destroy()
    if not context.isOpenGLES() and tuple(version) < (2, 1):
        return False, f"OpenGL {version[0]}.{version[1]} is too old (2.1 is needed)"
    ensure_pyopengl_platform()
    try:
        import pyqtgraph.opengl  # noqa: F401  (the import is the check)
    except Exception as exc:  # ImportError, or PyOpenGL failing to load its platform
        return False, f"pyqtgraph.opengl cannot be loaded ({type(exc).__name__}: {exc})"
    return True, ""


def _reset_cache_for_tests() -> None:
    global _cache
    _cache = None


__all__ = ["NO_GL_PLATFORMS", "ensure_pyopengl_platform", "gl_available"]
