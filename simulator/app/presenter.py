"""Presenter mode and the black screen, for a teacher at a projector.

:class:`PresenterMode` switches the main window to full screen with large type (the zoom
times :data:`~simulator.app.zoom.PRESENTER_FACTOR`), hides the menus, toolbars, status bar
and every view not marked for it (:attr:`~simulator.app.view_registry.ViewSpec.presenter`),
and turns the canvas's spotlight on. Leaving puts back exactly what was there: Qt's saved
state of the docks and toolbars, the geometry, full screen or not, the menu and status
bars, the zoom and the spotlight.

:class:`Blackout` is the black screen presentation software shows on B (or "."): a black
cover over the whole window; the same key, Esc or a click takes it away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QDockWidget, QMainWindow, QToolBar, QWidget

from . import window_layout
from .canvas import NetworkCanvas
from .view_registry import LESSON, PLOTS, ViewSpec


class PresenterWindow(Protocol):
    """What presenter mode needs of the main window (besides being a QMainWindow)."""

    state_version: int
    canvas: NetworkCanvas
    view_specs: list[ViewSpec]
    docks: dict[str, QDockWidget]
    views: dict[str, QWidget]
    blackout: Blackout

    def toolbars(self) -> list[QToolBar]:
        """The window's toolbars."""

    def layout_kind(self) -> str:
        """The default arrangement applied ("compact" or "wide")."""

    def apply_zoom(self) -> None:
        """Tell every view the effective zoom (presenter mode's large type included)."""


class Blackout(QWidget):
    """A black cover over its parent window (B or "." in presentation software)."""

    dismissed = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("blackout")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hide()
        parent.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.isVisible() \
                and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())
        return False

    def cover(self) -> None:
        """Black out the window."""
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
            if parent.findChild(QWidget, "surfaceGLContainer") is not None:
                # The 3D view draws in a native window of its own, which a plain widget
                # cannot cover: a native window raised above it can.
                self.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
        self.show()
        self.raise_()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.hide()
        self.dismissed.emit()
        event.accept()


@dataclass
class _Before:
    """What presenter mode changes, as it was."""

    state: QByteArray
    geometry: QByteArray
    rect: QRect
    window_state: Qt.WindowState
    menu_bar: bool
    status_bar: bool
    spotlight: bool


class PresenterMode(QObject):
    """Full screen, large type, only the lesson's views, the spotlight on (F5; Esc
    leaves)."""

    changed = Signal(bool)

    def __init__(self, window: QMainWindow, host: PresenterWindow) -> None:
        super().__init__(window)
        self._window = window
        self._host = host
        self._before: _Before | None = None
        self.full_screen = True  # False: keep the window's size (screenshots)

    @property
    def active(self) -> bool:
        """Whether presenter mode is on."""
        return self._before is not None

    def toggle(self) -> None:
        """Enter or leave."""
        if self.active:
            self.leave()
        else:
            self.enter()

    def enter(self) -> None:
        """Switch to presenter mode (nothing happens when it is on already)."""
        if self.active:
            return
        w, h = self._window, self._host
        self._before = _Before(w.saveState(h.state_version), w.saveGeometry(), w.geometry(),
                               w.windowState(), not w.menuBar().isHidden(),
                               not w.statusBar().isHidden(), h.canvas.spotlight())
        w.menuBar().hide()
        w.statusBar().hide()
        for bar in h.toolbars():
            bar.hide()
        kept = [s for s in h.view_specs if s.presenter]
        open_now = {s.key for s in kept if h.docks[s.key].toggleViewAction().isChecked()}
        if not any(s.group == PLOTS and s.key in open_now for s in kept):
            # a plot must be on screen: the first one (the cost surface)
            open_now |= {s.key for s in kept if s.group == PLOTS}
        for spec in h.view_specs:
            dock = h.docks[spec.key]
            show = spec.presenter and (spec.group == LESSON or spec.key in open_now)
            if show:
                dock.setFloating(False)
            dock.setVisible(show)
        h.apply_zoom()
        h.canvas.set_spotlight(True)
        _show_controls(h, False)
        for dock in h.docks.values():  # no title bars: the lesson gets their room
            dock.setTitleBarWidget(QWidget(dock))
        if self.full_screen:
            w.showFullScreen()
        self.changed.emit(True)
        self._apply_sizes()
        # Again once the window has its full-screen size and the new fonts are laid out.
        QTimer.singleShot(0, self._apply_sizes)
        QTimer.singleShot(120, self._apply_sizes)
        h.canvas.setFocus(Qt.FocusReason.OtherFocusReason)

    def _apply_sizes(self) -> None:
        if self.active:
            h = self._host
            window_layout.apply_sizes(self._window, h.view_specs, h.docks, h.layout_kind(),
                                      presenter=True)

    def leave(self) -> None:
        """Put everything back as it was before :meth:`enter`."""
        before = self._before
        if before is None:
            return
        w, h = self._window, self._host
        self._before = None
        h.blackout.hide()
        if w.isFullScreen() and not before.window_state & Qt.WindowState.WindowFullScreen:
            w.showNormal()
        w.setWindowState(before.window_state)
        if before.window_state & (Qt.WindowState.WindowMaximized
                                  | Qt.WindowState.WindowFullScreen):
            w.restoreGeometry(before.geometry)
        else:
            w.setGeometry(before.rect)  # exactly where it was (restoreGeometry may move it)
        w.restoreState(before.state, h.state_version)
        w.menuBar().setVisible(before.menu_bar)
        w.statusBar().setVisible(before.status_bar)
        for dock in h.docks.values():
            bar = dock.titleBarWidget()
            dock.setTitleBarWidget(None)  # type: ignore[arg-type]  # None: the default bar
            if bar is not None:
                bar.deleteLater()
        h.apply_zoom()
        h.canvas.set_spotlight(before.spotlight)
        _show_controls(h, True)
        self.changed.emit(False)

    def saved_state(self) -> QByteArray | None:
        """The dock layout presenter mode will restore (None when it is off)."""
        return self._before.state if self._before is not None else None


def _show_controls(window: PresenterWindow, visible: bool) -> None:
    """Views with controls of their own (the cost surface's toolbar, the derivation's
    header) hide them in presenter mode."""
    for view in window.views.values():
        method = getattr(view, "set_controls_visible", None)
        if callable(method):
            method(visible)


__all__ = ["Blackout", "PresenterMode"]
