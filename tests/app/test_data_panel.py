"""The data panel: choosing a data set, importing CSV, and editing samples."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QLineEdit, QMessageBox

from simulator.app import data_panel as data_panel_module
from simulator.app.data_panel import CsvColumnsDialog, DataPanel
from simulator.app.model import LabModel
from simulator.engine import document as doc_io
from simulator.engine import edits
from simulator.resources import example_path


@pytest.fixture
def model():
    return LabModel(document=doc_io.load(example_path("reference.json")))


@pytest.fixture
def panel(qtbot, model):
    view = DataPanel(model)
    qtbot.addWidget(view)
    view.resize(420, 700)
    view.show()
    return view


def choose_kind(panel, kind):
    panel.kind.setCurrentIndex(panel.kind.findData(kind))


def click(qtbot, button):
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


# --- generators ---------------------------------------------------------------------------------

def test_apply_xor_on_a_2_2_1_network(qtbot, panel, model):
    doc = edits.set_data(edits.new_document((2, 2, 1)),
                         edits.Dataset(np.zeros((2, 2)), np.zeros((2, 1))))
    model.set_document(doc)
    choose_kind(panel, "xor")
    click(qtbot, panel.apply_button)
    data = model.document.data
    np.testing.assert_array_equal(data.inputs, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(data.targets[:, 0], [0, 1, 1, 0])
    assert model.document.data_source == {"kind": "xor"}
    assert model.undo_stack.count() == 1
    assert panel.train_model.rowCount() == 4
    model.undo_stack.undo()
    assert model.document.data.n_samples == 2
    assert panel.train_model.rowCount() == 2


def test_generator_settings_and_one_hot_follow_the_network(qtbot, panel, model):
    choose_kind(panel, "circle")
    assert panel.parameters_box.isVisible()
    panel.n.setValue(40)
    panel.seed.setValue(3)
    panel.test_fraction.setValue(0.25)
    click(qtbot, panel.apply_button)
    data = model.document.data
    assert (data.n_samples, data.n_test) == (30, 10)
    assert data.targets.shape[1] == 2  # the reference network has 2 outputs: one-hot
    np.testing.assert_array_equal(data.targets.sum(axis=1), 1.0)
    assert model.document.data_source["one_hot"] is True
    assert model.document.data_source["seed"] == 3
    assert panel.tabs.isTabEnabled(1)
    assert panel.test_model.rowCount() == 10
    assert "one-hot" in panel.kind_hint.text()

    model.set_document(edits.new_document((2, 3, 1)))
    choose_kind(panel, "moons")
    click(qtbot, panel.apply_button)
    assert model.document.data.targets.shape[1] == 1
    assert model.document.data_source["one_hot"] is False


def test_fixed_data_sets_hide_the_settings(panel):
    choose_kind(panel, "xor")
    assert not panel.parameters_box.isVisible()
    choose_kind(panel, "sine")
    assert panel.parameters_box.isVisible()
    assert panel.n.value() == 100  # sine's own default


def test_mismatched_data_set_is_refused_with_the_widths(qtbot, panel, model):
    before = model.document
    choose_kind(panel, "sine")
    click(qtbot, panel.apply_button)
    assert model.document is before
    assert model.undo_stack.count() == 0
    assert panel.message.isVisible()
    text = panel.message.text()
    assert "the network has 2 inputs" in text.lower()
    assert "1 input column" in text
    assert "2 outputs" in text


def test_fit_button_resizes_the_network_in_one_step(qtbot, panel, model):
    choose_kind(panel, "sine")
    click(qtbot, panel.apply_button)
    assert panel.fit_button.isVisible()
    click(qtbot, panel.fit_button)
    assert model.document.network.sizes == [1, 2, 1]
    assert model.document.data.name == "sine"
    assert not panel.message.isVisible()
    assert model.undo_stack.count() == 1
    model.undo_stack.undo()
    assert model.document.network.sizes == [2, 2, 2]


def test_data_the_loss_refuses_is_reported_by_the_model(qtbot, panel, model):
    model.set_document(edits.set_loss(edits.new_document((1, 2, 1)), "binary_cross_entropy"))
    refusals: list[str] = []
    model.editRefused.connect(refusals.append)
    choose_kind(panel, "sine")
    click(qtbot, panel.apply_button)
    assert model.document.data.n_samples == 1
    assert len(refusals) == 1
    assert refusals[0].startswith("Use the sine data set: ")
    assert "binary_cross_entropy" in refusals[0]
    assert not panel.message.isVisible()  # shown once, by the main window


# --- CSV ----------------------------------------------------------------------------------------

@pytest.fixture
def csv_dialogs(monkeypatch):
    """Answer the file dialog and the columns dialog; record message boxes."""
    shown: list[str] = []
    state = {"path": ""}
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (state["path"], "CSV files (*.csv)")))
    monkeypatch.setattr(CsvColumnsDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda parent, title, text, *a: shown.append(text)))
    state["shown"] = shown
    return state


def test_csv_with_a_bad_row_names_the_line_and_changes_nothing(qtbot, panel, model, tmp_path,
                                                               csv_dialogs):
    path = tmp_path / "points.csv"
    path.write_text("a,b,c,d\n0.1,0.2,0,1\n0.3,oops,1,0\n")
    csv_dialogs["path"] = str(path)
    before = model.document
    choose_kind(panel, "csv")
    click(qtbot, panel.apply_button)
    assert model.document is before
    assert len(csv_dialogs["shown"]) == 1
    assert "line 3" in csv_dialogs["shown"][0]
    assert "'oops' is not a number" in csv_dialogs["shown"][0]


def test_csv_import_uses_the_chosen_columns(qtbot, panel, model, tmp_path, csv_dialogs):
    path = tmp_path / "points.csv"
    path.write_text("a,b,c,d\n0.1,0.2,0,1\n0.3,0.4,1,0\n")
    csv_dialogs["path"] = str(path)
    choose_kind(panel, "csv")
    click(qtbot, panel.apply_button)
    assert csv_dialogs["shown"] == []
    data = model.document.data
    # 4 columns = the network's 2 inputs + 2 outputs: the last two are the targets
    np.testing.assert_array_equal(data.inputs, [[0.1, 0.2], [0.3, 0.4]])
    np.testing.assert_array_equal(data.targets, [[0, 1], [1, 0]])
    assert data.input_names == ("a", "b")
    assert panel.train_model.headerData(3, Qt.Orientation.Horizontal) == "d"
    assert model.document.data_source["kind"] == "csv"


def test_csv_columns_dialog_defaults(qtbot):
    dialog = CsvColumnsDialog("f.csv", ["a", "b", "c"], 2, 2)
    qtbot.addWidget(dialog)
    assert dialog.columns("input") == [0, 1] and dialog.columns("target") == [2]
    dialog = CsvColumnsDialog("f.csv", ["a", "b", "c", "d"], 2, 2)
    qtbot.addWidget(dialog)
    assert dialog.columns("input") == [0, 1] and dialog.columns("target") == [2, 3]


def test_unreadable_csv_shows_the_reason(qtbot, panel, model, tmp_path, csv_dialogs):
    path = tmp_path / "empty.csv"
    path.write_text("")
    csv_dialogs["path"] = str(path)
    choose_kind(panel, "csv")
    click(qtbot, panel.apply_button)
    assert csv_dialogs["shown"] == ["empty.csv is empty"]


# --- the table ----------------------------------------------------------------------------------

def test_editing_a_cell_changes_the_data_and_undo_restores(qtbot, panel, model):
    table = panel.train_table
    index = panel.train_model.index(0, 1)
    table.setFocus()
    table.setCurrentIndex(index)
    table.edit(index)
    editor = table.viewport().findChild(QLineEdit)
    assert editor is not None and editor.text() == "0.06"
    editor.selectAll()
    qtbot.keyClicks(editor, "0.5")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits in a queued call
    qtbot.waitUntil(lambda: model.document.data.inputs[0, 1] == 0.5)
    assert model.undo_stack.count() == 1
    assert panel.train_model.data(index) == "0.5"
    model.undo_stack.undo()
    assert model.document.data.inputs[0, 1] == 0.06
    assert panel.train_model.data(index) == "0.06"


def test_bad_cell_text_is_refused_with_the_reason(panel, model):
    before = model.document
    refusals: list[str] = []
    model.editRefused.connect(refusals.append)
    ok = panel.train_model.setData(panel.train_model.index(0, 2), "zero")
    assert not ok
    assert model.document is before
    assert panel.table_message.isVisible()
    assert "'zero' is not a number" in panel.table_message.text()
    assert refusals == []  # unreadable text never reaches the model
    assert panel.train_model.setData(panel.train_model.index(0, 2), "0,1")  # decimal comma
    assert not panel.table_message.isVisible()
    assert model.document.data.targets[0, 0] == 0.1
    assert model.undo_stack.undoText() == "Set T1 of sample 1 to 0.1"


def test_a_cell_value_the_engine_refuses_changes_nothing(panel, model):
    model.set_document(edits.set_loss(edits.new_document((2, 2, 1)), "binary_cross_entropy"))
    refusals: list[str] = []
    model.editRefused.connect(refusals.append)
    table = panel.train_model
    assert not table.setData(table.index(1, 2), "3")
    assert model.document.data.targets[1, 0] == 1.0
    assert refusals == ["Set T1 of sample 2 to 3: data.targets: the binary_cross_entropy "
                        "loss needs targets between 0 and 1"]
    assert not panel.table_message.isVisible()  # the window shows it, once
    assert model.undo_stack.count() == 0


def test_current_batch_rows_are_highlighted(panel, model):
    doc = edits.set_training(edits.new_document((2, 2, 1)), optimizer="sgd", batch_size=2,
                             seed=1)
    model.set_document(doc)
    batch = {int(i) for i in model.iteration.step.batch}
    table = panel.train_model
    role = Qt.ItemDataRole.BackgroundRole
    tinted = {r for r in range(4) if table.data(table.index(r, 0), role) is not None}
    assert tinted == batch
    shown = int(model.iteration.step.batch[0])
    assert table.data(table.index(shown, 0), Qt.ItemDataRole.FontRole).bold()
    model.finish_iteration()
    model.step()  # the next iteration: the next batch
    new_batch = {int(i) for i in model.iteration.step.batch}
    assert new_batch == set(range(4)) - batch
    tinted = {r for r in range(4) if table.data(table.index(r, 0), role) is not None}
    assert tinted == new_batch


def test_test_samples_are_read_only(qtbot, panel, model):
    choose_kind(panel, "gaussian")
    panel.n.setValue(10)
    panel.test_fraction.setValue(0.3)
    click(qtbot, panel.apply_button)
    test = panel.test_model
    assert test.rowCount() == 3
    assert not (test.flags(test.index(0, 0)) & Qt.ItemFlag.ItemIsEditable)
    assert not test.setData(test.index(0, 0), "1")
    assert panel.tabs.tabText(1) == "Test (3)"


def test_add_and_remove_samples(qtbot, panel, model):
    model.set_document(edits.new_document((2, 2, 1)))
    click(qtbot, panel.add_button)
    assert model.document.data.n_samples == 5
    assert panel.train_model.rowCount() == 5
    panel.train_table.selectRow(0)
    panel.train_table.selectionModel().select(
        panel.train_model.index(2, 0),
        panel.train_table.selectionModel().SelectionFlag.Select
        | panel.train_table.selectionModel().SelectionFlag.Rows)
    assert panel.selected_rows() == [0, 2]
    click(qtbot, panel.remove_button)
    np.testing.assert_array_equal(model.document.data.inputs, [[0, 1], [1, 1], [1, 1]])
    assert model.undo_stack.count() == 2


def test_preview_follows_the_input_width(qtbot, panel, model):
    assert panel.preview.isVisible()
    assert len(panel.train_points.data) == 1
    model.set_document(edits.new_document((3, 2, 1)))
    assert not panel.preview.isVisible()
    model.set_document(edits.new_document((2, 2, 1)))
    assert panel.preview.isVisible()
    assert len(panel.train_points.data) == 4


def test_kind_combo_follows_the_document(panel, model):
    model.set_document(edits.new_document((2, 2, 1)))
    assert panel.current_kind() == "xor"
    assert data_panel_module.kind_parameters("sine") == {
        "n": 100, "noise": 0.05, "seed": 0, "test_fraction": 0.0}


def test_each_kind_keeps_its_own_settings(panel):
    choose_kind(panel, "circle")
    panel.n.setValue(42)
    choose_kind(panel, "sine")
    assert panel.n.value() == 100
    panel.n.setValue(7)
    choose_kind(panel, "circle")
    assert panel.n.value() == 42
    choose_kind(panel, "sine")
    assert panel.n.value() == 7


def test_table_follows_the_sample_the_canvas_shows(qtbot, panel, model):
    doc = edits.set_training(edits.new_document((2, 2, 1)), optimizer="sgd", batch_size=1)
    model.set_document(edits.set_data(doc, edits.Dataset(np.arange(400.0).reshape(200, 2),
                                                         np.zeros((200, 1)))))
    for _ in range(5):
        model.finish_iteration()
        model.step()
        panel.flush()  # the event loop scrolls a moment later; a reader flushes
        row = panel.train_model.current_row
        assert row == model.shown_row
        rect = panel.train_table.visualRect(panel.train_model.index(row, 0))
        assert panel.train_table.viewport().rect().intersects(rect)


def test_while_running_the_table_follows_the_sample_a_few_times_a_second(qtbot, panel, model):
    doc = edits.set_training(edits.new_document((2, 2, 1)), optimizer="sgd", batch_size=1)
    model.set_document(edits.set_data(doc, edits.Dataset(np.arange(400.0).reshape(200, 2),
                                                         np.zeros((200, 1)))))
    scrolls: list[int] = []
    original = panel.train_table.scrollTo
    panel.train_table.scrollTo = lambda *args: (scrolls.append(1), original(*args))
    panel.set_throttled(True)
    for _ in range(20):
        model.run_iterations(1)  # a new sample shown on every tick
    assert scrolls == []  # none while the ticks come
    qtbot.waitUntil(lambda: len(scrolls) == 1, timeout=2000)
    row = panel.train_model.current_row
    rect = panel.train_table.visualRect(panel.train_model.index(row, 0))
    assert panel.train_table.viewport().rect().intersects(rect)
    panel.set_throttled(False)  # paused: at the next pass of the event loop again
    model.run_iterations(1)
    qtbot.waitUntil(lambda: len(scrolls) == 2, timeout=500)
