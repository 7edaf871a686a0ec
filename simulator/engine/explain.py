"""Builds the explanations: what each sub-step computed, as the lesson writes it.

Every function here turns the engine's numbers into an
:class:`~simulator.engine.explanation.Explanation` tree (see that module for its shape);
renderers (:mod:`simulator.engine.explanation_render`, the derivation panel) write the
tree in their format, at the digits they are asked for. Nothing here formats a number,
and nothing computes maths that the engine has not: the numbers are the forward and
backward pass's own (:mod:`simulator.engine.backprop`), the loss's terms
(:func:`error_terms`), and the optimizer's quantities
(:func:`simulator.engine.optimizers.update_quantities`) written with the update rules of
:data:`simulator.engine.optimizers.UPDATE_RULES`.

Explanations are built on demand, one at a time, for what a view shows.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from string import Formatter

import numpy as np

from .activations import ACTIVATIONS
from .backprop import BackwardPass, Derivation, Factor
from .explanation import (
    COMPUTED,
    GIVEN,
    Block,
    Equation,
    Explanation,
    Group,
    Num,
    Op,
    Role,
    Subject,
    Sym,
    Text,
    Token,
)
from .features import FEATURES
from .features import PLAIN as PLAIN_FEATURES
from .losses import LOSSES
from .network import Network
from .numbers import format_number  # re-exported: views still import it from here
from .optimizers import UPDATE_RULES, TrainingConfig, update_quantities
from .regularisation import SYMBOL as PENALTY_SYMBOL
from .regularisation import PenaltyParts, PenaltyTerm
from .stepper import Iteration, SubStep

_PLUS = Op(" + ")
_TIMES = Op(" * ")
_TIGHT_TIMES = Op("*")


# --- the engine's numbers that only explanations and views read ----------------------------

def error_terms(bp: BackwardPass) -> np.ndarray:
    """Each output's term of the error, per sample: shape (n_samples, n_outputs); row s
    holds E1, E2, ... of sample s (they add up to the sample's loss)."""
    fp = bp.forward
    with np.errstate(all="ignore"):
        return LOSSES[bp.loss_name].terms(fp.outs[-1], bp.targets, fp.nets[-1])


def gradient_table(bp: BackwardPass) -> dict[str, float]:
    """dE/dp of every parameter by name."""
    return {name: float(g) for name, g in zip(bp.network.names, np.asarray(bp.grad))}


# --- tokens from the engine's templates and formulas -----------------------------------------

@lru_cache(maxsize=256)
def _template_parts(template: str) -> tuple[tuple[str, str | None], ...]:
    return tuple((literal, field) for literal, field, _spec, _conv
                 in Formatter().parse(template))


def _fill(template: str, bind: dict[str, Token] | Callable[[str], Token]
          ) -> tuple[Token, ...]:
    """The tokens of a ``str.format`` template (the activations', losses' and optimizers'
    formulas), each ``{name}`` replaced by ``bind[name]``, as one group (kept together)."""
    get: Callable[[str], Token] = bind.__getitem__ if isinstance(bind, dict) else bind
    out: list[Token] = []
    for literal, field in _template_parts(template):
        if literal:
            out.append(Op(literal))
        if field is not None:
            out.append(get(field))
    return (Group(tuple(out)),)


_IDENTIFIER = re.compile(r"(?<![\w.])[A-Za-z_]\w*")


class _Vocabulary:
    """Splits a factor's formula into symbols and literal text by the network's own
    symbol names (outH1, netY2, x1, T2, w5, ...).

    :class:`~simulator.engine.backprop.Factor` keeps its formula as text written from
    those names (``"(outY1 - T1)"``, ``"outH1 * (1 - outH1)"``, ``"w5"``), so the split is
    exact: each whole identifier of the formula is a symbol if the network has that name
    (``outH2_1`` is one name, never ``outH2`` and ``_1``), else literal text (``if``,
    ``log``).
    """

    def __init__(self, bp: BackwardPass) -> None:
        net, sym = bp.network, bp._symbols
        names = {sym.out(layer, i) for layer, size in enumerate(net.sizes)
                 for i in range(size)}
        names |= {sym.net(layer, i) for layer in range(1, len(net.sizes))
                  for i in range(net.sizes[layer])}
        names |= {sym.target(j) for j in range(net.output_size)}
        names |= set(net.names)
        self._names = frozenset(names)
        # An input feature's symbol (x1^2, x1*x2, sin(x1)) is one symbol, though it is not
        # an identifier: it is matched whole, before the identifiers inside it.
        special = sorted((n for n in names if not n.isidentifier()), key=len, reverse=True)
        self._pattern = re.compile("|".join([*(rf"(?<![\w.]){re.escape(n)}(?![\w^])"
                                               for n in special), _IDENTIFIER.pattern]))
        self._cache: dict[str, tuple[Token, ...]] = {}

    def tokens(self, formula: str) -> tuple[Token, ...]:
        cached = self._cache.get(formula)
        if cached is None:
            out: list[Token] = []
            done = 0
            for match in self._pattern.finditer(formula):
                if match.group() in self._names:
                    if match.start() > done:
                        out.append(Op(formula[done:match.start()]))
                    out.append(Sym(match.group()))
                    done = match.end()
            if done < len(formula):
                out.append(Op(formula[done:]))
            cached = self._cache[formula] = tuple(out)
        return cached


_VOCABULARIES: dict[tuple[object, ...], _Vocabulary] = {}
_VOCABULARIES_LOCK = threading.Lock()


def _vocabulary(bp: BackwardPass) -> _Vocabulary:
    key = bp.network.layout
    vocab = _VOCABULARIES.get(key)
    if vocab is None:
        with _VOCABULARIES_LOCK:
            if len(_VOCABULARIES) >= 16:
                _VOCABULARIES.clear()
            vocab = _VOCABULARIES[key] = _Vocabulary(bp)
    return vocab


def _joined(items: Sequence[Token], sep: Op) -> tuple[Token, ...]:
    out: list[Token] = []
    for item in items:
        if out:
            out.append(sep)
        out.append(item)
    return tuple(out)


# --- forward ---------------------------------------------------------------------------------

def forward_equations(bp: BackwardPass, layer: int, j: int, sample: int = 0
                      ) -> list[Block]:
    """Neuron ``j`` of layer ``layer`` (>= 1): its weighted sum, then its activation. A
    neuron of the first layer after inputs that are input features is followed by a note
    on what the features are (their names are the inputs' symbols: x1^2, sin(x1), ...)."""
    net, sym, fp = bp.network, bp._symbols, bp.forward
    k = layer - 1
    neuron = Subject("neuron", net.neurons[layer][j])
    source_role: Role = GIVEN if k == 0 else COMPUTED
    weights = net.weights[k]
    outs = fp.outs[k][sample]
    sym_terms: list[Token] = []
    num_terms: list[Token] = []
    for i in range(net.sizes[k]):
        w, out_i = net.weight_name(k, j, i), sym.out(k, i)
        sym_terms.append(Group((Sym(w), _TIGHT_TIMES, Sym(out_i))))
        num_terms.append(Group((Num(float(weights[j, i]), GIVEN, w), _TIGHT_TIMES,
                                Num(float(outs[i]), source_role, out_i))))
    b_name = net.bias_name(k, j)
    if b_name is not None:
        sym_terms.append(Sym(b_name))
        num_terms.append(Num(net.get(b_name), GIVEN, b_name))
    net_sym, out_sym = sym.net(layer, j), sym.out(layer, j)
    net_value = float(fp.nets[k][sample, j])
    out_value = float(fp.outs[layer][sample, j])
    net_eq = Equation(Sym(net_sym), _joined(sym_terms, _PLUS), _joined(num_terms, _PLUS),
                      Num(net_value, COMPUTED, net_sym), neuron, main=True, split=True)
    act = net.layers[k].activation
    if act == "softmax":
        nets = fp.nets[k][sample]
        names = [sym.net(layer, i) for i in range(net.sizes[layer])]
        e_sym = [Group((Op("e^"), Sym(n))) for n in names]
        e_num = [Group((Op("e^"), Num(float(v), COMPUTED, n))) for n, v in zip(names, nets)]
        formula = (Op("e^"), Sym(net_sym), Op(" / ("), *_joined(e_sym, _PLUS), Op(")"))
        numbers = (Op("e^"), Num(net_value, COMPUTED, net_sym), Op(" / ("),
                   *_joined(e_num, _PLUS), Op(")"))
        out_eq = Equation(Sym(out_sym), formula, numbers, Num(out_value, COMPUTED, out_sym),
                          neuron, main=True, split=True)
    else:
        template = ACTIVATIONS[act].formula
        out_eq = Equation(Sym(out_sym), _fill(template, {"net": Sym(net_sym)}),
                          _fill(template, {"net": Num(net_value, COMPUTED, net_sym)}),
                          Num(out_value, COMPUTED, out_sym), neuron, main=True)
    note = feature_note(net) if layer == 1 else None
    return [net_eq, out_eq] if note is None else [net_eq, out_eq, note]


def feature_note(net: Network) -> Text | None:
    """What the network's input features are, in words (None without features, or with
    only the data's inputs x1 and x2 as they are)."""
    made = [f for f in net.features if f not in PLAIN_FEATURES]
    if not made:
        return None
    described = ", ".join(f"{f} is {FEATURES[f].description}" for f in made)
    return Text(f"The network's inputs are input features made from the data's inputs "
                f"x1 and x2: {described}.")


# --- error -----------------------------------------------------------------------------------

def error_equations(bp: BackwardPass, j: int, sample: int = 0, total: bool = False
                    ) -> list[Equation]:
    """Output ``j``'s term of the error; with ``total`` also the sample's loss (and the
    batch mean when the batch has more than one sample).

    With a weight penalty the loss has two parts, E = E_data + P: the outputs' terms add up
    to the data loss E_data (its batch mean with a batch), then the penalty P with its
    formula and numbers (:func:`penalty_equations`), then E itself."""
    lf = LOSSES[bp.loss_name]
    sym = bp._symbols
    net = bp.network
    L = len(net.sizes) - 1
    m = net.output_size
    out_sym, t_sym = sym.out(L, j), sym.target(j)
    terms = error_terms(bp)[sample]
    size = Op(str(m))
    e_sym = f"E{j + 1}"
    term_eq = Equation(
        Sym(e_sym),
        _fill(lf.term_formula, {"t": Sym(t_sym), "out": Sym(out_sym), "m": size}),
        _fill(lf.term_formula, {
            "t": Num(float(bp.targets[sample, j]), GIVEN, t_sym),
            "out": Num(float(bp.forward.outs[-1][sample, j]), COMPUTED, out_sym),
            "m": size}),
        Num(float(terms[j]), COMPUTED, e_sym), Subject("neuron", net.neurons[L][j]),
        main=True, split=True)
    equations = [term_eq]
    if total:
        loss = Subject("loss", "E")
        names = [f"E{i + 1}" for i in range(m)]
        parts = bp.penalty_parts()
        data = "E" if parts is None else DATA_LOSS
        equations.append(Equation(
            Sym(data), _joined([Sym(n) for n in names], _PLUS),
            _joined([Num(float(v), COMPUTED, n) for n, v in zip(names, terms)], _PLUS),
            Num(float(bp.per_sample_loss[sample]), COMPUTED, data), loss, main=True))
        if bp.n_samples > 1:
            equations.append(_batch_mean(data, bp.n_samples, bp.data_loss, loss))
        if parts is not None:
            equations += penalty_equations(bp, parts)
            equations.append(Equation(
                Sym("E"), (Sym(DATA_LOSS), _PLUS, Sym(PENALTY)),
                (Num(float(bp.data_loss), COMPUTED, DATA_LOSS), _PLUS,
                 Num(parts.value, COMPUTED, PENALTY)),
                Num(float(bp.loss), COMPUTED, "E"), loss, main=True))
    return equations


#: The data loss's symbol when E also holds a weight penalty (E = E_data + P).
DATA_LOSS = "E_data"
#: The weight penalty's symbol (:data:`simulator.engine.regularisation.SYMBOL`).
PENALTY = PENALTY_SYMBOL
#: The sums over the weights the penalty is made of.
ABS_SUM, SQUARE_SUM = "sum|w|", "sum w^2"
#: The penalty's sums are written out weight by weight for at most this many weights.
PENALTY_LISTED_WEIGHTS = 12


def penalty_equations(bp: BackwardPass, parts: PenaltyParts) -> list[Equation]:
    """The weight penalty P = l1 * sum|w| + l2/2 * sum w^2 (only its active parts) over
    every weight of the network, in symbols and numbers; with few weights the sums are
    written out under it."""
    net = bp.network
    names = net.names[:net.weight_count]
    values = net.params[:net.weight_count].tolist()
    listed = len(names) <= PENALTY_LISTED_WEIGHTS
    formula: list[Token] = []
    numbers: list[Token] = []
    children: list[Equation] = []
    if parts.l1:
        formula.append(Group((Sym("l1"), _TIMES, Sym(ABS_SUM))))
        numbers.append(Group((Num(parts.l1, GIVEN, "l1"), _TIMES,
                              Num(parts.abs_sum, COMPUTED, ABS_SUM))))
        if listed:
            children.append(Equation(
                Sym(ABS_SUM), _joined([Group((Op("|"), Sym(n), Op("|"))) for n in names],
                                      _PLUS),
                _joined([Num(abs(v), COMPUTED, f"|{n}|") for n, v in zip(names, values)],
                        _PLUS),
                Num(parts.abs_sum, COMPUTED, ABS_SUM), split=True))
    if parts.l2:
        formula.append(Group((Sym("l2"), Op("/2"), _TIMES, Sym(SQUARE_SUM))))
        numbers.append(Group((Num(parts.l2, GIVEN, "l2"), Op("/2"), _TIMES,
                              Num(parts.square_sum, COMPUTED, SQUARE_SUM))))
        if listed:
            children.append(Equation(
                Sym(SQUARE_SUM), _joined([Group((Sym(n), Op("^2"))) for n in names], _PLUS),
                _joined([Group((Group((Num(v, GIVEN, n),), paren=v < 0), Op("^2")))
                         for n, v in zip(names, values)], _PLUS),
                Num(parts.square_sum, COMPUTED, SQUARE_SUM), split=True))
    return [Equation(Sym(PENALTY), _joined(formula, _PLUS), _joined(numbers, _PLUS),
                     Num(parts.value, COMPUTED, PENALTY), main=True,
                     children=tuple(children),
                     qualifier="" if listed else f"over the {len(names)} weights")]


def _batch_mean(symbol: str, n: int, value: float, subject: Subject) -> Equation:
    return Equation(Sym(symbol), result=Num(float(value), COMPUTED, symbol),
                    refers_to=subject, main=True,
                    qualifier=f"over the batch of {n} samples (mean)")


# --- backward --------------------------------------------------------------------------------

#: A derivation nests the factors of each sum over paths under that sum while it explains
#: at most this many factors in all; a bigger one (a wide network) writes each sum in
#: symbols and numbers without them (their values are in the numbers).
NESTED_FACTORS_LIMIT = 60


def derivation_equations(bp: BackwardPass, d: Derivation, sample: int = 0) -> list[Equation]:
    """The chain rule for one parameter: the product in symbols, each factor with its
    formula and value (a factor that sums over paths, with the factors of the paths nested
    under it; see :data:`NESTED_FACTORS_LIMIT`), the product in numbers, and with a batch
    the mean over it.

    With a weight penalty a weight's derivation adds the penalty's part dP/dw as its own
    term beside the chain-rule products (explained under it), so the numbers add up to
    dE/dw = (the chain rule's sum) + dP/dw."""
    vocab = _vocabulary(bp)
    subject = Subject("parameter", d.parameter)
    several = len(d.terms) > 1
    sym_terms: list[Token] = [Group(_joined([Sym(f.symbol) for f in t.factors], _TIMES))
                              for t in d.terms]
    num_terms: list[Token] = [Group(_joined([_factor_num(f, sample) for f in t.factors],
                                            _TIMES), paren=several) for t in d.terms]
    nest = _factor_count(d) <= NESTED_FACTORS_LIMIT
    seen: set[str] = set()
    children = [_factor_equation(f, sample, seen, vocab, nest)
                for t in d.terms for f in t.factors if _first(f, seen)]
    if d.penalty is not None:
        sym_terms.append(Sym(d.penalty.symbol))
        num_terms.append(Num(d.penalty.value, COMPUTED, d.penalty.symbol))
        children.append(penalty_term_equation(d.penalty))
    formula = _joined(sym_terms, _PLUS)
    numbers = _joined(num_terms, _PLUS)
    n = bp.n_samples
    product = Equation(Sym(d.symbol), formula, numbers,
                       Num(float(d.per_sample[sample]), COMPUTED, d.symbol), subject,
                       main=n == 1, children=tuple(children))
    if n > 1:
        return [product, _batch_mean(d.symbol, n, d.gradient, subject)]
    return [product]


def penalty_term_equation(term: PenaltyTerm) -> Equation:
    """The penalty's part of a weight's gradient: dP/dw = l1 * sign(w) + l2 * w (only its
    active parts), in symbols and numbers."""
    w = term.parameter
    formula: list[Token] = []
    numbers: list[Token] = []
    if term.l1:
        sign = f"sign({w})"
        formula.append(Group((Sym("l1"), _TIGHT_TIMES, Sym(sign))))
        # sign(w) is the engine's: its l1 part is l1 * sign(w).
        numbers.append(Group((Num(term.l1, GIVEN, "l1"), _TIMES,
                              Num(term.l1_part / term.l1, COMPUTED, sign))))
    if term.l2:
        formula.append(Group((Sym("l2"), _TIGHT_TIMES, Sym(w))))
        numbers.append(Group((Num(term.l2, GIVEN, "l2"), _TIMES, Num(term.weight, GIVEN, w))))
    return Equation(Sym(term.symbol), _joined(formula, _PLUS), _joined(numbers, _PLUS),
                    Num(term.value, COMPUTED, term.symbol))


def _factor_count(d: Derivation) -> int:
    """How many factors the derivation explains when the sums' paths are nested."""
    symbols = set()
    for term in d.terms:
        for f in term.factors:
            symbols.add(f.symbol)
            for path in f.expansion or ():
                symbols.update(g.symbol for g in path.factors)
    return len(symbols)


def _first(f: Factor, seen: set[str]) -> bool:
    """Whether ``f`` is explained here for the first time (and mark it explained)."""
    if f.symbol in seen:
        return False
    seen.add(f.symbol)
    return True


def _factor_num(f: Factor, sample: int) -> Num:
    return Num(float(f.values[sample]), COMPUTED, f.symbol)


def _factor_equation(f: Factor, sample: int, seen: set[str], vocab: _Vocabulary,
                     nest: bool) -> Equation:
    """A factor: its formula and value; a sum over paths in symbols and in numbers, with
    (``nest``) the paths' factors under it, each explained once per derivation."""
    value = _factor_num(f, sample)
    if f.expansion is None:
        leaf: tuple[Token, ...] = () if f.formula == "1" else (Group(vocab.tokens(f.formula)),)
        return Equation(Sym(f.symbol), leaf, (), value)
    terms = f.expansion
    formula = _joined([Group(_joined([Sym(g.symbol) for g in t.factors], _TIGHT_TIMES))
                       for t in terms], _PLUS)
    numbers = _joined([Group(_joined([_factor_num(g, sample) for g in t.factors], _TIMES))
                       for t in terms], _PLUS)
    children = [_factor_equation(g, sample, seen, vocab, False)
                for t in terms for g in t.factors if _first(g, seen)] if nest else []
    return Equation(Sym(f.symbol), formula, numbers, value, children=tuple(children),
                    split=True)


# --- update ----------------------------------------------------------------------------------

def _hyper_parameters(config: TrainingConfig) -> dict[str, Token]:
    return {name: Num(value, GIVEN, name) for name, value in
            (("momentum", config.momentum), ("beta1", config.beta1),
             ("beta2", config.beta2), ("eps", config.eps))}


def rule_equations(config: TrainingConfig) -> list[Equation]:
    """The optimizer's update rule for one parameter p (``p <- p - lr * dE/dp``), with its
    hyper-parameters' values, from :data:`~simulator.engine.optimizers.UPDATE_RULES`."""
    bind: dict[str, Token] = {"p": Sym("p"), "g": Sym("dE/dp"), "lr": Sym("lr"),
                              "t": Sym("t"), **_hyper_parameters(config)}
    return [Equation(Sym(step.target), _fill(step.template, lambda k: bind.get(k, Sym(k))),
                     relation="<-") for step in UPDATE_RULES[config.optimizer]]


def update_equations(it: Iteration, config: TrainingConfig, names: list[str] | None = None,
                     detail: bool = False) -> list[Equation]:
    """Each parameter's update in numbers (all of them, or ``names``): the optimizer's rule
    with the parameter's values substituted. With ``detail`` the optimizer's buffers
    (momentum's b, Adam's m, v, m_hat, v_hat) are nested under each update."""
    net = it.backward.network
    before, after = it.step.before, it.step.after
    arrays = update_quantities(config, it.backward.grad, before.optimizer, after.optimizer)
    values = {key: array.tolist() for key, array in arrays.items()}  # floats, not np scalars
    starts, ends = before.params.tolist(), after.params.tolist()
    *buffer_steps, param_step = UPDATE_RULES[config.optimizer]
    fixed: dict[str, Token] = {"lr": Num(config.learning_rate, GIVEN, "lr"),
                               "t": Num(float(after.optimizer.step), GIVEN, "t"),
                               **_hyper_parameters(config)}
    wanted = None if names is None else set(names)
    new_buffers = {step.target for step in buffer_steps}
    equations = []
    for idx, name in enumerate(net.names):
        if wanted is not None and name not in wanted:
            continue
        subject = Subject("parameter", name)
        if name in net.frozen:
            equations.append(Equation(Sym(name), result=Num(starts[idx], GIVEN, name),
                                      refers_to=subject, note="frozen, not updated"))
            continue
        bind = _UpdateBinding(name, idx, starts[idx], values, fixed)
        children = []
        if detail:
            for step in buffer_steps:
                tokens = _fill(step.template, bind)
                bind.assigned.add(step.target)
                quantity = f"{step.target}({name})"
                children.append(Equation(Sym(quantity), (), tokens, Num(
                    values[f"new {step.target}"][idx], COMPUTED, f"new {quantity}")))
        bind.assigned = new_buffers  # in p's own assignment every buffer is assigned
        equations.append(Equation(
            Sym(name), (), _fill(param_step.template, bind),
            Num(ends[idx], COMPUTED, f"new {name}"), subject, main=True,
            children=tuple(children)))
    return equations


class _UpdateBinding:
    """The tokens of one parameter's quantities in an update rule's templates: a buffer
    named before its assignment is its value before the step (given), after it the new
    value (computed)."""

    __slots__ = ("assigned", "fixed", "idx", "name", "start", "values")

    def __init__(self, name: str, idx: int, start: float, values: dict[str, list[float]],
                 fixed: dict[str, Token]) -> None:
        self.name, self.idx, self.start = name, idx, start
        self.values, self.fixed = values, fixed
        self.assigned: set[str] = set()

    def __call__(self, key: str) -> Token:
        if key == "p":
            return Num(self.start, GIVEN, self.name)
        if key == "g":
            return Num(self.values["g"][self.idx], COMPUTED, f"dE/d{self.name}")
        token = self.fixed.get(key)
        if token is not None:
            return token
        if key in self.assigned:
            return Num(self.values[f"new {key}"][self.idx], COMPUTED, f"new {key}({self.name})")
        return Num(self.values[key][self.idx], GIVEN, f"{key}({self.name})")


# --- explanations ----------------------------------------------------------------------------

def _clamp(bp: BackwardPass, sample: int) -> int:
    return min(max(0, sample), bp.n_samples - 1)


def _sample_note(bp: BackwardPass, sample: int) -> str:
    if bp.n_samples > 1:
        return f" (sample {sample + 1} of the batch of {bp.n_samples})"
    return ""


def explain_substep(it: Iteration, sub: SubStep, config: TrainingConfig,
                    sample: int = 0) -> Explanation:
    """What ``sub`` computed, as the lesson writes it, for one sample of the batch (the
    update is for the whole batch)."""
    bp = it.backward
    sample = _clamp(bp, sample)
    note = _sample_note(bp, sample) if sub.stage != "update" else ""
    blocks: list[Block]
    value: float | None
    subject: Subject | None
    if sub.stage == "forward":
        blocks = list(forward_equations(bp, sub.layer, sub.index, sample))
        value = float(bp.forward.outs[sub.layer][sample, sub.index])
        subject = Subject("neuron", sub.target)
    elif sub.stage == "error":
        last = sub.index == bp.network.output_size - 1
        blocks = list(error_equations(bp, sub.index, sample, total=last))
        if last:
            value, subject = float(bp.loss), Subject("loss", "E")
        else:
            value = float(error_terms(bp)[sample, sub.index])
            subject = Subject("neuron", sub.target)
    elif sub.stage == "backward":
        d = bp.derivation(sub.target)
        blocks = list(derivation_equations(bp, d, sample))
        value, subject = d.gradient, Subject("parameter", sub.target)
    else:
        blocks = [*rule_equations(config), *update_equations(it, config)]
        value, subject = None, None
    return Explanation(sub.title + note, tuple(blocks), value, subject)


def explain_parameter(it: Iteration, name: str, config: TrainingConfig,
                      sample: int = 0) -> Explanation:
    """A parameter's value, derivation and update, shown when the student clicks it.
    KeyError names an unknown parameter."""
    bp = it.backward
    sample = _clamp(bp, sample)
    d = bp.derivation(name)
    subject = Subject("parameter", name)
    blocks: list[Block] = [Equation(Sym(name), result=Num(bp.network.get(name), GIVEN, name),
                                    refers_to=subject)]
    blocks += derivation_equations(bp, d, sample)
    blocks += rule_equations(config)
    blocks += update_equations(it, config, names=[name], detail=True)
    return Explanation(f"{name}: derivation and update{_sample_note(bp, sample)}",
                       tuple(blocks), d.gradient, subject)


def explain_neuron(it: Iteration, name: str, sample: int = 0) -> Explanation | None:
    """A hidden or output neuron's weighted sum and activation (and an output's error
    term), shown when the student clicks it; None for an input or an unknown name."""
    bp = it.backward
    net = bp.network
    for layer, names in enumerate(net.neurons):
        if layer == 0 or name not in names:
            continue
        sample = _clamp(bp, sample)
        j = names.index(name)
        blocks: list[Block] = list(forward_equations(bp, layer, j, sample))
        what = "weighted sum and activation"
        if layer == len(net.sizes) - 1:
            blocks += error_equations(bp, j, sample)
            what = "weighted sum, activation and error"
        return Explanation(f"{name}: {what}{_sample_note(bp, sample)}", tuple(blocks),
                           float(bp.forward.outs[layer][sample, j]), Subject("neuron", name))
    return None


def explain_iteration(it: Iteration, config: TrainingConfig,
                      sample: int = 0) -> list[Explanation]:
    """Every sub-step of one iteration, in order."""
    return [explain_substep(it, sub, config, sample) for sub in it.substeps]


__all__ = ["DATA_LOSS", "NESTED_FACTORS_LIMIT", "PENALTY", "derivation_equations",
           "error_equations", "error_terms", "explain_iteration", "explain_neuron",
           "explain_parameter", "explain_substep", "feature_note", "format_number",
           "forward_equations", "gradient_table", "penalty_equations",
           "penalty_term_equation", "rule_equations", "update_equations"]
