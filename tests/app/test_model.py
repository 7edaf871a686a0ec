"""The Qt-side model: the one edit path, the typed selection and the sample the views show."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.app.model import LabModel
from simulator.app.selection import (
    InputSel,
    NeuronSel,
    ParameterSel,
    TargetSel,
    carry_over,
    parse_selection,
)
from simulator.engine import document as doc_io
from simulator.engine import edits
from simulator.engine.datasets import Dataset
from simulator.resources import example_path


@pytest.fixture
def model(qtbot):
    return LabModel(document=doc_io.load(example_path("reference.json")))


class Recorder:
    """Counts every signal of a model."""

    NAMES = ("structureChanged", "valuesChanged", "stepChanged", "historyChanged",
             "trainingConfigChanged", "selectionChanged", "fileChanged", "editRefused")

    def __init__(self, model: LabModel) -> None:
        self.calls: list[tuple[str, tuple[object, ...]]] = []
        for name in self.NAMES:
            getattr(model, name).connect(lambda *args, n=name: self.calls.append((n, args)))

    def names(self) -> list[str]:
        return [n for n, _ in self.calls]


def w(model: LabModel, name: str) -> float:
    return float(model.params[model.document.network.index_of[name]])


# --- the one edit path ---------------------------------------------------------------------------

def test_an_edit_is_one_undo_step_and_undo_restores_training_too(model):
    model.run_iterations(3)
    trained = model.params.copy()
    assert model.edit("Learning rate 0.5", lambda d: edits.set_training(d, learning_rate=0.5))
    assert model.config.learning_rate == 0.5
    assert model.stepper.completed_iterations == 0  # a fresh start on the edited document
    np.testing.assert_array_equal(model.params, trained)  # from the trained parameters
    assert model.undo_stack.count() == 1
    assert model.undo_stack.undoText() == "Learning rate 0.5"
    model.undo_stack.undo()
    assert model.config.learning_rate == 0.01
    assert model.stepper.completed_iterations == 3
    np.testing.assert_array_equal(model.params, trained)


def test_a_refused_edit_changes_nothing_and_is_reported_once(model):
    before, stepper = model.document, model.stepper
    signals = Recorder(model)
    assert not model.edit("Set w5 to nan", lambda d: edits.set_parameter(d, "w5", float("nan")))
    assert model.document is before and model.stepper is stepper
    assert model.undo_stack.count() == 0
    assert signals.calls == [("editRefused", ("Set w5 to nan: w5 must be a finite number",))]


def test_an_edit_without_a_reason_still_says_what_was_refused(model):
    def refuse(_doc):
        raise ValueError()

    signals = Recorder(model)
    assert not model.edit("Remove H1", refuse)
    assert signals.calls == [("editRefused", ("Remove H1: that change is not possible",))]


def test_only_value_errors_are_refusals(model):
    def bug(_doc):
        raise KeyError("a bug, not a refusal")

    with pytest.raises(KeyError):
        model.edit("Broken", bug)
    assert model.undo_stack.count() == 0


def test_edits_with_one_merge_key_are_one_step_named_after_the_last(model):
    for value in (0.2, 0.3, 0.4):
        assert model.set_parameter("w5", value, merge_key=("scrub", "w5", 1))
    assert model.undo_stack.count() == 1
    assert model.undo_stack.undoText() == "Set w5 to 0.4"
    model.undo_stack.undo()
    assert w(model, "w5") == 0.18
    assert model.set_parameter("w5", 0.5, merge_key=("scrub", "w5", 2))  # a new drag
    assert model.set_parameter("w6", 0.5, merge_key=("scrub", "w6", 2))
    assert model.undo_stack.count() == 2


def test_shared_edits_are_worded_the_same_from_every_view(model):
    model.set_digits(3)
    assert model.set_parameter("w1", 0.123456)
    assert model.undo_stack.undoText() == "Set w1 to 0.123"
    assert model.set_sample_value("targets", 0, 1, 0.5)
    assert model.undo_stack.undoText() == "Set T2 of sample 1 to 0.5"
    assert model.document.data.targets[0, 1] == 0.5
    assert model.set_sample_value("inputs", 0, 0, 2.0)
    assert model.undo_stack.undoText() == "Set x1 of sample 1 to 2"


# --- the typed selection -------------------------------------------------------------------------

def test_names_are_read_in_one_place(model):
    net = model.document.network
    assert parse_selection(net, "w5") == ParameterSel("w5")
    assert parse_selection(net, "b1") == ParameterSel("b1")
    assert parse_selection(net, "X2") == NeuronSel(0, 1)
    assert parse_selection(net, "Y1") == NeuronSel(2, 0)
    assert parse_selection(net, "input:1") == InputSel(1)
    assert parse_selection(net, "target:0") == TargetSel(0)
    for unknown in ("", "w99", "H9", "input:2", "target:x", "input:-1", "banana"):
        assert parse_selection(net, unknown) is None, unknown
    assert [s.label(net) for s in (ParameterSel("w5"), NeuronSel(1, 1), InputSel(0),
                                   TargetSel(1))] == ["w5", "H2", "input:0", "target:1"]
    assert NeuronSel(1, 1).neuron(net) == (1, 1)
    assert InputSel(1).neuron(net) == (0, 1) and TargetSel(1).neuron(net) == (2, 1)
    assert ParameterSel("w5").neuron(net) is None


def test_select_takes_typed_values_or_names_and_signals_each_change_once(model):
    seen: list[object] = []
    model.selectionChanged.connect(seen.append)
    model.select("w5")
    model.select(ParameterSel("w5"))  # the same: no signal
    model.select(NeuronSel(1, 0))
    model.select(NeuronSel(5, 0))  # not in this network: nothing selected
    model.select("H1")
    model.select(None)
    model.select("")
    assert seen == [ParameterSel("w5"), NeuronSel(1, 0), None, NeuronSel(1, 0), None]
    assert model.selection is None


def test_structural_edits_carry_the_selection_by_name(model):
    model.select("Y1")
    model.edit("Add hidden layer", lambda d: edits.add_layer(d, 2))  # 2-2-2-2
    assert model.selection == NeuronSel(3, 0)  # still Y1, now one layer further
    model.undo_stack.undo()
    assert model.selection == NeuronSel(2, 0)
    model.select("H1")
    model.edit("Add hidden layer", lambda d: edits.add_layer(d, 2))  # H1 becomes H1_1
    assert model.selection is None
    model.undo_stack.undo()
    model.select("w8")
    model.edit("Remove Y2", lambda d: edits.remove_neuron(d, 2, 1))
    assert model.selection is None


def test_a_data_edit_keeps_an_input_or_target_selected(model):
    model.select(TargetSel(1))
    assert model.set_sample_value("targets", 0, 1, 0.5)
    assert model.selection == TargetSel(1)
    net = model.document.network
    assert carry_over(TargetSel(1), net, edits.remove_neuron(model.document, 2, 1).network) \
        is None


def test_a_new_document_clears_the_selection(model):
    model.select("w5")
    seen: list[object] = []
    model.selectionChanged.connect(seen.append)
    model.set_document(edits.new_document((2, 2, 1)))
    assert model.selection is None and seen == [None]


# --- the data row the views show -----------------------------------------------------------------

def test_the_shown_sample_and_row_follow_the_batch(model):
    data = Dataset(np.arange(10.0).reshape(5, 2), np.zeros((5, 1)))
    doc = edits.set_data(edits.new_document((2, 2, 1)), data)
    model.set_document(edits.set_training(doc, optimizer="sgd", batch_size=2, seed=4))
    model.set_sample(1)
    batch = [int(i) for i in model.iteration.step.batch]
    assert len(batch) == 2
    assert (model.shown_sample, model.shown_row) == (1, batch[1])
    model.finish_iteration()
    model.finish_iteration()
    model.step()  # the epoch's last batch holds one sample
    last = [int(i) for i in model.iteration.step.batch]
    assert len(last) == 1
    assert model.sample == 1  # the choice is kept for the next full batch...
    assert (model.shown_sample, model.shown_row) == (0, last[0])  # ...and shown inside this one
    explanation = model.explanation()
    assert explanation is not None  # the explanation reads the same sample (no IndexError)


def test_the_whole_data_gradient_is_the_surfaces_loss_and_its_finite_difference(qtbot):
    """What the cost surface's point and arrow read: the loss over every training sample
    (penalty included) and its gradient, against central differences of that loss, once
    per training position, and not the last mini-batch's."""
    from simulator.engine import datasets
    from simulator.engine.backprop import backward

    data = datasets.make("circle", n=40, test_fraction=0.25)
    doc = edits.fit_to_data(edits.new_document((2, 3, 1), "tanh"), data, {"kind": "circle"})
    doc = edits.set_training(doc, optimizer="sgd", batch_size=4, l2=0.01)
    model = LabModel(document=doc)
    model.run_iterations(5)
    bp = model.whole_data_gradient()
    assert model.whole_data_gradient() is bp  # computed once at this position

    net, d = model.network, model.document
    x, t = d.data.inputs, d.data.targets

    def loss_at(params: np.ndarray) -> float:
        return float(backward(net.with_params(params), x, t, d.loss,
                              penalty=d.training.penalty).loss)

    h = 1e-6
    fd = np.array([(loss_at(net.params + h * e) - loss_at(net.params - h * e)) / (2 * h)
                   for e in np.eye(net.params.size)])
    np.testing.assert_allclose(bp.grad, fd, rtol=1e-5, atol=1e-8)
    assert bp.loss == pytest.approx(loss_at(net.params), rel=1e-12)
    model.run_iterations(1)
    assert model.whole_data_gradient() is not bp
