"""Turns the engine's numbers into the lesson's sentences.

Views and the command line render sub-steps and derivations through these functions, so
every place shows the same formulas with the same numbers. Nothing here computes maths: it
only formats what :mod:`simulator.engine.backprop` and the stepper computed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import ACTIVATIONS
from .backprop import BackwardPass, Derivation, Factor, Term
from .limits import DEFAULT_DIGITS
from .losses import LOSSES
from .numbers import format_number
from .optimizers import TrainingConfig
from .stepper import Iteration, SubStep


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


@dataclass(frozen=True)
class Explanation:
    """What a sub-step computed: a heading and lines of formulas with numbers."""

    title: str
    lines: tuple[str, ...]
    value: float | None = None

    def text(self) -> str:
        """Heading and lines as plain text."""
        return "\n".join((self.title,) + self.lines)


# --- forward -------------------------------------------------------------------------------

def forward_lines(bp: BackwardPass, layer: int, j: int, sample: int = 0,
                  digits: int = DEFAULT_DIGITS) -> list[str]:
    """The weighted sum and activation of neuron ``j`` of layer ``layer`` (>= 1)."""
    net, sym, fmt = bp.network, bp._symbols, lambda v: format_number(v, digits)
    k = layer - 1
    fp = bp.forward
    sources = range(net.sizes[k])
    w_names = [net.weight_name(k, j, i) for i in sources]
    parts_sym = [f"{w}*{sym.out(k, i)}" for w, i in zip(w_names, sources)]
    parts_num = [f"{_paren(fmt(net.weights[k][j, i]))}*{_paren(fmt(fp.outs[k][sample, i]))}"
                 for i in sources]
    b_name = net.bias_name(k, j)
    if b_name is not None:
        parts_sym.append(b_name)
        parts_num.append(_paren(fmt(net.get(b_name))))
    net_sym, out_sym = sym.net(layer, j), sym.out(layer, j)
    net_value, out_value = fp.nets[k][sample, j], fp.outs[layer][sample, j]
    act = net.layers[k].activation
    lines = [f"{net_sym} = {' + '.join(parts_sym)}",
             f"{net_sym} = {' + '.join(parts_num)} = {fmt(net_value)}"]
    if act == "softmax":
        row = ", ".join(fmt(v) for v in fp.nets[k][sample])
        lines.append(f"{out_sym} = softmax({net_sym}) = e^{net_sym} / sum of e^net over the "
                     f"layer ({row}) = {fmt(out_value)}")
    else:
        formula = ACTIVATIONS[act].formula
        lines.append(f"{out_sym} = {formula.format(net=net_sym)} = "
                     f"{formula.format(net=fmt(net_value))} = {fmt(out_value)}")
    return lines


# --- error ---------------------------------------------------------------------------------

def error_lines(bp: BackwardPass, j: int, sample: int = 0, digits: int = DEFAULT_DIGITS,
                total: bool = False) -> list[str]:
    """Output ``j``'s term of the error; with ``total`` also the whole loss."""
    fmt = lambda v: format_number(v, digits)
    lf = LOSSES[bp.loss_name]
    sym = bp._symbols
    L = len(bp.network.sizes) - 1
    m = bp.network.output_size
    out_sym, t_sym = sym.out(L, j), sym.target(j)
    out = bp.forward.outs[-1]
    terms = lf.terms(out, bp.targets, bp.forward.nets[-1])
    term = terms[sample, j]
    lines = [f"E{j + 1} = {lf.term_formula.format(t=t_sym, out=out_sym, m=m)}",
             f"E{j + 1} = {lf.term_formula.format(t=_paren(fmt(bp.targets[sample, j])), out=_paren(fmt(out[sample, j])), m=m)}"  # noqa: E501
             f" = {fmt(term)}"]
    if total:
        e_terms = " + ".join(f"E{i + 1}" for i in range(m))
        lines.append(f"E = {e_terms} = {' + '.join(_paren(fmt(v)) for v in terms[sample])}"
                     f" = {fmt(terms[sample].sum())}")
        if bp.n_samples > 1:
            lines.append(f"E over the batch of {bp.n_samples} samples (mean) = {fmt(bp.loss)}")
    return lines


# --- backward ------------------------------------------------------------------------------

def _product(term: Term, sample: int, digits: int) -> str:
    return " * ".join(_paren(format_number(f.values[sample], digits)) for f in term.factors)


def _symbolic(term: Term) -> str:
    return " * ".join(f.symbol for f in term.factors)


def derivation_lines(d: Derivation, sample: int = 0, digits: int = DEFAULT_DIGITS,
                     n_samples: int = 1) -> list[str]:
    """The chain rule for one parameter: symbols, what each factor is, then the numbers."""
    fmt = lambda v: format_number(v, digits)
    lines = [f"{d.symbol} = {' + '.join(_symbolic(t) for t in d.terms)}"]
    seen: set[str] = set()
    for term in d.terms:
        for f in term.factors:
            if f.symbol in seen:
                continue
            seen.add(f.symbol)
            lines.extend(_factor_lines(f, sample, digits))
    numbers = " + ".join(_product(t, sample, digits) if len(d.terms) == 1
                         else f"({_product(t, sample, digits)})" for t in d.terms)
    lines.append(f"{d.symbol} = {numbers} = {fmt(d.per_sample[sample])}")
    if n_samples > 1:
        lines.append(f"{d.symbol} over the batch of {n_samples} samples (mean) = "
                     f"{fmt(d.gradient)}")
    return lines


def _factor_lines(f: Factor, sample: int, digits: int) -> list[str]:
    fmt = lambda v: format_number(v, digits)
    value = fmt(f.values[sample])
    if f.expansion is None:
        if f.formula == value or f.formula == "1":
            return [f"  {f.symbol} = {value}"]
        return [f"  {f.symbol} = {f.formula} = {value}"]
    products = " + ".join(_product(t, sample, digits) for t in f.expansion)
    return [f"  {f.symbol} = {f.formula}",
            f"  {f.symbol} = {products} = {value}"]


# --- update --------------------------------------------------------------------------------

def update_lines(it: Iteration, config: TrainingConfig, digits: int = DEFAULT_DIGITS,
                 names: list[str] | None = None) -> list[str]:
    """Each parameter's update, p - lr * dE/dp in numbers (or the optimizer's rule)."""
    fmt = lambda v: format_number(v, digits)
    net = it.backward.network
    before, after = it.step.before.params, it.step.after.params
    grad = it.backward.grad
    lr = fmt(config.learning_rate)
    lines: list[str] = []
    if config.optimizer in ("gd", "sgd"):
        lines.append("p <- p - lr * dE/dp")
    elif config.optimizer == "momentum":
        lines.append(f"b <- {fmt(config.momentum)} * b + dE/dp;  p <- p - lr * b")
    else:
        lines.append(f"Adam (beta1 {fmt(config.beta1)}, beta2 {fmt(config.beta2)}, "
                     f"eps {fmt(config.eps)}): p <- p - lr * m_hat / (sqrt(v_hat) + eps)")
    for idx, name in enumerate(net.names):
        if names is not None and name not in names:
            continue
        if name in net.frozen:
            lines.append(f"{name} = {fmt(before[idx])} (frozen, not updated)")
        elif config.optimizer in ("gd", "sgd"):
            lines.append(f"{name} = {fmt(before[idx])} - {lr} * {_paren(fmt(grad[idx]))} = "
                         f"{fmt(after[idx])}")
        else:
            lines.append(f"{name} = {fmt(before[idx])} - {fmt(before[idx] - after[idx])} = "
                         f"{fmt(after[idx])}")
    return lines


# --- sub-steps -----------------------------------------------------------------------------

def explain_substep(it: Iteration, sub: SubStep, config: TrainingConfig,
                    digits: int = DEFAULT_DIGITS, sample: int = 0) -> Explanation:
    """What ``sub`` computed, as the lesson writes it, for one sample of the batch."""
    bp = it.backward
    sample = min(max(0, sample), bp.n_samples - 1)
    note = (f" (sample {sample + 1} of the batch of {bp.n_samples})"
            if bp.n_samples > 1 and sub.stage != "update" else "")
    if sub.stage == "forward":
        lines = forward_lines(bp, sub.layer, sub.index, sample, digits)
        value = float(bp.forward.outs[sub.layer][sample, sub.index])
    elif sub.stage == "error":
        last = sub.index == bp.network.output_size - 1
        lines = error_lines(bp, sub.index, sample, digits, total=last)
        value = float(bp.loss) if last else None
    elif sub.stage == "backward":
        d = bp.derivation(sub.target)
        lines = derivation_lines(d, sample, digits, bp.n_samples)
        value = d.gradient
    else:
        lines = update_lines(it, config, digits)
        value = None
    return Explanation(sub.title + note, tuple(lines), value)


def explain_parameter(it: Iteration, name: str, config: TrainingConfig,
                      digits: int = DEFAULT_DIGITS, sample: int = 0) -> Explanation:
    """A parameter's derivation and update, shown when the student clicks it."""
    bp = it.backward
    sample = min(max(0, sample), bp.n_samples - 1)
    d = bp.derivation(name)
    lines = derivation_lines(d, sample, digits, bp.n_samples)
    lines += update_lines(it, config, digits, names=[name])[1:]
    return Explanation(f"{name} = {format_number(bp.network.get(name), digits)}",
                       tuple(lines), d.gradient)


def explain_iteration(it: Iteration, config: TrainingConfig,
                      digits: int = DEFAULT_DIGITS, sample: int = 0) -> list[Explanation]:
    """Every sub-step of one iteration, in order."""
    return [explain_substep(it, sub, config, digits, sample) for sub in it.substeps]


def gradient_table(bp: BackwardPass) -> dict[str, float]:
    """dE/dp of every parameter by name."""
    return {name: float(g) for name, g in zip(bp.network.names, np.asarray(bp.grad))}
