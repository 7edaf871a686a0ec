"""The Function view under the offscreen platform (no OpenGL: the contour view stands in for
the 3D one; tests/gl has the 3D view).

Each test builds the model, wraps it in the view and registers the view with qtbot.
Expected numbers come from the engine, computed here (parse_function, Descent, pirate_for,
trace, nudge_function), never from the view.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from simulator.app.function import FunctionLabModel, FunctionView
from simulator.app.function.graph_text import node_name
from simulator.app.function.nudge import ERROR_COLUMN, ESTIMATE_COLUMN
from simulator.engine.function import (
    Descent,
    descent_config,
    nudge_function,
    parse_function,
    pirate_for,
)
from simulator.engine.numbers import format_number


@pytest.fixture
def view(qtbot):
    model = FunctionLabModel()
    v = FunctionView(model)
    qtbot.addWidget(v)
    v.resize(1024, 700)
    v.show()
    qtbot.waitExposed(v)
    v.flush()
    yield v
    v.shutdown()


def info(view) -> str:
    view.flush()
    return view.info.toPlainText()


def contour_path(view, key):
    item = view.surface.contour.path_items[key]
    if not item.isVisible():
        return None
    xs, ys = item.getData()
    return np.column_stack([xs, ys])


def type_into_field(qtbot, view, text):
    edit = view.field.edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.waitUntil(lambda: view.model.text == text, timeout=3000)
    view.flush()


def test_typing_an_expression_shows_its_derivatives_value_and_gradient(qtbot, view):
    type_into_field(qtbot, view, "x^2*y + sin(y)")
    fn = parse_function("x^2*y + sin(y)")
    text = info(view)
    for v, d in fn.derivatives.items():
        assert f"df/d{v} = {d.text}" in text
    value, gradient = fn.value_and_gradient((3, -3))  # the start carries over
    assert f"f = {format_number(value)}" in text
    for v, g in zip(fn.variables, gradient, strict=True):
        assert f"df/d{v} = {format_number(g)}" in text
    assert view.signature.text() == "f(x, y) ="
    # the contour view shows the new function's grid
    grid = view.surface.contour.grid
    np.testing.assert_allclose(grid.z, fn.grid(grid.xs, grid.ys), rtol=0, atol=0)


def test_the_lessons_slip_is_flagged_where_it_appears(view):
    text = info(view)
    assert "f = 0" in text
    assert "The original says f(3, -3) = 9" in text
    view.model.step()
    assert "The original says" not in info(view)


def test_a_bad_expression_shows_its_message_and_loses_nothing(qtbot, view):
    view.model.step()
    points = view.model.descent.points.copy()
    grid_before = view.surface.contour.grid
    type_into_field(qtbot, view, "x*y + foo(x)")
    error = view.model.error
    assert error is not None and "unknown function 'foo'" in error.message
    assert view.field.pointer.isVisible()
    assert "unknown function 'foo'" in view.field.pointer.text()
    assert view.field.underlined() == (error.start, error.end - error.start)
    assert view.field.edit.text()[error.start:error.end] == "foo("
    assert "the last expression that worked, x*y + x^2" in view.field.pointer.text()
    # the balloon sits just under the field, over the view (no relayout)
    balloon = view.field.pointer.geometry()
    field = view.field.edit.geometry()
    assert view.field.pointer.parent() is view
    assert balloon.top() >= view.field.edit.mapTo(view, field.topLeft()).y()
    # everything else is as it was
    assert view.model.function.text == "x*y + x^2"
    np.testing.assert_array_equal(view.model.descent.points, points)
    assert view.surface.contour.grid is grid_before
    assert "df/dx = y + 2*x" in info(view)
    # Esc puts the last good expression back
    view.field.edit.setFocus()
    qtbot.keyClick(view.field.edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: view.model.error is None)
    assert view.field.text() == "x*y + x^2"
    assert not view.field.pointer.isVisible()


def test_stepping_draws_the_engines_path_and_the_pirate(qtbot, view):
    for _ in range(4):
        qtbot.mouseClick(view.step_button, Qt.MouseButton.LeftButton)
    view.flush()
    ref = Descent(parse_function("x*y + x^2"), (3, -3), descent_config("gd", 0.1))
    ref.run(4)
    np.testing.assert_allclose(contour_path(view, "gd"), ref.points, rtol=0, atol=1e-12)
    xs, ys = view.surface.contour.marker.getData()
    assert (xs[0], ys[0]) == pytest.approx(ref.current.point, abs=1e-12)
    walk = pirate_for(ref, 0, True)
    np.testing.assert_allclose(contour_path(view, "pirate"), walk.points, rtol=0, atol=1e-12)
    text = info(view)
    assert "a random step is kept only if it goes down" in text
    assert "Step 4" in text
    for line in ref.steps[-1].lines(("x", "y")):
        assert line in text
    labels = [label.text for _sample, label in view.surface.contour.legend.items]
    assert labels == ["GD, lr 0.1: 4 steps", "pirate (downhill only)"]
    qtbot.mouseClick(view.back_button, Qt.MouseButton.LeftButton)
    view.flush()
    np.testing.assert_allclose(contour_path(view, "gd"), ref.points[:4], rtol=0, atol=1e-12)
    view.pirate_check.setChecked(False)
    view.flush()
    assert contour_path(view, "pirate") is None
    assert "The pirate is off" in info(view)


def test_keys_step_the_descent_and_the_graph(qtbot, view):
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Space)
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert view.model.steps_taken == 2
    qtbot.keyClick(view, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)
    assert view.model.steps_taken == 1
    view.model.set_view_mode("graph")
    view.flush()
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert view.model.graph_step == 1 and view.model.steps_taken == 1
    qtbot.keyClick(view, Qt.Key.Key_PageUp)
    assert view.model.graph_step == 0
    view.model.set_learning_rate(0.2)
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert view.model.settings.learning_rate == 0.1


def test_a_click_on_the_contours_starts_the_descent_there(qtbot, view):
    box = view.surface.contour.view_box
    widget = view.surface.contour.plot_widget
    scene = box.mapViewToScene(QPointF(1.0, -2.0))
    pos = widget.mapFromScene(scene)
    qtbot.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    x, y = view.model.settings.start
    cell = [(hi - lo) / 100 for lo, hi in view.model.ranges]
    assert abs(x - 1.0) < cell[0] and abs(y + 2.0) < cell[1]
    assert view.model.undo_stack.undoText().startswith("Start at")


def test_one_variable_shows_the_curve_and_its_tangent(qtbot, view):
    view.open(example="lesson-sine", steps=2)
    view.flush()
    assert view.plots.currentWidget() is view.curve
    fn = parse_function("e^2*sin(x)")
    xs, ys = view.curve.curve.getData()
    np.testing.assert_allclose(ys, fn.curve(xs), rtol=0, atol=0)
    ref = Descent(fn, (0,), descent_config("gd", 0.1))
    ref.run(2)
    x, f, slope = ref.current.point[0], ref.current.value, ref.current.gradient[0]
    tx, ty = view.curve.tangent.getData()
    assert (ty[1] - ty[0]) / (tx[1] - tx[0]) == pytest.approx(slope, rel=1e-12)
    assert ty[0] + slope * (x - tx[0]) == pytest.approx(f, abs=1e-12)
    px, py = view.curve.descent.getData()
    np.testing.assert_allclose(px, ref.points[:, 0], atol=0)
    np.testing.assert_allclose(py, [p.value for p in ref.path], atol=1e-12)
    # the lesson's first step, written as the lesson writes it
    view.tabs.setCurrentWidget(view.steps_text)
    view.flush()
    assert "x <- x - lr * df/dx = 0 - 0.1 * 7.3891 = -0.73891" in view.steps_text.toPlainText()
    # a click on the curve moves the start
    widget = view.curve.plot_widget
    scene = view.curve.view_box.mapViewToScene(QPointF(-1.0, 0.0))
    qtbot.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton,
                     pos=widget.mapFromScene(scene))
    assert view.model.settings.start[0] == pytest.approx(-1.0, abs=0.05)


def test_the_graph_forward_and_backward_are_the_engines_trace(qtbot, view):
    view.model.step()
    view.open(view="graph")
    view.flush()
    fn = parse_function("x*y + x^2")
    trace = fn.trace(view.model.point)
    canvas = view.graph.canvas
    f, b = len(trace.forward_order), len(trace.backward_order)
    digits = view.model.digits

    def box(i):
        return canvas.boxes[i].text()

    for k in range(1, f + 1):
        qtbot.mouseClick(view.graph.forward_button, Qt.MouseButton.LeftButton)
        view.flush()
        i = trace.forward_order[k - 1]
        assert f"value {format_number(trace.values[i], digits)}" in box(i)
        assert "grad" not in box(i)
        assert canvas.nodes[i].highlight == 2
        later = trace.forward_order[k:]
        assert all("value" not in box(j) for j in later)
        assert f"= {format_number(trace.values[i], digits)}" in view.graph.caption_text()
    for k in range(1, b + 1):
        view.step()  # Space in the graph view
        view.flush()
        i = trace.backward_order[k - 1]
        g = format_number(trace.grads[i], digits)
        assert (f"df/d{trace.graph.nodes[i].op} {g}" if i < 2 else f"grad {g}") in box(i)
        for e in trace.edges:
            label = canvas.edge_labels[(e.source, e.target)]
            reached = e.target in trace.backward_order[:k]
            assert label.isVisible() == reached
            if reached:
                assert f"sends {format_number(e.gradient, digits)}" in label.text()
    # the inputs hold df/dx and df/dy, equal to the symbolic derivatives there
    for k, v in enumerate(fn.variables):
        assert f"df/d{v} {format_number(trace.gradient[k], digits)}" in box(k)
    caption = view.graph.caption_text()
    assert "df/dx (symbolic) = y + 2*x" in caption
    assert "symbolic derivatives' values" in caption
    assert node_name(trace.graph.nodes[trace.graph.output]) == "x*y + x^2"


def test_the_nudge_probe_converges_to_the_derivative(qtbot, view):
    view.open("e^2*sin(x)", at=[0.3])
    view.tabs.setCurrentWidget(view.nudge)
    view.flush()
    probe = nudge_function(parse_function("e^2*sin(x)"), (0.3,), "x")
    table = view.nudge.table
    assert table.rowCount() == 6
    for r, row in enumerate(probe.rows):
        assert table.cell_text(r, 0) == format_number(row.epsilon, 1)
        assert table.cell_text(r, ESTIMATE_COLUMN) == format_number(row.estimate, 10)
        assert table.cell_text(r, ERROR_COLUMN) == format_number(row.error, 2)
    errors = [abs(r.error) for r in probe.rows]
    assert errors[0] > errors[1] > errors[2]  # converging as epsilon shrinks
    assert format_number(probe.analytic, 10) in view.nudge.result_label.text()


def test_examples_open_from_the_picker(qtbot, view):
    combo = view.examples_combo
    index = combo.findData("rosenbrock")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    view.flush()
    assert view.model.function.text == "(1 - x)^2 + 100*(y - x^2)^2"
    assert view.field.text() == "(1 - x)^2 + 100*(y - x^2)^2"
    assert view.run_spin.value() == 1000 and view.lr_spin.value() == 0.001
    assert combo.currentIndex() == 0
    view.undo_button.click()
    assert view.model.function.text == "x*y + x^2"


def test_a_run_from_the_button_never_blocks_and_stops(qtbot, view):
    view.model.set_run_steps(40)
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    assert view.model.running and view.run_button.text().startswith("Stop")
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    assert not view.model.running
    taken = view.model.steps_taken
    assert taken < 40
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.model.running, timeout=10_000)
    assert view.model.steps_taken == taken + 40
    view.flush()
    assert view.status.text().startswith(f"Step {taken + 40}")


def test_start_fields_follow_the_variables(qtbot, view):
    assert list(view.start_fields) == ["x", "y"]
    edit = view.start_fields["y"].edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "1.5")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert view.model.settings.start == (3.0, 1.5)
    view.open("a*b*c + d", at=[1, 2, 3, 4])
    view.flush()
    assert list(view.start_fields) == ["a", "b", "c", "d"]
    assert [f.text() for f in view.start_fields.values()] == ["1", "2", "3", "4"]
    assert view.signature.text() == "f(a, b, c, d) ="
