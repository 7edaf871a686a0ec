"""The network's layout: names in the lesson's order, views into one vector, validation."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.engine.backprop import forward, predict
from simulator.engine.network import LayerSpec, Network, NetworkError, neuron_names


def _deep() -> Network:
    layers = [LayerSpec(3, "relu", "neuron"), LayerSpec(2, "tanh", "shared"),
              LayerSpec(2, "sigmoid", "none")]
    return Network.create(2, layers, np.arange(1, Network.count_parameters(2, layers) + 1.0))


def test_names_and_layout_of_a_deeper_network() -> None:
    net = _deep()
    # weights: 3x2 + 2x3 + 2x2 = 16, biases: 3 (neuron) + 1 (shared) + 0 (none)
    assert Network.count_parameters(2, net.layers) == 20
    assert net.names == [f"w{i}" for i in range(1, 17)] + ["b1", "b2", "b3", "b4"]
    assert net.neurons == [["X1", "X2"], ["H1_1", "H1_2", "H1_3"], ["H2_1", "H2_2"],
                           ["Y1", "Y2"]]
    assert net.weight_name(1, 1, 2) == "w12"  # H1_3 -> H2_2: 6 + 1 * 3 + 2 + 1
    assert net.weights[1][1, 2] == 12.0
    assert net.bias_name(0, 2) == "b3" and net.bias_name(1, 0) == net.bias_name(1, 1) == "b4"
    assert net.bias_name(2, 0) is None
    info = net.info("b4")
    assert (info.kind, info.layer, info.target, info.source) == ("bias", 1, -1, -1)
    info = net.info("w12")
    assert (info.kind, info.layer, info.target, info.source, info.index) == \
        ("weight", 1, 1, 2, 11)
    with pytest.raises(KeyError, match="unknown parameter 'w99'"):
        net.info("w99")
    np.testing.assert_array_equal(net.bias_value(2), [0.0])
    np.testing.assert_array_equal(net.bias_value(1), [20.0])


def test_neuron_names_with_one_hidden_layer_and_none() -> None:
    assert neuron_names([2, 3, 1]) == [["X1", "X2"], ["H1", "H2", "H3"], ["Y1"]]
    assert neuron_names([1, 2]) == [["X1"], ["Y1", "Y2"]]


def test_weights_and_biases_are_views_into_params() -> None:
    net = _deep()
    net.params[0] = -7.0
    assert net.weights[0][0, 0] == -7.0
    net.set("b4", 0.5)
    assert net.biases[1][0] == 0.5 and net.get("b4") == 0.5
    net.weights[2][1, 1] = 3.25
    assert net.get("w16") == 3.25
    assert net.as_dict()["w16"] == 3.25


def test_copies_are_independent() -> None:
    net = _deep()
    twin = net.copy()
    twin.params[:] = 0.0
    assert net.params[0] == 1.0 and twin.weights[0][0, 0] == 0.0
    other = net.with_params(np.zeros(20))
    assert (other.weights[2] == 0).all() and net.weights[2][0, 0] == 13.0
    with pytest.raises(NetworkError, match="expected 20 parameter values, got 3"):
        net.with_params(np.zeros(3))
    frozen = net.with_frozen({"w1", "b4"})
    np.testing.assert_array_equal(frozen.trainable_mask()[[0, 19]], [0.0, 0.0])
    assert frozen.trainable_mask().sum() == 18 and net.frozen == frozenset()


def test_forward_by_hand() -> None:
    net = _deep()
    x = np.array([[0.01, -0.02]])
    h1 = np.maximum(x @ net.weights[0].T + net.biases[0], 0)
    h2 = np.tanh(h1 @ net.weights[1].T + net.biases[1])
    y = 1 / (1 + np.exp(-(h2 @ net.weights[2].T)))
    np.testing.assert_allclose(predict(net, x), y, rtol=1e-15)
    fp = forward(net, x)
    assert len(fp.nets) == 3 and len(fp.outs) == 4


@pytest.mark.parametrize("input_size,layers,match", [
    (0, [LayerSpec(1)], "input layer"),
    (2, [], "at least one layer"),
    (2, [LayerSpec(0)], "layer 1 needs at least one neuron"),
    (2, [LayerSpec(2, "swish")], "unknown activation 'swish'"),
    (2, [LayerSpec(2, "softmax"), LayerSpec(1)], "softmax is only allowed on the output"),
    (2, [LayerSpec(2, bias="per_layer")], "unknown bias mode"),
])
def test_bad_networks(input_size: int, layers: list[LayerSpec], match: str) -> None:
    with pytest.raises(NetworkError, match=match):
        Network.create(input_size, layers)


def test_parameter_count_and_frozen_names_are_checked() -> None:
    with pytest.raises(NetworkError, match="expected 3 parameter values, got 2"):
        Network.create(2, [LayerSpec(1)], [1.0, 2.0])
    with pytest.raises(NetworkError, match=r"unknown parameter.*w7"):
        Network.create(2, [LayerSpec(1)], frozen={"w7"})


@pytest.mark.parametrize("activation,loss,ok", [
    ("softmax", "cross_entropy", True), ("sigmoid", "cross_entropy", False),
    ("sigmoid", "binary_cross_entropy", True), ("softmax", "binary_cross_entropy", True),
    ("tanh", "binary_cross_entropy", False), ("linear", "mse", True),
    ("relu", "half_sse", True), ("linear", "hinge", False),
])
def test_check_loss(activation: str, loss: str, ok: bool) -> None:
    net = Network.create(2, [LayerSpec(2, activation)])
    if ok:
        net.check_loss(loss)
    else:
        with pytest.raises(NetworkError):
            net.check_loss(loss)
