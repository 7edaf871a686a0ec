"""Guard against the PySide6 6.12.0 / Python 3.11 None-refcount bug.

That combination drops a reference to None on every void-returning call; a
long-running app eventually hits "Fatal Python error: none_dealloc".
pyproject.toml keeps Python 3.11 on PySide6 < 6.12; this test fails if that
pin is ever lost (on 3.12+ None is immortal, so it always passes there).

The calls are made in small batches and checked after each one, so a broken
binding makes the test fail (and the damage is repaired) long before None's
refcount can reach zero and take the whole test process down.
"""

from __future__ import annotations

import sys

ITERATIONS = 20_000
BATCH = 100
SLACK = 100

# References handed back to None if the binding leaked some, so the rest of
# the session survives a failure of this test. Never freed on purpose.
_NONE_REPAIR: list[None] = []


def test_void_calls_keep_none_refcount(qapp):
    from PySide6.QtCore import QLineF, QRect
    from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen

    image = QImage(64, 64, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    pen = QPen(QColor("black"))
    brush = QBrush(QColor("red"))
    line = QLineF(0.0, 0.0, 63.0, 63.0)
    rect = QRect(4, 4, 20, 20)

    painter = QPainter(image)
    before = sys.getrefcount(None)
    lost = 0
    done = 0
    try:
        while done < ITERATIONS:
            for _ in range(BATCH):
                painter.save()
                painter.setPen(pen)
                painter.setBrush(brush)
                painter.drawLine(line)
                painter.drawRect(rect)
                painter.restore()
            done += BATCH
            lost = before - sys.getrefcount(None)
            if lost > SLACK:
                break
    finally:
        painter.end()
        if lost > 0:
            _NONE_REPAIR.extend([None] * lost)

    assert lost <= SLACK, (
        f"sys.getrefcount(None) fell by {lost} after {done} iterations of void "
        f"QPainter calls: this PySide6 ({_pyside_version()}) on Python "
        f"{sys.version.split()[0]} leaks None references (the 6.12.0/3.11 bug); "
        "pin PySide6-Essentials < 6.12 for this Python"
    )


def _pyside_version() -> str:
    import PySide6

    return PySide6.__version__
