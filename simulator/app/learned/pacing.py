"""Redraws at a steady pace while training runs.

:class:`PacedRedraw` has the interface of :class:`~simulator.app.coalesce.Coalescer` (many
requests, one redraw from the event loop, none while hidden) with one difference while
throttled: the spacing counts from the last redraw, not from the first request after it.
A Coalescer waits ``interval_ms`` after the first request that follows a redraw, so with a
run's ticks coming every pass of the event loop its redraws come every interval *plus* a
pass (at 40 ms and passes of 50 ms on a busy machine: 10 a second); here they come every
interval, or every pass when passes are slower (20 to 25 a second). The pictures of what the
network learned use it: the issue asks for at least 20 redraws a second during a run.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


class PacedRedraw(QObject):
    """Runs ``redraw`` once per burst of :meth:`request` calls; while throttled, at most
    every ``interval_ms`` counted from the previous redraw."""

    def __init__(self, redraw: Callable[[], None], parent: QObject, *, interval_ms: int = 40,
                 is_visible: Callable[[], bool] | None = None) -> None:
        super().__init__(parent)
        # A weak reference when ``redraw`` is a bound method (the view's own), so the view
        # and this object are no reference cycle: a view that is dropped goes at once, not
        # in a later garbage collection that may come in the middle of a paint.
        self._redraw: Callable[[], Callable[[], None] | None] = (
            weakref.WeakMethod(redraw) if hasattr(redraw, "__self__")
            else (lambda: redraw))
        self._is_visible = is_visible
        self.interval_ms = interval_ms
        self._pending = False
        self._throttled = False
        self._last = 0.0  # perf_counter of the last redraw
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
        """Ask for a redraw: from the event loop, once for all requests so far."""
        self._pending = True
        if self._timer.isActive():
            return
        wait = 0
        if self._throttled:
            since = (time.perf_counter() - self._last) * 1000.0
            wait = max(0, round(self.interval_ms - since))
        self._timer.start(wait)

    def set_throttled(self, throttled: bool) -> None:
        """Space redraws out (running) or redraw at the next pass (paused)."""
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
            self._run()

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
        self._run()

    def _run(self) -> None:
        self._last = time.perf_counter()
        redraw = self._redraw()
        if redraw is not None:
            redraw()


__all__ = ["PacedRedraw"]
