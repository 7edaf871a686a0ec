"""Run/Pause: timer-driven slices of iterations on the GUI thread."""

from __future__ import annotations

import time

import numpy as np
import pytest

from simulator.app.model import LabModel
from simulator.app.runner import Runner
from simulator.app.settings import MemoryStore, Settings
from simulator.app.speeds import (
    DEFAULT_SPEED,
    SPEED_NAMES,
    SPEEDS,
    speed_from_name,
    speed_label,
    speed_name,
)
from simulator.engine import edits


@pytest.fixture
def model(qtbot):
    return LabModel()


@pytest.fixture
def runner(qtbot, model):
    r = Runner(model)
    yield r
    r.pause()


def test_speed_names_round_trip():
    for speed in SPEEDS:
        assert speed_from_name(speed_name(speed)) == speed
    with pytest.raises(ValueError):
        speed_from_name("7")
    with pytest.raises(ValueError):
        speed_from_name("warp")
    with pytest.raises(ValueError):
        speed_from_name("-5")


def test_one_list_of_speeds_for_the_runner_settings_and_widgets(runner):
    assert runner.speed == DEFAULT_SPEED
    assert tuple(speed_name(s) for s in SPEEDS) == SPEED_NAMES
    settings = Settings(MemoryStore())
    assert settings.speed == speed_name(DEFAULT_SPEED)
    for name in SPEED_NAMES:
        settings.speed = name  # every speed the runner knows is one the settings keep
        assert settings.speed == name
    with pytest.raises(ValueError):
        settings.speed = "7"
    assert speed_label(None) == "Fast" and speed_label(20) == "20 iterations/s"
    assert speed_label(20, short=True) == "20 it/s"


def test_set_speed_refuses_unknown_speeds(runner):
    with pytest.raises(ValueError):
        runner.set_speed(3)


def test_paced_run_takes_iterations_and_reports_progress(qtbot, runner, model):
    runner.set_speed(100)
    reports: list[tuple[int, int]] = []
    runner.progress.connect(lambda done, target: reports.append((done, target)))
    with qtbot.waitSignal(runner.runningChanged) as started:
        runner.start()
    assert started.args == [True]
    qtbot.waitUntil(lambda: runner.done >= 10, timeout=5000)
    runner.pause()
    assert not runner.running
    assert model.stepper.completed_iterations == runner.done
    assert len(model.losses) == runner.done
    assert reports[0] == (0, 0)
    assert reports[-1][0] == runner.done


def test_paced_run_keeps_to_its_speed(qtbot, runner, model):
    runner.set_speed(20)
    t0 = time.perf_counter()
    runner.start()
    qtbot.waitUntil(lambda: runner.done >= 6, timeout=5000)
    elapsed = time.perf_counter() - t0
    runner.pause()
    # 6 iterations at 20/s: the first at once, then one every 50 ms.
    assert elapsed >= 0.2
    assert runner.done <= 8


def test_pause_stops_the_count(qtbot, runner, model):
    runner.set_speed(None)
    runner.start()
    qtbot.waitUntil(lambda: runner.done > 100, timeout=5000)
    with qtbot.waitSignal(runner.stopped) as stopped:
        runner.pause()
    assert stopped.args == [""]
    count = model.stepper.completed_iterations
    qtbot.wait(60)
    assert model.stepper.completed_iterations == count


def test_toggle_starts_and_pauses(qtbot, runner):
    runner.toggle()
    assert runner.running
    runner.toggle()
    assert not runner.running


def test_a_target_stops_the_run_exactly(qtbot, runner, model):
    runner.set_speed(None)
    with qtbot.waitSignal(runner.stopped, timeout=10000) as stopped:
        runner.start(target=2500)
    assert runner.done == 2500
    assert model.stepper.completed_iterations == 2500
    assert "2500" in stopped.args[0]


def test_fast_run_grows_its_slices(qtbot, runner, model):
    runner.set_speed(None)
    ticks: list[int] = []
    runner.progress.connect(lambda done, _t: ticks.append(done))
    with qtbot.waitSignal(runner.stopped, timeout=20000):
        runner.start(target=20000)
    slices = np.diff(ticks[1:])
    # The first slice is 50 iterations; later ones fill the time budget.
    assert slices.max() > 100
    assert len(ticks) < 20000 / 50


def test_fast_run_of_a_paced_runner(qtbot, runner, model):
    runner.set_speed(1)
    with qtbot.waitSignal(runner.stopped, timeout=10000):
        runner.start(target=500, fast=True)
    assert runner.done == 500


def test_run_until_the_end_of_the_epoch(qtbot, runner, model):
    doc = edits.set_training(edits.new_document((2, 2, 1)), optimizer="sgd", batch_size=1)
    model.set_document(doc)  # XOR: 4 batches of 1 per epoch
    model.step()  # part-way into the first iteration
    with qtbot.waitSignal(runner.stopped, timeout=5000) as stopped:
        runner.start(until_epoch_end=True, fast=True)
    assert stopped.args == ["Finished the epoch."]
    assert model.stepper.completed_iterations == 4


def test_divergence_stops_the_run_at_the_last_finite_state(qtbot, runner, model):
    doc = edits.set_training(edits.new_document((2, 2, 1), activation="linear"),
                             learning_rate=1e5)
    model.set_document(doc)
    messages: list[str] = []
    model.diverged.connect(messages.append)
    with qtbot.waitSignal(runner.stopped, timeout=5000) as stopped:
        runner.start()
    assert "diverged" in stopped.args[0]
    assert messages and messages[0] == stopped.args[0]
    assert not runner.running
    assert np.isfinite(model.params).all()
    assert np.isfinite(model.losses).all()


def test_an_edit_while_running_pauses(qtbot, runner, model):
    runner.set_speed(None)
    runner.start()
    qtbot.waitUntil(lambda: runner.done > 0, timeout=5000)
    with qtbot.waitSignal(runner.stopped) as stopped:
        model.edit("Learning rate", lambda d: edits.set_training(d, learning_rate=0.5))
    assert "edited" in stopped.args[0]
    done = model.stepper.completed_iterations
    qtbot.wait(50)
    assert model.stepper.completed_iterations == done


def test_undo_while_running_pauses(qtbot, runner, model):
    model.edit("Learning rate", lambda d: edits.set_training(d, learning_rate=0.5))
    runner.start()
    qtbot.waitUntil(lambda: runner.done > 0, timeout=5000)
    model.undo_stack.undo()
    assert not runner.running


def test_one_set_of_signals_per_tick(qtbot, runner, model):
    runner.set_speed(None)
    ticks: list[int] = []
    values: list[int] = []
    runner.progress.connect(lambda done, _t: ticks.append(done))
    model.valuesChanged.connect(lambda: values.append(1))
    with qtbot.waitSignal(runner.stopped, timeout=10000):
        runner.start(target=3000)
    # progress(0, 0) at the start, then one per tick; each tick changed the values once.
    assert len(values) == len(ticks) - 1


def test_the_event_loop_keeps_answering_while_running_fast(qtbot, runner, model):
    from PySide6.QtCore import QTimer

    runner.set_speed(None)
    runner.start()
    qtbot.waitUntil(lambda: runner.done > 0, timeout=5000)
    lags: list[float] = []
    for _ in range(10):
        posted = time.perf_counter()
        handled: list[float] = []
        QTimer.singleShot(0, lambda h=handled: h.append(time.perf_counter()))
        qtbot.waitUntil(lambda h=handled: bool(h), timeout=2000)
        lags.append(handled[0] - posted)
    runner.pause()
    assert max(lags) < 0.2  # generous: the benchmark holds the real 50 ms target


def test_redraws_after_a_tick_count_as_the_views_cost_of_that_tick(qtbot, runner, model):
    # Views redraw through a Coalescer after the runner's tick; the fast slice must still be
    # sized with their time, or a slow view would stretch every tick past the budget.
    from simulator.app.coalesce import Coalescer

    runner.set_speed(None)
    runner.start()
    qtbot.waitUntil(lambda: runner._overhead is not None, timeout=5000)
    runner.pause()
    quiet = runner._overhead
    assert quiet is not None
    runner.start()
    for _ in range(20):  # as if each tick's deferred redraws took 50 ms
        Coalescer.redraw_seconds += 0.05
        runner._tick()
    runner.pause()
    assert runner._overhead is not None and runner._overhead > quiet + 0.02
