"""The inspector: shows the selected element and edits it through undo commands."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from simulator.app.inspector import DocumentPage, Inspector, NeuronPage, ParameterPage
from simulator.app.model import LabModel
from simulator.app.selection import InputSel, NeuronSel, TargetSel
from simulator.engine import document as doc_io
from simulator.engine import edits
from simulator.engine.optimizers import OPTIMIZER_DESCRIPTIONS, OPTIMIZER_LABELS
from simulator.resources import example_path


@pytest.fixture
def model():
    return LabModel(document=doc_io.load(example_path("reference.json")))


@pytest.fixture
def inspector(qtbot, model):
    view = Inspector(model)
    qtbot.addWidget(view)
    view.resize(420, 600)
    view.show()
    return view


def param(model, name):
    return float(model.params[model.document.network.index_of[name]])


def type_into(qtbot, field, text):
    field.edit.setFocus()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, text)
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)


def choose(qtbot, combo, data):
    """Pick an item the way a user does with the keyboard (emits ``activated``)."""
    combo.setFocus()
    target = combo.findData(data)
    assert target >= 0
    if target > 0:
        combo.setCurrentIndex(target - 1)  # no ``activated``: not a user action
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    else:
        combo.setCurrentIndex(1)
        qtbot.keyClick(combo, Qt.Key.Key_Up)


# --- parameters ---------------------------------------------------------------------------------

def test_shows_the_selected_weight(inspector, model):
    model.select("w5")
    page = inspector.page
    assert isinstance(page, ParameterPage)
    assert page.value.text() == "0.18"
    assert page.connects.text() == "H1 -> Y1"
    assert inspector.title.text() == "Weight w5"
    assert page.gradient.text() == "0.072952"


def test_shared_bias_names_both_neurons(inspector, model):
    model.select("b1")
    assert inspector.page.connects.text() == "bias of H1 and H2 (shared)"


def test_typing_a_value_sets_it_as_one_undo_step(qtbot, inspector, model):
    model.select("w5")
    type_into(qtbot, inspector.page.value, "0.5")
    assert param(model, "w5") == 0.5
    assert model.undo_stack.count() == 1
    assert inspector.page.value.text() == "0.5"
    model.undo_stack.undo()
    assert param(model, "w5") == 0.18
    assert inspector.page.value.text() == "0.18"


def test_bad_text_is_refused_with_a_visible_reason(qtbot, inspector, model):
    model.select("w5")
    field = inspector.page.value
    type_into(qtbot, field, "0.5x")
    assert param(model, "w5") == 0.18
    assert model.undo_stack.count() == 0
    assert field.error_label.isVisible()
    assert "'0.5x' is not a number" in field.error_label.text()
    assert "border" in field.edit.styleSheet()
    assert field.text() == "0.5x"  # kept for the user to fix
    qtbot.keyClick(field.edit, Qt.Key.Key_Escape)
    assert field.text() == "0.18"
    assert not field.error_label.isVisible()
    assert field.edit.styleSheet() == ""


def test_a_value_beyond_the_limits_is_refused_as_it_is_read(qtbot, inspector, model):
    model.select("w5")
    field = inspector.page.value
    type_into(qtbot, field, "1e13")
    assert param(model, "w5") == 0.18
    assert field.error_label.isVisible()
    assert field.error_label.text() == "w5 is too large (the limit is 1e+12)"


def test_frozen_checkbox(qtbot, inspector, model):
    model.select("w5")
    box = inspector.page.frozen
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert "w5" in model.document.network.frozen
    assert inspector.page.frozen.isChecked()
    assert model.undo_stack.count() == 1
    model.undo_stack.undo()
    assert "w5" not in model.document.network.frozen
    assert not inspector.page.frozen.isChecked()


def test_updates_in_place_but_not_while_typing(qtbot, inspector, model):
    model.select("w5")
    page = inspector.page
    field = page.value
    model.run_iterations(3)
    assert inspector.page is page  # not rebuilt on a value change (and brought up to date)
    assert field.text() == page.fmt(param(model, "w5"))
    assert field.text() != "0.18"
    field.edit.setFocus()
    qtbot.keyClicks(field.edit, "9")  # typing, not committed
    typed = field.text()
    model.run_iterations(3)
    inspector.flush()
    assert field.text() == typed
    qtbot.keyClick(field.edit, Qt.Key.Key_Escape)
    assert field.text() == page.fmt(param(model, "w5"))


def test_show_derivation(qtbot, inspector, model):
    model.select("w5")
    page = inspector.page
    with qtbot.waitSignal(inspector.derivationRequested) as blocker:
        qtbot.mouseClick(page.derivation_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["w5"]
    assert page.derivation.isVisible()
    assert "dE/dw5 = dE/doutY1 * doutY1/dnetY1 * dnetY1/dw5" in page.derivation.text()


# --- neurons ------------------------------------------------------------------------------------

def test_neuron_shows_values_and_changes_activation(qtbot, inspector, model):
    model.select("H1")
    page = inspector.page
    assert isinstance(page, NeuronPage)
    assert page.net_value.text() == "0.154"  # 0.95*0.10 + 0.06*0.15 + 0.05
    assert page.out_value.text() == "0.53842"
    choose(qtbot, page.activation, "tanh")
    assert model.document.network.layers[0].activation == "tanh"
    assert model.undo_stack.count() == 1
    assert inspector.page.activation.currentData() == "tanh"
    assert inspector.page.out_value.text() == page.fmt(np.tanh(0.154))


def test_bias_mode_combo(qtbot, inspector, model):
    model.select("Y1")
    choose(qtbot, inspector.page.bias, "neuron")
    net = model.document.network
    assert net.layers[1].bias == "neuron"
    np.testing.assert_array_equal(net.biases[1], [0.42, 0.42])


def test_refused_activation_is_reported_and_the_combo_shows_the_model(qtbot, inspector, model):
    doc = edits.set_layer(model.document, 2, activation="softmax")
    doc = edits.set_sample_value(doc, "targets", 0, 0, 0.18)
    model.set_document(edits.set_loss(doc, "cross_entropy"))
    model.select("Y1")
    with qtbot.waitSignal(model.editRefused) as blocker:
        choose(qtbot, inspector.page.activation, "sigmoid")
    assert blocker.args[0].startswith("Set layer 2 activation to sigmoid: ")
    assert "cross_entropy" in blocker.args[0]
    assert model.document.network.layers[1].activation == "softmax"
    assert inspector.page.activation.currentData() == "softmax"


def test_input_and_target_values_edit_the_current_sample(qtbot, inspector, model):
    model.select("X2")
    type_into(qtbot, inspector.page.data_field, "0.5")
    assert model.document.data.inputs[0, 1] == 0.5
    model.select("Y1")
    assert inspector.page.data_field.text() == "0.05"
    type_into(qtbot, inspector.page.data_field, "0.25")
    assert model.document.data.targets[0, 0] == 0.25
    assert model.undo_stack.count() == 2
    model.undo_stack.undo()
    assert model.document.data.targets[0, 0] == 0.05


def test_input_value_edits_the_row_of_the_current_batch(qtbot, inspector, model):
    model.set_document(edits.set_training(edits.new_document((2, 2, 1)), optimizer="sgd",
                                          batch_size=1, seed=3))
    row = int(model.iteration.step.batch[0])
    model.select("X1")
    type_into(qtbot, inspector.page.data_field, "7")
    assert model.document.data.inputs[row, 0] == 7
    assert (model.document.data.inputs[:, 0] == 7).sum() == 1


def test_structure_buttons(qtbot, inspector, model):
    click = lambda b: qtbot.mouseClick(b, Qt.MouseButton.LeftButton)
    model.select("H1")
    click(inspector.page.add_neuron_button)
    assert model.document.network.sizes == [2, 3, 2]
    assert model.selection == NeuronSel(1, 2)  # H3
    click(inspector.page.remove_neuron_button)
    assert model.document.network.sizes == [2, 2, 2]
    assert model.selection is None
    model.select("H1")
    click(inspector.page.add_layer_button)
    assert model.document.network.sizes == [2, 2, 2, 2]
    assert model.selection == NeuronSel(2, 0)  # the new layer's first neuron, H2_1
    assert inspector.page.neuron == "H2_1"
    assert isinstance(inspector.page, NeuronPage)
    click(inspector.page.remove_layer_button)
    assert model.document.network.sizes == [2, 2, 2]
    assert model.undo_stack.count() == 4
    model.select("Y1")
    assert not inspector.page.add_layer_button.isEnabled()
    assert not inspector.page.remove_layer_button.isEnabled()


def test_removing_the_last_neuron_is_not_offered(qtbot, inspector, model):
    model.set_document(edits.new_document((2, 1, 1)))
    model.select("H1")
    assert not inspector.page.remove_neuron_button.isEnabled()


# --- the document -------------------------------------------------------------------------------

def test_document_page_when_nothing_is_selected(inspector, model):
    page = inspector.page
    assert isinstance(page, DocumentPage)
    assert page.name.text() == "Reference example"
    assert page.sizes.text().startswith("2 - 2 - 2")
    assert page.parameters.text() == "10"
    assert page.loss.currentData() == "half_sse"


def test_refused_loss_is_reported_once_and_changes_nothing(qtbot, inspector, model):
    refusals: list[str] = []
    model.editRefused.connect(refusals.append)
    choose(qtbot, inspector.page.loss, "cross_entropy")
    assert model.document.loss == "half_sse"
    assert model.undo_stack.count() == 0
    assert len(refusals) == 1 and refusals[0].startswith("Use the cross_entropy loss: ")
    assert "softmax" in refusals[0]
    assert inspector.page.loss.currentData() == "half_sse"
    choose(qtbot, inspector.page.loss, "mse")
    assert model.document.loss == "mse"
    assert len(refusals) == 1


def test_rename_and_training_settings(qtbot, inspector, model):
    page = inspector.page
    type_into(qtbot, page.name, "My net")
    assert model.document.name == "My net"
    choose(qtbot, page.optimizer, "momentum")
    assert model.config.optimizer == "momentum"
    assert inspector.page is page  # refreshed in place (reading the page brings it up to date)
    assert page.fields["momentum"].isEnabled()
    assert not page.fields["beta1"].isEnabled()
    type_into(qtbot, page.fields["momentum"], "0.5")
    assert model.config.momentum == 0.5
    type_into(qtbot, page.fields["batch_size"], "2.5")
    assert "whole number" in page.fields["batch_size"].error
    assert model.config.batch_size == 1
    type_into(qtbot, page.fields["momentum"], "1")  # past the loader's bound: the field says so
    momentum = page.fields["momentum"]
    assert momentum.error == "momentum must be at most 0.999999"
    assert model.config.momentum == 0.5
    assert momentum.refused and momentum.text() == "1"  # kept, marked, for the user to fix
    assert model.undo_stack.count() == 3


def test_reinitialise(qtbot, inspector, model):
    page = inspector.page
    choose(qtbot, page.initializer, "constant")
    qtbot.mouseClick(page.reinit_button, Qt.MouseButton.LeftButton)
    assert np.all(model.params == 0.0)
    assert model.undo_stack.count() == 1


def test_removed_selection_falls_back_to_the_document(qtbot, inspector, model):
    model.select("w8")
    model.edit("remove", lambda d: edits.remove_neuron(d, 2, 1))
    assert isinstance(inspector.page, DocumentPage)


def test_input_and_target_selections(inspector, model):
    model.select("target:1")
    assert model.selection == TargetSel(1)
    assert isinstance(inspector.page, NeuronPage)
    assert inspector.page.neuron == "Y2"
    model.select(InputSel(0))
    assert inspector.page.neuron == "X1"


def test_editing_the_selected_input_keeps_it_selected(qtbot, inspector, model):
    model.select(InputSel(1))
    type_into(qtbot, inspector.page.data_field, "0.5")
    assert model.document.data.inputs[0, 1] == 0.5
    assert model.selection == InputSel(1)  # a new data value is not a new network
    assert inspector.page.neuron == "X2"


def test_optimizer_labels_come_from_the_engine(inspector, model):
    combo = inspector.page.optimizer
    for i in range(combo.count()):
        key = combo.itemData(i)
        assert combo.itemText(i) == OPTIMIZER_LABELS[key]
        assert combo.itemData(i, Qt.ItemDataRole.ToolTipRole) == OPTIMIZER_DESCRIPTIONS[key]


def test_uncommitted_typing_is_dropped_when_the_selection_moves(qtbot, inspector, model):
    model.select("w5")
    field = inspector.page.value
    field.edit.setFocus()
    qtbot.keyClicks(field.edit, "123")
    model.select("w6")  # e.g. from the keyboard: no focus change first
    assert param(model, "w5") == 0.18
    assert model.undo_stack.count() == 0
    assert inspector.page.value.text() == "0.06"


def test_leaving_a_field_commits_it(qtbot, inspector, model):
    model.select("w5")
    field = inspector.page.value
    field.edit.setFocus()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "0.25")
    inspector.page.frozen.setFocus()  # Tab / click elsewhere
    qtbot.waitUntil(lambda: param(model, "w5") == 0.25)
    assert model.undo_stack.count() == 1


def test_while_running_the_page_updates_a_few_times_a_second(qtbot, inspector, model):
    model.select("w5")
    page = inspector.page
    refreshes: list[int] = []
    original = page.refresh
    page.refresh = lambda: (refreshes.append(1), original())  # type: ignore[method-assign]
    inspector.set_throttled(True)
    for _ in range(20):
        model.run_iterations(1)
    assert refreshes == []  # nothing synchronously
    qtbot.waitUntil(lambda: len(refreshes) == 1, timeout=2000)
    qtbot.wait(50)
    assert len(refreshes) == 1  # one refresh for the twenty ticks so far
    assert page.value.edit.text() == page.fmt(param(model, "w5"))
    inspector.set_throttled(False)
    model.run_iterations(1)  # paused: at the next pass of the event loop again
    model.run_iterations(1)
    qtbot.waitUntil(lambda: len(refreshes) == 2, timeout=500)
    qtbot.wait(20)
    assert len(refreshes) == 2  # one for both (coalesced), not one per signal
    assert page.value.edit.text() == page.fmt(param(model, "w5"))
