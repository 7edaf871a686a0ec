"""Explanations with a weight penalty and input features: the error stage shows both parts
of E, a weight's derivation carries dP/dw as its own term (so its numbers add up), and the
features are named as such in the forward step and in the chain rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.engine import edits
from simulator.engine.datasets import Dataset
from simulator.engine.explain import (
    DATA_LOSS,
    PENALTY,
    explain_neuron,
    explain_parameter,
    explain_substep,
)
from simulator.engine.explanation import (
    Equation,
    Explanation,
    Group,
    Num,
    Op,
    Sym,
    Text,
    Token,
    equations,
    main_equations,
)
from simulator.engine.explanation_render import render_text
from simulator.engine.stepper import Stepper
from simulator.engine.training import Trainer

TOL = 1e-12


def stepper(l1: float, l2: float, features: tuple[str, ...] = ()) -> Stepper:
    """A 2-3-2 tanh network on three samples (a batch), with the penalty and features."""
    doc = edits.new_document((2, 3, 2), "tanh", seed=4)
    doc = edits.set_data(doc, Dataset(np.array([[0.3, -0.8], [1.2, 0.4], [-0.5, 0.9]]),
                                      np.array([[0.1, 0.9], [0.7, 0.2], [0.4, 0.5]])))
    if features:
        doc = edits.set_features(doc, list(features))
    doc = edits.set_training(doc, l1=l1, l2=l2, learning_rate=0.1)
    return Stepper(Trainer.for_document(doc))


def walk_to(st: Stepper, stage: str, target: str) -> Explanation:
    while st.current is None or (st.current.stage, st.current.target) != (stage, target):
        assert st.step() is not None
    return explain_substep(st.iteration, st.current, st.trainer.config, 1)


def value_of(tokens: tuple[Token, ...]) -> float:
    """Evaluate a numbers row: a sum of products of numbers, "/2" halves and "^2" squares
    the factor before it (no other operators)."""
    terms: list[float] = []
    product = 1.0
    last = 1.0
    for token in tokens:
        if isinstance(token, (Num, Group)):
            last = token.value if isinstance(token, Num) else value_of(token.tokens)
            product *= last
            continue
        assert isinstance(token, Op), token
        op = token.text.strip()
        if op == "+":
            terms.append(product)
            product = 1.0
        elif op == "/2":
            product /= 2
        elif op == "^2":
            product *= last
        else:
            assert op == "*", token
    return sum(terms) + product


@pytest.mark.parametrize(("l1", "l2"), [(0.05, 0.0), (0.0, 0.3), (0.02, 0.1)])
def test_weight_derivation_numbers_add_up_with_the_penalty_term(l1: float, l2: float) -> None:
    st = stepper(l1, l2)
    st.finish_iteration()
    it = st.iteration
    bp = it.backward
    net = bp.network
    for name in net.names:
        for sample in range(bp.n_samples):
            ex = explain_parameter(it, name, st.trainer.config, sample)
            product = next(eq for eq in equations(ex) if eq.lhs.name == f"dE/d{name}"
                           and not eq.qualifier)
            assert value_of(product.numbers) == pytest.approx(product.result.value, abs=TOL)
            mean = next(eq for eq in equations(ex) if eq.lhs.name == f"dE/d{name}"
                        and eq.qualifier)
            assert mean.result.value == pytest.approx(bp.gradient(name), abs=TOL)
            is_weight = net.index_of[name] < net.weight_count
            term = [eq for eq in equations(ex) if eq.lhs.name == f"dP/d{name}"]
            assert bool(term) == is_weight, name
            if is_weight:
                w = net.get(name)
                # the definition: dP/dw = l1 * sign(w) + l2 * w
                assert term[0].result.value == pytest.approx(l1 * math.copysign(1, w) + l2 * w,
                                                             abs=TOL)
                assert value_of(term[0].numbers) == pytest.approx(term[0].result.value,
                                                                  abs=TOL)
                assert Sym(f"dP/d{name}") in product.formula
                assert ("l1" in str(term[0].formula)) == bool(l1)
                assert ("l2" in str(term[0].formula)) == bool(l2)


def test_the_error_stage_shows_both_parts_of_e() -> None:
    l1, l2 = 0.02, 0.1
    st = stepper(l1, l2)
    last = st.trainer.network.neurons[-1][-1]
    ex = walk_to(st, "error", last)
    bp = st.iteration.backward
    net = bp.network
    eqs = {eq.lhs.name + (" " + eq.qualifier if eq.qualifier else ""): eq
           for eq in equations(ex)}
    w = net.params[:net.weight_count]
    abs_sum, square_sum = float(np.abs(w).sum()), float(w @ w)
    penalty = l1 * abs_sum + l2 / 2 * square_sum
    p = eqs[PENALTY]
    assert p.result.value == pytest.approx(penalty, abs=TOL)
    assert value_of(p.numbers) == pytest.approx(penalty, abs=TOL)
    assert eqs["sum|w|"].result.value == pytest.approx(abs_sum, abs=TOL)
    assert value_of(eqs["sum|w|"].numbers) == pytest.approx(abs_sum, abs=TOL)
    assert eqs["sum w^2"].result.value == pytest.approx(square_sum, abs=TOL)
    mean = next(eq for eq in equations(ex) if eq.lhs.name == DATA_LOSS and eq.qualifier)
    data_loss = st.trainer.data_loss(st.params)
    assert mean.result.value == pytest.approx(data_loss, abs=TOL)
    total = eqs["E"]
    assert [t.name for t in total.formula if isinstance(t, Sym)] == [DATA_LOSS, PENALTY]
    assert value_of(total.numbers) == pytest.approx(total.result.value, abs=TOL)
    assert total.result.value == pytest.approx(data_loss + penalty, abs=TOL)
    assert total.result.value == pytest.approx(st.trainer.dataset_loss(st.params), abs=TOL)
    assert ex.value == pytest.approx(total.result.value, abs=TOL)
    assert total in main_equations(ex) and p in main_equations(ex)
    text = render_text(ex)
    assert "P = l1 * sum|w| + l2/2 * sum w^2" in text
    assert "E = E_data + P" in text


def test_without_a_penalty_the_error_stage_is_the_lessons() -> None:
    st = stepper(0.0, 0.0)
    last = st.trainer.network.neurons[-1][-1]
    ex = walk_to(st, "error", last)
    names = {eq.lhs.name for eq in equations(ex)}
    assert PENALTY not in names and DATA_LOSS not in names
    assert "E" in names
    st2 = stepper(0.0, 0.0)
    d = st2.iteration.backward.derivation("w1")
    assert d.penalty is None


def test_only_the_active_part_of_the_penalty_is_written() -> None:
    st = stepper(0.0, 0.25)
    last = st.trainer.network.neurons[-1][-1]
    ex = walk_to(st, "error", last)
    p = next(eq for eq in equations(ex) if eq.lhs.name == PENALTY)
    assert [t for t in equations(ex) if t.lhs.name == "sum|w|"] == []
    assert render_text(Explanation("", (p,))).strip().startswith("P = l2/2 * sum w^2\n")


def test_features_are_named_in_the_forward_step_and_the_chain_rule() -> None:
    st = stepper(0.0, 0.0, ("x1", "x1^2", "x1*x2", "sin(x2)"))
    net = st.trainer.network
    assert net.neurons[0] == ["X1", "X1^2", "X1*X2", "sin(X2)"]
    first = net.neurons[1][0]
    ex = walk_to(st, "forward", first)
    net_eq = ex.blocks[0]
    assert isinstance(net_eq, Equation)
    symbols = [t.name for g in net_eq.formula if isinstance(g, Group)
               for t in g.tokens if isinstance(t, Sym)]
    assert {"x1", "x1^2", "x1*x2", "sin(x2)"} <= set(symbols)
    quantities = [t.quantity for g in net_eq.numbers if isinstance(g, Group)
                  for t in g.tokens if isinstance(t, Num)]
    assert "x1^2" in quantities
    # the numbers are the features of the data's row
    row = st.iteration.step.batch[1]
    raw = st.trainer.inputs[row]
    nums = {t.quantity: t.value for g in net_eq.numbers if isinstance(g, Group)
            for t in g.tokens if isinstance(t, Num)}
    assert nums["x1^2"] == pytest.approx(raw[1], abs=0)
    notes = [b for b in ex.blocks if isinstance(b, Text)]
    assert len(notes) == 1 and "x1^2 is the first input squared" in notes[0].text
    assert "sin(x2) is the sine of the second input" in notes[0].text
    # a neuron further on has no note; nor does a network without features
    later = walk_to(st, "forward", net.neurons[2][0])
    assert not [b for b in later.blocks if isinstance(b, Text)]
    plain = stepper(0.0, 0.0)
    assert not [b for b in walk_to(plain, "forward", "H1").blocks if isinstance(b, Text)]
    # the chain rule's factor dnet/dw of a feature's weight is that feature, one symbol
    st.finish_iteration()
    for name, feature in (("w2", "x1^2"), ("w3", "x1*x2"), ("w4", "sin(x2)")):
        ex = explain_parameter(st.iteration, name, st.trainer.config, 0)
        factor = next(eq for eq in equations(ex) if eq.lhs.name.endswith(f"/d{name}")
                      and eq.lhs.name.startswith("dnet"))
        assert [t for g in factor.formula if isinstance(g, Group)
                for t in g.tokens] == [Sym(feature)], name
    neuron = explain_neuron(st.iteration, first, 0)
    assert neuron is not None and any(isinstance(b, Text) for b in neuron.blocks)
