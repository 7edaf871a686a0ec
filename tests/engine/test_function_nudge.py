"""The nudge probe: central differences beside the analytic derivative, for a typed
function and for a network parameter (the reference lesson's w1 and w5)."""

from __future__ import annotations

import math

import pytest

from simulator.engine import document
from simulator.engine.backprop import loss_value
from simulator.engine.function import (
    EPSILONS,
    nudge_document,
    nudge_function,
    nudge_network,
    parse_function,
)

from . import _reference as ref

E2 = math.exp(2.0)


def test_nudging_x_of_the_lessons_sine() -> None:
    probe = nudge_function(parse_function("e^2*sin(x)"), {"x": 0.0}, "x")
    assert probe.label == "df/dx" and probe.at == 0.0 and probe.value == 0.0
    assert probe.analytic == pytest.approx(E2, abs=1e-12)
    assert [r.epsilon for r in probe.rows] == list(EPSILONS)
    for r in probe.rows:
        # by hand: (e^2 sin(eps) - e^2 sin(-eps)) / (2 eps) = e^2 sin(eps) / eps
        assert r.estimate == pytest.approx(E2 * math.sin(r.epsilon) / r.epsilon, rel=1e-9)
        assert r.value_plus == pytest.approx(E2 * math.sin(r.epsilon), rel=1e-14)
        assert r.error == r.estimate - probe.analytic
    errors = [abs(r.error) for r in probe.rows]
    assert errors[0] > errors[1] > errors[2] > errors[3]  # converging as epsilon shrinks
    assert probe.best.epsilon <= 1e-3


def test_nudging_one_of_several_variables() -> None:
    f = parse_function("x*y + x^2")
    px = nudge_function(f, {"x": 3.0, "y": -3.0}, "x")
    py = nudge_function(f, {"x": 3.0, "y": -3.0}, "y", epsilons=(0.5,))
    assert px.analytic == 3.0 and py.analytic == 3.0
    # f is quadratic in x and linear in y: central differences are exact but for rounding
    assert all(r.estimate == pytest.approx(3.0, abs=1e-8) for r in px.rows)
    assert py.rows[0].value_plus == 3.0 * -2.5 + 9.0
    with pytest.raises(ValueError, match="not a variable"):
        nudge_function(f, {"x": 3.0, "y": -3.0}, "z")
    with pytest.raises(ValueError, match="epsilon"):
        nudge_function(f, {"x": 3.0, "y": -3.0}, "x", epsilons=(0.0,))


@pytest.mark.parametrize("name", ["w1", "w5", "b2"])
def test_nudging_a_weight_of_the_reference_network(name: str) -> None:
    doc = document.load(ref.REFERENCE_JSON)
    probe = nudge_document(doc, name)
    assert probe.label == f"dE/d{name}"
    assert probe.at == pytest.approx(ref.PARAMETERS[name], abs=1e-15)
    assert probe.value == pytest.approx(ref.E_TOTAL, abs=ref.TOL)
    assert probe.analytic == pytest.approx(ref.GRADIENTS[name], abs=ref.TOL)  # the seed
    for r in probe.rows:
        assert r.epsilon in EPSILONS
        # truncation error ~ eps^2 (up to ~2e-8 at 1e-3), rounding ~ 1e-16 / eps
        if 1e-5 <= r.epsilon <= 1e-3:
            tol = 1e-7 if r.epsilon == 1e-3 else 1e-9
            assert r.estimate == pytest.approx(ref.GRADIENTS[name], abs=tol)
    # the nudged losses are the loss of the network with that one weight moved
    moved = doc.network.copy()
    moved.set(name, ref.PARAMETERS[name] + 1e-2)
    assert probe.rows[1].value_plus == loss_value(moved, doc.data.inputs, doc.data.targets,
                                                  doc.loss)
    assert doc.network.get(name) == ref.PARAMETERS[name]  # the document is untouched


def test_nudge_network_refuses_an_unknown_parameter() -> None:
    doc = document.load(ref.REFERENCE_JSON)
    with pytest.raises(ValueError, match="not a parameter"):
        nudge_network(doc.network, doc.data.inputs, doc.data.targets, doc.loss, "w99")
