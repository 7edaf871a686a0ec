"""Explanations: the tree's numbers are the engine's, tagged given or computed as a
worksheet needs them, and every renderer writes the same numbers as the lesson does."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator

import numpy as np
import pytest

from simulator.engine import document
from simulator.engine.backprop import backward
from simulator.engine.explain import (
    error_terms,
    explain_iteration,
    explain_neuron,
    explain_parameter,
    explain_substep,
    gradient_table,
)
from simulator.engine.explanation import (
    COMPUTED,
    GIVEN,
    Equation,
    Explanation,
    Group,
    Num,
    Op,
    Sym,
    Token,
    equations,
    main_equations,
    numbers,
    split_derivative,
    tokens_numbers,
)
from simulator.engine.explanation_render import (
    BLANK,
    NEW_PREFIX,
    TextRenderer,
    change_digits,
    render_markdown,
    render_text,
    text_lines,
)
from simulator.engine.losses import LOSSES
from simulator.engine.network import LayerSpec, Network
from simulator.engine.numbers import format_number
from simulator.engine.optimizers import (
    OPTIMIZER_NAMES,
    UPDATE_RULES,
    TrainingConfig,
    update_formula,
)
from simulator.engine.stepper import Iteration, plan_substeps
from simulator.engine.training import Trainer

from . import _reference as ref

NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]\d+)?")


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


# --- cases ------------------------------------------------------------------------------------

def _iteration(network: Network, X: np.ndarray, T: np.ndarray, loss: str,
               config: TrainingConfig, steps_before: int = 0) -> Iteration:
    """The iteration after ``steps_before`` optimizer steps (so momentum and Adam have
    buffers from earlier steps)."""
    trainer = Trainer(network, X, T, loss, config)
    state = trainer.initial_state()
    for _ in range(steps_before):
        state = trainer.step(state).after
    return Iteration(trainer.step(state), tuple(plan_substeps(network)))


def _reference(config: TrainingConfig | None = None) -> tuple[Iteration, TrainingConfig]:
    doc = document.load(ref.REFERENCE_JSON)
    config = config or doc.training
    return _iteration(doc.network, doc.data.inputs, doc.data.targets, doc.loss, config), config


def _bigger(optimizer: str = "gd", steps_before: int = 0, frozen: tuple[str, ...] = ()
            ) -> tuple[Iteration, TrainingConfig]:
    """2-3-3-2 with a bias per neuron (tanh, sigmoid hidden layers), batch of 4, mse."""
    layers = [LayerSpec(3, "tanh", "neuron"), LayerSpec(3, "sigmoid", "neuron"),
              LayerSpec(2, "sigmoid", "neuron")]
    rng = np.random.default_rng(3)
    net = Network.create(2, layers, rng.normal(size=Network.count_parameters(2, layers)),
                         frozen=frozen)
    X = rng.normal(size=(4, 2))
    T = rng.uniform(size=(4, 2))
    config = TrainingConfig(optimizer, learning_rate=0.3, batch_size=4)
    return _iteration(net, X, T, "mse", config, steps_before), config


def _softmax_case(optimizer: str = "adam", frozen: tuple[str, ...] = ()
                  ) -> tuple[Iteration, TrainingConfig]:
    layers = [LayerSpec(3, "tanh", "neuron"), LayerSpec(2, "relu", "none"),
              LayerSpec(3, "softmax", "shared")]
    rng = np.random.default_rng(8)
    net = Network.create(2, layers, rng.normal(size=Network.count_parameters(2, layers)),
                         frozen=frozen)
    X = rng.normal(size=(3, 2))
    T = rng.dirichlet(np.ones(3), 3)
    config = TrainingConfig(optimizer, learning_rate=0.1, batch_size=3)
    return _iteration(net, X, T, "cross_entropy", config), config


CASES = {
    "reference": lambda: _reference(),
    "2-3-3-2 gd": lambda: _bigger("gd"),
    "2-3-3-2 sgd": lambda: _bigger("sgd"),
    "2-3-3-2 momentum, 3rd step": lambda: _bigger("momentum", steps_before=2),
    "2-3-3-2 adam, 3rd step": lambda: _bigger("adam", steps_before=2, frozen=("w4",)),
    "softmax adam": lambda: _softmax_case(),
}


def _all_explanations(it: Iteration, config: TrainingConfig,
                      sample: int = 0) -> Iterator[tuple[str, Explanation]]:
    for sub in it.substeps:
        yield f"{sub.stage}:{sub.target}", explain_substep(it, sub, config, sample)
    net = it.backward.network
    for name in net.names:
        yield f"parameter:{name}", explain_parameter(it, name, config, sample)
    for layer in net.neurons[1:]:
        for name in layer:
            ex = explain_neuron(it, name, sample)
            assert ex is not None
            yield f"neuron:{name}", ex


def _tokens_text(tokens: tuple[Token, ...]) -> str:
    out = []
    for t in tokens:
        if isinstance(t, Sym):
            out.append(t.name)
        elif isinstance(t, Op):
            out.append(t.text)
        elif isinstance(t, Group):
            out.append(_tokens_text(t.tokens))
        else:
            out.append(repr(t.value))
    return "".join(out)


def _flat(tokens: tuple[Token, ...]) -> list[Token]:
    out: list[Token] = []
    for t in tokens:
        out.extend(_flat(t.tokens) if isinstance(t, Group) else [t])
    return out


def _products(tokens: tuple[Token, ...]) -> list[list[float]]:
    """The numbers of each top-level term of a sum of products."""
    terms: list[list[float]] = [[]]
    for t in tokens:
        if isinstance(t, Op) and t.text.strip() == "+":
            terms.append([])
        else:
            terms[-1].extend(n.value for n in _flat((t,)) if isinstance(n, Num))
    return terms


# --- the numbers are the engine's ----------------------------------------------------------------

@pytest.mark.parametrize("case", list(CASES))
def test_forward_numbers_are_the_engines(case: str) -> None:
    it, config = CASES[case]()
    bp = it.backward
    net = bp.network
    for sample in range(bp.n_samples):
        for sub in it.substeps:
            if sub.stage != "forward":
                continue
            ex = explain_substep(it, sub, config, sample)
            net_eq, out_eq = ex.blocks
            assert isinstance(net_eq, Equation) and isinstance(out_eq, Equation)
            k, j = sub.layer - 1, sub.index
            assert net_eq.result == Num(bp.forward.nets[k][sample, j], COMPUTED,
                                        f"net{sub.target}")
            assert out_eq.result == Num(bp.forward.outs[sub.layer][sample, j], COMPUTED,
                                        f"out{sub.target}")
            assert ex.value == bp.forward.outs[sub.layer][sample, j]
            # The weighted sum in numbers: each weight times its source, then the bias.
            terms = _products(net_eq.numbers)
            weights = [t[0] for t in terms[:net.sizes[k]]]
            sources = [t[1] for t in terms[:net.sizes[k]]]
            assert weights == net.weights[k][j].tolist()
            assert sources == bp.forward.outs[k][sample].tolist()
            bias = net.bias_name(k, j)
            assert terms[net.sizes[k]:] == ([[net.get(bias)]] if bias else [])
            # ... and they add up to the net input (independent arithmetic).
            total = math.fsum(math.prod(t) for t in terms)
            assert total == pytest.approx(net_eq.result.value, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("case", list(CASES))
def test_error_numbers_are_the_engines(case: str) -> None:
    it, config = CASES[case]()
    bp = it.backward
    m = bp.network.output_size
    out, t = bp.forward.outs[-1], bp.targets
    for sample in range(bp.n_samples):
        subs = [s for s in it.substeps if s.stage == "error"]
        for sub in subs:
            ex = explain_substep(it, sub, config, sample)
            term_eq = ex.blocks[0]
            assert isinstance(term_eq, Equation)
            assert term_eq.result is not None
            j = sub.index
            # independent: the losses' definitions written out here
            if bp.loss_name == "half_sse":
                expected = 0.5 * (t[sample, j] - out[sample, j]) ** 2
            elif bp.loss_name == "mse":
                expected = (t[sample, j] - out[sample, j]) ** 2 / m
            else:  # cross-entropy on the softmax output
                expected = -t[sample, j] * math.log(out[sample, j])
            assert term_eq.result.value == pytest.approx(expected, rel=1e-9)
            given = [n for n in _flat(term_eq.numbers) if isinstance(n, Num)]
            assert Num(t[sample, j], GIVEN, f"T{j + 1}") in given
            assert Num(out[sample, j], COMPUTED, f"out{sub.target}") in given
        last = explain_substep(it, subs[-1], config, sample)
        total = last.blocks[1]
        assert isinstance(total, Equation) and total.result is not None
        parts = [n.value for n in _flat(total.numbers) if isinstance(n, Num)]
        assert parts == error_terms(bp)[sample].tolist()
        assert total.result.value == pytest.approx(math.fsum(parts), rel=1e-12)
        assert total.result.value == bp.per_sample_loss[sample]
        if bp.n_samples > 1:
            mean = last.blocks[2]
            assert isinstance(mean, Equation) and mean.result is not None
            assert mean.result.value == bp.loss
            assert mean.qualifier == f"over the batch of {bp.n_samples} samples (mean)"
        assert last.value == bp.loss


def _finite_difference(it: Iteration, name: str, h: float = 1e-6) -> float:
    bp = it.backward
    net = bp.network.copy()
    i = net.index_of[name]
    values = []
    for step in (h, -h):
        trial = net.copy()
        trial.params[i] += step
        values.append(backward(trial, bp.inputs, bp.targets, bp.loss_name).loss)
    return (values[0] - values[1]) / (2 * h)


@pytest.mark.parametrize("case", list(CASES))
def test_backward_numbers_are_the_engines(case: str) -> None:
    it, config = CASES[case]()
    bp = it.backward
    n = bp.n_samples
    for sample in range(n):
        for name in bp.network.names:
            d = bp.derivation(name)
            ex = explain_substep(it, it.substeps[it.substep_index[("backward", name)]],
                                 config, sample)
            product = ex.blocks[0]
            assert isinstance(product, Equation) and product.result is not None
            assert product.result.value == d.per_sample[sample]
            # The numbers line multiplies out to the result (independent arithmetic)...
            terms = _products(product.numbers)
            assert len(terms) == len(d.terms)
            assert math.fsum(math.prod(t) for t in terms) == pytest.approx(
                product.result.value, rel=1e-9, abs=1e-15)
            # ... of the factors' values, each the engine's, each explained once below.
            factors = {f.symbol: f.values[sample] for t in d.terms for f in t.factors}
            for term, numbers_ in zip(d.terms, terms):
                assert numbers_ == [f.values[sample] for f in term.factors]
            explained = [eq for eq in equations(ex) if eq is not product
                         and eq.result is not None and eq.lhs.name.startswith("d")
                         and eq.qualifier == ""]
            symbols = [eq.lhs.name for eq in explained]
            assert len(symbols) == len(set(symbols))
            assert set(factors) <= set(symbols)
            for eq in explained:
                assert eq.result is not None
                if eq.lhs.name in factors:
                    assert eq.result.value == factors[eq.lhs.name]
                if eq.numbers:  # a sum over paths: it adds up to the factor's value
                    assert math.fsum(math.prod(p) for p in _products(eq.numbers)) == \
                        pytest.approx(eq.result.value, rel=1e-9, abs=1e-15)
            if n > 1:
                mean = ex.blocks[1]
                assert isinstance(mean, Equation) and mean.result is not None
                assert mean.result.value == bp.gradient(name)
                assert mean.main and not product.main
            else:
                assert product.main
            assert ex.value == bp.gradient(name)
        if sample == 0:
            for name in bp.network.names[:: max(1, len(bp.network.names) // 5)]:
                assert bp.gradient(name) == pytest.approx(_finite_difference(it, name),
                                                          rel=1e-5, abs=1e-8)


def _torch_rule(config: TrainingConfig, p: float, g: float, state: dict[str, float],
                t: int) -> tuple[float, dict[str, float]]:
    """One step of PyTorch's documented update for one parameter, written out here."""
    lr = config.learning_rate
    if config.optimizer in ("gd", "sgd"):
        return p - lr * g, {}
    if config.optimizer == "momentum":
        b = g if t == 1 else config.momentum * state["b"] + g
        return p - lr * b, {"b": b}
    m = config.beta1 * state.get("m", 0.0) + (1 - config.beta1) * g
    v = config.beta2 * state.get("v", 0.0) + (1 - config.beta2) * g * g
    m_hat = m / (1 - config.beta1 ** t)
    v_hat = v / (1 - config.beta2 ** t)
    return p - lr * m_hat / (math.sqrt(v_hat) + config.eps), {"m": m, "v": v,
                                                             "m_hat": m_hat, "v_hat": v_hat}


@pytest.mark.parametrize("case", list(CASES))
def test_update_numbers_are_the_engines(case: str) -> None:
    it, config = CASES[case]()
    net = it.backward.network
    before, after = it.step.before, it.step.after
    t = after.optimizer.step
    update = explain_substep(it, it.substeps[-1], config)
    rules = len(UPDATE_RULES[config.optimizer])
    per_param = update.blocks[rules:]
    assert [eq.lhs.name for eq in per_param if isinstance(eq, Equation)] == net.names
    buffers = {"b": "momentum_buffer", "m": "exp_avg", "v": "exp_avg_sq"}
    for idx, name in enumerate(net.names):
        eq = per_param[idx]
        assert isinstance(eq, Equation) and eq.result is not None
        if name in net.frozen:
            assert eq.note == "frozen, not updated"
            assert eq.result == Num(before.params[idx], GIVEN, name)
            assert after.params[idx] == before.params[idx]
            continue
        assert eq.result == Num(after.params[idx], COMPUTED, f"new {name}")
        assert eq.main and eq.refers_to is not None and eq.refers_to.name == name
        substituted = [n for n in _flat(eq.numbers) if isinstance(n, Num)]
        assert substituted[0] == Num(before.params[idx], GIVEN, name)
        assert Num(config.learning_rate, GIVEN, "lr") in substituted
        # The selected parameter's update nests the optimizer's buffers under it.
        detail = explain_parameter(it, name, config)
        last = detail.blocks[-1]
        assert isinstance(last, Equation) and last.result == eq.result
        assert last.numbers == eq.numbers
        state = {k: float(before.optimizer.buffers[b][idx]) for k, b in buffers.items()
                 if b in before.optimizer.buffers}
        expected, values = _torch_rule(config, before.params[idx],
                                       it.backward.grad[idx], state, t)
        assert eq.result.value == pytest.approx(expected, rel=1e-12, abs=1e-15)
        children = {c.lhs.name: c for c in last.children}
        assert set(children) == {f"{k}({name})" for k in values}
        for key, value in values.items():
            child = children[f"{key}({name})"]
            assert child.result is not None
            assert child.result.value == pytest.approx(value, rel=1e-12, abs=1e-300)
            if key in buffers:
                assert child.result.value == after.optimizer.buffers[buffers[key]][idx]
                previous = [n for n in _flat(child.numbers) if isinstance(n, Num)
                            and n.quantity == f"{key}({name})"]
                assert previous == [Num(state.get(key, 0.0), GIVEN, f"{key}({name})")]


def test_update_rules_are_the_optimizers_own() -> None:
    texts = {name: update_formula(TrainingConfig(name)) for name in OPTIMIZER_NAMES}
    assert texts["gd"] == texts["sgd"] == "p <- p - lr * dE/dp"
    assert texts["momentum"] == "b <- momentum * b + dE/dp;  p <- p - lr * b"
    assert texts["adam"].endswith("p <- p - lr * m_hat / (sqrt(v_hat) + eps)")
    # The explanation writes the same rule, with the hyper-parameters' values.
    it, config = _reference(TrainingConfig("momentum", momentum=0.75))
    lines = text_lines(explain_substep(it, it.substeps[-1], config), 6)
    assert lines[:2] == ["b <- 0.75 * b + dE/dp", "p <- p - lr * b"]
    it, config = _reference(TrainingConfig("adam", beta1=0.8))
    lines = text_lines(explain_substep(it, it.substeps[-1], config), 6)
    assert lines[:5] == ["m <- 0.8 * m + (1 - 0.8) * dE/dp",
                         "v <- 0.999 * v + (1 - 0.999) * (dE/dp)^2",
                         "m_hat <- m / (1 - 0.8^t)", "v_hat <- v / (1 - 0.999^t)",
                         "p <- p - lr * m_hat / (sqrt(v_hat) + 1e-08)"]


# --- given or computed ---------------------------------------------------------------------------

_GIVEN_QUANTITY = re.compile(r"x\d+|T\d+|[wb]\d+|lr|t|momentum|beta1|beta2|eps|[bmv]\([wb]\d+\)")


def _kind(quantity: str) -> str:
    """"new_w" for "new w5", "d" for "dE/dw5", "out" for "outH1", "m_hat" for "m_hat(w1)"."""
    if quantity.startswith("new "):
        return "new_" + _kind(quantity[4:])
    match = re.match(r"m_hat|v_hat|momentum|beta|eps|lr|out|net|d|x|T|E|w|b|m|v|t", quantity)
    assert match, quantity
    return match.group()


@pytest.mark.parametrize("case", list(CASES))
def test_given_and_computed_numbers_are_tagged_as_a_worksheet_needs(case: str) -> None:
    it, config = CASES[case]()
    seen: Counter[str] = Counter()
    for _label, ex in _all_explanations(it, config):
        for num in numbers(ex):
            given = bool(_GIVEN_QUANTITY.fullmatch(num.quantity))
            assert num.role == (GIVEN if given else COMPUTED), num
            assert num.given == given
            seen[f"{num.role}:{_kind(num.quantity)}"] += 1
    expected = {"given:x", "given:T", "given:w", "given:lr", "computed:net", "computed:out",
                "computed:E", "computed:d", "computed:new_w"}
    assert expected <= set(seen), seen
    if config.optimizer == "adam":
        assert {"given:beta", "given:eps", "given:t", "given:m", "given:v", "computed:new_m",
                "computed:new_v", "computed:new_m_hat", "computed:new_v_hat"} <= set(seen)
    if config.optimizer == "momentum":
        assert {"given:momentum", "given:b", "computed:new_b"} <= set(seen)


def test_the_reference_numbers_and_their_quantities() -> None:
    it, config = _reference()
    by_quantity: dict[str, set[float]] = {}
    for _label, ex in _all_explanations(it, config):
        for num in numbers(ex):
            by_quantity.setdefault(num.quantity, set()).add(num.value)
    lesson = {"x1": ref.INPUT[0], "x2": ref.INPUT[1], "T1": ref.TARGET[0],
              "T2": ref.TARGET[1], "lr": ref.LEARNING_RATE, "outH1": ref.OUT_H[0],
              "outY2": ref.OUT_Y[1], "netY1": ref.NET_Y[0], "E1": ref.E1, "E": ref.E_TOTAL,
              "dE/doutY1": ref.W5_DE_DOUT, "doutY1/dnetY1": ref.W5_DOUT_DNET}
    lesson |= ref.PARAMETERS
    lesson |= {f"dE/d{k}": v for k, v in ref.GRADIENTS.items()}
    lesson |= {f"new {k}": v for k, v in ref.UPDATED.items()}
    for quantity, value in lesson.items():
        values = by_quantity[quantity]
        assert len(values) == 1, (quantity, values)  # one quantity, one value
        assert values.pop() == pytest.approx(value, abs=ref.TOL), quantity


# --- what refers to what, and what a quiz asks ---------------------------------------------------

def test_main_results_and_what_they_refer_to() -> None:
    it, config = _bigger("gd")
    bp = it.backward
    for sub in it.substeps:
        ex = explain_substep(it, sub, config)
        mains = main_equations(ex)
        assert mains
        if sub.stage == "forward":
            assert {eq.lhs.name for eq in mains} == {f"net{sub.target}", f"out{sub.target}"}
            assert {(eq.refers_to.kind, eq.refers_to.name) for eq in mains
                    if eq.refers_to} == {("neuron", sub.target)}
        elif sub.stage == "backward":
            (eq,) = mains
            assert eq.refers_to is not None and eq.refers_to.name == sub.target
            assert eq.result is not None and eq.result.value == bp.gradient(sub.target)
        elif sub.stage == "update":
            assert [eq.refers_to.name for eq in mains if eq.refers_to] == bp.network.names
        assert ex.refers_to is None or ex.refers_to.name in (sub.target, "E")


def test_selected_neuron_and_parameter() -> None:
    it, config = _reference()
    assert explain_neuron(it, "X1") is None and explain_neuron(it, "nope") is None
    y1 = explain_neuron(it, "Y1")
    assert y1 is not None and y1.refers_to is not None and y1.refers_to.name == "Y1"
    assert y1.value == pytest.approx(ref.OUT_Y[0], abs=ref.TOL)
    assert "E1 = 0.5 * (0.05 - 0.6337097788)^2 = 0.170358553" in render_text(y1, 10)
    h1 = render_text(explain_neuron(it, "H1"), 10)  # type: ignore[arg-type]
    assert "E1" not in h1 and "netH1 = 0.1*0.95 + 0.15*0.06 + 0.05 = 0.154" in h1
    b2 = explain_parameter(it, "b2", config)
    assert b2.value == pytest.approx(ref.GRADIENTS["b2"], abs=ref.TOL)
    lines = text_lines(b2, 10)
    assert lines[0] == "b2 = 0.42"
    assert lines[1] == ("dE/db2 = dE/doutY1 * doutY1/dnetY1 * dnetY1/db2 + "
                        "dE/doutY2 * doutY2/dnetY2 * dnetY2/db2")
    assert lines[-2:] == ["p <- p - lr * dE/dp", "b2 = 0.42 - 0.01 * 0.0965375363 = 0.4190346246"]
    with pytest.raises(KeyError, match="w99"):
        explain_parameter(it, "w99", config)


def test_every_substep_in_order_with_samples_clamped() -> None:
    it, config = _softmax_case()
    bp = it.backward
    explanations = explain_iteration(it, config, sample=1)
    assert len(explanations) == len(it.substeps)
    for sub, ex in zip(it.substeps, explanations):
        assert ex.title.startswith(sub.title)
        if sub.stage != "update":
            assert ex.title.endswith("(sample 2 of the batch of 3)")
    sub = next(s for s in it.substeps if s.stage == "forward" and s.target == "H2_1")
    assert explain_substep(it, sub, config, sample=99).value == bp.forward.outs[2][2, 0]
    assert explain_substep(it, sub, config, sample=-5).value == bp.forward.outs[2][0, 0]


# --- rendering -----------------------------------------------------------------------------------

def test_the_reference_as_the_lesson_writes_it() -> None:
    it, config = _reference()
    texts = {sub.target if sub.stage != "error" else f"E:{sub.target}": render_text(ex, 10)
             for sub, ex in zip(it.substeps, explain_iteration(it, config))}
    assert texts["H1"].splitlines() == [
        "Forward: H1", "netH1 = w1*x1 + w2*x2 + b1",
        "netH1 = 0.1*0.95 + 0.15*0.06 + 0.05 = 0.154",
        "outH1 = sigmoid(netH1) = sigmoid(0.154) = 0.5384240912"]
    assert texts["E:Y2"].splitlines()[-1] == \
        "E = E1 + E2 = 0.170358553 + 0.01462083001 = 0.184979383"
    assert texts["w5"].splitlines() == [
        "Backward: dE/dw5",
        "dE/dw5 = dE/doutY1 * doutY1/dnetY1 * dnetY1/dw5",
        "  dE/doutY1 = (outY1 - T1) = 0.5837097788",
        "  doutY1/dnetY1 = outY1 * (1 - outY1) = 0.232121695",
        "  dnetY1/dw5 = outH1 = 0.5384240912",
        "dE/dw5 = 0.5837097788 * 0.232121695 * 0.5384240912 = 0.0729519972"]
    # A hidden weight: the sum over both outputs, with each path's factors nested under it.
    w1 = texts["w1"].splitlines()
    assert w1[2] == ("  dE/doutH1 = dE/doutY1*doutY1/dnetY1*dnetY1/doutH1 + "
                     "dE/doutY2*doutY2/dnetY2*dnetY2/doutH1")
    assert "    dnetY1/doutH1 = w5 = 0.18" in w1 and "    dnetY2/doutH1 = w7 = 0.11" in w1
    assert ("  dE/doutH1 = 0.5837097788 * 0.232121695 * 0.18 + (-0.1710019299) * "
            "0.2277995751 * 0.11 = 0.02010354822") in w1
    assert w1[-1] == "dE/dw1 = 0.02010354822 * 0.2485235892 * 0.95 = 0.004746395662"
    update = texts["all"].splitlines()
    assert update[1] == "p <- p - lr * dE/dp"
    assert "w5 = 0.18 - 0.01 * 0.0729519972 = 0.17927048" in update
    assert "w3 = 0.03 - 0.01 * (-0.0004738405815) = 0.03000473841" in update


def test_factors_are_explained_once_per_derivation() -> None:
    it, _config = _reference()
    d = it.backward.derivation("b1")
    lines = text_lines(explain_parameter(it, "b1", TrainingConfig()), 10)
    symbols = [line.split(" = ")[0].strip() for line in lines if line.startswith("  ")]
    # dE/doutH1 and dE/doutH2 each take two lines (symbols, then numbers) ...
    assert symbols.count("dE/doutH1") == 2 and symbols.count("dE/doutH2") == 2
    # ... and the output factors they share are explained under the first only.
    assert symbols.count("dE/doutY1") == 1 and symbols.count("doutH1/dnetH1") == 1
    assert "  dnetH1/db1 = 1" in lines
    assert len(d.terms) == 2


def test_softmax_and_cross_entropy_are_written_as_the_lesson_writes_them() -> None:
    it, config = _softmax_case()
    by_title = {ex.title.split(" (")[0]: render_text(ex, 5)
                for ex in explain_iteration(it, config)}
    forward_y1 = by_title["Forward: Y1"]
    assert "outY1 = e^netY1 / (e^netY1 + e^netY2 + e^netY3)" in forward_y1
    error = by_title["Error: Y3"]
    assert "E3 = -T3 * log(outY3)" in error and "E = E1 + E2 + E3" in error
    assert "E over the batch of 3 samples (mean) = " in error
    backward_ = by_title["Backward: dE/dw13"]  # a weight into Y1
    assert "dE/dnetY1 = outY1 - T1" in backward_
    hidden = by_title["Backward: dE/dw7"]  # H1_1 -> H2_1
    assert "dE/doutH2_1 = dE/dnetY1*dnetY1/doutH2_1" in hidden
    assert "doutH2_1/dnetH2_1 = 1 if netH2_1 > 0 else 0" in hidden


def test_sums_over_paths_nest_their_factors_one_level_deep() -> None:
    it, config = _bigger("gd")
    ex = explain_substep(it, it.substeps[it.substep_index[("backward", "w1")]], config)
    (product,) = [b for b in ex.blocks if isinstance(b, Equation) and b.children]
    outer = product.children[0]
    assert outer.lhs.name == "dE/doutH1_1" and outer.split
    nested = {c.lhs.name: c for c in outer.children}
    # the paths through H2_1..H2_3: each path's three factors, each once
    assert set(nested) == ({f"dE/doutH2_{m}" for m in (1, 2, 3)}
                           | {f"doutH2_{m}/dnetH2_{m}" for m in (1, 2, 3)}
                           | {f"dnetH2_{m}/doutH1_1" for m in (1, 2, 3)})
    # a sum one level down is written in symbols and numbers, without its own paths
    deeper = nested["dE/doutH2_1"]
    assert deeper.formula and deeper.numbers and deeper.children == ()


def test_a_wide_network_lists_its_sums_without_nesting_every_path() -> None:
    layers = [LayerSpec(30, "sigmoid", "neuron"), LayerSpec(30, "sigmoid", "shared"),
              LayerSpec(2, "sigmoid", "neuron")]
    rng = np.random.default_rng(5)
    net = Network.create(2, layers, rng.normal(size=Network.count_parameters(2, layers)))
    it = _iteration(net, rng.normal(size=(1, 2)), rng.uniform(size=(1, 2)), "half_sse",
                    TrainingConfig("gd"))
    bp = it.backward
    bias = net.bias_name(0, 0)
    assert bias is not None
    for name in ("w1", bias, net.bias_name(1, 0)):
        ex = explain_parameter(it, name, TrainingConfig())
        count = sum(1 for _ in equations(ex))
        d = bp.derivation(name)
        factors = {f.symbol for t in d.terms for f in t.factors}
        # each factor once, with no path factors nested under the sums
        assert count <= len(factors) + 4, (name, count)
        product = ex.blocks[1]
        assert isinstance(product, Equation) and product.result is not None
        assert product.result.value == d.per_sample[0]
        assert all(not c.children for c in product.children)


def test_factor_formulas_are_tokens_of_the_networks_symbols() -> None:
    it, config = _bigger("gd")
    net = it.backward.network
    known = {f"out{n}" for layer in net.neurons[1:] for n in layer}
    known |= {f"net{n}" for layer in net.neurons[1:] for n in layer}
    known |= {"x1", "x2", "T1", "T2", *net.names}
    checked = 0
    for name in net.names:
        d = it.backward.derivation(name)
        ex = explain_parameter(it, name, config)
        leaves = {f.symbol: f.formula for t in d.terms for f in t.factors
                  if f.expansion is None}
        for eq in equations(ex):
            if eq.lhs.name in leaves and eq.formula:
                assert _tokens_text(eq.formula) == leaves[eq.lhs.name]
                syms = [t.name for t in _flat(eq.formula) if isinstance(t, Sym)]
                assert syms and set(syms) <= known, syms
                checked += 1
    assert checked > 20


def test_symbols_of_derivatives_split() -> None:
    assert split_derivative("dE/doutY1") == ("E", "outY1")
    assert split_derivative("dnetH2_1/dw7") == ("netH2_1", "w7")
    assert split_derivative("outH1") is None and split_derivative("d/d") is None


def _numbers_of(text: str) -> list[str]:
    return NUMBER.findall(text)


def _shown_digits(ex: Explanation, digits: int) -> dict[int, int]:
    """{id(num): digits} of the numbers an update writes wider, so that its old and new
    value read differently (the renderer's "numbers that show the change")."""
    wide: dict[int, int] = {}
    for eq in equations(ex):
        if eq.result is None or not eq.result.quantity.startswith(NEW_PREFIX):
            continue
        quantity = eq.result.quantity[len(NEW_PREFIX):]
        olds = [n for n in tokens_numbers(eq.numbers) if n.quantity == quantity]
        d = max((change_digits(n.value, eq.result.value, digits) for n in olds),
                default=digits)
        wide.update({id(n): d for n in [*olds, eq.result]})
    return wide


@pytest.mark.parametrize("case", ["reference", "2-3-3-2 adam, 3rd step", "softmax adam"])
@pytest.mark.parametrize("digits", [3, 10])
def test_text_and_markdown_hold_the_trees_numbers(case: str, digits: int) -> None:
    it, config = CASES[case]()
    for label, ex in _all_explanations(it, config):
        text = render_text(ex, digits)
        markdown = render_markdown(ex, digits)
        assert _numbers_of(markdown) == _numbers_of(text), label
        shown = Counter(_numbers_of(text))
        wide = _shown_digits(ex, digits)
        wanted = Counter(format_number(n.value, wide.get(id(n), digits)).lstrip("-")
                         for n in numbers(ex))
        shown_abs = Counter(s.lstrip("-") for s in shown.elements())
        assert not wanted - shown_abs, (label, wanted - shown_abs)


def test_changing_digits_changes_only_the_rendering() -> None:
    it, config = _reference()
    ex = explain_parameter(it, "w5", config)
    three, ten = render_text(ex, 3), render_text(ex, 10)
    assert "dE/dw5 = 0.584 * 0.232 * 0.538 = 0.073" in three
    assert "dE/dw5 = 0.5837097788 * 0.232121695 * 0.5384240912 = 0.0729519972" in ten
    assert three.splitlines()[0] == ten.splitlines()[0]


def test_a_worksheet_keeps_the_given_numbers_and_blanks_the_computed_ones() -> None:
    it, config = _reference()
    for sub, ex in zip(it.substeps, explain_iteration(it, config)):
        sheet = render_text(ex, 10, blanks=True)
        key = render_text(ex, 10)
        given = {format_number(n.value, 10) for n in numbers(ex) if n.given}
        computed = {format_number(n.value, 10) for n in numbers(ex) if not n.given}
        for value in given:
            assert value in sheet
        shown = set(_numbers_of(sheet))
        # a computed number may equal a given one (dnetY1/doutH1 = w5) or a constant of a
        # formula (the 1 of dnet/db): nothing else of it shows
        leaked = (computed - given - {"1"}) & shown
        assert not leaked, (sub, leaked)
        assert sheet.count(BLANK) == sum(1 for n in numbers(ex) if not n.given)
        assert computed <= set(_numbers_of(key))


def test_limited_rendering_says_how_much_is_left() -> None:
    it, config = _bigger("adam", steps_before=1)
    ex = explain_substep(it, it.substeps[-1], config)
    full = render_text(ex).splitlines()
    cut = TextRenderer().render(ex, 8, "pause to see them all").splitlines()
    assert cut[:9] == full[:9]
    assert cut[-1] == f"... {len(full) - 1 - 8} more lines: pause to see them all"
    assert TextRenderer().render(ex, len(full) - 1) == render_text(ex)


def test_error_terms_are_the_losses_terms() -> None:
    for case in ("reference", "2-3-3-2 gd", "softmax adam"):
        it, _config = CASES[case]()
        bp = it.backward
        terms = error_terms(bp)
        assert terms.shape == (bp.n_samples, bp.network.output_size)
        np.testing.assert_allclose(terms.sum(axis=1), bp.per_sample_loss, rtol=1e-12)
        np.testing.assert_array_equal(terms, LOSSES[bp.loss_name].terms(
            bp.forward.outs[-1], bp.targets, bp.forward.nets[-1]))


def test_gradient_table() -> None:
    it, _config = _reference()
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
        texts = [render_text(ex) for ex in explain_iteration(it, TrainingConfig("gd"))]
    assert any("inf" in t for t in texts)
    assert all(isinstance(t, str) and t for t in texts)


def test_every_number_in_an_explanation_parses() -> None:
    it, config = _softmax_case("momentum")
    text = "\n".join(render_text(ex) for ex in explain_iteration(it, config))
    for token in re.findall(r"-?\d[\d.e+-]*", text):
        if re.fullmatch(r"-?\d+(\.\d+)?(e[-+]\d+)?", token):
            assert math.isfinite(float(token))
