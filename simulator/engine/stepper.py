"""The stepper: one training iteration as sub-steps a student can walk forward and back.

An iteration is split into sub-steps in the lesson's order: the forward pass neuron by
neuron, the error output by output, the backward pass parameter by parameter (output layer
first), and the update. Every sub-step can describe what it computed (see
:mod:`simulator.engine.explain`). Stepping back restores earlier states exactly: states are
checkpointed, and any state between checkpoints is recomputed by the deterministic trainer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .backprop import BackwardPass
from .network import Network
from .training import CancelFlag, Divergence, RunResult, StepResult, Trainer, TrainState

STAGES: tuple[str, ...] = ("forward", "error", "backward", "update")


@dataclass(frozen=True)
class SubStep:
    """One sub-step of an iteration.

    ``stage`` is one of :data:`STAGES`; ``target`` is what it computes: a neuron name
    (forward), an output neuron name (error), a parameter name (backward) or "all"
    (update). ``layer`` and ``index`` locate a neuron (layer 1 = first non-input layer).
    """

    stage: str
    target: str
    layer: int = -1
    index: int = -1

    @property
    def title(self) -> str:
        """A short heading, e.g. "Forward: H1" or "Backward: dE/dw5"."""
        if self.stage == "forward":
            return f"Forward: {self.target}"
        if self.stage == "error":
            return f"Error: {self.target}"
        if self.stage == "backward":
            return f"Backward: dE/d{self.target}"
        return "Update: all parameters"


def plan_substeps(network: Network) -> list[SubStep]:
    """The sub-steps of one iteration for this network, in order."""
    steps: list[SubStep] = []
    for layer in range(1, len(network.sizes)):
        for i, name in enumerate(network.neurons[layer]):
            steps.append(SubStep("forward", name, layer, i))
    for i, name in enumerate(network.neurons[-1]):
        steps.append(SubStep("error", name, len(network.sizes) - 1, i))
    for k in range(len(network.layers) - 1, -1, -1):
        w = network.weight_slices[k]
        b = network.bias_slices[k]
        for name in network.names[w] + network.names[b]:
            steps.append(SubStep("backward", name, k + 1))
    steps.append(SubStep("update", "all"))
    return steps


@dataclass(frozen=True)
class Iteration:
    """One iteration, fully computed: the step and its sub-steps."""

    step: StepResult
    substeps: tuple[SubStep, ...]

    @property
    def backward(self) -> BackwardPass:
        """The forward and backward pass of this iteration's batch."""
        return self.step.backward

    @cached_property
    def substep_index(self) -> dict[tuple[str, str], int]:
        """Position of each (stage, target) in the sub-step list."""
        return {(s.stage, s.target): i for i, s in enumerate(self.substeps)}


class History:
    """Checkpoints of training states by iteration: every state for the most recent
    ``dense`` iterations, every ``stride``-th before that."""

    def __init__(self, dense: int = 5000, stride: int = 100) -> None:
        self.dense = dense
        self.stride = stride
        self._states: dict[int, TrainState] = {}

    def record(self, state: TrainState) -> None:
        """Keep ``state``, thinning old checkpoints when there are too many."""
        self._states[state.iteration] = state
        if len(self._states) > 2 * self.dense:
            newest = max(self._states)
            self._states = {i: s for i, s in self._states.items()
                            if i > newest - self.dense or i % self.stride == 0}

    def nearest(self, iteration: int) -> TrainState | None:
        """The latest checkpoint at or before ``iteration``."""
        if iteration in self._states:
            return self._states[iteration]
        earlier = [i for i in self._states if i <= iteration]
        return self._states[max(earlier)] if earlier else None

    def clear(self) -> None:
        """Forget everything."""
        self._states.clear()


class Stepper:
    """Walks training forward and back, sub-step by sub-step or in larger strides.

    The position is (current iteration, cursor). ``cursor`` is the index of the last sub-step
    taken in the current iteration, -1 before the first. Taking the "update" sub-step
    applies the optimizer step; the next step starts the next iteration.
    """

    def __init__(self, trainer: Trainer, start: TrainState | None = None) -> None:
        self.trainer = trainer
        self.substeps: tuple[SubStep, ...] = tuple(plan_substeps(trainer.network))
        self.history = History()
        self.losses: list[float] = []  # batch loss of each completed iteration
        self.divergence: Divergence | None = None
        self._start = start if start is not None else trainer.initial_state()
        self.reset(self._start)

    # --- position ----------------------------------------------------------------------

    def reset(self, state: TrainState | None = None) -> None:
        """Go back to ``state`` (the starting state by default) with no sub-step taken."""
        self._start = state if state is not None else self._start
        self.history.clear()
        self.history.record(self._start)
        self.losses = []
        self.divergence = None
        self._state = self._start
        self._iteration: Iteration | None = None
        self.cursor = -1

    @property
    def state(self) -> TrainState:
        """The state at the start of the current iteration."""
        return self._state

    @property
    def iteration(self) -> Iteration:
        """The current iteration, computed on first use."""
        if self._iteration is None:
            self._iteration = Iteration(self.trainer.step(self._state), self.substeps)
        return self._iteration

    @property
    def current(self) -> SubStep | None:
        """The last sub-step taken, or None before the first."""
        return self.substeps[self.cursor] if self.cursor >= 0 else None

    @property
    def stage(self) -> str | None:
        """The stage of the last sub-step taken."""
        current = self.current
        return current.stage if current is not None else None

    @property
    def updated(self) -> bool:
        """Whether the current iteration's update has been applied."""
        return self.cursor == len(self.substeps) - 1

    @property
    def params(self) -> np.ndarray:
        """The parameters as they stand now (after the update if it has been taken)."""
        if self.updated:
            return self.iteration.step.after.params
        return self._state.params

    @property
    def completed_iterations(self) -> int:
        """Optimizer steps applied so far."""
        return self._state.iteration + (1 if self.updated else 0)

    @property
    def can_step_back(self) -> bool:
        """Whether there is anything to step back to."""
        return self.cursor >= 0 or self._state.iteration > self._start.iteration

    # --- moving ------------------------------------------------------------------------

    def step(self) -> SubStep | None:
        """Take one sub-step. Returns it, or None when the iteration would leave the finite,
        saveable range (the position does not change and :attr:`divergence` says why):
        before the first sub-step of an iteration whose pass holds a number out of range
        (so no sub-step ever shows one), and before an update that would take a parameter
        out of range."""
        if self.updated:
            following = self._following()
            if following is None:
                return None
            self._advance(following)
        elif self.cursor == -1 and not self._check_pass():
            return None
        if self.cursor == len(self.substeps) - 2 and not self._check_current():
            return None
        self.cursor += 1
        if self.updated:
            self.losses.append(self.iteration.step.loss)
        return self.substeps[self.cursor]

    def step_back(self) -> SubStep | None:
        """Undo one sub-step, exactly. Returns the sub-step now current (None at the start)."""
        self.divergence = None
        if self.cursor > 0:
            if self.updated:
                self.losses.pop()
            self.cursor -= 1
            return self.substeps[self.cursor]
        if self._state.iteration == self._start.iteration:
            self.cursor = -1
            return None
        self._goto(self._state.iteration - 1)
        self.cursor = len(self.substeps) - 1
        return self.substeps[self.cursor]

    def finish_iteration(self) -> bool:
        """Complete the current iteration, or take a whole new one if it was complete.
        Returns False if it diverged (the state stays at the last one inside the range)."""
        if self.updated:
            following = self._following()
            if following is None:
                return False
            self._advance(following)
        if not self._check_current():
            return False
        self.cursor = len(self.substeps) - 1
        self.losses.append(self.iteration.step.loss)
        return True

    def run(self, iterations: int, stop_at_epoch_end: bool = False,
            cancel: CancelFlag | None = None) -> RunResult:
        """Take up to ``iterations`` whole iterations quickly, finishing the one in progress
        first. The stepper ends on a completed iteration (cursor on its update)."""
        done = RunResult(self._state)
        if iterations <= 0:
            return done
        if not self.updated:
            if not self.finish_iteration():
                done.divergence = self.divergence
                return done
            done.steps, done.losses = 1, [self.losses[-1]]
            done.state = self.iteration.step.after
            iterations -= 1
            if iterations == 0 or (stop_at_epoch_end and done.state.batch == 0):
                return done
        start = self.iteration.step.after
        result = self.trainer.run(start, iterations, stop_at_epoch_end, cancel,
                                  record=self.history.record)
        self.losses.extend(result.losses)
        if result.previous is not None:
            self._state = result.previous
            self._iteration = None
            self.cursor = len(self.substeps) - 1
        self.divergence = result.divergence
        result.losses = done.losses + result.losses
        result.steps += done.steps
        return result

    def run_epoch(self, cancel: CancelFlag | None = None) -> RunResult:
        """Run to the end of the current epoch."""
        return self.run(self.trainer.batches_per_epoch, stop_at_epoch_end=True, cancel=cancel)

    # --- internals ---------------------------------------------------------------------

    def check_iteration(self) -> Divergence | None:
        """Why the current iteration's numbers cannot be shown (a number of its forward or
        backward pass is not finite or passes the limit), or None. A view that shows the
        numbers of sub-steps not taken yet (in advance) asks this first."""
        return self.trainer.check_pass(self.iteration.backward, self._state.iteration + 1)

    def _check_pass(self) -> bool:
        div = self.check_iteration()
        self.divergence = div
        return div is None

    def _check_current(self) -> bool:
        div = self.trainer.check(self.iteration.step)
        self.divergence = div
        return div is None

    def _following(self) -> Iteration | None:
        """The iteration after the current (completed) one, or None (with
        :attr:`divergence` set) if its pass leaves the range."""
        after = self.iteration.step.after
        following = Iteration(self.trainer.step(after), self.substeps)
        self.divergence = self.trainer.check_pass(following.backward, after.iteration + 1)
        return following if self.divergence is None else None

    def _advance(self, following: Iteration | None = None) -> None:
        """Move from a completed iteration to the start of the next one."""
        self._state = self.iteration.step.after
        self.history.record(self._state)
        self._iteration = following
        self.cursor = -1

    def _goto(self, iteration: int) -> None:
        """Make the iteration that starts at step ``iteration`` current (cursor at -1)."""
        base = self.history.nearest(iteration)
        if base is None:
            raise RuntimeError("no checkpoint to go back to")  # cannot happen: start is kept
        state = base
        while state.iteration < iteration:
            state = self.trainer.step(state, keep=False).after
            self.history.record(state)
        self._state = state
        self._iteration = None
        self.cursor = -1
