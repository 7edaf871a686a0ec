"""Reading a document without freezing the window.

A document can be up to :data:`~simulator.engine.limits.MAX_DOCUMENT_BYTES` (80 MB); reading
and checking the largest takes seconds. :func:`load_document` reads a small file directly
(a few milliseconds) and a large one on a worker thread, while a progress dialog (with
Cancel) keeps the window painted and answering. The dialog is window-modal, so nothing can
change the document while it is read; a cancelled read goes on in the background and its
result is dropped.
"""

from __future__ import annotations

import concurrent.futures
import sys
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QProgressDialog, QWidget

from ..engine import document as doc_io
from ..engine.document import Document

#: Files up to this size are read on the GUI thread (about 40 ms at most).
DIRECT_BYTES = 1_000_000
#: How often the waiting loop looks whether the read is done.
POLL_MS = 15
#: The dialog shows only when a read takes longer than this.
DIALOG_DELAY_MS = 300
#: Python's thread switch interval while a read runs (the default is 5 ms). The read holds
#: the GIL between its switches, and every event handler of the window written in Python
#: waits for one: showing the dialog alone runs dozens of them, which cost 380 ms at 5 ms.
READ_SWITCH_INTERVAL_S = 0.0005

_executor: concurrent.futures.ThreadPoolExecutor | None = None


def _pool() -> concurrent.futures.ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = concurrent.futures.ThreadPoolExecutor(max_workers=1,
                                                          thread_name_prefix="load")
    return _executor


def load_document(path: str | Path, parent: QWidget | None,
                  title: str = "Opening") -> Document | None:
    """The document at ``path`` (see the module docstring); None when the user cancelled.
    A file that cannot be read raises :class:`~simulator.engine.document.DocumentError`,
    as :func:`simulator.engine.document.load` does."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError:
        size = 0  # the loader says why the file cannot be read
    if size <= DIRECT_BYTES:
        return doc_io.load(p)
    future = _pool().submit(doc_io.load, p)
    dialog = QProgressDialog(f"Reading \u201c{p.name}\u201d ({size / 1e6:.0f} MB)...",
                             "Cancel", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(DIALOG_DELAY_MS)
    dialog.setAutoReset(False)
    dialog.setValue(0)
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(POLL_MS)
    timer.timeout.connect(lambda: loop.quit() if future.done() or dialog.wasCanceled()
                          else None)
    dialog.canceled.connect(loop.quit)
    timer.start()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, READ_SWITCH_INTERVAL_S))
    try:
        if not future.done():
            loop.exec()
    finally:
        sys.setswitchinterval(interval)
        timer.stop()
        cancelled = dialog.wasCanceled()
        dialog.close()
        dialog.deleteLater()
    if cancelled:
        return None
    return future.result()


__all__ = ["DIRECT_BYTES", "load_document"]
