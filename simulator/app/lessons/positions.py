"""Moving the model's stepper to where a lesson step stands, through the model.

A position is counted in sub-steps from the start of training (:func:`linear`): after
``n`` completed iterations and ``k`` sub-steps of the next one it is ``n * S + k`` (S
sub-steps per iteration), so "after iteration 300" and "iteration 301, nothing taken yet"
are the same place.

:class:`PositionMover` gets there with the model's own moves (``run_iterations``,
``step``, ``step_back``, ``reset_training``), so every view follows as it does for the
student's own keys. Long runs go in slices on a zero timer with progress (the window keeps
answering; moving to another step cancels), each slice ending on a multiple of the
stepper's ``test_every``: a run's end samples the test loss, and a slice that ended
elsewhere would add samples a single run does not take, moving the "best test iteration"
a lesson quotes. So the window reaches exactly the state
:func:`~simulator.engine.lesson_scene.enact` computes in the engine.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

from ...engine.lesson import Position
from ...engine.stepper import Stepper
from ..model import LabModel

#: How long one slice of a run may take on the GUI thread (the views redraw after it).
SLICE_SECONDS = 0.04
#: Iterations of the first slice, before the cost of one is known.
FIRST_SLICE = 50


def linear(stepper: Stepper) -> int:
    """The stepper's position in sub-steps from the start (see the module docstring)."""
    return stepper.state.iteration * len(stepper.substeps) + stepper.cursor + 1


def target_of(position: Position, stepper: Stepper) -> int:
    """Where ``position`` is, in sub-steps from the start (ValueError for a sub-step the
    network does not have)."""
    per = len(stepper.substeps)
    sub = position.substep
    if sub is None:
        return position.iteration * per
    for i, s in enumerate(stepper.substeps):
        if (s.stage, s.target) == sub:
            return position.iteration * per + i + 1
    raise ValueError(f"the network has no sub-step {sub[0]} {sub[1]}")


class PositionMover(QObject):
    """Moves the model's stepper to a position (see the module docstring).

    Signals: ``progress(done, total)`` while a run goes on (iterations of this move), and
    ``finished(reached, message)`` once it is over (``message`` says why it was not
    reached: the training diverged or stopped early). A move that :meth:`start` completes
    at once emits nothing and returns True.
    """

    progress = Signal(int, int)
    finished = Signal(bool, str)

    def __init__(self, model: LabModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._target = 0
        self._run_to = 0
        self._run_from = 0
        self._slice = FIRST_SLICE
        self._busy = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._continue)
        # Where the last move left the stepper: continuing from there is exact.
        self._left: tuple[Stepper, int] | None = None

    @property
    def busy(self) -> bool:
        """Whether a move is under way (a run in slices)."""
        return self._busy

    @property
    def model(self) -> LabModel:
        """The model moved."""
        return self._model

    def cancel(self) -> None:
        """Stop a move under way where it is (nothing happens when none is)."""
        if self._busy:
            self._timer.stop()
            self._busy = False

    def start(self, target: int) -> bool:
        """Move to ``target`` (see :func:`target_of`). Returns True when it is reached at
        once; otherwise the move goes on in slices and ``finished`` tells how it ended
        (False is also returned, with ``finished`` emitted, when it cannot be reached)."""
        self.cancel()
        model = self._model
        stepper = model.stepper
        per = len(stepper.substeps)
        self._target = target
        here = linear(stepper)
        if here > target:
            if here - target <= per:
                for _ in range(here - target):
                    model.step_back()
            else:
                model.reset_training()
        stepper = model.stepper
        iterations = target // per
        done = stepper.completed_iterations
        if 0 < done < iterations and not self._exact_from_here(stepper):
            # The student stepped here by hand (each completed iteration sampled the test
            # loss): start again, so the run samples as a single run from the start does.
            model.reset_training()
            done = 0
        self._run_from = done
        self._run_to = iterations
        self._slice = FIRST_SLICE
        self._busy = True
        return self._advance(deadline=time.perf_counter() + SLICE_SECONDS, first=True)

    def _exact_from_here(self, stepper: Stepper) -> bool:
        left = self._left
        here = linear(stepper)
        return (left is not None and left[0] is stepper and left[1] == here
                and here % len(stepper.substeps) == 0)

    def _continue(self) -> None:
        if self._busy:
            self._advance(deadline=time.perf_counter() + SLICE_SECONDS, first=False)

    def _advance(self, deadline: float, first: bool) -> bool:
        """Run slices until the deadline, then take the sub-steps; True when reached."""
        model = self._model
        while model.stepper.completed_iterations < self._run_to:
            if time.perf_counter() >= deadline:
                self.progress.emit(model.stepper.completed_iterations - self._run_from,
                                   self._run_to - self._run_from)
                self._timer.start()
                return False
            if not self._run_slice():
                return False
        while linear(model.stepper) < self._target:
            if not model.step():
                return self._fail(model.divergence_message or
                                  "the stepper cannot take the next sub-step")
        self._busy = False
        self._left = (model.stepper, linear(model.stepper))
        if not first:
            self.finished.emit(True, "")
        return True

    def _run_slice(self) -> bool:
        model = self._model
        stepper = model.stepper
        done = stepper.completed_iterations
        every = max(1, int(stepper.test_every))
        end = min(self._run_to, done + max(1, self._slice))
        if end < self._run_to:
            aligned = (end // every) * every
            end = aligned if aligned > done else min(self._run_to, (done // every + 1) * every)
        count = end - done
        t0 = time.perf_counter()
        result = model.run_iterations(count)
        elapsed = max(time.perf_counter() - t0, 1e-6)
        if result.steps != count or result.halted:
            why = (model.divergence_message or model.early_stop_message
                   or "the run stopped before it got there")
            return self._fail(why)
        # Size the next slice to the budget from what this one cost.
        per_iteration = elapsed / max(1, count)
        self._slice = max(every, min(1_000_000, int(SLICE_SECONDS / per_iteration)))
        return True

    def _fail(self, message: str) -> bool:
        self._busy = False
        self._timer.stop()
        self.finished.emit(False, message)
        return False


def reached(model: LabModel, position: Position) -> bool:
    """Whether the model's stepper stands at ``position``."""
    return linear(model.stepper) == target_of(position, model.stepper)


__all__ = ["FIRST_SLICE", "SLICE_SECONDS", "PositionMover", "linear", "reached", "target_of"]
