"""Issue 13, finding 5: training never leaves the finite, saveable range.

Training stops before a parameter would pass MAX_ABS_VALUE (so the trained document saves
and reopens) or a number of an iteration (net input, loss, dE/dout, gradient) would stop
being finite or pass MAX_ABS_INTERMEDIATE (so no sub-step ever shows one); the message
names the parameter or neuron and the step; no NumPy warning escapes (pytest turns
warnings into errors for the whole suite).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simulator.engine import document, edits, limits
from simulator.engine.backprop import BackwardPass
from simulator.engine.datasets import Dataset
from simulator.engine.document import Document
from simulator.engine.network import LayerSpec, Network
from simulator.engine.optimizers import TrainingConfig
from simulator.engine.stepper import Stepper
from simulator.engine.training import Trainer

from . import _reference as ref


def trainer_of(doc: Document) -> Trainer:
    return Trainer(doc.network, doc.data.inputs, doc.data.targets, doc.loss, doc.training)


def relu_2441(learning_rate: float) -> Document:
    """The issue's network: 2-4-4-1 relu (half squared error on XOR)."""
    doc = edits.new_document((2, 4, 4, 1), activation="relu", seed=1)
    return edits.set_training(doc, learning_rate=learning_rate)


def all_shown_numbers(bp: BackwardPass) -> np.ndarray:
    """Every number a sub-step of this pass can show, and the factors of every derivation."""
    arrays = [*bp.forward.nets, *bp.forward.outs, *(g for g in bp.d_out if g is not None),
              *bp.d_act, *bp.delta, bp.per_sample_loss, bp.grad, np.array([bp.loss])]
    for derivation in (bp.derivation(name) for name in bp.network.names):
        arrays.append(derivation.per_sample)
        for term in derivation.terms:
            arrays.append(term.values)
            for factor in term.factors:
                arrays.append(factor.values)
                for sub in factor.expansion or ():
                    arrays.append(sub.values)
    return np.concatenate([np.ravel(a) for a in arrays])


def test_the_issue_network_stops_inside_the_saveable_range() -> None:
    # Before: it stopped "at the last finite state" with parameters at 4e156, and the saved
    # file could not be reopened.
    doc = relu_2441(1e3)
    stepper = Stepper(trainer_of(doc))
    result = stepper.run(1000)
    div = result.divergence
    assert div is not None and div.kind == "parameter"
    assert div.message == (f"Training diverged at step {div.iteration}: {div.parameter} would "
                           f"be {div.message.split(' would be ')[1].split(',')[0]}, past the "
                           "limit of 1e+12. Stopped at the last state inside the limits.")
    assert div.parameter in doc.network.names
    assert np.abs(stepper.params).max() <= limits.MAX_ABS_VALUE
    trained = doc.with_changes(network=doc.network.with_params(stepper.params))
    text = trained.to_json()
    assert document.loads(text).to_json() == text


def test_after_a_stop_stepping_on_shows_nothing_non_finite() -> None:
    # Before: stepping on showed "E1 = (0 - 4.0614e+156)^2 / 1 = inf".
    stepper = Stepper(trainer_of(relu_2441(1e3)))
    stepper.run(1000)
    div = stepper.divergence
    assert div is not None and div.kind == "parameter"
    assert stepper.updated  # the last iteration inside the range, complete
    params = stepper.params.copy()
    done = stepper.completed_iterations
    # The next iteration's pass is inside the range: its sub-steps can be shown, but its
    # update (which would take a parameter past the limit) is refused, again and again.
    taken = 0
    while stepper.step() is not None:
        taken += 1
        assert np.isfinite(all_shown_numbers(stepper.iteration.backward)).all()
        assert taken < len(stepper.substeps)
    assert taken == len(stepper.substeps) - 1 and stepper.divergence == div
    for _ in range(3):
        assert stepper.step() is None
        assert not stepper.finish_iteration()
        assert stepper.run(5).steps == 0
    assert stepper.completed_iterations == done and stepper.cursor == len(stepper.substeps) - 2
    np.testing.assert_array_equal(stepper.params, params)


def deep_linear(weight: float, value: float, layers: int = limits.MAX_LAYERS) -> Document:
    """A linear network whose forward pass grows by 4 * weight * value per layer."""
    hidden = [LayerSpec(4, "linear", "none")] * (layers - 2)
    specs = [*hidden, LayerSpec(1, "linear", "none")]
    net = Network.create(4, specs, np.full(Network.count_parameters(4, specs), weight))
    data = Dataset(np.full((3, 4), value), np.zeros((3, 1)))
    return Document(net, "mse", TrainingConfig("gd", learning_rate=1e-8), data)


def first_layer_past_the_limit(weight: float, value: float) -> int:
    """The layer whose net inputs first pass MAX_ABS_INTERMEDIATE in :func:`deep_linear`:
    layer k's net input is value * (4 * weight)^k."""
    k = 1
    while value * (4 * weight) ** k <= limits.MAX_ABS_INTERMEDIATE:
        k += 1
    return k


def test_an_iteration_whose_forward_pass_overflows_is_never_shown() -> None:
    # Before: "netY1 = ... = inf" and "tanh(inf) = 1" were shown and nothing was reported.
    doc = deep_linear(1e12, 1e12)  # a valid document: every number within the limits
    document.loads(doc.to_json())
    stepper = Stepper(trainer_of(doc))
    assert stepper.step() is None
    div = stepper.divergence
    layer = first_layer_past_the_limit(1e12, 1e12)
    assert layer == 7
    assert div is not None and div.kind == "neuron" and div.iteration == 1
    assert div.parameter == doc.network.neurons[layer][0] == "H7_1"
    assert div.message.startswith("Training diverged at step 1: the net input of H7_1 for "
                                  "sample 1 of the batch would be 1.6384e+100, past the limit "
                                  "of 1e+100.")
    assert stepper.cursor == -1 and stepper.check_iteration() == div
    assert not stepper.finish_iteration()
    assert stepper.run(3).steps == 0 and stepper.cursor == -1


def test_a_forward_pass_that_passes_the_limit_at_the_output_names_it() -> None:
    doc = deep_linear(1e9, 10.0)
    stepper = Stepper(trainer_of(doc))
    assert stepper.step() is None
    div = stepper.divergence
    assert div is not None and div.kind == "neuron"
    assert first_layer_past_the_limit(1e9, 10.0) == limits.MAX_LAYERS - 1
    assert div.parameter == "Y1"


def test_a_loss_past_the_limit_is_named() -> None:
    # Net inputs 1e24, 1e36, 1e48, 1e60 are inside the limit; the loss (1e60)^2 is not.
    specs = [LayerSpec(1, "linear", "none")] * 4
    net = Network.create(1, specs, [1e12] * 4)
    doc = Document(net, "mse", TrainingConfig("gd", learning_rate=1e-8),
                   Dataset([[1e12]], [[0.0]]))
    stepper = Stepper(trainer_of(doc))
    assert stepper.step() is None
    div = stepper.divergence
    assert div is not None and div.kind == "loss" and div.parameter == "loss"
    assert div.message.startswith("Training diverged at step 1: the loss would be 1e+120, past "
                                  "the limit of 1e+100.")
    # One layer less: the loss is 1e96 and every number of the iteration can be shown.
    doc = Document(Network.create(1, specs[:3], [1e12] * 3), "mse", doc.training, doc.data)
    stepper = Stepper(trainer_of(doc))
    assert stepper.step() is not None
    assert np.isfinite(all_shown_numbers(stepper.iteration.backward)).all()


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "leaky_relu", "linear"])
@pytest.mark.parametrize("learning_rate", [1e2, 1e4, limits.MAX_LEARNING_RATE])
def test_every_run_ends_inside_the_range_and_shows_only_finite_numbers(
        activation: str, learning_rate: float) -> None:
    doc = edits.set_training(edits.new_document((2, 4, 4, 1), activation=activation, seed=3),
                             learning_rate=learning_rate)
    doc = edits.set_data(doc, Dataset(np.array([[0, 0], [0, 1], [1, 0], [1, 1]]) * 50.0,
                                      np.array([[0.0], [1e3], [1e3], [0.0]])))
    stepper = Stepper(trainer_of(doc))
    result = stepper.run(300)
    assert np.abs(stepper.params).max() <= limits.MAX_ABS_VALUE
    assert all(math.isfinite(v) and abs(v) <= limits.MAX_ABS_INTERMEDIATE
               for v in result.losses)
    if stepper.cursor >= 0:
        assert np.isfinite(all_shown_numbers(stepper.iteration.backward)).all()
    # Stepping sub-step by sub-step from the start never shows a non-finite number either.
    walker = Stepper(trainer_of(doc))
    for _ in range(40 * len(walker.substeps)):
        if walker.step() is None:
            break
        assert np.isfinite(all_shown_numbers(walker.iteration.backward)).all()
    trained = doc.with_changes(network=doc.network.with_params(stepper.params))
    assert document.loads(trained.to_json()).to_json() == trained.to_json()


def test_the_reference_lesson_is_not_slowed_into_a_stop() -> None:
    doc = document.load(ref.REFERENCE_JSON)
    result = Stepper(trainer_of(doc)).run(500)
    assert result.steps == 500 and result.divergence is None


def test_the_learning_rates_of_the_issue_are_refused_by_the_limits() -> None:
    doc = document.load(ref.REFERENCE_JSON)
    for lr in (1e13, 1e308):
        with pytest.raises(ValueError, match=r"^training\.learning_rate: must be from 1e-8 to "
                                             r"1e6"):
            edits.set_training(doc, learning_rate=lr)


# --- the command line ------------------------------------------------------------------------

def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-W", "error", "-m", "simulator", *args],
                          capture_output=True, text=True, timeout=120, cwd=ref.REPO)


def test_train_text_never_prints_inf_and_exits_1_with_the_message(tmp_path: Path) -> None:
    # Before: "loss over the whole data set now: inf", and NumPy warnings on stderr.
    path = tmp_path / "relu.json"
    document.save(relu_2441(1e3), path)
    out = tmp_path / "trained.json"
    proc = _run("train", str(path), "--steps", "1000", "--out", str(out))
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("Training diverged at step ")
    assert "inf" not in proc.stdout.lower() and "nan" not in proc.stdout.lower()
    assert "Warning" not in proc.stderr
    trained = document.load(out)
    assert np.abs(trained.network.params).max() <= limits.MAX_ABS_VALUE


def test_train_json_and_explain_stop_at_an_iteration_out_of_range(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    document.save(deep_linear(1e12, 1e12), path)
    proc = _run("train", str(path), "--steps", "5", "--json")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["losses"] == []
    assert "the net input of H7_1" in proc.stderr and proc.stderr.count("\n") == 1
    proc = _run("explain", str(path))
    assert proc.returncode == 1 and proc.stdout == ""
    assert "the net input of H7_1" in proc.stderr and proc.stderr.count("\n") == 1


def test_train_out_empty_is_a_usage_error(tmp_path: Path) -> None:
    # Finding 7: before, it saved nothing and exited 0.
    proc = _run("train", str(ref.REFERENCE_JSON), "--steps", "3", "--out", "")
    assert proc.returncode == 2
    assert proc.stderr == "error: train: --out needs a file name\n"
    assert proc.stdout == ""


def test_train_out_into_a_folder_is_one_line(tmp_path: Path) -> None:
    proc = _run("train", str(ref.REFERENCE_JSON), "--steps", "3", "--out", str(tmp_path))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr
