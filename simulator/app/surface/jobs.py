"""The surface view's background work: grids of slices and optimizer comparisons.

Both run on one QThreadPool with a single thread (owned by the controller), so jobs run one
after another. A job holds only snapshots (a network copy, the data arrays); it never
touches the model or a widget. Results come back through a small QObject living on the GUI
thread, so they are handled there (a queued connection).

:class:`GridJobs` schedules the grid recomputes: requests are debounced and coalesced (a
burst of changes makes one job; a continuous stream, like training or a long drag, still gets
one every MAX_WAIT_MS, and at most one every MIN_INTERVAL_S), a job makes a coarse pass first
when the last full grids were slow, a new epoch (other settings) cancels the running job and
drops the results of older ones. :class:`CompareJobs` runs one comparison at a time.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import NamedTuple

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from ...engine.surface import (
    CompareJob,
    CompareResult,
    SliceJob,
    SliceResult,
    run_compare,
    run_job,
)
from ...engine.surface import slices as engine_slices
from ...engine.training import CancelFlag

DEBOUNCE_MS = 40  # a burst of changes closer together than this makes one computation
MAX_WAIT_MS = 250  # ... but a continuous stream (training, a long drag) still gets one this often
MIN_INTERVAL_S = 0.25  # at most about four background recomputes a second while values change
#: While the runner runs, at most one recompute a second: the grid's work shares the
#: interpreter with the window, which must keep answering (the point and the paths move on
#: every redraw all the same).
RUNNING_MIN_INTERVAL_S = 1.0


class JobTicket(NamedTuple):
    """What a job is stamped with: its number, the epoch (settings) it belongs to, and the
    flag that cancels it."""

    generation: int
    epoch: int
    cancel: CancelFlag


class _Relay(QObject):
    """Carries results from the worker thread to the GUI thread."""

    result = Signal(object)


class _Runnable(QRunnable):
    """Runs ``work`` on a pool thread."""

    def __init__(self, work: Callable[[], None]) -> None:
        super().__init__()
        self._work = work
        self.setAutoDelete(True)

    def run(self) -> None:
        self._work()


class GridJobs(QObject):
    """Background grid computations, one at a time: coalesced, coarse first when slow,
    stale results dropped, cancellable.

    ``build`` makes the job for a ticket from the model's current state (or returns None
    when there is nothing to compute). ``resultReady`` carries every result of the current
    epoch that was not cancelled: coarse and full grids, and errors.
    """

    resultReady = Signal(object)  # SliceResult
    busyChanged = Signal(bool)

    def __init__(self, pool: QThreadPool, build: Callable[[JobTicket], SliceJob | None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool
        self._build = build
        self.epoch = 0
        self._generation = 0
        self._cancel = CancelFlag()
        self._dirty = False  # a recompute was asked for and not started yet
        self._urgent = False
        self._first_dirty: float | None = None
        self._last_submit = -math.inf
        self._running = False
        self._closed = False
        self._seconds_per_point: float | None = None
        self.min_interval_s = MIN_INTERVAL_S
        self.jobs_started = 0  # for tests and the benchmark
        self._relay = _Relay(self)
        self._relay.result.connect(self._on_result)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer)

    @property
    def busy(self) -> bool:
        """Whether a grid is being computed or waiting to be."""
        return self._running or self._dirty

    def worth_a_coarse_pass(self, points: int) -> bool:
        """Whether a grid of ``points`` points should show a coarse pass first: when the
        last full grids suggest it takes longer than COARSE_ABOVE_SECONDS (or nothing is
        known yet)."""
        if self._seconds_per_point is None:
            return True
        return self._seconds_per_point * points > engine_slices.COARSE_ABOVE_SECONDS

    def set_running(self, running: bool) -> None:
        """While training runs, recompute at most every :data:`RUNNING_MIN_INTERVAL_S`."""
        self.min_interval_s = RUNNING_MIN_INTERVAL_S if running else MIN_INTERVAL_S

    def restart(self) -> None:
        """The settings changed: a new epoch. The running job is cancelled and the results
        of earlier epochs are dropped."""
        self.epoch += 1
        self._cancel.set()
        self._cancel = CancelFlag()

    def request(self, urgent: bool = False) -> None:
        """Ask for a recompute: debounced, coalesced with any pending one (``urgent``: as
        soon as the running job ends)."""
        if self._closed:
            return
        now = time.monotonic()
        if not self._dirty:
            self._first_dirty = now
            if not self._running:
                self.busyChanged.emit(True)
        self._dirty = True
        self._urgent = self._urgent or urgent
        if self._urgent:
            delay = 0
        else:
            waited = (now - (self._first_dirty or now)) * 1000
            delay = int(max(0, min(DEBOUNCE_MS, MAX_WAIT_MS - waited)))
        self._timer.start(delay)

    def shutdown(self) -> None:
        """Stop: no new job, the running one cancelled, later results ignored."""
        self._closed = True
        self._timer.stop()
        self._cancel.set()

    def _on_timer(self) -> None:
        if self._closed or not self._dirty or self._running:
            return  # a running job's end submits the pending request
        wait = self.min_interval_s - (time.monotonic() - self._last_submit)
        if not self._urgent and wait > 0:
            self._timer.start(int(wait * 1000) + 1)
            return
        self._submit()

    def _submit(self) -> None:
        self._dirty = False
        self._urgent = False
        self._first_dirty = None
        self._generation += 1
        job = self._build(JobTicket(self._generation, self.epoch, self._cancel))
        if job is None:
            self.busyChanged.emit(False)
            return
        self._last_submit = time.monotonic()
        self._running = True
        self.jobs_started += 1
        self._pool.start(_Runnable(lambda: run_job(job, self._relay.result.emit)))

    def _on_result(self, result: SliceResult) -> None:
        if self._closed:
            return
        if result.final:
            self._running = False
        if result.epoch == self.epoch and not result.cancelled:
            if not result.coarse and result.z is not None and result.points_computed:
                self._seconds_per_point = result.seconds / result.points_computed
            self.resultReady.emit(result)
        if result.final:
            if self._dirty:
                self._on_timer()
            elif not self._running:
                self.busyChanged.emit(False)


class CompareJobs(QObject):
    """One optimizer comparison at a time, in the background; :meth:`cancel` drops the
    running one's result. ``resultReady`` carries a finished comparison of the current
    epoch (paths, or an error)."""

    resultReady = Signal(object)  # CompareResult
    busyChanged = Signal(bool)

    def __init__(self, pool: QThreadPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool
        self.epoch = 0
        self._cancel = CancelFlag()
        self._running = False
        self._closed = False
        self._relay = _Relay(self)
        self._relay.result.connect(self._on_result)

    @property
    def running(self) -> bool:
        """Whether a comparison is being computed (a cancelled one until it has stopped)."""
        return self._running

    def start(self, build: Callable[[JobTicket], CompareJob]) -> bool:
        """Start the comparison ``build`` makes; False if one is running."""
        if self._closed or self._running:
            return False
        job = build(JobTicket(0, self.epoch, self._cancel))
        self._running = True
        self.busyChanged.emit(True)
        self._pool.start(_Runnable(lambda: self._relay.result.emit(run_compare(job))))
        return True

    def cancel(self) -> None:
        """Drop the running comparison's result (a new epoch)."""
        self.epoch += 1
        self._cancel.set()
        self._cancel = CancelFlag()

    def shutdown(self) -> None:
        """Stop: the running comparison cancelled, its result ignored."""
        self._closed = True
        self._cancel.set()

    def _on_result(self, result: CompareResult) -> None:
        if self._closed:
            return
        self._running = False
        self.busyChanged.emit(False)
        if not result.cancelled and result.epoch == self.epoch:
            self.resultReady.emit(result)
