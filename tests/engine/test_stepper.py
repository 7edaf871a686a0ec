"""The stepper: sub-steps in the lesson's order, walked forward and all the way back exactly."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pytest

from simulator.engine import document
from simulator.engine.network import LayerSpec, Network
from simulator.engine.optimizers import TrainingConfig
from simulator.engine.stepper import History, Stepper, SubStep, plan_substeps
from simulator.engine.training import CancelFlag, Trainer

from . import _reference as ref

REFERENCE_ORDER = [
    ("forward", "H1"), ("forward", "H2"), ("forward", "Y1"), ("forward", "Y2"),
    ("error", "Y1"), ("error", "Y2"),
    ("backward", "w5"), ("backward", "w6"), ("backward", "w7"), ("backward", "w8"),
    ("backward", "b2"),
    ("backward", "w1"), ("backward", "w2"), ("backward", "w3"), ("backward", "w4"),
    ("backward", "b1"),
    ("update", "all"),
]


@dataclass(frozen=True)
class Snapshot:
    completed: int
    iteration: int
    cursor: int
    current: SubStep | None
    params: np.ndarray
    state_params: np.ndarray
    losses: tuple[float, ...]
    optimizer_step: int
    epoch: int
    batch: int

    def same_as(self, other: Snapshot) -> bool:
        return (self.completed == other.completed and self.iteration == other.iteration
                and self.cursor == other.cursor and self.current == other.current
                and np.array_equal(self.params, other.params)
                and np.array_equal(self.state_params, other.state_params)
                and self.losses == other.losses and self.optimizer_step == other.optimizer_step
                and (self.epoch, self.batch) == (other.epoch, other.batch))


def snap(s: Stepper) -> Snapshot:
    return Snapshot(s.completed_iterations, s.state.iteration, s.cursor, s.current,
                    s.params.copy(), s.state.params.copy(), tuple(s.losses),
                    s.state.optimizer.step, s.state.epoch, s.state.batch)


def reference_trainer(**changes: object) -> Trainer:
    doc = document.load(ref.REFERENCE_JSON)
    return Trainer(doc.network, doc.data.inputs, doc.data.targets, doc.loss,
                   doc.training.with_changes(**changes))


def small_sgd_trainer(optimizer: str = "adam") -> Trainer:
    """A 2-3-2 network on 5 samples, batches of 2: epochs and optimizer buffers matter."""
    layers = [LayerSpec(3, "tanh", "neuron"), LayerSpec(2, "softmax", "shared")]
    rng = np.random.default_rng(3)
    net = Network.create(2, layers, rng.normal(size=Network.count_parameters(2, layers)))
    X = rng.normal(size=(5, 2))
    T = np.eye(2)[rng.integers(0, 2, 5)]
    return Trainer(net, X, T, "cross_entropy",
                   TrainingConfig(optimizer, learning_rate=0.2, batch_size=2, seed=9))


# --- order ------------------------------------------------------------------------------------

def test_reference_substep_order() -> None:
    trainer = reference_trainer()
    steps = plan_substeps(trainer.network)
    assert [(s.stage, s.target) for s in steps] == REFERENCE_ORDER
    assert [s.title for s in steps[:1] + steps[4:5] + steps[6:7] + steps[-1:]] == \
        ["Forward: H1", "Error: Y1", "Backward: dE/dw5", "Update: all parameters"]
    forward = [s for s in steps if s.stage == "forward"]
    assert [(s.layer, s.index) for s in forward] == [(1, 0), (1, 1), (2, 0), (2, 1)]


def test_substep_order_of_a_deeper_network_goes_backward_layer_by_layer() -> None:
    layers = [LayerSpec(2, "relu", "neuron"), LayerSpec(1, "tanh", "none"),
              LayerSpec(2, "sigmoid", "shared")]
    net = Network.create(1, layers)
    steps = plan_substeps(net)
    assert [s.target for s in steps if s.stage == "forward"] == \
        ["H1_1", "H1_2", "H2_1", "Y1", "Y2"]
    assert [s.target for s in steps if s.stage == "error"] == ["Y1", "Y2"]
    # weights w1,w2 (1->2), w3,w4 (2->1), w5,w6 (1->2); biases b1,b2 (neuron), b3 (shared)
    assert [s.target for s in steps if s.stage == "backward"] == \
        ["w5", "w6", "b3", "w3", "w4", "w1", "w2", "b1", "b2"]
    assert steps[-1].stage == "update"


def test_stepping_through_one_iteration_gives_the_reference_numbers() -> None:
    stepper = Stepper(reference_trainer())
    assert stepper.current is None and stepper.stage is None and not stepper.can_step_back
    taken = [stepper.step() for _ in REFERENCE_ORDER]
    assert [(s.stage, s.target) for s in taken] == REFERENCE_ORDER
    assert stepper.updated and stepper.completed_iterations == 1
    names = stepper.trainer.network.names
    for name, value in ref.UPDATED.items():
        assert stepper.params[names.index(name)] == pytest.approx(value, abs=ref.TOL)
    assert stepper.losses == [pytest.approx(ref.E_TOTAL, abs=ref.TOL)]
    # Before the update sub-step, the parameters are still the old ones.
    stepper.step_back()
    assert stepper.stage == "backward" and not stepper.updated
    assert stepper.params.tolist() == list(ref.PARAMETERS.values())
    assert stepper.losses == []


# --- forward and all the way back -----------------------------------------------------------

def _walk_forward(stepper: Stepper, substeps: int) -> list[Snapshot]:
    states = [snap(stepper)]
    for _ in range(substeps):
        assert stepper.step() is not None
        states.append(snap(stepper))
    return states


def _walk_back_and_compare(stepper: Stepper, states: list[Snapshot]) -> None:
    """Step back one sub-step at a time: every state is exactly the forward walk's, reversed.

    Walking forward, the sub-step after an update is the next iteration's first one, so the
    forward walk never shows "(iteration i, nothing taken)"; stepping back from the first
    sub-step of iteration i lands on iteration i - 1's update, the state before it.
    """
    assert snap(stepper).same_as(states[-1])
    for k in range(len(states) - 1, 0, -1):
        assert stepper.can_step_back
        stepper.step_back()
        assert snap(stepper).same_as(states[k - 1]), f"step back to position {k - 1}"
    assert not stepper.can_step_back
    assert stepper.step_back() is None  # nothing more to undo
    assert snap(stepper).same_as(states[0])


@pytest.mark.parametrize("make", [reference_trainer, small_sgd_trainer,
                                  lambda: small_sgd_trainer("momentum")],
                         ids=["reference-gd", "adam-batches", "momentum-batches"])
def test_walk_forward_then_all_the_way_back(make) -> None:
    stepper = Stepper(make())
    per_iteration = len(stepper.substeps)
    states = _walk_forward(stepper, 4 * per_iteration + 3)  # into the 5th iteration
    assert stepper.completed_iterations == 4
    assert len(stepper.losses) == 4
    assert len({s.params.tobytes() for s in states}) == 5  # start + 4 updates
    _walk_back_and_compare(stepper, states)


def test_stepping_back_and_forward_again_reproduces_the_same_states() -> None:
    stepper = Stepper(small_sgd_trainer())
    states = _walk_forward(stepper, 3 * len(stepper.substeps) + 2)
    back = len(stepper.substeps) + 5
    for _ in range(back):
        stepper.step_back()
    position = len(states) - 1 - back
    assert snap(stepper).same_as(states[position])
    while position < len(states) - 1:
        stepper.step()
        position += 1
        assert snap(stepper).same_as(states[position])


def test_run_then_step_back_over_the_run() -> None:
    walker = Stepper(small_sgd_trainer())
    per_iteration = len(walker.substeps)
    states = _walk_forward(walker, 6 * per_iteration)

    runner = Stepper(small_sgd_trainer())
    result = runner.run(6)
    assert result.steps == 6 and result.divergence is None
    assert result.losses == walker.losses == runner.losses
    np.testing.assert_array_equal(result.state.params, walker.params)
    assert snap(runner).same_as(states[-1])
    _walk_back_and_compare(runner, states)


def test_run_finishes_the_iteration_in_progress_first() -> None:
    walker = Stepper(small_sgd_trainer())
    walker.run(3)
    stepper = Stepper(small_sgd_trainer())
    for _ in range(5):
        stepper.step()
    result = stepper.run(3)
    assert result.steps == 3 and stepper.updated and stepper.completed_iterations == 3
    np.testing.assert_array_equal(stepper.params, walker.params)
    assert stepper.losses == walker.losses


def test_run_epoch_and_history_far_back() -> None:
    stepper = Stepper(small_sgd_trainer())
    stepper.history = History(dense=4, stride=3)  # thin checkpoints: stepping back recomputes
    stepper.reset()
    result = stepper.run_epoch()
    assert result.steps == stepper.trainer.batches_per_epoch == 3
    stepper.run(20)
    assert stepper.completed_iterations == 23
    final = stepper.params.copy()
    for _ in range(len(stepper.substeps) * 10):
        stepper.step_back()
    assert stepper.completed_iterations == 13
    again = Stepper(small_sgd_trainer())
    again.run(13)
    np.testing.assert_array_equal(stepper.params, again.params)
    stepper.run(10)
    np.testing.assert_array_equal(stepper.params, final)


def test_cancel_stops_a_run() -> None:
    stepper = Stepper(small_sgd_trainer())
    flag = CancelFlag()
    flag.set()
    result = stepper.run(50, cancel=flag)
    assert result.steps == 1  # the iteration in progress is finished, nothing more
    assert stepper.completed_iterations == 1


def test_finish_iteration_and_reset() -> None:
    stepper = Stepper(reference_trainer())
    stepper.step()
    assert stepper.finish_iteration()
    assert stepper.updated and stepper.completed_iterations == 1
    assert stepper.finish_iteration()  # a whole new one
    assert stepper.completed_iterations == 2 and len(stepper.losses) == 2
    stepper.reset()
    assert stepper.cursor == -1 and stepper.completed_iterations == 0 and stepper.losses == []
    assert stepper.params.tolist() == list(ref.PARAMETERS.values())


def test_iteration_exposes_substep_positions() -> None:
    stepper = Stepper(reference_trainer())
    it = stepper.iteration
    assert it.substep_index[("backward", "w5")] == 6
    assert it.substep_index[("update", "all")] == len(REFERENCE_ORDER) - 1
    assert it.backward.gradient("w5") == pytest.approx(ref.GRADIENTS["w5"], abs=ref.TOL)


# --- divergence -------------------------------------------------------------------------------

def _exploding_trainer(learning_rate: float, target: float = 1.0) -> Trainer:
    layers = [LayerSpec(2, "tanh", "neuron"), LayerSpec(1, "linear", "neuron")]
    net = Network.create(1, layers, [0.5, -0.3, 0.1, 0.2, 0.4, 0.6, 0.1])
    return Trainer(net, np.array([[10.0], [3.0]]), np.array([[target], [2.0]]), "mse",
                   TrainingConfig("gd", learning_rate=learning_rate))


def test_divergence_names_the_step_and_the_parameter_and_stops_at_the_last_finite_state() -> None:
    stepper = Stepper(_exploding_trainer(1e307, target=1000.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy RuntimeWarning may escape
        result = stepper.run(10)
    div = result.divergence
    assert div is not None and stepper.divergence == div
    assert div.iteration == 1 and result.steps == 0
    names = stepper.trainer.network.names
    assert div.parameter in names
    assert f"step {div.iteration}" in div.message and div.parameter in div.message
    assert np.isfinite(stepper.params).all()
    assert stepper.params.tolist() == stepper.trainer.network.params.tolist()
    assert stepper.completed_iterations == 0 and not stepper.updated
    assert stepper.losses == []


def test_gradual_divergence_in_a_run() -> None:
    stepper = Stepper(_exploding_trainer(100.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = stepper.run(1000)
    div = result.divergence
    assert div is not None
    assert div.parameter == "loss" or div.parameter in stepper.trainer.network.names
    assert div.iteration == result.steps + 1 == stepper.completed_iterations + 1
    assert f"step {div.iteration}" in div.message
    assert np.isfinite(stepper.params).all()
    assert len(stepper.losses) == result.steps and np.isfinite(stepper.losses).all()
    # The state is the last finite one: recomputing it step by step gives the same numbers.
    check = Stepper(_exploding_trainer(100.0))
    check.run(result.steps)
    np.testing.assert_array_equal(stepper.params, check.params)
    # Further runs refuse to go on, and stepping back still works.
    again = stepper.run(5)
    assert again.steps == 0 and again.divergence is not None
    stepper.step_back()
    assert stepper.divergence is None and stepper.cursor == len(stepper.substeps) - 2


def test_divergence_while_stepping_sub_steps() -> None:
    stepper = Stepper(_exploding_trainer(1e307, target=1000.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        taken = []
        while (sub := stepper.step()) is not None:
            taken.append(sub)
            assert len(taken) <= len(stepper.substeps)
    assert [s.stage for s in taken][-1] == "backward"
    assert len(taken) == len(stepper.substeps) - 1  # everything but the update
    assert stepper.divergence is not None and stepper.divergence.iteration == 1
    assert stepper.step() is None  # still refuses
    assert np.isfinite(stepper.params).all()
    # the explanations of the sub-steps taken still work on the finite numbers
    assert np.isfinite(stepper.iteration.backward.loss)
