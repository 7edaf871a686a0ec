"""Run/Pause: training in slices on the GUI thread, one frame per slice.

One engine iteration takes tens of microseconds, so no thread is needed. A run is a
sequence of *frames*, each one pass of

1. a *tick*: a slice of iterations with :meth:`LabModel.run_iterations` (one set of model
   signals for the whole slice);
2. the views drawing what changed, all in one pass
   (:meth:`~simulator.app.coalesce.RedrawScheduler.frame`: the canvas on every frame, the
   slower views when their interval has passed);
3. the window painting it, once (the runner waits for that paint: :class:`FrameClock`);
4. the event loop handling the input that arrived meanwhile;

and only then the next tick. Back-to-back ticks from a repeating zero-timer used to come
before the paint (a repaint is requested a few milliseconds after the change), so the
canvas was drawn on every other tick and input waited behind two ticks and a paint.

- At "fast" each tick takes as many iterations as fit in :data:`FAST_BUDGET_S` together
  with the views' work of its frame; the slice adapts from the engine's measured cost per
  iteration (``LabModel.last_run_seconds``) and the views' cost per frame. Frames come as
  soon as the window has painted, at most :data:`MAX_FRAMES_PER_S` a second.
- At a paced speed (:data:`simulator.app.speeds.SPEEDS`) each tick takes the iterations
  due by the clock, also at most :data:`MAX_FRAMES_PER_S` ticks a second.

When the window paints nothing (nothing changed on screen), the next tick comes after at
most :data:`PAINT_WAIT_S`. A runner without a window (in tests) drives no frames: its ticks
come back to back and the views redraw from their own timers.

The run stops on Pause, when a target count is reached, at an epoch's end when asked, on
divergence (the model keeps the last finite state and emits ``diverged``), when early
stopping halts it (the test loss stopped improving), and whenever
the document is edited (an undo-stack change), so an edit never races the run.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QWidget

from .coalesce import Coalescer, RedrawScheduler
from .model import LabModel
from .speeds import DEFAULT_SPEED, SPEEDS

#: Most frames (ticks) a second, fast or paced.
MAX_FRAMES_PER_S = 60.0
MIN_FRAME_S = 1.0 / MAX_FRAMES_PER_S
#: Time a "fast" tick may spend, its frame's redraws included (the window's paint comes
#: after it): input that arrives during a tick waits for the tick and the paint, and the
#: paint of a 2-8-8-1 network with the canvas, the cost surface and the loss plot on
#: screen takes ~10-20 ms on a software renderer, so 8 ms keeps the wait near 30 ms.
FAST_BUDGET_S = 0.008
#: The longest wait for the window's paint before the next tick comes anyway.
PAINT_WAIT_S = 0.025
#: After the paint, the event loop gets this long to itself before the next tick: input
#: that arrived during the tick and the paint (and timers due meanwhile) is handled first,
#: not after one more tick.
INPUT_GAP_S = 0.002
#: Iterations in the first slice of a fast run, before the cost is known.
FIRST_SLICE = 50
#: Most iterations in one slice.
MAX_SLICE = 1_000_000
#: Most iterations a paced run catches up after the event loop was blocked.
MAX_CATCH_UP_S = 0.25


class FrameClock(QObject):
    """Says when ``window`` has painted: ``painted`` comes after the window has handled
    its next repaint request (its UpdateRequest: every widget's paint of that frame)."""

    painted = Signal()

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        # The filter sees the request before the paint: a zero-timer started then fires
        # once the paint is done (a timer of this object's, gone with the window).
        self._after_paint = QTimer(self)
        self._after_paint.setSingleShot(True)
        self._after_paint.setInterval(0)
        self._after_paint.timeout.connect(self.painted)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.UpdateRequest and not self._after_paint.isActive():
            self._after_paint.start()
        return False


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
        self._timer = QTimer(self)  # the next tick
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._paint_wait = QTimer(self)  # the next tick when no paint comes
        self._paint_wait.setSingleShot(True)
        self._paint_wait.timeout.connect(self._after_frame)
        self._awaiting_paint = False
        self._tick_started = 0.0
        self._scheduler = RedrawScheduler.instance()
        #: Waits for the window's paint after each tick (None: a runner without a window).
        self.clock: FrameClock | None = None
        if isinstance(parent, QWidget):
            self.clock = FrameClock(parent.window())
            self.clock.painted.connect(self._after_frame)
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
    def awaiting_paint(self) -> bool:
        """Whether the run waits for the window to paint its last tick's frame."""
        return self._awaiting_paint

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
        self._awaiting_paint = False
        if self.clock is not None:
            self._scheduler.begin_run()  # a window: its views draw in the run's frames
        self._restart_clock()
        self.runningChanged.emit(True)
        self.progress.emit(0, self._target)

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
        if not self._awaiting_paint:
            # The first slice runs at once: pressing Run answers immediately.
            self._timer.start(0)

    def _stop(self, reason: str) -> None:
        if not self._running:
            return
        self._running = False
        self._awaiting_paint = False
        self._timer.stop()
        self._paint_wait.stop()
        if self.clock is not None:
            self._scheduler.end_run()  # what is still pending is drawn promptly
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
        self._tick_started = t_start
        # Redraws outside the frames since the last tick (a view shown, a tab brought to
        # the front) belong to the views' cost of a tick all the same.
        deferred = Coalescer.redraw_seconds - self._redraw_mark
        k = self._due(t_start)
        if k <= 0:
            self._next_tick()
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
        self._done += result.steps
        self._paced_done += result.steps
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
        if not self._running:
            return  # the views draw the last state from the event loop (end_run)
        # Every view draws what this tick changed, in one pass: one repaint of the window.
        if self.clock is not None:
            self._scheduler.frame()
        self._redraw_mark = Coalescer.redraw_seconds
        if self.fast and result.steps:
            self._adapt(result.steps, time.perf_counter() - t_start + deferred)
        self._await_paint()

    def _await_paint(self) -> None:
        """The next tick comes once the window has painted this frame (or after
        :data:`PAINT_WAIT_S` when no paint comes)."""
        window = self.clock.window if self.clock is not None else None
        if window is None or not window.isVisible():
            self._next_tick()
            return
        self._awaiting_paint = True
        self._paint_wait.start(round(PAINT_WAIT_S * 1000))

    def _after_frame(self) -> None:
        if not self._awaiting_paint or not self._running:
            return
        self._awaiting_paint = False
        self._paint_wait.stop()
        self._next_tick()

    def _next_tick(self) -> None:
        """Arm the timer for the next tick: after the input that arrived meanwhile, at
        most :data:`MAX_FRAMES_PER_S` a second (with a window), and at a paced speed not
        before the next iteration is due."""
        now = time.perf_counter()
        at = now
        if self.clock is not None:
            at = max(at + INPUT_GAP_S, self._tick_started + MIN_FRAME_S)
        if not self.fast and self._speed:
            at = max(at, self._t0 + self._paced_done / self._speed)
        self._timer.start(max(0, round((at - now) * 1000)))


__all__ = ["FAST_BUDGET_S", "INPUT_GAP_S", "MAX_FRAMES_PER_S", "PAINT_WAIT_S", "FrameClock",
           "Runner"]
