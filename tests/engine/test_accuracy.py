"""Accuracy on hand-made cases: when it applies, argmax for one-hot targets, >= 0.5 for one
0/1 output, and the trainer's train and test accuracy."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.engine import document, edits
from simulator.engine.datasets import classification
from simulator.engine.metrics import accuracy, accuracy_applies, correct, predicted_class
from simulator.engine.training import Trainer

from . import _reference as ref


def test_one_output_counts_at_or_above_one_half_as_class_1() -> None:
    outputs = np.array([[0.7], [0.5], [0.49999], [0.2], [0.0]])
    targets = np.array([[1.0], [1.0], [0.0], [1.0], [0.0]])
    assert correct(outputs, targets).tolist() == [True, True, True, False, True]
    assert accuracy(outputs, targets) == 0.8


def test_one_hot_targets_use_the_largest_output() -> None:
    outputs = np.array([[0.1, 0.7, 0.2], [0.5, 0.4, 0.1], [0.3, 0.3, 0.4], [0.4, 0.4, 0.2]])
    targets = np.array([[0, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]], dtype=float)
    # (the last row ties: the first of equal outputs wins, here class 0: right)
    assert correct(outputs, targets).tolist() == [True, False, True, True]
    assert accuracy(outputs, targets) == 0.75
    assert predicted_class(outputs).tolist() == [1, 0, 2, 0]
    assert predicted_class(np.array([[0.5], [0.1]])).tolist() == [1, 0]


@pytest.mark.parametrize("targets", [
    [[0.05, 0.82]],            # the reference lesson: regression
    [[1.0, 1.0], [0.0, 1.0]],  # several 0/1 columns that are not one-hot
    [[0.5], [1.0]],            # not 0/1
    [[2.0], [0.0]],
    [[0.0, 0.0]],              # no class at all
])
def test_no_accuracy_for_data_that_is_not_classification(targets: list[list[float]]) -> None:
    t = np.array(targets)
    assert not accuracy_applies(t)
    assert accuracy(np.zeros_like(t), t) is None


def test_a_nan_output_is_never_right() -> None:
    assert accuracy(np.array([[np.nan], [0.9]]), np.array([[0.0], [1.0]])) == 0.5
    assert accuracy(np.array([[np.nan, 0.1], [0.2, 0.8]]),
                    np.array([[1.0, 0.0], [0.0, 1.0]])) == 0.5


def test_shapes_must_match() -> None:
    with pytest.raises(ValueError, match="shape"):
        accuracy(np.zeros((2, 2)), np.array([[1.0], [0.0]]))


def test_the_trainer_gives_train_and_test_accuracy() -> None:
    data = classification("gaussian", n=100, noise=0.0, seed=3, test_fraction=0.2)
    doc = edits.fit_to_data(edits.new_document((2, 3, 1)), data)
    trainer = Trainer.for_document(doc)
    params = trainer.run(trainer.initial_state(), 300).state.params
    out = trainer.outputs(params)
    assert trainer.accuracy(params) == accuracy(out, data.targets)
    test_out = trainer.outputs(params, test=True)
    assert test_out is not None and test_out.shape == (20, 1)
    assert trainer.test_accuracy(params) == accuracy(test_out, data.test_targets)
    assert trainer.accuracy(params) == 1.0  # two well separated blobs
    reference = document.load(ref.REFERENCE_JSON)
    r = Trainer.for_document(reference)
    assert r.accuracy(r.network.params) is None and r.test_accuracy(r.network.params) is None
