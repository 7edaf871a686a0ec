"""Training-health warnings: each raised on a network built to show it, none on a healthy
run (the reference lesson at learning rate 0.5, checked at every one of 5,000 iterations)."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.engine import document, edits
from simulator.engine.datasets import regression_sine, xor
from simulator.engine.document import Document
from simulator.engine.health import (
    HEALTH_KINDS,
    HealthReport,
    check_health,
    check_stepper,
    gradient_sizes,
    health_pass,
)
from simulator.engine.initializers import initialize
from simulator.engine.network import LayerSpec, Network
from simulator.engine.optimizers import TrainingConfig
from simulator.engine.stepper import Stepper
from simulator.engine.training import Trainer

from . import _reference as ref


def _trained(trainer: Trainer, steps: int) -> HealthReport:
    result = trainer.run(trainer.initial_state(), steps)
    bp = health_pass(trainer, result.state.params)
    return check_health(bp, result.losses, result.state.iteration, result.divergence,
                        trainer.batch_size >= trainer.n_samples)


def _reference(lr: float) -> Document:
    return edits.set_training(document.load(ref.REFERENCE_JSON), learning_rate=lr)


def test_the_reference_lesson_at_lr_one_half_warns_of_nothing_at_any_iteration() -> None:
    trainer = Trainer.for_document(_reference(0.5))
    state = trainer.initial_state()
    losses: list[float] = []
    for _ in range(5000):
        report = check_health(health_pass(trainer, state.params), losses, state.iteration)
        assert report.healthy, (state.iteration, report.warnings)
        step = trainer.step(state, keep=False)
        losses.append(step.loss)
        state = step.after
    assert losses[-1] < 1e-14  # it did converge: a long, healthy run
    assert check_health(health_pass(trainer, state.params), losses, 5000).healthy


def test_the_reference_network_at_lr_100_saturates() -> None:
    report = _trained(Trainer.for_document(_reference(100.0)), 1000)
    assert report.kinds() == {"saturated"}
    by_where = {w.where: w for w in report.warnings}
    assert set(by_where) == {"H1", "H2", "Y1", "Y2"}
    assert "stuck near 0" in by_where["Y1"].message  # outY1 = 3.4e-07
    assert "stuck near 1" in by_where["Y2"].message  # outY2 = 1
    assert "smaller learning rate" in by_where["Y1"].message
    assert by_where["H1"].neurons == ("H1",) and by_where["H1"].iteration == 1000


def test_a_saturated_output_that_is_right_is_not_reported() -> None:
    """Y1 pushed to 1 where its target is 1: converged, not stuck."""
    doc = document.load(ref.REFERENCE_JSON)
    net = doc.network.copy()
    net.set("b2", 40.0)  # both outputs ~1
    trainer = Trainer(net, doc.data.inputs, [[1.0, 0.3]], doc.loss, doc.training)
    report = check_health(health_pass(trainer, net.params))
    assert {w.where for w in report.warnings} == {"Y2"}


def test_xor_with_the_lessons_shared_biases_sits_on_a_plateau() -> None:
    """The issue's report: 'Change the network to 2 inputs and 1 output' on XOR keeps the
    shared biases; after 5,000 iterations at lr 0.5 every output is 0.5."""
    doc = edits.resize_layer(document.load(ref.REFERENCE_JSON), 2, 1)
    doc = edits.set_training(edits.set_data(doc, xor(), {"kind": "xor"}), learning_rate=0.5)
    report = _trained(Trainer.for_document(doc), 5000)
    assert report.kinds() == {"plateau"}
    (warning,) = report.warnings
    assert warning.where == "Y1" and "Y1 = 0.5" in warning.message
    assert "share one bias (b1)" in warning.message and "own bias" in warning.message
    # Fitting the network to the data (a bias per neuron, fresh weights) gets it off the
    # plateau (0.125, every output 0.5) at once.
    fitted = edits.fit_to_data(doc, xor(), {"kind": "xor"})
    assert {s.bias for s in fitted.network.layers} == {"neuron"}
    trainer = Trainer.for_document(fitted)
    result = trainer.run(trainer.initial_state(), 5000)
    assert _trained(trainer, 5000).healthy
    assert result.losses[-1] < 0.1


def _deep_sigmoid() -> Trainer:
    layers = [LayerSpec(4, "sigmoid") for _ in range(6)] + [LayerSpec(1, "sigmoid")]
    net = Network.create(2, layers)
    net = net.with_params(initialize(net, "xavier", 0))
    data = xor()
    return Trainer(net, data.inputs, data.targets, "half_sse", TrainingConfig(learning_rate=0.5))


def test_a_deep_sigmoid_network_has_vanishing_gradients() -> None:
    trainer = _deep_sigmoid()
    for steps in (0, 1000):
        report = _trained(trainer, steps)
        assert "vanishing_gradient" in report.kinds()
        sizes = [g.size for g in report.gradient_sizes]
        assert sizes[0] < 1e-3 * sizes[-1]
        (warning,) = [w for w in report.warnings if w.kind == "vanishing_gradient"]
        assert warning.where.startswith("hidden layer")
        assert warning.neurons[0].startswith("H")
        assert "orders of magnitude" in warning.message


def test_a_deep_linear_network_of_unit_weights_has_exploding_gradients() -> None:
    """Every weight 1 in layers of 4: going back, dE/dnet of each neuron is the sum of the
    4 of the layer after it (the single output's passes on as it is): 4^5 = 1024."""
    layers = [LayerSpec(4, "linear", "none") for _ in range(6)] + \
        [LayerSpec(1, "linear", "none")]
    net = Network.create(2, layers, np.ones(Network.count_parameters(2, layers)))
    data = xor()
    trainer = Trainer(net, data.inputs, data.targets, "mse", TrainingConfig())
    report = check_health(health_pass(trainer, net.params))
    assert report.kinds() == {"exploding_gradient"}
    sizes = [g.size for g in report.gradient_sizes]
    np.testing.assert_allclose(np.array(sizes[:-1]) / np.array(sizes[1:]),
                               [4.0, 4.0, 4.0, 4.0, 4.0, 1.0], rtol=1e-12)
    assert report.warnings[0].where == "hidden layer 1"


def test_a_relu_with_a_large_negative_bias_is_dead() -> None:
    doc = edits.new_document((2, 3, 1), activation="relu")
    doc = edits.set_parameter(doc, doc.network.bias_name(0, 1), -10.0)
    trainer = Trainer.for_document(doc)
    report = check_health(health_pass(trainer, doc.network.params))
    assert report.kinds() == {"dead_relu"}
    (warning,) = report.warnings
    assert warning.where == "H2" and warning.neurons == ("H2",)
    assert "(its bias b2 is -10)" in warning.message and "leaky_relu" in warning.message
    # ... and it stays dead: training never changes its weights.
    after = trainer.run(trainer.initial_state(), 200).state.params
    net = doc.network
    for i in range(2):
        name = net.weight_name(0, 1, i)
        assert after[net.index_of[name]] == net.get(name)


def test_too_large_a_learning_rate_makes_the_loss_oscillate() -> None:
    data = regression_sine(n=40)
    net = Network.create(1, [LayerSpec(4, "tanh"), LayerSpec(1, "linear")])
    net = net.with_params(initialize(net, "xavier", 0))
    for lr, expected in ((0.6, {"oscillating"}), (0.1, set())):
        trainer = Trainer(net, data.inputs, data.targets, "mse", TrainingConfig(learning_rate=lr))
        report = _trained(trainer, 400)
        assert report.kinds() == expected, lr
    (warning,) = _trained(Trainer(net, data.inputs, data.targets, "mse",
                                  TrainingConfig(learning_rate=0.6)), 400).warnings
    assert warning.where == "loss" and "smaller" in warning.message


def test_mini_batch_losses_are_not_checked_for_oscillation() -> None:
    up_down = [1.0, 2.0] * 20
    doc = document.load(ref.REFERENCE_JSON)
    bp = health_pass(Trainer.for_document(doc), doc.network.params)
    assert check_health(bp, up_down, 40).kinds() == {"oscillating"}
    assert check_health(bp, up_down, 40, full_batch=False).healthy


def test_rounding_noise_of_a_converged_loss_is_not_oscillation() -> None:
    doc = document.load(ref.REFERENCE_JSON)
    bp = health_pass(Trainer.for_document(doc), doc.network.params)
    assert check_health(bp, [6.5e-33, 6.3e-33] * 20, 40).healthy


def test_divergence_is_a_warning_too() -> None:
    doc = edits.set_training(edits.new_document((2, 2, 1), activation="linear"),
                             learning_rate=1e6)
    report = _trained(Trainer.for_document(doc), 100)
    assert "diverged" in report.kinds()
    warning = report.warnings[0]  # listed first
    assert warning.kind == "diverged" and "smaller learning rate" in warning.message
    assert warning.iteration >= 1


def test_gradient_sizes_are_the_rms_of_each_layers_dE_dnet() -> None:
    doc = edits.new_document((2, 3, 2, 1), activation="tanh", seed=3)
    trainer = Trainer.for_document(doc)
    bp = health_pass(trainer, doc.network.params)
    sizes = gradient_sizes(bp)
    assert [(g.layer, g.name) for g in sizes] == [
        (1, "hidden layer 1"), (2, "hidden layer 2"), (3, "output layer")]
    for g in sizes:
        k = g.layer - 1
        # Each sample's dE/dnet of a neuron is its bias's per-sample gradient.
        per_neuron = [bp.derivation(doc.network.bias_name(k, j)).per_sample
                      for j in range(doc.network.sizes[g.layer])]
        values = np.concatenate(per_neuron)
        assert g.size == pytest.approx(float(np.sqrt(np.mean(values ** 2))), rel=1e-12)


def test_warnings_have_the_command_lines_json_form() -> None:
    report = _trained(Trainer.for_document(_reference(100.0)), 10)
    for w in report.warnings:
        assert w.as_dict() == {"kind": w.kind, "where": w.where, "iteration": 10,
                               "message": w.message}
        assert w.kind in HEALTH_KINDS


def test_a_stepper_is_checked_where_it_stands() -> None:
    stepper = Stepper(Trainer.for_document(_reference(100.0)))
    assert check_stepper(stepper).healthy  # at the start nothing is wrong yet
    stepper.run(1000)
    report = check_stepper(stepper)
    assert report.iteration == stepper.completed_iterations == 1000
    assert report.kinds() == {"saturated"}
