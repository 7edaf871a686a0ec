"""File > Export handout...: the worked example of one training iteration of the open
network, as a handout or a worksheet (with its answer key beside it), in HTML, Markdown,
LaTeX or PDF, through :func:`simulator.engine.handout.write_handout`.

The window keeps answering: HTML, Markdown and LaTeX are written by a worker thread (the
engine is pure Python and NumPy). A PDF is laid out by Qt's QTextDocument on the GUI
thread (:mod:`simulator.engine.handout_pdf`), which cannot be split into slices: for the
lessons' largest networks it takes 1 to 2.5 seconds (``benchmarks/bench_lessons.py``),
so a progress window says what is happening while it runs. A problem gets one message
(the engine's one line), never a traceback; nothing is half written (each file is written
whole or not at all).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEventLoop, QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...engine.document import Document
from ...engine.handout import SUFFIXES, HandoutError, write_handout
from ...engine.limits import MAX_DIGITS, MIN_DIGITS

#: The formats offered, as the dialog names them.
FORMAT_NAMES: dict[str, str] = {"html": "HTML (one self-contained file)", "md": "Markdown",
                                "tex": "LaTeX (pdflatex)", "pdf": "PDF"}
FILTERS: dict[str, str] = {"html": "HTML (*.html)", "md": "Markdown (*.md)",
                           "tex": "LaTeX (*.tex)", "pdf": "PDF (*.pdf)"}


class HandoutDialog(QDialog):
    """Choose the format, worksheet or handout, and the digits."""

    def __init__(self, digits: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export handout")
        self.format_combo = QComboBox()
        self.format_combo.setObjectName("handoutFormat")
        for key, name in FORMAT_NAMES.items():
            self.format_combo.addItem(name, key)
        self.worksheet_check = QCheckBox("Worksheet: blanks for the computed numbers, and "
                                         "its answer key beside it")
        self.worksheet_check.setObjectName("handoutWorksheet")
        self.digits_spin = QSpinBox()
        self.digits_spin.setObjectName("handoutDigits")
        self.digits_spin.setRange(MIN_DIGITS, MAX_DIGITS)
        self.digits_spin.setValue(max(MIN_DIGITS, min(MAX_DIGITS, digits)))
        self.digits_spin.setToolTip("Significant digits of the numbers")
        form = QFormLayout()
        form.addRow("Format", self.format_combo)
        form.addRow("", self.worksheet_check)
        form.addRow("Digits", self.digits_spin)
        note = QLabel("The worked example of one training iteration of the network as it "
                      "stands: the forward pass, the error, every derivation in symbols and "
                      "numbers, the update.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export...")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(buttons)

    @property
    def fmt(self) -> str:
        """The chosen format ("html", "md", "tex" or "pdf")."""
        return str(self.format_combo.currentData())

    @property
    def worksheet(self) -> bool:
        """Whether a worksheet (and its key) is asked for."""
        return self.worksheet_check.isChecked()

    @property
    def digits(self) -> int:
        """The significant digits."""
        return self.digits_spin.value()


class _Signals(QObject):
    done = Signal(object)  # list[Path] or HandoutError


class _WriteJob(QRunnable):
    """write_handout on a worker thread (not for a PDF, which Qt lays out on the GUI
    thread)."""

    def __init__(self, doc: Document, fmt: str, out: Path, worksheet: bool,
                 digits: int) -> None:
        super().__init__()
        self.setAutoDelete(False)  # kept until its result is in
        self.signals = _Signals()
        self._args = (doc, fmt, out, worksheet, digits)

    def run(self) -> None:
        doc, fmt, out, worksheet, digits = self._args
        try:
            result: object = write_handout(doc, fmt, out, worksheet=worksheet, digits=digits)
        except HandoutError as exc:
            result = exc
        self.signals.done.emit(result)


def suggested_name(title: str, fmt: str, worksheet: bool) -> str:
    """A file name for the handout of a document titled ``title``."""
    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in title.strip().lower())
    stem = "-".join(p for p in stem.split("-") if p) or "network"
    return f"{stem}-{'worksheet' if worksheet else 'handout'}{SUFFIXES[fmt]}"


class HandoutExport(QObject):
    """Runs File > Export handout... for ``window`` (see the module docstring).

    ``finished(object)``: the files written (a list of paths), or the message of a
    problem (str), once per export.
    """

    finished = Signal(object)

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._job: _WriteJob | None = None
        self._progress: QProgressDialog | None = None
        self.busy = False

    def ask_and_export(self, doc: Document, title: str, digits: int) -> bool:
        """The dialog, the file dialog, then the export (False when cancelled)."""
        if self.busy:
            return False
        dialog = HandoutDialog(digits, self._window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        fmt, worksheet = dialog.fmt, dialog.worksheet
        path, _filter = QFileDialog.getSaveFileName(
            self._window, "Export worksheet" if worksheet else "Export handout",
            suggested_name(title, fmt, worksheet), FILTERS[fmt])
        if not path:
            return False
        out = Path(path)
        if out.suffix.lower() != SUFFIXES[fmt]:
            out = out.with_name(out.name + SUFFIXES[fmt])
        self.export(doc, fmt, out, worksheet, dialog.digits)
        return True

    def export(self, doc: Document, fmt: str, out: Path, worksheet: bool, digits: int) -> None:
        """Write the handout (a worker thread, or the GUI thread for a PDF)."""
        self.busy = True
        what = "worksheet and its answer key" if worksheet else "handout"
        progress = QProgressDialog(f"Writing the {what} ({fmt.upper()})...", "", 0, 0,
                                   self._window)
        progress.setWindowTitle("Export handout")
        progress.setCancelButton(None)  # a PDF cannot stop midway
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300 if fmt != "pdf" else 0)
        self._progress = progress
        if fmt == "pdf":
            progress.setLabelText(f"Laying out the {what} as a PDF...")
            progress.show()
            app = QApplication.instance()
            if app is not None:  # let the progress window paint before Qt's layout runs
                app.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
            try:
                result: object = write_handout(doc, fmt, out, worksheet=worksheet,
                                               digits=digits)
            except HandoutError as exc:
                result = exc
            self._done(result)
            return
        job = _WriteJob(doc, fmt, out, worksheet, digits)
        job.signals.done.connect(self._done, Qt.ConnectionType.QueuedConnection)
        self._job = job
        self._pool.start(job)

    def _done(self, result: object) -> None:
        self.busy = False
        self._job = None
        if self._progress is not None:
            self._progress.reset()
            self._progress.deleteLater()
            self._progress = None
        if isinstance(result, HandoutError):
            QMessageBox.critical(self._window, "Cannot export the handout",
                                 f"The handout was not written:\n\n{result}")
            self.finished.emit(str(result))
            return
        assert isinstance(result, list)
        self.finished.emit(result)

    def wait(self, msecs: int = 30_000) -> bool:
        """Wait for a worker's export (tests, closing)."""
        return self._pool.waitForDone(msecs)


__all__ = ["FILTERS", "FORMAT_NAMES", "HandoutDialog", "HandoutExport", "suggested_name"]
