"""What a sub-step reads and writes (the presenter's spotlight), checked against the
explanation trees the engine builds independently from the backward pass's factors."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.engine import document
from simulator.engine.dataflow import (
    LOSS,
    ErrorTerm,
    NeuronValue,
    ParamGrad,
    ParamValue,
    TargetValue,
    substep_flow,
)
from simulator.engine.explain import explain_substep
from simulator.engine.explanation import Group, Num, Sym, Token, equations
from simulator.engine.network import LayerSpec, Network
from simulator.engine.optimizers import TrainingConfig
from simulator.engine.stepper import Iteration, plan_substeps
from simulator.engine.training import Trainer

from . import _reference as ref


def _reference() -> tuple[Iteration, TrainingConfig]:
    doc = document.load(ref.REFERENCE_JSON)
    trainer = Trainer(doc.network, doc.data.inputs, doc.data.targets, doc.loss, doc.training)
    return Iteration(trainer.step(trainer.initial_state()),
                     tuple(plan_substeps(doc.network))), doc.training


def _deeper() -> tuple[Iteration, TrainingConfig]:
    """2-3-3-2, a bias per neuron in the first hidden layer, shared after, none last."""
    layers = [LayerSpec(3, "tanh", "neuron"), LayerSpec(3, "sigmoid", "shared"),
              LayerSpec(2, "sigmoid", "none")]
    rng = np.random.default_rng(5)
    net = Network.create(2, layers, rng.normal(size=Network.count_parameters(2, layers)))
    X, T = rng.normal(size=(2, 2)), rng.uniform(size=(2, 2))
    config = TrainingConfig("gd", learning_rate=0.1, batch_size=2)
    trainer = Trainer(net, X, T, "mse", config)
    return Iteration(trainer.step(trainer.initial_state()), tuple(plan_substeps(net))), config


def _flat(tokens: tuple[Token, ...]) -> list[Token]:
    out: list[Token] = []
    for t in tokens:
        out.extend(_flat(t.tokens) if isinstance(t, Group) else [t])
    return out


def _named_elements(it: Iteration, names: set[str]) -> set[object]:
    """The dataflow elements the symbols ``names`` stand for (outH1, x1, T2, w5, ...)."""
    bp = it.backward
    net, sym = bp.network, bp._symbols
    table: dict[str, object] = {}
    for layer, size in enumerate(net.sizes):
        for i in range(size):
            table[sym.out(layer, i)] = NeuronValue(layer, i)
            if layer:
                table[sym.net(layer, i)] = NeuronValue(layer, i)
    for j in range(net.output_size):
        table[sym.target(j)] = TargetValue(j)
    for name in net.names:
        table[name] = ParamValue(name)
    return {table[n] for n in names if n in table}


def _tree_elements(it: Iteration, config: TrainingConfig, k: int) -> set[object]:
    """The neurons, targets and parameters an explanation writes in symbols or numbers."""
    ex = explain_substep(it, it.substeps[k], config)
    names: set[str] = set()
    for eq in equations(ex):
        for token in _flat(eq.formula) + _flat(eq.numbers):
            if isinstance(token, Sym):
                names.add(token.name)
            elif isinstance(token, Num):
                names.add(token.quantity)
    return _named_elements(it, names)


@pytest.mark.parametrize("case", [_reference, _deeper])
def test_every_value_a_derivation_uses_is_read(case) -> None:
    it, config = case()
    net = it.backward.network
    for k, sub in enumerate(it.substeps):
        if sub.stage == "update":
            continue
        flow = substep_flow(net, sub)
        used = _tree_elements(it, config, k)
        assert used <= flow.touched, (sub.title, used - flow.touched)
        if sub.stage == "backward" and case is _reference:
            # ...and every parameter read is one the chain rule multiplies by (deeper
            # down, the tree names weights by their factor, dnetY1/doutH2_1).
            read_params = {e for e in flow.reads if isinstance(e, ParamValue)}
            assert read_params <= used, (sub.title, read_params - used)


def test_the_reference_lesson_reads_and_writes() -> None:
    it, _config = _reference()
    net = it.backward.network
    by_title = {s.title: s for s in it.substeps}

    h1 = substep_flow(net, by_title["Forward: H1"])
    assert h1.writes == {NeuronValue(1, 0)}
    assert h1.reads == {NeuronValue(0, 0), NeuronValue(0, 1), ParamValue("w1"),
                        ParamValue("w2"), ParamValue("b1")}

    e2 = substep_flow(net, by_title["Error: Y2"])
    assert e2.writes == {ErrorTerm(1), LOSS}
    assert {NeuronValue(2, 1), TargetValue(1), ErrorTerm(0)} <= e2.reads

    w5 = substep_flow(net, by_title["Backward: dE/dw5"])
    assert w5.writes == {ParamGrad("w5")}
    assert w5.reads == {NeuronValue(1, 0), NeuronValue(2, 0), TargetValue(0)}

    w1 = substep_flow(net, by_title["Backward: dE/dw1"])
    assert w1.writes == {ParamGrad("w1")}
    assert w1.parameters() == {"w1", "w5", "w7"}
    assert w1.neurons() == {(0, 0), (1, 0), (2, 0), (2, 1)}
    assert {TargetValue(0), TargetValue(1)} <= w1.reads

    b1 = substep_flow(net, by_title["Backward: dE/db1"])
    assert b1.parameters() == {"b1", "w5", "w6", "w7", "w8"}
    assert (0, 0) not in b1.neurons()  # a bias multiplies 1, not an input

    update = substep_flow(net, by_title["Update: all parameters"])
    assert update.writes == {ParamValue(n) for n in net.names}


def test_frozen_parameters_are_not_written_by_the_update() -> None:
    it, _config = _reference()
    net = it.backward.network.with_frozen({"w5"})
    flow = substep_flow(net, plan_substeps(net)[-1])
    assert ParamValue("w5") not in flow.writes and ParamValue("w1") in flow.writes
