"""File > Export handout... in the real window: each format written for the network as
it stands (HTML, Markdown, LaTeX, PDF; the PDF's text read back with pdftotext when it is
installed), a worksheet with its answer key beside it, a problem shown once and nothing
written."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from simulator.app.lessons.handout_export import HandoutDialog
from simulator.engine.numbers import format_number

from .lesson_window import Recorder, open_window

# ../shared/seed-example.md
OUT_H1 = 0.5384240912
DE_DW5 = 0.0729519972
NEW_W5 = 0.1792704800


@pytest.fixture
def window(qtbot, monkeypatch):
    return open_window(qtbot, monkeypatch)


def _choose(monkeypatch, fmt: str, worksheet: bool = False, digits: int = 5) -> None:
    def exec_(dialog: HandoutDialog) -> int:
        dialog.format_combo.setCurrentIndex(dialog.format_combo.findData(fmt))
        dialog.worksheet_check.setChecked(worksheet)
        dialog.digits_spin.setValue(digits)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(HandoutDialog, "exec", exec_)


def _export(qtbot, window, monkeypatch, out: Path, fmt: str, worksheet: bool = False,
            digits: int = 5) -> object:
    _choose(monkeypatch, fmt, worksheet, digits)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(Recorder((str(out), ""))))
    results: list[object] = []
    window.lessons.handout.finished.connect(results.append)
    window.lessons.handout_action.trigger()
    qtbot.waitUntil(lambda: bool(results), timeout=60_000)
    return results[0]


@pytest.mark.parametrize("fmt", ["md", "html", "tex", "pdf"])
def test_each_format_is_written_with_the_worked_numbers(qtbot, window, monkeypatch, tmp_path,
                                                        fmt):
    out = tmp_path / f"handout.{fmt}"
    written = _export(qtbot, window, monkeypatch, out, fmt)
    assert written == [out] and out.is_file()
    numbers = [format_number(v, 5) for v in (OUT_H1, DE_DW5, NEW_W5)]
    if fmt == "pdf":
        assert out.read_bytes().startswith(b"%PDF")
        if shutil.which("pdftotext") is None:
            pytest.skip("pdftotext is not installed")
        text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                              text=True, check=True).stdout
    else:
        text = out.read_text(encoding="utf-8")
        marker = {"md": "# Reference example", "html": "<html", "tex": "\\documentclass"}[fmt]
        assert marker in text
    for number in numbers:
        assert number in text, (fmt, number)
    assert f"Wrote {out.name}" in window.statusBar().currentMessage()


def test_the_handout_is_of_the_network_as_it_stands(qtbot, window, monkeypatch, tmp_path):
    qtbot.keyClick(window.canvas, Qt.Key.Key_Return)  # one whole iteration
    out = tmp_path / "after.md"
    _export(qtbot, window, monkeypatch, out, "md", digits=7)
    text = out.read_text(encoding="utf-8")
    # The starting parameters are the ones after the first update.
    assert f"| w5 | H1 -> Y1 | {format_number(NEW_W5, 7)} |" in text


def test_a_worksheet_has_its_key_beside_it(qtbot, window, monkeypatch, tmp_path):
    out = tmp_path / "sheet"
    written = _export(qtbot, window, monkeypatch, out, "md", worksheet=True)
    sheet, key = tmp_path / "sheet.md", tmp_path / "sheet-key.md"
    assert written == [sheet, key]
    assert format_number(OUT_H1, 5) not in sheet.read_text(encoding="utf-8")
    assert format_number(OUT_H1, 5) in key.read_text(encoding="utf-8")


def test_a_problem_is_shown_once_and_nothing_is_written(qtbot, window, monkeypatch,
                                                        tmp_path):
    critical = Recorder()
    monkeypatch.setattr(QMessageBox, "critical", critical)
    out = tmp_path / "no-such-folder" / "handout.html"
    result = _export(qtbot, window, monkeypatch, out, "html")
    assert isinstance(result, str) and "no such folder" in result
    assert len(critical.calls) == 1 and result in critical.calls[0][2]
    assert not out.parent.exists()
    assert not window.lessons.handout.busy
