"""Shared set-up of the lesson player tests: the real main window at a projector's size,
and helpers that wait for a step to be reached and read what it shows."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QMessageBox

from simulator.app.lessons.player import LessonPlayer
from simulator.app.main_window import MainWindow


class Recorder:
    """Stands in for a blocking static QMessageBox / QFileDialog call."""

    def __init__(self, result=None):
        self.calls: list[tuple] = []
        self.result = result

    def __call__(self, *args, **kwargs):
        self.calls.append(args)
        return self.result


def _unexpected_dialog(*args, **kwargs):
    raise AssertionError(f"unexpected modal dialog: {args[1:3]}")


def _no_prompt(win: MainWindow) -> None:
    win.runner.pause()
    win.lessons.mover.cancel()
    win.set_confirm_on_close(False)


def open_window(qtbot, monkeypatch, size=(1024, 768), persist: bool = True) -> MainWindow:
    """The real window, shown and active, with every blocking dialog failing the test."""
    for name in ("question", "critical", "warning", "information", "about"):
        monkeypatch.setattr(QMessageBox, name, _unexpected_dialog)
    win = MainWindow(persist=persist)
    qtbot.addWidget(win, before_close_func=_no_prompt)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    return win


def settle(qtbot, player: LessonPlayer, timeout: int = 120_000) -> None:
    """Wait until the step is reached (a run finished) and the function lab's background
    work (derivatives, the pirate) is done."""
    lab = player.window.function_lab.lab_model
    qtbot.waitUntil(lambda: not player.busy and not lab.pirate_busy
                    and not lab.derivatives_busy, timeout=timeout)
    QApplication.processEvents()


__all__ = ["Recorder", "open_window", "settle"]
