"""A typed expression, parsed and checked, with everything the function lab asks of it.

:func:`parse_function` is the one entry point from text: it parses (:mod:`.parse`), builds
the computational graph (:mod:`.graph`, which refuses constant parts that overflow) and
returns a :class:`Function`. Values and gradients come from the graph (vectorised, exact
reverse mode); the symbolic partial derivatives (:mod:`.derivative`) are worked out on
first access to :attr:`Function.derivatives`, so a view can show numbers at once and the
symbols a moment later (or in the background).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property

import numpy as np

from ..numbers import format_number
from .derivative import Derivative, derivatives, simplified
from .graph import ComputationGraph, GraphTrace, build_graph
from .parse import parse
from .tree import Node

#: A point: values by variable name, or in the order of :attr:`Function.variables`.
Point = Mapping[str, float] | Sequence[float]


class PointError(ValueError):
    """A point that does not give each variable of the expression one number."""


class Function:
    """A parsed expression of any number of variables (see the module docstring).

    ``variables`` are in order of first appearance. Make one with :func:`parse_function`.
    """

    def __init__(self, text: str, tree: Node, graph: ComputationGraph) -> None:
        self.text = text
        self.tree = tree
        self.graph = graph
        self.variables: tuple[str, ...] = graph.variables

    def __repr__(self) -> str:
        return f"Function({self.text!r})"

    # points

    def point(self, values: Point) -> tuple[float, ...]:
        """``values`` as a tuple in variable order; :class:`PointError` names a missing or
        unknown variable (for a mapping) or a wrong count (for a sequence)."""
        if isinstance(values, Mapping):
            missing = [v for v in self.variables if v not in values]
            if missing:
                raise PointError(f"no value for {', '.join(missing)} (the variables are "
                                 f"{', '.join(self.variables)})")
            unknown = [k for k in values if k not in self.variables]
            if unknown:
                known = ", ".join(self.variables) or "none"
                raise PointError(f"{', '.join(unknown)} is not a variable of the expression "
                                 f"(its variables: {known})")
            return tuple(float(values[v]) for v in self.variables)
        if len(values) != len(self.variables):
            raise PointError(f"expected {len(self.variables)} values (for "
                             f"{', '.join(self.variables) or 'no variables'}), "
                             f"got {len(values)}")
        return tuple(float(v) for v in values)

    def describe_point(self, point: Point, digits: int = 5) -> str:
        """``x = 3, y = -3``."""
        p = self.point(point)
        return ", ".join(f"{v} = {format_number(x, digits)}" for v, x in zip(self.variables, p))

    # numbers

    def value(self, point: Point) -> float:
        """f at ``point`` (inf on overflow, nan outside the domain)."""
        return float(self.graph.evaluate(self.point(point)))

    def gradient(self, point: Point) -> tuple[float, ...]:
        """df/dv at ``point`` for each variable, by the graph's backward pass."""
        return self.value_and_gradient(point)[1]

    def value_and_gradient(self, point: Point) -> tuple[float, tuple[float, ...]]:
        """f and its gradient at ``point`` (one forward and one backward pass)."""
        value, grads = self.graph.value_and_gradient(self.point(point))
        return float(value), tuple(float(g) for g in grads)

    def evaluate(self, values: Mapping[str, np.ndarray | float]) -> np.ndarray:
        """f over arrays of values (one per variable, broadcasting together)."""
        missing = [v for v in self.variables if v not in values]
        if missing:
            raise PointError(f"no values for {', '.join(missing)}")
        return np.asarray(self.graph.evaluate([values[v] for v in self.variables]))

    def grid(self, xs: np.ndarray | Sequence[float], ys: np.ndarray | Sequence[float],
             axes: tuple[str, str] | None = None,
             fixed: Mapping[str, float] | None = None) -> np.ndarray:
        """f over a grid: ``out[i, j]`` is f with ``axes[0] = xs[i]`` and ``axes[1] = ys[j]``
        (the layout of the cost surface), other variables at ``fixed``. ``axes`` defaults
        to the first two variables. Values are as computed: inf where f overflows, nan
        where it is undefined."""
        if axes is None:
            if len(self.variables) < 2:
                raise PointError("a grid needs two variables; this expression has "
                                 f"{len(self.variables)}")
            axes = (self.variables[0], self.variables[1])
        if axes[0] == axes[1] or any(a not in self.variables for a in axes):
            raise PointError(f"the grid's axes must be two different variables of the "
                             f"expression ({', '.join(self.variables)}), not {axes}")
        x = np.asarray(xs, dtype=np.float64).reshape(-1, 1)
        y = np.asarray(ys, dtype=np.float64).reshape(1, -1)
        rest = dict(fixed or {})
        inputs: list[np.ndarray | float] = []
        for v in self.variables:
            if v == axes[0]:
                inputs.append(x)
            elif v == axes[1]:
                inputs.append(y)
            elif v in rest:
                inputs.append(float(rest[v]))
            else:
                raise PointError(f"no value for {v} (it is not on the grid's axes)")
        out = self.graph.evaluate(inputs)
        return np.array(np.broadcast_to(out, (x.shape[0], y.shape[1])), dtype=np.float64)

    def curve(self, xs: np.ndarray | Sequence[float], variable: str | None = None,
              fixed: Mapping[str, float] | None = None) -> np.ndarray:
        """f along one variable (the first by default), the others at ``fixed``."""
        name = variable or (self.variables[0] if self.variables else "")
        x = np.asarray(xs, dtype=np.float64)
        if name not in self.variables:
            return np.broadcast_to(np.float64(self.graph.evaluate([])), x.shape).copy()
        values: dict[str, np.ndarray | float] = {name: x}
        for v in self.variables:
            if v != name:
                if fixed is None or v not in fixed:
                    raise PointError(f"no value for {v}")
                values[v] = float(fixed[v])
        return np.array(np.broadcast_to(self.evaluate(values), x.shape), dtype=np.float64)

    def trace(self, point: Point) -> GraphTrace:
        """The computational graph's forward and backward pass at ``point``."""
        return self.graph.trace(self.point(point))

    # symbols

    @cached_property
    def derivatives(self) -> dict[str, Derivative]:
        """df/dv for each variable, simplified and written in the expression syntax."""
        return derivatives(self.tree, self.variables)

    @cached_property
    def simplified(self) -> str | None:
        """The expression in the canonical form its derivatives are computed from."""
        return simplified(self.tree)


def parse_function(text: str) -> Function:
    """The :class:`Function` typed in ``text``; :class:`~.errors.ExpressionError` (with the
    offending text's position) if it is not an expression or a constant part of it is not a
    finite number."""
    tree = parse(text)
    return Function(text, tree, build_graph(tree, text))


__all__ = ["Function", "Point", "PointError", "parse_function"]
