"""Issue 13, finding 10: starting without a display says so in one line and exits 2.

Before: Qt's xcb plugin printed a hint about libxcb-cursor0 (which is installed) and the
process aborted with a core dump (exit status 134).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.app.display import HOW_TO, display_problem, x11_reachable

REPO = Path(__file__).resolve().parents[2]
LINUX = "linux"


def _no_display_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "PYTHONPATH")}
    env["XDG_RUNTIME_DIR"] = env.get("XDG_RUNTIME_DIR", "/nonexistent")
    return env


def test_no_display_variable() -> None:
    message = display_problem("xcb", {}, LINUX)
    assert message == f"backprop-lab: no display to open the window on (DISPLAY is not set); " \
                      f"{HOW_TO}"
    assert "xvfb-run" in message and "QT_QPA_PLATFORM=offscreen" in message
    assert "--screenshot" in message and "\n" not in message


def test_a_display_nobody_answers_at() -> None:
    free = next(n for n in range(90, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    message = display_problem("xcb", {"DISPLAY": f":{free}"}, LINUX)
    assert message is not None and f"no X server answers at DISPLAY=':{free}'" in message
    assert display_problem("xcb", {"DISPLAY": "garbage"}, LINUX) is not None


def test_a_listening_x_socket_counts_as_a_display(tmp_path: Path) -> None:
    if not hasattr(socket, "AF_UNIX"):
        pytest.skip("no unix sockets")
    path = tmp_path / "org.xquartz:0"  # a DISPLAY that is a socket path (XQuartz)
    assert not x11_reachable(str(path))
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        server.listen(1)
        assert x11_reachable(str(path))
        assert display_problem("xcb", {"DISPLAY": str(path)}, LINUX) is None


def test_headless_platforms_and_other_systems_need_no_display() -> None:
    for platform in ("offscreen", "minimal", "vnc"):
        assert display_problem(platform, {}, LINUX) is None
    assert display_problem("windows", {}, "win32") is None
    assert display_problem(None, {}, "darwin") is None


def test_wayland_without_a_compositor_or_x_fallback() -> None:
    env = {"WAYLAND_DISPLAY": "wayland-99", "XDG_RUNTIME_DIR": "/nonexistent"}
    message = display_problem("wayland", env, LINUX)
    assert message is not None and "WAYLAND_DISPLAY='wayland-99'" in message


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland only")
def test_starting_the_app_without_a_display_exits_2_with_one_line() -> None:
    proc = subprocess.run([sys.executable, "-m", "simulator"], env=_no_display_env(),
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("backprop-lab: no display to open the window on")
    assert "libxcb-cursor0" not in proc.stderr and proc.stdout == ""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland only")
@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_start_script_without_a_display_exits_2() -> None:
    if not (REPO / ".venv" / "bin" / "python").exists():
        pytest.skip("scripts/start.sh would first create .venv")
    proc = subprocess.run(["bash", str(REPO / "scripts" / "start.sh")], env=_no_display_env(),
                          capture_output=True, text=True, timeout=300, cwd=REPO)
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert proc.stderr.strip().splitlines()[-1].startswith("backprop-lab: no display")


def test_a_screenshot_without_a_display_still_works_offscreen(tmp_path: Path) -> None:
    env = _no_display_env()
    env["QT_QPA_PLATFORM"] = "offscreen"
    out = tmp_path / "shot.png"
    proc = subprocess.run([sys.executable, "-m", "simulator", "--screenshot", str(out)],
                          env=env, capture_output=True, text=True, timeout=240, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out.stat().st_size > 1000
