"""The built-in functions of the function lab, each with its local derivative side by side.

Every function takes one argument ``u`` (a float64 array or scalar, vectorised). Its
``local`` derivative d out / d u is computed from ``u`` and the function's own output
``out`` (as the lesson writes it: sigmoid' = out * (1 - out)); ``formula`` writes that
derivative in the expression syntax with ``u`` for the argument, for views of the
computational graph. The symbolic rules (:mod:`.derivative`) are the same formulas.

Outside a function's domain the value is NaN (log of a negative number, sqrt of a negative
number), as NumPy computes it; callers run under ``np.errstate(all="ignore")``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..activations import sigmoid as _sigmoid

Array = np.ndarray


@dataclass(frozen=True)
class BuiltinFunction:
    """A function of one argument: its values and its local derivative."""

    name: str
    forward: Callable[[Array], Array]
    local: Callable[[Array, Array], Array]
    formula: str  # d out / d u in the expression syntax, with u for the argument
    description: str


def _tan_local(u: Array, out: Array) -> Array:
    c = np.cos(u)
    return 1.0 / (c * c)


FUNCTIONS: dict[str, BuiltinFunction] = {f.name: f for f in (
    BuiltinFunction("sin", np.sin, lambda u, out: np.cos(u), "cos(u)", "sine"),
    BuiltinFunction("cos", np.cos, lambda u, out: -np.sin(u), "-sin(u)", "cosine"),
    BuiltinFunction("tan", np.tan, _tan_local, "1/cos(u)^2", "tangent"),
    BuiltinFunction("exp", np.exp, lambda u, out: out, "exp(u)", "e to the power u"),
    BuiltinFunction("log", np.log, lambda u, out: 1.0 / u, "1/u", "natural logarithm"),
    BuiltinFunction("sqrt", np.sqrt, lambda u, out: 0.5 / out, "1/(2*sqrt(u))",
                    "square root"),
    BuiltinFunction("tanh", np.tanh, lambda u, out: 1.0 - out * out, "1 - tanh(u)^2",
                    "hyperbolic tangent"),
    BuiltinFunction("sigmoid", _sigmoid, lambda u, out: out * (1.0 - out),
                    "sigmoid(u)*(1 - sigmoid(u))", "logistic sigmoid 1/(1 + e^(-u))"),
    # u/|u|: the slope is undefined (NaN) at the corner u = 0, in the graph as in the
    # symbolic derivative, so that the two always agree.
    BuiltinFunction("abs", np.abs, lambda u, out: u / out, "u/abs(u)", "absolute value"),
)}

#: The names of the built-in functions, in the order menus list them.
FUNCTION_NAMES: tuple[str, ...] = tuple(FUNCTIONS)

__all__ = ["FUNCTIONS", "FUNCTION_NAMES", "BuiltinFunction"]
