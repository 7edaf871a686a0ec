"""Redraws from the model: many signals, one redraw; one frame per training tick.

A view calls :meth:`Coalescer.request` from every model signal it listens to. Every
Coalescer belongs to the one :class:`RedrawScheduler` of the application, which decides
when the redraw runs:

- **between runs** (stepping, editing): once, from the event loop, after the signals of
  one change have all arrived (a zero-timer); a view that is *throttled*
  (:meth:`Coalescer.set_throttled`) at most once every ``interval_ms``;
- **during a run** the :class:`~simulator.app.runner.Runner` drives *frames*: at the end of
  each training tick it calls :meth:`RedrawScheduler.frame`, which runs every pending
  redraw whose turn has come (an unthrottled view on every frame, a throttled one when
  ``interval_ms`` has passed since its last redraw; the slow ones, :data:`SPACED_MS` or
  more apart, take turns within a small budget), in the order the views were made, so
  that everything the tick changed is painted in the window's next repaint, before the
  runner's next tick. No view keeps timers of its own while a run drives frames:
  competing timers used to split a tick's changes over two or three repaints and put
  ticks between a change and its paint. (A pyqtgraph plot's own scene may still ask for a
  second, small repaint of its viewport: with no OpenGL widget in the window that costs
  its paint and well under a millisecond of flushing);
- **never while the view cannot be seen** (``is_visible``): the redraw stays pending and
  runs when :meth:`Coalescer.flush` is called (from the view's ``showEvent``, or when its
  tab comes to the front).

When the run ends every pending redraw runs promptly (:meth:`RedrawScheduler.end_run`).
The redraw callable is held weakly when it is a bound method, so a view and its
Coalescer are no reference cycle: a dropped view goes at once, not in a later garbage
collection that may come in the middle of a paint.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from typing import ClassVar, Protocol

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QTimer

#: A redraw spaced ``interval_ms`` apart is due in a frame this share of it after the last
#: one (frames come every ~20-40 ms: a strict comparison would skip to the next frame).
DUE_SHARE = 0.9
#: Throttled views at least this many ms apart (the loss plot, the cost surface, the
#: panels) take turns: after the first of them, more redraw in a frame only while its
#: redraws have taken less than SPACED_BUDGET_S.
SPACED_MS = 50
SPACED_BUDGET_S = 0.004


class RedrawScheduler(QObject):
    """Runs the redraws of every :class:`Coalescer` (see the module): one per application,
    :meth:`instance`."""

    _instance: ClassVar[RedrawScheduler | None] = None

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._members: list[weakref.ref[Coalescer]] = []
        self._runs = 0
        #: Frames drawn so far (for tests and benchmarks).
        self.frames = 0

    @classmethod
    def instance(cls) -> RedrawScheduler:
        """The application's scheduler (made on first use, owned by the application)."""
        current = cls._instance
        if current is None or not _alive(current):
            current = cls(QCoreApplication.instance())
            cls._instance = current
        return current

    @property
    def driving(self) -> bool:
        """Whether a run drives the redraws with its frames."""
        return self._runs > 0

    def add(self, coalescer: Coalescer) -> None:
        """Take ``coalescer``'s redraws into the frames (in the order they were made)."""
        self._members = [r for r in self._members if r() is not None]
        self._members.append(weakref.ref(coalescer))

    def members(self) -> list[Coalescer]:
        """The Coalescers alive, in frame order."""
        return [c for r in self._members if (c := r()) is not None and _alive(c)]

    def begin_run(self) -> None:
        """A run starts: from now on its frames run the redraws (pending timers stop)."""
        self._runs += 1
        if self._runs == 1:
            for c in self.members():
                c._stop_timer()

    def end_run(self) -> None:
        """The run ended: every pending redraw runs from the event loop, promptly."""
        if self._runs == 0:
            return
        self._runs -= 1
        if self._runs == 0:
            for c in self.members():
                c._after_run()

    def frame(self, now: float | None = None) -> float:
        """Run the pending redraws that are due (see the module), so that the window's
        next repaint shows them: every view that redraws in every frame, then the views
        spaced :data:`SPACED_MS` or more apart, the one waiting longest first, while the
        frame has taken less than :data:`SPACED_BUDGET_S` (at least one: they take turns,
        so no frame carries all of them at once). Returns the seconds it took."""
        t0 = time.perf_counter()
        now = time.perf_counter() if now is None else now
        spaced: list[Coalescer] = []
        for c in self.members():
            if not c.due(now):
                continue
            if c.throttled and c.interval_ms >= SPACED_MS:
                spaced.append(c)
            else:
                c._fire()
        # The spaced views, the one waiting longest first, while the frame's redraws have
        # taken less than SPACED_BUDGET_S (at least one of them a frame).
        spaced.sort(key=lambda c: c._last + c.interval_ms / 1000.0)
        for i, c in enumerate(spaced):
            if i and time.perf_counter() - t0 >= SPACED_BUDGET_S:
                break
            c._fire()
        self.frames += 1
        return time.perf_counter() - t0


class Coalescer(QObject):
    """Runs ``redraw`` once per burst of :meth:`request` calls, when the
    :class:`RedrawScheduler` says (see the module)."""

    #: Seconds spent in redraws by every coalescer so far: the runner adds what ran since its
    #: last tick outside its frames to the views' cost of a tick.
    redraw_seconds: ClassVar[float] = 0.0

    def __init__(self, redraw: Callable[[], None], parent: QObject, *, interval_ms: int = 250,
                 is_visible: Callable[[], bool] | None = None,
                 scheduler: RedrawScheduler | None = None) -> None:
        super().__init__(parent)
        self._redraw: Callable[[], Callable[[], None] | None] = (
            weakref.WeakMethod(redraw) if hasattr(redraw, "__self__")
            else (lambda: redraw))
        self._is_visible = is_visible
        self.interval_ms = interval_ms
        self._pending = False
        self._throttled = False
        self._last = -1e9  # perf_counter of the last redraw
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fire)
        self._scheduler = scheduler if scheduler is not None else RedrawScheduler.instance()
        self._scheduler.add(self)

    @property
    def pending(self) -> bool:
        """Whether a redraw has been requested and has not run yet."""
        return self._pending

    @property
    def throttled(self) -> bool:
        """Whether redraws are spaced ``interval_ms`` apart (while a run is going)."""
        return self._throttled

    def request(self) -> None:
        """Ask for a redraw: it runs once for all requests so far, in the next frame of a
        run, or from the event loop between runs."""
        self._pending = True
        if self._scheduler.driving:
            return  # the run's next frame draws it when its turn has come
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
        if not throttled and self._pending and not self._scheduler.driving:
            self._timer.start(0)

    def due(self, now: float) -> bool:
        """Whether a frame at ``now`` runs this redraw: pending, visible, and (throttled)
        ``interval_ms`` since the last one."""
        if not self._pending or not self._visible():
            return False
        if not self._throttled:
            return True
        return (now - self._last) * 1000.0 >= self.interval_ms * DUE_SHARE

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

    def _visible(self) -> bool:
        return self._is_visible is None or self._is_visible()

    def _stop_timer(self) -> None:
        self._timer.stop()

    def _after_run(self) -> None:
        if self._pending:
            self._timer.start(0)

    def _fire(self) -> None:
        if not self._pending:
            return
        if not self._visible():
            return  # hidden: flush() runs it when the view is shown again
        self._timer.stop()
        self._pending = False
        self._timed_redraw()

    def _timed_redraw(self) -> None:
        t0 = time.perf_counter()
        self._last = t0
        redraw = self._redraw()
        if redraw is None:
            return
        try:
            redraw()
        finally:
            Coalescer.redraw_seconds += time.perf_counter() - t0


def _alive(obj: QObject) -> bool:
    return bool(shiboken6.isValid(obj))


class Throttleable(Protocol):
    """A view that spaces its redraws out while the runner runs."""

    def set_throttled(self, throttled: bool) -> None:
        """Space redraws out while a run is going; redraw everything when it stops."""


class Themeable(Protocol):
    """A view that follows the light or dark theme."""

    def set_dark(self, dark: bool) -> None:
        """Switch to the dark (True) or light palette."""


__all__ = ["DUE_SHARE", "SPACED_BUDGET_S", "SPACED_MS", "Coalescer", "RedrawScheduler", "Themeable",
           "Throttleable"]
