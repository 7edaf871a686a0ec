"""Optimizers against steps worked out by hand, frozen parameters, and SGD's batching."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.engine.backprop import backward
from simulator.engine.network import LayerSpec, Network
from simulator.engine.optimizers import (
    OPTIMIZER_NAMES,
    OptimizerError,
    OptimizerState,
    TrainingConfig,
    update,
    update_formula,
)
from simulator.engine.training import Trainer

P0 = np.array([1.0, -2.0, 0.5])
G1 = np.array([0.5, -1.0, 2.0])
G2 = np.array([1.0, 0.0, -0.5])
G3 = np.array([0.0, 0.0, 0.0])
ALL = np.ones(3)


def _steps(config: TrainingConfig, grads: list[np.ndarray],
           mask: np.ndarray = ALL) -> list[np.ndarray]:
    p, state = P0.copy(), OptimizerState()
    out = []
    for g in grads:
        before_p, before_state = p.copy(), state.copy()
        p, state = update(p, g, mask, config, state)
        # update() changes neither its inputs nor the state it was given
        assert state is not before_state
        out.append(p)
        assert state.step == len(out)
        assert before_state.step == len(out) - 1
        np.testing.assert_array_equal(before_p, out[-2] if len(out) > 1 else P0)
    return out


def _close(got: np.ndarray, expected: list[float]) -> None:
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", ["gd", "sgd"])
def test_gradient_descent_by_hand(name: str) -> None:
    p1, p2, p3 = _steps(TrainingConfig(name, learning_rate=0.1), [G1, G2, G3])
    _close(p1, [1.0 - 0.1 * 0.5, -2.0 - 0.1 * -1.0, 0.5 - 0.1 * 2.0])  # [0.95, -1.9, 0.3]
    _close(p2, [0.95 - 0.1 * 1.0, -1.9 - 0.1 * 0.0, 0.3 - 0.1 * -0.5])  # [0.85, -1.9, 0.35]
    _close(p3, [0.85, -1.9, 0.35])  # a zero gradient leaves everything where it is
    _close(p2, [0.85, -1.9, 0.35])


def test_momentum_by_hand_torch_rule() -> None:
    """torch.optim.SGD(momentum=0.9): b <- g on the first step, then b <- 0.9 b + g."""
    p1, p2, p3 = _steps(TrainingConfig("momentum", learning_rate=0.1, momentum=0.9),
                        [G1, G2, G3])
    # step 1: b = g1 = [0.5, -1, 2] (not (1 - 0.9) g1, not 0.9 * 0 + g1 scaled)
    _close(p1, [1.0 - 0.1 * 0.5, -2.0 - 0.1 * -1.0, 0.5 - 0.1 * 2.0])  # [0.95, -1.9, 0.3]
    # step 2: b = 0.9 * [0.5, -1, 2] + [1, 0, -0.5] = [1.45, -0.9, 1.3]
    _close(p2, [0.95 - 0.1 * 1.45, -1.9 - 0.1 * -0.9, 0.3 - 0.1 * 1.3])  # [0.805, -1.81, 0.17]
    # step 3: b = 0.9 * [1.45, -0.9, 1.3] + 0 = [1.305, -0.81, 1.17]
    _close(p3, [0.805 - 0.1 * 1.305, -1.81 - 0.1 * -0.81, 0.17 - 0.1 * 1.17])
    _close(p3, [0.6745, -1.729, 0.053])


def test_momentum_buffer_is_kept_in_the_state() -> None:
    config = TrainingConfig("momentum", learning_rate=0.1, momentum=0.9)
    _, s1 = update(P0, G1, ALL, config, OptimizerState())
    _close(s1.buffers["momentum_buffer"], [0.5, -1.0, 2.0])
    _, s2 = update(P0, G2, ALL, config, s1)
    _close(s2.buffers["momentum_buffer"], [1.45, -0.9, 1.3])
    _close(s1.buffers["momentum_buffer"], [0.5, -1.0, 2.0])  # the old state is untouched


def test_adam_by_hand_with_bias_correction() -> None:
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    p1, p2 = _steps(TrainingConfig("adam", learning_rate=lr, beta1=b1, beta2=b2, eps=eps),
                    [G1, G2])
    # step 1: m = 0.1 g1, v = 0.001 g1^2; m_hat = m / (1 - 0.9) = g1,
    # v_hat = v / (1 - 0.999) = g1^2, so each parameter moves by 0.1 * g / (|g| + 1e-8).
    _close(p1, [1.0 - 0.1 * 0.5 / (0.5 + 1e-8),
                -2.0 - 0.1 * -1.0 / (1.0 + 1e-8),
                0.5 - 0.1 * 2.0 / (2.0 + 1e-8)])
    # step 2: m = 0.9 * 0.1 g1 + 0.1 g2 = [0.145, -0.09, 0.13]
    #         v = 0.999 * 0.001 g1^2 + 0.001 g2^2 = [0.00124975, 0.000999, 0.004246]
    #         m_hat = m / (1 - 0.81) = m / 0.19, v_hat = v / (1 - 0.998001) = v / 0.001999
    m = [0.145, -0.09, 0.13]
    v = [0.00124975, 0.000999, 0.004246]
    expected = [p1[i] - 0.1 * (m[i] / 0.19) / (math.sqrt(v[i] / 0.001999) + 1e-8)
                for i in range(3)]
    np.testing.assert_allclose(p2, expected, rtol=1e-12)
    # in numbers, the first one: 0.900000002 - 0.1 * 0.7631578947 / (0.7906880509 + 1e-8)
    #                          = 0.900000002 - 0.0965182014 = 0.8034818006
    np.testing.assert_allclose(p2, [0.8034818006, -1.8329941765, 0.3530531837], atol=1e-10)


def test_adam_state_has_both_moments() -> None:
    config = TrainingConfig("adam", learning_rate=0.1)
    _, s = update(P0, G1, ALL, config, OptimizerState())
    _close(s.buffers["exp_avg"], [0.05, -0.1, 0.2])
    np.testing.assert_allclose(s.buffers["exp_avg_sq"], [0.00025, 0.001, 0.004], rtol=1e-12)


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_a_masked_parameter_never_moves(name: str) -> None:
    mask = np.array([1.0, 0.0, 1.0])
    steps = _steps(TrainingConfig(name, learning_rate=0.5), [G1, G2, G3, G1], mask)
    for p in steps:
        assert p[1] == P0[1]
    assert steps[0][0] != P0[0] and steps[0][2] != P0[2]


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_frozen_parameters_never_change_in_training(name: str) -> None:
    layers = [LayerSpec(3, "tanh", "neuron"), LayerSpec(2, "sigmoid", "shared")]
    rng = np.random.default_rng(1)
    net = Network.create(2, layers, rng.normal(size=Network.count_parameters(2, layers)),
                         frozen={"w2", "w7", "b4"})
    X, T = rng.normal(size=(6, 2)), rng.uniform(size=(6, 2))
    trainer = Trainer(net, X, T, "half_sse", TrainingConfig(name, learning_rate=0.3,
                                                            batch_size=2))
    result = trainer.run(trainer.initial_state(), 25)
    assert result.steps == 25 and result.divergence is None
    for frozen in ("w2", "w7", "b4"):
        i = net.index_of[frozen]
        assert result.state.params[i] == net.params[i]
    moved = result.state.params != net.params
    assert moved.sum() == net.params.size - 3


def test_update_formula_names_every_optimizer() -> None:
    for name in OPTIMIZER_NAMES:
        assert "p" in update_formula(TrainingConfig(name))


@pytest.mark.parametrize("changes", [
    {"optimizer": "rmsprop"}, {"learning_rate": 0.0}, {"learning_rate": float("nan")},
    {"learning_rate": -1.0}, {"batch_size": 0}, {"batch_size": 1.5}, {"batch_size": True},
    {"seed": -1}, {"seed": 2**63}, {"momentum": 1.0}, {"beta1": -0.1}, {"beta2": 1.0},
    {"eps": 0.0}, {"eps": float("inf")},
])
def test_bad_settings_are_refused(changes: dict) -> None:
    with pytest.raises(OptimizerError):
        TrainingConfig(**changes)
    with pytest.raises(OptimizerError):
        TrainingConfig().with_changes(**changes)


# --- batching --------------------------------------------------------------------------------

def _trainer(n: int, batch_size: int, optimizer: str = "sgd", seed: int = 0) -> Trainer:
    layers = [LayerSpec(2, "sigmoid", "neuron"), LayerSpec(1, "linear", "neuron")]
    rng = np.random.default_rng(42)
    net = Network.create(1, layers, rng.normal(size=Network.count_parameters(1, layers)))
    X = np.arange(n, dtype=float).reshape(n, 1) / n
    T = rng.normal(size=(n, 1))
    return Trainer(net, X, T, "mse", TrainingConfig(optimizer, learning_rate=0.1,
                                                    batch_size=batch_size, seed=seed))


def _batches(trainer: Trainer, steps: int) -> list[tuple[int, int, list[int]]]:
    """(epoch, batch, indices) of each of ``steps`` steps."""
    state = trainer.initial_state()
    seen = []
    for _ in range(steps):
        result = trainer.step(state, keep=False)
        seen.append((state.epoch, state.batch, result.batch.tolist()))
        state = result.after
    return seen


def test_batch_size_one_visits_every_sample_once_per_epoch() -> None:
    trainer = _trainer(7, 1)
    assert trainer.batches_per_epoch == 7
    seen = _batches(trainer, 21)
    orders = []
    for epoch in range(3):
        rows = [s for s in seen if s[0] == epoch]
        assert [r[1] for r in rows] == list(range(7))
        order = [r[2][0] for r in rows]
        assert sorted(order) == list(range(7))
        orders.append(order)
    assert orders[0] != list(range(7)) or orders[1] != list(range(7))  # it is shuffled
    assert orders[0] != orders[1] or orders[1] != orders[2]  # reshuffled each epoch
    for epoch, order in enumerate(orders):
        np.testing.assert_array_equal(trainer.epoch_order(epoch), order)


def test_the_shuffle_is_determined_by_the_seed() -> None:
    a = _batches(_trainer(9, 1, seed=5), 27)
    b = _batches(_trainer(9, 1, seed=5), 27)
    c = _batches(_trainer(9, 1, seed=6), 27)
    assert a == b
    assert a != c
    # and it is the documented draw: default_rng([seed, epoch]).permutation(n)
    for epoch in range(3):
        expected = np.random.default_rng([5, epoch]).permutation(9).tolist()
        assert [s[2][0] for s in a if s[0] == epoch] == expected


def test_a_last_partial_batch_is_a_batch_of_its_own() -> None:
    trainer = _trainer(5, 2)
    assert trainer.batch_size == 2 and trainer.batches_per_epoch == 3
    seen = _batches(trainer, 6)
    assert [len(s[2]) for s in seen] == [2, 2, 1, 2, 2, 1]
    assert [(s[0], s[1]) for s in seen] == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    for epoch in (0, 1):
        indices = [i for s in seen if s[0] == epoch for i in s[2]]
        assert sorted(indices) == [0, 1, 2, 3, 4]


def test_a_step_uses_exactly_its_batch() -> None:
    trainer = _trainer(5, 2)
    state = trainer.initial_state()
    for _ in range(4):
        result = trainer.step(state)
        idx = result.batch
        bp = backward(trainer.network_at(state.params), trainer.inputs[idx],
                      trainer.targets[idx], "mse")
        np.testing.assert_array_equal(result.backward.grad, bp.grad)
        np.testing.assert_array_equal(result.after.params, state.params - 0.1 * bp.grad)
        assert result.loss == bp.loss
        state = result.after


def test_gd_uses_the_whole_data_set_in_order() -> None:
    trainer = _trainer(5, 2, optimizer="gd")
    assert trainer.batch_size == 5 and trainer.batches_per_epoch == 1
    seen = _batches(trainer, 3)
    assert [s[2] for s in seen] == [[0, 1, 2, 3, 4]] * 3
    assert [s[0] for s in seen] == [0, 1, 2]


def test_batch_size_larger_than_the_data_is_the_whole_data() -> None:
    trainer = _trainer(4, 100)
    assert trainer.batch_size == 4 and trainer.batches_per_epoch == 1
    assert [s[2] for s in _batches(trainer, 2)] == [[0, 1, 2, 3]] * 2


def test_run_is_the_same_as_single_steps() -> None:
    for optimizer in OPTIMIZER_NAMES:
        trainer = _trainer(5, 2, optimizer)
        state = trainer.initial_state()
        losses = []
        for _ in range(12):
            result = trainer.step(state)
            losses.append(result.loss)
            state = result.after
        run = trainer.run(trainer.initial_state(), 12)
        assert run.losses == losses
        np.testing.assert_array_equal(run.state.params, state.params)
        assert (run.state.iteration, run.state.epoch, run.state.batch) == \
            (state.iteration, state.epoch, state.batch)
        assert run.previous is not None and run.previous.iteration == 11


def test_run_can_stop_at_the_end_of_an_epoch() -> None:
    trainer = _trainer(5, 2)
    state = trainer.step(trainer.initial_state()).after  # one batch into epoch 0
    run = trainer.run(state, 100, stop_at_epoch_end=True)
    assert run.steps == 2 and run.state.epoch == 1 and run.state.batch == 0


# --- against torch itself, when it is installed -----------------------------------------------

@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_against_torch_optimizers(name: str) -> None:
    torch = pytest.importorskip("torch")
    x = torch.tensor(P0.copy(), requires_grad=True)
    if name == "adam":
        opt = torch.optim.Adam([x], lr=0.1, betas=(0.9, 0.999), eps=1e-8)
    else:
        opt = torch.optim.SGD([x], lr=0.1, momentum=0.9 if name == "momentum" else 0.0)
    grads = [G1, G2, G3, G1]
    for g in grads:
        opt.zero_grad()
        x.grad = torch.tensor(g)
        opt.step()
    ours = _steps(TrainingConfig(name, learning_rate=0.1), grads)[-1]
    np.testing.assert_allclose(ours, x.detach().numpy(), rtol=1e-12, atol=1e-15)
