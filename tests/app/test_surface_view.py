"""The cost-surface view under the offscreen platform (no OpenGL: the contour view).

Every test builds the model, wraps it in the view and registers the view with qtbot. The
expected numbers come from the engine (model.params, backprop.loss_value and the grids of
simulator.engine.surface), never from the view's own arithmetic.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from simulator.app.model import LabModel
from simulator.app.surface import VIEW_CONTOUR, SurfaceView, gl_available
from simulator.app.surface.controller import LOOKAHEAD_STEPS
from simulator.engine import document as doc_io
from simulator.engine import edits
from simulator.engine import surface as engine_surface
from simulator.engine.backprop import loss_value
from simulator.engine.surface import AXES, DIRECTIONS
from simulator.resources import example_path
from tests.surface_helpers import reference_model, settled, wait_settled

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def model():
    return reference_model()


@pytest.fixture
def view(qtbot, model):
    v = SurfaceView(model)
    qtbot.addWidget(v)
    v.resize(900, 640)
    v.show()
    wait_settled(qtbot, v)
    return v


def index(model, name):
    return model.document.network.index_of[name]


def value(model, name):
    return float(model.params[index(model, name)])


def data(model):
    doc = model.document
    return doc.data.inputs, doc.data.targets, doc.loss


def marker_xy(view):
    xs, ys = view.contour.marker.getData()
    return float(xs[0]), float(ys[0])


def path_xy(view, key="path"):
    item = view.contour.path_items[key]
    if not item.isVisible():
        return None
    xs, ys = item.getData()
    return np.column_stack([xs, ys])


def slice_loss(model, centre, names, u, v):
    """The engine's loss with parameters ``names`` at (u, v) and the others at ``centre``."""
    net = model.document.network.with_params(centre)
    net.set(names[0], u)
    net.set(names[1], v)
    return loss_value(net, *data(model))


def edit_value(model, name, v, merge_key=None):
    model.edit(f"Set {name}", lambda d: edits.set_parameter(d, name, v), merge_key)


# --- the fallback -------------------------------------------------------------------------------

def test_offscreen_has_no_gl_and_falls_back_to_contour_with_a_notice(view):
    ok, reason = gl_available()
    assert not ok
    assert "offscreen" in reason
    assert view.view3d is None
    assert view.view_mode == VIEW_CONTOUR
    assert view.current_view is view.contour
    assert view.notice.isVisible()
    assert "3D view unavailable" in view.notice.text()
    assert "contour" in view.notice.text()
    assert not view.button_3d.isEnabled()
    # never a blank view: the slice is drawn
    assert view.contour.image.isVisible()
    assert view.contour.image.image.shape == (101, 101)
    assert view.contour.contours.isVisible()


def test_no_opengl_is_imported_without_gl():
    """Under offscreen, building the view must not import pyqtgraph.opengl or PyOpenGL
    (in a fresh interpreter: other tests may have imported them)."""
    code = textwrap.dedent("""
        import sys
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from simulator.app.model import LabModel
        from simulator.app.surface import SurfaceView
        view = SurfaceView(LabModel())
        loaded = sorted(m for m in sys.modules if m.startswith(("pyqtgraph.opengl", "OpenGL")))
        view.close()
        print("LOADED", loaded)
        sys.exit(1 if loaded else 0)
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


# --- axes, point and path ----------------------------------------------------------------------

def test_default_axes_of_the_reference_are_w5_and_w6(view, model):
    c = view.controller
    assert c.axes == ("w5", "w6")
    assert c.frame is not None and c.frame.kind == AXES
    assert view.x_combo.currentText() == "w5"
    assert view.y_combo.currentText() == "w6"
    grid = c.grid_view()
    assert grid is not None and grid.labels == ("w5", "w6")
    # automatic range around what moves: the point and where 100 more steps at the
    # learning rate would take it (with a margin); 101 x 101 by default
    assert grid.z.shape == (101, 101)
    grad, lr = model.backward.grad, model.config.learning_rate
    for name, axis in (("w5", grid.xs), ("w6", grid.ys)):
        now = value(model, name)
        ahead = now - LOOKAHEAD_STEPS * lr * grad[index(model, name)]
        assert axis[0] < min(now, ahead) and max(now, ahead) < axis[-1]
        assert axis[-1] - axis[0] < 3 * abs(ahead - now)  # no wider than that needs
    assert "w5 = 0.18" in view.contour.plot.getAxis("bottom").labelText


def test_the_grid_is_the_engines_loss_over_the_slice(view, model):
    grid = view.controller.grid_view()
    expected = engine_surface.loss_grid(model.network, *data(model), "w5", "w6", grid.xs,
                                        grid.ys)
    np.testing.assert_allclose(grid.z, expected, rtol=0, atol=1e-12)


def test_the_marker_sits_at_the_engines_values_and_moves_at_once(qtbot, view, model):
    c = view.controller
    view.range_combo.setCurrentIndex(1)  # a manual span: +-1 around the values
    wait_settled(qtbot, view)
    assert marker_xy(view) == (value(model, "w5"), value(model, "w6"))
    point = c.point_view()
    assert point.z == loss_value(model.network, *data(model))
    jobs = c.jobs.jobs_started

    edit_value(model, "w5", 0.5)
    # no event processing in between: the marker moved synchronously
    assert marker_xy(view) == (0.5, value(model, "w6"))
    assert c.point_view().z == loss_value(model.network, *data(model))
    # w5 is an axis and 0.5 is inside the range: the slice is unchanged, nothing recomputed
    QApplication.processEvents()
    assert c.jobs.jobs_started == jobs
    assert not c.busy


def test_the_gradient_arrow_points_down_the_slope(view, model):
    point = view.controller.point_view()
    assert point.arrow is not None
    grad = model.backward.grad  # one sample, full batch: the data's gradient
    g = (grad[index(model, "w5")], grad[index(model, "w6")])
    assert point.gradient == pytest.approx(g, rel=1e-12)
    start, end = point.arrow[0], point.arrow[-1]
    assert (start[0], start[1]) == (point.u, point.v)
    step = np.array([end[0] - start[0], end[1] - start[1]])
    # along the negative gradient
    cos = -(step @ np.array(g)) / (np.linalg.norm(step) * np.linalg.norm(g))
    assert cos == pytest.approx(1.0, abs=1e-9)
    assert start[2] == point.z  # it starts at the marker's height
    xs, ys = view.contour.arrow_line.getData()
    assert (xs[0], ys[0]) == (point.u, point.v)


def test_moving_an_axis_parameter_out_of_the_range_recentres(qtbot, view, model):
    c = view.controller
    jobs = c.jobs.jobs_started
    edit_value(model, "w5", 5.0)  # far outside the automatic range
    wait_settled(qtbot, view)
    assert c.jobs.jobs_started > jobs
    grid = c.grid_view()
    assert grid.xs[0] <= 5.0 <= grid.xs[-1]
    assert grid.ys[0] <= 0.06 <= grid.ys[-1]
    # a manual span: value +- span, recentred on the axis that left it
    view.range_combo.setCurrentIndex(1)
    wait_settled(qtbot, view)
    edit_value(model, "w5", 9.0)
    wait_settled(qtbot, view)
    grid = c.grid_view()
    assert (grid.xs[0], grid.xs[-1]) == pytest.approx(engine_surface.auto_range(9.0, 1.0))


def test_at_the_default_learning_rate_every_path_is_visible_after_30_iterations(qtbot, view,
                                                                                model):
    c = view.controller
    assert model.config.learning_rate == 0.01
    c.start_compare(30)
    qtbot.waitUntil(lambda: bool(c.compare_paths) and not c.compare_running, timeout=30000)
    for _ in range(30):
        model.finish_iteration()
    qtbot.waitUntil(lambda: not c.busy and c.drawn is not None
                    and c.drawn.spec.centre.tolist() == model.params.tolist(), timeout=30000)
    wait_settled(qtbot, view)
    grid = c.grid_view()
    width, height = grid.xs[-1] - grid.xs[0], grid.ys[-1] - grid.ys[0]
    paths = {p.key: p.points for p in c.path_views()}
    assert set(paths) >= {"path", "gd", "sgd", "momentum", "adam"}
    for key, points in paths.items():
        assert (grid.xs[0] <= points[:, 0]).all() and (points[:, 0] <= grid.xs[-1]).all(), key
        assert (grid.ys[0] <= points[:, 1]).all() and (points[:, 1] <= grid.ys[-1]).all(), key
        # long enough to be seen: at least 4% of the range along one axis (the old +-1
        # range showed the training path as 1%: a dot)
        spread = max(np.ptp(points[:, 0]) / width, np.ptp(points[:, 1]) / height)
        assert spread > 0.04, (key, spread)


def test_stepping_whole_iterations_extends_the_path_with_the_engines_params(qtbot, view,
                                                                           model):
    expected = [model.params.copy()]
    for k in range(1, 4):
        assert model.finish_iteration()
        expected.append(model.params.copy())
        qtbot.waitUntil(lambda n=k + 1: (p := path_xy(view)) is not None and len(p) == n)
    np.testing.assert_array_equal(view.controller.path_params, np.array(expected))
    assert view.controller.path_iterations == [0, 1, 2, 3]
    i5, i6 = index(model, "w5"), index(model, "w6")
    np.testing.assert_array_equal(path_xy(view), np.array(expected)[:, [i5, i6]])
    # the path lies on the drawn slice: its heights are the loss there
    wait_settled(qtbot, view)
    (path,) = [p for p in view.controller.path_views() if p.key == "path"]
    centre = view.controller.drawn.spec.centre
    for (u, v, z) in path.points:
        assert z == pytest.approx(slice_loss(model, centre, ("w5", "w6"), u, v), rel=1e-12)


def test_stepping_back_shortens_the_path(qtbot, view, model):
    for _ in range(3):
        model.finish_iteration()
    qtbot.waitUntil(lambda: len(path_xy(view)) == 4)
    assert model.step_back()  # undoes the last update: 2 completed iterations
    qtbot.waitUntil(lambda: len(path_xy(view)) == 3)
    assert view.controller.path_iterations == [0, 1, 2]
    np.testing.assert_array_equal(view.controller.path_params[-1], model.params)


def test_a_run_of_many_iterations_fills_the_path_from_the_checkpoints(qtbot, view, model):
    model.step()  # a run that starts in the middle of an iteration
    model.run_iterations(40)
    qtbot.waitUntil(lambda: len(view.controller.path_iterations) == 41)
    assert view.controller.path_iterations == list(range(41))
    np.testing.assert_array_equal(view.controller.path_params[-1], model.params)
    # every point is the engine's state at that iteration
    reference = LabModel(document=doc_io.load(example_path("reference.json")))
    for k in range(1, 41):
        reference.finish_iteration()
        np.testing.assert_array_equal(view.controller.path_params[k], reference.params)


def test_an_edit_starts_a_new_path(qtbot, view, model):
    for _ in range(3):
        model.finish_iteration()
    edit_value(model, "w1", 0.2)  # the edit keeps the trained values; the stepper restarts
    qtbot.waitUntil(lambda: len(path_xy(view)) == 1)
    np.testing.assert_array_equal(view.controller.path_params, model.params[None, :])


# --- recomputing ---------------------------------------------------------------------------

def test_changing_an_axis_recomputes_the_grid(qtbot, view, model):
    jobs = view.controller.jobs.jobs_started
    view.x_combo.setCurrentText("w1")
    view.x_combo.activated.emit(view.x_combo.currentIndex())
    assert view.controller.axes == ("w1", "w6")
    qtbot.waitUntil(lambda: settled(view) and view.controller.grid_view().labels
                    == ("w1", "w6"), timeout=10_000)
    assert view.controller.jobs.jobs_started > jobs
    grid = view.controller.grid_view()
    expected = engine_surface.loss_grid(model.network, *data(model), "w1", "w6", grid.xs,
                                        grid.ys)
    np.testing.assert_allclose(grid.z, expected, rtol=0, atol=1e-12)
    assert marker_xy(view) == (value(model, "w1"), value(model, "w6"))


def test_choosing_the_other_axis_parameter_swaps_the_axes(view):
    view.y_combo.setCurrentText("w5")
    view.y_combo.activated.emit(view.y_combo.currentIndex())
    assert view.controller.axes == ("w6", "w5")
    assert view.x_combo.currentText() == "w6"


def test_editing_an_off_axis_parameter_recomputes_in_the_background_coalesced(qtbot, view,
                                                                             model):
    c = view.controller
    jobs = c.jobs.jobs_started
    values = np.linspace(0.1, 0.9, 40)
    for v in values:  # a drag of w1: many edits, events handled in between
        edit_value(model, "w1", float(v), merge_key="drag w1")
        QApplication.processEvents()
    wait_settled(qtbot, view)
    started = c.jobs.jobs_started - jobs
    assert 1 <= started <= 6, started  # far fewer computations than edits
    assert value(model, "w1") == pytest.approx(0.9)
    grid = c.grid_view()
    expected = engine_surface.loss_grid(model.network, *data(model), "w5", "w6", grid.xs,
                                        grid.ys)
    np.testing.assert_allclose(grid.z, expected, rtol=0, atol=1e-12)
    assert model.undo_stack.count() == 1  # (the drag is one undo step: the model's doing)


def test_the_interface_is_not_blocked_while_a_grid_is_computed(qtbot, view, model):
    """The request returns at once; the result arrives later through the event loop."""
    c = view.controller
    edit_value(model, "w1", 0.7)
    assert c.busy
    assert not np.array_equal(c.drawn.spec.centre, model.params)
    wait_settled(qtbot, view)


def test_stale_results_are_dropped_when_the_frame_changes(qtbot, view, model):
    c = view.controller
    edit_value(model, "w1", 0.7)
    c.set_axes("w2", "w3")  # before the first job's result could arrive
    wait_settled(qtbot, view)
    assert c.grid_view().labels == ("w2", "w3")


def test_a_coarse_pass_comes_first_when_the_grid_is_slow(qtbot, view, model, monkeypatch):
    from simulator.engine.surface import slices

    monkeypatch.setattr(slices, "COARSE_ABOVE_SECONDS", 0.0)  # "long" for any grid
    monkeypatch.setattr(view.controller.jobs, "_seconds_per_point", 1.0)
    seen = []
    view.controller.jobs.resultReady.connect(lambda r: seen.append(r.coarse))
    edit_value(model, "w1", 0.3)
    wait_settled(qtbot, view)
    assert seen[:2] == [True, False]


def test_resolution_change(qtbot, view, model):
    view.res_spin.setValue(31)
    qtbot.waitUntil(lambda: settled(view) and view.controller.grid_view().z.shape == (31, 31))
    assert view.contour.image.image.shape == (31, 31)


def test_manual_span(qtbot, view, model):
    view.range_combo.setCurrentIndex(1)
    view.span_spin.setValue(0.25)
    qtbot.waitUntil(lambda: settled(view)
                    and view.controller.grid_view().xs[-1] == pytest.approx(0.43))
    grid = view.controller.grid_view()
    assert (grid.xs[0], grid.xs[-1]) == pytest.approx((-0.07, 0.43))
    assert (grid.ys[0], grid.ys[-1]) == pytest.approx((-0.19, 0.31))


def test_a_structural_change_follows_the_axes_and_recomputes(qtbot, view, model):
    model.edit("Add neuron", lambda d: edits.add_neuron(d, 1))  # 2-3-2: weights renumbered
    wait_settled(qtbot, view)
    net = model.document.network
    # w5 and w6 (H1 -> Y1, H2 -> Y1) are now called w7 and w8
    assert view.controller.axes == ("w7", "w8")
    assert net.weight_name(1, 0, 0) == "w7" and net.weight_name(1, 0, 1) == "w8"
    assert view.x_combo.count() == len(net.names)
    assert view.x_combo.currentText() == "w7"
    grid = view.controller.grid_view()
    expected = engine_surface.loss_grid(model.network, *data(model), "w7", "w8", grid.xs,
                                        grid.ys)
    np.testing.assert_allclose(grid.z, expected, rtol=0, atol=1e-12)


def test_axes_that_no_longer_exist_fall_back_to_the_default(qtbot, view, model):
    view.controller.set_axes("w8", "b2")
    model.set_document(edits.new_document((2, 3, 1)))  # one output: no H2 -> Y2 weight
    wait_settled(qtbot, view)
    expected = engine_surface.default_axes(model.document.network)
    assert view.controller.axes == expected == ("w7", "w8")
    assert len(path_xy(view)) == 1


# --- random directions ---------------------------------------------------------------------

def test_random_directions(qtbot, view, model):
    view.seed_spin.setValue(3)  # ignored until the mode is on
    view.random_check.setChecked(True)
    c = view.controller
    qtbot.waitUntil(lambda: settled(view) and c.frame.kind == DIRECTIONS, timeout=10_000)
    assert not view.x_combo.isEnabled()
    d1, d2 = engine_surface.random_directions(model.network, 3)
    np.testing.assert_array_equal(c.frame.directions[0], d1)
    np.testing.assert_array_equal(c.frame.directions[1], d2)
    grid = c.grid_view()
    assert grid.labels == ("α", "β")
    assert (grid.xs[0], grid.xs[-1]) == (-1.0, 1.0)  # Li et al.'s range
    expected = engine_surface.loss_grid_directions(model.network, *data(model), d1, d2,
                                                   grid.xs, grid.ys)
    np.testing.assert_allclose(grid.z, expected, rtol=0, atol=1e-12)
    # the plane passes through the current parameters: the marker is at its origin
    np.testing.assert_allclose(marker_xy(view), (0.0, 0.0), atol=1e-12)
    # the path is projected onto the plane through the drawn centre
    for _ in range(3):
        model.finish_iteration()
    wait_settled(qtbot, view)
    centre = c.drawn.spec.centre
    expected_path = engine_surface.project_path(c.path_params, centre, d1, d2)
    qtbot.waitUntil(lambda: len(path_xy(view)) == 4)
    np.testing.assert_allclose(path_xy(view), expected_path, rtol=0, atol=1e-12)
    (path,) = [p for p in c.path_views() if p.key == "path"]
    for (a, b, z) in path.points:
        net = model.document.network.with_params(centre + a * d1 + b * d2)
        assert z == pytest.approx(loss_value(net, *data(model)), rel=1e-12)
    # back to two parameters
    view.random_check.setChecked(False)
    qtbot.waitUntil(lambda: settled(view) and c.frame.kind == AXES)
    assert view.x_combo.isEnabled()


def test_changing_the_seed_changes_the_directions(qtbot, view, model):
    c = view.controller
    c.set_random(True, 0)
    wait_settled(qtbot, view)
    z0 = c.grid_view().z.copy()
    view.seed_spin.setValue(1)
    qtbot.waitUntil(lambda: settled(view) and c.frame.seed == 1)
    assert not np.array_equal(c.grid_view().z, z0)


# --- comparing optimizers ----------------------------------------------------------------------

def test_compare_optimizers_draws_four_paths_with_a_legend(qtbot, view, model):
    c = view.controller
    view.steps_spin.setValue(20)
    view.compare_button.click()
    qtbot.waitUntil(lambda: len(c.compare_paths) == 4 and not c.compare_running,
                    timeout=10_000)
    expected = engine_surface.compare_optimizers(model.network, *data(model), model.config,
                                                 20)
    i5, i6 = index(model, "w5"), index(model, "w6")
    for name in ("gd", "sgd", "momentum", "adam"):
        np.testing.assert_array_equal(c.compare_paths[name], expected[name])
        qtbot.waitUntil(lambda n=name: path_xy(view, n) is not None)
        np.testing.assert_array_equal(path_xy(view, name), expected[name][:, [i5, i6]])
    labels = [label.text for _sample, label in view.contour.legend.items]
    assert labels == ["training path", "GD (20 steps)", "SGD (20 steps)",
                      "Momentum (20 steps)", "Adam (20 steps)"]
    assert view.clear_button.isEnabled()
    # the automatic range widened so that every path is drawn whole
    wait_settled(qtbot, view)
    grid = c.grid_view()
    for rows in expected.values():
        assert grid.xs[0] <= rows[:, i5].min() and rows[:, i5].max() <= grid.xs[-1]
        assert grid.ys[0] <= rows[:, i6].min() and rows[:, i6].max() <= grid.ys[-1]
    view.clear_button.click()
    qtbot.waitUntil(lambda: path_xy(view, "adam") is None)
    assert [label.text for _s, label in view.contour.legend.items] == ["training path"]


def test_an_edit_clears_the_comparison(qtbot, view, model):
    c = view.controller
    c.start_compare(5)
    qtbot.waitUntil(lambda: len(c.compare_paths) == 4)
    edit_value(model, "w1", 0.3)
    assert c.compare_paths == {}


# --- picking axes on the canvas ----------------------------------------------------------------

def test_pick_axis_alternates_x_and_y(view, model):
    c = view.controller
    assert view.pick_axis("w1") == "x"
    assert c.axes == ("w1", "w6")
    assert view.pick_axis("b1") == "y"
    assert c.axes == ("w1", "b1")
    assert view.pick_axis("w2") == "x"
    assert c.axes == ("w2", "b1")
    assert view.pick_axis("w2") == "y"  # the x parameter picked for y: they swap
    assert c.axes == ("b1", "w2")
    assert view.pick_axis("nope") is None
    assert view.x_combo.currentText() == "b1" and view.y_combo.currentText() == "w2"


def test_picking_an_axis_leaves_random_directions(qtbot, view):
    view.controller.set_random(True)
    assert view.pick_axis("w7") == "x"
    assert not view.controller.state.random
    assert not view.random_check.isChecked()


# --- closing -----------------------------------------------------------------------------------

def test_closing_stops_the_background_work_and_disconnects(qtbot, model):
    v = SurfaceView(model)
    qtbot.addWidget(v)
    v.show()
    edit_value(model, "w1", 0.4)  # a job pending
    v.close()
    assert v.controller.closed
    model.finish_iteration()  # the model goes on without the view
    edit_value(model, "w1", 0.6)
    QApplication.processEvents()


def test_reset_view_shows_the_whole_grid(view):
    vb = view.contour.view_box
    vb.scaleBy((0.5, 0.5))
    view.reset_button.click()
    grid = view.controller.grid_view()
    (x0, x1), (y0, y1) = vb.viewRange()
    assert (x0, x1) == pytest.approx((grid.xs[0], grid.xs[-1]))
    assert (y0, y1) == pytest.approx((grid.ys[0], grid.ys[-1]))


def test_a_long_path_is_drawn_through_stable_evenly_spread_points():
    from simulator.engine.surface import subsample

    for n in (1, 10, 500, 501, 1000, 12_345):
        idx = subsample(n, 500)
        assert len(idx) <= 500
        assert idx[0] == 0 and idx[-1] == n - 1
        assert np.all(np.diff(idx) > 0)
    # growing by one keeps the earlier choice (so cached heights stay useful)
    a, b = subsample(1000, 500), subsample(1001, 500)
    assert set(a[:-1]) <= set(b)


# --- the settings state --------------------------------------------------------------------

def test_state_fields_check_their_values():
    from simulator.app.surface.state import SurfaceState

    state = SurfaceState()
    for field, bad in (("resolution", 4), ("resolution", 402), ("resolution", 10.5),
                       ("span", 0.0), ("span", float("nan")), ("span", "1"),
                       ("seed", -1), ("seed", True), ("axes", ("w1", "w1")), ("axes", "w1"),
                       ("random", 1), ("view_mode", "4d"), ("compare_steps", 0)):
        with pytest.raises(engine_surface.SurfaceError):
            setattr(state, field, bad)
    assert state.resolution == 101 and state.span is None  # unchanged
    state.axes = ["w1", "b2"]  # a list (as saved in JSON) becomes a pair
    assert state.axes == ("w1", "b2")


def test_state_batches_changes_into_one_notification():
    from simulator.app.surface.state import SurfaceState

    state = SurfaceState()
    seen = []
    state.connect(seen.append)
    state.seed = 3
    assert seen == [frozenset({"seed"})]
    seen.clear()
    with state.batch():
        state.random = True
        state.resolution = 31
        with state.batch():  # nested: the outer batch notifies
            state.span = 0.5
        assert seen == []
    assert seen == [frozenset({"random", "resolution", "span"})]
    seen.clear()
    with state.batch():  # set and set back: no change, no notification
        state.resolution = 51
        state.resolution = 31
    state.seed = 3  # the same value
    assert seen == []
    state.disconnect(seen.append)
    state.seed = 4
    assert seen == []


def test_state_round_trip_and_bad_saved_values():
    from simulator.app.surface.state import STATE_VERSION, SurfaceState

    state = SurfaceState(axes=("w1", "b2"), random=True, seed=7, span=0.25, resolution=31,
                         view_mode="contour", compare_steps=20)
    saved = state.to_dict()
    assert saved["version"] == STATE_VERSION
    restored = SurfaceState.from_dict(json.loads(json.dumps(saved)))
    assert restored.to_dict() == saved
    # each bad value falls back to its default; the good ones are kept
    odd = SurfaceState.from_dict({"version": 1, "axes": "w5", "random": "yes", "seed": 2,
                                  "resolution": 10_000, "span": None, "future": 1})
    assert (odd.axes, odd.random, odd.seed, odd.resolution) == (None, False, 2, 101)
    assert SurfaceState.from_dict([1, 2]).to_dict() == SurfaceState().to_dict()  # not a dict


def test_one_batch_of_settings_makes_one_recompute(qtbot, view, model):
    c = view.controller
    jobs, frames = c.jobs.jobs_started, []
    c.frameChanged.connect(lambda: frames.append(1))
    with c.state.batch():
        c.state.random = True
        c.state.seed = 5
        c.state.resolution = 21
        c.state.span = 0.5
    wait_settled(qtbot, view)
    assert frames == [1]
    assert c.jobs.jobs_started == jobs + 1
    grid = c.grid_view()
    assert grid.z.shape == (21, 21) and (grid.xs[0], grid.xs[-1]) == (-0.5, 0.5)
    d1, d2 = engine_surface.random_directions(model.network, 5)
    np.testing.assert_allclose(grid.z, engine_surface.loss_grid_directions(
        model.network, *data(model), d1, d2, grid.xs, grid.ys), rtol=0, atol=1e-12)
    # the toolbar follows the state
    assert view.random_check.isChecked() and view.seed_spin.value() == 5
    assert view.res_spin.value() == 21 and view.span_spin.value() == 0.5
    assert view.range_combo.currentIndex() == 1


def test_the_state_is_saved_and_restored_with_the_settings(qtbot, model):
    from simulator.app.settings import MemoryStore, Settings, migrate

    settings = Settings(MemoryStore())
    first = SurfaceView(model, settings=settings)
    qtbot.addWidget(first)
    first.show()
    wait_settled(qtbot, first)
    first.controller.set_axes("w1", "b2")
    first.res_spin.setValue(31)
    first.steps_spin.setValue(12)
    first.set_view_mode(VIEW_CONTOUR)
    saved = settings.surface_state
    assert (saved["axes"], saved["resolution"], saved["compare_steps"]) == (["w1", "b2"], 31,
                                                                            12)
    first.close()
    migrate(settings.store)  # the next start: the key is known and kept
    assert settings.surface_state == saved

    second = SurfaceView(model, settings=settings)
    qtbot.addWidget(second)
    second.show()
    wait_settled(qtbot, second)
    grid = second.controller.grid_view()
    assert grid.labels == ("w1", "b2") and grid.z.shape == (31, 31)
    assert second.x_combo.currentText() == "w1" and second.steps_spin.value() == 12


def test_saved_axes_the_network_lacks_fall_back_to_the_default(qtbot, model):
    from simulator.app.settings import MemoryStore, Settings

    settings = Settings(MemoryStore())
    settings.surface_state = {"version": 1, "axes": ["w1", "w99"], "resolution": 21}
    v = SurfaceView(model, settings=settings)
    qtbot.addWidget(v)
    v.show()
    wait_settled(qtbot, v)
    assert v.controller.axes == ("w5", "w6")
    assert v.controller.grid_view().z.shape == (21, 21)


def test_a_corrupt_saved_state_is_dropped_by_the_migration():
    from simulator.app.settings import SETTINGS_VERSION, MemoryStore, Settings

    store = MemoryStore()
    store.setValue("settings_version", SETTINGS_VERSION)
    store.setValue("surface/state", "[1, 2")
    settings = Settings(store)
    assert not store.contains("surface/state")
    assert settings.surface_state == {}


# --- redraws -------------------------------------------------------------------------------

def test_while_running_the_point_is_redrawn_with_the_rest(qtbot, view, model):
    view.set_throttled(True)  # what the main window does while the runner runs
    before = marker_xy(view)
    edit_value(model, "w5", 0.5)
    assert marker_xy(view) == before  # not at once ...
    assert view.redraw_pending
    qtbot.waitUntil(lambda: marker_xy(view) == (0.5, value(model, "w6")))  # ... but soon
    view.set_throttled(False)
    edit_value(model, "w5", 0.6)
    assert marker_xy(view) == (0.6, value(model, "w6"))  # at once again


def test_the_main_window_gives_the_surface_view_its_settings(qtbot):
    from simulator.app.main_window import MainWindow

    window = MainWindow(reference_model(), persist=False)
    qtbot.addWidget(window)
    window.set_confirm_on_close(False)
    window.show()
    dock = window.docks["surface"]
    dock.show()
    dock.raise_()
    qtbot.waitUntil(lambda: "surface" in window.views)
    view = window.views["surface"]
    assert view.settings is window.settings
    view.res_spin.setValue(41)
    assert window.settings.surface_state["resolution"] == 41
    view.shutdown()


def test_the_point_is_on_the_loss_training_sees_with_features_and_a_penalty(qtbot):
    """The marker's height and arrow are E of the network's own inputs (its input features
    made from the data's x1, x2) plus the weight penalty, as training minimises it; here
    computed by hand with NumPy and central differences."""
    doc = edits.new_document([2, 2, 1], "tanh", seed=3)
    doc = edits.set_features(doc, ["x1", "x2", "x1*x2"])
    doc = edits.set_training(doc, l1=0.01, l2=0.2)
    model = LabModel(document=doc)
    v = SurfaceView(model)
    qtbot.addWidget(v)
    v.resize(900, 640)
    v.show()
    wait_settled(qtbot, v)
    point = v.controller.point_view()
    assert point is not None
    net = model.network
    raw = doc.data.inputs
    x = np.column_stack([raw[:, 0], raw[:, 1], raw[:, 0] * raw[:, 1]])
    weights = net.weight_count

    def energy(params: np.ndarray) -> float:
        w1 = params[:6].reshape(2, 3)  # W[target, source], row-major
        w2 = params[6:8].reshape(1, 2)
        b1, b2 = params[8:10], params[10:11]
        hidden = np.tanh(x @ w1.T + b1)
        out = np.tanh(hidden @ w2.T + b2)
        data_loss = 0.5 * float(np.mean(np.sum((out - doc.data.targets) ** 2, axis=1)))
        w = params[:weights]
        return data_loss + 0.01 * float(np.abs(w).sum()) + 0.1 * float(w @ w)

    assert weights == 8 and net.params.size == 11
    assert point.z == pytest.approx(energy(net.params), rel=1e-12)
    grads = []
    for name in point.labels:  # the two axis parameters
        i = index(model, name)
        h = 1e-6
        up, down = net.params.copy(), net.params.copy()
        up[i] += h
        down[i] -= h
        grads.append((energy(up) - energy(down)) / (2 * h))
    assert point.gradient == pytest.approx(tuple(grads), rel=1e-6, abs=1e-9)
