"""Every number of the reference lesson (../shared/seed-example.md), reproduced by the engine.

The seed prints 10 decimals; every comparison uses an absolute tolerance of 5e-11 (half a
unit in the last printed place), so a value that rounds to the seed's text passes.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from simulator.engine import document
from simulator.engine.backprop import BackwardPass, backward, loss_value
from simulator.engine.explain import explain_iteration, explain_parameter
from simulator.engine.explanation_render import render_text
from simulator.engine.losses import LOSSES
from simulator.engine.stepper import Iteration, plan_substeps
from simulator.engine.training import Trainer

from . import _reference as ref

approx = lambda v: pytest.approx(v, abs=ref.TOL)


@pytest.fixture(scope="module")
def doc() -> document.Document:
    return document.load(ref.REFERENCE_JSON)


@pytest.fixture(scope="module")
def bp(doc: document.Document) -> BackwardPass:
    return backward(doc.network, doc.data.inputs, doc.data.targets, doc.loss)


@pytest.fixture(scope="module")
def iteration(doc: document.Document) -> Iteration:
    trainer = Trainer(doc.network, doc.data.inputs, doc.data.targets, doc.loss, doc.training)
    return Iteration(trainer.step(trainer.initial_state()), tuple(plan_substeps(doc.network)))


# --- the document is the lesson's network ----------------------------------------------------

def test_reference_document_is_the_lesson(doc: document.Document) -> None:
    net = doc.network
    assert net.sizes == [2, 2, 2]
    assert [layer.activation for layer in net.layers] == ["sigmoid", "sigmoid"]
    assert [layer.bias for layer in net.layers] == ["shared", "shared"]
    assert net.names == list(ref.PARAMETERS)
    assert net.as_dict() == ref.PARAMETERS
    assert doc.loss == "half_sse"
    assert doc.training.optimizer == "gd"
    assert doc.training.learning_rate == ref.LEARNING_RATE
    np.testing.assert_array_equal(doc.data.inputs, [ref.INPUT])
    np.testing.assert_array_equal(doc.data.targets, [ref.TARGET])
    assert net.neurons == [["X1", "X2"], ["H1", "H2"], ["Y1", "Y2"]]


def test_weight_numbering_is_row_major_over_target_then_source(doc: document.Document) -> None:
    net = doc.network
    # w1: X1 -> H1, w2: X2 -> H1, w3: X1 -> H2, w4: X2 -> H2, then the output layer.
    assert [net.weight_name(0, t, s) for t in range(2) for s in range(2)] == \
        ["w1", "w2", "w3", "w4"]
    assert [net.weight_name(1, t, s) for t in range(2) for s in range(2)] == \
        ["w5", "w6", "w7", "w8"]
    assert net.weights[0][0, 1] == 0.15 and net.weights[1][1, 0] == 0.11
    assert net.bias_name(0, 0) == net.bias_name(0, 1) == "b1"
    assert net.bias_name(1, 0) == net.bias_name(1, 1) == "b2"


# --- forward pass ---------------------------------------------------------------------------

def test_forward_values(bp: BackwardPass) -> None:
    fp = bp.forward
    assert fp.nets[0][0].tolist() == [approx(ref.NET_H[0]), approx(ref.NET_H[1])]
    assert fp.outs[1][0].tolist() == [approx(ref.OUT_H[0]), approx(ref.OUT_H[1])]
    assert fp.nets[1][0].tolist() == [approx(ref.NET_Y[0]), approx(ref.NET_Y[1])]
    assert fp.outs[2][0].tolist() == [approx(ref.OUT_Y[0]), approx(ref.OUT_Y[1])]
    np.testing.assert_array_equal(fp.outs[0], [ref.INPUT])


def test_forward_matches_formulas_written_out(bp: BackwardPass) -> None:
    """The forward table's formula column, evaluated directly with Python floats."""
    import math

    p, (x1, x2) = ref.PARAMETERS, ref.INPUT
    sig = lambda z: 1.0 / (1.0 + math.exp(-z))
    net_h1 = p["w1"] * x1 + p["w2"] * x2 + p["b1"]
    net_h2 = p["w3"] * x1 + p["w4"] * x2 + p["b1"]
    out_h1, out_h2 = sig(net_h1), sig(net_h2)
    net_y1 = p["w5"] * out_h1 + p["w6"] * out_h2 + p["b2"]
    net_y2 = p["w7"] * out_h1 + p["w8"] * out_h2 + p["b2"]
    expected = [net_h1, net_h2, out_h1, out_h2, net_y1, net_y2, sig(net_y1), sig(net_y2)]
    fp = bp.forward
    got = [*fp.nets[0][0], *fp.outs[1][0], *fp.nets[1][0], *fp.outs[2][0]]
    np.testing.assert_allclose(got, expected, rtol=1e-15, atol=1e-15)


# --- error ----------------------------------------------------------------------------------

def test_error_terms_and_total(bp: BackwardPass, doc: document.Document) -> None:
    terms = LOSSES["half_sse"].terms(bp.forward.output, bp.targets, bp.forward.nets[-1])
    assert terms[0, 0] == approx(ref.E1)
    assert terms[0, 1] == approx(ref.E2)
    assert bp.loss == approx(ref.E_TOTAL)
    assert bp.per_sample_loss.tolist() == [approx(ref.E_TOTAL)]
    assert loss_value(doc.network, doc.data.inputs, doc.data.targets, "half_sse") == \
        approx(ref.E_TOTAL)
    assert terms[0].sum() == pytest.approx(bp.loss, rel=1e-15)


# --- backward pass --------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(ref.GRADIENTS))
def test_gradient(bp: BackwardPass, name: str) -> None:
    assert bp.gradient(name) == approx(ref.GRADIENTS[name])
    assert bp.grad[bp.network.index_of[name]] == approx(ref.GRADIENTS[name])


def test_gradient_order_is_the_lesson_order(bp: BackwardPass) -> None:
    np.testing.assert_allclose(bp.grad, list(ref.GRADIENTS.values()), rtol=0, atol=ref.TOL)


def test_layer_quantities_of_the_backward_pass(bp: BackwardPass) -> None:
    out_y = np.array(ref.OUT_Y)
    # Output layer: dE/dout = out - T, dout/dnet = out (1 - out).
    np.testing.assert_allclose(bp.d_out[1][0], out_y - np.array(ref.TARGET), atol=ref.TOL)
    np.testing.assert_allclose(bp.d_act[1][0], [ref.W5_DOUT_DNET, 0.2277995751], atol=ref.TOL)
    np.testing.assert_allclose(bp.delta[1][0], bp.d_out[1][0] * bp.d_act[1][0], rtol=1e-15)
    # Hidden layer: dE/doutH = sum over outputs of delta_Y * w.
    np.testing.assert_allclose(bp.d_out[0][0], [0.0201035482, -0.0019985812], atol=ref.TOL)


# --- updated values -------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(ref.UPDATED))
def test_updated_value(iteration: Iteration, name: str) -> None:
    idx = iteration.backward.network.index_of[name]
    assert iteration.step.after.params[idx] == approx(ref.UPDATED[name])
    # and it is p - lr * dE/dp, against the gradient
    before = ref.PARAMETERS[name]
    assert iteration.step.after.params[idx] == pytest.approx(
        before - ref.LEARNING_RATE * iteration.backward.grad[idx], abs=1e-17)


def test_the_original_lessons_slips_are_not_repeated(iteration: Iteration) -> None:
    bp = iteration.backward
    w5 = bp.network.index_of["w5"]
    assert bp.gradient("w5") != pytest.approx(ref.SLIP_W5_GRADIENT_ROUNDED, abs=1e-5)
    assert iteration.step.after.params[w5] != pytest.approx(ref.SLIP_W5_UPDATE_WRONG_SIGN,
                                                            abs=1e-6)
    assert iteration.step.after.params[w5] < ref.PARAMETERS["w5"]  # moved against dE/dw5 > 0


def test_step_starts_from_the_documents_parameters(iteration: Iteration) -> None:
    assert iteration.step.before.params.tolist() == list(ref.PARAMETERS.values())
    assert iteration.step.loss == approx(ref.E_TOTAL)
    assert iteration.step.after.iteration == 1


# --- derivations ----------------------------------------------------------------------------

def test_derivation_of_w5_has_the_lessons_three_factors(bp: BackwardPass) -> None:
    d = bp.derivation("w5")
    assert d.parameter == "w5" and d.symbol == "dE/dw5"
    assert len(d.terms) == 1
    factors = d.terms[0].factors
    assert [f.symbol for f in factors] == ["dE/doutY1", "doutY1/dnetY1", "dnetY1/dw5"]
    assert [f.expansion for f in factors] == [None, None, None]
    assert factors[0].values[0] == approx(ref.W5_DE_DOUT)
    # The seed prints 0.2321218850 here: a slip (see _reference.py). The exact value is
    # outY1 * (1 - outY1) = 0.2321216950(4), which is what makes the seed's own product.
    assert factors[1].values[0] == approx(ref.W5_DOUT_DNET)
    assert factors[1].values[0] != approx(ref.W5_DOUT_DNET_SEED_SLIP)
    assert factors[2].values[0] == approx(ref.W5_DNET_DW)
    product = factors[0].values[0] * factors[1].values[0] * factors[2].values[0]
    assert product == pytest.approx(d.gradient, rel=1e-15)
    assert d.gradient == approx(ref.GRADIENTS["w5"])
    assert d.per_sample.tolist() == [pytest.approx(d.gradient, rel=1e-15)]
    # The formulas are the lesson's.
    assert factors[0].formula == "(outY1 - T1)"
    assert factors[1].formula == "outY1 * (1 - outY1)"
    assert factors[2].formula == "outH1"


def test_the_seeds_printed_factors_only_give_its_product_with_the_exact_slope() -> None:
    exact = ref.W5_DE_DOUT * ref.W5_DOUT_DNET * ref.W5_DNET_DW
    slipped = ref.W5_DE_DOUT * ref.W5_DOUT_DNET_SEED_SLIP * ref.W5_DNET_DW
    assert exact == pytest.approx(ref.GRADIENTS["w5"], abs=1e-10)
    assert slipped != pytest.approx(ref.GRADIENTS["w5"], abs=1e-8)
    assert ref.OUT_Y[0] * (1 - ref.OUT_Y[0]) == pytest.approx(ref.W5_DOUT_DNET, abs=1e-10)


def test_derivation_of_w1_sums_over_both_outputs(bp: BackwardPass) -> None:
    d = bp.derivation("w1")
    assert len(d.terms) == 1
    d_out_h1, d_act_h1, link = d.terms[0].factors
    assert d_out_h1.symbol == "dE/doutH1"
    assert d_act_h1.symbol == "doutH1/dnetH1" and d_act_h1.formula == "outH1 * (1 - outH1)"
    assert link.symbol == "dnetH1/dw1" and link.formula == "x1"
    assert link.values[0] == 0.95
    # dE/doutH1 = sum over outputs i of dE/dout_i * dout_i/dnet_i * dnet_i/doutH1
    assert d_out_h1.expansion is not None and len(d_out_h1.expansion) == 2
    via_y1, via_y2 = d_out_h1.expansion
    assert [f.symbol for f in via_y1.factors] == ["dE/doutY1", "doutY1/dnetY1", "dnetY1/doutH1"]
    assert [f.symbol for f in via_y2.factors] == ["dE/doutY2", "doutY2/dnetY2", "dnetY2/doutH1"]
    assert via_y1.factors[-1].formula == "w5" and via_y1.factors[-1].values[0] == 0.18
    assert via_y2.factors[-1].formula == "w7" and via_y2.factors[-1].values[0] == 0.11
    assert via_y1.factors[0].values[0] == approx(ref.W5_DE_DOUT)
    assert via_y1.factors[1].values[0] == approx(ref.W5_DOUT_DNET)
    total = via_y1.values[0] + via_y2.values[0]
    assert total == pytest.approx(d_out_h1.values[0], rel=1e-14)
    assert d_out_h1.values[0] == approx(0.0201035482)
    assert d_act_h1.values[0] == approx(ref.OUT_H[0] * (1 - ref.OUT_H[0]))
    product = d_out_h1.values[0] * d_act_h1.values[0] * link.values[0]
    assert product == pytest.approx(d.gradient, rel=1e-14)
    assert d.gradient == approx(ref.GRADIENTS["w1"])
    assert "dE/doutY1*doutY1/dnetY1*dnetY1/doutH1" in d_out_h1.formula
    assert "dE/doutY2*doutY2/dnetY2*dnetY2/doutH1" in d_out_h1.formula


@pytest.mark.parametrize("bias,layer_neurons", [("b1", ("H1", "H2")), ("b2", ("Y1", "Y2"))])
def test_shared_bias_sums_over_the_neurons_that_use_it(bp: BackwardPass, bias: str,
                                                       layer_neurons: tuple[str, str]) -> None:
    d = bp.derivation(bias)
    assert len(d.terms) == 2
    for term, neuron in zip(d.terms, layer_neurons):
        link = term.factors[-1]
        assert link.symbol == f"dnet{neuron}/d{bias}"
        assert link.values.tolist() == [1.0]
    assert sum(t.values[0] for t in d.terms) == pytest.approx(d.gradient, rel=1e-14)
    assert d.gradient == approx(ref.GRADIENTS[bias])
    # The sum of each neuron's delta: the gradient the neuron would give its own bias.
    k = 0 if bias == "b1" else 1
    assert bp.delta[k][0].sum() == pytest.approx(d.gradient, rel=1e-14)


def test_every_derivation_multiplies_out_to_its_gradient(bp: BackwardPass) -> None:
    assert bp.network.names == list(ref.GRADIENTS)
    for name in bp.network.names:
        d = bp.derivation(name)
        total = sum(t.values[0] for t in d.terms)
        assert total == pytest.approx(d.gradient, rel=1e-13, abs=1e-18), name
        assert d.gradient == approx(ref.GRADIENTS[name]), name


# --- explanations contain the lesson's numbers -----------------------------------------------

NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]\d+)?|-?\d+")


def _numbers_in(text: str) -> list[float]:
    return [float(m) for m in NUMBER.findall(text)]


def _contains_number(numbers: list[float], value: float) -> bool:
    # The seed rounds to 10 decimals (error <= 5e-11) and the text to 10 significant digits
    # (error <= 5e-11 for values below 1): together they may differ by up to 1e-10.
    return any(abs(n - value) <= 2 * ref.TOL for n in numbers)


def _all_lesson_numbers() -> dict[str, float]:
    values = {f"netH{i + 1}": v for i, v in enumerate(ref.NET_H)}
    values |= {f"outH{i + 1}": v for i, v in enumerate(ref.OUT_H)}
    values |= {f"netY{i + 1}": v for i, v in enumerate(ref.NET_Y)}
    values |= {f"outY{i + 1}": v for i, v in enumerate(ref.OUT_Y)}
    values |= {"E1": ref.E1, "E2": ref.E2, "E": ref.E_TOTAL}
    values |= {f"dE/d{k}": v for k, v in ref.GRADIENTS.items()}
    values |= {f"new {k}": v for k, v in ref.UPDATED.items()}
    values |= {"dE/doutY1": ref.W5_DE_DOUT, "doutY1/dnetY1": ref.W5_DOUT_DNET}
    return values


def test_explained_iteration_contains_every_lesson_number(iteration: Iteration,
                                                          doc: document.Document) -> None:
    text = "\n".join(render_text(e, 10) for e in explain_iteration(iteration, doc.training))
    numbers = _numbers_in(text)
    missing = [k for k, v in _all_lesson_numbers().items() if not _contains_number(numbers, v)]
    assert not missing, f"not in the explanation: {missing}"
    assert "dE/dw5 = 0.5837097788 * 0.232121695 * 0.5384240912 = 0.0729519972" in text
    assert "w5 = 0.18 - 0.01 * 0.0729519972 = 0.17927048" in text
    assert "netH1 = 0.1*0.95 + 0.15*0.06 + 0.05 = 0.154" in text


def test_explained_w1_shows_both_paths_with_w5_and_w7(iteration: Iteration,
                                                      doc: document.Document) -> None:
    ex = explain_parameter(iteration, "w1", doc.training)
    text = render_text(ex, 10)
    assert ex.value == approx(ref.GRADIENTS["w1"])
    assert "dE/dw1 = dE/doutH1 * doutH1/dnetH1 * dnetH1/dw1" in text
    assert ("dE/doutH1 = 0.5837097788 * 0.232121695 * 0.18 + (-0.1710019299) * "
            "0.2277995751 * 0.11 = 0.02010354822") in text
    assert "w1 = 0.1 - 0.01 * 0.004746395662 = 0.09995253604" in text


def test_unknown_parameter_derivation_is_a_key_error(bp: BackwardPass) -> None:
    with pytest.raises(KeyError, match="unknown parameter 'w99'"):
        bp.derivation("w99")


def test_derivations_of_one_pass_do_not_change_with_later_passes(doc: document.Document) -> None:
    """A pass's derivations stay its own: the plan is shared, the numbers are not."""
    trainer = Trainer(doc.network, doc.data.inputs, doc.data.targets, doc.loss, doc.training)
    first = trainer.step(trainer.initial_state())
    kept = {name: first.backward.derivation(name) for name in ("w1", "w5")}
    later = trainer.step(first.after)
    for name in later.backward.network.names:
        later.backward.derivation(name)
    assert kept["w5"].gradient == pytest.approx(ref.GRADIENTS["w5"], abs=ref.TOL)
    factors = kept["w1"].terms[0].factors
    assert factors[0].expansion[0].factors[-1].values[0] == 0.18  # w5 before the update
    assert kept["w5"].terms[0].factors[1].values[0] == pytest.approx(ref.W5_DOUT_DNET,
                                                                     abs=ref.TOL)
