"""Shared widgets: the live label that repaints without a new layout of the window, and
the field a value is typed into."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget

from simulator.app.widgets import ERROR_COLOR, LiveLabel, NumberField
from simulator.engine.numbers import NumberError, parse_number


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


# --- the validated field -------------------------------------------------------------------

def _field(qtbot, accept: bool) -> tuple[NumberField, list[float]]:
    committed: list[float] = []

    def commit(value: float) -> bool:
        committed.append(value)
        return accept

    field = NumberField(commit, what="the rate", minimum=0.0)
    qtbot.addWidget(field)
    field.show_text("0.5")
    return field, committed


def _type(qtbot, field, text: str) -> None:
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, text)
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)


def test_unreadable_text_shows_the_one_parsers_reason_under_the_field(qtbot):
    field, committed = _field(qtbot, accept=True)
    _type(qtbot, field, "-1")
    with pytest.raises(NumberError) as refused:
        parse_number("-1", "the rate", minimum=0.0)
    assert field.error == str(refused.value) == "the rate must be at least 0"
    assert field.refused and not field.error_label.isHidden()
    assert ERROR_COLOR in field.edit.styleSheet()
    assert committed == [] and field.text() == "-1"
    _type(qtbot, field, "0,25")  # a decimal comma, as everywhere
    assert committed == [0.25]
    assert not field.refused and field.edit.styleSheet() == ""


def test_a_value_the_commit_refuses_stays_marked_without_a_second_message(qtbot):
    field, committed = _field(qtbot, accept=False)
    _type(qtbot, field, "2")
    assert committed == [2.0]
    assert field.refused and field.text() == "2" and field.dirty
    assert field.error == "" and field.error_label.isHidden()
    assert ERROR_COLOR in field.edit.styleSheet()
    qtbot.keyClick(field.edit, Qt.Key.Key_Escape)
    assert not field.refused and field.text() == "0.5"
