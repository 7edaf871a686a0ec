"""The built-in examples of the function lab (``resources/functions/examples.json``).

Each example is an expression with a start point, a learning rate, a number of steps, an
optimizer and the range to plot, plus what the lesson says about it:

- ``checks``: values the lesson states and that are right (f'(0) = e^2 for
  ``e^2*sin(x)``), which the tests verify against the engine;
- ``slips``: values the widely copied original states wrongly, with the correct value
  (at (3, -3), ``x*y + x^2`` is 0, not 9), for a view to point out;
- ``notes``: sentences for the student.

The file is validated on load (:func:`load_examples`): every expression must parse, every
point must give each of its variables a finite number, and so on; a bad file gets one
:class:`ExampleError` naming the example and the field.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...resources import resource_path
from .analysis import Function, parse_function
from .descent import DESCENT_OPTIMIZERS, MAX_DESCENT_STEPS
from .errors import ExpressionError

FORMAT = "backprop-lab-functions"
VERSION = 1
#: The largest examples file read (it is a resource, but it is read like any input).
MAX_FILE_BYTES = 1_000_000


class ExampleError(ValueError):
    """A bad examples file; the message names the example and the field."""


@dataclass(frozen=True)
class Check:
    """A value the lesson states correctly: ``quantity`` ("f" or "df/dx") at ``at``."""

    at: dict[str, float]
    quantity: str
    value: float
    text: str


@dataclass(frozen=True)
class Slip:
    """A value the original lesson gets wrong: it says ``claimed`` (None if the slip is
    not a number), the right value is ``correct``."""

    at: dict[str, float]
    quantity: str
    claimed: float | None
    correct: float
    text: str


@dataclass(frozen=True)
class FunctionExample:
    """One built-in example (see the module docstring)."""

    id: str
    title: str
    expression: str
    description: str
    start: dict[str, float]
    learning_rate: float
    steps: int
    optimizer: str
    range: dict[str, tuple[float, float]]
    checks: tuple[Check, ...]
    slips: tuple[Slip, ...]
    notes: tuple[str, ...]

    def function(self) -> Function:
        """The parsed expression."""
        return parse_function(self.expression)


def quantity_value(function: Function, quantity: str, at: Mapping[str, float]) -> float:
    """``quantity`` of ``function`` at ``at``: "f" for the value, "df/dv" for a partial
    derivative (by the computational graph)."""
    if quantity == "f":
        return function.value(at)
    if quantity.startswith("df/d") and quantity[4:] in function.variables:
        return function.gradient(at)[function.variables.index(quantity[4:])]
    raise ValueError(f"unknown quantity {quantity!r}: use f or df/d<variable> "
                     f"({', '.join(function.variables)})")


# --- loading -------------------------------------------------------------------------------

def default_path() -> Path:
    """Where the built-in examples are."""
    return resource_path("functions", "examples.json")


def load_examples(path: str | Path | None = None) -> tuple[FunctionExample, ...]:
    """The examples in ``path`` (the built-in file by default), validated."""
    p = Path(path) if path is not None else default_path()
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ExampleError(f"{p.name}: the file is too large ({size} bytes)")
        raw = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ExampleError(f"cannot read {p}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExampleError(f"{p.name}: not a JSON file ({exc})") from None
    return examples_from_dict(raw)


def examples_from_dict(raw: Any) -> tuple[FunctionExample, ...]:
    """The examples of a decoded examples file, validated."""
    if not isinstance(raw, dict):
        raise ExampleError("the file must hold a JSON object")
    _keys(raw, {"format", "version", "examples"}, "the file")
    if raw.get("format") != FORMAT:
        raise ExampleError(f"format must be {FORMAT!r}")
    if raw.get("version") != VERSION:
        raise ExampleError(f"version must be {VERSION}")
    items = raw.get("examples")
    if not isinstance(items, list) or not items:
        raise ExampleError("examples must be a non-empty list")
    out: list[FunctionExample] = []
    seen: set[str] = set()
    for n, item in enumerate(items, start=1):
        ex = _example(item, f"example {n}")
        if ex.id in seen:
            raise ExampleError(f"example {n}: the id {ex.id!r} is used twice")
        seen.add(ex.id)
        out.append(ex)
    return tuple(out)


_FIELDS = {"id", "title", "expression", "description", "start", "learning_rate", "steps",
           "optimizer", "range", "checks", "slips", "notes"}


def _example(item: Any, where: str) -> FunctionExample:
    if not isinstance(item, dict):
        raise ExampleError(f"{where}: must be an object")
    _keys(item, _FIELDS, where)
    ident = _text(item, "id", where)
    where = f"example {ident!r}"
    expression = _text(item, "expression", where)
    try:
        fn = parse_function(expression)
    except ExpressionError as exc:
        raise ExampleError(f"{where}: expression: {exc}") from None
    names = fn.variables
    start = _point(item.get("start"), names, f"{where}: start")
    lr = _number(item.get("learning_rate"), f"{where}: learning_rate")
    if lr <= 0:
        raise ExampleError(f"{where}: learning_rate must be greater than 0")
    steps = item.get("steps")
    if not (isinstance(steps, int) and not isinstance(steps, bool)
            and 1 <= steps <= MAX_DESCENT_STEPS):
        raise ExampleError(f"{where}: steps must be a whole number from 1 to "
                           f"{MAX_DESCENT_STEPS}")
    optimizer = item.get("optimizer")
    if optimizer not in DESCENT_OPTIMIZERS:
        raise ExampleError(f"{where}: optimizer must be one of {', '.join(DESCENT_OPTIMIZERS)}")
    ranges = item.get("range")
    if not isinstance(ranges, dict) or set(ranges) != set(names):
        raise ExampleError(f"{where}: range must give [low, high] for each of "
                           f"{', '.join(names)}")
    span: dict[str, tuple[float, float]] = {}
    for v in names:
        pair = ranges[v]
        if not (isinstance(pair, list) and len(pair) == 2):
            raise ExampleError(f"{where}: range of {v} must be [low, high]")
        lo, hi = (_number(x, f"{where}: range of {v}") for x in pair)
        if not lo < hi:
            raise ExampleError(f"{where}: range of {v} must have low < high")
        span[v] = (lo, hi)
    checks = tuple(_check(c, fn, f"{where}: check {i}")
                   for i, c in enumerate(_list(item, "checks", where), start=1))
    slips = tuple(_slip(s, fn, f"{where}: slip {i}")
                  for i, s in enumerate(_list(item, "slips", where), start=1))
    notes = tuple(_string(s, f"{where}: notes") for s in _list(item, "notes", where))
    return FunctionExample(ident, _text(item, "title", where), expression,
                           _text(item, "description", where), start, lr, int(steps),
                           str(optimizer), span, checks, slips, notes)


def _check(raw: Any, fn: Function, where: str) -> Check:
    if not isinstance(raw, dict):
        raise ExampleError(f"{where}: must be an object")
    _keys(raw, {"at", "quantity", "value", "text"}, where)
    return Check(_point(raw.get("at"), fn.variables, f"{where}: at"),
                 _quantity(raw.get("quantity"), fn, where),
                 _number(raw.get("value"), f"{where}: value"), _text(raw, "text", where))


def _slip(raw: Any, fn: Function, where: str) -> Slip:
    if not isinstance(raw, dict):
        raise ExampleError(f"{where}: must be an object")
    _keys(raw, {"at", "quantity", "claimed", "correct", "text"}, where)
    claimed = raw.get("claimed")
    return Slip(_point(raw.get("at"), fn.variables, f"{where}: at"),
                _quantity(raw.get("quantity"), fn, where),
                None if claimed is None else _number(claimed, f"{where}: claimed"),
                _number(raw.get("correct"), f"{where}: correct"), _text(raw, "text", where))


def _quantity(raw: Any, fn: Function, where: str) -> str:
    allowed = ["f"] + [f"df/d{v}" for v in fn.variables]
    if raw not in allowed:
        raise ExampleError(f"{where}: quantity must be one of {', '.join(allowed)}")
    return str(raw)


def _keys(obj: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(obj) - known)
    if unknown:
        raise ExampleError(f"{where}: unknown field(s) {', '.join(map(str, unknown))}")


def _list(obj: dict[str, Any], key: str, where: str) -> list[Any]:
    value = obj.get(key, [])
    if not isinstance(value, list):
        raise ExampleError(f"{where}: {key} must be a list")
    return value


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ExampleError(f"{where}: must be a non-empty string")
    return value


def _text(obj: dict[str, Any], key: str, where: str) -> str:
    return _string(obj.get(key), f"{where}: {key}")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value):
        raise ExampleError(f"{where}: must be a finite number")
    return float(value)


def _point(raw: Any, names: tuple[str, ...], where: str) -> dict[str, float]:
    if not isinstance(raw, dict) or set(raw) != set(names):
        raise ExampleError(f"{where}: must give a number for each of {', '.join(names)}")
    return {v: _number(raw[v], f"{where}: {v}") for v in names}


__all__ = ["FORMAT", "VERSION", "Check", "ExampleError", "FunctionExample", "Slip",
           "default_path", "examples_from_dict", "load_examples", "quantity_value"]
