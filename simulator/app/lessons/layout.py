"""Where a lesson step's views go in the main window.

The lesson pane always sits in the same place, across the whole bottom of the window, so
the students' eyes always find the text in one place (on a 1024x768 projector a line holds
about fifty large characters). Above it the canvas (or the function lab) takes the centre
and the step's other views share the right-hand column, top to bottom in the order the
lesson lists them: the derivation first, then the cost surface, the loss and the decision
boundary. Views the step does not list are hidden.

:func:`arrange_step` puts the docks there (only when the set of views changes, so that
stepping through a lesson does not shuffle the window) and :func:`apply_step_sizes` gives
them their shares. :class:`SavedLayout` keeps the window's own arrangement from before the
lesson, and puts it back when the lesson is left.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow

Area = Qt.DockWidgetArea
Corner = Qt.Corner

#: The views that go in the right-hand column, in this order.
COLUMN_ORDER: tuple[str, ...] = ("derivation", "surface", "loss", "boundary")
#: The lesson pane's share of the window's height, and the column's of its width.
PANE_SHARE = 0.36
COLUMN_SHARE = 0.38
#: In the column, the derivation's share of the height when plots share it.
DERIVATION_SHARE = 0.6


def column_views(show: tuple[str, ...]) -> list[str]:
    """The docks a step's ``show`` puts in the right-hand column, top to bottom."""
    return [key for key in COLUMN_ORDER if key in show]


def arrange_step(window: QMainWindow, docks: dict[str, QDockWidget], pane: QDockWidget,
                 show: tuple[str, ...], previous: tuple[str, ...] | None) -> None:
    """Put ``pane`` across the bottom and the column views of ``show`` on the right (see
    the module docstring); hide every other dock. ``previous`` is the column arranged
    last (None: never), kept as it is when it is the same."""
    column = column_views(show)
    window.setCorner(Corner.BottomLeftCorner, Area.BottomDockWidgetArea)
    window.setCorner(Corner.BottomRightCorner, Area.BottomDockWidgetArea)
    keep = previous is not None and tuple(column) == previous \
        and window.dockWidgetArea(pane) == Area.BottomDockWidgetArea
    for key, dock in docks.items():
        if dock is pane:
            continue
        if key not in column:
            dock.hide()
    if not keep:
        # Every move relays the window out (and a large network's canvas lays itself out
        # again on each resize): move only what is not where it goes.
        if pane.isFloating():
            pane.setFloating(False)
        if window.dockWidgetArea(pane) != Area.BottomDockWidgetArea \
                or window.tabifiedDockWidgets(pane):
            window.addDockWidget(Area.BottomDockWidgetArea, pane)
        above = None
        for key in column:
            dock = docks[key]
            if dock.isFloating():
                dock.setFloating(False)
            if above is None:
                window.addDockWidget(Area.RightDockWidgetArea, dock)
            else:
                window.splitDockWidget(above, dock, Qt.Orientation.Vertical)
            above = dock
    pane.show()
    for key in column:
        docks[key].show()


def apply_step_sizes(window: QMainWindow, docks: dict[str, QDockWidget], pane: QDockWidget,
                     show: tuple[str, ...]) -> None:
    """Give the pane, the column and the views in it their shares of the window."""
    height = max(window.height(), 400)
    width = max(window.width(), 600)
    if pane.isVisible():
        window.resizeDocks([pane], [int(height * PANE_SHARE)], Qt.Orientation.Vertical)
    column = [docks[k] for k in column_views(show) if docks[k].isVisible()]
    if not column:
        return
    window.resizeDocks([column[0]], [int(width * COLUMN_SHARE)], Qt.Orientation.Horizontal)
    if len(column) > 1:
        room = int(height * (1 - PANE_SHARE))
        if column[0] is docks.get("derivation"):
            first = int(room * DERIVATION_SHARE)
            rest = (room - first) // (len(column) - 1)
            sizes = [first] + [rest] * (len(column) - 1)
        else:
            sizes = [room // len(column)] * len(column)
        window.resizeDocks(column, sizes, Qt.Orientation.Vertical)


@dataclass
class SavedLayout:
    """The window's arrangement before a lesson: Qt's saved state of the docks and
    toolbars, and the corners (which the state does not hold)."""

    state: QByteArray
    corners: dict[Corner, Area]

    @classmethod
    def of(cls, window: QMainWindow, version: int) -> SavedLayout:
        """The arrangement of ``window`` now."""
        corners = {c: window.corner(c) for c in (Corner.TopLeftCorner, Corner.TopRightCorner,
                                                 Corner.BottomLeftCorner,
                                                 Corner.BottomRightCorner)}
        return cls(window.saveState(version), corners)

    def restore(self, window: QMainWindow, version: int) -> None:
        """Put it back."""
        for corner, area in self.corners.items():
            window.setCorner(corner, area)
        window.restoreState(self.state, version)


__all__ = ["COLUMN_ORDER", "COLUMN_SHARE", "DERIVATION_SHARE", "PANE_SHARE", "SavedLayout",
           "apply_step_sizes", "arrange_step", "column_views"]
