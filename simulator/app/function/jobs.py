"""Background work of the function lab: the symbolic derivatives of a long expression and
the pirate's walk beside a long descent.

Both are pure engine calls on immutable inputs (a parsed :class:`~simulator.engine.function.
Function`, a tuple of step lengths), so a worker thread can run them while the student goes
on typing or stepping. :class:`BackgroundTask` runs one kind of work on its own
single-thread pool: each submission gets a generation number, and only the result of the
newest submission is delivered (on the GUI thread, through a queued signal); older ones are
dropped when they arrive. Nothing here touches a widget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Relay(QObject):
    """Carries a result from the worker thread to the GUI thread (queued)."""

    done = Signal(int, object)  # generation, result


class _Runnable(QRunnable):
    def __init__(self, work: Callable[[], None]) -> None:
        super().__init__()
        self._work = work
        self.setAutoDelete(True)

    def run(self) -> None:
        self._work()


class BackgroundTask(QObject):
    """Runs ``work(argument)`` on a worker thread; ``finished(result)`` carries the result
    of the newest submission only. An exception in ``work`` is delivered as the result (the
    caller decides what a failure means); none escapes into the thread pool."""

    finished = Signal(object)
    busyChanged = Signal(bool)

    def __init__(self, work: Callable[[Any], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._work = work
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._generation = 0
        self._pending = 0
        self._closed = False
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_done)

    @property
    def busy(self) -> bool:
        """Whether a submission's result is still to come."""
        return self._pending > 0

    def submit(self, argument: Any) -> int:
        """Start ``work(argument)``; returns its generation. A newer submission makes the
        result of this one be dropped."""
        if self._closed:
            return self._generation
        self._generation += 1
        generation = self._generation
        relay = self._relay
        work = self._work

        def run() -> None:
            try:
                result = work(argument)
            except Exception as exc:  # delivered, never raised in the pool's thread
                result = exc
            relay.done.emit(generation, result)

        was_busy = self.busy
        self._pending += 1
        self._pool.start(_Runnable(run))
        if not was_busy:
            self.busyChanged.emit(True)
        return generation

    def cancel(self) -> None:
        """Drop the results of every submission so far."""
        self._generation += 1

    def wait(self, msecs: int = 30_000) -> bool:
        """Wait for the running work to end (tests, shutdown); results arrive afterwards from
        the event loop."""
        return self._pool.waitForDone(msecs)

    def shutdown(self) -> None:
        """Drop pending results and wait for the worker (idempotent)."""
        self._closed = True
        self.cancel()
        self._pool.clear()
        self._pool.waitForDone(30_000)

    def _on_done(self, generation: int, result: object) -> None:
        self._pending = max(0, self._pending - 1)
        if not self.busy:
            self.busyChanged.emit(False)
        if generation == self._generation and not self._closed:
            self.finished.emit(result)


__all__ = ["BackgroundTask"]
