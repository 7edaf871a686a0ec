"""The stepper: one training iteration as sub-steps a student can walk forward and back.

An iteration is split into sub-steps in the lesson's order: the forward pass neuron by
neuron, the error output by output, the backward pass parameter by parameter (output layer
first), and the update. Every sub-step can describe what it computed (see
:mod:`simulator.engine.explain`). Stepping back restores earlier states exactly: states are
checkpointed, and any state between checkpoints is recomputed by the deterministic trainer.

With a test split (a trainer made with one, e.g. :meth:`Trainer.for_document
<simulator.engine.training.Trainer.for_document>`), the stepper samples the test loss (see
:mod:`simulator.engine.validation`) at the start, at every iteration completed by stepping,
every :attr:`Stepper.test_every` iterations of a run and at the end of every run, and can stop
a run early and go back to the best iteration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .backprop import BackwardPass
from .network import Network
from .training import CancelFlag, Divergence, RunResult, StepResult, Trainer, TrainState
from .validation import Best, EarlyStopping, TestLossHistory

STAGES: tuple[str, ...] = ("forward", "error", "backward", "update")
#: During runs the test loss is sampled every this many iterations (and at each run's end).
#: A forward pass over the test split costs a fraction of a training step; every 10th
#: iteration keeps a fast run's cost within a few percent and the curve finely sampled.
DEFAULT_TEST_EVERY = 10


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
        #: The test loss at every sampled iteration (empty without a test split).
        self.test_history = TestLossHistory()
        #: Sample the test loss every this many iterations during runs (at least 1).
        self.test_every = DEFAULT_TEST_EVERY
        self._early_stopping: EarlyStopping | None = None
        #: Why the last run stopped early ("" if it did not).
        self.early_stop_message = ""
        self._improved: Best | None = None  # the last improvement early stopping counts from
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
        self.test_history.clear()
        self._improved = None
        self.early_stop_message = ""
        self._sample_test(self._start)

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
    def early_stopping(self) -> EarlyStopping | None:
        """The rule that stops runs when the test loss has not improved for a while (None:
        never). Set at any time: it counts from the best test loss recorded so far."""
        return self._early_stopping

    @early_stopping.setter
    def early_stopping(self, rule: EarlyStopping | None) -> None:
        self._early_stopping = rule
        self._improved = self.test_history.best
        self.early_stop_message = ""

    @property
    def current_state(self) -> TrainState:
        """The training state as it stands now (after the update if it has been taken)."""
        return self.iteration.step.after if self.updated else self._state

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
            self._sample_test(self.iteration.step.after)
        return self.substeps[self.cursor]

    def step_back(self) -> SubStep | None:
        """Undo one sub-step, exactly. Returns the sub-step now current (None at the start)."""
        self.divergence = None
        if self.cursor > 0:
            if self.updated:
                self.losses.pop()
                self._forget_test_after(self._state.iteration)
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
        self._sample_test(self.iteration.step.after)
        return True

    def run(self, iterations: int, stop_at_epoch_end: bool = False,
            cancel: CancelFlag | None = None) -> RunResult:
        """Take up to ``iterations`` whole iterations quickly, finishing the one in progress
        first. The stepper ends on a completed iteration (cursor on its update)."""
        done = RunResult(self._state)
        self.early_stop_message = ""
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
        if self._early_stop_due(start.iteration):
            self._stop_early(start.iteration)
            done.halted = True
            return done
        result = self.trainer.run(start, iterations, stop_at_epoch_end, cancel,
                                  record=self._run_record(), until=self._run_until())
        self.losses.extend(result.losses)
        if self.test_history.last_iteration != result.state.iteration:
            self._sample_test(result.state)  # the run's end: at least one point per redraw
        if self._early_stop_due(result.state.iteration):
            self._stop_early(result.state.iteration)
            result.halted = True
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

    # --- test loss and early stopping ----------------------------------------------------

    def go_to(self, iteration: int) -> None:
        """Go back to the position after ``iteration`` completed iterations (the start's
        iteration for the start itself), exactly as it was: the later losses and test-loss
        samples are forgotten. ValueError for an iteration not between the start and now."""
        start = self._start.iteration
        if not start <= iteration <= self.completed_iterations:
            raise ValueError(f"iteration {iteration} is not between the start ({start}) and "
                             f"now ({self.completed_iterations})")
        if iteration == start:
            self._goto(start)
        else:
            self._goto(iteration - 1)
            self.cursor = len(self.substeps) - 1
        del self.losses[iteration - start:]
        self._forget_test_after(iteration)
        self.divergence = None
        self.early_stop_message = ""

    def go_to_best(self) -> bool:
        """Go back to the iteration of the lowest test loss (see :meth:`go_to`). Returns
        False when there is none (no test split, or no finite test loss yet)."""
        best = self.test_history.best
        if best is None:
            return False
        self.go_to(best.iteration)
        return True

    def best_state(self) -> TrainState | None:
        """The training state at the iteration of the lowest test loss (parameters and
        optimizer state), recomputed if it was not kept; None when there is no best yet."""
        best = self.test_history.best
        if best is None:
            return None
        if best.state is not None:
            return best.state
        base = self.history.nearest(best.iteration)
        if base is None:
            return None
        state = base
        while state.iteration < best.iteration:
            state = self.trainer.step(state, keep=False).after
        return state

    def _sample_test(self, state: TrainState) -> None:
        """Record the test loss at ``state`` (nothing without a test split)."""
        loss = self.trainer.test_loss(state.params)
        if loss is None:
            return
        self.test_history.record(state.iteration, loss, state)
        rule = self.early_stopping
        if rule is not None and rule.improved(loss, self._improved):
            self._improved = Best(state.iteration, loss, state)

    def _forget_test_after(self, iteration: int) -> None:
        self.test_history.drop_after(iteration)
        if self._improved is not None and self._improved.iteration > iteration:
            self._improved = self.test_history.best
        self.early_stop_message = ""

    def _early_stop_due(self, iteration: int) -> bool:
        rule = self.early_stopping
        return rule is not None and rule.should_stop(iteration, self._improved)

    def _stop_early(self, iteration: int) -> None:
        rule, best = self.early_stopping, self._improved
        assert rule is not None and best is not None
        self.early_stop_message = rule.message(iteration, best)

    def _run_record(self) -> Callable[[TrainState], None]:
        """What a run calls with every new state: a checkpoint, and the test loss every
        :attr:`test_every` iterations."""
        if not self.trainer.has_test:
            return self.history.record
        every = max(1, int(self.test_every))
        record = self.history.record
        sample = self._sample_test

        def record_and_sample(state: TrainState) -> None:
            record(state)
            if state.iteration % every == 0:
                sample(state)
        return record_and_sample

    def _run_until(self) -> Callable[[TrainState], bool] | None:
        """When a run must stop early (None: it need not check)."""
        if self.early_stopping is None or not self.trainer.has_test:
            return None
        every = max(1, int(self.test_every))
        due = self._early_stop_due
        return lambda state: state.iteration % every == 0 and due(state.iteration)

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
