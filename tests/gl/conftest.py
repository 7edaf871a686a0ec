"""OpenGL tests: they run under a real X server (scripts/test.sh uses Xvfb with Mesa and
QT_QPA_PLATFORM=xcb) and skip themselves, with the reason, where OpenGL is not available.

Run them alone with::

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python -m pytest tests/gl
"""

from __future__ import annotations

import os

import pytest


def _platform_problem() -> str | None:
    """Why a Qt application cannot even start here (checked before creating one: the xcb
    plugin aborts the process when there is no X display)."""
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip().lower()
    if platform == "xcb" and not os.environ.get("DISPLAY"):
        return "QT_QPA_PLATFORM=xcb but no X display (DISPLAY is not set): run under xvfb-run"
    return None


def pytest_collection_modifyitems(config, items):
    """Skip these tests before any fixture runs when Qt could not even start (pytest-qt's
    session-wide QApplication would be created first and abort the process)."""
    problem = _platform_problem()
    if not problem:
        return
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.skip(reason=problem))


@pytest.fixture
def gl(request):
    """Skip the test (with the reason) unless a 3D view can be shown; else the QApplication.

    Sets PYOPENGL_PLATFORM to match Qt's platform before anything imports OpenGL.
    """
    problem = _platform_problem()
    if problem:
        pytest.skip(problem)
    from simulator.app.surface.gl import ensure_pyopengl_platform, gl_available

    ensure_pyopengl_platform()
    app = request.getfixturevalue("qapp")
    ok, reason = gl_available()
    if not ok:
        pytest.skip(f"no OpenGL: {reason}")
    return app
