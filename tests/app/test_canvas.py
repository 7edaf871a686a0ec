"""The network canvas: items, values, highlights, editing, menus, layout and export.

Every test builds the model, wraps it in the view and registers the view with qtbot.
"""

from __future__ import annotations

import itertools

import pytest
import shiboken6
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QAction, QColor, QImage, QWheelEvent
from PySide6.QtWidgets import QApplication, QWidget

from simulator.app.canvas import NetworkCanvas
from simulator.app.canvas.content import SceneContent
from simulator.app.canvas.items import MAIN_HIGHLIGHT, NO_HIGHLIGHT, PATH_HIGHLIGHT, Ref
from simulator.app.canvas.layout import Dimensions, compute_layout, overlapping_pairs
from simulator.app.canvas.style import DARK, LIGHT, shared_edge_pen
from simulator.app.model import LabModel
from simulator.app.selection import InputSel, NeuronSel, ParameterSel, TargetSel
from simulator.app.widgets import ERROR_COLOR
from simulator.engine import document, edits
from simulator.engine.numbers import NumberError, parse_number
from simulator.resources import example_path

WEIGHTS = {"w1": 0.10, "w2": 0.15, "w3": 0.03, "w4": 0.08,
           "w5": 0.18, "w6": 0.06, "w7": 0.11, "w8": 0.26}


def reference_doc() -> document.Document:
    return document.load(example_path("reference.json"))


def make_view(qtbot, doc: document.Document | None = None) -> tuple[LabModel, NetworkCanvas]:
    model = LabModel(document=doc if doc is not None else reference_doc())
    view = NetworkCanvas(model)
    qtbot.addWidget(view)
    view.resize(1400, 800)  # room for the lesson's picture: every edge labelled on one line
    view.show()
    qtbot.waitExposed(view)
    return model, view


def value(model: LabModel, name: str) -> float:
    return float(model.params[model.document.network.index_of[name]])


def label_point(view: NetworkCanvas, name: str) -> QPoint:
    return view.mapFromScene(view.param_label(name).scenePos())


def step_to(model: LabModel, stage: str, target: str) -> None:
    for _ in range(200):
        sub = model.current_substep
        if sub is not None and (sub.stage, sub.target) == (stage, target):
            return
        assert model.step()
    raise AssertionError(f"never reached {stage} {target}")


def menu_actions(menu) -> dict[str, QAction]:
    return {a.objectName(): a for a in menu.findChildren(QAction) if a.objectName()}


def visible_boxes(view: NetworkCanvas):
    content = view.content
    labels = [label for label in itertools.chain(content.param_labels.values(),
                                                 content.value_boxes.values(), content.inputs,
                                                 content.targets) if label.isVisible()]
    boxes = [(label.ref.name + ":" + label.ref.kind, label.scene_box()) for label in labels]
    boxes += [(n, item.mapRectToScene(item.circle_rect()))
              for n, item in content.neurons.items()]
    return boxes


def assert_no_overlap(view: NetworkCanvas) -> None:
    boxes = visible_boxes(view)
    clashes = [(a, b) for (a, ra), (b, rb) in itertools.combinations(boxes, 2)
               if ra.intersects(rb)]
    assert not clashes, clashes


# --- items --------------------------------------------------------------------------------

def test_items_for_every_element_of_the_reference_network(qtbot):
    _model, view = make_view(qtbot)
    content = view.content
    assert set(content.neurons) == {"X1", "X2", "H1", "H2", "Y1", "Y2"}
    assert set(content.edges) == set(WEIGHTS)
    assert set(content.bias_nodes) == {"b1", "b2"}
    assert [len(content.bias_lines[b]) for b in ("b1", "b2")] == [2, 2]
    for name, w in WEIGHTS.items():
        text = view.param_label(name).text()
        assert text == f"{name} = {w:g}"
    assert "w5" in view.param_label("w5").text() and "0.18" in view.param_label("w5").text()
    assert view.bias_item("b1").text() == "b1 = 0.05"
    assert view.bias_item("b2").text() == "b2 = 0.42"
    assert view.input_label(0).text() == "x1 = 0.95"
    assert view.input_label(1).text() == "x2 = 0.06"
    assert view.target_label(0).text() == "T1 = 0.05"
    assert view.target_label(1).text() == "T2 = 0.82"
    assert view.value_label("H1").lines() == [("net ?", True), ("out ?", True)]
    assert view.value_label("Y1").lines()[-1] == ("E1 ?", True)
    # Sign by colour and style: every weight is positive, so solid Okabe-Ito blue.
    pen = view.edge_item("w5").pen()
    assert pen.color().name() == LIGHT.positive.name()
    assert pen.style() == Qt.PenStyle.SolidLine
    assert view.edge_item("w8").pen().widthF() > view.edge_item("w6").pen().widthF()
    # Layers in columns, inputs left of hidden left of outputs.
    xs = [view.neuron_item(n).scenePos().x() for n in ("X1", "H1", "Y1")]
    assert xs == sorted(xs) and len(set(xs)) == 3
    assert view.neuron_item("X1").scenePos().x() == view.neuron_item("X2").scenePos().x()


@pytest.mark.parametrize("mode, expected", [("neuron", 9), ("shared", 3), ("none", 0)])
def test_bias_nodes_follow_the_bias_mode(qtbot, mode, expected):
    _model, view = make_view(qtbot, edits.new_document((2, 4, 4, 1), bias=mode))
    assert len(view.content.bias_nodes) == expected
    lines = sum(len(v) for v in view.content.bias_lines.values())
    assert lines == (9 if mode != "none" else 0)


def test_negative_weights_are_dashed_vermillion_and_width_is_clamped(qtbot):
    doc = edits.set_parameter(reference_doc(), "w5", -0.5)
    doc = edits.set_parameter(doc, "w6", 500.0)
    _model, view = make_view(qtbot, doc)
    pen = view.edge_item("w5").pen()
    assert pen.color().name() == LIGHT.negative.name()
    assert pen.style() == Qt.PenStyle.CustomDashLine
    assert view.edge_item("w6").pen().widthF() <= 9.0


def test_frozen_parameter_is_marked(qtbot):
    _model, view = make_view(qtbot, edits.set_frozen(reference_doc(), "w5", True))
    assert view.param_label("w5").frozen
    assert not view.param_label("w6").frozen


def test_items_are_updated_in_place_not_recreated(qtbot):
    model, view = make_view(qtbot)
    label, neuron, edge = view.param_label("w5"), view.neuron_item("H1"), view.edge_item("w1")
    count = len(view.scene().items())
    for _ in range(12):
        model.step()
    model.edit("Set w5", lambda d: edits.set_parameter(d, "w5", 0.3))
    model.set_digits(4)
    assert view.param_label("w5") is label
    assert view.neuron_item("H1") is neuron and view.edge_item("w1") is edge
    assert len(view.scene().items()) == count


# --- values as the iteration proceeds -----------------------------------------------------

def test_values_appear_as_the_forward_pass_reaches_each_neuron(qtbot):
    model, view = make_view(qtbot)
    assert model.step()  # forward H1
    h1 = view.value_label("H1").lines()
    assert h1[0] == ("net 0.154", False)
    assert h1[1] == ("out 0.53842", False)
    assert view.value_label("H2").lines() == [("net ?", True), ("out ?", True)]
    step_to(model, "error", "Y1")
    assert view.value_label("Y1").text() == "net 0.54817\nout 0.63371\nE1 = 0.17036"
    assert view.value_label("Y2").lines()[-1] == ("E2 ?", True)
    assert model.finish_iteration()
    # A completed iteration shows everything, and the weights after the update.
    assert all(not dim for box in view.content.value_boxes.values() for _, dim in box.lines())
    assert view.param_label("w5").text() == "w5 = 0.17927"
    assert view.input_label(0).text() == "x1 = 0.95"


def test_digits_setting_changes_the_numbers(qtbot):
    model, view = make_view(qtbot)
    model.step()
    model.set_digits(3)
    assert view.value_label("H1").lines()[1] == ("out 0.538", False)
    assert_no_overlap(view)


def test_highlight_follows_the_substep(qtbot):
    model, view = make_view(qtbot)
    assert all(i.highlight == NO_HIGHLIGHT for i in view.content.all_items())
    model.step()  # forward H1
    assert view.neuron_item("H1").highlight == MAIN_HIGHLIGHT
    assert view.edge_item("w1").highlight == MAIN_HIGHLIGHT
    assert view.edge_item("w2").highlight == MAIN_HIGHLIGHT
    assert view.edge_item("w3").highlight == NO_HIGHLIGHT
    assert view.neuron_item("H2").highlight == NO_HIGHLIGHT
    b1_to_h1, b1_to_h2 = view.content.bias_lines["b1"]
    assert b1_to_h1.highlight == MAIN_HIGHLIGHT and b1_to_h2.highlight == NO_HIGHLIGHT
    assert view.bias_item("b1").highlight == PATH_HIGHLIGHT
    model.step()  # forward H2
    assert view.neuron_item("H1").highlight == NO_HIGHLIGHT
    assert view.neuron_item("H2").highlight == MAIN_HIGHLIGHT
    step_to(model, "error", "Y2")
    assert view.neuron_item("Y2").highlight == MAIN_HIGHLIGHT
    assert view.target_label(1).highlight == MAIN_HIGHLIGHT
    step_to(model, "backward", "w5")
    assert view.edge_item("w5").highlight == MAIN_HIGHLIGHT
    assert view.param_label("w5").highlight == MAIN_HIGHLIGHT
    assert view.neuron_item("Y1").highlight == PATH_HIGHLIGHT
    assert view.edge_item("w1").highlight == NO_HIGHLIGHT
    step_to(model, "backward", "w1")
    # The error reaches w1 through H1 and both outputs.
    assert view.edge_item("w1").highlight == MAIN_HIGHLIGHT
    for name in ("w5", "w7"):
        assert view.edge_item(name).highlight == PATH_HIGHLIGHT
    for name in ("H1", "Y1", "Y2"):
        assert view.neuron_item(name).highlight == PATH_HIGHLIGHT
    assert view.edge_item("w6").highlight == NO_HIGHLIGHT
    step_to(model, "backward", "b1")
    assert view.bias_item("b1").highlight == MAIN_HIGHLIGHT
    assert view.neuron_item("H2").highlight == PATH_HIGHLIGHT
    step_to(model, "update", "all")
    assert all(view.param_label(n).highlight == MAIN_HIGHLIGHT for n in WEIGHTS)
    assert view.bias_item("b2").highlight == MAIN_HIGHLIGHT
    model.step_back()
    assert view.edge_item("w1").highlight == NO_HIGHLIGHT


def test_gradients_show_during_the_backward_pass(qtbot):
    model, view = make_view(qtbot)
    model.set_digits(4)
    step_to(model, "backward", "w5")
    assert view.param_label("w5").text() == "dE/dw5 = 0.07295"
    assert view.param_label("w6").text() == "w6 = 0.06"  # not computed yet
    step_to(model, "backward", "w8")
    assert view.param_label("w8").text() == "dE/dw8 = -0.02029"
    w5, w8 = view.edge_item("w5").pen(), view.edge_item("w8").pen()
    assert w5.color().name() == LIGHT.positive.name()
    assert w8.color().name() == LIGHT.negative.name()  # the gradient's sign, not the weight's
    assert w5.widthF() > w8.widthF()
    assert view.edge_item("w1").pen().color().alpha() < 255  # not reached yet: faded
    model.set_digits(5)
    assert view.param_label("w5").text() == "dE/dw5 = 0.072952"
    step_to(model, "backward", "b1")
    assert view.bias_item("b2").text() == "dE/db2 = 0.096538"
    assert view.content.legend.gradient_mode
    step_to(model, "update", "all")
    assert view.param_label("w5").text() == "w5 = 0.17927"
    assert view.edge_item("w1").pen().color().alpha() == 255


# --- editing ------------------------------------------------------------------------------

def test_double_click_weight_label_and_enter_sets_it_as_one_undo_step(qtbot):
    model, view = make_view(qtbot)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=label_point(view, "w5"))
    editor = view.editor
    assert editor is not None and editor.line_edit.isVisible()
    assert editor.text() == "0.18"
    editor.line_edit.selectAll()
    qtbot.keyClicks(editor.line_edit, "0.5")
    qtbot.keyClick(editor.line_edit, Qt.Key.Key_Return)
    assert value(model, "w5") == 0.5
    assert view.param_label("w5").text() == "w5 = 0.5"
    assert model.undo_stack.count() == 1
    assert view.editor is None
    model.undo_stack.undo()
    assert value(model, "w5") == 0.18
    assert view.param_label("w5").text() == "w5 = 0.18"


def test_escape_cancels_the_editor(qtbot):
    model, view = make_view(qtbot)
    editor = view.edit_label(view.param_label("w5"))
    assert editor is not None
    qtbot.keyClicks(editor.line_edit, "0.9")
    qtbot.keyClick(editor.line_edit, Qt.Key.Key_Escape)
    assert view.editor is None and not editor.is_open
    assert value(model, "w5") == 0.18
    assert model.undo_stack.count() == 0


@pytest.mark.parametrize("text, reason", [("abc", "'abc' is not a number"),
                                          ("nan", "w5 must be a finite number"),
                                          ("inf", "w5 must be a finite number"),
                                          ("1e20", "w5 is too large"),
                                          ("", "type a number for w5")])
def test_bad_text_is_refused_with_a_visible_reason(qtbot, text, reason):
    # The reason is the one parser's, word for word (as in the inspector and data panel).
    with pytest.raises(NumberError) as refused:
        parse_number(text, "w5")
    assert reason in str(refused.value)
    model, view = make_view(qtbot)
    editor = view.edit_label(view.param_label("w5"))
    assert editor is not None
    editor.line_edit.clear()
    if text:
        qtbot.keyClicks(editor.line_edit, text)
    qtbot.keyClick(editor.line_edit, Qt.Key.Key_Return)
    assert editor.is_open and view.editor is editor
    assert editor.error == str(refused.value)
    assert editor.message.isVisible()
    assert ERROR_COLOR in editor.line_edit.styleSheet()
    assert reason in editor.line_edit.toolTip()
    assert value(model, "w5") == 0.18
    assert model.undo_stack.count() == 0
    # The student fixes the text and the editor applies it.
    editor.line_edit.setText("0,25")
    qtbot.keyClick(editor.line_edit, Qt.Key.Key_Return)
    assert not editor.is_open
    assert value(model, "w5") == 0.25


def test_edit_input_and_target_of_the_sample(qtbot):
    model, view = make_view(qtbot)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton,
                      pos=view.mapFromScene(view.input_label(1).scenePos()))
    editor = view.editor
    assert editor is not None and editor.text() == "0.06"
    editor.line_edit.setText("0.5")
    qtbot.keyClick(editor.line_edit, Qt.Key.Key_Return)
    assert model.document.data.inputs[0, 1] == 0.5
    assert view.input_label(1).text() == "x2 = 0.5"
    editor = view.edit_label(view.target_label(0))
    assert editor is not None
    editor.line_edit.setText("0.9")
    qtbot.keyClick(editor.line_edit, Qt.Key.Key_Return)
    assert model.document.data.targets[0, 0] == 0.9
    assert view.target_label(0).text() == "T1 = 0.9"
    assert model.undo_stack.count() == 2
    model.undo_stack.undo()
    model.undo_stack.undo()
    assert model.document.data.inputs[0, 1] == 0.06
    assert view.input_label(1).text() == "x2 = 0.06"


def test_a_value_the_engine_refuses_keeps_the_editor_open_and_is_reported_once(qtbot):
    doc = edits.set_loss(edits.new_document((2, 2, 1)), "binary_cross_entropy")
    model, view = make_view(qtbot, doc)
    refusals: list[str] = []
    model.editRefused.connect(refusals.append)
    editor = view.edit_label(view.target_label(0))
    assert editor is not None
    editor.line_edit.setText("2")  # a number, but not a target this loss accepts
    qtbot.keyClick(editor.line_edit, Qt.Key.Key_Return)
    assert editor.is_open and editor.refused
    assert ERROR_COLOR in editor.line_edit.styleSheet()
    assert editor.error == ""  # the reason is the model's report, shown by the window
    assert len(refusals) == 1 and "needs targets between 0 and 1" in refusals[0]
    assert model.undo_stack.count() == 0
    editor.line_edit.setText("1")
    qtbot.keyClick(editor.line_edit, Qt.Key.Key_Return)
    assert not editor.is_open
    assert model.document.data.targets[model.shown_row, 0] == 1.0


def test_editing_an_input_changes_the_data_row_of_the_sample_shown(qtbot):
    doc = edits.set_training(edits.new_document((2, 2, 1)), optimizer="sgd", batch_size=2,
                             seed=3)
    model, view = make_view(qtbot, doc)
    model.set_sample(1)
    row = int(model.iteration.step.batch[1])
    shown = model.backward.inputs[1, 0]
    assert view.input_label(0).text() == f"x1 = {shown:g}"
    editor = view.edit_label(view.input_label(0))
    assert editor is not None
    editor.line_edit.setText("0.75")
    qtbot.keyClick(editor.line_edit, Qt.Key.Key_Return)
    assert model.document.data.inputs[row, 0] == 0.75
    changed = [r for r in range(4) if model.document.data.inputs[r, 0] == 0.75]
    assert changed == [row]


def test_frozen_tooltip(qtbot):
    _model, view = make_view(qtbot, edits.set_frozen(reference_doc(), "b2", True))
    assert "Frozen" in view.bias_item("b2").toolTip()
    assert view.bias_item("b2").frozen


def test_edit_bias_node(qtbot):
    model, view = make_view(qtbot)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=label_point(view, "b1"))
    editor = view.editor
    assert editor is not None
    editor.line_edit.setText("-0.3")
    qtbot.keyClick(editor.line_edit, Qt.Key.Key_Return)
    assert value(model, "b1") == -0.3
    assert view.bias_item("b1").text() == "b1 = -0.3"
    assert view.content.bias_lines["b1"][0].pen().color().name() == LIGHT.negative.name()


def test_scrubbing_is_one_undo_step_per_drag(qtbot):
    model, view = make_view(qtbot)
    start = label_point(view, "w5")
    vp = view.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(vp, start + QPoint(15, 0))
    qtbot.mouseMove(vp, start + QPoint(40, 3))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=start + QPoint(40, 3))
    assert value(model, "w5") == pytest.approx(0.18 + 40 * 0.01)
    assert model.undo_stack.count() == 1
    # Shift scrubs finely; a new drag is a new undo step.
    start = label_point(view, "w5")
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(vp, start - QPoint(20, 0), )
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=start - QPoint(20, 0))
    assert value(model, "w5") == pytest.approx(0.58 - 0.2)
    assert model.undo_stack.count() == 2
    model.undo_stack.undo()
    model.undo_stack.undo()
    assert value(model, "w5") == 0.18
    assert view.param_label("w5").text() == "w5 = 0.18"


def test_scrubbing_with_shift_is_fine(qtbot):
    model, view = make_view(qtbot)
    start = label_point(view, "w6")
    vp = view.viewport()
    shift = Qt.KeyboardModifier.ShiftModifier
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, shift, start)
    qtbot.mouseMove(vp, start + QPoint(30, 0))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, shift, start + QPoint(30, 0))
    # QTest.mouseMove carries no modifiers, so check the fine step through a real move event.
    assert model.undo_stack.count() == 1
    model.undo_stack.undo()
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QMouseEvent
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, shift, start)
    pos = QPointF(start + QPoint(30, 0))
    move = QMouseEvent(QEvent.Type.MouseMove, pos, vp.mapToGlobal(pos),
                       Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, shift)
    QApplication.sendEvent(vp, move)
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, shift, start + QPoint(30, 0))
    assert value(model, "w6") == pytest.approx(0.06 + 30 * 0.001)


def _wheel(view: NetworkCanvas, pos: QPoint, delta: int, mods) -> None:
    vp = view.viewport()
    event = QWheelEvent(QPointF(pos), QPointF(vp.mapToGlobal(pos)), QPoint(0, 0),
                        QPoint(0, delta), Qt.MouseButton.NoButton, mods,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(vp, event)


def test_alt_wheel_nudges_a_label_as_one_undo_step(qtbot):
    model, view = make_view(qtbot)
    pos = label_point(view, "w5")
    for _ in range(3):
        _wheel(view, pos, 120, Qt.KeyboardModifier.AltModifier)
    assert value(model, "w5") == pytest.approx(0.21)
    assert model.undo_stack.count() == 1
    _wheel(view, pos, -120, Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier)
    assert value(model, "w5") == pytest.approx(0.209)
    assert "Alt+wheel" in view.param_label("w5").toolTip()


def test_click_selects_and_selection_is_drawn(qtbot):
    model, view = make_view(qtbot)
    with qtbot.waitSignal(model.selectionChanged) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         pos=label_point(view, "w5"))
    assert blocker.args == [ParameterSel("w5")]
    assert model.undo_stack.count() == 0  # a click is not a scrub
    assert view.param_label("w5").selected and view.edge_item("w5").selected
    model.select("H1")
    assert view.neuron_item("H1").selected and not view.param_label("w5").selected
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.mapFromScene(view.neuron_item("Y2").scenePos()))
    assert model.selection == NeuronSel(2, 1)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.mapFromScene(view.input_label(0).scenePos()))
    assert model.selection == InputSel(0)
    assert view.input_label(0).selected and not view.neuron_item("X1").selected
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(3, 3))
    assert model.selection is None
    assert not any(i.selected for i in view.content.all_items())
    model.select(TargetSel(1))
    assert view.target_label(1).selected
    assert [i for i in view.content.all_items() if i.selected] == [view.target_label(1)]


# --- context menu -------------------------------------------------------------------------

def test_context_menu_structural_edits_rebuild_the_items(qtbot):
    model, view = make_view(qtbot)
    actions = menu_actions(view.context_menu_for("H1"))
    assert {"add_neuron", "remove_neuron", "add_layer_before", "add_layer_after",
            "remove_layer", "activation:tanh", "bias:neuron", "freeze"} <= set(actions)
    assert "activation:softmax" not in actions  # only for the output layer
    assert "activation:softmax" in menu_actions(view.context_menu_for("Y1"))
    actions["add_neuron"].trigger()
    assert set(view.content.neurons) >= {"H3"}
    assert len(view.content.edges) == 2 * 3 + 3 * 2
    assert_no_overlap(view)
    model.undo_stack.undo()
    assert "H3" not in view.content.neurons and len(view.content.edges) == 8

    menu_actions(view.context_menu_for("H2"))["remove_neuron"].trigger()
    assert set(view.content.neurons) == {"X1", "X2", "H1", "Y1", "Y2"}
    model.undo_stack.undo()

    menu_actions(view.context_menu_for("H1"))["add_layer_after"].trigger()
    assert {"H1_1", "H2_1"} <= set(view.content.neurons)
    assert model.document.network.sizes == [2, 2, 2, 2]
    model.undo_stack.undo()

    menu_actions(view.context_menu_for("H1"))["remove_layer"].trigger()
    assert set(view.content.neurons) == {"X1", "X2", "Y1", "Y2"}
    model.undo_stack.undo()

    menu_actions(view.context_menu_for("H1"))["activation:tanh"].trigger()
    assert model.document.network.layers[0].activation == "tanh"
    assert view.neuron_item("H2").activation == "tanh"

    menu_actions(view.context_menu_for("Y1"))["bias:neuron"].trigger()
    assert set(view.content.bias_nodes) == {"b1", "b2", "b3"}
    menu_actions(view.context_menu_for("H1"))["bias:none"].trigger()
    assert set(view.content.bias_nodes) == {"b1", "b2"}  # renumbered: Y1's and Y2's
    assert model.undo_stack.count() == 3

    menu_actions(view.context_menu_for("w5"))["freeze"].trigger()
    assert view.param_label("w5").frozen
    assert "Unfreeze" in menu_actions(view.context_menu_for("w5"))["freeze"].text()
    menu_actions(view.context_menu_for("w5"))["freeze"].trigger()
    assert not view.param_label("w5").frozen


def test_impossible_menu_actions_are_disabled(qtbot):
    _model, view = make_view(qtbot, edits.new_document((2, 1, 1)))
    actions = menu_actions(view.context_menu_for("H1"))
    assert not actions["remove_neuron"].isEnabled()
    inputs = menu_actions(view.context_menu_for("X1"))
    assert not inputs["add_layer_before"].isEnabled()
    assert not inputs["remove_layer"].isEnabled()
    assert "activation:sigmoid" not in inputs


def test_refused_edit_is_reported_by_the_model_once(qtbot):
    model, view = make_view(qtbot)
    hints: list[str] = []
    view.messageRequested.connect(hints.append)
    with qtbot.waitSignal(model.editRefused) as blocker:
        applied = view.set_value(Ref("weight", "w5", 2, 0), 1e13)
    assert not applied
    assert blocker.args == ["Set w5 to 1e+13: w5 is too large (the limit is 1e+12)"]
    assert hints == []  # the canvas does not report it a second time
    assert value(model, "w5") == 0.18
    assert model.undo_stack.count() == 0


# --- layout -------------------------------------------------------------------------------

@pytest.mark.parametrize("sizes, mode", [((2, 2, 2), "shared"), ((2, 4, 4, 1), "neuron"),
                                         ((2, 4, 4, 1), "shared"), ((3, 5, 2), "neuron"),
                                         ((1, 6, 1), "neuron"), ((4, 8, 3), "shared")])
def test_layout_places_labels_without_overlap(sizes, mode):
    layout = compute_layout(sizes, [mode] * (len(sizes) - 1), Dimensions())
    boxes = layout.label_boxes() + list(layout.neuron_boxes.values())
    assert not overlapping_pairs(boxes)
    assert not layout.crowded and not layout.unlabelled
    n_edges = sum(a * b for a, b in itertools.pairwise(sizes))
    assert len(layout.edge_labels) == n_edges
    # Labels of edges from one source to different targets sit at different x.
    k = 0
    xs = [layout.edge_labels[(k, j, 0)].cx for j in range(sizes[1])]
    assert len({round(x, 3) for x in xs}) > 1 or sizes[1] == 1


def test_layout_skips_labels_of_huge_layers():
    layout = compute_layout([20, 20, 1], ["neuron", "neuron"], Dimensions(max_labelled=64))
    assert layout.unlabelled == {0}
    assert all(key[0] == 1 for key in layout.edge_labels)


@pytest.mark.parametrize("shape", [None, (2, 4, 4, 1)])
@pytest.mark.parametrize("bias", ["neuron", "shared"])
def test_labels_do_not_overlap_on_the_canvas(qtbot, shape, bias):
    doc = reference_doc() if shape is None else edits.new_document(shape, bias=bias)
    if shape is None and bias == "neuron":
        doc = edits.set_layer(doc, 1, bias="neuron")
    model, view = make_view(qtbot, doc)
    assert_no_overlap(view)
    net = model.document.network
    last_backward = [s for s in model.stepper.substeps if s.stage == "backward"][-1]
    step_to(model, "backward", last_backward.target)  # every label shows a gradient
    assert_no_overlap(view)
    model.step()  # the update
    assert_no_overlap(view)
    model.set_digits(10)
    assert_no_overlap(view)
    assert len(net.names) == len(view.content.param_labels)


# --- zoom, theme, export ------------------------------------------------------------------

def test_zoom_keys_and_fit(qtbot):
    _model, view = make_view(qtbot)
    fitted = view.zoom_factor()
    rect = view.content.content_rect()
    assert rect.width() * fitted <= view.viewport().width() + 1
    assert rect.height() * fitted <= view.viewport().height() + 1
    qtbot.keyClick(view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom_factor() == pytest.approx(fitted * 1.2)
    qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom_factor() == pytest.approx(fitted / 1.2)
    _wheel(view, QPoint(500, 350), 120, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom_factor() == pytest.approx(fitted)
    qtbot.keyClick(view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    view.resize(800, 600)  # zoomed by hand: a resize keeps the zoom
    assert view.zoom_factor() == pytest.approx(fitted * 1.2)
    qtbot.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    view.resize(1200, 800)  # fitted: a resize refits (at a legible level)
    rect = view.content.fit_rect()
    assert rect.width() * view.zoom_factor() <= view.viewport().width() + 1
    assert rect.height() * view.zoom_factor() <= view.viewport().height() + 1
    assert view.label_screen_px() >= view.min_text_px() - 0.01
    assert view.dragMode() == view.DragMode.ScrollHandDrag


def test_dark_theme_keeps_the_colour_blind_safe_pair(qtbot):
    _model, view = make_view(qtbot, edits.set_parameter(reference_doc(), "w5", -0.2))
    view.set_dark(True)
    assert view.backgroundBrush().color() == DARK.background
    assert view.edge_item("w6").pen().color().name() == DARK.positive.name()
    assert view.edge_item("w5").pen().color().name() == DARK.negative.name()
    assert view.neuron_item("H1").theme is DARK
    view.set_dark(False)
    assert view.edge_item("w6").pen().color().name() == LIGHT.positive.name()


def test_export_png_and_svg(qtbot, tmp_path):
    model, view = make_view(qtbot)
    for _ in range(8):
        model.step()
    png = tmp_path / "net.png"
    view.export_png(png, scale=1.5)
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 500
    assert image.pixelColor(2, 2) == QColor("#FFFFFF")
    svg = tmp_path / "net.svg"
    view.export_svg(svg)
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text and "w1 = 0.1" in text
    view.set_dark(True)
    view.export_png(png)
    assert QImage(str(png)).pixelColor(2, 2) == DARK.background
    with pytest.raises(OSError):
        view.export_png(tmp_path / "missing" / "net.png")
    with pytest.raises(OSError):
        view.export_svg(tmp_path / "missing" / "net.svg")


def test_screen_grab_is_not_empty(qtbot):
    _model, view = make_view(qtbot)
    image = view.grab().toImage()
    colours = {image.pixelColor(x, image.height() // 2).name()
               for x in range(0, image.width(), 5)}
    assert len(colours) > 3


# --- lifetime -----------------------------------------------------------------------------

def test_view_survives_structure_changes_and_model_reset(qtbot):
    model, view = make_view(qtbot)
    view.edit_label(view.param_label("w5"))
    model.set_document(edits.new_document((3, 5, 2)))
    assert view.editor is None  # closed by the rebuild
    assert len(view.content.edges) == 3 * 5 + 5 * 2
    model.set_document(reference_doc())
    assert view.param_label("w5").text() == "w5 = 0.18"


def test_deleted_view_leaves_the_model_alone(qtbot):
    holder = QWidget()
    qtbot.addWidget(holder)
    model = LabModel(document=reference_doc())
    view = NetworkCanvas(model, holder)
    holder.show()
    shiboken6.delete(view)
    QApplication.processEvents()
    model.step()
    model.edit("Add neuron", lambda d: edits.add_neuron(d, 1))
    model.set_digits(3)
    model.select("H1")
    assert model.document.network.sizes == [2, 3, 2]


def test_view_survives_model_deletion(qtbot):
    model, view = make_view(qtbot)
    shiboken6.delete(model)
    QApplication.processEvents()
    assert view.model is None
    view.resize(900, 650)
    view.fit()
    assert view.context_menu_for("H1") is None
    assert view.edit_label(view.param_label("w5")) is None
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=label_point(view, "w5"))
    view.grab()


def test_detach_stops_updates(qtbot):
    model, view = make_view(qtbot)
    view.detach()
    model.step()
    assert view.value_label("H1").lines()[0] == ("net ?", True)


# --- while training runs ------------------------------------------------------------------

def test_a_tick_refreshes_the_items_once_after_the_signals(qtbot, monkeypatch):
    model, view = make_view(qtbot)
    refreshes: list[int] = []
    original = SceneContent.refresh
    monkeypatch.setattr(SceneContent, "refresh",
                        lambda self, m: (refreshes.append(1), original(self, m))[1])
    model.run_iterations(3)  # stepChanged, valuesChanged, historyChanged, fileChanged
    model.set_sample(0)
    assert refreshes == []  # coalesced: nothing yet
    qtbot.waitUntil(lambda: len(refreshes) == 1)
    QApplication.processEvents()
    assert len(refreshes) == 1
    model.run_iterations(2)
    # Reading the items brings them up to date at once.
    assert view.param_label("w5").text() == f"w5 = {value(model, 'w5'):.5g}"
    assert len(refreshes) == 2


def test_unchanged_pens_and_texts_are_left_alone(qtbot):
    model, view = make_view(qtbot)
    model.run_iterations(2)
    edge, label = view.edge_item("w5"), view.param_label("w5")
    pen, text = edge.pen(), label.text()
    edge.set_pen(pen)
    label.set_text(text)
    assert edge.pen() == pen and label.text() == text
    # Shared pens: the same sign, width step and fading give the same pen object.
    first = shared_edge_pen(0.5, 3.21, LIGHT)
    assert shared_edge_pen(0.5, 3.22, LIGHT) is first  # within a width step
    assert shared_edge_pen(-0.5, 3.21, LIGHT).style() == Qt.PenStyle.CustomDashLine
    assert shared_edge_pen(float("nan"), 3.21, LIGHT).color().name() == LIGHT.zero.name()


def test_an_edges_tooltip_is_written_when_it_is_shown(qtbot):
    model, view = make_view(qtbot)
    edge = view.edge_item("w1")
    assert edge.toolTip() == ""  # not written on every refresh
    view.content.update_tooltip(edge, model)
    assert edge.toolTip() == "w1 = 0.1"
    step_to(model, "backward", "w1")
    view.content.update_tooltip(edge, model)
    assert edge.toolTip().startswith("w1 = ") and "\ndE/dw1 = " in edge.toolTip()
