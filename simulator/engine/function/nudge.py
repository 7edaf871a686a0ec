"""The nudge probe: a visible gradient check.

Nudge one input of a function, or one parameter of a network, by a small epsilon up and
down and measure the change: the central difference ``(f(p + eps) - f(p - eps)) / (2 eps)``
approaches the analytic derivative as epsilon shrinks, until rounding takes over (about
1e-5 and below for float64: f's digits cancel in the numerator). A :class:`NudgeProbe` holds
one row per epsilon beside the analytic value, for a table or a plot of the error.

For a function the analytic derivative is the computational graph's backward pass; for a
network it is the engine's backpropagation (:func:`simulator.engine.backprop.backward`)
over the same data as the nudged losses (:func:`simulator.engine.backprop.loss_value`,
the mean loss over the samples: the whole training set by default), so the probe checks
the very gradient the derivation panel shows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..backprop import backward, loss_value
from ..document import Document
from ..network import Network
from .analysis import Function, Point

#: The epsilons of the probe, largest first.
EPSILONS: tuple[float, ...] = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6)


@dataclass(frozen=True)
class NudgeRow:
    """One epsilon: f nudged up and down, the central difference and its error."""

    epsilon: float
    value_plus: float
    value_minus: float
    estimate: float  # (value_plus - value_minus) / (2 epsilon)
    error: float  # estimate - analytic


@dataclass(frozen=True)
class NudgeProbe:
    """The probe of one variable or parameter: ``label`` names the derivative (df/dx,
    dE/dw1), ``at`` is the nudged quantity's value, ``value`` f there."""

    label: str
    name: str
    at: float
    value: float
    analytic: float
    rows: tuple[NudgeRow, ...]

    @property
    def best(self) -> NudgeRow:
        """The row whose estimate is closest to the analytic derivative."""
        return min(self.rows, key=lambda r: abs(r.error) if math.isfinite(r.error) else math.inf)


def _check_epsilons(epsilons: Sequence[float]) -> tuple[float, ...]:
    eps = tuple(float(e) for e in epsilons)
    if not eps or any(not math.isfinite(e) or e <= 0 for e in eps):
        raise ValueError("each epsilon must be a finite number greater than 0")
    return eps


def _probe(label: str, name: str, at: float, value: float, analytic: float,
           f: Callable[[float], float], epsilons: Sequence[float]) -> NudgeProbe:
    rows = []
    for eps in _check_epsilons(epsilons):
        plus, minus = f(at + eps), f(at - eps)
        with np.errstate(all="ignore"):
            estimate = float((np.float64(plus) - minus) / (2.0 * eps))
        rows.append(NudgeRow(eps, plus, minus, estimate, estimate - analytic))
    return NudgeProbe(label, name, at, value, analytic, tuple(rows))


def nudge_function(function: Function, point: Point, variable: str,
                   epsilons: Sequence[float] = EPSILONS) -> NudgeProbe:
    """Nudge ``variable`` of ``function`` at ``point``: central differences beside the
    graph's df/d``variable``."""
    p = list(function.point(point))
    if variable not in function.variables:
        raise ValueError(f"{variable} is not a variable of the expression "
                         f"({', '.join(function.variables)})")
    i = function.variables.index(variable)
    value, gradient = function.value_and_gradient(p)

    def f(x: float) -> float:
        q = list(p)
        q[i] = x
        return function.value(q)

    return _probe(f"df/d{variable}", variable, p[i], value, gradient[i], f, epsilons)


def nudge_network(network: Network, inputs: np.ndarray, targets: np.ndarray, loss: str,
                  name: str, epsilons: Sequence[float] = EPSILONS) -> NudgeProbe:
    """Nudge parameter ``name`` of ``network``: central differences of the mean loss over
    ``inputs``/``targets`` beside backpropagation's dE/d``name``."""
    index = network.index_of.get(name)
    if index is None:
        raise ValueError(f"{name} is not a parameter of the network "
                         f"({', '.join(network.names)})")
    X = np.asarray(inputs, dtype=np.float64)
    T = np.asarray(targets, dtype=np.float64)
    bp = backward(network, X, T, loss)
    base = network.params.copy()
    scratch = network.with_params(base)

    def f(x: float) -> float:
        scratch.params[:] = base
        scratch.params[index] = x
        with np.errstate(all="ignore"):
            return loss_value(scratch, X, T, loss)

    return _probe(f"dE/d{name}", name, float(base[index]), bp.loss, bp.gradient(name), f,
                  epsilons)


def nudge_document(document: Document, name: str,
                   epsilons: Sequence[float] = EPSILONS) -> NudgeProbe:
    """Nudge parameter ``name`` of a document's network over its whole training set."""
    return nudge_network(document.network, document.data.inputs, document.data.targets,
                         document.loss, name, epsilons)


__all__ = ["EPSILONS", "NudgeProbe", "NudgeRow", "nudge_document", "nudge_function",
           "nudge_network"]
