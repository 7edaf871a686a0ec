"""Offering what a crash left: the recovery dialog and the restore; and the app's set-up
of autosave (:func:`start_autosave`).

At start (:func:`start_autosave`), every autosaved document whose
window is gone is offered in turn, newest first, in a :class:`RecoveryDialog` that names
the document, when it was autosaved and the file it came from:

- **Restore** opens it as an unsaved, modified network (the user's own file is not
  touched; Save asks where to save it). Its autosaved copy becomes this window's, so it
  stays recoverable. Nothing more is offered until the next start.
- **Discard** deletes the autosaved copy and offers the next one.
- **Later** keeps it (and the rest) for the next start.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDateTime, QLocale, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ..engine.document import DocumentError
from ..engine.text import printable
from .autosave import Autosaver, RecoveryEntry, RecoveryStore, tidy_in_background
from .loading import load_document

if TYPE_CHECKING:
    from .main_window import MainWindow

log = logging.getLogger("backprop_lab")

RESTORE = "restore"
DISCARD = "discard"
LATER = "later"


def saved_time(entry: RecoveryEntry) -> str:
    """When ``entry`` was autosaved, in the user's locale ("3/5/26 14:03")."""
    moment = QDateTime.fromMSecsSinceEpoch(int(entry.saved_at * 1000))
    return QLocale().toString(moment, QLocale.FormatType.ShortFormat)


class RecoveryDialog(QMessageBox):
    """Offers one autosaved document: Restore, Discard or Later (Esc)."""

    def __init__(self, entry: RecoveryEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recoveryDialog")
        self.entry = entry
        self.setIcon(QMessageBox.Icon.Question)
        self.setWindowTitle("Recover unsaved work")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(f"Backprop Lab did not close properly. An autosaved copy of "
                     f"\u201c{entry.shown_name}\u201d from {saved_time(entry)} can be "
                     "restored.")
        where = (f"It was opened from {printable(entry.original, 200)}."
                 if entry.original else "It had not been saved to a file.")
        self.setInformativeText(
            f"{where}\n\nRestore opens it as an unsaved network (no file is changed). "
            "Discard deletes the autosaved copy. Later keeps it for the next start.")
        self.restore_button = self.addButton("&Restore", QMessageBox.ButtonRole.AcceptRole)
        self.discard_button = self.addButton("&Discard",
                                             QMessageBox.ButtonRole.DestructiveRole)
        self.later_button = self.addButton("&Later", QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.restore_button)
        self.setEscapeButton(self.later_button)

    def choice(self) -> str:
        """What the user chose: :data:`RESTORE`, :data:`DISCARD` or :data:`LATER`."""
        clicked = self.clickedButton()
        if clicked is self.restore_button:
            return RESTORE
        if clicked is self.discard_button:
            return DISCARD
        return LATER

    def ask(self) -> str:
        """Show the dialog (modal) and return the choice."""
        self.exec()
        return self.choice()


def offer_recovery(window: MainWindow, autosaver: Autosaver) -> bool:
    """Offer each autosaved document a crash left, newest first (see the module's
    docstring). Returns whether one was restored."""
    entries = autosaver.store.orphans(skip=[autosaver.slot.key])
    restored = False
    for n, entry in enumerate(entries):
        dialog = RecoveryDialog(entry, window)
        choice = dialog.ask()
        dialog.deleteLater()
        if choice == DISCARD:
            autosaver.store.discard(entry)
            continue
        if choice == RESTORE:
            restored = restore(window, autosaver, entry)
        else:
            autosaver.store.release(entry)
        for rest in entries[n + 1:]:
            autosaver.store.release(rest)
        break
    return restored


def restore(window: MainWindow, autosaver: Autosaver, entry: RecoveryEntry) -> bool:
    """Open ``entry`` in ``window`` as an unsaved, modified network and make its autosaved
    copy the window's. A copy that cannot be read is kept and the reason shown."""
    try:
        doc = load_document(entry.document_path, window, "Restoring")
    except DocumentError as exc:
        autosaver.store.release(entry)
        QMessageBox.warning(window, "Cannot restore",
                            f"The autosaved copy of \u201c{entry.shown_name}\u201d cannot be "
                            f"opened:\n\n{exc}\n\nIt stays in {autosaver.store.folder}.")
        return False
    if doc is None:  # cancelled: the copy stays for the next start
        autosaver.store.release(entry)
        return False
    if not window.maybe_save():
        autosaver.store.release(entry)
        return False
    window.runner.pause()
    try:
        autosaver.adopt(entry)
    except OSError:
        autosaver.store.release(entry)  # it stays where it is; the next autosave copies it
    window.model.set_document(doc, None, modified=True)
    window.zoom_to_fit()
    window.show_message(f"Restored \u201c{entry.shown_name}\u201d as autosaved at "
                        f"{saved_time(entry)}. It is not saved yet: File > Save As keeps it.",
                        20000)
    return True


def start_autosave(window: MainWindow, folder: str | os.PathLike[str] | None = None,
                   offer: bool = True) -> Autosaver | None:
    """Autosave ``window``'s document from now on, offer what a crash left (after the
    window is shown), and tidy the folders of the recent files and of recovery in the
    background. Returns None (and says so in the status line) when the recovery folder
    cannot be written."""
    store = RecoveryStore(folder)
    try:
        autosaver = Autosaver(window.model, store, parent=window)
    except OSError as exc:
        message = f"Autosave is off: {printable(str(exc), 200)}"
        log.warning("%s", message)
        window.show_message(message, 15000)
        return None
    autosaver.failed.connect(lambda message: window.show_message(message, 15000))
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(autosaver.close)
    recent = [Path(p).parent for p in window.settings.recent_files]
    tidy_in_background([store.folder, *recent])
    if offer:
        QTimer.singleShot(0, lambda: offer_recovery(window, autosaver))
    return autosaver


__all__ = ["DISCARD", "LATER", "RESTORE", "RecoveryDialog", "offer_recovery", "restore",
           "saved_time", "start_autosave"]
