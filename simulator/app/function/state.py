"""What the function lab holds besides the descent itself: the settings a student edits
(one undo step each), the view modes, and the plot ranges. Plain values and checks (no
Qt); the learning-rate bounds are the engine's limits, as in the training settings bar.

:class:`LabSettings` is immutable: an edit makes a new one, and an undo command swaps two
of them (with the descent that goes with each). Every check that turns a request (typed,
clicked, or from a lesson file) into a setting lives here, with one message per refusal
(:class:`LabRequestError`), so a request is refused whole or applied whole.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ...engine.function import (
    DEFAULT_TOLERANCE,
    DESCENT_OPTIMIZERS,
    DOWNHILL_ONLY,
    Function,
    FunctionExample,
)
from ...engine.limits import MAX_ABS_VALUE
from ...engine.limits import MAX_LEARNING_RATE as LR_MAX  # the training bar's bounds too
from ...engine.limits import MIN_LEARNING_RATE as LR_MIN
from ...engine.numbers import format_bound

#: The view modes: one variable is drawn as a curve, two as a surface or contours; the
#: computational graph is there for any expression.
VIEW_CURVE = "curve"
VIEW_SURFACE = "surface"
VIEW_CONTOUR = "contour"
VIEW_GRAPH = "graph"
VIEW_MODES: tuple[str, ...] = (VIEW_CURVE, VIEW_SURFACE, VIEW_CONTOUR, VIEW_GRAPH)

#: The largest seed of the pirate's random steps.
SEED_MAX = 2**31 - 1
#: The tolerances the race accepts.
TOLERANCE_LIMITS = (1e-12, 1e6)
#: Half-width of the automatic plot range around a start coordinate: max(this, |v|).
AUTO_HALF_WIDTH = 2.0
#: The plot range grows to take in the paths, up to this many times its own width.
MAX_RANGE_GROWTH = 8.0
#: Margin around the paths when the range grows, as a share of the width.
RANGE_MARGIN = 0.08

Range = tuple[float, float]


class LabRequestError(ValueError):
    """A request the function lab refuses (a bad learning rate, a point outside the range
    of numbers, an unknown example or view); the message says why, in one line."""


@dataclass(frozen=True)
class LabSettings:
    """Everything about the descent that a student edits (one undo step per change).

    ``start`` gives each variable of ``expression`` its start value, in the function's
    variable order. ``example`` is the id of the built-in example the settings came from
    (None once the expression differs from it); ``ranges`` the plot range of each variable
    (None: around the start, see :func:`auto_ranges`).
    """

    expression: str
    start: tuple[float, ...]
    learning_rate: float = 0.1
    optimizer: str = "gd"
    pirate: bool = True
    downhill_only: bool = DOWNHILL_ONLY
    seed: int = 0
    tolerance: float = DEFAULT_TOLERANCE
    example: str | None = None
    ranges: tuple[Range, ...] | None = None

    def with_changes(self, **changes: Any) -> LabSettings:
        """A copy with ``changes``."""
        return replace(self, **changes)


# --- checks ---------------------------------------------------------------------------------

def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise LabRequestError(f"{what} must be a number, not {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise LabRequestError(f"{what} must be a finite number")
    return v


def check_coordinate(value: Any, name: str) -> float:
    """A start coordinate: a finite number within the range of numbers."""
    v = _number(value, name)
    if abs(v) > MAX_ABS_VALUE:
        raise LabRequestError(f"{name} is too large (the limit is {format_bound(MAX_ABS_VALUE)})")
    return v


def check_start(function: Function, values: Mapping[str, Any] | Sequence[Any]) -> tuple[float, ...]:
    """``values`` as a start point of ``function`` (every variable, nothing else)."""
    names = function.variables
    if isinstance(values, Mapping):
        unknown = [k for k in values if k not in names]
        if unknown:
            known = ", ".join(names) or "none"
            raise LabRequestError(f"{', '.join(map(str, unknown))} is not a variable of "
                                  f"{function.text} (its variables: {known})")
        missing = [v for v in names if v not in values]
        if missing:
            raise LabRequestError(f"no start value for {', '.join(missing)}")
        return tuple(check_coordinate(values[v], v) for v in names)
    items = list(values)
    if len(items) != len(names):
        raise LabRequestError(f"expected {len(names)} start values (for "
                              f"{', '.join(names) or 'no variables'}), got {len(items)}")
    return tuple(check_coordinate(v, n) for v, n in zip(items, names, strict=True))


def check_learning_rate(value: Any) -> float:
    """A learning rate from :data:`LR_MIN` to :data:`LR_MAX`."""
    v = _number(value, "the learning rate")
    if not LR_MIN <= v <= LR_MAX:
        raise LabRequestError(f"the learning rate must be from {LR_MIN:g} to {LR_MAX:g}, "
                              f"not {v:g}")
    return v


def check_optimizer(value: Any) -> str:
    """gd, momentum or adam."""
    if value not in DESCENT_OPTIMIZERS:
        raise LabRequestError(f"the optimizer must be one of {', '.join(DESCENT_OPTIMIZERS)}, "
                              f"not {value!r}")
    return str(value)


def check_seed(value: Any) -> int:
    """A whole number from 0 to :data:`SEED_MAX`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
            or not 0 <= int(value) <= SEED_MAX:
        raise LabRequestError(f"the seed must be a whole number from 0 to {SEED_MAX}, "
                              f"not {value!r}")
    return int(value)


def check_tolerance(value: Any) -> float:
    """A tolerance of the race (greater than 0)."""
    v = _number(value, "the tolerance")
    lo, hi = TOLERANCE_LIMITS
    if not lo <= v <= hi:
        raise LabRequestError(f"the tolerance must be from {lo:g} to {hi:g}, not {v:g}")
    return v


def check_flag(value: Any, what: str) -> bool:
    """True or false."""
    if not isinstance(value, bool):
        raise LabRequestError(f"{what} must be true or false, not {value!r}")
    return value


def check_view_mode(value: Any) -> str:
    """One of :data:`VIEW_MODES`."""
    if value not in VIEW_MODES:
        raise LabRequestError(f"unknown view {value!r} (the views: {', '.join(VIEW_MODES)})")
    return str(value)


# --- carrying settings over to a new expression -----------------------------------------------

def carry_start(old: Function | None, start: Sequence[float], new: Function,
                default: float = 0.0) -> tuple[float, ...]:
    """The start for ``new``: each variable it shares with ``old`` keeps its value, a new
    variable starts at ``default``."""
    kept = dict(zip(old.variables, start, strict=False)) if old is not None else {}
    return tuple(float(kept.get(v, default)) for v in new.variables)


def example_settings(example: FunctionExample, function: Function) -> LabSettings:
    """The settings an example opens with."""
    start = tuple(float(example.start[v]) for v in function.variables)
    ranges = tuple(example.range[v] for v in function.variables)
    return LabSettings(example.expression, start, example.learning_rate, example.optimizer,
                       example=example.id, ranges=ranges)


# --- plot ranges ----------------------------------------------------------------------------------

def auto_ranges(start: Sequence[float]) -> tuple[Range, ...]:
    """Around each start coordinate v: v +- max(:data:`AUTO_HALF_WIDTH`, |v|)."""
    out = []
    for v in start:
        half = max(AUTO_HALF_WIDTH, abs(float(v)))
        out.append((float(v) - half, float(v) + half))
    return tuple(out)


def grown_ranges(base: Sequence[Range], points: Sequence[np.ndarray]) -> tuple[Range, ...]:
    """``base``, grown to take in ``points`` (arrays of one row per point) with a margin,
    but to at most :data:`MAX_RANGE_GROWTH` times its width on each side (a diverging path
    leaves the picture rather than shrinking the function to a dot)."""
    out = []
    for k, (lo, hi) in enumerate(base):
        width = hi - lo
        values = [np.asarray(p, dtype=np.float64)[:, k] for p in points
                  if np.ndim(p) == 2 and np.shape(p)[0] and np.shape(p)[1] > k]
        finite = np.concatenate(values) if values else np.zeros(0)
        finite = finite[np.isfinite(finite)]
        new_lo, new_hi = lo, hi
        if finite.size:
            margin = RANGE_MARGIN * width
            new_lo = min(lo, float(np.min(finite)) - margin)
            new_hi = max(hi, float(np.max(finite)) + margin)
        new_lo = max(new_lo, lo - MAX_RANGE_GROWTH * width)
        new_hi = min(new_hi, hi + MAX_RANGE_GROWTH * width)
        out.append((new_lo, new_hi))
    return tuple(out)


__all__ = [
    "AUTO_HALF_WIDTH", "MAX_RANGE_GROWTH", "SEED_MAX", "VIEW_CONTOUR",
    "VIEW_CURVE", "VIEW_GRAPH", "VIEW_MODES", "VIEW_SURFACE", "LabRequestError",
    "LabSettings", "Range", "auto_ranges", "carry_start", "check_coordinate", "check_flag",
    "check_learning_rate", "check_optimizer", "check_seed", "check_start", "check_tolerance",
    "check_view_mode", "example_settings", "grown_ranges",
]
