"""Input features: the map, its names in the network and derivations, training with it,
the document (saved, reloaded identically, version handling) and the edits."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from simulator.engine import document, edits
from simulator.engine.backprop import backward, predict
from simulator.engine.datasets import Dataset, classification, regression_sine, xor
from simulator.engine.document import DocumentError
from simulator.engine.features import (
    FEATURE_NAMES,
    FeatureError,
    apply,
    check_features,
    network_inputs,
)
from simulator.engine.network import LayerSpec, Network, NetworkError
from simulator.engine.optimizers import TrainingConfig
from simulator.engine.training import Trainer

from . import _reference as ref

RAW = np.array([[0.5, -2.0], [3.0, 0.25], [-1.5, 1.0]])


def test_the_features_are_tensorflow_playgrounds_seven() -> None:
    assert FEATURE_NAMES == ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")


def test_each_feature_by_hand() -> None:
    out = apply(FEATURE_NAMES, RAW)
    for row, (a, b) in zip(out, RAW):
        assert row.tolist() == [a, b, a * a, b * b, a * b, math.sin(a), math.sin(b)]
    assert apply(("x1*x2", "x1"), RAW).tolist() == [[-1.0, 0.5], [0.75, 3.0], [-1.5, -1.5]]


def test_features_of_x1_alone_need_one_input_only() -> None:
    x = np.array([[0.5], [2.0]])
    assert apply(("x1", "x1^2", "sin(x1)"), x).tolist() == [
        [0.5, 0.25, math.sin(0.5)], [2.0, 4.0, math.sin(2.0)]]
    with pytest.raises(FeatureError, match="x2"):
        apply(("x1", "x2^2"), x)
    with pytest.raises(FeatureError, match="3 inputs"):
        apply(("x1",), np.zeros((2, 3)))


@pytest.mark.parametrize("bad, match", [
    (["x3"], "unknown feature 'x3'"), (["x1", "x1"], "twice"), ("x1", "not one text"),
    ([1], "unknown feature 1"), (["X1"], "unknown")])
def test_bad_features_are_refused(bad: object, match: str) -> None:
    with pytest.raises(FeatureError, match=match):
        check_features(bad)  # type: ignore[arg-type]


def _net(features: tuple[str, ...], hidden: int = 2) -> Network:
    layers = [LayerSpec(hidden, "tanh"), LayerSpec(1, "sigmoid")]
    count = Network.count_parameters(len(features), layers)
    return Network.create(len(features), layers, np.linspace(-1, 1, count), (), features)


def test_input_neurons_and_derivations_are_named_after_the_features() -> None:
    net = _net(("x1", "x1^2", "x1*x2"))
    assert net.neurons[0] == ["X1", "X1^2", "X1*X2"]
    assert net.input_symbols == ["x1", "x1^2", "x1*x2"]
    bp = backward(net, network_inputs(net, RAW), np.ones((3, 1)), "half_sse")
    d = bp.derivation(net.weight_name(0, 0, 2))
    link = d.terms[0].factors[-1]
    assert link.formula == "x1*x2"
    np.testing.assert_array_equal(link.values, RAW[:, 0] * RAW[:, 1])
    # Without features the inputs keep the lesson's names.
    plain = Network.create(2, [LayerSpec(1)], np.zeros(3))
    assert plain.neurons[0] == ["X1", "X2"] and plain.input_symbols == ["x1", "x2"]


def test_a_network_needs_one_feature_per_input_neuron() -> None:
    with pytest.raises(NetworkError, match="3 neurons but 2 features"):
        Network.create(3, [LayerSpec(1)], None, (), ("x1", "x2"))
    with pytest.raises(NetworkError, match="unknown feature"):
        Network.create(1, [LayerSpec(1)], None, (), ("cos(x1)",))


def test_the_trainer_applies_the_features_once() -> None:
    net = _net(("x1^2", "x2^2", "x1*x2"))
    T = np.array([[1.0], [0.0], [1.0]])
    trainer = Trainer(net, RAW, T, "half_sse", TrainingConfig(learning_rate=0.5),
                      RAW[:2], T[:2])
    mapped = apply(net.features, RAW)
    np.testing.assert_array_equal(trainer.inputs, mapped)
    np.testing.assert_array_equal(trainer.test_inputs, mapped[:2])
    step = trainer.step(trainer.initial_state())
    np.testing.assert_array_equal(step.backward.grad,
                                  backward(net, mapped, T, "half_sse").grad)
    assert trainer.test_loss(net.params) == pytest.approx(
        backward(net, mapped[:2], T[:2], "half_sse").loss, rel=1e-15)
    assert trainer.dataset_loss(net.params, RAW, T) == pytest.approx(step.loss, rel=1e-15)


def test_squares_let_a_network_without_hidden_layer_learn_the_circle() -> None:
    """TensorFlow Playground's lesson: the circle is not linearly separable in (x1, x2), but
    it is in (x1^2, x2^2), so one sigmoid neuron learns it; on x1, x2 it cannot."""
    data = classification("circle", n=200, noise=0.0, seed=0)
    scores = {}
    for features in (("x1", "x2"), ("x1^2", "x2^2")):
        net = Network.create(2, [LayerSpec(1, "sigmoid")], np.zeros(3), (), features)
        trainer = Trainer(net, data.inputs, data.targets, "binary_cross_entropy",
                          TrainingConfig(optimizer="adam", learning_rate=0.1))
        params = trainer.run(trainer.initial_state(), 1500).state.params
        scores[features] = trainer.accuracy(params)
    assert scores[("x1^2", "x2^2")] == 1.0
    assert scores[("x1", "x2")] < 0.75


def _featured_doc() -> document.Document:
    doc = edits.new_document((2, 3, 1), seed=4)
    doc = edits.set_features(doc, ["x1", "x2", "x1*x2", "sin(x2)"])
    return edits.set_training(doc, l1=0.001, l2=0.003)


def test_features_round_trip_through_save_and_load(tmp_path: Path) -> None:
    doc = _featured_doc()
    path = tmp_path / "features.json"
    document.save(doc, path)
    raw = json.loads(path.read_text())
    assert raw["version"] == 2
    assert raw["features"] == ["x1", "x2", "x1*x2", "sin(x2)"]
    assert raw["training"]["l1"] == 0.001 and raw["training"]["l2"] == 0.003
    assert raw["data"]["inputs"] == xor().inputs.tolist()  # the data keeps its two inputs
    again = document.load(path)
    assert again.network.features == doc.network.features
    assert again.network.neurons == doc.network.neurons
    np.testing.assert_array_equal(again.network.params, doc.network.params)
    assert again.training == doc.training
    assert again.to_json() == doc.to_json()
    # ... and it trains identically.
    runs = [Trainer.for_document(d).run(Trainer.for_document(d).initial_state(), 20).losses
            for d in (doc, again)]
    assert runs[0] == runs[1]


def test_a_document_without_the_new_fields_stays_version_1(tmp_path: Path) -> None:
    doc = document.load(ref.REFERENCE_JSON)
    raw = json.loads(doc.to_json())
    assert raw["version"] == 1
    assert "features" not in raw and "l1" not in raw["training"]


def test_version_1_documents_may_not_use_the_version_2_fields() -> None:
    raw = json.loads(_featured_doc().to_json())
    raw["version"] = 1
    with pytest.raises(DocumentError, match=r'^features: needs version 2 .*"version": 2'):
        document.from_dict(raw)
    del raw["features"]
    raw["layers"][0]["size"] = 2
    raw["weights"][0] = [row[:2] for row in raw["weights"][0]]
    with pytest.raises(DocumentError, match=r"^training\.l1: needs version 2"):
        document.from_dict(raw)


@pytest.mark.parametrize("change, match", [
    (lambda r: r.update(features=["x1", "x2"]), "features: the input layer has 4 neurons"),
    (lambda r: r.update(features=["x1", "x2", "x1*x2", "tan(x1)"]), "features: unknown"),
    (lambda r: r.update(features="x1"), "features: must be a list"),
    (lambda r: r["data"].update(inputs=[[0.0, 1.0, 2.0]], targets=[[1.0]]),
     r"data.inputs\[0\]: expected 2 values"),
    (lambda r: (r["data"].update(inputs=[[0.0]], targets=[[1.0]]),
                r["data"].pop("input_names", None)),
     "data.inputs: the features use x2, but the data has only 1 input"),
])
def test_bad_features_in_a_document_get_one_clear_message(change: object,
                                                          match: str) -> None:
    raw = json.loads(_featured_doc().to_json())
    change(raw)  # type: ignore[operator]
    with pytest.raises(DocumentError, match=match):
        document.from_dict(raw)


@pytest.mark.parametrize("value", [-0.5, 11.0, "0.1", None])
def test_a_bad_penalty_in_a_document_gets_one_clear_message(value: object) -> None:
    raw = json.loads(_featured_doc().to_json())
    raw["training"]["l2"] = value
    with pytest.raises(DocumentError, match=r"^training\.l2"):
        document.from_dict(raw)


def test_a_whole_number_penalty_saves_as_it_reloads() -> None:
    doc = edits.set_training(document.load(ref.REFERENCE_JSON), l2=1)
    again = document.loads(doc.to_json())
    assert again.to_json() == doc.to_json() and again.training.l2 == 1.0


def test_one_input_data_can_feed_features_of_x1() -> None:
    doc = edits.new_document((1, 4, 1), activation="tanh")
    doc = edits.set_data(doc, regression_sine(n=20), {"kind": "sine"})
    doc = edits.set_features(doc, ["x1", "x1^2", "sin(x1)"])
    assert doc.network.input_size == 3 and doc.data.n_inputs == 1
    again = document.loads(doc.to_json())
    assert again.to_json() == doc.to_json()
    with pytest.raises(NetworkError, match="x2"):
        edits.set_features(doc, ["x1", "x2"])


def test_set_features_keeps_the_weights_of_the_inputs_it_keeps() -> None:
    doc = edits.new_document((2, 3, 1), seed=2)
    old = doc.network
    new = edits.set_features(doc, ["x2", "x1^2", "x1"]).network
    assert new.input_size == 3 and new.features == ("x2", "x1^2", "x1")
    np.testing.assert_array_equal(new.weights[0][:, 0], old.weights[0][:, 1])
    np.testing.assert_array_equal(new.weights[0][:, 2], old.weights[0][:, 0])
    assert not np.isin(new.weights[0][:, 1], old.weights[0]).any()  # x1^2: new weights
    np.testing.assert_array_equal(new.weights[1], old.weights[1])
    np.testing.assert_array_equal(new.biases[0], old.biases[0])
    # Back to no features: x1 and x2 again, with the weights they had.
    back = edits.set_features(edits.set_features(doc, ["x2", "x1^2", "x1"]), [])
    assert back.network.features == () and back.network.input_size == 2
    np.testing.assert_array_equal(back.network.weights[0], old.weights[0])


def test_removing_an_input_neuron_drops_its_feature_and_adding_one_is_refused() -> None:
    doc = _featured_doc()
    fewer = edits.remove_neuron(doc, 0, 2)
    assert fewer.network.features == ("x1", "x2", "sin(x2)")
    assert fewer.data.n_inputs == 2
    np.testing.assert_array_equal(fewer.network.weights[0],
                                  np.delete(doc.network.weights[0], 2, axis=1))
    with pytest.raises(NetworkError, match="feature"):
        edits.add_neuron(doc, 0)
    # A hidden-layer edit keeps the features.
    assert edits.add_neuron(doc, 1).network.features == doc.network.features


def test_features_survive_predict_through_network_inputs() -> None:
    net = _net(("sin(x1)", "x2^2"))
    np.testing.assert_array_equal(predict(net, network_inputs(net, RAW)),
                                  predict(net, np.column_stack([np.sin(RAW[:, 0]),
                                                                RAW[:, 1] ** 2])))
    plain = Dataset(RAW, np.zeros((3, 1)))
    assert network_inputs(Network.create(2, [LayerSpec(1)]), plain.inputs) is not None
