"""A handout's HTML laid out as a PDF by Qt (QTextDocument and QPdfWriter).

This is the one module under ``simulator/engine`` that uses Qt, and it imports Qt only
inside :func:`pdf_bytes`, which only :func:`simulator.engine.handout.write_handout` calls
for a PDF: importing it (or anything else in the engine) loads no Qt. PySide6 is already a
dependency of the app, so a PDF needs nothing new (no LaTeX, no browser).

Without a running Qt application (the command line), one is made on the ``offscreen``
platform, so that a PDF is written without a display; in the app the running one is used.
"""

from __future__ import annotations

#: The page: A4 with margins of this many millimetres.
MARGIN_MM = 18.0
#: The body text's size in points.
FONT_POINTS = 10.0


def pdf_bytes(html_text: str, title: str) -> bytes:
    """The PDF of ``html_text`` (a handout's HTML), on A4 pages. RuntimeError (with a
    message for the user) when Qt cannot be used."""
    try:
        from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QMarginsF
        from PySide6.QtGui import (
            QFont,
            QGuiApplication,
            QPageLayout,
            QPageSize,
            QPdfWriter,
            QTextDocument,
        )
    except ImportError as exc:  # a Qt-less install of the engine
        raise RuntimeError(f"a PDF needs PySide6, which cannot be loaded ({exc})") from None

    app = QCoreApplication.instance()
    if app is None:
        # Our own application on the offscreen platform: no display needed. Kept on the
        # function so that it lives as long as the process (Qt allows only one).
        app = QGuiApplication(["backprop-lab", "-platform", "offscreen"])
        pdf_bytes._app = app  # type: ignore[attr-defined]
    elif not isinstance(app, QGuiApplication):
        raise RuntimeError("a PDF needs a Qt GUI application (fonts); this program runs "
                           "a console-only one")

    document = QTextDocument()
    font = QFont("DejaVu Serif")
    font.setStyleHint(QFont.StyleHint.Serif)
    font.setPointSizeF(FONT_POINTS)
    document.setDefaultFont(font)
    document.setHtml(html_text)
    document.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, title)

    data = QByteArray()
    buffer = QBuffer(data)
    if not buffer.open(QIODevice.OpenModeFlag.WriteOnly):
        raise RuntimeError("cannot open a buffer for the PDF")
    writer = QPdfWriter(buffer)
    writer.setTitle(title)
    writer.setCreator("Backprop Lab")
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
                          QPageLayout.Unit.Millimeter)
    document.print_(writer)
    del writer  # finishes the PDF
    buffer.close()
    return bytes(data.data())


__all__ = ["FONT_POINTS", "MARGIN_MM", "pdf_bytes"]
