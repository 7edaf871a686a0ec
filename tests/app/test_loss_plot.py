"""The loss plot: train loss per completed iteration, test loss, and stepping back."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from simulator.app.loss_plot import LossPlot
from simulator.app.model import LabModel
from simulator.engine import datasets, edits
from simulator.engine import document as doc_io
from simulator.resources import example_path


@pytest.fixture
def model():
    return LabModel(document=doc_io.load(example_path("reference.json")))


@pytest.fixture
def plot(qtbot, model):
    view = LossPlot(model)
    qtbot.addWidget(view)
    view.resize(600, 300)
    view.show()
    return view


def curve_points(plot, curve):
    """What the curve item was given (before its own clipping and downsampling), once the
    plot has drawn what is pending (the event loop does it; tests read at once)."""
    plot.flush()
    if curve.xData is None:
        return np.empty(0), np.empty(0)
    return np.asarray(curve.xData), np.asarray(curve.yData)


def latest(plot):
    """The line above the plot, up to date."""
    plot.flush()
    return plot.latest.text()


def view_range(plot):
    plot.flush()
    return plot.plot.vb.viewRange()


def split_model(model):
    doc = edits.set_training(edits.new_document((2, 3, 1)), optimizer="sgd", batch_size=4,
                             learning_rate=0.5)
    model.set_document(edits.set_data(doc, datasets.make("gaussian", n=40, test_fraction=0.25)))


def test_curve_holds_every_completed_iteration(plot, model):
    model.run_iterations(50)
    x, y = curve_points(plot, plot.train_curve)
    assert len(y) == 50
    np.testing.assert_array_equal(y, model.losses)
    np.testing.assert_array_equal(x, np.arange(1, 51))
    assert f"iteration 50: train loss {latest(plot).split('train loss ')[1]}" \
        in latest(plot)
    model.run_iterations(25)  # appended
    x, y = curve_points(plot, plot.train_curve)
    np.testing.assert_array_equal(y, model.losses)
    assert len(y) == 75


def test_grows_past_the_initial_capacity(plot, model):
    model.run_iterations(3000)
    _x, y = curve_points(plot, plot.train_curve)
    np.testing.assert_array_equal(y, model.losses)


def test_shrinks_on_step_back_and_reset(plot, model):
    model.run_iterations(50)
    model.step_back()  # undo the last update: 49 completed iterations
    _x, y = curve_points(plot, plot.train_curve)
    assert len(model.losses) == 49
    np.testing.assert_array_equal(y, model.losses)
    model.step()  # redo the update: the same loss again
    _x, y = curve_points(plot, plot.train_curve)
    np.testing.assert_array_equal(y, model.losses)
    assert len(y) == 50
    model.reset_training()
    _x, y = curve_points(plot, plot.train_curve)
    assert len(y) == 0
    assert "No completed iteration" in latest(plot)


def test_edits_and_undo_swap_the_history(plot, model):
    model.run_iterations(20)
    losses = list(model.losses)
    model.edit("w5", lambda d: edits.set_parameter(d, "w5", 0.3))
    assert len(curve_points(plot, plot.train_curve)[1]) == 0  # a fresh start
    model.undo_stack.undo()
    np.testing.assert_array_equal(curve_points(plot, plot.train_curve)[1], losses)


def test_test_split_gives_a_second_curve(plot, model):
    assert not plot.test_curve.isVisible()
    split_model(model)
    plot.flush()
    assert plot.test_curve.isVisible()
    legend_names = [label.text for _sample, label in plot.legend.items]
    assert legend_names == ["train loss (batch)", "test loss", "lowest test loss"]
    model.run_iterations(10)
    model.run_iterations(10)
    x, y = curve_points(plot, plot.test_curve)
    # the stepper's samples: the start, the first iteration (finished as a step), then
    # every 10th iteration of the runs and their ends
    np.testing.assert_array_equal(x, [0, 1, 10, 20])
    np.testing.assert_array_equal(x, model.test_history.iterations)
    assert y[-1] == pytest.approx(model.test_loss())
    assert "test loss" in latest(plot)
    model.reset_training()
    model.run_iterations(5)
    x, _y = curve_points(plot, plot.test_curve)
    np.testing.assert_array_equal(x, [0, 1, 5])  # the points beyond the position went
    model.set_document(edits.new_document((2, 2, 1)))
    plot.flush()
    assert not plot.test_curve.isVisible()
    assert [label.text for _s, label in plot.legend.items] == ["train loss (batch)"]


def test_step_back_drops_test_points_beyond_the_position(plot, model):
    split_model(model)
    model.run_iterations(3)  # sampled at the start, the first iteration and the run's end
    model.step_back()  # 2 completed iterations: the point at 3 goes
    x, _y = curve_points(plot, plot.test_curve)
    np.testing.assert_array_equal(x, [0, 1])
    model.step()  # the update again: sampled at every iteration completed by stepping
    x, y = curve_points(plot, plot.test_curve)
    np.testing.assert_array_equal(x, [0, 1, 3])
    assert y[-1] == pytest.approx(model.test_loss())


def test_nan_and_inf_losses_are_drawn_without_errors(qtbot, plot, model):
    model.run_iterations(5)
    model.stepper.losses.extend([float("nan"), float("inf"), 0.0])
    model.historyChanged.emit()
    _x, y = curve_points(plot, plot.train_curve)
    assert len(y) == 8 and np.isnan(y[5]) and np.isinf(y[6])
    plot.log_check.setChecked(True)
    plot.grab()  # paint with non-finite values and a zero on a log axis
    assert plot.plot.getAxis("left").logMode
    model.stepper.losses.append(float("nan"))
    model.historyChanged.emit()  # the last old value is NaN: still appends correctly
    assert len(curve_points(plot, plot.train_curve)[1]) == 9
    assert "NaN" in latest(plot)


def test_divergence_is_reported(plot, model):
    doc = edits.set_loss(edits.new_document((2, 2, 1), activation="linear"), "mse")
    model.set_document(edits.set_training(doc, learning_rate=1e6))
    model.run_iterations(500)
    assert model.divergence_message
    assert "Training stopped" in latest(plot)
    np.testing.assert_array_equal(curve_points(plot, plot.train_curve)[1], model.losses)
    plot.log_check.setChecked(True)  # losses up to ~1e108 on a log axis
    plot.grab()


def test_log_scale_checkbox(qtbot, plot, model):
    qtbot.mouseClick(plot.log_check, Qt.MouseButton.LeftButton)
    assert plot.plot.getAxis("left").logMode
    plot.set_log_scale(False)
    assert not plot.log_check.isChecked()
    assert not plot.plot.getAxis("left").logMode


def test_dark_and_light_colours(plot, model):
    plot.set_dark(True)
    dark = plot.train_curve.opts["pen"].color().name()
    plot.set_dark(False)
    light = plot.train_curve.opts["pen"].color().name()
    assert dark != light
    assert {dark.upper(), light.upper()} == {"#56B4E9", "#0072B2"}


def test_curves_follow_the_style_notes(plot, model):
    for curve in (plot.train_curve, plot.test_curve):
        assert curve.opts["autoDownsample"]
        assert curve.opts["downsampleMethod"] == "peak"
        assert curve.opts["clipToView"]
        assert not curve.opts.get("skipFiniteCheck", False)  # a diverging loss has NaN/inf
    first = plot.train_curve
    model.run_iterations(10)
    model.reset_training()
    model.run_iterations(10)
    assert plot.train_curve is first  # created once, updated with setData
    assert plot.plot.listDataItems() == [plot.train_curve, plot.test_curve]


def test_the_view_follows_the_data_without_pyqtgraphs_auto_range(plot, model):
    vb = plot.plot.vb
    model.run_iterations(200)
    assert vb.autoRangeEnabled() == [False, False]  # auto-range paints twice per update
    (x0, x1), (y0, y1) = view_range(plot)
    losses = np.asarray(model.losses)
    assert x0 <= 1 and x1 >= 200
    assert y0 <= losses.min() and y1 >= losses.max()
    assert (x1 - x0) < 1.3 * 199 and (y1 - y0) < 1.3 * np.ptp(losses)  # fitted, padded
    model.run_iterations(300)
    assert view_range(plot)[0][1] >= 500
    plot.set_log_scale(True)
    (_x0, _x1), (y0, y1) = view_range(plot)
    assert y0 <= np.log10(losses.min()) and y1 >= np.log10(losses.max())
    assert vb.autoRangeEnabled() == [False, False]


def test_panning_by_hand_stops_the_following_until_the_auto_button(plot, model):
    vb = plot.plot.vb
    model.run_iterations(50)
    vb.setRange(xRange=(10, 20))
    vb.sigRangeChangedManually.emit([True, True])  # what a drag or the wheel emits
    assert not plot.following()
    model.run_iterations(50)
    assert view_range(plot)[0] == pytest.approx([10, 20], abs=1)
    plot.plot.autoBtnClicked()
    assert plot.following()
    assert view_range(plot)[0][1] >= 100


def test_the_grid_is_drawn_in_opaque_colours(plot, model):
    model.run_iterations(100)
    plot.grab()
    major, _minor = plot.grid.lines()
    assert major  # lines at the axes' ticks
    assert all(colour.alpha() == 255 for colour in plot.grid.colours())
    assert not plot.plot.getAxis("left").grid  # pyqtgraph's translucent grid is off


def test_one_redraw_per_burst_and_none_while_hidden(qtbot, plot, model):
    draws: list[int] = []
    original = plot.train_curve.setData
    plot.train_curve.setData = lambda *a, **k: (draws.append(1), original(*a, **k))
    for _ in range(5):
        model.run_iterations(1)  # five history changes in one pass of the event loop
    assert draws == []  # nothing drawn synchronously
    qtbot.waitUntil(lambda: len(draws) == 1, timeout=2000)
    qtbot.wait(30)
    assert len(draws) == 1
    np.testing.assert_array_equal(curve_points(plot, plot.train_curve)[1], model.losses)
    plot.hide()
    model.run_iterations(3)
    qtbot.wait(50)
    assert len(draws) == 1  # hidden (a closed dock or the other tab): nothing drawn
    plot.show()
    qtbot.waitUntil(lambda: len(draws) == 2, timeout=2000)
    assert len(curve_points(plot, plot.train_curve)[1]) == 8
