"""One helper for views that redraw from the model: many signals, one redraw.

A view calls :meth:`Coalescer.request` from every model signal it listens to. The redraw
runs once, from the event loop, after the signals of one change have all arrived; while a
run is going (:meth:`Coalescer.set_throttled`) at most once every ``interval_ms``; and not
at all while ``is_visible`` says the view cannot be seen (it runs when :meth:`flush` is
called, for example from the view's ``showEvent``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar, Protocol

from PySide6.QtCore import QObject, QTimer


class Coalescer(QObject):
    """Runs ``redraw`` once per burst of :meth:`request` calls."""

    #: Seconds spent in redraws by every coalescer so far: the runner adds what ran since its
    #: last tick to the views' cost of a tick, since these redraws run after the tick.
    redraw_seconds: ClassVar[float] = 0.0

    def __init__(self, redraw: Callable[[], None], parent: QObject, *, interval_ms: int = 250,
                 is_visible: Callable[[], bool] | None = None) -> None:
        super().__init__(parent)
        self._redraw = redraw
        self._is_visible = is_visible
        self.interval_ms = interval_ms
        self._pending = False
        self._throttled = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fire)

    @property
    def pending(self) -> bool:
        """Whether a redraw has been requested and has not run yet."""
        return self._pending

    @property
    def throttled(self) -> bool:
        """Whether redraws are spaced ``interval_ms`` apart (while a run is going)."""
        return self._throttled

    def request(self) -> None:
        """Ask for a redraw: it runs from the event loop, once for all requests so far."""
        self._pending = True
        if self._throttled:
            if not self._timer.isActive():
                self._timer.start(self.interval_ms)
        elif not self._timer.isActive() or self._timer.remainingTime() > 0:
            self._timer.start(0)

    def set_throttled(self, throttled: bool) -> None:
        """Space redraws out (running) or redraw at the next pass (paused); pending work is
        redrawn promptly when throttling ends."""
        if throttled == self._throttled:
            return
        self._throttled = throttled
        if not throttled and self._pending:
            self._timer.start(0)

    def flush(self) -> None:
        """Run a pending redraw now (if the view can be seen)."""
        if self._pending:
            self._fire()

    def force(self) -> None:
        """Run a pending redraw now, visible or not (for readers such as tests)."""
        if self._pending:
            self._timer.stop()
            self._pending = False
            self._timed_redraw()

    def cancel(self) -> None:
        """Drop a pending redraw."""
        self._timer.stop()
        self._pending = False

    def _fire(self) -> None:
        if not self._pending:
            return
        if self._is_visible is not None and not self._is_visible():
            return  # hidden: flush() runs it when the view is shown again
        self._timer.stop()
        self._pending = False
        self._timed_redraw()

    def _timed_redraw(self) -> None:
        t0 = time.perf_counter()
        try:
            self._redraw()
        finally:
            Coalescer.redraw_seconds += time.perf_counter() - t0


class Throttleable(Protocol):
    """A view that spaces its redraws out while the runner runs."""

    def set_throttled(self, throttled: bool) -> None:
        """Space redraws out while a run is going; redraw everything when it stops."""


class Themeable(Protocol):
    """A view that follows the light or dark theme."""

    def set_dark(self, dark: bool) -> None:
        """Switch to the dark (True) or light palette."""


__all__ = ["Coalescer", "Themeable", "Throttleable"]
