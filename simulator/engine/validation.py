"""The test loss during training: its record, the iteration of its lowest value, and the
rule that stops training when it has stopped improving (early stopping).

The test loss is sampled, not computed at every iteration of a fast run: the stepper samples
it at every iteration a student steps through, every ``test_every`` iterations of a run and
at the end of every run (so at least once per redraw); see
:class:`~simulator.engine.stepper.Stepper`. :class:`TestLossHistory` keeps one point per
sampled iteration, so a curve drawn through them is true between the points as far as the
sampling goes (not a straight line from the first iteration to the last).

The test loss is E on the test split: its data loss plus the weight penalty, the same
function the training curve shows on the training batches (without a penalty, simply the
data loss). The best iteration is where it was lowest.

Early stopping (:class:`EarlyStopping`): stop once the test loss has not improved for
``patience`` iterations, that is when the last sample is at least ``patience`` iterations
after the best one. "Improved" means lower than the best so far by more than
``min_delta``. The best iteration's :class:`~simulator.engine.training.TrainState` is kept
with it, so training can go back to the best parameters exactly.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .limits import MAX_PATIENCE
from .numbers import format_number

if TYPE_CHECKING:
    from .training import TrainState


@dataclass(frozen=True)
class Best:
    """The lowest test loss so far: its iteration, value and the training state there."""

    iteration: int
    loss: float
    state: TrainState | None = field(default=None, repr=False, compare=False)


class TestLossHistory:
    """The test loss at each sampled iteration, in order of iteration, and the best one.

    Recording at an iteration at or before the last recorded one first forgets the points
    after it (training went back and is taking another path, or the same one again).
    """

    __test__ = False  # (not a pytest test class, despite its name)

    def __init__(self) -> None:
        self._iterations: list[int] = []
        self._losses: list[float] = []
        self._best: Best | None = None

    def __len__(self) -> int:
        return len(self._iterations)

    @property
    def iterations(self) -> np.ndarray:
        """The sampled iterations (completed optimizer steps), increasing."""
        return np.array(self._iterations, dtype=np.int64)

    @property
    def losses(self) -> np.ndarray:
        """The test loss at each sampled iteration (non-finite values are kept as they are)."""
        return np.array(self._losses, dtype=np.float64)

    @property
    def best(self) -> Best | None:
        """The lowest finite test loss recorded, the earliest of equals; None before any."""
        return self._best

    @property
    def last_iteration(self) -> int | None:
        """The last sampled iteration, or None."""
        return self._iterations[-1] if self._iterations else None

    def value_at(self, iteration: int) -> float | None:
        """The test loss sampled at ``iteration``, or None if it was not sampled."""
        i = bisect.bisect_left(self._iterations, iteration)
        if i < len(self._iterations) and self._iterations[i] == iteration:
            return self._losses[i]
        return None

    def record(self, iteration: int, loss: float, state: TrainState | None = None) -> bool:
        """Add the test loss sampled at ``iteration`` (``state`` is the training state there,
        kept if it is the new best). Returns whether it is the new best."""
        if self._iterations and iteration <= self._iterations[-1]:
            self.drop_after(iteration - 1)
        self._iterations.append(int(iteration))
        self._losses.append(float(loss))
        best = self._best
        if math.isfinite(loss) and (best is None or loss < best.loss):
            self._best = Best(int(iteration), float(loss), state)
            return True
        return False

    def drop_after(self, iteration: int) -> None:
        """Forget the points after ``iteration`` (and a best among them)."""
        cut = bisect.bisect_right(self._iterations, iteration)
        if cut == len(self._iterations):
            return
        del self._iterations[cut:]
        del self._losses[cut:]
        if self._best is not None and self._best.iteration > iteration:
            self._best = self._find_best()

    def clear(self) -> None:
        """Forget everything."""
        self._iterations.clear()
        self._losses.clear()
        self._best = None

    def _find_best(self) -> Best | None:
        finite = [(loss, it) for it, loss in zip(self._iterations, self._losses)
                  if math.isfinite(loss)]
        if not finite:
            return None
        loss, it = min(finite)
        return Best(it, loss, None)  # the state is not known any more: recompute it


class EarlyStoppingError(ValueError):
    """Bad early-stopping settings; the message is for the user."""


@dataclass(frozen=True)
class EarlyStopping:
    """Stop when the test loss has not improved for ``patience`` iterations (1 to
    :data:`~.limits.MAX_PATIENCE`):
    improved means lower than the best so far by more than ``min_delta`` (at least 0)."""

    patience: int
    min_delta: float = 0.0

    def __post_init__(self) -> None:
        if (isinstance(self.patience, bool) or not isinstance(self.patience, (int, np.integer))
                or not 1 <= self.patience <= MAX_PATIENCE):
            raise EarlyStoppingError(f"the patience must be a whole number of iterations from "
                                     f"1 to {MAX_PATIENCE:,}, not {self.patience!r}")
        if not (math.isfinite(self.min_delta) and self.min_delta >= 0):
            raise EarlyStoppingError(f"min_delta must be a number of at least 0, not "
                                     f"{self.min_delta!r}")

    def improved(self, loss: float, best: Best | None) -> bool:
        """Whether ``loss`` counts as an improvement on ``best``."""
        if not math.isfinite(loss):
            return False
        return best is None or loss < best.loss - self.min_delta

    def should_stop(self, iteration: int, best: Best | None) -> bool:
        """Whether to stop at ``iteration`` given the best improvement so far (its
        iteration counts from where the improvement happened)."""
        return best is not None and iteration - best.iteration >= self.patience

    def message(self, iteration: int, best: Best) -> str:
        """Why training stopped, in words."""
        return (f"Stopped early at iteration {iteration}: the test loss has not improved for "
                f"{iteration - best.iteration} iterations (at least {self.patience}). Its "
                f"lowest value was {format_number(best.loss, 5)} at iteration "
                f"{best.iteration}; you can go back to the parameters of that iteration.")
