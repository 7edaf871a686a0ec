"""Make the pictures the README shows: the window (docs/window-*.png, docs/classroom-*.png)
and the cost surface (docs/surface-3d.png, docs/surface-contour.png).

    .venv/bin/python docs/make_screenshots.py            # all (under xvfb-run if needed)
    .venv/bin/python docs/make_screenshots.py --view contour --out docs/surface-contour.png
    .venv/bin/python docs/make_screenshots.py --windows  # only the window pictures

The window pictures are the app's own ``--screenshot`` (what is on screen, the 3D view
included), each in its own Xvfb whose screen is the picture's size, as a projector would be:
1024x768 in the normal layout and in presenter mode, in the middle of the backward pass
(dE/dw1), and 1600x1000 at the start, mid-backward and after training.

The 3D one needs OpenGL: it runs under the current X display, or under
``xvfb-run -a -s "-screen 0 1600x1000x24"`` with ``QT_QPA_PLATFORM=xcb`` (Mesa's llvmpipe).
The contour one runs with ``QT_QPA_PLATFORM=offscreen`` (the fallback a machine without GL
gets). Each runs in its own process: Qt cannot switch platform inside one.

The scene: the reference example with a learning rate of 0.5 (the classic worked example's;
the file's 0.01 barely moves in 30 steps), an optimizer comparison of 30 steps from the
start, then 30 training iterations (GD), so the training path runs along the GD path.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZE = (980, 680)
LEARNING_RATE = 0.5
ITERATIONS = 30
COMPARE_STEPS = 30


def _wait(app: object, condition: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.processEvents()  # type: ignore[attr-defined]
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.01)
    raise SystemExit("timed out waiting for the surface view")


def shoot(view_mode: str, out: Path) -> None:
    """Build the scene in this process's Qt platform and save the picture."""
    from simulator.app.surface import ensure_pyopengl_platform

    ensure_pyopengl_platform()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from simulator.app.model import LabModel
    from simulator.app.surface import VIEW_3D, SurfaceView
    from simulator.engine import edits

    model = LabModel()
    model.edit("Learning rate", lambda d: edits.set_training(d, learning_rate=LEARNING_RATE))
    view = SurfaceView(model)
    view.resize(*SIZE)
    view.show()
    if view_mode == VIEW_3D and view.view_mode != VIEW_3D:
        raise SystemExit(f"no 3D view here: {view.gl_reason}")
    view.set_view_mode(view_mode)
    c = view.controller
    _wait(app, lambda: c.drawn is not None and not c.busy)
    c.start_compare(COMPARE_STEPS)
    _wait(app, lambda: bool(c.compare_paths) and not c.compare_running)
    for _ in range(ITERATIONS):
        model.finish_iteration()
        app.processEvents()
    _wait(app, lambda: not c.busy and c.drawn is not None
          and c.drawn.spec.centre.tolist() == model.params.tolist())
    time.sleep(0.3)  # let the throttled redraw happen
    _wait(app, lambda: True, 0.5)
    view.redraw_now()
    _wait(app, lambda: True, 0.3)
    # QWidget.grab() leaves out the 3D view (a window of its own): the app's screenshot
    # paints its frame over its place.
    from simulator.app.main import grab_window

    picture = grab_window(view)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not picture.save(str(out)):
        raise SystemExit(f"could not write {out}")
    print(f"wrote {out} ({picture.width()} x {picture.height()})")
    view.close()


#: (file, screen and window size, extra arguments) of the window pictures.
WINDOW_SHOTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("classroom-1024x768.png", "1024x768", ("--steps", "12")),
    ("classroom-presenter-1024x768.png", "1024x768", ("--steps", "12", "--presenter")),
    ("window-start.png", "1600x1000", ()),
    ("window-backward.png", "1600x1000", ("--steps", "12")),
    ("window-trained.png", "1600x1000", ("--train", "2000", "--steps", "17")),
)


def shoot_windows() -> None:
    """The window pictures, each under its own Xvfb screen of the picture's size."""
    if not shutil.which("xvfb-run"):
        raise SystemExit("xvfb-run is needed for the window pictures")
    example = str(ROOT / "resources" / "examples" / "reference.json")
    for name, size, extra in WINDOW_SHOTS:
        out = ROOT / "docs" / name
        env = dict(os.environ, QT_QPA_PLATFORM="xcb")
        subprocess.run(["xvfb-run", "-a", "-s", f"-screen 0 {size}x24", sys.executable, "-m",
                        "simulator", example, "--screenshot", str(out), "--size", size,
                        *extra], check=True, env=env, cwd=ROOT)
        print(f"wrote {out} ({size})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--view", choices=("3d", "contour"))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--windows", action="store_true", help="only the window pictures")
    args = parser.parse_args()
    if args.view:
        out = args.out or ROOT / "docs" / f"surface-{args.view}.png"
        shoot(args.view, out)
        return 0
    shoot_windows()
    if args.windows:
        return 0
    me = [sys.executable, str(Path(__file__).resolve())]
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    subprocess.run(me + ["--view", "contour"], check=True, env=env)
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "xcb"
    if env.get("DISPLAY"):
        subprocess.run(me + ["--view", "3d"], check=True, env=env)
    elif shutil.which("xvfb-run"):
        subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24"] + me
                       + ["--view", "3d"], check=True, env=env)
    else:
        print("no X display and no xvfb-run: the 3D screenshot was not made", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
