"""Issue 13, findings 1 and 6 in the window: bad files opened with File > Open, by drag and
drop, or imported as CSV (and finding 5 in the views: a document whose training cannot
start).

Every error is one "Cannot open" (or "Cannot import") message of one line, the open
document is kept exactly (edits, undo history, training position), nothing is half
changed, and nothing waits: a pipe, a folder or a device is refused before it is read.
Then the engine fuzzer's documents are opened in the window: each is refused with one
message or opened whole, and an opened one shows no non-finite number.

A longer run of the fuzzed part by hand::

    BACKPROP_OPEN_FUZZ_N=3000 QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q -s \\
        tests/app/test_open_bad_files.py -k fuzzed
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from simulator.app.data_panel import CsvColumnsDialog
from simulator.app.main_window import MainWindow
from simulator.engine import document as doc_io
from simulator.engine import limits
from simulator.engine.datasets import Dataset
from simulator.engine.network import LayerSpec, Network
from simulator.engine.optimizers import TrainingConfig
from tests.engine.test_document_fuzz import make_case

from ._screen import non_finite_on_screen

FUZZ_N = int(os.environ.get("BACKPROP_OPEN_FUZZ_N", "1000"))
#: After this many seconds a watchdog writes to (and closes) a pipe under test, so that a
#: reader that blocks on it comes back (and the test fails on its time) instead of hanging.
WATCHDOG_S = 5.0

REFERENCE = Path(__file__).resolve().parents[2] / "resources" / "examples" / "reference.json"


class Recorder:
    """Stands in for a static QMessageBox call and records it."""

    def __init__(self, result: object = None) -> None:
        self.calls: list[tuple[object, ...]] = []
        self.result = result

    def __call__(self, *args: object, **kwargs: object) -> object:
        self.calls.append(args)
        return self.result


@contextlib.contextmanager
def fifo(path: Path) -> Iterator[Path]:
    """A named pipe at ``path``; a reader that blocks on it is let go after WATCHDOG_S."""
    os.mkfifo(path)
    done = threading.Event()

    def watchdog() -> None:
        if done.wait(WATCHDOG_S):
            return
        with contextlib.suppress(OSError):
            fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
            os.write(fd, b'a,b\n1,2\n{"x": ')
            os.close(fd)

    thread = threading.Thread(target=watchdog, daemon=True)
    thread.start()
    try:
        yield path
    finally:
        done.set()
        thread.join()


@pytest.fixture
def window(qtbot, monkeypatch):
    win = MainWindow(persist=False)
    qtbot.addWidget(win, before_close_func=lambda w: w.set_confirm_on_close(False))
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def dialogs(monkeypatch):
    """Record every message box; a Save/Discard question answers Discard."""
    recorders = {name: Recorder(QMessageBox.StandardButton.Ok)
                 for name in ("critical", "warning", "information")}
    recorders["question"] = Recorder(QMessageBox.StandardButton.Discard)
    for name, recorder in recorders.items():
        monkeypatch.setattr(QMessageBox, name, recorder)
    return recorders


def state(win: MainWindow) -> tuple[object, ...]:
    """Everything opening a file must leave alone when it refuses it."""
    m = win.model
    return (m.document.to_json(), m.params.tobytes(), m.undo_stack.count(),
            m.undo_stack.index(), m.stepper.cursor, m.stepper.completed_iterations,
            m.path, m.modified, win.windowTitle())


def busy(win: MainWindow) -> None:
    """An unsaved edit, an iteration and a few sub-steps: what must survive a refusal."""
    win.model.set_parameter("w5", 0.25)
    win.model.finish_iteration()
    for _ in range(3):
        win.model.step()


def check_one_message(recorder: Recorder, title: str) -> str:
    assert len(recorder.calls) == 1, recorder.calls
    _parent, shown_title, text = recorder.calls[0][:3]
    assert shown_title == title
    assert isinstance(text, str)
    reason = text.split("\n\n")[1]
    assert reason.isprintable() and reason, repr(text)
    return reason


# --- the bad files of the issue ---------------------------------------------------------------

def _reference_text() -> str:
    return REFERENCE.read_text(encoding="utf-8")


def _bad_texts() -> dict[str, bytes]:
    ref = _reference_text()
    deep = '{"a": ' * 1000 + "1" + "}" * 1000
    cases = {
        "400-digit number": ref.replace("0.15", "9" * 400, 1),
        "5001-digit integer": ref.replace('"seed": 0', '"seed": ' + "9" * 5001),
        "loss as a list": ref.replace('"loss": "half_sse"', '"loss": ["half_sse"]'),
        "loss as an object": ref.replace('"loss": "half_sse"', '"loss": {"x": 1}'),
        "key holding a newline": ref.replace('"loss":', '"lo\\nss": 1, "loss":'),
        "NaN noise in the source": ref.replace('"targets": [[0.05, 0.82]]}',
                                               '"targets": [[0.05, 0.82]], '
                                               '"source": {"noise": NaN}}'),
        "source nested 1,000 deep": ref.replace('"targets": [[0.05, 0.82]]}',
                                                '"targets": [[0.05, 0.82]], "source": '
                                                + deep + "}"),
        "duplicate keys": ref.replace('"loss": "half_sse"',
                                      '"loss": "mse", "loss": "half_sse"'),
        "learning rate 1e13": ref.replace('"learning_rate": 0.01', '"learning_rate": 1e13'),
        "broken JSON": ref[: len(ref) // 2],
        "empty": "",
    }
    assert all(text != ref for text in cases.values())  # each replacement took
    out = {name: text.encode("utf-8") for name, text in cases.items()}
    out["not UTF-8"] = ref.encode("utf-8").replace(b"Reference", b"Ref\xff\xfeence")
    return out


BAD_TEXTS = _bad_texts()


@pytest.mark.parametrize("name", list(BAD_TEXTS))
def test_a_bad_document_is_one_message_and_the_open_one_is_kept(qtbot, window, dialogs,
                                                                tmp_path, monkeypatch, name):
    path = tmp_path / "bad.json"
    path.write_bytes(BAD_TEXTS[name])
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(path), "")))
    busy(window)
    before = state(window)
    window.open_action.trigger()  # File > Open
    reason = check_one_message(dialogs["critical"], "Cannot open the file")
    assert "bad.json" in reason or name in ("empty",), reason
    assert state(window) == before
    assert dialogs["question"].calls == []  # a file that cannot be read asks nothing


def _special_files(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "folder.json"
    folder.mkdir()
    sparse = tmp_path / "huge.json"
    with open(sparse, "wb") as fh:
        fh.truncate(limits.MAX_DOCUMENT_BYTES + 1)  # 80 MB, none of it on disk
    return {"a folder": folder, "too large": sparse, "missing": tmp_path / "gone.json",
            "a device": Path("/dev/zero")}


@pytest.mark.parametrize("name", ["a pipe", "a folder", "too large", "missing", "a device"])
def test_what_is_not_a_document_file_is_refused_before_it_is_read(qtbot, window, dialogs,
                                                                  tmp_path, name):
    busy(window)
    before = state(window)
    with fifo(tmp_path / "pipe.json") as pipe:
        path = pipe if name == "a pipe" else _special_files(tmp_path)[name]
        if name == "a device" and not path.exists():
            pytest.skip("no /dev/zero")
        started = time.monotonic()
        assert not window.open_path(path)
        elapsed = time.monotonic() - started
    assert elapsed < WATCHDOG_S - 1, f"waited {elapsed:.1f} s on {name}"
    reason = check_one_message(dialogs["critical"], "Cannot open the file")
    expected = {"a pipe": "not a regular file (a pipe)", "a folder": "is a folder",
                "too large": "too large", "missing": "no such file",
                "a device": "not a regular file (a device)"}[name]
    assert expected in reason
    assert state(window) == before


def _drop(win: MainWindow, path: Path) -> tuple[bool, bool]:
    """Drag ``path`` over the window and drop it; (entry accepted, drop accepted)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPointF(win.rect().center()), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter.setAccepted(False)
    win.dragEnterEvent(enter)
    drop = QDropEvent(QPointF(win.rect().center()), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    drop.setAccepted(False)
    win.dropEvent(drop)
    return enter.isAccepted(), drop.isAccepted()


@pytest.mark.parametrize("name", ["a pipe", "broken JSON", "5001-digit integer", "too large"])
def test_a_bad_file_dropped_on_the_window_is_one_message(qtbot, window, dialogs, tmp_path,
                                                         name):
    busy(window)
    before = state(window)
    with fifo(tmp_path / "pipe.json") as pipe:
        if name == "a pipe":
            path = pipe
        elif name == "too large":
            path = _special_files(tmp_path)["too large"]
        else:
            path = tmp_path / "dropped.json"
            path.write_bytes(BAD_TEXTS[name])
        assert _drop(window, path) == (True, True)
        qtbot.waitUntil(lambda: len(dialogs["critical"].calls) == 1, timeout=3000)
    check_one_message(dialogs["critical"], "Cannot open the file")
    assert state(window) == before


def test_a_good_file_dropped_on_the_window_opens(qtbot, window, dialogs, tmp_path):
    path = tmp_path / "good.json"
    doc = doc_io.loads(_reference_text().replace('"learning_rate": 0.01',
                                                 '"learning_rate": 0.25'))
    doc_io.save(doc, path)
    assert _drop(window, path) == (True, True)
    qtbot.waitUntil(lambda: window.model.config.learning_rate == 0.25, timeout=3000)
    assert window.model.path == path.resolve()
    assert dialogs["critical"].calls == []


def test_a_document_whose_training_cannot_start_shows_no_non_finite_number(qtbot, window,
                                                                          dialogs, tmp_path):
    """It loads (every number is within the limits), but its first iteration's pass leaves
    the range: stepping is refused with the reason, and what views show ahead of the
    sub-steps (a selected parameter's derivation and gradient, an output's error) says
    why instead of showing inf (before: "dE/dw1 = 2.6585e+300 * 1 * 1e+12 = inf", and a
    NumPy overflow warning)."""
    specs = [LayerSpec(64, "linear", "none")] * 10 + [LayerSpec(1, "linear", "none")]
    net = Network.create(64, specs, np.full(Network.count_parameters(64, specs), 1e12))
    doc = doc_io.Document(net, "mse", TrainingConfig("gd", learning_rate=1e-8),
                          Dataset(np.full((2, 64), 1e12), np.zeros((2, 1))))
    path = tmp_path / "steep.json"
    doc_io.save(doc, path)
    assert window.open_path(path)
    assert not window.model.step()
    assert "Training diverged at step 1" in window.statusBar().currentMessage()
    for element in (None, "w1", "b1" if "b1" in net.names else "w2", "Y1", "H1_1", "input:0",
                    "target:0"):
        window.model.select(element)
        shown = non_finite_on_screen(window)
        assert not shown, (element, shown)
    window.model.select("w1")
    assert "cannot be shown" in window.derivation_panel.plain_text()
    assert window.inspector.page.gradient.text() == "-"
    assert dialogs["critical"].calls == []


# --- CSV import -------------------------------------------------------------------------------

@pytest.fixture
def csv_import(window, monkeypatch):
    """Import through the data panel: the chosen file, the columns dialog recorded (and
    cancelled, should it ever show)."""
    shown: list[object] = []
    chosen = {"path": ""}
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (chosen["path"], "")))

    def exec_(dialog: CsvColumnsDialog) -> int:
        shown.append(dialog.header)
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(CsvColumnsDialog, "exec", exec_)
    panel = window.data_panel
    panel.kind.setCurrentIndex(panel.kind.findData("csv"))

    def run(path: Path) -> float:
        chosen["path"] = str(path)
        started = time.monotonic()
        panel.apply()
        return time.monotonic() - started

    return run, shown


@pytest.mark.parametrize("name", ["a pipe", "a folder", "too wide", "a device"])
def test_csv_import_refuses_what_it_cannot_read_at_once(qtbot, window, dialogs, csv_import,
                                                        tmp_path, name):
    run, shown = csv_import
    busy(window)
    before = state(window)
    with fifo(tmp_path / "pipe.csv") as pipe:
        if name == "a pipe":
            path = pipe
        elif name == "a folder":
            path = tmp_path / "folder.csv"
            path.mkdir()
        elif name == "a device":
            path = Path("/dev/zero")
            if not path.exists():
                pytest.skip("no /dev/zero")
        else:
            path = tmp_path / "wide.csv"
            columns = limits.MAX_CSV_COLUMNS + 1
            path.write_text(",".join(f"c{i}" for i in range(columns)) + "\n"
                            + ",".join("1" for _ in range(columns)) + "\n")
        elapsed = run(path)
    assert elapsed < WATCHDOG_S - 1, f"waited {elapsed:.1f} s on {name}"
    assert shown == []  # no column dialog for a file that cannot be read
    assert len(dialogs["warning"].calls) == 1
    _parent, title, text = dialogs["warning"].calls[0][:3]
    assert title == "Cannot import the CSV file"
    assert isinstance(text, str) and text.isprintable()
    expected = {"a pipe": "not a regular file (a pipe)", "a folder": "is a folder",
                "too wide": "1,025 columns", "a device": "not a regular file"}[name]
    assert expected in text, text
    assert state(window) == before


def test_csv_import_of_the_widest_file_shows_every_column(qtbot, window, dialogs, csv_import,
                                                          tmp_path):
    run, shown = csv_import
    path = tmp_path / "widest.csv"
    columns = limits.MAX_CSV_COLUMNS
    path.write_text(",".join(f"c{i}" for i in range(columns)) + "\n"
                    + ",".join("1" for _ in range(columns)) + "\n")
    run(path)
    assert shown == [[f"c{i}" for i in range(columns)]]
    assert dialogs["warning"].calls == []


# --- the engine's fuzzer, in the window -------------------------------------------------------

def test_fuzzed_documents_open_whole_or_not_at_all(qtbot, window, dialogs, tmp_path):
    tally = {"refused": 0, "opened": 0}
    failures: list[str] = []
    path = tmp_path / "fuzz.json"
    for index in range(50_000_000, 50_000_000 + FUZZ_N):
        case = make_case(index)
        path.write_bytes(case.text.encode("utf-8", "surrogatepass"))
        for recorder in dialogs.values():
            recorder.calls.clear()
        before = state(window)
        try:
            opened = window.open_path(path)
            if not opened:
                check_one_message(dialogs["critical"], "Cannot open the file")
                assert state(window) == before, "changed although refused"
                tally["refused"] += 1
                continue
            assert dialogs["critical"].calls == []
            expected = doc_io.load(path)  # as the engine reads the file
            assert window.model.document.to_json() == expected.to_json()
            assert np.array_equal(window.model.params, expected.network.params)
            assert window.model.undo_stack.count() == 0 and not window.model.modified
            window.model.step()
            shown = non_finite_on_screen(window)
            assert not shown, shown
            tally["opened"] += 1
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {str(exc)[:300]} in {case.describe()}")
    print(f"\nfuzzed documents opened in the window: {FUZZ_N}, {tally['refused']} refused "
          f"with one message, {tally['opened']} opened whole, {len(failures)} failures")
    assert not failures, "\n".join(failures[:5])
    assert tally["opened"] > 0 and tally["refused"] > 0
