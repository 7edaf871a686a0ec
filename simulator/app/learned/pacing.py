"""Redraws in step with training's ticks, at most so many a second.

:class:`PacedRedraw` has the interface of :class:`~simulator.app.coalesce.Coalescer` (many
requests, one redraw, none while hidden) with another rule while throttled (a run is
going): the first request that comes at least ``interval_ms`` after the last redraw is
drawn at once, in the tick's own signal, and the requests before it wait. So the pictures
of what the network learned redraw on every tick of a Fast run (its ticks come 25 to 40 ms
apart) and on every second tick of a paced one (at most 1000 / ``interval_ms`` a second),
always at the position the run has reached: the decision boundary and the neurons'
pictures then share one forward pass over the plane (the model keeps it for the position),
and the runner counts their time with the tick's (it sizes its slices to leave room for
the views). A redraw left to the event loop would come a tick late: the runner's own
zero-timer goes first (a Coalescer's redraws come on every second tick of a Fast run).

When no further request comes (the run ended), a pending redraw runs :data:`LATE_MS` after
the interval, or at once when throttling ends.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

#: A throttled request that no later one follows is drawn this long after its interval.
LATE_MS = 100


class PacedRedraw(QObject):
    """Runs ``redraw`` once per burst of :meth:`request` calls; while throttled, at the
    first request at least ``interval_ms`` after the last redraw (see the module)."""

    def __init__(self, redraw: Callable[[], None], parent: QObject, *, interval_ms: int = 20,
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
        """Whether redraws follow the run's ticks (while a run is going)."""
        return self._throttled

    def request(self) -> None:
        """Ask for a redraw (see the module for when it comes)."""
        self._pending = True
        if not self._throttled:
            if not self._timer.isActive() or self._timer.remainingTime() > 0:
                self._timer.start(0)
            return
        since = (time.perf_counter() - self._last) * 1000.0
        if since >= self.interval_ms and self._visible():
            self._timer.stop()
            self._pending = False
            self._run()
        elif not self._timer.isActive():
            self._timer.start(max(0, round(self.interval_ms - since)) + LATE_MS)

    def set_throttled(self, throttled: bool) -> None:
        """Follow a run's ticks (running) or redraw at the next pass (paused)."""
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

    def _visible(self) -> bool:
        return self._is_visible is None or self._is_visible()

    def _fire(self) -> None:
        if not self._pending or not self._visible():
            return  # hidden: flush() runs it when the view is shown again
        self._timer.stop()
        self._pending = False
        self._run()

    def _run(self) -> None:
        self._last = time.perf_counter()
        redraw = self._redraw()
        if redraw is not None:
            redraw()


__all__ = ["LATE_MS", "PacedRedraw"]
