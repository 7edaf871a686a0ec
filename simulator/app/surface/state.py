"""The cost-surface view's settings as one state object (no Qt here).

In the spirit of glue's viewer states: each setting is a field that validates what it is
given and notifies when its value changes. Listeners get the *names* of the fields that
changed, so each reacts only to what it shows, and :meth:`SurfaceState.batch` gathers the
changes of a block into one notification (switching to random directions with a new seed,
or restoring saved settings, causes one recompute, not one per field; a field set and set
back within a batch does not notify at all).

The state is saved with the window's settings as a plain dictionary with its own version
(:meth:`SurfaceState.to_dict`, :meth:`SurfaceState.from_dict`): a value that does not
validate is dropped and its default used, so a hand-edited or old store cannot break the
view.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Generic, TypeVar, overload

from ...engine.limits import MAX_SEED
from ...engine.surface import DEFAULT_RESOLUTION, SurfaceError, check_seed

T = TypeVar("T")

#: The version of the saved dictionary; :func:`migrate` brings older ones up to it.
STATE_VERSION = 1

VIEW_3D = "3d"
VIEW_CONTOUR = "contour"
VIEW_MODES: tuple[str, ...] = (VIEW_3D, VIEW_CONTOUR)

#: What the toolbar offers (and so what the state accepts).
RESOLUTION_LIMITS = (5, 401)
SPAN_LIMITS = (1e-4, 1e6)
SEED_MAX = MAX_SEED
COMPARE_STEP_LIMITS = (1, 10_000)
DEFAULT_COMPARE_STEPS = 50

#: Called with the names of the fields that changed.
Listener = Callable[[frozenset[str]], None]


class Field(Generic[T]):
    """A field of a :class:`SurfaceState`: ``check`` turns a given value into a valid one
    or raises :class:`~simulator.engine.surface.SurfaceError`."""

    def __init__(self, default: T, check: Callable[[Any], T]) -> None:
        self.default = default
        self.check = check
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> Field[T]: ...

    @overload
    def __get__(self, obj: SurfaceState, owner: type) -> T: ...

    def __get__(self, obj: SurfaceState | None, owner: type) -> Field[T] | T:
        if obj is None:
            return self
        value: T = obj._values[self.name]
        return value

    def __set__(self, obj: SurfaceState, value: T) -> None:
        obj._set(self.name, self.check(value))


def _axes(value: Any) -> tuple[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, (tuple, list)) or len(value) != 2 \
            or not all(isinstance(v, str) and v for v in value):
        raise SurfaceError("the axes must be two parameter names")
    x, y = value
    if x == y:
        raise SurfaceError(f"the two axes must be different parameters (got {x} twice)")
    return x, y


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise SurfaceError(f"expected true or false, not {value!r}")
    return value


def _whole(low: int, high: int, what: str) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise SurfaceError(f"{what} must be a whole number from {low} to {high}, "
                               f"not {value!r}")
        return int(value)
    return check


def _span(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SurfaceError(f"the span must be a number, not {value!r}")
    span = float(value)
    if not (math.isfinite(span) and SPAN_LIMITS[0] <= span <= SPAN_LIMITS[1]):
        raise SurfaceError(f"the span must be from {SPAN_LIMITS[0]:g} to {SPAN_LIMITS[1]:g}, "
                           f"not {span:g}")
    return span


def _seed(value: Any) -> int:
    seed = check_seed(value)
    if seed > SEED_MAX:
        raise SurfaceError(f"the seed must be at most {SEED_MAX}, not {seed}")
    return seed


def _view_mode(value: Any) -> str:
    if value not in VIEW_MODES:
        raise SurfaceError(f"unknown view '{value}' (known: {', '.join(VIEW_MODES)})")
    return str(value)


class SurfaceState:
    """What the user chose for the cost surface. Every field notifies on change.

    - ``axes``: the two parameters on x and y (None: the network's default axes). Kept
      while random directions are shown, for when they are switched off.
    - ``random``: show two random directions instead of two parameters.
    - ``seed``: the seed the random directions are drawn from.
    - ``span``: a manual half-width of the range around the current values (None: the
      automatic range).
    - ``resolution``: grid points along each axis.
    - ``view_mode``: the 3D view or the contour map (a preference: without OpenGL the
      contour map is shown whatever it says).
    - ``compare_steps``: steps of the optimizer comparison.
    """

    axes: Field[tuple[str, str] | None] = Field(None, _axes)
    random: Field[bool] = Field(False, _flag)
    seed: Field[int] = Field(0, _seed)
    span: Field[float | None] = Field(None, _span)
    resolution: Field[int] = Field(DEFAULT_RESOLUTION, _whole(*RESOLUTION_LIMITS,
                                                              "the resolution"))
    view_mode: Field[str] = Field(VIEW_3D, _view_mode)
    compare_steps: Field[int] = Field(DEFAULT_COMPARE_STEPS,
                                      _whole(*COMPARE_STEP_LIMITS, "the number of steps"))

    FIELDS: tuple[str, ...] = ("axes", "random", "seed", "span", "resolution", "view_mode",
                               "compare_steps")

    def __init__(self, **values: Any) -> None:
        self._values: dict[str, Any] = {name: self._field(name).default
                                        for name in self.FIELDS}
        self._listeners: list[Listener] = []
        self._depth = 0
        self._before: dict[str, Any] = {}  # the values at the start of the batch
        self.update(**values)

    @classmethod
    def _field(cls, name: str) -> Field[Any]:
        field = cls.__dict__.get(name)
        if not isinstance(field, Field):
            raise AttributeError(f"SurfaceState has no field '{name}'")
        return field

    # --- notification ------------------------------------------------------------------

    def connect(self, listener: Listener) -> None:
        """Call ``listener`` with the names of the fields that changed, once per change (or
        per batch)."""
        self._listeners.append(listener)

    def disconnect(self, listener: Listener) -> None:
        """Stop calling ``listener`` (no error if it was not connected)."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    @contextmanager
    def batch(self) -> Iterator[SurfaceState]:
        """Gather the changes made inside the block into one notification at its end
        (batches nest: the outermost one notifies)."""
        self._depth += 1
        try:
            yield self
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._notify()

    def update(self, **values: Any) -> None:
        """Set several fields in one batch (each one checked)."""
        with self.batch():
            for name, value in values.items():
                self._field(name).__set__(self, value)

    def _set(self, name: str, value: Any) -> None:
        old = self._values[name]
        if value == old:
            return
        self._before.setdefault(name, old)
        self._values[name] = value
        if self._depth == 0:
            self._notify()

    def _notify(self) -> None:
        changed = frozenset(name for name, old in self._before.items()
                            if self._values[name] != old)
        self._before = {}
        if changed:
            for listener in list(self._listeners):
                listener(changed)

    # --- saving ----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The state as plain JSON values, with its version."""
        out: dict[str, Any] = {"version": STATE_VERSION}
        for name in self.FIELDS:
            value = self._values[name]
            out[name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SurfaceState:
        """A state from :meth:`to_dict`'s output (of this or an older version): fields that
        are missing or do not validate keep their defaults."""
        state = cls()
        for name, value in migrate(data).items():
            try:
                state.update(**{name: value})
            except (SurfaceError, AttributeError):
                continue
        return state

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={self._values[name]!r}" for name in self.FIELDS)
        return f"SurfaceState({fields})"


def migrate(data: Mapping[str, Any]) -> dict[str, Any]:
    """Saved state of any version as this version's field values (not yet checked).

    Version 1 is the first; a later version's fields are read where they still mean the
    same (the unknown ones are dropped)."""
    if not isinstance(data, Mapping):
        return {}
    return {name: data[name] for name in SurfaceState.FIELDS if name in data}


__all__ = [
    "DEFAULT_COMPARE_STEPS",
    "RESOLUTION_LIMITS",
    "SPAN_LIMITS",
    "STATE_VERSION",
    "VIEW_3D",
    "VIEW_CONTOUR",
    "VIEW_MODES",
    "SurfaceState",
    "migrate",
]
