"""Issue 13, finding 8: autosave and crash recovery.

The open document is autosaved to a recovery folder (never over the user's file) a few
seconds after a change, in a worker thread; a start after a crash offers it (Restore /
Discard / Later) and restores it as an unsaved, modified document; a clean exit removes
it; two windows or two instances never write to each other's files.

A crash is simulated here by giving up a slot's lock without removing its files (what a
killed process leaves once its lock is found stale); ``test_autosave_kill.py`` kills the
real app.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from simulator.app import autosave as autosave_module
from simulator.app.autosave import Autosaver, RecoveryStore, encode_document, recovery_folder
from simulator.app.main_window import MainWindow
from simulator.app.model import LabModel
from simulator.app.recovery import (
    DISCARD,
    LATER,
    RESTORE,
    RecoveryDialog,
    offer_recovery,
    start_autosave,
)
from simulator.engine import document as doc_io
from simulator.engine import edits, limits
from simulator.engine.datasets import Dataset
from simulator.resources import example_path

REPO = Path(__file__).resolve().parents[2]
DELAY_S = 0.05


def reference() -> doc_io.Document:
    return doc_io.load(example_path("reference.json"))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "recovery"


@pytest.fixture
def model() -> LabModel:
    return LabModel(reference())


@pytest.fixture
def saver(qtbot, model, folder):
    autosaver = Autosaver(model, RecoveryStore(folder), delay_s=DELAY_S)
    yield autosaver
    autosaver.close()


def wait_saved(qtbot, saver: Autosaver) -> doc_io.Document:
    """Wait for the next autosave and return what it wrote."""
    with qtbot.waitSignal(saver.saved, timeout=10_000):
        pass
    return doc_io.load(saver.path)


def crash(saver: Autosaver) -> None:
    """What a killed process leaves: its files, and a lock nobody holds."""
    saver.wait()
    saver.slot.lock.unlock()  # the files stay


def slot_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


# --- writing ----------------------------------------------------------------------------------

def test_the_worker_writes_what_save_writes(model):
    """The piece-by-piece encoder gives the same text as File > Save, bit for bit."""
    doc = model.current_document()
    assert encode_document(doc) == doc.to_json().encode("utf-8")
    rng = np.random.default_rng(1)
    n = 3000  # several batches of pieces
    data = Dataset(rng.normal(size=(n, 2)) * 1e11, rng.uniform(size=(n, 2)),
                   input_names=("a \u00e9", "\U0001f600"), target_names=("t 1", "t2"))
    doc = edits.set_name(edits.set_data(doc, data, {"kind": "csv", "path": "/x/\u2603.csv",
                                                    "seed": limits.MAX_SEED}), "N\u00e4me")
    assert encode_document(doc) == doc.to_json().encode("utf-8")


def test_an_edit_is_autosaved_after_a_delay_in_a_worker_thread(qtbot, model, saver, folder,
                                                               monkeypatch):
    writers: list[str] = []
    original = autosave_module.RecoverySlot.write

    def write(self, data, info):
        writers.append(threading.current_thread().name)
        original(self, data, info)

    monkeypatch.setattr(autosave_module.RecoverySlot, "write", write)
    assert not saver.path.exists()  # nothing unsaved: nothing written
    model.set_parameter("w5", 0.125)
    assert saver.pending and not saver.path.exists()  # written a little later
    written = wait_saved(qtbot, saver)
    assert writers and all(name != threading.main_thread().name for name in writers)
    assert written.to_json() == model.current_document().to_json()
    info = json.loads(saver.slot.info_path.read_text())
    assert info["name"] == "Reference example" and info["file"] is None
    assert saver.path.parent == folder
    assert slot_files(folder) == sorted([f"{saver.slot.key}.json",
                                         f"{saver.slot.key}.info.json",
                                         f"{saver.slot.key}.lock"])


def test_the_info_is_written_before_the_document(qtbot, model, saver, monkeypatch):
    """So that a crash between the two writes never leaves a document the offer cannot
    name (the kill test found "Untitled" offered for a named document)."""
    written: list[str] = []
    original = autosave_module.files.atomic_write

    def atomic_write(path, data):
        written.append(Path(path).name)
        original(path, data)

    monkeypatch.setattr(autosave_module.files, "atomic_write", atomic_write)
    model.set_parameter("w5", 0.125)
    wait_saved(qtbot, saver)
    assert written == [f"{saver.slot.key}.info.json", f"{saver.slot.key}.json"]


def test_training_progress_is_autosaved(qtbot, model, saver):
    model.run_iterations(3)
    written = wait_saved(qtbot, saver)
    assert np.array_equal(written.network.params, model.params)
    assert not np.array_equal(written.network.params, model.document.network.params)


def test_nothing_unsaved_empties_the_slot(qtbot, model, saver, tmp_path):
    model.set_parameter("w5", 0.125)
    wait_saved(qtbot, saver)
    with qtbot.waitSignal(saver.cleared, timeout=10_000):
        model.undo_stack.undo()  # back to the saved state
    assert not saver.path.exists()
    model.set_parameter("w1", 0.5)
    wait_saved(qtbot, saver)
    user_file = tmp_path / "mine.json"
    with qtbot.waitSignal(saver.cleared, timeout=10_000):
        model.save(user_file)  # the user's own file; the autosaved copy goes
    assert not saver.path.exists()
    assert doc_io.load(user_file).to_json() == model.current_document().to_json()
    model.set_parameter("w2", 0.5)
    written = wait_saved(qtbot, saver)
    info = json.loads(saver.slot.info_path.read_text())
    assert info["file"] == str(user_file)
    assert written.network.params[model.document.network.index_of["w2"]] == 0.5
    # The user's file is not touched by autosave.
    assert doc_io.load(user_file).network.params[model.document.network.index_of["w2"]] != 0.5


def test_a_change_during_a_write_is_saved_after_it(qtbot, model, saver):
    model.set_parameter("w5", 0.1)
    saver.save_now()
    model.set_parameter("w5", 0.2)  # while the worker writes 0.1
    assert not saver.up_to_date
    qtbot.waitUntil(lambda: saver.up_to_date, timeout=10_000)
    written = doc_io.load(saver.path)
    assert written.network.params[model.document.network.index_of["w5"]] == 0.2


def test_a_clean_exit_removes_the_slot(qtbot, model, saver, folder):
    model.set_parameter("w5", 0.125)
    wait_saved(qtbot, saver)
    saver.close()
    assert slot_files(folder) == []
    model.set_parameter("w5", 0.5)  # after closing nothing is written
    qtbot.wait(int(DELAY_S * 1000) + 100)
    assert slot_files(folder) == []


def test_closing_during_a_long_write_gives_it_up(qtbot, folder):
    """The largest data set a document holds: the window does not wait for the whole
    write when it closes."""
    rng = np.random.default_rng(0)
    n = limits.MAX_SAMPLES
    data = Dataset(rng.normal(size=(n, 2)), rng.uniform(size=(n, 2)))
    model = LabModel(edits.set_data(reference(), data, {}))
    saver = Autosaver(model, RecoveryStore(folder), delay_s=60)
    model.set_parameter("w5", 0.125)
    saver.save_now()
    assert saver.busy
    saver.close()
    assert slot_files(folder) == []


def test_a_folder_that_cannot_be_written_is_reported_once(qtbot, model, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(OSError):
        Autosaver(model, RecoveryStore(blocker / "recovery"))
    folder = tmp_path / "gone"
    saver = Autosaver(model, RecoveryStore(folder), delay_s=DELAY_S)
    messages: list[str] = []
    saver.failed.connect(messages.append)
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()  # removed behind the app's back
    model.set_parameter("w5", 0.125)
    qtbot.waitUntil(lambda: bool(messages), timeout=10_000)
    model.set_parameter("w5", 0.25)
    qtbot.wait(300)
    assert len(messages) == 1 and messages[0].startswith("Autosave failed: ")
    assert "\n" not in messages[0]
    # Tried again later, not every few seconds.
    assert saver.pending and saver._timer.remainingTime() > 20_000
    folder.mkdir()  # back (a drive reconnected): the next try succeeds
    with qtbot.waitSignal(saver.saved, timeout=10_000):
        saver.save_now()
    assert doc_io.load(saver.path).network.params[
        model.document.network.index_of["w5"]] == 0.25
    saver.close()


def test_the_folder_is_the_apps_data_folder_or_the_override(monkeypatch, tmp_path):
    monkeypatch.setenv(autosave_module.RECOVERY_ENV, str(tmp_path / "elsewhere"))
    assert recovery_folder() == tmp_path / "elsewhere"
    monkeypatch.delenv(autosave_module.RECOVERY_ENV)
    assert recovery_folder().name == "recovery"
    assert recovery_folder().parent.name == QApplication.applicationName()


# --- several windows and instances ------------------------------------------------------------

def test_two_windows_keep_their_own_files(qtbot, folder):
    one, two = LabModel(reference()), LabModel(reference())
    a = Autosaver(one, RecoveryStore(folder), delay_s=DELAY_S)
    b = Autosaver(two, RecoveryStore(folder), delay_s=DELAY_S)
    try:
        assert a.path != b.path
        one.set_parameter("w5", 0.25)
        two.set_parameter("w5", 0.75)
        qtbot.waitUntil(lambda: a.path.exists() and b.path.exists(), timeout=10_000)
        i = one.document.network.index_of["w5"]
        assert doc_io.load(a.path).network.params[i] == 0.25
        assert doc_io.load(b.path).network.params[i] == 0.75
        # A third start offers neither: both windows are running.
        assert RecoveryStore(folder).orphans() == []
    finally:
        a.close()
        b.close()
    assert slot_files(folder) == []


HOLDER = """
import sys
from simulator.app.autosave import RecoveryStore
slot = RecoveryStore(sys.argv[1]).claim()
slot.write(open(sys.argv[2], "rb").read(), {"format": "backprop-lab-recovery",
           "name": "Held", "file": None})
print(slot.key, flush=True)
sys.stdin.read()  # hold the slot until the test kills this process
"""


def test_another_running_instances_slot_is_left_alone_until_it_dies(tmp_path, folder):
    doc_file = tmp_path / "doc.json"
    doc_file.write_text(reference().to_json())
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    with subprocess.Popen([sys.executable, "-c", HOLDER, str(folder), str(doc_file)],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                          cwd=REPO, env=env) as proc:
        try:
            assert proc.stdout is not None
            key = proc.stdout.readline().strip()
            assert key and (folder / f"{key}.json").exists()
            assert RecoveryStore(folder).orphans() == []  # alive: not offered, not touched
            time.sleep(1.2)  # older than a second: age alone never makes a slot stale
            assert RecoveryStore(folder).orphans() == []
        finally:
            proc.kill()
            proc.wait(30)
    entries = RecoveryStore(folder).orphans()
    assert [e.key for e in entries] == [key]
    assert entries[0].name == "Held"
    entries[0].lock.unlock()


# --- the offer at the next start --------------------------------------------------------------

@pytest.fixture
def window(qtbot, monkeypatch):
    def unexpected(*args, **kwargs):
        raise AssertionError(f"unexpected dialog: {args[1:3]}")

    for name in ("question", "critical", "warning", "information"):
        monkeypatch.setattr(QMessageBox, name, unexpected)
    win = MainWindow(persist=False)
    qtbot.addWidget(win, before_close_func=lambda w: w.set_confirm_on_close(False))
    win.show()
    return win


def answer_with(monkeypatch, choices: list[str]) -> list[RecoveryDialog]:
    """Answer the recovery dialogs in turn; the dialogs shown are recorded."""
    shown: list[RecoveryDialog] = []

    def ask(dialog: RecoveryDialog) -> str:
        shown.append(dialog)
        return choices.pop(0)

    monkeypatch.setattr(RecoveryDialog, "ask", ask)
    return shown


def leave_crashed(qtbot, folder: Path, name: str, w5: float) -> tuple[str, doc_io.Document]:
    model = LabModel(edits.set_name(reference(), name))
    saver = Autosaver(model, RecoveryStore(folder), delay_s=DELAY_S)
    model.set_parameter("w5", w5)
    wait_saved(qtbot, saver)
    expected = model.current_document()
    crash(saver)
    return saver.slot.key, expected


def test_a_crash_is_offered_and_restored_as_an_unsaved_document(qtbot, window, folder,
                                                                monkeypatch, tmp_path):
    user_file = tmp_path / "mine.json"
    user_file.write_text(reference().to_json())
    before = user_file.read_bytes()
    window.model.load(user_file)
    key, expected = leave_crashed(qtbot, folder, "Lost work", 0.625)
    shown = answer_with(monkeypatch, [RESTORE])
    saver = start_autosave(window, folder, offer=False)
    assert saver is not None
    try:
        assert offer_recovery(window, saver)
        assert len(shown) == 1
        text = shown[0].text()
        assert "\u201cLost work\u201d" in text and "did not close properly" in text
        assert "had not been saved to a file" in shown[0].informativeText()
        model = window.model
        assert model.current_document().to_json() == expected.to_json()
        assert model.modified and model.path is None and window.isWindowModified()
        assert user_file.read_bytes() == before  # the user's file is untouched
        assert "Restored \u201cLost work\u201d" in window.statusBar().currentMessage()
        # The copy became this window's: still recoverable, the crashed slot is gone.
        assert not (folder / f"{key}.json").exists()
        assert doc_io.load(saver.path).to_json() == expected.to_json()
        assert RecoveryStore(folder).orphans() == []
        model.set_parameter("w1", 0.5)  # and it keeps being autosaved
        written = wait_saved(qtbot, saver)
        assert written.network.params[model.document.network.index_of["w1"]] == 0.5
    finally:
        saver.close()
    assert slot_files(folder) == []


def test_discard_and_later(qtbot, window, folder, monkeypatch):
    first, _ = leave_crashed(qtbot, folder, "Older", 0.25)
    time.sleep(0.05)
    second, _ = leave_crashed(qtbot, folder, "Newer", 0.75)
    os.utime(folder / f"{first}.json", (time.time() - 3600, time.time() - 3600))
    shown = answer_with(monkeypatch, [DISCARD, LATER])
    saver = start_autosave(window, folder, offer=False)
    assert saver is not None
    try:
        assert not offer_recovery(window, saver)
        assert [d.entry.name for d in shown] == ["Newer", "Older"]  # newest first
        assert not (folder / f"{second}.json").exists()  # discarded
        assert not window.model.modified  # nothing restored
        # Later: offered again at the next start.
        assert [e.key for e in RecoveryStore(folder).orphans()] == [first]
    finally:
        saver.close()


def test_the_real_dialog_names_the_document_and_answers_each_button(qtbot, window, folder):
    key, _ = leave_crashed(qtbot, folder, "Shown \u2603", 0.5)
    info_path = folder / f"{key}.info.json"
    info = json.loads(info_path.read_text())
    info["name"] += "\nname"  # as a hand-edited info file could say
    info_path.write_text(json.dumps(info))
    entry = RecoveryStore(folder).orphans()[0]
    try:
        for button, choice in (("restore_button", RESTORE), ("discard_button", DISCARD),
                               ("later_button", LATER)):
            dialog = RecoveryDialog(entry, window)
            qtbot.addWidget(dialog)
            QTimer.singleShot(0, getattr(dialog, button).click)
            assert dialog.ask() == choice
        assert "\u201cShown \u2603\\nname\u201d" in dialog.text()  # one line, escaped
    finally:
        entry.lock.unlock()


def test_a_broken_autosave_is_kept_and_explained(qtbot, window, folder, monkeypatch):
    key, _ = leave_crashed(qtbot, folder, "Broken", 0.5)
    (folder / f"{key}.json").write_text("{not json")
    answer_with(monkeypatch, [RESTORE])
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda parent, title, text, *a: warnings.append(text)))
    saver = start_autosave(window, folder, offer=False)
    assert saver is not None
    before = window.model.document
    try:
        assert not offer_recovery(window, saver)
        assert len(warnings) == 1 and "cannot be opened" in warnings[0]
        assert window.model.document is before and not window.model.modified
        assert [e.key for e in RecoveryStore(folder).orphans()] == [key]
    finally:
        saver.close()


def test_start_tidies_the_folders_of_recent_files(qtbot, window, folder, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "net.json").write_text(reference().to_json())
    stale = work / ".net.json.abcd1234.tmp"  # what a killed save leaves
    stale.write_text("half")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    window.settings.add_recent(str(work / "net.json"))
    saver = start_autosave(window, folder, offer=False)
    assert saver is not None
    try:
        qtbot.waitUntil(lambda: not stale.exists(), timeout=10_000)
        assert (work / "net.json").exists()
    finally:
        saver.close()


def test_an_unwritable_recovery_folder_turns_autosave_off_with_a_message(window, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert start_autosave(window, blocker / "recovery", offer=False) is None
    assert window.statusBar().currentMessage().startswith("Autosave is off")


def test_set_document_modified_counts_as_unsaved_until_saved(model, tmp_path):
    model.set_document(reference(), None, modified=True)
    assert model.modified
    model.set_parameter("w5", 0.5)
    model.undo_stack.undo()
    assert model.modified  # back at the restored state: still not saved anywhere
    model.save(tmp_path / "kept.json")
    assert not model.modified
