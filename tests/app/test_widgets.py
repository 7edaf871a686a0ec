"""Shared widgets: the live label that repaints without a new layout of the window."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget

from simulator.app.widgets import LiveLabel


class LayoutRequests(QObject):
    """Counts the layout requests a widget receives."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def test_live_label_asks_for_a_layout_only_when_it_needs_more_room(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    label = LiveLabel("Iteration 100")
    QHBoxLayout(host).addWidget(label)
    host.show()
    qtbot.waitExposed(host)
    QApplication.processEvents()  # the first layout
    requests = LayoutRequests(host)
    label.setText("Iteration 101")  # as wide: a repaint only
    label.setText("Iteration 9")  # narrower: the room is kept
    QApplication.processEvents()
    assert requests.count == 0
    assert label.text() == "Iteration 9"
    hint = label.sizeHint().width()
    label.setText("Iteration 100000")  # wider: one new layout
    QApplication.processEvents()
    assert requests.count == 1
    assert label.sizeHint().width() > hint
    label.setText("one line\nand a second")  # more lines: a new layout
    QApplication.processEvents()
    assert requests.count == 2
    assert label.text() == "one line\nand a second"


def test_live_label_reserve_and_elision(qtbot):
    label = LiveLabel("E = 0.1", reserve="last E = 0.000888888", minimum_width=30)
    qtbot.addWidget(label)
    wide = label.fontMetrics().horizontalAdvance("last E = 0.000888888")
    assert label.sizeHint().width() >= wide
    assert label.minimumSizeHint().width() == 30  # may be squeezed (and elided)
    fixed = LiveLabel("Iteration 1, sub-step 0/17", elide=False)
    qtbot.addWidget(fixed)
    assert fixed.minimumSizeHint() == fixed.sizeHint()
    fixed.set_reserve("Iteration 88888, sub-step 17/17")
    assert fixed.minimumSizeHint().width() > fixed.fontMetrics().horizontalAdvance(
        "Iteration 1, sub-step 0/17")
    label.resize(40, label.sizeHint().height())
    label.show()
    qtbot.waitExposed(label)
    label.grab()  # elided painting
