"""The redraw scheduling rules (coalesce.RedrawScheduler, runner.Runner): many requests,
one redraw; during a run, one frame per tick in which every view due draws, then one
repaint of the window before the next tick. Counts and order, never timings."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget

from simulator.app.coalesce import DUE_SHARE, Coalescer, RedrawScheduler
from simulator.app.model import LabModel
from simulator.app.runner import Runner
from simulator.engine import edits


class Calls:
    """A view's redraw that records its calls (a bound method, as views hand over)."""

    def __init__(self, name: str = "", log: list[str] | None = None) -> None:
        self.name = name
        self.count = 0
        self.log = log

    def redraw(self) -> None:
        self.count += 1
        if self.log is not None:
            self.log.append(self.name)


@pytest.fixture
def scheduler(qtbot):
    s = RedrawScheduler()
    yield s
    while s.driving:
        s.end_run()


@pytest.fixture
def holder(qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    return w


def test_between_runs_a_burst_of_requests_is_one_redraw_from_the_event_loop(
        qtbot, scheduler, holder):
    view = Calls()
    c = Coalescer(view.redraw, holder, scheduler=scheduler)
    for _ in range(5):
        c.request()
    assert view.count == 0 and c.pending
    qtbot.waitUntil(lambda: view.count == 1)
    QApplication.processEvents()
    assert view.count == 1 and not c.pending


def test_during_a_run_no_view_keeps_a_timer_and_the_frame_draws_it(qtbot, scheduler, holder):
    view = Calls()
    c = Coalescer(view.redraw, holder, scheduler=scheduler)
    c.request()  # a timer is armed between runs...
    scheduler.begin_run()  # ...and stopped when a run starts: its frames draw
    c.request()
    for _ in range(3):
        QApplication.processEvents()
    assert view.count == 0 and c.pending
    scheduler.frame()
    assert view.count == 1 and not c.pending
    scheduler.frame()  # nothing requested since: nothing drawn
    assert view.count == 1


def test_a_throttled_view_is_drawn_in_the_first_frame_its_interval_has_passed(
        scheduler, holder):
    view = Calls()
    c = Coalescer(view.redraw, holder, interval_ms=100, scheduler=scheduler)
    c.set_throttled(True)
    scheduler.begin_run()
    c.request()
    scheduler.frame()  # never drawn before: at once
    assert view.count == 1
    last = c._last
    c.request()
    scheduler.frame(now=last + 0.050)
    assert view.count == 1 and c.pending
    scheduler.frame(now=last + 0.100 * DUE_SHARE)
    assert view.count == 2 and not c.pending
    # an unthrottled view (the canvas) is drawn in every frame it has changes for
    canvas = Calls()
    u = Coalescer(canvas.redraw, holder, scheduler=scheduler)
    for i in range(3):
        u.request()
        scheduler.frame(now=last + 0.2 + i * 0.001)
    assert canvas.count == 3


def test_frames_draw_in_the_order_the_views_were_made_and_skip_hidden_ones(
        scheduler, holder):
    log: list[str] = []
    shown = {"a": True, "b": False, "c": True}
    views = {k: Calls(k, log) for k in "abc"}
    coalescers = [Coalescer(views[k].redraw, holder, scheduler=scheduler,
                            is_visible=lambda k=k: shown[k]) for k in "cab"]
    scheduler.begin_run()
    for c in coalescers:
        c.request()
    scheduler.frame()
    assert log == ["c", "a"]  # b cannot be seen: it stays pending...
    assert coalescers[2].pending
    shown["b"] = True
    coalescers[2].flush()  # ...until it is shown (its showEvent, its tab in front)
    assert log == ["c", "a", "b"]


def test_when_the_run_ends_what_is_pending_is_drawn_promptly(qtbot, scheduler, holder):
    view = Calls()
    c = Coalescer(view.redraw, holder, interval_ms=10_000, scheduler=scheduler)
    c.set_throttled(True)
    scheduler.begin_run()
    c.request()
    scheduler.frame()
    c.request()  # not due for ten seconds
    scheduler.end_run()
    qtbot.waitUntil(lambda: view.count == 2, timeout=2000)


def test_a_dropped_view_goes_with_its_redraws(scheduler, holder):
    view = Calls()
    c = Coalescer(view.redraw, holder, scheduler=scheduler)
    assert c in scheduler.members()
    c.request()
    del view  # the coalescer holds the view's method weakly: nothing left to call
    scheduler.begin_run()
    scheduler.frame()
    assert not c.pending


def test_the_next_tick_waits_for_the_windows_paint(qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    window.resize(200, 100)
    window.show()
    qtbot.waitExposed(window)
    runner = Runner(LabModel(), window)
    runner.set_speed(None)
    seen: list[tuple[bool, bool]] = []  # at each paint: (waiting for it, next tick armed)

    class AtPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.UpdateRequest and runner.running and runner.done:
                seen.append((runner.awaiting_paint, runner._timer.isActive()))
            return False

    spy = AtPaint(window)
    window.installEventFilter(spy)
    ticks: list[int] = []
    runner.progress.connect(lambda done, _t: ticks.append(done))
    runner.progress.connect(lambda *_: window.update())  # each tick changes the window
    runner.start()
    qtbot.waitUntil(lambda: len(ticks) >= 12)
    runner.pause()
    assert seen and all(waiting and not armed for waiting, armed in seen)
    assert len(seen) >= len(ticks) - 3  # a paint for (nearly) every tick


def test_a_window_that_paints_nothing_does_not_stop_the_run(qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    runner = Runner(LabModel(), window)
    runner.set_speed(None)
    with qtbot.waitSignal(runner.stopped, timeout=10_000):
        runner.start(target=2000)
    assert runner.done == 2000


def test_each_tick_of_a_run_is_on_the_canvas_before_the_next_one(qtbot):
    from simulator.app.main_window import MainWindow

    doc = edits.new_document((2, 8, 8, 1), activation="sigmoid", seed=1)
    win = MainWindow(LabModel(doc), persist=False)
    qtbot.addWidget(win, before_close_func=lambda w: (w.runner.pause(),
                                                      w.set_confirm_on_close(False)))
    win.resize(1024, 768)
    win.show()
    qtbot.waitExposed(win)
    qtbot.wait(300)
    events: list[str] = []

    class CanvasPaints(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                events.append("paint")
            return False

    spy = CanvasPaints(win)
    win.canvas.viewport().installEventFilter(spy)
    win.runner.progress.connect(lambda done, _t: events.append("tick") if done else None)
    win.runner.set_speed(None)
    win.runner.start()
    qtbot.waitUntil(lambda: events.count("tick") >= 25, timeout=20_000)
    win.runner.pause()
    # The canvas shows every tick's values, painted before the next tick (the back-to-back
    # ticks of a repeating zero-timer painted every other one).
    runs = "".join("T" if e == "tick" else "P" for e in events).strip("P").split("T")[1:-1]
    assert len(runs) >= 23
    assert all(run.count("P") == 1 for run in runs), runs
