"""Seeded initialisers: uniform, Xavier/Glorot, He, constant, and explicit values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.engine.initializers import INITIALIZER_NAMES, explicit, initialize
from simulator.engine.network import LayerSpec, Network, NetworkError

LAYERS = [LayerSpec(40, "tanh", "neuron"), LayerSpec(30, "relu", "shared"),
          LayerSpec(3, "sigmoid", "none")]


def _net(frozen: tuple[str, ...] = ()) -> Network:
    net = Network.create(20, LAYERS, frozen=frozen)
    net.params[:] = np.arange(net.params.size) * 1e-3  # recognisable values
    return net


@pytest.mark.parametrize("method", INITIALIZER_NAMES)
def test_same_seed_same_parameters(method: str) -> None:
    net = _net()
    a = initialize(net, method, seed=3)
    b = initialize(net, method, seed=3)
    np.testing.assert_array_equal(a, b)
    assert a.shape == net.params.shape and a.dtype == np.float64
    if method != "constant":
        assert not np.array_equal(a, initialize(net, method, seed=4))


@pytest.mark.parametrize("method", INITIALIZER_NAMES)
def test_the_network_is_not_changed(method: str) -> None:
    net = _net()
    before = net.params.copy()
    initialize(net, method, seed=1)
    np.testing.assert_array_equal(net.params, before)


def test_uniform_covers_weights_and_biases_in_range() -> None:
    net = _net()
    p = initialize(net, "uniform", seed=0, low=-0.2, high=0.7)
    assert p.min() >= -0.2 and p.max() < 0.7
    assert p.min() < -0.15 and p.max() > 0.65  # 1.8k draws fill the range
    biases = np.concatenate([p[sl] for sl in net.bias_slices])
    assert biases.size == 41 and (biases != 0).all()


def test_xavier_bounds_per_layer_and_zero_biases() -> None:
    net = _net()
    p = initialize(net, "xavier", seed=0)
    sizes = net.sizes
    for k, sl in enumerate(net.weight_slices):
        a = math.sqrt(6.0 / (sizes[k] + sizes[k + 1]))
        w = p[sl]
        assert np.abs(w).max() <= a
        assert np.abs(w).max() > 0.9 * a
        # U(-a, a) has variance a^2 / 3
        if w.size >= 600:
            assert w.var() == pytest.approx(a * a / 3, rel=0.15)
    for sl in net.bias_slices:
        assert (p[sl] == 0).all()


def test_he_standard_deviation_and_zero_biases() -> None:
    net = Network.create(50, [LayerSpec(60, "relu", "neuron"), LayerSpec(1, "linear", "neuron")])
    p = initialize(net, "he", seed=2)
    w = p[net.weight_slices[0]]
    assert w.std() == pytest.approx(math.sqrt(2.0 / 50), rel=0.05)
    assert abs(w.mean()) < 0.01
    for sl in net.bias_slices:
        assert (p[sl] == 0).all()


def test_constant() -> None:
    net = _net()
    np.testing.assert_array_equal(initialize(net, "constant", value=0.25),
                                  np.full(net.params.size, 0.25))


@pytest.mark.parametrize("method", INITIALIZER_NAMES)
def test_frozen_parameters_keep_their_values(method: str) -> None:
    net = _net(frozen=("w1", "w805", "b1", "b41"))
    p = initialize(net, method, seed=5, value=9.0)
    for name in ("w1", "w805", "b1", "b41"):
        assert p[net.index_of[name]] == net.params[net.index_of[name]]
    assert p[net.index_of["w2"]] != net.params[net.index_of["w2"]]


@pytest.mark.parametrize("kwargs,match", [
    ({"method": "lecun"}, "unknown initialiser"),
    ({"method": "uniform", "low": 1.0, "high": 0.0}, "low <= high"),
    ({"method": "uniform", "low": -math.inf}, "finite"),
    ({"method": "constant", "value": math.nan}, "finite"),
])
def test_bad_initialiser_settings(kwargs: dict, match: str) -> None:
    with pytest.raises(NetworkError, match=match):
        initialize(_net(), **kwargs)


def test_explicit_values() -> None:
    net = _net()
    p = explicit(net, {"w3": 1.5, "b2": -2.0})
    assert p[net.index_of["w3"]] == 1.5 and p[net.index_of["b2"]] == -2.0
    others = np.ones(p.size, bool)
    others[[net.index_of["w3"], net.index_of["b2"]]] = False
    np.testing.assert_array_equal(p[others], net.params[others])
    with pytest.raises(NetworkError, match="unknown parameter 'w9999'"):
        explicit(net, {"w9999": 1.0})
    with pytest.raises(NetworkError, match="w1 must be a finite number"):
        explicit(net, {"w1": math.inf})
