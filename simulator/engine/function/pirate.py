"""The pirate: a walker in the dark who cannot feel the slope, beside the one who can.

The lesson's pirate searches for the lowest point by random steps. Here he starts where
the gradient descent starts and takes, at step k, a step of the *same length* as the
descent's step k in a random direction (uniform on the circle, or the sphere for more
variables; ±1 for one variable), drawn from ``numpy.random.default_rng(seed)``, so a walk
of k steps is always the start of the walk of k + 1 steps. The only thing he lacks is the
direction: the comparison is of direction, not of stride.

Rule (:data:`DOWNHILL_ONLY`, the default): **a step is kept only if it goes down** (f at
the new point is lower than where he stands); otherwise he stays where he is and the step
counts as taken. With ``downhill_only=False`` every step with a finite value is kept (a
pure random walk). A step to a point where f is not a finite number is never kept. Each
:class:`PirateStep` records the proposal and whether it was kept.

:func:`race` counts, for each walker, the steps needed to get within a tolerance of the
lowest value it reaches, and of the lowest value either reaches.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .analysis import Function, Point
from .descent import Descent

#: The default rule: a random step is kept only if it goes down.
DOWNHILL_ONLY = True
#: The default tolerance of :func:`race`.
DEFAULT_TOLERANCE = 1e-3


@dataclass(frozen=True)
class PirateStep:
    """One random step: from ``before`` towards ``proposal``; ``after`` is the proposal if
    ``kept``, else ``before``. ``index`` counts from 1."""

    index: int
    before: tuple[float, ...]
    value_before: float
    proposal: tuple[float, ...]
    proposal_value: float
    kept: bool
    length: float

    @property
    def after(self) -> tuple[float, ...]:
        """Where the pirate stands after the step."""
        return self.proposal if self.kept else self.before

    @property
    def value(self) -> float:
        """f where the pirate stands after the step."""
        return self.proposal_value if self.kept else self.value_before


@dataclass(frozen=True)
class PirateWalk:
    """A seeded random walk (see the module docstring)."""

    function: Function
    start: tuple[float, ...]
    start_value: float
    seed: int
    downhill_only: bool
    steps: tuple[PirateStep, ...]

    @property
    def rule(self) -> str:
        """The rule in words, for a legend."""
        return ("a random step is kept only if it goes down" if self.downhill_only
                else "every random step is taken")

    @property
    def points(self) -> np.ndarray:
        """The start and the position after each step, one row per point."""
        rows = [self.start] + [s.after for s in self.steps]
        return np.array(rows, dtype=np.float64).reshape(-1, len(self.start))

    @property
    def values(self) -> list[float]:
        """f at the start and after each step."""
        return [self.start_value] + [s.value for s in self.steps]


def pirate_walk(function: Function, start: Point, step_lengths: Sequence[float],
                seed: int = 0, downhill_only: bool = DOWNHILL_ONLY) -> PirateWalk:
    """The pirate's walk from ``start`` with one step per entry of ``step_lengths``."""
    here = function.point(start)
    n = len(here)
    rng = np.random.default_rng(seed)
    value = function.value(here)
    steps: list[PirateStep] = []
    for k, length in enumerate(step_lengths, start=1):
        if n == 0:
            direction = np.zeros(0)
        elif n == 1:
            direction = np.array([1.0 if rng.random() < 0.5 else -1.0])
        else:
            d = rng.standard_normal(n)
            norm = float(np.linalg.norm(d))
            direction = d / norm if norm > 0 else np.eye(n)[0]
        with np.errstate(all="ignore"):
            step = np.asarray(here, dtype=np.float64) + float(length) * direction
        proposal = tuple(float(v) for v in step)
        proposal_value = function.value(proposal)
        finite = math.isfinite(proposal_value) and all(math.isfinite(v) for v in proposal)
        kept = finite and (proposal_value < value or not downhill_only)
        steps.append(PirateStep(k, here, value, proposal, proposal_value, kept, float(length)))
        if kept:
            here, value = proposal, proposal_value
    return PirateWalk(function, function.point(start), function.value(start), int(seed),
                      downhill_only, tuple(steps))


def pirate_for(descent: Descent, seed: int = 0,
               downhill_only: bool = DOWNHILL_ONLY) -> PirateWalk:
    """The pirate beside ``descent``: the same start, step k as long as its step k."""
    return pirate_walk(descent.function, descent.start.point,
                       [s.length for s in descent.steps], seed, downhill_only)


def steps_to_within(values: Sequence[float], target: float, tolerance: float) -> int | None:
    """The first k with ``values[k] <= target + tolerance`` (k = 0 is the start), or None."""
    for k, v in enumerate(values):
        if v <= target + tolerance:
            return k
    return None


@dataclass(frozen=True)
class Race:
    """How many steps each walker needs to get within ``tolerance`` of a minimum.

    ``*_best`` is the lowest value the walker reaches; ``*_steps`` the steps it needs to
    get within ``tolerance`` of its own best; ``*_steps_to_lowest`` within ``tolerance`` of
    ``lowest``, the lowest value either reaches (None if it never does).
    """

    tolerance: float
    descent_best: float
    pirate_best: float
    descent_steps: int | None
    pirate_steps: int | None
    lowest: float
    descent_steps_to_lowest: int | None
    pirate_steps_to_lowest: int | None


def race(descent: Descent, walk: PirateWalk, tolerance: float = DEFAULT_TOLERANCE) -> Race:
    """Compare the descent and the pirate (see :class:`Race`)."""
    dv = [p.value for p in descent.path]
    pv = walk.values
    d_best, p_best = min(dv), min(pv)
    lowest = min(d_best, p_best)
    return Race(tolerance, d_best, p_best, steps_to_within(dv, d_best, tolerance),
                steps_to_within(pv, p_best, tolerance), lowest,
                steps_to_within(dv, lowest, tolerance), steps_to_within(pv, lowest, tolerance))


__all__ = ["DEFAULT_TOLERANCE", "DOWNHILL_ONLY", "PirateStep", "PirateWalk", "Race",
           "pirate_for", "pirate_walk", "race", "steps_to_within"]
