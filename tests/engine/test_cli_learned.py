"""What the command line adds for issue 12: ``train --json`` gives accuracy, test accuracy,
one test loss per step and the health warnings; ``explain --json`` gives the accuracy.
Run in-process through :func:`simulator.cli.main` (test_cli.py runs the subprocess path)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulator.cli import main
from simulator.engine import datasets, document, edits
from simulator.engine.backprop import backward
from simulator.engine.document import Document
from simulator.engine.features import network_inputs
from simulator.engine.metrics import accuracy

from . import _reference as ref


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    status, out, err = _run(capsys, *args)
    assert status == 0 and err == "", err
    return json.loads(out)


def _moons(tmp_path: Path) -> tuple[Document, str]:
    data = datasets.make("moons", n=60, seed=1, test_fraction=0.25)
    doc = edits.fit_to_data(edits.new_document((2, 6, 1), activation="tanh"), data,
                            {"kind": "moons", "n": 60, "seed": 1, "test_fraction": 0.25})
    doc = edits.set_features(edits.set_training(doc, learning_rate=0.3, l2=0.001),
                             ["x1", "x2", "x1*x2"])
    path = tmp_path / "moons.json"
    document.save(doc, path)
    return doc, str(path)


def test_train_json_gives_accuracy_test_losses_and_health(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc, path = _moons(tmp_path)
    data = _json(capsys, "train", path, "--steps", "40", "--json")
    assert set(data) == {"losses", "parameters", "accuracy", "test_accuracy", "test_losses",
                         "health"}
    assert len(data["test_losses"]) == len(data["losses"]) == 40
    # Independently: plain steps, and the test loss (with the penalty, as the losses have
    # it) at the parameters each step's loss was computed at.
    net = doc.network
    params = net.params.copy()
    X, T = network_inputs(net, doc.data.inputs), doc.data.targets
    Xt, Tt = network_inputs(net, doc.data.test_inputs), doc.data.test_targets
    penalty = doc.training.penalty
    for i in range(40):
        now = net.with_params(params)
        assert data["test_losses"][i] == pytest.approx(
            backward(now, Xt, Tt, doc.loss, penalty).loss, rel=1e-12)
        bp = backward(now, X, T, doc.loss, penalty)
        assert data["losses"][i] == pytest.approx(bp.loss, rel=1e-12)
        params = params - 0.3 * bp.grad
    final = net.with_params(params)
    assert data["accuracy"] == accuracy(backward(final, X, T, doc.loss).forward.output, T)
    assert data["test_accuracy"] == accuracy(
        backward(final, Xt, Tt, doc.loss).forward.output, Tt)
    assert data["health"] == []


def test_train_json_of_the_reference_has_no_accuracy_and_no_warnings(
        capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, "train", str(ref.REFERENCE_JSON), "--steps", "100", "--json")
    assert "accuracy" not in data and "test_losses" not in data
    assert data["health"] == []


def test_train_json_reports_saturation_at_a_huge_learning_rate(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = edits.set_training(document.load(ref.REFERENCE_JSON), learning_rate=100.0)
    path = tmp_path / "hot.json"
    document.save(doc, path)
    data = _json(capsys, "train", str(path), "--steps", "1000", "--json")
    warnings = data["health"]
    assert {w["kind"] for w in warnings} == {"saturated"}
    assert {w["where"] for w in warnings} == {"H1", "H2", "Y1", "Y2"}
    for w in warnings:
        assert set(w) == {"kind", "where", "iteration", "message"}
        assert w["iteration"] == 1000 and "learning rate" in w["message"]


def test_train_text_shows_accuracy_and_warnings(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    _, path = _moons(tmp_path)
    status, out, err = _run(capsys, "train", path, "--steps", "20")
    assert status == 0 and err == ""
    assert "training accuracy: " in out and "test accuracy: " in out
    assert "test loss: first " in out
    hot = tmp_path / "hot.json"
    document.save(edits.set_training(document.load(ref.REFERENCE_JSON), learning_rate=100.0),
                  hot)
    status, out, _ = _run(capsys, "train", str(hot), "--steps", "500")
    assert status == 0 and "warning (saturated, Y1): Y1 is saturated" in out


def test_explain_json_gives_the_accuracy_when_it_applies(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc, path = _moons(tmp_path)
    data = _json(capsys, "explain", path, "--json")
    net = doc.network
    bp = backward(net, network_inputs(net, doc.data.inputs), doc.data.targets, doc.loss,
                  doc.training.penalty)
    assert data["accuracy"] == accuracy(bp.forward.output, doc.data.targets)
    assert data["loss"] == pytest.approx(bp.loss, rel=1e-15)
    assert data["data_loss"] + data["penalty"] == pytest.approx(data["loss"], rel=1e-15)
    np.testing.assert_allclose([data["gradients"][n] for n in net.names], bp.grad, rtol=1e-15)
    assert "accuracy" not in _json(capsys, "explain", str(ref.REFERENCE_JSON), "--json")
