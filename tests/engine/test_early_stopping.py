"""The test loss sampled at every iteration a student steps through and as a run goes (so the
curve has a point per sampled iteration, not a line from the first to the last), the
iteration of its lowest value, early stopping and going back to the best parameters."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.engine import edits
from simulator.engine.backprop import loss_value
from simulator.engine.datasets import classification
from simulator.engine.document import Document
from simulator.engine.features import network_inputs
from simulator.engine.stepper import DEFAULT_TEST_EVERY, Stepper
from simulator.engine.training import Trainer
from simulator.engine.validation import (
    Best,
    EarlyStopping,
    EarlyStoppingError,
    TestLossHistory,
)


def _overfitting_doc() -> Document:
    """A big network on 30 noisy training samples: its test loss falls, then rises."""
    data = classification("circle", n=60, noise=0.25, seed=1, test_fraction=0.5)
    doc = edits.fit_to_data(edits.new_document((2, 16, 16, 1), activation="tanh"), data)
    return edits.set_training(doc, learning_rate=0.5)


def _independent_test_losses(doc: Document, steps: int) -> np.ndarray:
    """The test loss after each of 0..steps plain gradient-descent steps, from a trainer
    that knows nothing of the stepper."""
    trainer = Trainer(doc.network, doc.data.inputs, doc.data.targets, doc.loss, doc.training)
    X = network_inputs(doc.network, doc.data.test_inputs)
    states = [trainer.initial_state()]
    trainer.run(states[0], steps, record=states.append)
    return np.array([loss_value(doc.network.with_params(s.params), X, doc.data.test_targets,
                                doc.loss) for s in states])


def test_stepping_samples_the_test_loss_at_every_iteration() -> None:
    doc = _overfitting_doc()
    stepper = Stepper(Trainer.for_document(doc))
    for _ in range(3):
        stepper.finish_iteration()
    while stepper.completed_iterations < 5:  # sub-step by sub-step through two more
        stepper.step()
    expected = _independent_test_losses(doc, 5)
    h = stepper.test_history
    assert h.iterations.tolist() == [0, 1, 2, 3, 4, 5]
    np.testing.assert_allclose(h.losses, expected, rtol=1e-13)
    # Stepping back over an update forgets its sample; stepping again takes it again.
    stepper.step_back()
    assert h.iterations.tolist() == [0, 1, 2, 3, 4]
    stepper.step()
    assert h.iterations.tolist() == [0, 1, 2, 3, 4, 5]


def test_a_fast_run_has_a_point_per_sampled_iteration() -> None:
    """As the app runs: slices of iterations, one redraw after each. Every slice's end is
    sampled, and every DEFAULT_TEST_EVERY-th iteration inside it."""
    doc = _overfitting_doc()
    stepper = Stepper(Trainer.for_document(doc))
    ends = []
    for _ in range(12):
        stepper.run(37)
        ends.append(stepper.completed_iterations)
    h = stepper.test_history
    its = h.iterations.tolist()
    # (the first run starts by completing the iteration in progress, 1, as a step does)
    expected_its = sorted({0, 1, *ends, *range(0, ends[-1] + 1, DEFAULT_TEST_EVERY)})
    assert its == expected_its
    assert len(its) > 40  # not two points with a straight line between them
    independent = _independent_test_losses(doc, ends[-1])
    np.testing.assert_allclose(h.losses, independent[its], rtol=1e-12)
    best = h.best
    assert best is not None
    assert best.loss == h.losses.min() and best.iteration == its[int(np.argmin(h.losses))]


def test_test_every_sets_the_sampling_during_runs() -> None:
    stepper = Stepper(Trainer.for_document(_overfitting_doc()))
    stepper.test_every = 1
    stepper.run(25)
    assert stepper.test_history.iterations.tolist() == list(range(26))


def test_no_test_split_no_samples() -> None:
    doc = edits.new_document()
    stepper = Stepper(Trainer.for_document(doc))
    stepper.run(50)
    assert len(stepper.test_history) == 0 and stepper.test_history.best is None
    assert not stepper.go_to_best()


def test_early_stopping_stops_after_patience_and_goes_back_to_the_best() -> None:
    doc = _overfitting_doc()
    stepper = Stepper(Trainer.for_document(doc))
    stepper.early_stopping = EarlyStopping(patience=400)
    done = 0
    while done < 20_000:
        result = stepper.run(250)
        done += result.steps
        if result.halted:
            break
    assert result.halted and stepper.early_stop_message
    h = stepper.test_history
    best = h.best
    assert best is not None
    now = stepper.completed_iterations
    assert 400 <= now - best.iteration < 400 + DEFAULT_TEST_EVERY  # stopped promptly
    assert "has not improved" in stepper.early_stop_message
    assert f"iteration {best.iteration}" in stepper.early_stop_message
    # The test loss really went up after the best iteration (this network over-fits).
    assert h.losses[-1] > best.loss * 1.01
    best_params = stepper.best_state().params.copy()
    assert stepper.go_to_best()
    assert stepper.completed_iterations == best.iteration
    np.testing.assert_array_equal(stepper.params, best_params)
    assert len(stepper.losses) == best.iteration
    assert h.iterations[-1] == best.iteration and h.best.iteration == best.iteration
    np.testing.assert_allclose(
        stepper.trainer.test_loss(stepper.params), best.loss, rtol=1e-15)
    # Running on retraces the same path and stops again.
    stepper.run(10_000)
    assert stepper.early_stop_message


def test_early_stopping_switched_on_mid_run_counts_from_the_best_so_far() -> None:
    stepper = Stepper(Trainer.for_document(_overfitting_doc()))
    stepper.run(2000)  # well past the best (around iteration 850)
    best = stepper.test_history.best
    assert best is not None and stepper.completed_iterations - best.iteration > 500
    stepper.early_stopping = EarlyStopping(patience=500)
    result = stepper.run(100)
    assert result.halted and result.steps == 0 and stepper.early_stop_message
    stepper.early_stopping = None
    assert stepper.run(100).steps == 100 and not stepper.early_stop_message


def test_go_to_refuses_the_future_and_goes_back_exactly() -> None:
    doc = _overfitting_doc()
    stepper = Stepper(Trainer.for_document(doc))
    stepper.run(120)
    params_60 = _params_after(doc, 60)
    stepper.go_to(60)
    np.testing.assert_allclose(stepper.params, params_60, rtol=0, atol=0)
    assert stepper.completed_iterations == 60 and stepper.updated
    with pytest.raises(ValueError, match="between"):
        stepper.go_to(61)
    stepper.go_to(0)
    assert stepper.completed_iterations == 0 and stepper.losses == []
    assert stepper.test_history.iterations.tolist() == [0]


def _params_after(doc: Document, steps: int) -> np.ndarray:
    trainer = Trainer.for_document(doc)
    return trainer.run(trainer.initial_state(), steps).state.params


def test_the_history_forgets_the_future_when_training_goes_another_way() -> None:
    h = TestLossHistory()
    for it, loss in [(0, 1.0), (10, 0.5), (20, 0.7), (30, 0.4)]:
        h.record(it, loss)
    assert h.best == Best(30, 0.4)
    h.record(15, 0.9)  # back to 15: 20 and 30 are gone
    assert h.iterations.tolist() == [0, 10, 15] and h.best == Best(10, 0.5)
    h.record(16, float("nan"))
    assert h.best == Best(10, 0.5) and h.value_at(16) != h.value_at(16)  # NaN kept
    h.drop_after(5)
    assert h.iterations.tolist() == [0] and h.best == Best(0, 1.0)
    assert h.value_at(3) is None


def test_early_stopping_rule_and_its_settings() -> None:
    rule = EarlyStopping(patience=5, min_delta=0.1)
    assert rule.improved(0.5, None)
    assert not rule.improved(0.95, Best(0, 1.0))  # not by more than min_delta
    assert rule.improved(0.85, Best(0, 1.0))
    assert not rule.should_stop(4, Best(0, 1.0)) and rule.should_stop(5, Best(0, 1.0))
    for bad in (0, -1, 2.5, True):
        with pytest.raises(EarlyStoppingError, match="patience"):
            EarlyStopping(patience=bad)  # type: ignore[arg-type]
    with pytest.raises(EarlyStoppingError, match="min_delta"):
        EarlyStopping(patience=3, min_delta=-1.0)


def test_the_patience_is_bounded_by_the_engines_limit():
    from simulator.engine.limits import MAX_PATIENCE
    from simulator.engine.validation import EarlyStopping, EarlyStoppingError

    assert EarlyStopping(MAX_PATIENCE).patience == MAX_PATIENCE
    for bad in (0, MAX_PATIENCE + 1, 2**63, True, 1.5):
        with pytest.raises(EarlyStoppingError, match="patience"):
            EarlyStopping(bad)
