"""Make the lesson player's pictures the README shows (docs/lesson-*.png): presenter mode
on a 1024x768 projector.

    .venv/bin/python docs/make_lesson_screenshots.py

Each picture is taken in its own Xvfb whose screen is 1024x768 (``xvfb-run -a -s
"-screen 0 1024x768x24"``, QT_QPA_PLATFORM=xcb, so the OpenGL views are drawn too):

- ``lesson-network-question.png``: lesson 1, step 12 (Forward: H1), the question waiting
  for a prediction (the app's own ``--screenshot --lesson mechanics --lesson-step 12``);
- ``lesson-function.png``: lesson 1, step 2 (you versus the pirate), in the function lab;
- ``lesson-feedback.png``: lesson 1, step 17 (the update), after the widely copied
  original's answer w5 + lr * dE/dw5 was typed: the feedback names the wrong sign and the
  update is revealed (this one drives the window: the command line types no answers).
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
XVFB = ["xvfb-run", "-a", "-s", f"-screen 0 {SIZE[0]}x{SIZE[1]}x24"]
SHOTS = {
    "lesson-network-question.png": ("mechanics", 12, None),
    "lesson-function.png": ("mechanics", 2, None),
    "lesson-feedback.png": ("mechanics", 17, "0,1807289"),
}


def shoot_answered(lesson_id: str, step: int, answer: str, out: Path) -> int:
    """In this process (under Xvfb): the window in presenter mode at the step, the answer
    typed, the picture saved."""
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication([sys.argv[0]])
    app.setStyle("Fusion")
    from simulator.app.main import _settle, _wait_for_lesson, grab_window
    from simulator.app.main_window import MainWindow

    window = MainWindow(persist=False)
    window.set_confirm_on_close(False)
    window.set_dark(False)
    window.resize(*SIZE)
    window.show()
    _settle(app, 0.3)
    window.presenter.full_screen = False
    window.toggle_presenter()
    _settle(app, 0.3)
    player = window.lessons
    if not player.open_by_id(lesson_id, step - 1):
        print(f"no lesson {lesson_id}", file=sys.stderr)
        return 2
    _wait_for_lesson(app, window, 60.0)
    player.pane.question_box.field.setText(answer)
    player.answer(answer)
    _wait_for_lesson(app, window, 60.0)
    _settle(app, 0.6)
    ok = grab_window(window).save(str(out), "PNG")
    window.close()
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--answered", nargs=4, metavar=("LESSON", "STEP", "ANSWER", "OUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.answered:
        lesson, step, answer, out = args.answered
        return shoot_answered(lesson, int(step), answer, Path(out))
    if shutil.which("xvfb-run") is None:
        print("xvfb-run is needed (the pictures are of a 1024x768 screen)", file=sys.stderr)
        return 1
    env = dict(os.environ, QT_QPA_PLATFORM="xcb")
    python = sys.executable
    for name, (lesson, step, answer) in SHOTS.items():
        out = ROOT / "docs" / name
        if answer is None:
            command = [python, "-m", "simulator", "--screenshot", str(out), "--size",
                       f"{SIZE[0]}x{SIZE[1]}", "--presenter", "--lesson", lesson,
                       "--lesson-step", str(step)]
        else:
            command = [python, str(Path(__file__).resolve()), "--answered", lesson,
                       str(step), answer, str(out)]
        t0 = time.monotonic()
        result = subprocess.run([*XVFB, *command], env=env, cwd=ROOT, check=False)
        if result.returncode != 0:
            print(f"{name}: failed ({result.returncode})", file=sys.stderr)
            return 1
        print(f"{out.relative_to(ROOT)} ({time.monotonic() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
