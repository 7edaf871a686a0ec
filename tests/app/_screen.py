"""What the main window shows, as text, for tests that look for numbers that must never
appear (``inf``, ``nan``): the derivation panel, the stage strip, the canvas's labels,
the inspector's labels and fields, the loss plot's label, the data table's shown row and
the status line. Pending redraws are done first.

Text the user typed (a field being edited or refused, an inline editor, an error message
quoting it) is not the app's number and is left out.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit

from simulator.app.canvas.items import ValueLabel
from simulator.app.main_window import MainWindow
from simulator.app.widgets import ERROR_COLOR, ValidatedField

#: A non-finite number as format_number or Python would print it.
NON_FINITE = re.compile(r"(?<![\w.])[-+]?(?:inf(?:inity)?|nan)(?!\w)", re.IGNORECASE)


def screen_texts(win: MainWindow) -> dict[str, str]:
    """The texts the window shows now, by where they are."""
    texts: dict[str, str] = {}
    texts["derivation panel"] = win.derivation_panel.plain_text()
    strip = win.stage_strip
    texts["stage strip"] = "\n".join((strip.info_text(), strip.title_text(), strip.loss_text()))
    win.canvas.flush()
    texts["canvas"] = "\n".join(item.text() for item in win.canvas.content.all_items()
                                if isinstance(item, ValueLabel))
    page = win.inspector.page
    if page is not None:
        fields = page.findChildren(ValidatedField)
        skip = {id(f.edit) for f in fields if f.dirty or f.refused}
        skip |= {id(f.error_label) for f in fields}
        labels = [w.text() for w in page.findChildren(QLabel)
                  if id(w) not in skip and ERROR_COLOR not in w.styleSheet()]
        edits = [w.text() for w in page.findChildren(QLineEdit) if id(w) not in skip]
        texts["inspector"] = "\n".join(labels + edits)
    win.loss_plot.flush()
    texts["loss plot"] = win.loss_plot.latest.text()
    table = win.data_panel.train_model
    row = table.current_row
    if row >= 0:
        texts["data table"] = " ".join(
            str(table.data(table.index(row, c), Qt.ItemDataRole.DisplayRole))
            for c in range(table.columnCount()))
    texts["status line"] = win.statusBar().currentMessage()
    return texts


def non_finite_on_screen(win: MainWindow) -> list[str]:
    """Where the window shows a non-finite number, with the text around it."""
    found = []
    for where, text in screen_texts(win).items():
        for match in NON_FINITE.finditer(text):
            start = max(0, match.start() - 60)
            found.append(f"{where}: ...{text[start:match.end() + 20]!r}...")
    return found


__all__ = ["NON_FINITE", "non_finite_on_screen", "screen_texts"]
