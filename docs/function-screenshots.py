"""Make docs/function-surface.png and docs/function-graph.png (the README shows them).

    .venv/bin/python docs/function-screenshots.py     # both, under xvfb-run if needed

The Function view at 1024 x 768 (a classroom projector; in the window, F4 shows it in place
of the network, its docks and toolbars put away):

- ``function-surface.png``: the lesson's f(x, y) = xy + x^2 in 3D, 20 steps of gradient
  descent (lr 0.1) from (3, -3), and the pirate beside it (needs OpenGL: it runs under the
  current X display or under ``xvfb-run -a -s "-screen 0 1600x1000x24"`` with
  ``QT_QPA_PLATFORM=xcb``);
- ``function-graph.png``: the same function's computational graph at (3, -3), in the middle
  of the backward pass (the step that reaches x*y: its local derivatives y = -3 and x = 3 on
  its input edges, the gradient 1 arriving from +).
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

SIZE = (1024, 768)
#: Steps of the descent in the surface picture (the lesson's lr 0.1): enough for the path to
#: show how descent slides off the saddle, and the pirate to lag behind.
STEPS = 20


def _settle(app: object, seconds: float = 0.4) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.01)


def shoot(which: str, out: Path) -> None:
    """Build the scene in this process's Qt platform and save the picture."""
    from simulator.app.gl_platform import ensure_pyopengl_platform

    ensure_pyopengl_platform()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from simulator.app.function import FunctionView

    view = FunctionView()
    view.resize(*SIZE)
    view.show()
    _settle(app)
    if which == "surface":
        view.open(example="lesson-xy", view="surface", steps=STEPS, pirate=True)
        if view.surface.view3d is None:
            raise SystemExit(f"no 3D view here: {view.surface.gl_reason}")
    else:
        view.open(example="lesson-xy", view="graph")
        f, _b = view.model.graph_steps
        view.model.set_graph_step(f + 3)  # backward 3 of 5: x*y
    view.model.wait_background()
    _settle(app)
    view.flush()
    _settle(app)
    # QWidget.grab() leaves out the 3D view (a window of its own): the app's screenshot
    # paints its frame over its place.
    from simulator.app.main import grab_window

    picture = grab_window(view)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not picture.save(str(out)):
        raise SystemExit(f"could not write {out}")
    print(f"wrote {out} ({picture.width()} x {picture.height()})")
    view.shutdown()
    view.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--which", choices=("surface", "graph"))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.which:
        shoot(args.which, args.out or ROOT / "docs" / f"function-{args.which}.png")
        return 0
    me = [sys.executable, str(Path(__file__).resolve())]
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "xcb"
    for which in ("surface", "graph"):
        if env.get("DISPLAY"):
            subprocess.run(me + ["--which", which], check=True, env=env)
        elif shutil.which("xvfb-run"):
            subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24"] + me
                           + ["--which", which], check=True, env=env)
        else:
            print("no X display and no xvfb-run: the screenshots were not made",
                  file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
