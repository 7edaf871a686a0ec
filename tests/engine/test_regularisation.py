"""The weight penalty: E = data loss + l1 * sum|w| + (l2/2) * sum w^2 over the weights.

Checked three ways: against central finite differences of E (Hypothesis, every activation
and every loss, with both l1 and l2), against the definition written out here from the
network's weight matrices (not from the engine's flat slice), and through the trainer and
its optimizers (the penalty is in the gradient Adam adapts, not a decoupled decay).

Finite differences: as in test_gradients.py (h = 1e-6, the same tolerances and the same
rejection of relu kinks and of binary cross-entropy near 0 or 1), plus the kink of |w| at
w = 0: with l1 > 0, examples with a weight within 1e-4 of 0 are rejected (the difference
quotient across the kink is meaningless; there the engine uses sign(0) = 0, tested apart).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from simulator.engine import document
from simulator.engine.activations import ACTIVATION_NAMES
from simulator.engine.backprop import BackwardPass, backward, loss_value
from simulator.engine.losses import LOSS_NAMES
from simulator.engine.network import BIAS_MODES, LayerSpec, Network
from simulator.engine.optimizers import OptimizerError, TrainingConfig
from simulator.engine.regularisation import Penalty, PenaltyError, penalty_grid
from simulator.engine.training import Trainer

from . import _reference as ref

H = 1e-6
RTOL = 1e-5
ATOL = 1e-6
KINK = 1e-4
BCE_MARGIN = 1e-3
HIDDEN = tuple(a for a in ACTIVATION_NAMES if a != "softmax")


@dataclass
class Case:
    network: Network
    loss: str
    inputs: np.ndarray
    targets: np.ndarray
    penalty: Penalty

    def __repr__(self) -> str:
        layers = ", ".join(f"{s.size}/{s.activation}/{s.bias}" for s in self.network.layers)
        return (f"Case(inputs={self.network.input_size}, layers=[{layers}], loss={self.loss}, "
                f"penalty={self.penalty}, params={self.network.params.tolist()}, "
                f"X={self.inputs.tolist()}, T={self.targets.tolist()})")


def _losses_for(out_act: str) -> list[str]:
    losses = ["half_sse", "mse"]
    if out_act in ("sigmoid", "softmax"):
        losses.append("binary_cross_entropy")
    if out_act == "softmax":
        losses.append("cross_entropy")
    return losses


@st.composite
def cases(draw: st.DrawFn, output_activation: str | None = None,
          loss: str | None = None) -> Case:
    input_size = draw(st.integers(1, 3))
    layers = [LayerSpec(draw(st.integers(1, 3)), draw(st.sampled_from(HIDDEN)),
                        draw(st.sampled_from(BIAS_MODES))) for _ in range(draw(st.integers(1, 2)))]
    out_act = output_activation or draw(st.sampled_from(ACTIVATION_NAMES))
    loss = loss or draw(st.sampled_from(_losses_for(out_act)))
    layers.append(LayerSpec(draw(st.integers(1, 3)), out_act, draw(st.sampled_from(BIAS_MODES))))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    count = Network.count_parameters(input_size, layers)
    network = Network.create(input_size, layers, rng.uniform(-2.0, 2.0, count))
    batch = draw(st.integers(1, 4))
    inputs = rng.uniform(-2.0, 2.0, (batch, input_size))
    m = layers[-1].size
    if loss == "cross_entropy":
        raw = rng.uniform(0.0, 1.0, (batch, m))
        targets = raw / raw.sum(axis=1, keepdims=True)
    elif loss == "binary_cross_entropy":
        targets = rng.uniform(0.0, 1.0, (batch, m))
    else:
        targets = rng.uniform(-2.0, 2.0, (batch, m))
    l1 = draw(st.sampled_from([0.0, 0.001, 0.03, 0.5]))
    l2 = draw(st.sampled_from([0.0, 0.001, 0.03, 0.5]))
    assume(l1 or l2)
    return Case(network, loss, inputs, targets, Penalty(l1, l2))


def _usable(case: Case, bp: BackwardPass) -> bool:
    for layer, net in zip(case.network.layers, bp.forward.nets):
        if layer.activation in ("relu", "leaky_relu") and (np.abs(net) < KINK).any():
            return False
    out = bp.forward.output
    if case.loss == "binary_cross_entropy" and (np.minimum(out, 1 - out) < BCE_MARGIN).any():
        return False
    weights = np.concatenate([w.ravel() for w in case.network.weights])
    return not (case.penalty.l1 and (np.abs(weights) < KINK).any())


def _definition(network: Network, l1: float, l2: float) -> float:
    """P written from the weight matrices: l1 * sum|w| + l2/2 * sum w^2."""
    total = 0.0
    for w in network.weights:
        for value in w.ravel():
            total += l1 * abs(value) + 0.5 * l2 * value * value
    return total


def _finite_differences(case: Case) -> np.ndarray:
    net = case.network.copy()
    fd = np.empty_like(net.params)
    for i in range(net.params.size):
        orig = net.params[i]
        net.params[i] = orig + H
        up = loss_value(net, case.inputs, case.targets, case.loss, case.penalty)
        net.params[i] = orig - H
        down = loss_value(net, case.inputs, case.targets, case.loss, case.penalty)
        net.params[i] = orig
        fd[i] = (up - down) / (2 * H)
    return fd


def _check(case: Case) -> None:
    bp = backward(case.network, case.inputs, case.targets, case.loss, case.penalty)
    assume(_usable(case, bp))
    fd = _finite_differences(case)
    atol = ATOL * max(1.0, abs(bp.loss))
    bad = np.abs(fd - bp.grad) > atol + RTOL * np.abs(bp.grad)
    assert not bad.any(), (f"{[case.network.names[i] for i in np.flatnonzero(bad)]}: "
                           f"{bp.grad[bad].tolist()} vs {fd[bad].tolist()}")


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@given(data=st.data())
def test_regularised_gradient_matches_finite_differences_for_every_activation(
        activation: str, data: st.DataObject) -> None:
    _check(data.draw(cases(output_activation=activation)))


@pytest.mark.parametrize("loss", LOSS_NAMES)
@given(data=st.data())
def test_regularised_gradient_matches_finite_differences_for_every_loss(
        loss: str, data: st.DataObject) -> None:
    out_act = {"cross_entropy": "softmax", "binary_cross_entropy": "sigmoid"}.get(loss)
    _check(data.draw(cases(output_activation=out_act, loss=loss)))


@given(case=cases())
def test_penalty_matches_its_definition(case: Case) -> None:
    plain = backward(case.network, case.inputs, case.targets, case.loss)
    bp = backward(case.network, case.inputs, case.targets, case.loss, case.penalty)
    l1, l2 = case.penalty.l1, case.penalty.l2
    expected = _definition(case.network, l1, l2)
    assert bp.data_loss == plain.loss
    assert bp.penalty_loss == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert bp.loss == pytest.approx(plain.loss + expected, rel=1e-12, abs=1e-15)
    parts = bp.penalty_parts()
    assert parts is not None and parts.value == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert parts.l1_value + parts.l2_value == pytest.approx(parts.value, rel=1e-15)
    net = case.network
    for name in net.names:
        info = net.info(name)
        extra = bp.gradient(name) - plain.gradient(name)
        if info.kind == "bias":
            assert extra == 0.0, name  # biases carry no penalty
        else:
            w = net.get(name)
            want = l1 * (1.0 if w > 0 else -1.0 if w < 0 else 0.0) + l2 * w
            assert extra == pytest.approx(want, rel=1e-9, abs=1e-12), name


@given(case=cases())
def test_each_weight_derivation_shows_the_penalty_as_its_own_term(case: Case) -> None:
    bp = backward(case.network, case.inputs, case.targets, case.loss, case.penalty)
    plain = backward(case.network, case.inputs, case.targets, case.loss)
    for name in case.network.names:
        d = bp.derivation(name)
        d0 = plain.derivation(name)
        chain = sum(t.values for t in d.terms)
        np.testing.assert_allclose(chain, sum(t.values for t in d0.terms), rtol=1e-12,
                                   atol=1e-12)
        if case.network.info(name).kind == "bias":
            assert d.penalty is None
            np.testing.assert_array_equal(d.per_sample, d0.per_sample)
            continue
        pen = d.penalty
        assert pen is not None
        w = case.network.get(name)
        assert pen.parameter == name and pen.symbol == f"dP/d{name}" and pen.weight == w
        assert pen.l1_part == case.penalty.l1 * np.sign(w)
        assert pen.l2_part == case.penalty.l2 * w
        assert pen.value == pen.l1_part + pen.l2_part
        parts = ([f"l1*sign({name})"] if case.penalty.l1 else []) + \
            ([f"l2*{name}"] if case.penalty.l2 else [])
        assert pen.formula == " + ".join(parts)
        # The chain-rule terms plus the penalty add up to each sample's dE/dw, and those
        # average to the gradient.
        np.testing.assert_allclose(chain + pen.value, d.per_sample, rtol=1e-12, atol=1e-12)
        assert np.mean(d.per_sample) == pytest.approx(d.gradient, rel=1e-12, abs=1e-12)


def test_l1_uses_sign_zero_at_a_zero_weight() -> None:
    doc = document.load(ref.REFERENCE_JSON)
    net = doc.network.copy()
    net.set("w5", 0.0)
    penalty = Penalty(l1=0.3, l2=0.0)
    bp = backward(net, doc.data.inputs, doc.data.targets, doc.loss, penalty)
    plain = backward(net, doc.data.inputs, doc.data.targets, doc.loss)
    assert bp.gradient("w5") == plain.gradient("w5")
    d = bp.derivation("w5")
    assert d.penalty is not None and d.penalty.value == 0.0
    assert bp.gradient("w6") == pytest.approx(plain.gradient("w6") + 0.3, rel=1e-15)


def test_the_reference_lesson_with_l2_by_hand() -> None:
    """The seed's dE/dw5 = 0.0729519972 plus l2 * w5 = 0.01 * 0.18; b2 unchanged."""
    doc = document.load(ref.REFERENCE_JSON)
    bp = backward(doc.network, doc.data.inputs, doc.data.targets, doc.loss, Penalty(l2=0.01))
    assert bp.gradient("w5") == pytest.approx(ref.GRADIENTS["w5"] + 0.01 * 0.18, abs=1e-10)
    assert bp.gradient("b2") == pytest.approx(ref.GRADIENTS["b2"], abs=1e-10)
    weights = [0.10, 0.15, 0.03, 0.08, 0.18, 0.06, 0.11, 0.26]
    assert bp.penalty_loss == pytest.approx(0.005 * sum(w * w for w in weights), rel=1e-12)
    assert bp.loss == pytest.approx(ref.E_TOTAL + bp.penalty_loss, abs=1e-10)
    assert bp.data_loss == pytest.approx(ref.E_TOTAL, abs=1e-10)


def test_no_penalty_changes_nothing() -> None:
    doc = document.load(ref.REFERENCE_JSON)
    plain = backward(doc.network, doc.data.inputs, doc.data.targets, doc.loss)
    off = backward(doc.network, doc.data.inputs, doc.data.targets, doc.loss, Penalty())
    assert off.penalty is None and off.penalty_parts() is None
    assert off.loss == plain.loss == off.data_loss and off.penalty_loss == 0.0
    np.testing.assert_array_equal(off.grad, plain.grad)
    assert off.derivation("w1").penalty is None


@pytest.mark.parametrize("optimizer", ["gd", "sgd", "momentum", "adam"])
def test_the_penalty_is_part_of_the_gradient_every_optimizer_sees(optimizer: str) -> None:
    doc = document.load(ref.REFERENCE_JSON)
    config = TrainingConfig(optimizer, learning_rate=0.1, l1=0.02, l2=0.05)
    trainer = Trainer(doc.network, doc.data.inputs, doc.data.targets, doc.loss, config)
    state = trainer.initial_state()
    step = trainer.step(state)
    p = state.params
    data = backward(doc.network, doc.data.inputs, doc.data.targets, doc.loss).grad
    g = data.copy()
    nw = 8
    g[:nw] += 0.02 * np.sign(p[:nw]) + 0.05 * p[:nw]
    if optimizer == "adam":
        # Adam's first step from zero moments, written out: m_hat = g, v_hat = g^2.
        m_hat, v_hat = g, g * g
        expected = p - 0.1 * m_hat / (np.sqrt(v_hat) + config.eps)
        # ... which is not AdamW's decoupled decay of the weights.
        adamw = p - 0.1 * data / (np.abs(data) + config.eps)
        adamw[:nw] -= 0.1 * 0.05 * p[:nw]
        assert not np.allclose(step.after.params, adamw, rtol=1e-6, atol=1e-9)
    else:
        expected = p - 0.1 * g  # momentum's first step: the buffer is the gradient
    np.testing.assert_allclose(step.after.params, expected, rtol=1e-12, atol=1e-15)
    assert step.loss == pytest.approx(
        ref.E_TOTAL + _definition(doc.network, 0.02, 0.05), abs=1e-10)


def test_a_frozen_weight_shows_its_penalty_but_does_not_move() -> None:
    doc = document.load(ref.REFERENCE_JSON)
    net = doc.network.with_frozen({"w5"})
    trainer = Trainer(net, doc.data.inputs, doc.data.targets, doc.loss,
                      TrainingConfig(learning_rate=0.5, l2=0.1))
    step = trainer.step(trainer.initial_state())
    assert step.after.params[net.index_of["w5"]] == 0.18
    assert step.backward.derivation("w5").penalty is not None


def test_trainer_losses_include_the_penalty() -> None:
    doc = document.load(ref.REFERENCE_JSON)
    config = TrainingConfig(learning_rate=0.5, l2=0.01)
    trainer = Trainer(doc.network, doc.data.inputs, doc.data.targets, doc.loss, config)
    result = trainer.run(trainer.initial_state(), 3)
    params = result.state.params
    net = doc.network.with_params(params)
    expected = loss_value(net, doc.data.inputs, doc.data.targets, doc.loss) + \
        _definition(net, 0.0, 0.01)
    assert trainer.dataset_loss(params) == pytest.approx(expected, rel=1e-13)
    assert trainer.data_loss(params) == pytest.approx(
        loss_value(net, doc.data.inputs, doc.data.targets, doc.loss), rel=1e-15)


def test_l2_shrinks_the_weights_it_penalises() -> None:
    """Trained long enough, a strong l2 ends with smaller weights than none (and the biases
    are free of it)."""
    doc = document.load(ref.REFERENCE_JSON)
    sizes = {}
    for l2 in (0.0, 0.5):
        trainer = Trainer(doc.network, doc.data.inputs, doc.data.targets, doc.loss,
                          TrainingConfig(learning_rate=0.5, l2=l2))
        params = trainer.run(trainer.initial_state(), 2000).state.params
        sizes[l2] = float(np.abs(params[:8]).sum())
    assert sizes[0.5] < 0.5 * sizes[0.0]


@pytest.mark.parametrize("field", ["l1", "l2"])
@pytest.mark.parametrize("value", [-0.1, float("nan"), float("inf"), 10.5, True, "0.1"])
def test_penalty_strengths_are_validated(field: str, value: object) -> None:
    with pytest.raises(OptimizerError, match=field):
        TrainingConfig(**{field: value})  # type: ignore[arg-type]
    with pytest.raises(PenaltyError, match=field):
        Penalty(**{field: value})  # type: ignore[arg-type]


def test_penalty_grid_over_two_named_parameters_and_two_directions() -> None:
    doc = document.load(ref.REFERENCE_JSON)
    net = doc.network
    penalty = Penalty(l1=0.2, l2=0.3)
    xs, ys = np.linspace(-1, 1, 7), np.linspace(-0.5, 2, 5)
    for axes in (("w5", "w6"), ("w1", "b2"), ("b1", "b2")):
        grid = penalty_grid(net, penalty, xs, ys, axes=axes)
        assert grid.shape == (7, 5)
        for i, x in enumerate(xs):
            for j, y in enumerate(ys):
                moved = net.copy()
                moved.set(axes[0], x)
                moved.set(axes[1], y)
                assert grid[i, j] == pytest.approx(_definition(moved, 0.2, 0.3), rel=1e-12)
    rng = np.random.default_rng(1)
    d1, d2 = rng.normal(size=net.params.size), rng.normal(size=net.params.size)
    grid = penalty_grid(net, penalty, xs, ys, directions=(d1, d2))
    for i, a in enumerate(xs):
        for j, b in enumerate(ys):
            moved = net.with_params(net.params + a * d1 + b * d2)
            assert grid[i, j] == pytest.approx(_definition(moved, 0.2, 0.3), rel=1e-12)
    assert not penalty_grid(net, Penalty(), xs, ys, axes=("w5", "w6")).any()
