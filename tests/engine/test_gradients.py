"""Backpropagation against central finite differences on many random networks.

Hypothesis draws the depth (1-3 hidden layers), every layer's size (1-4), activation (any;
softmax only on the output) and bias mode, a loss that fits the output layer, a batch of
1-5 samples and random parameters. ``backward(...).grad`` must match central differences
of ``loss_value``, and every :class:`Derivation` must multiply and add up to the gradient.

Tolerances. Central differences with step h have truncation error ~ h^2 |f'''| / 6 and
rounding error ~ eps |f| / h. With h = 1e-6, parameters and inputs in [-2, 2] and at most
four neurons per layer, |f| stays below ~1e3 and |f'''| below ~1e4, which bounds the error
by ~1e-8 (truncation) + ~2e-7 (rounding, worst case). We compare with
``|fd - grad| <= ATOL + RTOL * |grad|``, ATOL = 1e-6 * max(1, |E|), RTOL = 1e-5: a wrong
factor anywhere (a missing sum, a transposed weight, a wrong sign) is off by far more.
Relu and leaky relu have a kink at net = 0 where the difference quotient is meaningless, so
examples with some |net| < 1e-4 in such a layer are rejected (the step moves net by at most
h * 4 * 2 per layer). Binary cross-entropy is left out near out = 0 or 1 (any output within
1e-3 of either): near 1 it evaluates log(1 - out) from a rounded out, with a relative error of
eps / (1 - out), so the difference quotient itself turns into noise (BCELoss's own
cancellation, which torch shares); and like torch's BCELoss backward the engine's gradient
clamps out * (1 - out) at 1e-12, on purpose not the exact derivative there (see
test_losses.py for that rule).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from simulator.engine.activations import ACTIVATION_NAMES
from simulator.engine.backprop import BackwardPass, Factor, Term, backward, loss_value
from simulator.engine.losses import LOSS_NAMES
from simulator.engine.network import BIAS_MODES, LayerSpec, Network

H = 1e-6
RTOL = 1e-5
ATOL = 1e-6
KINK = 1e-4
BCE_MARGIN = 1e-3
HIDDEN_ACTIVATIONS = tuple(a for a in ACTIVATION_NAMES if a != "softmax")
# The derivation re-multiplies the backward pass's own stored factors, so it agrees with the
# vectorised gradient up to rounding: 1e-12 relative to the largest number multiplied (a
# factor or a product). The largest factor matters, not only the products: with a softmax
# output under binary cross-entropy dE/dout can be ~1e8 while dout/dnet is ~1e-8, and the
# backward pass's out * (g - sum(g * out)) rounds at the size of g, not of the product.
DERIVATION_RTOL = 1e-12


@dataclass
class Case:
    network: Network
    loss: str
    inputs: np.ndarray
    targets: np.ndarray

    def __repr__(self) -> str:  # what Hypothesis prints for a failing example
        layers = ", ".join(f"{s.size}/{s.activation}/{s.bias}" for s in self.network.layers)
        return (f"Case(inputs={self.network.input_size}, layers=[{layers}], loss={self.loss}, "
                f"batch={self.inputs.shape[0]}, params={self.network.params.tolist()}, "
                f"X={self.inputs.tolist()}, T={self.targets.tolist()})")


def _losses_for(output_activation: str) -> list[str]:
    losses = ["half_sse", "mse"]
    if output_activation in ("sigmoid", "softmax"):
        losses.append("binary_cross_entropy")
    if output_activation == "softmax":
        losses.append("cross_entropy")
    return losses


@st.composite
def cases(draw: st.DrawFn, output_activations: tuple[str, ...] = ACTIVATION_NAMES,
          losses: tuple[str, ...] = LOSS_NAMES) -> Case:
    n_hidden = draw(st.integers(1, 3))
    input_size = draw(st.integers(1, 4))
    layers = [LayerSpec(draw(st.integers(1, 4)), draw(st.sampled_from(HIDDEN_ACTIVATIONS)),
                        draw(st.sampled_from(BIAS_MODES))) for _ in range(n_hidden)]
    out_act = draw(st.sampled_from(output_activations))
    fitting = [name for name in _losses_for(out_act) if name in losses]
    assume(fitting)
    loss = draw(st.sampled_from(fitting))
    layers.append(LayerSpec(draw(st.integers(1, 4)), out_act, draw(st.sampled_from(BIAS_MODES))))
    count = Network.count_parameters(input_size, layers)
    seed = draw(st.integers(0, 2**32 - 1))
    batch = draw(st.integers(1, 5))
    rng = np.random.default_rng(seed)
    network = Network.create(input_size, layers, rng.uniform(-2.0, 2.0, count))
    inputs = rng.uniform(-2.0, 2.0, (batch, input_size))
    m = layers[-1].size
    if loss == "cross_entropy":
        raw = rng.uniform(0.0, 1.0, (batch, m))
        # Some rows one-hot, some soft: both are class-probability targets.
        if draw(st.booleans()):
            raw = np.eye(m)[rng.integers(0, m, batch)]
        targets = raw / raw.sum(axis=1, keepdims=True)
    elif loss == "binary_cross_entropy":
        targets = rng.uniform(0.0, 1.0, (batch, m))
        if draw(st.booleans()):
            targets = np.round(targets)
    else:
        targets = rng.uniform(-2.0, 2.0, (batch, m))
    return Case(network, loss, inputs, targets)


def _away_from_kinks(bp: BackwardPass) -> bool:
    """Whether finite differences are meaningful here (see the module's docstring)."""
    for layer, net in zip(bp.network.layers, bp.forward.nets):
        if layer.activation in ("relu", "leaky_relu") and (np.abs(net) < KINK).any():
            return False
    out = bp.forward.output
    near_0_or_1 = bool((np.minimum(out, 1.0 - out) < BCE_MARGIN).any())
    return not (bp.loss_name == "binary_cross_entropy" and near_0_or_1)


def _central_differences(case: Case) -> np.ndarray:
    net = case.network.copy()
    fd = np.empty_like(net.params)
    for i in range(net.params.size):
        orig = net.params[i]
        net.params[i] = orig + H
        up = loss_value(net, case.inputs, case.targets, case.loss)
        net.params[i] = orig - H
        down = loss_value(net, case.inputs, case.targets, case.loss)
        net.params[i] = orig
        fd[i] = (up - down) / (2 * H)
    return fd


def _check_against_finite_differences(case: Case) -> BackwardPass:
    bp = backward(case.network, case.inputs, case.targets, case.loss)
    assert np.isfinite(bp.loss)
    assert bp.loss == pytest.approx(
        loss_value(case.network, case.inputs, case.targets, case.loss), rel=1e-15, abs=1e-300)
    fd = _central_differences(case)
    atol = ATOL * max(1.0, abs(bp.loss))
    bad = np.abs(fd - bp.grad) > atol + RTOL * np.abs(bp.grad)
    assert not bad.any(), (
        f"{[case.network.names[i] for i in np.flatnonzero(bad)]}: backprop "
        f"{bp.grad[bad].tolist()} vs finite differences {fd[bad].tolist()}")
    return bp


def _magnitude(terms: tuple[Term, ...]) -> float:
    """The largest absolute value among the terms' products and their factors (at least 1)."""
    biggest = 1.0
    for term in terms:
        biggest = max(biggest, float(np.abs(term.values).max()))
        for f in term.factors:
            biggest = max(biggest, float(np.abs(f.values).max()))
    return biggest


def _check_expansion(factor: Factor, seen: set[int]) -> None:
    if factor.expansion is None or id(factor) in seen:
        return
    seen.add(id(factor))
    total = sum(t.values for t in factor.expansion)
    scale = _magnitude(factor.expansion)
    np.testing.assert_allclose(total, factor.values, rtol=0, atol=DERIVATION_RTOL * scale,
                               err_msg=factor.symbol)
    for term in factor.expansion:
        for f in term.factors:
            _check_expansion(f, seen)


def _check_derivations(bp: BackwardPass) -> None:
    seen: set[int] = set()
    for name in bp.network.names:
        d = bp.derivation(name)
        assert (d.parameter, d.symbol) == (name, f"dE/d{name}")
        assert type(d.gradient) is float and d.gradient == bp.gradient(name)
        assert d.per_sample.shape == (bp.n_samples,)
        # The per-sample gradients average to the batch gradient (the backward pass's own
        # numbers, taken apart per sample).
        assert abs(np.mean(d.per_sample) - d.gradient) <= DERIVATION_RTOL * max(
            1.0, float(np.abs(d.per_sample).max())), name
        assert type(d.terms) is tuple and d.terms
        for term in d.terms:
            assert type(term.factors) is tuple and term.factors
        products = [t.values for t in d.terms]
        for values in products:
            assert values.shape == (bp.n_samples,)
        scale = _magnitude(d.terms)
        np.testing.assert_allclose(sum(products), d.per_sample, rtol=0,
                                   atol=DERIVATION_RTOL * scale, err_msg=name)
        assert abs(np.mean(sum(products)) - d.gradient) <= DERIVATION_RTOL * scale, name
        for term in d.terms:
            for factor in term.factors:
                assert factor.values.shape == (bp.n_samples,)
                _check_expansion(factor, seen)


def _backward_away_from_kinks(case: Case) -> BackwardPass:
    bp = backward(case.network, case.inputs, case.targets, case.loss)
    assume(_away_from_kinks(bp))
    return bp


@given(cases())
def test_gradients_match_central_differences(case: Case) -> None:
    _backward_away_from_kinks(case)
    _check_against_finite_differences(case)


@given(cases())
def test_derivations_add_up_to_the_gradient(case: Case) -> None:
    bp = backward(case.network, case.inputs, case.targets, case.loss)
    _check_derivations(bp)


# Focused runs so that every activation and every loss is surely drawn, whatever the budget.

@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@settings(max_examples=25)
@given(data=st.data())
def test_every_output_activation(activation: str, data: st.DataObject) -> None:
    case = data.draw(cases(output_activations=(activation,)))
    _backward_away_from_kinks(case)
    _check_derivations(_check_against_finite_differences(case))


@pytest.mark.parametrize("loss", LOSS_NAMES)
@settings(max_examples=25)
@given(data=st.data())
def test_every_loss(loss: str, data: st.DataObject) -> None:
    outputs = ("softmax",) if loss == "cross_entropy" else (
        ("sigmoid", "softmax") if loss == "binary_cross_entropy" else ACTIVATION_NAMES)
    case = data.draw(cases(output_activations=outputs, losses=(loss,)))
    _backward_away_from_kinks(case)
    _check_derivations(_check_against_finite_differences(case))


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("bias", BIAS_MODES)
def test_every_hidden_activation_and_bias_mode(activation: str, bias: str) -> None:
    rng = np.random.default_rng(zlib.crc32(f"{activation}/{bias}".encode()))
    checked = 0
    for _ in range(20):
        layers = [LayerSpec(3, activation, bias), LayerSpec(4, activation, bias),
                  LayerSpec(2, "sigmoid", bias)]
        net = Network.create(3, layers, rng.uniform(-2, 2, Network.count_parameters(3, layers)))
        case = Case(net, "half_sse", rng.uniform(-2, 2, (4, 3)), rng.uniform(0, 1, (4, 2)))
        bp = backward(case.network, case.inputs, case.targets, case.loss)
        if not _away_from_kinks(bp):
            continue
        _check_against_finite_differences(case)
        _check_derivations(bp)
        checked += 1
    assert checked >= 5


def test_batch_gradient_is_the_mean_of_per_sample_gradients() -> None:
    rng = np.random.default_rng(7)
    layers = [LayerSpec(3, "tanh", "neuron"), LayerSpec(2, "softmax", "shared")]
    net = Network.create(2, layers, rng.uniform(-1, 1, Network.count_parameters(2, layers)))
    X = rng.uniform(-1, 1, (5, 2))
    T = rng.dirichlet(np.ones(2), 5)
    whole = backward(net, X, T, "cross_entropy")
    singles = [backward(net, X[i:i + 1], T[i:i + 1], "cross_entropy") for i in range(5)]
    np.testing.assert_allclose(whole.grad, np.mean([s.grad for s in singles], axis=0),
                               rtol=1e-12, atol=1e-15)
    assert whole.loss == pytest.approx(np.mean([s.loss for s in singles]), rel=1e-14)
    np.testing.assert_allclose(whole.per_sample_loss, [s.loss for s in singles], rtol=1e-14)


def test_backward_is_finite_and_silent_for_saturated_units() -> None:
    """Huge net inputs saturate every unit; nothing may overflow into a warning or NaN."""
    layers = [LayerSpec(2, "sigmoid", "neuron"), LayerSpec(2, "sigmoid", "neuron")]
    net = Network.create(2, layers, np.full(Network.count_parameters(2, layers), 400.0))
    for loss in ("half_sse", "mse", "binary_cross_entropy"):
        bp = backward(net, np.array([[1.0, -1.0], [3.0, 2.0]]),
                      np.array([[0.0, 1.0], [1.0, 0.0]]), loss)
        assert np.isfinite(bp.loss) and np.isfinite(bp.grad).all()
    sm = [LayerSpec(2, "tanh", "neuron"), LayerSpec(3, "softmax", "neuron")]
    net = Network.create(2, sm, np.full(Network.count_parameters(2, sm), 900.0))
    bp = backward(net, np.array([[1.0, 1.0]]), np.array([[0.2, 0.3, 0.5]]), "cross_entropy")
    assert np.isfinite(bp.loss) and np.isfinite(bp.grad).all()
