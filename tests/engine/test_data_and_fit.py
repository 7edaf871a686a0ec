"""Data for issue 12: the noise of the generated sets and making them again, a spiral that
looks like one at its default noise, the default new network solving XOR, and fitting a
network to new data with fresh parameters."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

from simulator.engine import datasets, document, edits
from simulator.engine.datasets import DatasetError
from simulator.engine.document import DocumentError
from simulator.engine.training import Trainer

from . import _reference as ref


def _spiral_shape(data: datasets.Dataset) -> tuple[float, float]:
    """How much the points look like two spirals: the share of points whose nearest
    neighbour is of their own class, and how tightly each point's angle follows its arm
    (the mean resultant length of angle - 2 pi turns r / R - pi * class: 1 on the arms,
    near 0 for a cloud)."""
    x, y = data.inputs, data.targets[:, 0]
    d = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    same = float((y[d.argmin(axis=1)] == y).mean())
    r = np.hypot(x[:, 0], x[:, 1])
    residual = (np.arctan2(x[:, 1], x[:, 0])
                - 2 * np.pi * datasets.SPIRAL_TURNS * r / datasets.SPIRAL_MAX_RADIUS - np.pi * y)
    return same, float(abs(np.exp(1j * residual).mean()))


@pytest.mark.parametrize("seed", range(5))
def test_the_spiral_looks_like_a_spiral_at_its_default_noise(seed: int) -> None:
    same, along = _spiral_shape(datasets.make("spiral", seed=seed))
    assert same >= 0.97 and along >= 0.85
    # At the other kinds' noise, 0.1, it does not: the measure can tell.
    same, along = _spiral_shape(datasets.make("spiral", seed=seed, noise=0.1))
    assert same < 0.85 and along < 0.6


def test_each_kind_has_its_default_noise_in_the_generators_signature() -> None:
    for kind, generator in datasets.GENERATORS.items():
        parameters = inspect.signature(generator).parameters
        if "noise" in parameters:  # (not the fixed sets: reference and the 4-point xor)
            assert parameters["noise"].default == datasets.DEFAULT_NOISE[kind], kind
    assert datasets.DEFAULT_NOISE["spiral"] == 0.03
    assert datasets.classification("spiral").inputs.tolist() == \
        datasets.classification("spiral", noise=0.03).inputs.tolist()


@pytest.mark.parametrize("noise", [0.0, 0.1, 0.3])
def test_noise_is_the_spread_of_the_jitter_added_to_each_input(noise: float) -> None:
    """Each Gaussian blob's own spread (0.18) and the jitter add up as variances."""
    data = datasets.make("gaussian", n=8000, noise=noise, seed=7)
    for label in (0.0, 1.0):
        points = data.inputs[data.targets[:, 0] == label]
        np.testing.assert_allclose(points.std(axis=0), math.hypot(datasets.GAUSSIAN_STD, noise),
                                   rtol=0.05)


def test_regenerating_makes_the_same_data_or_changes_what_is_asked() -> None:
    source = {"kind": "moons", "n": 50, "noise": 0.1, "seed": 3, "test_fraction": 0.2,
              "one_hot": False}
    data = datasets.make("moons", n=50, noise=0.1, seed=3, test_fraction=0.2)
    same, same_source = datasets.regenerate(source)
    np.testing.assert_array_equal(same.inputs, data.inputs)
    np.testing.assert_array_equal(same.test_inputs, data.test_inputs)
    assert same_source == source
    noisier, noisier_source = datasets.regenerate(source, noise=0.3)
    assert noisier_source["noise"] == 0.3 and noisier_source["seed"] == 3
    np.testing.assert_array_equal(noisier.targets, data.targets)
    assert not np.array_equal(noisier.inputs, data.inputs)
    other, _ = datasets.regenerate(source, seed=4)
    assert not np.array_equal(other.inputs, data.inputs)
    with pytest.raises(DatasetError, match="not made by a generator"):
        datasets.regenerate({"kind": "csv", "path": "x.csv"})
    with pytest.raises(DatasetError, match="noise"):
        datasets.regenerate(source, noise=-1.0)


def test_the_regenerate_edit_keeps_the_network_and_records_the_new_source() -> None:
    data = datasets.make("circle", n=40, seed=1)
    doc = edits.fit_to_data(edits.new_document(), data,
                            {"kind": "circle", "n": 40, "noise": 0.1, "seed": 1})
    again = edits.regenerate_data(doc, noise=0.25)
    assert again.data_source == {"kind": "circle", "n": 40, "noise": 0.25, "seed": 1}
    np.testing.assert_array_equal(again.network.params, doc.network.params)
    assert not np.array_equal(again.data.inputs, doc.data.inputs)
    with pytest.raises(DocumentError, match="not made by a generator"):
        edits.regenerate_data(document.load(ref.REFERENCE_JSON))


def test_the_default_new_network_solves_xor_with_the_default_settings() -> None:
    doc = edits.new_document()
    assert doc.network.sizes == [2, 3, 1] and doc.training.learning_rate == 2.0
    assert [s.activation for s in doc.network.layers] == ["sigmoid", "sigmoid"]
    trainer = Trainer.for_document(doc)
    state = trainer.initial_state()
    done = 0
    while trainer.accuracy(state.params) != 1.0 and done < 3000:
        state = trainer.run(state, 100).state
        done += 100
    assert trainer.accuracy(state.params) == 1.0 and done <= 1000
    # ... and it stays solved.
    assert trainer.accuracy(trainer.run(state, 2000).state.params) == 1.0


@pytest.mark.parametrize("seed", range(0, 40, 3))
def test_the_default_new_network_solves_xor_for_other_seeds_too(seed: int) -> None:
    trainer = Trainer.for_document(edits.new_document(seed=seed))
    params = trainer.run(trainer.initial_state(), 3000).state.params
    assert trainer.accuracy(params) == 1.0


def test_fitting_the_reference_network_to_xor_starts_afresh() -> None:
    """The lesson's shared biases and weights are not kept: a bias per neuron (0) and
    Xavier weights for the new shape."""
    doc = document.load(ref.REFERENCE_JSON)
    doc = edits.set_frozen(doc, "w1", True)
    fitted = edits.fit_to_data(doc, datasets.xor(), {"kind": "xor"})
    net = fitted.network
    assert net.sizes == [2, 2, 1]
    assert [s.bias for s in net.layers] == ["neuron", "neuron"]
    assert [s.activation for s in net.layers] == ["sigmoid", "sigmoid"]
    assert net.frozen == frozenset()
    assert not any(b.any() for b in net.biases)
    for k, w in enumerate(net.weights):
        bound = math.sqrt(6.0 / (net.sizes[k] + net.sizes[k + 1]))
        assert np.all(np.abs(w) <= bound) and np.unique(w).size == w.size
    assert fitted.data_source == {"kind": "xor"} and fitted.loss == "half_sse"
    # The seed decides: the same seed gives the same network, another a different one.
    np.testing.assert_array_equal(
        edits.fit_to_data(doc, datasets.xor()).network.params, net.params)
    assert not np.array_equal(
        edits.fit_to_data(doc, datasets.xor(), seed=5).network.params, net.params)


def test_fitting_uses_he_weights_for_relu_layers_and_fixes_the_loss() -> None:
    doc = edits.fit_to_data(edits.new_document((2, 8, 2), activation="relu"),
                            datasets.make("circle", n=50, seed=2, one_hot=True))
    doc = edits.set_loss(edits.set_layer(doc, 2, activation="softmax"), "cross_entropy")
    data = datasets.make("circle", n=50, seed=2)  # one 0/1 target
    fitted = edits.fit_to_data(doc, data)
    net = fitted.network
    assert net.sizes == [2, 8, 1]
    assert net.layers[-1].activation == "sigmoid"  # softmax over one output is constant
    assert fitted.loss == "half_sse"               # cross-entropy needs softmax
    he = edits.initialize_layers(net, doc.training.seed)
    np.testing.assert_array_equal(net.params, he)
    w = net.weights[0]
    assert np.abs(w).max() > math.sqrt(6.0 / 10)  # beyond Xavier's bound: He's normal


def test_fitting_keeps_features_the_new_data_can_feed() -> None:
    doc = edits.set_features(edits.new_document(), ["x1", "x1*x2", "x2^2"])
    kept = edits.fit_to_data(doc, datasets.make("moons", n=30))
    assert kept.network.features == ("x1", "x1*x2", "x2^2")
    dropped = edits.fit_to_data(doc, datasets.make("sine", n=30))
    assert dropped.network.features == () and dropped.network.sizes[0] == 1
