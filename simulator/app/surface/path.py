"""The training path drawn on the surface, and the heights of paths on the drawn slice
(no Qt here).

:class:`TrainingPath` follows the model's stepper: the parameters at each completed
iteration, rebuilt for a new stepper (an edit, an undo, a new document), cut back on a step
back, extended from the stepper's checkpoints as training goes on.

:class:`SliceHeights` caches the height of each path point on the slice that is drawn (one
engine forward pass each), keyed by path and by iteration or step, so that a growing path
only computes its new points.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ...engine.stepper import Stepper
from ...engine.surface import PointHeights, PointSet, subsample

TRAINING_PATH = "path"  # the training path's key among the paths drawn
MAX_RECOMPUTED_STEPS = 8  # a path point this far past a checkpoint is recomputed
MAX_STORED_PATH = 20_000  # beyond this, every other point of the older half is dropped
MAX_JUMP_POINTS = 5000  # a long jump of the stepper adds at most this many points


class PathChange(NamedTuple):
    """What :meth:`TrainingPath.sync` did.

    ``changed``: the path is different. ``restarted``: it was rebuilt for another stepper
    than the one it followed (an edit, an undo, a new document; not the first one).
    ``stale_after``: heights cached for iterations after this one no longer hold (None:
    they all still do).
    """

    changed: bool
    restarted: bool = False
    stale_after: int | None = None


class TrainingPath:
    """The parameters at each completed iteration of the model's stepper (at most about
    MAX_STORED_PATH of them; a longer run keeps its start and thins its older half)."""

    def __init__(self) -> None:
        self.iterations: list[int] = []
        self.params: list[np.ndarray] = []
        self._stepper: Stepper | None = None
        self._advanced_at = -math.inf

    def __len__(self) -> int:
        return len(self.iterations)

    def forget_stepper(self) -> None:
        """Rebuild the path at the next :meth:`sync` as if for the first stepper."""
        self._stepper = None

    def advanced_within(self, seconds: float) -> bool:
        """Whether training added points in the last ``seconds`` (and nothing was edited
        since)."""
        return time.monotonic() - self._advanced_at < seconds

    def rows(self, size: int) -> np.ndarray:
        """The path as (T, P) parameters; (0, size) when empty."""
        if not self.params:
            return np.zeros((0, size))
        return np.array(self.params)

    def sample(self, limit: int) -> PointSet:
        """At most about ``limit`` evenly spread points, labelled by iteration (the same
        points as the path grows, until the stride doubles: see
        :func:`~simulator.engine.surface.subsample`)."""
        idx = subsample(len(self.params), limit)
        return PointSet(np.asarray(self.iterations)[idx],
                        np.array([self.params[k] for k in idx]))

    def sync(self, stepper: Stepper, current: np.ndarray) -> PathChange:
        """Bring the path up to ``stepper``, whose parameters are ``current`` now."""
        n = stepper.completed_iterations
        if stepper is not self._stepper:  # an edit, an undo, a new document
            first = self._stepper is None
            self._stepper = stepper
            self._advanced_at = -math.inf  # not training: the point is redrawn at once
            self.iterations, self.params = [], []
            self._extend(stepper, 0, n)
            self._append(n, current)
            return PathChange(True, restarted=not first, stale_after=-1)
        last = self.iterations[-1] if self.iterations else -1
        if n < last:  # a step back
            keep = int(np.searchsorted(np.asarray(self.iterations), n, side="right"))
            del self.iterations[keep:], self.params[keep:]
            if not self.iterations or self.iterations[-1] != n:
                self._append(n, current)
            return PathChange(True, stale_after=n)
        if n == last:  # within an iteration, or an edit the stepper took in
            if np.array_equal(self.params[-1], current):
                return PathChange(False)
            self.params[-1] = current.copy()
            return PathChange(True, stale_after=n - 1)
        self._extend(stepper, last + 1, n)
        self._append(n, current)
        self._advanced_at = time.monotonic()  # training: the views throttle their redraws
        return PathChange(True)

    def _append(self, iteration: int, params: np.ndarray) -> None:
        self.iterations.append(int(iteration))
        self.params.append(np.array(params, dtype=np.float64))
        if len(self.iterations) > MAX_STORED_PATH:  # thin the older half (keep the start)
            half = len(self.iterations) // 2
            keep = [0] + list(range(2, half, 2)) + list(range(half, len(self.iterations)))
            self.iterations = [self.iterations[k] for k in keep]
            self.params = [self.params[k] for k in keep]

    def _extend(self, stepper: Stepper, first: int, stop: int) -> None:
        """Append the states of iterations first .. stop - 1 (at most MAX_JUMP_POINTS of
        them, evenly spread, for a long jump) from the stepper's checkpoints. A state a few
        steps past the nearest checkpoint (a run started in the middle of an iteration
        records from the next one) is recomputed from it with the deterministic trainer, on
        copies."""
        if stop <= first:
            return
        history = stepper.history
        count = min(stop - first, MAX_JUMP_POINTS)
        for i in np.unique(np.linspace(first, stop - 1, count).astype(int)):
            state = history.nearest(int(i))
            if state is None or i - state.iteration > MAX_RECOMPUTED_STEPS:
                continue
            while state.iteration < i:
                state = stepper.trainer.step(state, keep=True).after
            self._append(int(i), state.params)


class SliceHeights:
    """The heights of path points on one drawn slice, by path key and point key (an
    iteration or a step number). Valid for the slice through ``centre`` only:
    :meth:`use_centre` drops everything when the drawn slice changes."""

    def __init__(self) -> None:
        self._by_path: dict[str, dict[int, float]] = {}
        self.centre: np.ndarray | None = None

    def use_centre(self, centre: np.ndarray | None) -> None:
        """Heights for the slice through ``centre`` (the same array object as before keeps
        the cache)."""
        if centre is not self.centre:
            self._by_path = {}
            self.centre = centre

    def load(self, heights: dict[str, PointHeights]) -> None:
        """Take in heights computed in the background, replacing those of the same paths."""
        for name, (keys, z) in heights.items():
            self._by_path[name] = dict(zip(np.asarray(keys).tolist(), np.asarray(z).tolist(),
                                           strict=True))

    def forget(self, name: str) -> None:
        """Drop a path's heights."""
        self._by_path.pop(name, None)

    def forget_after(self, name: str, key: int) -> None:
        """Drop a path's heights of points after ``key``."""
        cache = self._by_path.get(name)
        if cache:
            for k in [k for k in cache if k > key]:
                del cache[k]

    def heights(self, name: str, keys: np.ndarray,
                compute: Callable[[list[int]], np.ndarray]) -> np.ndarray:
        """The heights of a path's points ``keys``; ``compute`` is called with the positions
        (in ``keys``) of those not cached yet and returns their heights."""
        cache = self._by_path.setdefault(name, {})
        keys_list = np.asarray(keys).tolist()
        missing = [k for k, key in enumerate(keys_list) if key not in cache]
        if missing:
            for k, z in zip(missing, compute(missing).tolist(), strict=True):
                cache[keys_list[k]] = z
        return np.array([cache[key] for key in keys_list])
