"""The cost surface shows the E training minimises: input features are applied to the data
(once) and the weight penalty is part of the grid, its centre and the paths' heights."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import numpy as np
import pytest

from simulator.cli import surface as cli_surface
from simulator.engine import datasets, edits, surface
from simulator.engine import document as doc_io
from simulator.engine.document import Document
from simulator.engine.features import apply as apply_features
from simulator.engine.losses import LOSSES
from simulator.engine.regularisation import Penalty
from simulator.engine.training import CancelFlag, Trainer

TOL = 1e-12


def featured() -> Document:
    """A 3-feature network (x1, x2, x1*x2) on 30 circle samples with a test split."""
    data = datasets.make("circle", n=40, seed=3, test_fraction=0.25)
    doc = edits.fit_to_data(edits.new_document((2, 4, 1), "tanh"), data,
                            {"kind": "circle", "n": 40, "seed": 3, "test_fraction": 0.25})
    doc = edits.set_features(doc, ["x1", "x2", "x1*x2", "sin(x2)"])
    assert doc.network.input_size == 4
    return doc


def penalised(doc: Document | None = None) -> Document:
    doc = doc if doc is not None else featured()
    return edits.set_training(doc, l1=0.03, l2=0.2)


def hand_e(doc: Document, params: np.ndarray) -> float:
    """E by hand, not through the engine's loss_value or the penalty class: the features
    made column by column, a plain forward pass, the loss's own value, and
    l1 * sum |w| + l2 / 2 * sum w^2 over the weight matrices."""
    net = doc.network.with_params(params)
    raw = doc.data.inputs
    cols = {"x1": raw[:, 0], "x2": raw[:, 1], "x1*x2": raw[:, 0] * raw[:, 1],
            "sin(x2)": np.sin(raw[:, 1])}
    h = np.column_stack([cols[f] for f in net.features])
    net_in = h
    for k, layer in enumerate(net.layers):
        net_in = h @ net.weights[k].T + net.bias_value(k)
        h = np.tanh(net_in) if layer.activation == "tanh" else 1 / (1 + np.exp(-net_in))
    data = LOSSES[doc.loss].value(h, doc.data.targets, net_in)
    weights = np.concatenate([w.ravel() for w in net.weights])
    l1, l2 = doc.training.l1, doc.training.l2
    return float(data + l1 * np.abs(weights).sum() + 0.5 * l2 * np.dot(weights, weights))


@pytest.mark.parametrize("make", [featured, penalised])
def test_grid_at_the_current_point_is_the_trainers_loss(make) -> None:
    doc = make()
    net = doc.network
    trainer = Trainer.for_document(doc)
    expected = trainer.dataset_loss(net.params)
    assert expected == pytest.approx(hand_e(doc, net.params), abs=TOL)
    for a, b in (("w1", "w3"), ("w2", "b1"), ("b1", "b2"), ("w17", "w5")):
        xs = np.array([net.get(a) - 0.3, net.get(a), net.get(a) + 0.5])
        ys = np.array([net.get(b) - 0.2, net.get(b)])
        grid = surface.loss_grid(net, doc.data.inputs, doc.data.targets, doc.loss, a, b, xs,
                                 ys, penalty=doc.training.penalty)
        assert grid[1, 1] == pytest.approx(expected, abs=TOL), (a, b)
        # another grid point, against the hand-made E with those two values
        p = net.params.copy()
        p[net.index_of[a]], p[net.index_of[b]] = xs[2], ys[0]
        assert grid[2, 0] == pytest.approx(hand_e(doc, p), abs=TOL), (a, b)
    spec = surface.make_spec(net, ("w1", "w5"), resolution=5)
    result = surface.compute(net, doc.data.inputs, doc.data.targets, doc.loss, spec,
                             doc.training.penalty)
    assert result.center_loss == pytest.approx(expected, abs=TOL)
    assert result.loss[2, 2] == pytest.approx(expected, abs=TOL)


def test_the_penalty_is_part_of_the_surface() -> None:
    doc = penalised()
    net = doc.network
    plain = surface.loss_grid(net, doc.data.inputs, doc.data.targets, doc.loss, "w1", "b2",
                              [-1.0, 0.0, 2.0], [0.0, 1.0])
    with_p = surface.loss_grid(net, doc.data.inputs, doc.data.targets, doc.loss, "w1", "b2",
                               [-1.0, 0.0, 2.0], [0.0, 1.0], penalty=doc.training.penalty)
    diff = with_p - plain
    # the bias b2 does not enter P; w1 does: P(w1 = x) - P(w1 = 0) = l1 |x| + l2 / 2 x^2
    assert np.allclose(diff[:, 0], diff[:, 1], atol=TOL)
    rest = diff[1, 0]
    assert diff[0, 0] - rest == pytest.approx(0.03 * 1.0 + 0.1 * 1.0, abs=TOL)
    assert diff[2, 0] - rest == pytest.approx(0.03 * 2.0 + 0.1 * 4.0, abs=TOL)


@pytest.mark.parametrize("axes", [("w1", "w2"), ("w3", "b3"), ("b1", "w18"), ("w9", "w12")])
def test_axis_grid_equals_the_per_point_loop(axes) -> None:
    doc = penalised()
    net = doc.network
    xs = np.linspace(-2, 2, 7)
    ys = np.linspace(-1.5, 2.5, 6)
    penalty = doc.training.penalty
    fast = surface.loss_grid(net, doc.data.inputs, doc.data.targets, doc.loss, *axes, xs, ys,
                             penalty=penalty)
    slow = surface.loss_grid_loop(net, doc.data.inputs, doc.data.targets, doc.loss, *axes,
                                  xs, ys, penalty=penalty)
    assert np.max(np.abs(fast - slow)) <= TOL


def test_direction_grid_equals_the_per_point_loop() -> None:
    doc = penalised()
    net = doc.network
    d1, d2 = surface.random_directions(net, 4)
    a = np.linspace(-1, 1, 6)
    b = np.linspace(-0.5, 1.5, 5)
    penalty = doc.training.penalty
    fast = surface.loss_grid_directions(net, doc.data.inputs, doc.data.targets, doc.loss,
                                        d1, d2, a, b, penalty=penalty)
    slow = surface.loss_grid_directions_loop(net, doc.data.inputs, doc.data.targets,
                                             doc.loss, d1, d2, a, b, penalty=penalty)
    assert np.max(np.abs(fast - slow)) <= TOL
    # the centre (0, 0) is the trainer's E
    fast0 = surface.loss_grid_directions(net, doc.data.inputs, doc.data.targets, doc.loss,
                                         d1, d2, [0.0], [0.0], penalty=penalty)
    assert fast0[0, 0] == pytest.approx(hand_e(doc, net.params), abs=TOL)


def test_random_direction_surface_centre() -> None:
    doc = penalised()
    spec = surface.make_spec(doc.network, random=True, resolution=3)
    result = surface.compute(doc.network, doc.data.inputs, doc.data.targets, doc.loss, spec,
                             doc.training.penalty)
    expected = Trainer.for_document(doc).dataset_loss(doc.network.params)
    assert result.center_loss == pytest.approx(expected, abs=TOL)
    assert result.loss[1, 1] == pytest.approx(expected, abs=TOL)


def test_the_surface_refuses_data_that_cannot_feed_the_features() -> None:
    doc = featured()
    one_column = doc.data.inputs[:, :1]
    with pytest.raises(surface.SurfaceError, match="features"):
        surface.loss_grid(doc.network, one_column, doc.data.targets, doc.loss, "w1", "w2",
                          [0.0, 1.0], [0.0, 1.0])
    # the network's own inputs (features already applied) are not the data's inputs
    made = apply_features(doc.network.features, doc.data.inputs)
    with pytest.raises(surface.SurfaceError):
        surface.loss_grid(doc.network, made, doc.data.targets, doc.loss, "w1", "w2",
                          [0.0, 1.0], [0.0, 1.0])


def test_losses_at_and_slice_heights_are_the_trainers_loss() -> None:
    doc = penalised()
    net = doc.network
    trainer = Trainer.for_document(doc)
    rng = np.random.default_rng(0)
    rows = net.params + 0.1 * rng.standard_normal((4, net.params.size))
    got = surface.losses_at(net, doc.data.inputs, doc.data.targets, doc.loss, rows,
                            penalty=doc.training.penalty)
    assert np.allclose(got, [trainer.dataset_loss(r) for r in rows], atol=TOL, rtol=0)
    assert got[0] == pytest.approx(hand_e(doc, rows[0]), abs=TOL)


def test_slice_job_draws_the_penalised_loss() -> None:
    doc = penalised()
    net = doc.network
    frame = surface.Frame.of_axes(net, ("w1", "w2"))
    xs, ys = np.linspace(-1, 1, 5), np.linspace(-1, 1, 4)
    spec = surface.SliceSpec(frame, net.params.copy(), xs, ys)
    path = surface.PointSet(np.arange(2), np.vstack([net.params, net.params * 0.9]))
    job = surface.SliceJob(1, 1, spec, net, doc.data.inputs, doc.data.targets, doc.loss,
                           {"training": path}, penalty=doc.training.penalty)
    results: list[surface.SliceResult] = []
    surface.run_job(job, results.append)
    final = results[-1]
    assert not final.error, final.error
    assert final.z is not None
    expected = surface.loss_grid_loop(net, doc.data.inputs, doc.data.targets, doc.loss, "w1",
                                      "w2", xs, ys, penalty=doc.training.penalty)
    assert np.max(np.abs(final.z - expected)) <= TOL
    heights = final.point_z["training"].z
    trainer = Trainer.for_document(doc)
    assert heights[0] == pytest.approx(trainer.dataset_loss(net.params), abs=TOL)


def test_compare_applies_the_features_once() -> None:
    doc = penalised()
    net = doc.network
    paths = surface.compare_optimizers(net, doc.data.inputs, doc.data.targets, doc.loss,
                                       doc.training, 3, optimizers=("gd", "adam"))
    trainer = Trainer.for_document(doc.with_changes(training=doc.training.with_changes(
        optimizer="gd")))
    state = trainer.initial_state()
    expected = [state.params]
    for _ in range(3):
        state = trainer.step(state).after
        expected.append(state.params)
    assert np.array_equal(paths["gd"], np.array(expected))
    job = surface.CompareJob(1, net, doc.data.inputs, doc.data.targets, doc.loss,
                             doc.training, 2, surface.SliceSpec(
                                 surface.Frame.of_axes(net, ("w1", "w2")), net.params.copy(),
                                 np.linspace(-1, 1, 3), np.linspace(-1, 1, 3)),
                             CancelFlag())
    result = surface.run_compare(job)
    assert not result.error, result.error
    first = result.point_z["gd"].z[0]
    assert first == pytest.approx(Trainer.for_document(doc).dataset_loss(net.params), abs=TOL)


def test_command_line_surface_shows_the_penalised_loss(tmp_path) -> None:
    doc = penalised()
    path = tmp_path / "featured.json"
    doc_io.save(doc, path)
    net = doc.network
    w1, w2 = net.get("w1"), net.get("w2")
    args = argparse.Namespace(file=str(path), axes=["w1", "w2"], grid=3,
                              range=[w1 - 1, w1 + 1, w2 - 1, w2 + 1], span=None, json=True,
                              csv=None)
    out = subprocess.run([sys.executable, "-m", "simulator", "surface", str(path), "--axes",
                          "w1", "w2", "--grid", "3", "--range", *map(repr, args.range),
                          "--json"], capture_output=True, text=True, check=True)
    payload = json.loads(out.stdout)
    assert payload["loss"][1][1] == pytest.approx(hand_e(doc, net.params), abs=TOL)
    summary = subprocess.run([sys.executable, "-m", "simulator", "surface", str(path),
                              "--axes", "w1", "w2", "--grid", "3"], capture_output=True,
                             text=True, check=True).stdout
    assert "weight penalty" in summary
    assert cli_surface.DEFAULT_GRID == surface.DEFAULT_RESOLUTION


def test_without_features_or_penalty_nothing_changes() -> None:
    """A plain document's surface is what it was: the data loss over the data's inputs."""
    doc = edits.new_document()
    net = doc.network
    g = surface.loss_grid(net, doc.data.inputs, doc.data.targets, doc.loss, "w1", "w2",
                          [net.get("w1")], [net.get("w2")], penalty=Penalty())
    assert g[0, 0] == pytest.approx(Trainer.for_document(doc).dataset_loss(net.params),
                                    abs=TOL)
