"""The cost surface: vectorised grids against the plain per-point loop, random directions,
path projection, optimizer comparison and the ``surface`` command line."""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.cli import surface as cli_surface
from simulator.engine import document, surface
from simulator.engine.activations import ACTIVATIONS
from simulator.engine.backprop import loss_value
from simulator.engine.datasets import make
from simulator.engine.initializers import initialize
from simulator.engine.network import LayerSpec, Network
from simulator.engine.optimizers import TrainingConfig
from simulator.engine.surface import SurfaceError, kernels, pool
from simulator.engine.surface import grid as surface_grid
from simulator.engine.training import Trainer

from . import _reference as ref

TOL = 1e-12
REF = str(ref.REFERENCE_JSON)


def reference() -> document.Document:
    return document.load(ref.REFERENCE_JSON)


def build(sizes: list[int], acts: list[str], biases: list[str], seed: int = 0,
          scale: float = 0.8) -> Network:
    net = Network.create(sizes[0], [LayerSpec(s, a, b) for s, a, b in
                                    zip(sizes[1:], acts, biases)])
    return net.with_params(np.random.default_rng(seed).uniform(-scale, scale, net.params.size))


def data(net: Network, n: int, seed: int = 1, kind: str = "real") -> tuple[np.ndarray,
                                                                          np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(0.0, 1.0, (n, net.input_size))
    m = net.output_size
    if kind == "prob":
        T = rng.dirichlet(np.ones(m), n)
    elif kind == "unit":
        T = rng.uniform(0.0, 1.0, (n, m))
    else:
        T = rng.normal(0.0, 1.0, (n, m))
    return X, T


def around(net: Network, name: str, n: int, span: float = 1.5) -> np.ndarray:
    lo, hi = surface.auto_range(net.get(name), span)
    return np.linspace(lo, hi, n)


def assert_matches_loop(net: Network, X: np.ndarray, T: np.ndarray, loss: str, p1: str,
                        p2: str, nx: int = 9, ny: int = 7, **kwargs: object) -> np.ndarray:
    xs, ys = around(net, p1, nx), around(net, p2, ny)
    grid = surface.loss_grid(net, X, T, loss, p1, p2, xs, ys, **kwargs)  # type: ignore[arg-type]
    loop = surface.loss_grid_loop(net, X, T, loss, p1, p2, xs, ys)
    assert grid.shape == (nx, ny)
    assert grid.dtype == np.float64
    np.testing.assert_array_equal(np.isfinite(grid), np.isfinite(loop))
    np.testing.assert_allclose(grid, loop, rtol=0, atol=TOL)
    return grid


# --- the grid over two parameters equals the per-point loop ----------------------------

REFERENCE_PAIRS = [
    ("w5", "w6"),  # last layer, same neuron (the default axes)
    ("w5", "w7"),  # last layer, different neurons
    ("w1", "w2"),  # first layer, same neuron
    ("w1", "w3"),  # first layer, different neurons
    ("w1", "w5"),  # different layers
    ("w6", "w2"),  # different layers, later one first
    ("b1", "b2"),  # shared biases of both layers
    ("w5", "b2"),  # a weight and its layer's shared bias
    ("b1", "w4"),  # shared bias and a weight of the first layer
    ("b1", "w8"),  # shared bias of the first layer, weight of the last
]


@pytest.mark.parametrize("p1,p2", REFERENCE_PAIRS)
def test_reference_grid_equals_the_loop(p1: str, p2: str) -> None:
    doc = reference()
    assert_matches_loop(doc.network, doc.data.inputs, doc.data.targets, doc.loss, p1, p2)


DEEP = ([3, 4, 3, 2], ["tanh", "relu", "sigmoid"], ["neuron", "shared", "neuron"])


@pytest.mark.parametrize("p1,p2", [
    ("w1", "w2"), ("w1", "w5"), ("w2", "b1"), ("b1", "b2"), ("b1", "b5"),  # first layer
    ("w13", "w14"), ("w13", "b5"), ("b5", "w20"),  # middle layer, shared bias
    ("w25", "w26"), ("w25", "w30"), ("b6", "b7"), ("w27", "b7"),  # last layer
    ("w3", "w18"), ("w7", "w29"), ("w16", "w28"), ("b3", "b6"), ("b5", "b6"), ("w28", "b2"),
])
def test_deeper_network_grid_equals_the_loop(p1: str, p2: str) -> None:
    net = build(*DEEP)
    X, T = data(net, 13)
    for loss in ("half_sse", "mse", "binary_cross_entropy"):
        T_loss = np.clip(T, 0.0, 1.0) if loss == "binary_cross_entropy" else T
        assert_matches_loop(net, X, T_loss, loss, p1, p2)


def test_softmax_cross_entropy_grid_equals_the_loop() -> None:
    net = build([2, 5, 3], ["leaky_relu", "softmax"], ["neuron", "neuron"], seed=3)
    X, T = data(net, 11, kind="prob")
    for p1, p2 in (("w11", "w12"), ("w11", "w14"), ("w1", "w2"), ("w3", "w15"), ("b6", "b7"),
                   ("b1", "w11"), ("w13", "b8"), ("w16", "w17"), ("w17", "b7"), ("w21", "b8")):
        for loss in ("cross_entropy", "half_sse"):
            assert_matches_loop(net, X, T, loss, p1, p2)


def test_layers_without_bias_and_a_linear_output() -> None:
    net = build([2, 3, 3, 1], ["sigmoid", "leaky_relu", "linear"], ["none", "shared", "none"],
                seed=5)
    X, T = data(net, 9)
    for p1, p2 in (("w1", "w2"), ("w1", "w10"), ("w10", "w17"), ("b1", "w17"), ("w7", "b1")):
        assert_matches_loop(net, X, T, "mse", p1, p2)


def test_single_layer_network() -> None:
    net = build([2, 1], ["sigmoid"], ["neuron"], seed=2)
    X, T = data(net, 6, kind="unit")
    for p1, p2 in (("w1", "w2"), ("w1", "b1"), ("b1", "w2")):
        assert_matches_loop(net, X, T, "binary_cross_entropy", p1, p2)


def test_the_benchmark_network_on_circle_data() -> None:
    net = Network.create(2, [LayerSpec(8, "tanh"), LayerSpec(8, "tanh"),
                             LayerSpec(1, "sigmoid")])
    net = net.with_params(initialize(net, "xavier", seed=1))
    d = make("circle", n=60)
    for p1, p2 in (("w1", "w2"), ("w1", "w3"), ("w81", "w82"), ("w17", "w18"), ("w1", "w81"),
                   ("b17", "b1"), ("w20", "b3")):
        assert_matches_loop(net, d.inputs, d.targets, "half_sse", p1, p2, nx=11, ny=10)


@given(seed=st.integers(0, 10_000), pick=st.integers(0, 10_000),
       loss=st.sampled_from(["half_sse", "mse"]),
       acts=st.lists(st.sampled_from(["sigmoid", "tanh", "relu", "leaky_relu", "linear"]),
                     min_size=3, max_size=3),
       biases=st.lists(st.sampled_from(["neuron", "shared", "none"]), min_size=3, max_size=3))
def test_any_pair_of_parameters_equals_the_loop(seed: int, pick: int, loss: str,
                                               acts: list[str], biases: list[str]) -> None:
    net = build([2, 3, 4, 2], acts, biases, seed=seed, scale=1.0)
    X, T = data(net, 5, seed=seed + 1)
    rng = np.random.default_rng(pick)
    p1, p2 = rng.choice(net.names, 2, replace=False)
    assert_matches_loop(net, X, T, loss, str(p1), str(p2), nx=5, ny=4)


@given(seed=st.integers(0, 10_000), pick=st.integers(0, 10_000),
       out=st.sampled_from([("softmax", "cross_entropy", "prob"),
                            ("sigmoid", "binary_cross_entropy", "unit"),
                            ("softmax", "mse", "prob")]),
       hidden=st.sampled_from(["tanh", "relu", "leaky_relu"]),
       biases=st.lists(st.sampled_from(["neuron", "shared", "none"]), min_size=2, max_size=2))
def test_any_pair_with_probability_outputs_equals_the_loop(
        seed: int, pick: int, out: tuple[str, str, str], hidden: str,
        biases: list[str]) -> None:
    act, loss, kind = out
    net = build([3, 4, 3], [hidden, act], biases, seed=seed, scale=1.5)
    X, T = data(net, 6, seed=seed + 2, kind=kind)
    rng = np.random.default_rng(pick)
    p1, p2 = rng.choice(net.names, 2, replace=False)
    assert_matches_loop(net, X, T, loss, str(p1), str(p2), nx=4, ny=5)


def test_results_do_not_depend_on_threads_or_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    net = build(*DEEP, seed=4)
    X, T = data(net, 21)
    pairs = (("w1", "w5"), ("w13", "w14"), ("w3", "w29"), ("b1", "b6"))
    xs, ys = np.linspace(-2, 2, 23), np.linspace(-1, 3, 17)
    plain = {p: surface.loss_grid(net, X, T, "mse", *p, xs, ys, workers=1) for p in pairs}
    for p in pairs:  # chunks differ in size with threads: BLAS may round differently
        np.testing.assert_allclose(surface.loss_grid(net, X, T, "mse", *p, xs, ys, workers=2),
                                   plain[p], rtol=0, atol=TOL)
    monkeypatch.setattr(pool, "CHUNK_ELEMENTS", 50)  # a chunk per few grid points
    monkeypatch.setattr(pool, "CHUNK_ELEMENTS_THREADED", 50)
    monkeypatch.setattr(surface_grid, "HEAD_ELEMENTS", 300)  # many blocks of the grid
    for p in pairs:
        small = surface.loss_grid(net, X, T, "mse", *p, xs, ys, workers=2)
        np.testing.assert_allclose(small, plain[p], rtol=0, atol=TOL)
        loop = surface.loss_grid_loop(net, X, T, "mse", *p, xs, ys)
        np.testing.assert_allclose(small, loop, rtol=0, atol=TOL)


def test_worker_count_follows_whether_threads_ran_side_by_side(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    check = pool.ThreadCheck()
    monkeypatch.setattr(pool, "thread_check", check)
    assert surface.worker_count() == 2
    check.record(wall=0.001, cpu=0.001)  # too short to tell
    assert surface.worker_count() == 2
    check.record(wall=0.05, cpu=0.052)  # the two threads shared one CPU
    assert surface.worker_count() == 1
    check.checked_at -= check.RETRY_SECONDS  # time to try threads again
    assert surface.worker_count() == 2
    check.record(wall=0.05, cpu=0.09)
    assert surface.worker_count() == 2
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)), raising=False)
    assert surface.worker_count() == pool.MAX_WORKERS
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3}, raising=False)
    assert surface.worker_count() == 1


@given(nx=st.integers(2, 300), ny=st.integers(2, 300), per=st.integers(1, 10**6))
def test_blocks_and_chunks_tile_the_grid(nx: int, ny: int, per: int) -> None:
    covered = np.zeros((nx, ny), dtype=int)
    for r0, r1, c0, c1 in surface_grid._super_blocks(nx, ny, per):
        assert r1 - r0 >= 2 and c1 - c0 >= 2  # a 1 would read as "does not depend"
        covered[r0:r1, c0:c1] += 1
    assert (covered == 1).all()
    covered[:] = 0
    for r0, r1, c0, c1 in pool.chunks(nx, ny, per, 1 + per % 3):
        assert r1 > r0 and c1 > c0
        covered[r0:r1, c0:c1] += 1
    assert (covered == 1).all()


def test_one_value_along_an_axis() -> None:
    doc = reference()
    net, X, T = doc.network, doc.data.inputs, doc.data.targets
    for xs, ys in (([0.3], [0.1, 0.2, 0.5]), ([0.1, 0.2], [-0.4]), ([0.7], [0.9])):
        grid = surface.loss_grid(net, X, T, doc.loss, "w1", "w6", xs, ys)
        loop = surface.loss_grid_loop(net, X, T, doc.loss, "w1", "w6", xs, ys)
        assert grid.shape == (len(xs), len(ys))
        np.testing.assert_allclose(grid, loop, rtol=0, atol=TOL)


def test_orientation_rows_are_the_first_parameter() -> None:
    doc = reference()
    net, X, T = doc.network, doc.data.inputs, doc.data.targets
    xs = np.array([-1.0, 0.5, 2.0])  # w1
    ys = np.array([0.25, 3.0])  # w8
    for p1, p2, a, b in (("w1", "w8", xs, ys), ("w8", "w1", ys, xs)):
        grid = surface.loss_grid(net, X, T, doc.loss, p1, p2, a, b)
        assert grid.shape == (a.size, b.size)
        for i in range(a.size):
            for j in range(b.size):
                moved = net.copy()
                moved.set(p1, a[i])
                moved.set(p2, b[j])
                assert grid[i, j] == pytest.approx(loss_value(moved, X, T, doc.loss),
                                                   abs=TOL, rel=0)


def test_the_centre_is_the_networks_loss() -> None:
    doc = reference()
    net, X, T = doc.network, doc.data.inputs, doc.data.targets
    expected = loss_value(net, X, T, doc.loss)
    assert expected == pytest.approx(ref.E_TOTAL, abs=ref.TOL)
    for p1, p2 in REFERENCE_PAIRS:
        c1, c2 = net.get(p1), net.get(p2)
        grid = surface.loss_grid(net, X, T, doc.loss, p1, p2, [c1 - 0.5, c1, c1 + 0.5],
                                 [c2 - 0.25, c2])
        assert grid[1, 1] == pytest.approx(expected, abs=TOL, rel=0)
    spec = surface.make_spec(net)
    s = surface.compute(net, X, T, doc.loss, spec)
    assert s.axes == ("w5", "w6")
    assert s.center == (0.18, 0.06)
    assert s.center_loss == expected
    mid = spec.resolution[0] // 2
    assert s.x[mid] == pytest.approx(0.18, abs=1e-15)
    assert s.loss[mid, mid] == pytest.approx(expected, abs=TOL, rel=0)
    assert s.min_loss <= expected <= s.max_loss
    assert s.min_at is not None
    i, j = np.argwhere(s.loss == s.min_loss)[0]
    assert s.min_at == (s.x[i], s.y[j])
    assert not s.loss.flags.writeable


def test_diverging_regions_are_inf_without_warnings() -> None:
    net = build([1, 2, 1], ["relu", "linear"], ["neuron", "neuron"], seed=1)
    X = np.array([[1e150], [2e150]])
    T = np.array([[0.0], [1.0]])
    xs = np.array([-1e160, 0.0, 1e160])
    grid = surface.loss_grid(net, X, T, "half_sse", "w1", "w3", xs, xs)
    loop = surface.loss_grid_loop(net, X, T, "half_sse", "w1", "w3", xs, xs)
    assert np.isinf(grid).any() and (grid[np.isinf(grid)] > 0).all()
    assert not np.isnan(grid).any()
    np.testing.assert_array_equal(np.isfinite(grid), np.isfinite(loop))
    finite = np.isfinite(grid)
    np.testing.assert_allclose(grid[finite], loop[finite], rtol=1e-12)
    s = surface.compute(net, X, T, "half_sse",
                        surface.SurfaceSpec(("w1", "w3"), (-1e160, 1e160), (-1e160, 1e160),
                                            (3, 3)))
    assert s.max_loss < math.inf


# --- the in-place activations and losses are the engine's ----------------------------------

EXTREMES = np.array([0.0, -0.0, 1e-300, -1e-300, 1e-8, -1e-8, 0.5, -0.5, 20.0, -20.0, 40.0,
                     -40.0, 700.0, -700.0, 800.0, -800.0, 1e300, -1e300, np.inf, -np.inf])


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "linear",
                                  "softmax"])
def test_in_place_activations_equal_the_engine_bit_for_bit(name: str) -> None:
    rng = np.random.default_rng(0)
    values = np.concatenate([EXTREMES, rng.normal(0, 3, 400), rng.normal(0, 300, 100)])
    net = values[: (values.size // 4) * 4].reshape(-1, 4)  # (samples, neurons)
    with np.errstate(all="ignore"):
        expected = ACTIVATIONS[name].fn(net)
    a = np.ascontiguousarray(net.T).reshape(4, 1, 1, -1)  # the grid layout, neurons first
    with np.errstate(all="ignore"):
        got = kernels.activate(name, a, kernels.Workspace(), "t")
    np.testing.assert_array_equal(got.reshape(4, -1).T, expected)


@pytest.mark.parametrize("loss", ["half_sse", "mse", "binary_cross_entropy", "cross_entropy"])
def test_in_place_losses_equal_the_engine(loss: str) -> None:
    from simulator.engine.losses import LOSSES

    rng = np.random.default_rng(1)
    n, m = 37, 3
    net = rng.normal(0, 2, (n, m))
    out = ACTIVATIONS["softmax"].fn(net)
    T = rng.dirichlet(np.ones(m), n)
    expected = LOSSES[loss].value(out, T, net)
    layout = np.ascontiguousarray(out.T).reshape(m, 1, 1, n)
    net_layout = np.ascontiguousarray(net.T).reshape(m, 1, 1, n)
    got = kernels.mean_loss(loss, layout, net_layout, T, kernels.Workspace())
    assert got.shape == (1, 1)
    assert got[0, 0] == pytest.approx(expected, abs=1e-15, rel=1e-15)


# --- random directions --------------------------------------------------------------------

def test_random_directions_are_deterministic_and_filter_normalised() -> None:
    net = build(*DEEP, seed=7).with_frozen({"w2", "b1"})
    d1, d2 = surface.random_directions(net, 5)
    e1, e2 = surface.random_directions(net, 5)
    np.testing.assert_array_equal(d1, e1)
    np.testing.assert_array_equal(d2, e2)
    f1, _ = surface.random_directions(net, 6)
    assert not np.array_equal(d1, f1)
    assert not np.array_equal(d1, d2)
    for d in (d1, d2):
        assert d.shape == net.params.shape
        dn = net.with_params(d)
        for k in range(len(net.layers)):
            np.testing.assert_allclose(np.linalg.norm(dn.weights[k], axis=1),
                                       np.linalg.norm(net.weights[k], axis=1), rtol=1e-12)
            assert not dn.biases[k].any()  # biases are left out (zero direction)
        assert d[net.index_of["w2"]] == 0.0  # frozen
    with pytest.raises(SurfaceError):
        surface.random_directions(net, -1)


def test_a_zero_weight_row_gets_a_zero_direction() -> None:
    net = build([2, 2, 1], ["tanh", "sigmoid"], ["neuron", "neuron"])
    net.set("w1", 0.0)
    net.set("w2", 0.0)
    d1, _ = surface.random_directions(net, 0)
    assert d1[0] == 0.0 and d1[1] == 0.0
    assert np.isfinite(d1).all()


def test_random_directions_grid_equals_the_loop() -> None:
    for net, loss, kind, n in (
            (reference().network, "half_sse", "real", 17),
            (build(*DEEP, seed=8), "mse", "real", 17),
            (build([2, 4, 3], ["relu", "softmax"], ["shared", "neuron"], seed=9),
             "cross_entropy", "prob", 17),
            # 40 x 40 weights x 50 samples: the wide layer takes the three-product path
            (build([2, 40, 40, 1], ["tanh", "tanh", "sigmoid"], ["neuron"] * 3, seed=10,
                   scale=0.3), "half_sse", "unit", 50)):
        X, T = data(net, n, kind=kind)
        d1, d2 = surface.random_directions(net, 3)
        d2 = d2 + 0.1 * np.random.default_rng(0).normal(size=d2.size)  # biases move too
        a, b = np.linspace(-1, 1, 9), np.linspace(-1.5, 0.5, 6)
        for workers in (1, 2):
            grid = surface.loss_grid_directions(net, X, T, loss, d1, d2, a, b,
                                                workers=workers)
            loop = surface.loss_grid_directions_loop(net, X, T, loss, d1, d2, a, b)
            np.testing.assert_allclose(grid, loop, rtol=0, atol=TOL)
        assert grid[4, 0] == pytest.approx(
            loss_value(net.with_params(net.params + a[4] * d1 + b[0] * d2), X, T, loss),
            abs=TOL, rel=0)
    one = surface.loss_grid_directions(net, X, T, loss, d1, d2, [0.5], [0.25, 0.5])
    assert one.shape == (1, 2) and one[0, 1] == pytest.approx(
        loss_value(net.with_params(net.params + 0.5 * d1 + 0.5 * d2), X, T, loss),
        abs=TOL, rel=0)


def test_directions_that_move_only_late_layers() -> None:
    net = build(*DEEP, seed=2)
    X, T = data(net, 8)
    d1 = np.zeros(net.params.size)
    d2 = np.zeros(net.params.size)
    d1[net.index_of["w25"]] = 1.0
    d2[net.index_of["b6"]] = 1.0
    a = b = np.linspace(-1, 1, 5)
    grid = surface.loss_grid_directions(net, X, T, "mse", d1, d2, a, b)
    np.testing.assert_allclose(grid, surface.loss_grid(net, X, T, "mse", "w25", "b6",
                                                       net.get("w25") + a, net.get("b6") + b),
                               rtol=0, atol=TOL)
    still = surface.loss_grid_directions(net, X, T, "mse", 0 * d1, 0 * d2, a, b)
    assert (still == loss_value(net, X, T, "mse")).all()
    with pytest.raises(SurfaceError):
        surface.loss_grid_directions(net, X, T, "mse", d1[:-1], d2, a, b)


def test_compute_random_surface() -> None:
    doc = reference()
    spec = surface.make_spec(doc.network, random=True, resolution=(11, 9), seed=4)
    assert spec.axes is None and spec.x_range == (-1.0, 1.0)
    s = surface.compute(doc.network, doc.data.inputs, doc.data.targets, doc.loss, spec)
    assert s.random and s.axes == ("alpha", "beta") and s.loss.shape == (11, 9)
    assert s.loss[5, 4] == pytest.approx(s.center_loss, abs=TOL, rel=0)
    assert s.directions is not None
    np.testing.assert_array_equal(s.directions[0],
                                  surface.random_directions(doc.network, 4)[0])


# --- path projection ------------------------------------------------------------------

def test_projection_recovers_known_coordinates() -> None:
    rng = np.random.default_rng(3)
    P = 12
    centre = rng.normal(size=P)
    d1 = rng.normal(size=P)
    d2 = 0.6 * d1 + rng.normal(size=P)  # far from orthogonal
    coords = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [-0.3, 2.5], [4.0, -1.25]])
    path = centre + coords[:, :1] * d1 + coords[:, 1:] * d2
    np.testing.assert_allclose(surface.project_path(path, centre, d1, d2), coords, atol=1e-12)
    # A component off the plane (orthogonal to both) does not move the projection.
    off = rng.normal(size=P)
    basis = np.column_stack([d1, d2])
    off -= basis @ np.linalg.lstsq(basis, off, rcond=None)[0]
    np.testing.assert_allclose(surface.project_path(path + off, centre, d1, d2), coords,
                               atol=1e-12)
    assert surface.project_path(path[1], centre, d1, d2).shape == (1, 2)
    with pytest.raises(SurfaceError):
        surface.project_path(path[:, :-1], centre, d1, d2)


def test_axis_path_reads_the_two_parameters() -> None:
    net = reference().network
    path = np.stack([net.params, net.params + 1.0])
    np.testing.assert_array_equal(surface.axis_path(net, ("w6", "b1"), path),
                                  [[0.06, 0.05], [1.06, 1.05]])


# --- comparing optimizers ---------------------------------------------------------------

def test_compare_optimizers_start_together_and_follow_the_trainer() -> None:
    net = build([2, 3, 1], ["tanh", "sigmoid"], ["neuron", "neuron"], seed=11)
    d = make("xor")
    config = TrainingConfig(learning_rate=0.3, batch_size=2, seed=4)
    paths = surface.compare_optimizers(net, d.inputs, d.targets, "half_sse", config, 6)
    assert list(paths) == ["gd", "sgd", "momentum", "adam"]
    for name, rows in paths.items():
        assert rows.shape == (7, net.params.size), name
        np.testing.assert_array_equal(rows[0], net.params)
    assert not np.array_equal(paths["gd"][-1], paths["adam"][-1])
    for name in ("gd", "sgd"):
        trainer = Trainer(net, d.inputs, d.targets, "half_sse",
                          config.with_changes(optimizer=name))
        state = trainer.initial_state()
        for t in range(1, 7):
            state = trainer.step(state).after
            np.testing.assert_array_equal(paths[name][t], state.params)
    only = surface.compare_optimizers(net, d.inputs, d.targets, "half_sse", config, 0,
                                      optimizers=("adam",))
    assert list(only) == ["adam"] and only["adam"].shape == (1, net.params.size)
    own = surface.compare_optimizers(net, d.inputs, d.targets, "half_sse", config, 2,
                                     optimizers=("gd",),
                                     configs={"gd": TrainingConfig(learning_rate=1e-9)})
    assert np.abs(own["gd"][-1] - net.params).max() < 1e-8


def test_compare_optimizers_stops_at_divergence() -> None:
    net = build([1, 1], ["linear"], ["neuron"], seed=0)
    X = np.array([[1e3], [2e3]])
    T = np.array([[1.0], [0.0]])
    config = TrainingConfig(learning_rate=1e3)
    paths = surface.compare_optimizers(net, X, T, "half_sse", config, 400, optimizers=("gd",))
    rows = paths["gd"]
    assert 1 < rows.shape[0] < 401
    assert np.isfinite(rows).all()


def test_compare_optimizers_rejects_bad_input() -> None:
    net = reference().network
    d = reference().data
    with pytest.raises(SurfaceError, match="unknown optimizer 'rmsprop'"):
        surface.compare_optimizers(net, d.inputs, d.targets, "half_sse", TrainingConfig(), 3,
                                   optimizers=("rmsprop",))
    with pytest.raises(SurfaceError, match="steps"):
        surface.compare_optimizers(net, d.inputs, d.targets, "half_sse", TrainingConfig(), -1)


# --- settings ---------------------------------------------------------------------------

def test_default_axes() -> None:
    assert surface.default_axes(reference().network) == ("w5", "w6")
    assert surface.default_axes(build([1, 1], ["sigmoid"], ["neuron"])) == ("w1", "b1")
    assert surface.default_axes(build([2, 1, 1], ["sigmoid"] * 2, ["none", "none"])) == \
        ("w3", "w1")
    with pytest.raises(SurfaceError, match="only one parameter"):
        surface.default_axes(build([1, 1], ["sigmoid"], ["none"]))


def test_auto_range_and_spec_validation() -> None:
    assert surface.auto_range(0.18) == (0.18 - 1.0, 0.18 + 1.0)
    assert surface.auto_range(-3.0) == (-9.0, 3.0)  # span 2|v|: holds 0 and -v
    assert surface.auto_range(0.5, 0.25) == (0.25, 0.75)
    for bad in (0.0, -1.0, math.nan, math.inf):
        with pytest.raises(SurfaceError, match="span"):
            surface.auto_range(1.0, bad)
    with pytest.raises(SurfaceError, match="different"):
        surface.SurfaceSpec(("w1", "w1"), (0, 1), (0, 1))
    with pytest.raises(SurfaceError, match="empty"):
        surface.SurfaceSpec(("w1", "w2"), (1, 1), (0, 1))
    with pytest.raises(SurfaceError, match="finite"):
        surface.SurfaceSpec(("w1", "w2"), (0, 1), (0, math.nan))
    for res in ((1, 5), (5, 1002), (2.5, 3)):
        with pytest.raises(SurfaceError, match="from 2 to 1001"):
            surface.SurfaceSpec(("w1", "w2"), (0, 1), (0, 1), res)  # type: ignore[arg-type]
    spec = surface.SurfaceSpec(("w1", "w2"), (0, 1), (-2, 2))
    assert spec.resolution == (101, 101) and spec.xs.size == 101 and spec.ys[-1] == 2.0
    net = reference().network
    with pytest.raises(SurfaceError, match=r"unknown parameter 'w9' \(known: w1, w2, .*b2\)"):
        surface.make_spec(net, ("w1", "w9"))
    assert surface.make_spec(net, ("w1", "b2"), span=0.5).y_range == (0.42 - 0.5, 0.42 + 0.5)


def test_bad_data_is_refused() -> None:
    doc = reference()
    with pytest.raises(SurfaceError, match="inputs"):
        surface.loss_grid(doc.network, np.zeros((3, 5)), np.zeros((3, 2)), "half_sse",
                          "w1", "w2", [0.0, 1.0], [0.0, 1.0])
    with pytest.raises(SurfaceError, match="cross_entropy"):
        surface.loss_grid(doc.network, doc.data.inputs, doc.data.targets, "cross_entropy",
                          "w1", "w2", [0.0, 1.0], [0.0, 1.0])
    with pytest.raises(SurfaceError, match="twice"):
        surface.loss_grid(doc.network, doc.data.inputs, doc.data.targets, "half_sse",
                          "w1", "w1", [0.0, 1.0], [0.0, 1.0])


# --- the command line -----------------------------------------------------------------

def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    env.pop("PYTHONPATH", None)
    return subprocess.run([sys.executable, "-m", "simulator", "surface", *args],
                          capture_output=True, text=True, cwd=ref.REPO, env=env, timeout=120)


def ok(*args: str) -> str:
    proc = run(*args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return proc.stdout


def fails(*args: str) -> str:
    proc = run(*args)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stderr.endswith("\n") and proc.stderr.count("\n") == 1, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    return proc.stderr.strip()


def test_cli_json() -> None:
    out = ok(REF, "--axes", "w1", "b2", "--grid", "7", "--range", "-1", "2", "0", "0.5",
             "--json")
    payload = json.loads(out)
    assert list(payload) == ["axes", "x", "y", "loss"]
    assert payload["axes"] == ["w1", "b2"]
    np.testing.assert_allclose(payload["x"], np.linspace(-1, 2, 7), rtol=0, atol=0)
    np.testing.assert_allclose(payload["y"], np.linspace(0, 0.5, 7), rtol=0, atol=0)
    loss = np.array(payload["loss"])
    assert loss.shape == (7, 7)
    doc = reference()
    moved = doc.network.copy()
    moved.set("w1", payload["x"][6])
    moved.set("b2", payload["y"][1])
    assert loss[6, 1] == pytest.approx(loss_value(moved, doc.data.inputs, doc.data.targets,
                                                  doc.loss), abs=TOL, rel=0)


def test_cli_json_default_range_and_nulls(tmp_path: Path) -> None:
    payload = json.loads(ok(REF, "--axes", "w5", "w6", "--grid", "5", "--json"))
    assert payload["x"][0] == pytest.approx(0.18 - 1.0) and payload["x"][2] == \
        pytest.approx(0.18)
    assert payload["y"][-1] == pytest.approx(0.06 + 1.0)
    raw = json.loads(ref.REFERENCE_JSON.read_text(encoding="utf-8"))
    raw["layers"][2]["activation"] = "linear"
    path = tmp_path / "wild.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    payload = json.loads(ok(str(path), "--axes", "w5", "w6", "--grid", "3", "--range",
                            "0", "1e200", "0", "1e200", "--json"))
    flat = [v for row in payload["loss"] for v in row]
    assert None in flat


def test_cli_csv(tmp_path: Path) -> None:
    out = tmp_path / "grid.csv"
    text = ok(REF, "--axes", "w5", "w6", "--grid", "4", "--span", "0.5", "--csv", str(out))
    assert "16 grid points" in text and str(out) in text
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "w5,w6,loss"
    assert len(lines) == 17
    rows = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    xs = np.linspace(0.18 - 0.5, 0.18 + 0.5, 4)
    ys = np.linspace(0.06 - 0.5, 0.06 + 0.5, 4)
    np.testing.assert_array_equal(rows[:, 0], np.repeat(xs, 4))  # x varies slowest
    np.testing.assert_array_equal(rows[:, 1], np.tile(ys, 4))
    doc = reference()
    grid = surface.loss_grid(doc.network, doc.data.inputs, doc.data.targets, doc.loss,
                             "w5", "w6", xs, ys)
    np.testing.assert_array_equal(rows[:, 2], grid.ravel())
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_cli_summary() -> None:
    text = ok(REF, "--axes", "w5", "w6", "--grid", "21")
    assert "w5 and w6, 21 x 21 grid" in text
    assert "current point: w5 = 0.18, w6 = 0.06, loss 0.18497938" in text
    assert "lowest on the grid" in text


@pytest.mark.parametrize("args,expected", [
    (("--axes", "w5", "w99"), "unknown parameter 'w99' (known: w1, w2"),
    (("--axes", "w5", "w5"), "different parameters (got w5 twice)"),
    (("--axes", "w5", "w6", "--grid", "1"), "--grid must be a whole number from 2 to 1001"),
    (("--axes", "w5", "w6", "--grid", "1002"), "--grid must be a whole number from 2 to 1001"),
    (("--axes", "w5", "w6", "--range", "1", "1", "0", "1"), "empty"),
    (("--axes", "w5", "w6", "--range", "0", "1", "2", "-2"), "empty"),
    (("--axes", "w5", "w6", "--range", "0", "nan", "0", "1"), "finite"),
    (("--axes", "w5", "w6", "--range", "0", "1", "1", "inf"), "finite"),
    (("--axes", "w5", "w6", "--span", "0"), "--span must be a finite number greater than 0"),
    (("--axes", "w5", "w6", "--span", "nan"), "--span must be a finite number greater than 0"),
    (("--axes", "w5", "w6", "--span", "-2"), "--span must be a finite number greater than 0"),
])
def test_cli_errors(args: tuple[str, ...], expected: str) -> None:
    message = fails(REF, *args)
    assert message.startswith("error: surface: "), message
    assert expected in message


def test_cli_csv_to_a_missing_folder(tmp_path: Path) -> None:
    message = fails(REF, "--axes", "w5", "w6", "--grid", "3", "--csv",
                    str(tmp_path / "nope" / "g.csv"))
    assert "cannot write" in message


def test_run_cli_directly(capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(axes=["b1", "w2"], grid=3, span=None, range=None, json=True,
                              csv=None)
    assert cli_surface.run(reference(), args) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["axes"] == ["b1", "w2"] and len(payload["loss"]) == 3


def test_the_cli_default_grid_is_the_engines_default() -> None:
    assert cli_surface.DEFAULT_GRID == surface.DEFAULT_RESOLUTION


def test_the_engine_surface_has_no_command_line_code() -> None:
    """The command line lives in simulator.cli.surface: importing the engine's surface
    package (in a fresh interpreter) loads neither argparse nor the command line."""
    code = ("import sys, simulator.engine.surface as s; "
            "bad = [m for m in sys.modules if m == 'argparse' or m.startswith('simulator.cli')]; "
            "sys.exit(f'loaded: {bad}' if bad else 0)")
    env = {**os.environ, "PYTHONPATH": str(ref.REPO)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ref.REPO, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert not hasattr(surface, "run_cli") and not hasattr(surface, "write_csv")


# --- slices and their background jobs (Qt-free; the app runs them on a thread) -------------

def test_frames_place_points_and_compute_their_grid() -> None:
    doc = reference()
    net, X, T = doc.network, doc.data.inputs, doc.data.targets
    xs, ys = np.linspace(-1, 1, 5), np.linspace(0, 2, 4)
    axes = surface.Frame.of_axes(net, ("w6", "b1"))
    np.testing.assert_array_equal(axes.grid(net, X, T, doc.loss, xs, ys),
                                  surface.loss_grid(net, X, T, doc.loss, "w6", "b1", xs, ys))
    uv = np.array([[0.5, -1.0], [2.0, 3.0]])
    rows = axes.points(uv, net.params)
    np.testing.assert_array_equal(axes.coords(rows, net.params), uv)
    assert axes.same_slice(rows[0], net.params) and not axes.same_slice(rows[0] + 1, net.params)
    dirs = surface.Frame.of_directions(net, 2)
    d1, d2 = surface.random_directions(net, 2)
    np.testing.assert_array_equal(dirs.grid(net, X, T, doc.loss, xs, ys),
                                  surface.loss_grid_directions(net, X, T, doc.loss, d1, d2, xs,
                                                               ys))
    np.testing.assert_allclose(dirs.coords(dirs.points(uv, net.params), net.params), uv,
                               atol=1e-12)
    with pytest.raises(SurfaceError):
        surface.Frame.of_axes(net, ("w6", "w99"))


def job(coarse_first: bool = False, **kwargs: object) -> surface.SliceJob:
    doc = reference()
    net = doc.network
    frame = surface.Frame.of_axes(net, ("w5", "w6"))
    spec = surface.SliceSpec(frame, net.params.copy(), np.linspace(-1, 1, 41),
                             np.linspace(-2, 2, 33))
    path = np.stack([net.params, net.params + 0.1])
    return surface.SliceJob(3, 1, spec, net, doc.data.inputs, doc.data.targets, doc.loss,
                            {"path": surface.PointSet(np.array([0, 1]), path)},
                            coarse_first=coarse_first, **kwargs)  # type: ignore[arg-type]


def test_a_slice_job_computes_the_engines_grid_and_path_heights(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator.engine.surface import slices

    j = job()
    results: list[surface.SliceResult] = []
    surface.run_job(j, results.append)
    (full,) = results
    assert (full.generation, full.epoch, full.final, full.coarse) == (3, 1, True, False)
    assert full.points_computed == 41 * 33
    np.testing.assert_allclose(full.z, surface.loss_grid(j.network, j.inputs, j.targets, j.loss,
                                                         "w5", "w6", j.spec.xs, j.spec.ys),
                               rtol=0, atol=TOL)
    keys, z = full.point_z["path"]
    assert keys.tolist() == [0, 1]
    moved = j.network.copy()  # the second point: w5 and w6 moved, the rest at the centre
    moved.set("w5", j.network.get("w5") + 0.1)
    moved.set("w6", j.network.get("w6") + 0.1)
    assert z[1] == pytest.approx(loss_value(moved, j.inputs, j.targets, j.loss), abs=TOL)
    monkeypatch.setattr(slices, "COARSE_ABOVE_SECONDS", 0.0)  # any grid counts as slow
    results.clear()
    surface.run_job(job(coarse_first=True), results.append)
    assert [(r.coarse, r.final) for r in results] == [(True, False), (False, True)]
    assert results[0].z is not None and results[0].z.shape == (41, 33)


def test_a_cancelled_or_failing_job_says_so() -> None:
    from simulator.engine.training import CancelFlag

    flag = CancelFlag()
    flag.set()
    results: list[surface.SliceResult] = []
    surface.run_job(job(cancel=flag), results.append)
    assert len(results) == 1 and results[0].cancelled and results[0].z is None
    bad = job()
    object.__setattr__(bad, "loss", "cross_entropy")  # one output: refused by the engine
    results.clear()
    surface.run_job(bad, results.append)
    assert results[0].z is None and "cross_entropy" in results[0].error
    doc = reference()
    compare = surface.CompareJob(2, doc.network, doc.data.inputs, doc.data.targets,
                                 "cross_entropy", TrainingConfig(), 3)
    failed = surface.run_compare(compare)
    assert failed.paths == {} and "cross_entropy" in failed.error
    assert failed.spec is None and isinstance(failed.seconds, float)
    done = surface.run_compare(surface.CompareJob(2, doc.network, doc.data.inputs,
                                                  doc.data.targets, doc.loss, TrainingConfig(),
                                                  3, job().spec))
    assert list(done.paths) == ["gd", "sgd", "momentum", "adam"] and not done.error
    assert done.point_z["adam"].keys.tolist() == [0, 1, 2, 3]
