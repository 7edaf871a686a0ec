"""Issue 13, finding 4: every input widget reads its bounds from the engine's limits.

A value the interface accepts is a value that saves and reopens: for each widget that
takes a number of the document, its bounds are the loader's (``engine/limits.py``,
``document.TRAINING_RANGES`` and ``document.SOURCE_FIELDS``), a value at the bound is
applied and the document saves and reopens with it, and a value just past the bound is
refused by the widget itself, with the range in its message, before it reaches the model
(for numbers of the data and parameters that is :func:`~simulator.engine.numbers.parse_number`'s
own bound, :data:`~simulator.engine.limits.MAX_ABS_VALUE`).

Before: the inspector's shuffle seed went up to 2^63 - 1, its learning rate, momentum,
betas and eps had the wrong ends (0, 1.0, no maximum), so the engine refused what they
passed on, and the Re-initialise dialog did not open for a seed of 2^31.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from simulator.app.canvas import NetworkCanvas
from simulator.app.data_panel import CsvColumnsDialog, DataPanel
from simulator.app.derivation_panel import DerivationPanel
from simulator.app.inspector import DocumentPage, Inspector, NeuronPage, ParameterPage
from simulator.app.main_window import NewDocumentDialog, ReinitializeDialog
from simulator.app.model import LabModel
from simulator.app.selection import InputSel, TargetSel
from simulator.app.surface.state import SEED_MAX
from simulator.app.toolbar import LR_MAX, LR_MIN, TrainingSettingsBar, parse_learning_rate
from simulator.engine import document as doc_io
from simulator.engine import edits, limits
from simulator.engine.datasets import Dataset
from simulator.engine.document import TRAINING_INT_RANGES, TRAINING_RANGES
from simulator.engine.numbers import NumberError, format_bound
from simulator.resources import example_path


@pytest.fixture
def model():
    return LabModel(document=doc_io.load(example_path("reference.json")))


def reopened(model: LabModel, folder: Path) -> doc_io.Document:
    """Save the model's document and open it again: it must be the same, bit for bit."""
    path = folder / "saved.json"
    model.save(path)
    again = doc_io.load(path)
    assert again.to_json() == model.current_document().to_json()
    return again


def type_into(qtbot, line_edit: QLineEdit, text: str) -> None:
    line_edit.setFocus()
    line_edit.selectAll()
    qtbot.keyClicks(line_edit, text)
    qtbot.keyClick(line_edit, Qt.Key.Key_Return)


def past(bound: float, upward: bool) -> float:
    """The next number past ``bound`` that a user can type (a little more or less)."""
    if bound == 0:
        return -1e-9 if not upward else 1e-9
    step = abs(bound) * 1e-6
    return bound + step if upward else bound - step


def _text(value: float, integer: bool) -> str:
    return str(int(value)) if integer else repr(float(value))


# --- the toolbar ------------------------------------------------------------------------------

def test_toolbar_learning_rate_and_batch_size_have_the_engines_bounds(qtbot, model, tmp_path):
    bar = TrainingSettingsBar(model)
    qtbot.addWidget(bar)
    assert TRAINING_RANGES["learning_rate"] == (LR_MIN, LR_MAX)
    assert (bar.lr_spin.minimum(), bar.lr_spin.maximum()) == TRAINING_RANGES["learning_rate"]
    for bound in TRAINING_RANGES["learning_rate"]:
        assert parse_learning_rate(repr(bound)) == bound
    with pytest.raises(NumberError):
        parse_learning_rate("1e13")
    with pytest.raises(NumberError):
        parse_learning_rate("0")

    # A batch of the most samples a document allows (more than the data set holds).
    model.set_document(edits.set_training(model.document, optimizer="sgd",
                                          batch_size=limits.MAX_BATCH_SIZE))
    assert bar.batch_spin.minimum() == limits.MIN_BATCH_SIZE
    assert bar.batch_spin.maximum() == limits.MAX_BATCH_SIZE
    assert bar.batch_spin.value() == limits.MAX_BATCH_SIZE
    bar.lr_spin.setValue(LR_MAX)  # a user's change: one edit
    assert model.config.learning_rate == LR_MAX
    bar.lr_spin.setValue(LR_MIN)
    assert model.config.learning_rate == LR_MIN
    assert reopened(model, tmp_path).training.batch_size == limits.MAX_BATCH_SIZE


# --- the inspector ----------------------------------------------------------------------------

@pytest.fixture
def inspector(qtbot, model):
    view = Inspector(model)
    qtbot.addWidget(view)
    view.resize(420, 700)
    view.show()
    return view


SETTINGS = [(key, False, lo, hi) for key, (lo, hi) in TRAINING_RANGES.items()] + \
           [(key, True, lo, hi) for key, (lo, hi) in TRAINING_INT_RANGES.items()]


@pytest.mark.parametrize(("key", "integer", "low", "high"), SETTINGS,
                         ids=[s[0] for s in SETTINGS])
def test_inspector_training_fields_take_exactly_the_loaders_range(qtbot, inspector, model,
                                                                  tmp_path, key, integer,
                                                                  low, high):
    # An optimizer that uses the setting, so that its field is enabled.
    optimizer = "momentum" if key == "momentum" else "adam"
    model.set_document(edits.set_training(model.document, optimizer=optimizer))
    page = inspector.page
    assert isinstance(page, DocumentPage)
    field = page.fields[key]
    assert field.isEnabled()
    refusals: list[str] = []
    model.editRefused.connect(refusals.append)
    for bound, upward in ((low, False), (high, True)):
        before = model.document
        beyond = past(bound, upward)
        if integer:
            beyond = bound + (1 if upward else -1)
        type_into(qtbot, field.edit, _text(beyond, integer))
        # Refused by the field, with the loader's range, before the model sees it.
        assert field.refused and field.error, (key, beyond)
        assert format_bound(bound) in field.error
        assert model.document is before
        field.revert()
        type_into(qtbot, field.edit, _text(bound, integer))
        assert not field.refused, field.error
        assert getattr(model.config, key) == bound
        assert getattr(reopened(model, tmp_path).training, key) == bound
    assert refusals == []  # nothing the fields passed on was refused by the engine


def test_inspector_parameter_and_data_fields_take_the_largest_value(qtbot, inspector, model,
                                                                    tmp_path):
    refusals: list[str] = []
    model.editRefused.connect(refusals.append)
    big = limits.MAX_ABS_VALUE
    model.select("w5")
    page = inspector.page
    assert isinstance(page, ParameterPage)
    type_into(qtbot, page.value.edit, "1.0000001e12")
    assert "1e+12" in page.value.error
    type_into(qtbot, page.value.edit, "-1e12")
    assert model.params[model.document.network.index_of["w5"]] == -big

    for selection, which in ((InputSel(1), "inputs"), (TargetSel(0), "targets")):
        model.select(selection)
        page = inspector.page
        assert isinstance(page, NeuronPage) and page.data_field is not None
        field = page.data_field
        before = model.document
        type_into(qtbot, field.edit, "1e13")
        assert field.refused and "1e+12" in field.error
        assert model.document is before
        field.revert()
        type_into(qtbot, field.edit, "1e12")
        arr = model.document.data.inputs if which == "inputs" else model.document.data.targets
        assert arr[0, selection.index] == big
    assert refusals == []
    again = reopened(model, tmp_path)
    assert again.data.inputs[0, 1] == big


def test_inspector_name_and_seed_have_the_engines_bounds(qtbot, inspector, model, tmp_path):
    page = inspector.page
    assert isinstance(page, DocumentPage)
    assert page.name.edit.maxLength() == limits.MAX_NAME_LENGTH
    assert (page.init_seed.minimum(), page.init_seed.maximum()) == (limits.MIN_SEED,
                                                                    limits.MAX_SEED)
    name = "n" * limits.MAX_NAME_LENGTH
    type_into(qtbot, page.name.edit, name + "xyz")  # the field stops at the longest name
    assert model.document.name == name
    page.init_seed.setValue(limits.MAX_SEED)
    qtbot.mouseClick(page.reinit_button, Qt.MouseButton.LeftButton)
    again = reopened(model, tmp_path)
    assert again.name == name
    assert np.array_equal(again.network.params,
                          edits.reinitialize(doc_io.load(example_path("reference.json")),
                                             "xavier", limits.MAX_SEED).network.params)


# --- the canvas's inline editors --------------------------------------------------------------

def test_canvas_inline_editor_takes_the_largest_value_and_refuses_more(qtbot, model, tmp_path):
    canvas = NetworkCanvas(model)
    qtbot.addWidget(canvas)
    canvas.resize(900, 600)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.zoom_to_fit()
    refusals: list[str] = []
    model.editRefused.connect(refusals.append)
    w5 = model.document.network.index_of["w5"]
    cases = (("w5", lambda: canvas.param_label("w5"), lambda: model.params[w5]),
             ("x1", lambda: canvas.input_label(0), lambda: model.document.data.inputs[0, 0]),
             ("T2", lambda: canvas.target_label(1), lambda: model.document.data.targets[0, 1]))
    for element, label, read in cases:
        canvas.flush()
        editor = canvas.edit_label(label())  # what a double-click does
        assert editor is not None, element
        before = model.document
        editor.line_edit.clear()
        qtbot.keyClicks(editor.line_edit, "1e13")
        qtbot.keyClick(editor.line_edit, Qt.Key.Key_Return)
        assert editor.is_open and "1e+12" in editor.error, element
        assert model.document is before
        editor.line_edit.clear()
        qtbot.keyClicks(editor.line_edit, "-1e12")
        qtbot.keyClick(editor.line_edit, Qt.Key.Key_Return)
        assert not editor.is_open, element
        assert read() == -limits.MAX_ABS_VALUE
    assert refusals == []
    reopened(model, tmp_path)


# --- the data panel ---------------------------------------------------------------------------

@pytest.fixture
def panel(qtbot, model):
    view = DataPanel(model)
    qtbot.addWidget(view)
    view.resize(420, 700)
    view.show()
    return view


def test_data_panel_generator_controls_have_the_sources_bounds(qtbot, panel, model, tmp_path):
    bounds = {"n": (1, limits.MAX_SAMPLES), "noise": (0.0, limits.MAX_NOISE),
              "seed": (limits.MIN_SEED, limits.MAX_SEED),
              "test_fraction": (0.0, limits.MAX_TEST_FRACTION)}
    for key, (low, high) in bounds.items():
        control = panel.controls[key]
        assert (control.minimum(), control.maximum()) == (low, high), key
        for bound in (low, high):  # the document's check takes both ends
            doc_io.SOURCE_FIELDS[key](bound, key)
    # A 2-2-1 network, and the circle data set with every setting at its bound but n.
    model.set_document(edits.new_document((2, 2, 1)))
    panel.kind.setCurrentIndex(panel.kind.findData("circle"))
    panel.n.setValue(40)
    panel.noise.setValue(limits.MAX_NOISE)
    panel.seed.setValue(limits.MAX_SEED)
    panel.test_fraction.setValue(limits.MAX_TEST_FRACTION)
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    source = model.document.data_source
    assert source["seed"] == limits.MAX_SEED and source["noise"] == limits.MAX_NOISE
    again = reopened(model, tmp_path)
    # Reopened, the panel shows the same settings (a seed past a spin box's range used to
    # overflow here).
    model.set_document(again)
    assert panel.seed.value() == limits.MAX_SEED
    assert panel.noise.value() == limits.MAX_NOISE


def test_data_panel_table_takes_the_largest_value_and_refuses_more(panel, model, tmp_path):
    refusals: list[str] = []
    model.editRefused.connect(refusals.append)
    table = panel.train_model
    before = model.document
    assert not table.setData(table.index(0, 0), "1e13")
    assert model.document is before
    assert "1e+12" in panel.table_message.text()
    assert not table.setData(table.index(0, 3), "-1.5e12")
    assert table.setData(table.index(0, 0), "1e12")
    assert table.setData(table.index(0, 3), "-1e12")
    assert refusals == []
    again = reopened(model, tmp_path)
    assert again.data.inputs[0, 0] == limits.MAX_ABS_VALUE
    assert again.data.targets[0, 1] == -limits.MAX_ABS_VALUE


def test_csv_columns_dialog_seed_has_the_engines_bounds(qtbot):
    dialog = CsvColumnsDialog("f.csv", ["a", "b", "c"], 2, 1)
    qtbot.addWidget(dialog)
    assert (dialog.seed.minimum(), dialog.seed.maximum()) == (limits.MIN_SEED, limits.MAX_SEED)
    assert dialog.test_fraction.maximum() == limits.MAX_TEST_FRACTION


# --- dialogs and other spin boxes -------------------------------------------------------------

def test_new_and_reinitialise_dialogs_take_every_seed_a_document_holds(qtbot, model, tmp_path):
    new = NewDocumentDialog()
    qtbot.addWidget(new)
    assert (new.seed_spin.minimum(), new.seed_spin.maximum()) == (limits.MIN_SEED,
                                                                  limits.MAX_SEED)
    new.seed_spin.setValue(limits.MAX_SEED)
    model.set_document(new.build())
    reopened(model, tmp_path)

    model.set_document(edits.set_training(model.document, seed=limits.MAX_SEED))
    dialog = ReinitializeDialog(model.config.seed)
    qtbot.addWidget(dialog)
    assert dialog.seed_spin.value() == limits.MAX_SEED
    assert (dialog.seed_spin.minimum(), dialog.seed_spin.maximum()) == (limits.MIN_SEED,
                                                                        limits.MAX_SEED)
    assert model.edit("Re-initialise parameters", dialog.build_fn())
    reopened(model, tmp_path)
    # A seed past every spin box's range (2^31 overflowed setValue and the dialog did not
    # open) is shown as the nearest one it holds.
    dialog = ReinitializeDialog(2**31)
    qtbot.addWidget(dialog)
    assert dialog.seed_spin.value() == limits.MAX_SEED


def test_digits_spin_box_and_surface_seed_have_the_engines_bounds(qtbot, model):
    panel = DerivationPanel(model)
    qtbot.addWidget(panel)
    assert (panel.digits_spin.minimum(), panel.digits_spin.maximum()) == (limits.MIN_DIGITS,
                                                                          limits.MAX_DIGITS)
    assert SEED_MAX == limits.MAX_SEED


def test_a_dataset_at_every_data_limit_fits_the_widgets(qtbot, model):
    """The largest numbers a data set may hold are shown by the table and the inspector
    without refusal (what the widgets show, they take back unchanged)."""
    big = limits.MAX_ABS_VALUE
    data = Dataset(np.array([[big, -big]]), np.array([[big, -big]]))
    model.set_document(edits.set_data(model.document, data, {}))
    panel = DataPanel(model)
    qtbot.addWidget(panel)
    table = panel.train_model
    for column in range(4):
        edit_text = table.data(table.index(0, column), Qt.ItemDataRole.EditRole)
        assert table.setData(table.index(0, column), edit_text)
    assert not panel.table_message.isVisible()
    assert model.undo_stack.count() == 0  # the same values: nothing changed
