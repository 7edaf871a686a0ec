"""The sample edits the data panel uses: add_sample and remove_samples."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.engine import edits
from simulator.engine.datasets import Dataset, classification
from simulator.engine.document import DocumentError


def _doc():
    return edits.new_document((2, 2, 1))  # XOR data: 4 samples


def test_add_sample_copies_the_last_sample_by_default():
    doc = _doc()
    new = edits.add_sample(doc)
    assert new.data.n_samples == 5
    np.testing.assert_array_equal(new.data.inputs[-1], doc.data.inputs[-1])
    np.testing.assert_array_equal(new.data.targets[-1], doc.data.targets[-1])
    np.testing.assert_array_equal(new.data.inputs[:4], doc.data.inputs)
    assert new.data.input_names == doc.data.input_names
    assert doc.data.n_samples == 4  # the original is untouched


def test_add_sample_with_values():
    new = edits.add_sample(_doc(), [0.5, -0.25], [1.0])
    np.testing.assert_array_equal(new.data.inputs[-1], [0.5, -0.25])
    np.testing.assert_array_equal(new.data.targets[-1], [1.0])


@pytest.mark.parametrize("inputs, targets, message", [
    ([1.0], None, "needs 2 input values, got 1"),
    (None, [1.0, 2.0], "needs 1 target values, got 2"),
    ([float("nan"), 0.0], None, "finite"),
    (["a", 0.0], None, "must be a number"),
])
def test_add_sample_refuses_bad_values(inputs, targets, message):
    with pytest.raises(DocumentError, match=message):
        edits.add_sample(_doc(), inputs, targets)


def test_add_sample_keeps_the_test_split():
    data = classification("circle", n=20, test_fraction=0.25, one_hot=False)
    doc = edits.set_data(_doc(), data)
    new = edits.add_sample(doc)
    assert new.data.n_samples == data.n_samples + 1
    np.testing.assert_array_equal(new.data.test_inputs, data.test_inputs)


def test_remove_samples():
    doc = _doc()
    new = edits.remove_samples(doc, [3, 0, 0])
    np.testing.assert_array_equal(new.data.inputs, doc.data.inputs[1:3])
    np.testing.assert_array_equal(new.data.targets, doc.data.targets[1:3])


@pytest.mark.parametrize("rows, message", [
    ([], "no samples"),
    ([4], "there is no sample 5"),
    ([-1], "there is no sample 0"),
    ([0, 1, 2, 3], "at least one training sample"),
])
def test_remove_samples_refuses(rows, message):
    with pytest.raises(DocumentError, match=message):
        edits.remove_samples(_doc(), rows)


def test_add_sample_keeps_cross_entropy_targets_valid():
    doc = edits.new_document((2, 2, 2))
    doc = edits.set_layer(doc, 2, activation="softmax")
    doc = edits.set_data(doc, Dataset(np.zeros((1, 2)), np.array([[0.0, 1.0]])))
    doc = edits.set_loss(doc, "cross_entropy")
    new = edits.add_sample(doc)
    np.testing.assert_array_equal(new.data.targets, [[0.0, 1.0], [0.0, 1.0]])


def test_resize_layer_fits_the_network_to_new_data():
    doc = edits.new_document((2, 3, 1))
    wider = edits.resize_layer(edits.resize_layer(doc, 0, 3), 2, 2)
    assert wider.network.sizes == [3, 3, 2]
    assert wider.data.inputs.shape == (4, 3) and wider.data.targets.shape == (4, 2)
    # the kept weights keep their values
    np.testing.assert_array_equal(wider.network.weights[0][:, :2], doc.network.weights[0])
    narrower = edits.resize_layer(wider, 0, 1)
    assert narrower.network.sizes == [1, 3, 2]
    np.testing.assert_array_equal(narrower.network.weights[0][:, 0], doc.network.weights[0][:, 0])
    assert edits.resize_layer(doc, 1, 3) is doc  # nothing to do


@pytest.mark.parametrize("layer, size, message", [(3, 1, "no layer 3"), (1, 0, "1 to 64")])
def test_resize_layer_refuses(layer, size, message):
    with pytest.raises(ValueError, match=message):
        edits.resize_layer(_doc(), layer, size)
