"""Benchmark of the running app: redraws, iterations per second and event latency.

Run it as a script (it is not a test); the 3D cost surface needs OpenGL, so under Xvfb::

    xvfb-run -a -s "-screen 0 1920x1080x24" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python benchmarks/bench_app.py [--seconds 3]

(with QT_QPA_PLATFORM=offscreen the surface is the 2D contour fallback, and the figures say
so). It opens the real main window (1920x1080, the wide layout: the canvas, the cost surface
and the loss plot all on screen, side by side; with ``--size 1024x768`` the compact one, the
loss plot put beside the surface; the user's settings are not touched; set up
as the app's entry point sets it up, start-up objects frozen out of the garbage collector's
full collections, see ``simulator.app.main.freeze_startup_objects``) for two networks:

- the reference lesson (2-2-2, one sample, gd; resources/examples/reference.json);
- a 2-8-8-1 network (sigmoid, a bias per neuron) on make("circle", n=200), sgd with
  batches of 16.

For each it runs the Runner twice, at the normal speed (100 iterations/s, the default)
and at "Fast", and measures:

- redraws per second: paint events of the canvas's viewport (every model-triggered
  repaint of the canvas ends in one), frames of the cost surface's 3D view (its own OpenGL
  window; without OpenGL, paint events of the contour plot's viewport), paint events of
  the loss plot's viewport, and the runner's ticks (one set of model signals each, one
  frame: see simulator.app.runner);
- iterations per second;
- event latency: every 10 ms an "arrival"; the time until the loop handles an input-like
  event (a custom event posted with high priority, as window-system input is handled at
  the start of the next pass) counted from the arrival time, so a long block of work that
  also delays the probe's timer is included. Max and p95. The same for a
  ``QTimer.singleShot(0)`` (which also waits behind the paints already queued) is shown
  for comparison.

Targets (from the issues): >= 30 canvas redraws/s while running at the normal speed;
>= 5,000 iterations/s in a Fast run of the reference example; in a Fast run of the 2-8-8-1
network with the canvas, the 3D surface and the loss plot on screen, >= 30 canvas redraws/s
and the surface redrawn >= 10 times a second; every event answered within 50 ms. Then
(unless --no-learned) issue 12's run from bench_learned.py: a 2-8-8-2 network on the
spiral with its decision boundary and every neuron's picture redrawn >= 20 times a second.
The script prints the machine's load before and after (the figures depend on it), the
figures and whether each target is met, and (unless
--no-breakdown) a diagnostic pass per network: how a Fast tick splits between the engine
and the views' slots, and the widgets whose paints cost the most.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, QSettings, Qt, QTimer
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QWidget

from simulator.app.gl_platform import ensure_pyopengl_platform

TARGET_REDRAWS = 30.0
TARGET_SURFACE_REDRAWS = 10.0
TARGET_FAST_REFERENCE = 5000.0
TARGET_LATENCY_S = 0.050
WINDOW_SIZE = (1920, 1080)


class PaintCounter(QObject):
    """Counts the paint events of one widget."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


class PaintTimer(QObject):
    """Times the paint events of every widget of a window (diagnostic: it re-sends each
    paint event itself, so it runs as a separate pass, not during the measured runs)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.totals: dict[str, list[float]] = {}
        self._widgets = [window] + window.findChildren(QWidget)
        for w in self._widgets:
            w.installEventFilter(self)

    def remove(self) -> None:
        for w in self._widgets:
            w.removeEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Paint or not isinstance(obj, QWidget):
            return False
        owner = obj
        while owner.parentWidget() is not None and not owner.objectName():
            owner = owner.parentWidget()
        key = f"{type(obj).__name__} in {owner.objectName() or type(owner).__name__}"
        t = time.perf_counter()
        obj.removeEventFilter(self)
        QApplication.sendEvent(obj, event)
        obj.installEventFilter(self)
        entry = self.totals.setdefault(key, [0, 0.0])
        entry[0] += 1
        entry[1] += time.perf_counter() - t
        return True


def breakdown(app: QApplication, window, seconds: float) -> None:
    """Where a Fast run's time goes: engine, the views' slots per tick, paints per widget."""
    model = window.model
    ticks: list[tuple[float, float]] = []
    original = model.run_iterations

    def timed(count: int, stop_at_epoch_end: bool = False):
        t = time.perf_counter()
        result = original(count, stop_at_epoch_end)
        ticks.append((time.perf_counter() - t, model.last_run_seconds))
        return result

    model.run_iterations = timed  # type: ignore[method-assign]
    painter = PaintTimer(window)
    model.reset_training()
    window.runner.set_speed(None)
    window.runner.start()
    wait(app, seconds)
    window.runner.pause()
    painter.remove()
    del model.run_iterations
    wall = seconds
    if ticks:
        tick = statistics.mean(t for t, _e in ticks)
        engine = statistics.mean(e for _t, e in ticks)
        print(f"    {len(ticks)} ticks: {tick * 1000:.1f} ms each = engine "
              f"{engine * 1000:.1f} ms + views' slots {(tick - engine) * 1000:.1f} ms")
    top = sorted(painter.totals.items(), key=lambda kv: -kv[1][1])[:4]
    for key, (n, total) in top:
        print(f"    paint {key}: {n} x {total / n * 1000:.1f} ms "
              f"({total / wall * 100:.0f}% of the run)")


PROBE_EVENT = QEvent.Type(QEvent.registerEventType())


class LatencyProbe(QObject):
    """Every ``period`` s, an "arrival": measures how long until the event loop handles
    something that arrives then, two ways.

    - input-like: a custom event posted with high priority (handled at the start of the
      next event-loop pass, as the window system's input is);
    - zero-timer: ``QTimer.singleShot(0)`` (a normal-priority posted call: it also waits
      behind the paints already queued).

    Both count from the arrival time (when the probe's timer was due), so a long block of
    work that delays the probe's own timer is included.
    """

    def __init__(self, period: float = 0.010) -> None:
        super().__init__()
        self.period = period
        self.lags: list[float] = []  # input-like
        self.timer_lags: list[float] = []  # zero-timer
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(round(period * 1000))
        self._timer.timeout.connect(self._post)
        self._due = 0.0

    def start(self) -> None:
        self.lags.clear()
        self.timer_lags.clear()
        self._due = time.perf_counter() + self.period
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _post(self) -> None:
        now = time.perf_counter()
        arrival = min(self._due, now)
        # The next arrival: on the 10 ms grid, skipping the slots this one overran.
        while self._due <= now:
            self._due += self.period
        event = QEvent(PROBE_EVENT)
        event.arrival = arrival  # type: ignore[attr-defined]
        QCoreApplication.postEvent(self, event, Qt.EventPriority.HighEventPriority.value)
        QTimer.singleShot(0, lambda: self.timer_lags.append(time.perf_counter() - arrival))

    def event(self, event: QEvent) -> bool:
        if event.type() == PROBE_EVENT:
            self.lags.append(time.perf_counter() - event.arrival)  # type: ignore[attr-defined]
            return True
        return super().event(event)


@dataclass
class Figures:
    iterations: int
    seconds: float
    paints: int
    ticks: int
    lags: list[float]
    timer_lags: list[float]
    surface_paints: int = 0
    loss_paints: int = 0

    @property
    def rate(self) -> float:
        return self.iterations / self.seconds

    @property
    def redraws(self) -> float:
        return self.paints / self.seconds

    @property
    def surface_redraws(self) -> float:
        return self.surface_paints / self.seconds

    @property
    def loss_redraws(self) -> float:
        return self.loss_paints / self.seconds

    @property
    def ticks_per_s(self) -> float:
        return self.ticks / self.seconds

    @property
    def lag_max(self) -> float:
        return max(self.lags) if self.lags else float("nan")

    @property
    def lag_p95(self) -> float:
        return _p95(self.lags)

    @property
    def timer_lag_max(self) -> float:
        return max(self.timer_lags) if self.timer_lags else float("nan")

    @property
    def timer_lag_p95(self) -> float:
        return _p95(self.timer_lags)


def _p95(values: list[float]) -> float:
    if len(values) < 2:
        return max(values) if values else float("nan")
    return statistics.quantiles(values, n=20)[-1]


def wait(app: QApplication, seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(round(seconds * 1000), loop.quit)
    loop.exec()


class FrameCounter:
    """Counts the frames of the 3D view's own OpenGL window (it gets no paint events)."""

    def __init__(self, glview) -> None:
        self._glview = glview
        self._start = glview.frames

    @property
    def count(self) -> int:
        return self._glview.frames - self._start

    @count.setter
    def count(self, value: int) -> None:
        self._start = self._glview.frames - value

    def deleteLater(self) -> None:
        pass


def surface_widget(window) -> tuple[object | None, str]:
    """What draws the cost surface (the 3D view's OpenGL window, or the contour plot's
    viewport), and which it is."""
    view = window.views.get("surface")
    if view is None:
        return None, "none"
    if view.view3d is not None and view.current_display is view.view3d:
        return view.view3d.glview, "3D (OpenGL)"
    return view.contour.plot_widget.viewport(), f"contour ({view.gl_reason or '2D'})"


def surface_counter(surface: object | None) -> PaintCounter | FrameCounter | None:
    """A counter of the surface's redraws: its frames (OpenGL window) or paint events."""
    if surface is None:
        return None
    if isinstance(surface, QWidget):
        return PaintCounter(surface)
    return FrameCounter(surface)


def measure(app: QApplication, window, speed: int | None, seconds: float) -> Figures:
    canvas = window.canvas
    target = canvas.viewport() if isinstance(canvas, QAbstractScrollArea) else canvas
    counter = PaintCounter(target)
    surface, _kind = surface_widget(window)
    surface_count = surface_counter(surface)
    loss_counter = PaintCounter(window.loss_plot.plot_widget.viewport())
    probe = LatencyProbe()
    ticks = [0]
    window.runner.progress.connect(lambda *_: ticks.__setitem__(0, ticks[0] + 1))
    window.model.reset_training()
    window.runner.set_speed(speed)
    wait(app, 0.5)
    counter.count = 0
    loss_counter.count = 0
    if surface_count is not None:
        surface_count.count = 0
    before = window.model.stepper.completed_iterations
    probe.start()
    t0 = time.perf_counter()
    window.runner.start()
    wait(app, seconds)
    window.runner.pause()
    elapsed = time.perf_counter() - t0
    probe.stop()
    done = window.model.stepper.completed_iterations - before
    wait(app, 0.05)
    figures = Figures(done, elapsed, counter.count, ticks[0] - 1, list(probe.lags),
                      list(probe.timer_lags),
                      surface_count.count if surface_count is not None else 0,
                      loss_counter.count)
    counter.deleteLater()
    loss_counter.deleteLater()
    if surface_count is not None:
        surface_count.deleteLater()
    probe.deleteLater()
    if window.model.divergence_message:
        print(f"    (diverged: {window.model.divergence_message})")
    return figures


def on_screen(widget: QWidget) -> bool:
    """Shown and not covered (a dock behind another tab is visible to Qt, off screen)."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


def wait_for_surface(app: QApplication, window, seconds: float = 30.0) -> None:
    """Until the surface's first grid is drawn (or ``seconds`` pass)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        view = window.views.get("surface")
        if view is not None and view.controller.drawn is not None and not view.controller.busy:
            return
        wait(app, 0.05)


def circle_document():
    from simulator.engine import edits
    from simulator.engine.datasets import make

    doc = edits.new_document((2, 8, 8, 1), activation="sigmoid", bias="neuron", seed=1)
    doc = edits.set_data(doc, make("circle", n=200), {"kind": "circle", "n": 200})
    doc = edits.set_training(doc, optimizer="sgd", batch_size=16, learning_rate=0.5)
    return edits.set_name(doc, "2-8-8-1 on circle(200), sgd batch 16")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each run")
    parser.add_argument("--size", default=f"{WINDOW_SIZE[0]}x{WINDOW_SIZE[1]}",
                        help="the window's size, WxH (a compact window shows the loss plot "
                             "beside the surface instead of behind it)")
    parser.add_argument("--no-breakdown", dest="breakdown", action="store_false",
                        help="skip the diagnostic pass (engine, slots and paint times)")
    parser.add_argument("--no-learned", dest="learned", action="store_false",
                        help="skip issue 12's run (a 2-8-8-2 network on the spiral with its "
                             "decision boundary and neuron pictures: bench_learned.py)")
    args = parser.parse_args(argv)
    size = tuple(int(v) for v in args.size.lower().split("x"))

    ensure_pyopengl_platform()
    settings_dir = tempfile.mkdtemp(prefix="bench-app-settings-")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setStyle("Fusion")
    app.setOrganizationName("BackpropLabBench")

    from simulator.app.main import freeze_startup_objects, share_the_gil
    from simulator.app.main_window import MainWindow
    from simulator.app.model import LabModel
    from simulator.engine import document as doc_io
    from simulator.resources import example_path

    print(f"Backprop Lab app benchmark: Python {platform.python_version()}, "
          f"Qt platform {app.platformName()}, {args.seconds:g} s per run; before: "
          f"{load()}")
    canvas_kind = None
    results: dict[tuple[str, str], Figures] = {}
    cases = (("reference", doc_io.load(example_path("reference"))),
             ("2-8-8-1 circle", circle_document()))
    surface_kind = "none"
    for name, doc in cases:
        model = LabModel(doc)
        window = MainWindow(model, persist=False)
        window.set_confirm_on_close(False)
        window.resize(*size)
        window.show()
        window.reset_layout()  # the wide arrangement: surface and loss side by side
        wait(app, 0.5)
        if window.layout_kind() != "wide":  # compact: the loss beside the surface too
            # (as the wide layout does it: out of the tabs, then side by side; a dock split
            # off a tabbed one stays in its tabs)
            bottom = Qt.DockWidgetArea.BottomDockWidgetArea
            surface, loss = window.docks["surface"], window.docks["loss"]
            others = [d for k, d in window.docks.items() if k not in ("surface", "loss")
                      and window.dockWidgetArea(d) == bottom]
            for dock in (surface, loss, *others):
                window.removeDockWidget(dock)
            window.addDockWidget(bottom, surface)
            window.addDockWidget(bottom, loss)
            window.splitDockWidget(surface, loss, Qt.Orientation.Horizontal)
            for dock in others:
                window.addDockWidget(bottom, dock)
                window.tabifyDockWidget(loss, dock)
            for dock in (surface, loss, *others):
                dock.show()
            wait(app, 0.3)
        window.show_view("surface")
        window.show_view("loss")
        wait_for_surface(app, window)
        share_the_gil()
        freeze_startup_objects()  # as the app's entry point does once its window is shown
        canvas_kind = type(window.canvas).__name__
        _widget, surface_kind = surface_widget(window)
        shown = {key: on_screen(view) for key, view in window.views.items()
                 if key in ("canvas", "surface", "loss")}
        print(f"  {name}: window {window.width()}x{window.height()}, on screen: "
              + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in shown.items())
              + f"; surface {surface_kind}")
        for label, speed in (("100 it/s", 100), ("Fast", None)):
            results[(name, label)] = measure(app, window, speed, args.seconds)
        if args.breakdown:
            print(f"  {name}: where a Fast run's time goes")
            breakdown(app, window, min(args.seconds, 2.0))
        window.close()
        window.deleteLater()
        wait(app, 0.1)

    print(f"(canvas: {canvas_kind}; surface: {surface_kind}; redraws = paint events, the 3D "
          "view's frames)")
    print("(lag: input-like event max / p95; in brackets the zero-timer's max / p95)")
    print(f"{'network':<16} {'speed':<9} {'it/s':>9} {'canvas/s':>9} {'surface/s':>10} "
          f"{'loss/s':>7} {'ticks/s':>8} {'lag max':>8} {'lag p95':>8}  {'(zero-timer)':>17}")
    for (name, label), f in results.items():
        print(f"{name:<16} {label:<9} {f.rate:>9,.0f} {f.redraws:>9.1f} "
              f"{f.surface_redraws:>10.1f} {f.loss_redraws:>7.1f} "
              f"{f.ticks_per_s:>8.1f} {f.lag_max * 1000:>6.1f}ms {f.lag_p95 * 1000:>6.1f}ms"
              f"  ({f.timer_lag_max * 1000:>5.1f} / {f.timer_lag_p95 * 1000:>5.1f} ms)")

    checks = []
    for name in ("reference", "2-8-8-1 circle"):
        f = results[(name, "100 it/s")]
        checks.append((f"{name}: >= {TARGET_REDRAWS:g} redraws/s at the normal speed",
                       f.redraws >= TARGET_REDRAWS, f"{f.redraws:.1f}/s"))
    f = results[("reference", "Fast")]
    checks.append((f"reference: >= {TARGET_FAST_REFERENCE:,.0f} iterations/s in a Fast run",
                   f.rate >= TARGET_FAST_REFERENCE, f"{f.rate:,.0f}/s"))
    f = results[("2-8-8-1 circle", "Fast")]
    checks.append((f"2-8-8-1 Fast, canvas + surface + loss on screen: >= {TARGET_REDRAWS:g} "
                   "canvas redraws/s", f.redraws >= TARGET_REDRAWS, f"{f.redraws:.1f}/s"))
    checks.append((f"2-8-8-1 Fast: the surface ({surface_kind}) redrawn >= "
                   f"{TARGET_SURFACE_REDRAWS:g} times/s",
                   f.surface_redraws >= TARGET_SURFACE_REDRAWS
                   and surface_kind.startswith("3D"), f"{f.surface_redraws:.1f}/s"))
    worst = max(r.lag_max for r in results.values())
    checks.append((f"every event answered within {TARGET_LATENCY_S * 1000:g} ms",
                   worst <= TARGET_LATENCY_S, f"worst {worst * 1000:.1f} ms"))
    if args.learned:
        # Issue 12's figures: the decision boundary and every neuron's picture, live
        from bench_learned import run_app as run_learned

        print()
        learned_ok = run_learned(args.seconds, (size[0], size[1]))
        checks.append(("2-8-8-2 spiral Fast: the decision boundary (100x100) and every "
                       "neuron's picture redrawn >= 20 times/s, events within 50 ms",
                       learned_ok, "figures above"))
    print()
    for text, ok, figure in checks:
        print(f"[{'met' if ok else 'MISSED'}] {text}: {figure}")
    print(f"after: {load()}")
    return 0 if all(ok for _t, ok, _f in checks) else 1


def load() -> str:
    """The load average and the number of cores, as a line (the figures depend on it:
    the machine may be shared)."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "load average: not available"
    return (f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min) on "
            f"{os.cpu_count()} cores")


if __name__ == "__main__":
    sys.exit(main())
