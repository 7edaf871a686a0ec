"""Explanations: numbers formatted as documented, and every sub-step's text tells the truth."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from simulator.engine import document
from simulator.engine.explain import (
    derivation_lines,
    explain_iteration,
    explain_parameter,
    explain_substep,
    format_number,
    gradient_table,
)
from simulator.engine.network import LayerSpec, Network
from simulator.engine.optimizers import TrainingConfig
from simulator.engine.stepper import Iteration, plan_substeps
from simulator.engine.training import Trainer

from . import _reference as ref


@pytest.mark.parametrize("value,digits,text", [
    (0.154, 6, "0.154"),
    (-0.0000299268, 6, "-0.0000299268"),
    (-0.0000299268, 3, "-0.0000299"),
    (1.5e-9, 6, "1.5e-09"),
    (0.0, 6, "0"),
    (-0.0, 6, "0"),
    (1e7, 6, "1e+07"),
    (123456789.0, 6, "1.23457e+08"),
    (0.1 + 0.2, 6, "0.3"),
    (0.1 + 0.2, 17, "0.30000000000000004"),
    (-2.5, 6, "-2.5"),
    (1e-5, 6, "0.00001"),
    (0.99999999999, 6, "1"),
    (100.0, 6, "100"),
    (0.0729519972006264, 10, "0.0729519972"),
    (0.17927048002799373, 10, "0.17927048"),
    (3.14159, 0, "3"),  # at least one digit
    (float("nan"), 6, "NaN"),
    (float("inf"), 6, "inf"),
    (float("-inf"), 6, "-inf"),
])
def test_format_number(value: float, digits: int, text: str) -> None:
    assert format_number(value, digits) == text


@pytest.mark.parametrize("value", [0.154, -3.2e-7, 12345.678, 9.87654321e12, -1e-300, 0.5])
def test_format_number_keeps_the_significant_digits(value: float) -> None:
    for digits in (1, 4, 10, 17):
        shown = float(format_number(value, digits))
        assert shown == pytest.approx(value, rel=0.5 * 10 ** (1 - digits) * 1.0000001)


# --- sub-steps --------------------------------------------------------------------------------

def _iteration(network: Network, X: np.ndarray, T: np.ndarray, loss: str,
               config: TrainingConfig) -> Iteration:
    trainer = Trainer(network, X, T, loss, config)
    return Iteration(trainer.step(trainer.initial_state()), tuple(plan_substeps(network)))


def _last_number(line: str) -> float:
    return float(line.rsplit("=", 1)[1].strip().split()[0])


def _softmax_case(optimizer: str = "adam", frozen: tuple[str, ...] = ()) -> tuple[Iteration,
                                                                                   TrainingConfig]:
    layers = [LayerSpec(3, "tanh", "neuron"), LayerSpec(2, "relu", "none"),
              LayerSpec(3, "softmax", "shared")]
    rng = np.random.default_rng(8)
    net = Network.create(2, layers, rng.normal(size=Network.count_parameters(2, layers)),
                         frozen=frozen)
    X = rng.normal(size=(3, 2))
    T = rng.dirichlet(np.ones(3), 3)
    config = TrainingConfig(optimizer, learning_rate=0.1, batch_size=3)
    return _iteration(net, X, T, "cross_entropy", config), config


def test_every_substep_value_is_the_engines_number() -> None:
    it, config = _softmax_case()
    bp = it.backward
    explanations = explain_iteration(it, config, digits=12)
    assert len(explanations) == len(it.substeps)
    for sub, ex in zip(it.substeps, explanations):
        assert ex.title.startswith(sub.title)
        if sub.stage == "forward":
            assert ex.value == bp.forward.outs[sub.layer][0, sub.index]
            assert _last_number(ex.lines[-1]) == pytest.approx(ex.value, rel=1e-11)
        elif sub.stage == "error":
            last = sub.index == bp.network.output_size - 1
            assert ex.value == (bp.loss if last else None)
        elif sub.stage == "backward":
            assert ex.value == bp.gradient(sub.target)
            # "... over the batch of 3 samples (mean) = <gradient>"
            assert "over the batch of 3 samples (mean)" in ex.lines[-1]
            assert _last_number(ex.lines[-1]) == pytest.approx(ex.value, rel=1e-11, abs=1e-300)
            # the line before it shows sample 1's product
            d = bp.derivation(sub.target)
            assert _last_number(ex.lines[-2]) == pytest.approx(d.per_sample[0], rel=1e-11,
                                                               abs=1e-300)
        else:
            assert ex.value is None


def test_substeps_of_other_samples_of_the_batch() -> None:
    it, config = _softmax_case()
    bp = it.backward
    sub = next(s for s in it.substeps if s.stage == "forward" and s.target == "H2_1")
    for sample in range(3):
        ex = explain_substep(it, sub, config, digits=12, sample=sample)
        assert f"(sample {sample + 1} of the batch of 3)" in ex.title
        assert ex.value == bp.forward.outs[2][sample, 0]
    # out-of-range samples are clamped to the batch
    assert explain_substep(it, sub, config, sample=99).value == bp.forward.outs[2][2, 0]
    assert explain_substep(it, sub, config, sample=-5).value == bp.forward.outs[2][0, 0]


def test_softmax_and_cross_entropy_are_written_as_the_lesson_writes_them() -> None:
    it, config = _softmax_case()
    by_title = {ex.title.split(" (")[0]: ex for ex in explain_iteration(it, config)}
    forward_y1 = by_title["Forward: Y1"].text()
    assert "outY1 = softmax(netY1) = e^netY1 / sum of e^net over the layer" in forward_y1
    error = by_title["Error: Y3"].text()
    assert "E3 = -T3 * log(outY3)" in error and "E = E1 + E2 + E3" in error
    assert "over the batch of 3 samples (mean)" in error
    backward = by_title["Backward: dE/dw13"].text()  # a weight into Y1
    assert "dE/dnetY1 = outY1 - T1" in backward
    hidden = by_title["Backward: dE/dw7"].text()  # H1_1 -> H2_1
    assert "dE/doutH2_1 = dE/dnetY1*dnetY1/doutH2_1" in hidden
    assert "doutH2_1/dnetH2_1 = 1 if netH2_1 > 0 else 0" in hidden


@pytest.mark.parametrize("optimizer,first_line", [
    ("gd", "p <- p - lr * dE/dp"),
    ("sgd", "p <- p - lr * dE/dp"),
    ("momentum", "b <- 0.9 * b + dE/dp;  p <- p - lr * b"),
    ("adam", "Adam (beta1 0.9, beta2 0.999, eps 1e-08): p <- p - lr * m_hat / (sqrt(v_hat) + eps)"),
])
def test_update_lines_per_optimizer(optimizer: str, first_line: str) -> None:
    it, config = _softmax_case(optimizer, frozen=("w2",))
    ex = explain_substep(it, it.substeps[-1], config, digits=12)
    assert ex.title == "Update: all parameters"
    assert ex.lines[0] == first_line
    net = it.backward.network
    assert len(ex.lines) == 1 + len(net.names)
    for line, name, after in zip(ex.lines[1:], net.names, it.step.after.params):
        assert line.startswith(f"{name} = ")
        if name == "w2":
            assert line.endswith("(frozen, not updated)")
        else:
            assert _last_number(line) == pytest.approx(after, rel=1e-11, abs=1e-300)


def test_explain_parameter_shows_derivation_and_update() -> None:
    doc = document.load(ref.REFERENCE_JSON)
    it = _iteration(doc.network, doc.data.inputs, doc.data.targets, doc.loss, doc.training)
    ex = explain_parameter(it, "b2", doc.training, digits=10)
    assert ex.title == "b2 = 0.42"
    assert ex.value == pytest.approx(ref.GRADIENTS["b2"], abs=ref.TOL)
    assert ex.lines[0] == ("dE/db2 = dE/doutY1 * doutY1/dnetY1 * dnetY1/db2 + "
                           "dE/doutY2 * doutY2/dnetY2 * dnetY2/db2")
    assert ex.lines[-1] == "b2 = 0.42 - 0.01 * 0.0965375363 = 0.4190346246"


def test_derivation_lines_list_each_factor_once() -> None:
    doc = document.load(ref.REFERENCE_JSON)
    it = _iteration(doc.network, doc.data.inputs, doc.data.targets, doc.loss, doc.training)
    lines = derivation_lines(it.backward.derivation("b1"), digits=10)
    factor_lines = [line for line in lines if line.startswith("  ")]
    symbols = [line.split(" = ")[0].strip() for line in factor_lines]
    # dE/doutH1 and dE/doutH2 each take two lines (symbols, then numbers)
    assert symbols.count("dE/doutH1") == 2 and symbols.count("dE/doutH2") == 2
    assert symbols.count("doutH1/dnetH1") == 1
    assert "  dnetH1/db1 = 1" in lines


def test_gradient_table() -> None:
    doc = document.load(ref.REFERENCE_JSON)
    it = _iteration(doc.network, doc.data.inputs, doc.data.targets, doc.loss, doc.training)
    table = gradient_table(it.backward)
    assert list(table) == list(ref.GRADIENTS)
    for name, value in ref.GRADIENTS.items():
        assert table[name] == pytest.approx(value, abs=ref.TOL)


def test_explanations_of_non_finite_numbers_do_not_crash() -> None:
    layers = [LayerSpec(1, "linear", "neuron")]
    net = Network.create(1, layers, [1e200, 0.0])
    it = _iteration(net, np.array([[1e200]]), np.array([[0.0]]), "half_sse",
                    TrainingConfig("gd", learning_rate=0.1))
    with np.errstate(all="raise"):
        texts = [ex.text() for ex in explain_iteration(it, TrainingConfig("gd"))]
    assert any("inf" in t for t in texts)
    assert all(isinstance(t, str) and t for t in texts)


def test_every_number_in_an_explanation_parses() -> None:
    it, config = _softmax_case("momentum")
    text = "\n".join(ex.text() for ex in explain_iteration(it, config))
    for token in re.findall(r"-?\d[\d.e+-]*", text):
        if re.fullmatch(r"-?\d+(\.\d+)?(e[-+]\d+)?", token):
            assert math.isfinite(float(token))
