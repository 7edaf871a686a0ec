"""The main window's default arrangements of its docks, for small and large screens.

The canvas is the central widget (with the stage strip above it). Around it:

- *compact* (a 1024x768 projector, a laptop): the derivation takes the right side at
  full height, with the editing panels (:data:`~.view_registry.EDIT`: inspector, data) as
  tabs behind it; the plots (:data:`~.view_registry.PLOTS`: cost surface, loss, ...) sit
  under the canvas as tabs, the cost surface in front. Canvas, strip, derivation and
  surface are all on screen together.
- *wide* (1920x1080 and up): the derivation and the editing panels are two columns on the
  right; under the canvas the cost surface and the loss sit side by side (further plots
  as tabs behind the loss).

Presenter mode keeps only the views marked for it and gives the canvas and the
derivation their share of the whole screen (:func:`apply_sizes` with ``presenter``).
Nothing here is saved: the window saves Qt's own state of whatever the user arranged.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabBar, QTabWidget

from .view_registry import EDIT, LESSON, PLOTS, ViewSpec

COMPACT, WIDE = "compact", "wide"
#: A window at least this wide gets the wide arrangement.
WIDE_MIN_WIDTH = 1800
#: Shares of the window: the right side (derivation, plus the editing column when wide),
#: and the plots' height under the canvas.
LESSON_SHARE = {COMPACT: 0.45, WIDE: 0.30}
EDIT_SHARE = 0.19
PLOTS_SHARE = {COMPACT: 0.37, WIDE: 0.40}
#: Of the plots side by side (wide), the first one's (the cost surface's) share.
SURFACE_SHARE = 0.6
#: In presenter mode (no menus, toolbars or status bar).
PRESENTER_LESSON_SHARE = 0.38
PRESENTER_PLOTS_SHARE = 0.30

Area = Qt.DockWidgetArea


def layout_kind(width: int) -> str:
    """:data:`WIDE` for a window at least :data:`WIDE_MIN_WIDTH` wide, else :data:`COMPACT`."""
    return WIDE if width >= WIDE_MIN_WIDTH else COMPACT


def _by_group(specs: Sequence[ViewSpec], docks: dict[str, QDockWidget],
              group: str) -> list[QDockWidget]:
    return [docks[s.key] for s in specs if s.group == group and s.key in docks]


def arrange(window: QMainWindow, specs: Sequence[ViewSpec], docks: dict[str, QDockWidget],
            kind: str) -> None:
    """Put every dock where ``kind`` wants it (shown, docked, in front within its group)."""
    window.setCorner(Qt.Corner.BottomRightCorner, Area.RightDockWidgetArea)
    window.setCorner(Qt.Corner.TopRightCorner, Area.RightDockWidgetArea)
    window.setCorner(Qt.Corner.BottomLeftCorner, Area.LeftDockWidgetArea)
    window.setCorner(Qt.Corner.TopLeftCorner, Area.LeftDockWidgetArea)
    window.setTabPosition(Area.RightDockWidgetArea, QTabWidget.TabPosition.North)
    window.setTabPosition(Area.BottomDockWidgetArea, QTabWidget.TabPosition.North)
    for dock in docks.values():
        dock.setFloating(False)
        window.removeDockWidget(dock)
    lesson = _by_group(specs, docks, LESSON)
    edit = _by_group(specs, docks, EDIT)
    plots = _by_group(specs, docks, PLOTS)
    right = lesson + edit
    if kind == WIDE and lesson and edit:
        window.addDockWidget(Area.RightDockWidgetArea, lesson[0])
        window.addDockWidget(Area.RightDockWidgetArea, edit[0])
        window.splitDockWidget(lesson[0], edit[0], Qt.Orientation.Horizontal)
        _tabify(window, lesson)
        _tabify(window, edit)
    elif right:
        window.addDockWidget(Area.RightDockWidgetArea, right[0])
        _tabify(window, right)
    if plots:
        window.addDockWidget(Area.BottomDockWidgetArea, plots[0])
        if kind == WIDE and len(plots) > 1:
            window.addDockWidget(Area.BottomDockWidgetArea, plots[1])
            window.splitDockWidget(plots[0], plots[1], Qt.Orientation.Horizontal)
            _tabify(window, plots[1:])
        else:
            _tabify(window, plots)
    for dock in docks.values():
        dock.show()
    for group in (lesson, edit, plots):
        if group:
            bring_to_front(group[0])


def bring_to_front(dock: QDockWidget) -> None:
    """Show ``dock`` and put it in front of the docks tabbed with it.

    ``QDockWidget.raise_`` alone does not always switch the tab: in the wide arrangement
    (a dock split off and then tabbed with another) Qt keeps the old tab current. The tab
    bar that holds the dock's title is then switched directly.
    """
    dock.show()
    dock.raise_()
    window = dock.parentWidget()
    if not isinstance(window, QMainWindow) or dock.isFloating():
        return
    tabbed = window.tabifiedDockWidgets(dock)
    if not tabbed:
        return
    titles = {dock.windowTitle(), *(d.windowTitle() for d in tabbed)}
    for bar in window.findChildren(QTabBar):
        texts = [bar.tabText(i) for i in range(bar.count())]
        if dock.windowTitle() in texts and set(texts) <= titles:
            bar.setCurrentIndex(texts.index(dock.windowTitle()))
            return


def _tabify(window: QMainWindow, docks: list[QDockWidget]) -> None:
    for first, second in itertools.pairwise(docks):
        window.tabifyDockWidget(first, second)


def place_new(window: QMainWindow, specs: Sequence[ViewSpec], docks: dict[str, QDockWidget],
              spec: ViewSpec) -> None:
    """Dock a view added after the window was arranged: as a tab behind the first dock of
    its group (or where its group goes, when it is the first)."""
    dock = docks[spec.key]
    others = [d for d in _by_group(specs, docks, spec.group) if d is not dock]
    area = Area.BottomDockWidgetArea if spec.group == PLOTS else Area.RightDockWidgetArea
    window.addDockWidget(area, dock)
    if others:
        window.tabifyDockWidget(others[0], dock)
        bring_to_front(others[0])


def apply_sizes(window: QMainWindow, specs: Sequence[ViewSpec], docks: dict[str, QDockWidget],
                kind: str, presenter: bool = False) -> None:
    """Give the right side and the plots their share of the window's size."""
    width = max(window.width(), 640)
    height = max(window.height(), 480)
    lesson = [d for d in _by_group(specs, docks, LESSON) if d.isVisible()]
    edit = [d for d in _by_group(specs, docks, EDIT) if d.isVisible()]
    plots = [d for d in _by_group(specs, docks, PLOTS) if d.isVisible()]
    share = PRESENTER_LESSON_SHARE if presenter else LESSON_SHARE[kind]
    horizontal: list[QDockWidget] = []
    sizes: list[int] = []
    if lesson:
        horizontal.append(lesson[0])
        sizes.append(int(width * share))
    if edit and kind == WIDE and not presenter and edit[0] not in _tabbed_with(window, lesson):
        horizontal.append(edit[0])
        sizes.append(int(width * EDIT_SHARE))
    if horizontal:
        window.resizeDocks(horizontal, sizes, Qt.Orientation.Horizontal)
    if plots:
        plots_share = PRESENTER_PLOTS_SHARE if presenter else PLOTS_SHARE[kind]
        window.resizeDocks([plots[0]], [int(height * plots_share)], Qt.Orientation.Vertical)
        if kind == WIDE and len(plots) > 1 and plots[1] not in window.tabifiedDockWidgets(
                plots[0]):
            # side by side under the canvas: the cost surface gets the larger part
            below = max(width * (1 - LESSON_SHARE[WIDE] - EDIT_SHARE), 400)
            window.resizeDocks(plots[:2], [int(below * SURFACE_SHARE),
                                           int(below * (1 - SURFACE_SHARE))],
                               Qt.Orientation.Horizontal)


def _tabbed_with(window: QMainWindow, docks: list[QDockWidget]) -> list[QDockWidget]:
    tabbed: list[QDockWidget] = []
    for dock in docks:
        tabbed += window.tabifiedDockWidgets(dock)
    return tabbed


__all__ = ["COMPACT", "WIDE", "WIDE_MIN_WIDTH", "apply_sizes", "arrange", "layout_kind",
           "place_new"]
