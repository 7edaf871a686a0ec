"""Run/Pause: training in slices on the GUI thread, driven by a QTimer.

One engine iteration takes tens of microseconds, so no thread is needed: every timer tick
runs a slice of iterations with :meth:`LabModel.run_iterations`, which emits one set of
signals, so the views redraw once per tick. Between ticks the event loop handles input and
paints, so the window keeps answering.

- At a paced speed (:data:`simulator.app.speeds.SPEEDS`) the ticks come at most about 60
  times a second and each takes the iterations that are due by the clock.
- At "fast" each tick takes as many iterations as fit in :data:`FAST_BUDGET_S` together
  with the views' work for that tick; the slice size adapts from the engine's measured
  cost per iteration (``LabModel.last_run_seconds``) and the views' cost per tick.

The run stops on Pause, when a target count is reached, at an epoch's end when asked, on
divergence (the model keeps the last finite state and emits ``diverged``), when early
stopping halts it (the test loss stopped improving), and whenever
the document is edited (an undo-stack change), so an edit never races the run.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from .coalesce import Coalescer
from .model import LabModel
from .speeds import DEFAULT_SPEED, SPEEDS

#: Shortest time between two ticks at a paced speed (about 60 redraws a second).
FRAME_S = 1.0 / 60.0
#: Time a "fast" tick may spend, the views' slots included. Input that arrives during a
#: tick can wait for that tick, the paints it caused and the next tick (the repeating
#: zero timer is always due first), so two ticks and a frame's paints must fit in ~50 ms:
#: 10 ms leaves ~25 ms for the paints of a 2-8-8-1 network (15 ms left too little).
FAST_BUDGET_S = 0.010
#: Iterations in the first slice of a fast run, before the cost is known.
FIRST_SLICE = 50
#: Most iterations in one slice.
MAX_SLICE = 1_000_000
#: Most iterations a paced run catches up after the event loop was blocked.
MAX_CATCH_UP_S = 0.25


class Runner(QObject):
    """Runs iterations in timer-driven slices; start, pause and watch progress.

    Signals:

    - ``runningChanged(bool)``: started or stopped.
    - ``progress(int, int)``: iterations done in this run and the target (0 for none),
      once per tick.
    - ``stopped(str)``: the run ended; the text says why ("" when paused by the user).
    """

    runningChanged = Signal(bool)
    progress = Signal(int, int)
    stopped = Signal(str)

    def __init__(self, model: LabModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._speed: int | None = DEFAULT_SPEED
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._running = False
        self._target = 0
        self._until_epoch_end = False
        self._done = 0
        self._paced_done = 0
        self._t0 = 0.0
        self._fast_k = FIRST_SLICE
        self._cost: float | None = None  # engine seconds per iteration (smoothed)
        self._overhead: float | None = None  # seconds per tick outside the engine
        self._redraw_mark = Coalescer.redraw_seconds  # see _tick
        self._started_at = 0.0
        self._in_tick = False
        self._fast_run = False
        model.undo_stack.indexChanged.connect(self._on_edit)

    # --- state -------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether a run is in progress."""
        return self._running

    @property
    def speed(self) -> int | None:
        """Iterations per second, or None for as fast as possible."""
        return self._speed

    @property
    def fast(self) -> bool:
        """Whether the current run goes as fast as possible."""
        return self._speed is None or self._fast_run

    @property
    def done(self) -> int:
        """Iterations taken in the current (or last) run."""
        return self._done

    @property
    def target(self) -> int:
        """The number of iterations the current run stops after (0: no limit)."""
        return self._target

    def rate(self) -> float:
        """Iterations per second so far in the current (or last) run."""
        elapsed = time.perf_counter() - self._started_at
        return self._done / elapsed if elapsed > 0 and self._done else 0.0

    def set_speed(self, speed: int | None) -> None:
        """Change the speed (also while running)."""
        if speed not in SPEEDS:
            raise ValueError(f"unknown speed {speed!r}")
        if speed == self._speed:
            return
        self._speed = speed
        if self._running:
            self._restart_clock()

    # --- control -----------------------------------------------------------------------------

    def start(self, target: int = 0, until_epoch_end: bool = False, fast: bool = False) -> None:
        """Start running: ``target`` > 0 stops after that many iterations,
        ``until_epoch_end`` at the end of the epoch; ``fast`` runs this one as fast as
        possible whatever the speed setting."""
        if self._running:
            return
        self._fast_run = fast
        self._target = max(0, int(target))
        self._until_epoch_end = until_epoch_end
        self._done = 0
        self._fast_k = FIRST_SLICE
        self._cost = None
        self._overhead = None
        self._redraw_mark = Coalescer.redraw_seconds
        self._started_at = time.perf_counter()
        self._running = True
        self._restart_clock()
        self.runningChanged.emit(True)
        self.progress.emit(0, self._target)
        # The first slice runs at once: pressing Run answers immediately.
        QTimer.singleShot(0, self._tick)

    def pause(self) -> None:
        """Stop running (no-op when not running)."""
        self._stop("")

    def toggle(self) -> None:
        """Start when stopped, pause when running."""
        if self._running:
            self.pause()
        else:
            self.start()

    # --- internals ---------------------------------------------------------------------------

    def _restart_clock(self) -> None:
        self._t0 = time.perf_counter()
        self._paced_done = 0
        if self.fast or self._speed is None:
            self._timer.start(0)
        else:
            interval = max(FRAME_S, 1.0 / self._speed)
            self._timer.start(max(1, round(interval * 1000)))

    def _stop(self, reason: str) -> None:
        if not self._running:
            return
        self._running = False
        self._timer.stop()
        self.runningChanged.emit(False)
        self.stopped.emit(reason)

    def _on_edit(self, _index: int) -> None:
        if self._running and not self._in_tick:
            self._stop("Paused: the network was edited.")

    def _adapt(self, steps: int, elapsed: float) -> None:
        """Size the next fast slice from the engine's cost per iteration and the views'
        cost per tick (the model reports the engine's share of the tick)."""
        engine = min(max(self._model.last_run_seconds, 1e-7), elapsed)
        per_iteration = engine / steps
        overhead = elapsed - engine
        a = 0.3  # smoothing: one odd tick must not swing the slice
        self._cost = per_iteration if self._cost is None else \
            (1 - a) * self._cost + a * per_iteration
        self._overhead = overhead if self._overhead is None else \
            (1 - a) * self._overhead + a * overhead
        # The tick aims at the budget, views included; when the views alone take most of
        # it, the engine still gets half the budget so the run keeps moving.
        engine_target = max(FAST_BUDGET_S - self._overhead, FAST_BUDGET_S / 2)
        k = int(engine_target / self._cost)
        self._fast_k = max(1, min(MAX_SLICE, k, 4 * self._fast_k))

    def _due(self, now: float) -> int:
        if self.fast or self._speed is None:
            return self._fast_k
        due = int((now - self._t0) * self._speed) + 1
        k = due - self._paced_done
        behind = k / self._speed
        if behind > MAX_CATCH_UP_S:
            # The event loop was blocked (a dialog, a slow machine): do not race to catch up.
            self._t0 = now
            self._paced_done = 0
            return 1
        return k

    def _tick(self) -> None:
        if not self._running or self._in_tick:
            return
        t_start = time.perf_counter()
        # Views that redraw through a Coalescer do it after a tick; their time since the
        # last tick belongs to the views' cost of a tick all the same.
        deferred = Coalescer.redraw_seconds - self._redraw_mark
        self._redraw_mark = Coalescer.redraw_seconds
        k = self._due(t_start)
        if k <= 0:
            return
        if self._target:
            k = min(k, self._target - self._done)
        self._in_tick = True
        try:
            result = self._model.run_iterations(k, stop_at_epoch_end=self._until_epoch_end)
        except BaseException:
            # A bug must not leave a timer re-raising it 60 times a second.
            self._in_tick = False
            self._stop("Stopped: an unexpected error.")
            raise
        finally:
            self._in_tick = False
        elapsed = time.perf_counter() - t_start
        self._done += result.steps
        self._paced_done += result.steps
        if self.fast and result.steps:
            self._adapt(result.steps, elapsed + deferred)
        self.progress.emit(self._done, self._target)
        if result.divergence is not None:
            self._stop(result.divergence.message)
        elif result.halted:  # early stopping (the model went back to the best iteration)
            self._stop(self._model.early_stop_message or "Stopped early.")
        elif self._target and self._done >= self._target:
            self._stop(f"Ran {self._done} iteration{'s' if self._done != 1 else ''}.")
        elif self._until_epoch_end and result.steps and result.state.batch == 0:
            self._stop("Finished the epoch.")
        elif result.steps == 0:
            self._stop("Stopped: nothing more to run.")


__all__ = ["FAST_BUDGET_S", "Runner"]
