"""Issue 13, finding 8, as a user meets it: the app is killed after an edit, and the next
start offers the edit back.

Each run is the real app (``simulator.app.main.main``) in its own process, offscreen,
with its settings, log and recovery folder in a temporary home. A small driver script,
passed on the command line, plays the user: it creates the QApplication the app then
uses, and from timers in the app's event loop it edits through the model's one edit path
(first run), or answers the recovery dialog (second run). The product has no hook for it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulator.engine import document as doc_io
from simulator.resources import example_path

REPO = Path(__file__).resolve().parents[2]
NAME = "Killed mid-lesson"
W5 = 0.123456789

DRIVER = r"""
import json, os, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])
from simulator.app.main import main
from simulator.app.main_window import MainWindow
from simulator.engine import edits

mode, out = sys.argv[1], sys.argv[2]


def report(**fields):
    with open(out, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(fields) + "\n")


def window():
    return next((w for w in app.topLevelWidgets()
                 if isinstance(w, MainWindow) and w.isVisible()), None)


def edit():
    win = window()
    if win is None:
        QTimer.singleShot(50, edit)
        return
    ok = win.model.edit("Rename", lambda d: edits.set_name(d, NAME))
    ok = win.model.set_parameter("w5", W5) and ok
    report(event="edited", ok=ok)


def answer():
    from simulator.app.recovery import RecoveryDialog

    dialog = next((w for w in app.topLevelWidgets()
                   if isinstance(w, RecoveryDialog) and w.isVisible()), None)
    if dialog is None:
        QTimer.singleShot(50, answer)
        return
    report(event="offered", text=dialog.text(), info=dialog.informativeText())
    QTimer.singleShot(0, dialog.restore_button.click)
    QTimer.singleShot(100, check)


def check():
    win = window()
    if win is None or app.activeModalWidget() is not None:
        QTimer.singleShot(50, check)
        return
    model = win.model
    report(event="restored", document=model.current_document().to_json(),
           modified=model.modified, path=str(model.path) if model.path else None,
           title=win.windowTitle())
    win.set_confirm_on_close(False)
    win.close()  # a clean exit


NAME, W5 = sys.argv[3], float(sys.argv[4])
QTimer.singleShot(0, edit if mode == "edit" else answer)
QTimer.singleShot(90_000, lambda: os._exit(3))  # never hang the test
sys.exit(main([]))
"""


def _env(home: Path, recovery: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "QT_"))}
    env.update({"QT_QPA_PLATFORM": "offscreen", "HOME": str(home),
                "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
                "XDG_CACHE_HOME": str(home / "cache"), "XDG_RUNTIME_DIR": str(home / "run"),
                "BACKPROP_RECOVERY_DIR": str(recovery)})
    (home / "run").mkdir(parents=True, exist_ok=True, mode=0o700)
    return env


def _events(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _autosaved(recovery: Path) -> doc_io.Document | None:
    """The autosaved document with the edit in it, once it is there."""
    for path in recovery.glob("*.json"):
        if path.name.endswith(".info.json") or path.name.startswith("."):
            continue
        try:
            doc = doc_io.load(path)
        except doc_io.DocumentError:
            continue  # being replaced right now
        if doc.name == NAME:
            return doc
    return None


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_after_an_edit_the_next_start_offers_the_edit(tmp_path):
    home, recovery = tmp_path / "home", tmp_path / "recovery"
    env = _env(home, recovery)
    out = tmp_path / "events.jsonl"
    args = [sys.executable, "-c", DRIVER]

    with subprocess.Popen([*args, "edit", str(out), NAME, repr(W5)], cwd=REPO, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as first:
        try:
            deadline = time.monotonic() + 60
            saved = None
            while time.monotonic() < deadline and first.poll() is None:
                saved = _autosaved(recovery)
                if saved is not None:
                    break
                time.sleep(0.1)
            assert first.poll() is None, first.stderr.read().decode() if first.stderr else ""
            assert saved is not None, f"nothing autosaved; events: {_events(out)}"
            assert _events(out) == [{"event": "edited", "ok": True}]
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(30)
    assert first.returncode == -signal.SIGKILL
    reference = doc_io.load(example_path("reference.json"))
    w5 = reference.network.index_of["w5"]
    assert saved.network.params[w5] == W5

    out.unlink()
    second = subprocess.run([*args, "restore", str(out), NAME, repr(W5)], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    events = _events(out)
    assert [e["event"] for e in events] == ["offered", "restored"], events
    offered, restored = events
    assert f"\u201c{NAME}\u201d" in offered["text"]
    assert "had not been saved to a file" in offered["info"]
    doc = doc_io.loads(restored["document"])
    assert doc.name == NAME and doc.network.params[w5] == W5
    assert restored["modified"] and restored["path"] is None
    assert NAME in restored["title"]
    # The clean exit of the second run removed the recovery files.
    assert [p.name for p in recovery.iterdir() if not p.name.startswith(".")] == []
    assert "Traceback" not in second.stderr
