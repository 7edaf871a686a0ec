"""A large document is read on a worker thread while the window stays live
(app/loading.py), through File > Open and the crash-recovery restore alike."""

from __future__ import annotations

import itertools
import time

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from simulator.app import loading
from simulator.app.main_window import MainWindow
from simulator.engine import document as doc_io
from simulator.engine import edits
from simulator.resources import example_path


@pytest.fixture
def window(qtbot):
    win = MainWindow(persist=False)
    qtbot.addWidget(win, before_close_func=lambda w: w.set_confirm_on_close(False))
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def slow_reads(monkeypatch):
    """Every file is read on the worker (as a large one is), taking at least 0.6 s."""
    real = doc_io.load

    def slow(path):
        time.sleep(0.6)
        return real(path)

    monkeypatch.setattr(loading, "DIRECT_BYTES", -1)
    monkeypatch.setattr(loading.doc_io, "load", slow)


def _xor_file(tmp_path):
    doc = edits.new_document((2, 3, 1), "sigmoid").with_changes(name="Big one")
    path = tmp_path / "big.json"
    doc_io.save(doc, path)
    return path


def test_the_window_answers_while_a_large_file_is_read(qtbot, window, slow_reads, tmp_path):
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    started = time.perf_counter()
    assert window.open_path(_xor_file(tmp_path))
    took = time.perf_counter() - started
    timer.stop()
    assert window.model.document.name == "Big one"
    assert took >= 0.6
    # the event loop kept running during the read: no gap near the read's length
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) >= 15 and max(gaps) < 0.45  # never the whole 0.6 s read


def test_cancelling_a_read_keeps_the_open_document(qtbot, window, slow_reads, tmp_path):
    before = window.model.document

    def cancel():
        dialog = next((w for w in QApplication.topLevelWidgets()
                       if isinstance(w, QProgressDialog)), None)
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, cancel)
        else:
            dialog.cancel()

    QTimer.singleShot(350, cancel)  # after the dialog's delay
    assert not window.open_path(_xor_file(tmp_path))
    assert window.model.document is before
    assert "cancelled" in window.statusBar().currentMessage()


def test_a_bad_large_file_gets_the_loaders_message(qtbot, window, slow_reads, tmp_path,
                                                  monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "critical",
                        lambda *args, **kwargs: shown.append(args[2]))
    bad = tmp_path / "bad.json"
    bad.write_text(example_path("reference.json").read_text().replace('"layers"', '"layers_"'))
    before = window.model.document
    assert not window.open_path(bad)
    assert window.model.document is before
    assert len(shown) == 1 and "layers" in shown[0]
