"""The command line, run as a user runs it: ``python -m simulator ...`` in a subprocess."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulator.engine import document
from simulator.engine.training import Trainer

from . import _reference as ref

REF = str(ref.REFERENCE_JSON)
NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]\d+)?")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    env.pop("PYTHONPATH", None)
    return subprocess.run([sys.executable, "-m", "simulator", *args], capture_output=True,
                          text=True, cwd=cwd or ref.REPO, env=env, timeout=120)


def ok(*args: str, cwd: Path | None = None) -> str:
    proc = run(*args, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return proc.stdout


def fails(*args: str, cwd: Path | None = None) -> str:
    """Run a command that must fail with status 2 and exactly one line on stderr."""
    proc = run(*args, cwd=cwd)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stderr.endswith("\n") and proc.stderr.count("\n") == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    return proc.stderr.strip()


def _write(tmp_path: Path, raw: dict[str, Any], name: str = "doc.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(raw), encoding="utf-8")
    return str(path)


def _reference_raw() -> dict[str, Any]:
    return json.loads(ref.REFERENCE_JSON.read_text(encoding="utf-8"))


# --- explain ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def explain_text() -> str:
    return ok("explain", REF)


def test_explain_text_contains_the_lessons_numbers(explain_text: str) -> None:
    numbers = [float(n) for n in NUMBER.findall(explain_text)]
    lesson = [*ref.NET_H, *ref.OUT_H, *ref.NET_Y, *ref.OUT_Y, ref.E1, ref.E2, ref.E_TOTAL,
              *ref.GRADIENTS.values(), *ref.UPDATED.values(), ref.W5_DE_DOUT, ref.W5_DOUT_DNET]
    # seed rounded to 10 decimals, the text to 10 significant digits: within 1e-10
    missing = [v for v in lesson if not any(abs(n - v) <= 2 * ref.TOL for n in numbers)]
    assert not missing
    for line in ("outH1 = sigmoid(netH1) = sigmoid(0.154) = 0.5384240912",
                 "E = E1 + E2 = 0.170358553 + 0.01462083001 = 0.184979383",
                 "dE/dw5 = 0.5837097788 * 0.232121695 * 0.5384240912 = 0.0729519972",
                 "w5 = 0.18 - 0.01 * 0.0729519972 = 0.17927048",
                 "b2 = 0.42 - 0.01 * 0.0965375363 = 0.4190346246"):
        assert line in explain_text


def test_explain_text_is_in_the_lessons_order(explain_text: str) -> None:
    headings = [line for line in explain_text.splitlines() if line.startswith("== ")]
    assert headings == ["== Forward pass ==", "== Error ==", "== Backward pass (chain rule) ==",
                        "== Update =="]
    titles = re.findall(r"^(Forward|Error|Backward|Update): (\S+)", explain_text, re.M)
    assert [t[1] for t in titles] == ["H1", "H2", "Y1", "Y2", "Y1", "Y2", "dE/dw5", "dE/dw6",
                                      "dE/dw7", "dE/dw8", "dE/db2", "dE/dw1", "dE/dw2",
                                      "dE/dw3", "dE/dw4", "dE/db1", "all"]
    assert explain_text.startswith("Reference example: one training iteration\n")


def test_explain_markdown_has_headings() -> None:
    text = ok("explain", REF, "--format", "markdown")
    lines = text.splitlines()
    assert lines[0] == "# Reference example: one training iteration"
    assert "## Forward pass" in lines and "## Backward pass (chain rule)" in lines
    assert "### Forward: H1" in lines and "### Backward: dE/dw5" in lines
    assert "### Update: all parameters" in lines
    assert lines.count("```") % 2 == 0 and lines.count("```") >= 2 * 17
    assert "dE/dw5 = 0.5837097788 * 0.232121695 * 0.5384240912 = 0.0729519972" in text


def test_explain_markdown_holds_the_same_numbers_as_the_text(explain_text: str) -> None:
    markdown = ok("explain", REF, "--format", "markdown")
    assert NUMBER.findall(markdown) == NUMBER.findall(explain_text)
    assert len(NUMBER.findall(markdown)) > 200


def test_explain_shows_every_path_of_a_hidden_weight(explain_text: str) -> None:
    lines = explain_text.splitlines()
    start = lines.index("Backward: dE/dw1")
    w1 = lines[start:lines.index("", start)]
    assert w1[1] == "  dE/dw1 = dE/doutH1 * doutH1/dnetH1 * dnetH1/dw1"
    assert w1[2] == ("    dE/doutH1 = dE/doutY1*doutY1/dnetY1*dnetY1/doutH1 + "
                     "dE/doutY2*doutY2/dnetY2*dnetY2/doutH1")
    # each path's factors nested under the sum, with their formulas and values
    for line in ("      dE/doutY1 = (outY1 - T1) = 0.5837097788",
                 "      dnetY1/doutH1 = w5 = 0.18", "      dnetY2/doutH1 = w7 = 0.11",
                 "    dE/doutH1 = 0.5837097788 * 0.232121695 * 0.18 + (-0.1710019299) * "
                 "0.2277995751 * 0.11 = 0.02010354822",
                 "    dnetH1/dw1 = x1 = 0.95"):
        assert line in w1
    assert w1[-1] == "  dE/dw1 = 0.02010354822 * 0.2485235892 * 0.95 = 0.004746395662"


def test_explain_json_has_exactly_the_documented_keys_and_the_lessons_values() -> None:
    data = json.loads(ok("explain", REF, "--json"))
    assert set(data) == {"loss", "parameters", "gradients", "updated", "layers"}
    assert data["loss"] == pytest.approx(ref.E_TOTAL, abs=ref.TOL)
    assert data["parameters"] == ref.PARAMETERS
    assert list(data["gradients"]) == list(ref.GRADIENTS)
    for name, value in ref.GRADIENTS.items():
        assert data["gradients"][name] == pytest.approx(value, abs=ref.TOL), name
    for name, value in ref.UPDATED.items():
        assert data["updated"][name] == pytest.approx(value, abs=ref.TOL), name
    hidden, output = data["layers"]
    assert hidden["name"] == "hidden" and hidden["neurons"] == ["H1", "H2"]
    assert output["name"] == "output" and output["neurons"] == ["Y1", "Y2"]
    np.testing.assert_allclose(hidden["net"], [ref.NET_H], atol=ref.TOL)
    np.testing.assert_allclose(hidden["out"], [ref.OUT_H], atol=ref.TOL)
    np.testing.assert_allclose(output["net"], [ref.NET_Y], atol=ref.TOL)
    np.testing.assert_allclose(output["out"], [ref.OUT_Y], atol=ref.TOL)


def test_explain_digits() -> None:
    text = ok("explain", REF, "--digits", "4")
    assert "outH1 = sigmoid(netH1) = sigmoid(0.154) = 0.5384" in text
    assert "dE/dw5 = 0.5837 * 0.2321 * 0.5384 = 0.07295" in text


def test_explain_a_batch_says_the_numbers_are_for_the_first_sample(tmp_path: Path) -> None:
    raw = _reference_raw()
    raw["data"] = {"inputs": [[0.95, 0.06], [0.1, 0.9]], "targets": [[0.05, 0.82], [0.5, 0.5]]}
    text = ok("explain", _write(tmp_path, raw))
    assert "batch of 2 samples" in text
    assert "(mean)" in text


# --- train ------------------------------------------------------------------------------------

def _plain_numpy_reference_training(steps: int) -> tuple[list[float], np.ndarray]:
    """The reference network trained by gradient descent, written out without the engine."""
    p = np.array(list(ref.PARAMETERS.values()))
    x, t = np.array(ref.INPUT), np.array(ref.TARGET)
    losses = []
    for _ in range(steps):
        W1, W2, b1, b2 = p[0:4].reshape(2, 2), p[4:8].reshape(2, 2), p[8], p[9]
        h = 1 / (1 + np.exp(-(W1 @ x + b1)))
        y = 1 / (1 + np.exp(-(W2 @ h + b2)))
        losses.append(float(0.5 * ((t - y) ** 2).sum()))
        d_y = (y - t) * y * (1 - y)
        d_h = (W2.T @ d_y) * h * (1 - h)
        grad = np.concatenate([np.outer(d_h, x).ravel(), np.outer(d_y, h).ravel(),
                               [d_h.sum(), d_y.sum()]])
        p = p - ref.LEARNING_RATE * grad
    return losses, p


def test_train_json_matches_plain_numpy_step_by_step() -> None:
    data = json.loads(ok("train", REF, "--steps", "25", "--json"))
    assert set(data) == {"losses", "parameters", "health"}  # (the reference: no accuracy)
    assert len(data["losses"]) == 25
    losses, params = _plain_numpy_reference_training(25)
    np.testing.assert_allclose(data["losses"], losses, rtol=1e-13)
    np.testing.assert_allclose(list(data["parameters"].values()), params, rtol=1e-13)
    assert list(data["parameters"]) == list(ref.PARAMETERS)
    assert data["losses"][0] == pytest.approx(ref.E_TOTAL, abs=ref.TOL)
    assert all(b < a for a, b in zip(data["losses"], data["losses"][1:]))


def _sgd_document(tmp_path: Path, optimizer: str = "adam") -> str:
    raw = _reference_raw()
    rng = np.random.default_rng(4)
    raw["data"] = {"inputs": rng.uniform(-1, 1, (7, 2)).tolist(),
                   "targets": rng.uniform(0, 1, (7, 2)).tolist()}
    raw["training"] = {"optimizer": optimizer, "learning_rate": 0.05, "batch_size": 3,
                       "seed": 11}
    raw["layers"][1]["bias"] = "neuron"
    raw["biases"][0] = [0.05, -0.05]
    return _write(tmp_path, raw, f"{optimizer}.json")


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_train_json_matches_the_trainer_step_by_step(tmp_path: Path, optimizer: str) -> None:
    path = _sgd_document(tmp_path, optimizer)
    data = json.loads(ok("train", path, "--steps", "10", "--json"))
    doc = document.load(path)
    trainer = Trainer(doc.network, doc.data.inputs, doc.data.targets, doc.loss, doc.training)
    state, losses = trainer.initial_state(), []
    for _ in range(10):
        result = trainer.step(state)
        losses.append(result.loss)
        state = result.after
    assert data["losses"] == losses  # JSON floats round-trip exactly
    assert list(data["parameters"].values()) == state.params.tolist()


def test_train_out_writes_a_loadable_document(tmp_path: Path) -> None:
    out = tmp_path / "trained.json"
    data = json.loads(ok("train", REF, "--steps", "5", "--json", "--out", str(out)))
    trained = document.load(out)
    assert trained.network.as_dict() == data["parameters"]
    original = document.load(ref.REFERENCE_JSON)
    assert trained.loss == original.loss and trained.training == original.training
    np.testing.assert_array_equal(trained.data.inputs, original.data.inputs)
    # training on from the saved file continues the same trajectory (gd has no state)
    more = json.loads(ok("train", str(out), "--steps", "3", "--json"))
    all_at_once = json.loads(ok("train", REF, "--steps", "8", "--json"))
    np.testing.assert_allclose(more["losses"], all_at_once["losses"][5:], rtol=1e-15)


def test_train_text_output(tmp_path: Path) -> None:
    out = tmp_path / "t.json"
    text = ok("train", REF, "--steps", "3", "--out", str(out))
    assert text.startswith("3 steps of gd (learning rate 0.01, batch size 1)\n")
    assert "loss: first 0.184979383," in text
    assert "  w5 = " in text and "  b2 = " in text
    assert f"saved to {out}" in text
    assert out.exists()


def test_train_zero_steps() -> None:
    data = json.loads(ok("train", REF, "--steps", "0", "--json"))
    assert data == {"losses": [], "parameters": ref.PARAMETERS, "health": []}


def test_train_divergence_exits_1_with_the_message(tmp_path: Path) -> None:
    raw = _reference_raw()
    raw["layers"][2]["activation"] = "linear"
    raw["training"]["learning_rate"] = 1e6
    proc = run("train", _write(tmp_path, raw), "--steps", "50", "--json")
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "diverged at step" in proc.stderr
    data = json.loads(proc.stdout)
    assert all(math.isfinite(v) for v in data["losses"])
    assert all(math.isfinite(v) for v in data["parameters"].values())
    assert len(data["losses"]) < 50


# --- errors -----------------------------------------------------------------------------------

def test_missing_file(tmp_path: Path) -> None:
    message = fails("explain", str(tmp_path / "nope.json"))
    assert message == "error: nope.json: no such file"
    assert fails("train", str(tmp_path / "nope.json"), "--steps", "1") == message


@pytest.mark.parametrize("mutate,expected", [
    (lambda raw: raw.update(loss="hinge"), "loss: unknown loss"),
    (lambda raw: raw["weights"].pop(), "weights:"),
    (lambda raw: raw.update(version=9), "version:"),
])
def test_bad_document(tmp_path: Path, mutate: Any, expected: str) -> None:
    raw = _reference_raw()
    mutate(raw)
    path = _write(tmp_path, raw, "bad.json")
    for args in (("explain", path), ("explain", path, "--json"),
                 ("train", path, "--steps", "2")):
        message = fails(*args)
        assert message.startswith(f"error: bad.json: {expected}"), message


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello", encoding="utf-8")
    assert fails("explain", str(path)).startswith("error: notes.txt: not valid JSON")


@pytest.mark.parametrize("args", [
    (),
    ("frobnicate",),
    ("explain",),
    ("explain", REF, "--format", "xml"),
    ("explain", REF, "--digits", "zero"),
    ("explain", REF, "--digits", "0"),
    ("explain", REF, "--digits", "18"),
    ("explain", REF, "--bogus"),
    ("train", REF),
    ("train", REF, "--steps", "many"),
    ("train", REF, "--steps", "-1"),
    ("train", REF, "--steps", "1.5"),
])
def test_bad_arguments(args: tuple[str, ...]) -> None:
    message = fails(*args) if args and args[0] in ("explain", "train") else None
    if message is None:
        # No command at all or an unknown one is handled by the app entry point when it is
        # not a command; run the command line directly to check its own parser.
        proc = subprocess.run([sys.executable, "-c",
                               "import sys; from simulator.cli import main; "
                               "sys.exit(main(sys.argv[1:]))", *args],
                              capture_output=True, text=True, cwd=ref.REPO, timeout=120)
        assert proc.returncode == 2
        assert proc.stderr.count("\n") == 1 and proc.stdout == ""
        message = proc.stderr.strip()
    assert message.startswith("error: ")


def test_train_out_to_a_missing_folder(tmp_path: Path) -> None:
    message = fails("train", REF, "--steps", "1", "--out", str(tmp_path / "no" / "x.json"))
    assert message.startswith("error: x.json: cannot be saved")


needs_surface = pytest.mark.skipif(importlib.util.find_spec("simulator.engine.surface") is None,
                                   reason="the surface command is not implemented yet")


@needs_surface
def test_surface_unknown_parameter() -> None:
    message = fails("surface", REF, "--axes", "w5", "w99")
    assert "w99" in message


@needs_surface
def test_surface_json_has_the_grid() -> None:
    data = json.loads(ok("surface", REF, "--axes", "w5", "w6", "--grid", "5", "--json"))
    assert data["axes"] == ["w5", "w6"]
    assert len(data["x"]) == len(data["y"]) == 5
    assert np.array(data["loss"]).shape == (5, 5)
