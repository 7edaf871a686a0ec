"""The document format: exact round trips, atomic saves, and every kind of bad document."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.engine import document
from simulator.engine.datasets import Dataset
from simulator.engine.document import Document, DocumentError
from simulator.engine.limits import MAX_SEED
from simulator.engine.network import BIAS_MODES, LayerSpec, Network
from simulator.engine.optimizers import OPTIMIZER_NAMES, TrainingConfig

from . import _reference as ref

REFERENCE_TEXT = ref.REFERENCE_JSON.read_text(encoding="utf-8")


def reference_raw() -> dict[str, Any]:
    return json.loads(REFERENCE_TEXT)


# --- round trips ------------------------------------------------------------------------------

def test_reference_round_trip_is_exact() -> None:
    doc = document.load(ref.REFERENCE_JSON)
    text = doc.to_json()
    again = document.loads(text)
    assert again.to_json() == text
    assert document.dumps(again) == text
    np.testing.assert_array_equal(again.network.params, doc.network.params)
    assert again.name == "Reference example"
    assert json.loads(text) == {**reference_raw()}  # nothing lost or invented


def test_save_then_load_gives_the_same_document(tmp_path: Path) -> None:
    doc = document.load(ref.REFERENCE_JSON)
    path = tmp_path / "net.json"
    document.save(doc, path)
    loaded = document.load(path)
    assert loaded.to_json() == doc.to_json()
    assert path.read_text(encoding="utf-8") == doc.to_json()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json"]


def test_saving_over_an_existing_file_replaces_it(tmp_path: Path) -> None:
    path = tmp_path / "net.json"
    path.write_text("old", encoding="utf-8")
    doc = document.load(ref.REFERENCE_JSON)
    document.save(doc, path)
    assert document.load(path).to_json() == doc.to_json()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json"]


def test_a_failed_save_leaves_the_old_file_whole_and_no_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "net.json"
    path.write_text(REFERENCE_TEXT, encoding="utf-8")
    doc = document.load(ref.REFERENCE_JSON).with_changes(name="Changed")

    def failing_replace(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(DocumentError) as info:
        document.save(doc, path)
    assert str(info.value).startswith("net.json: cannot be saved")
    assert "No space left on device" in str(info.value)
    assert path.read_text(encoding="utf-8") == REFERENCE_TEXT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json"]


def test_a_failed_write_leaves_the_old_file_whole(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "net.json"
    path.write_text(REFERENCE_TEXT, encoding="utf-8")

    def failing_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(DocumentError):
        document.save(document.load(ref.REFERENCE_JSON).with_changes(name="X"), path)
    assert path.read_text(encoding="utf-8") == REFERENCE_TEXT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json"]


def test_saving_into_a_missing_folder_is_a_document_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"^net\.json: cannot be saved"):
        document.save(document.load(ref.REFERENCE_JSON), tmp_path / "nope" / "net.json")


@st.composite
def documents(draw: st.DrawFn) -> Document:
    n_in = draw(st.integers(1, 4))
    layers = [LayerSpec(draw(st.integers(1, 5)), draw(st.sampled_from(
        ["sigmoid", "tanh", "relu", "leaky_relu", "linear"])), draw(st.sampled_from(BIAS_MODES)))
        for _ in range(draw(st.integers(0, 3)))]
    out_act = draw(st.sampled_from(["sigmoid", "softmax", "linear"]))
    layers.append(LayerSpec(draw(st.integers(1, 4)), out_act, draw(st.sampled_from(BIAS_MODES))))
    loss = draw(st.sampled_from({"sigmoid": ["half_sse", "mse", "binary_cross_entropy"],
                                 "softmax": ["cross_entropy", "binary_cross_entropy", "mse"],
                                 "linear": ["half_sse", "mse"]}[out_act]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    count = Network.count_parameters(n_in, layers)
    # Awkward floats on purpose: they must round-trip bit for bit.
    params = rng.normal(size=count) * 10.0 ** rng.integers(-8, 4, count)
    probe = Network.create(n_in, layers, params)
    frozen = [n for n in probe.names if draw(st.booleans()) and rng.uniform() < 0.3]
    network = Network.create(n_in, layers, params, frozen)
    n = draw(st.integers(1, 6))
    m = layers[-1].size
    targets = rng.dirichlet(np.ones(m), n) if loss == "cross_entropy" else rng.uniform(0, 1, (n, m))
    test = draw(st.booleans())
    data = Dataset(rng.normal(size=(n, n_in)), targets,
                   rng.normal(size=(2, n_in)) if test else None,
                   rng.dirichlet(np.ones(m), 2) if test else None)
    training = TrainingConfig(draw(st.sampled_from(OPTIMIZER_NAMES)),
                              learning_rate=float(rng.uniform(1e-4, 1)),
                              batch_size=draw(st.integers(1, 10)),
                              seed=draw(st.integers(0, MAX_SEED)),
                              momentum=float(rng.uniform(0, 0.99)),
                              beta1=draw(st.sampled_from([0.9, 0.8])),
                              eps=draw(st.sampled_from([1e-8, 1e-6])))
    # Names are text without control characters or unpaired surrogates (both refused).
    name = draw(st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20))
    source = draw(st.sampled_from([{}, {"kind": "xor"}, {"kind": "circle", "seed": 3,
                                                         "noise": 0.1}]))
    return Document(network, loss, training, data, name, source)


@given(documents())
def test_any_document_round_trips_exactly(doc: Document) -> None:
    text = doc.to_json()
    again = document.loads(text)
    assert again.to_json() == text
    np.testing.assert_array_equal(again.network.params, doc.network.params)
    assert again.network.frozen == doc.network.frozen
    assert again.network.layers == doc.network.layers
    assert again.training == doc.training
    assert again.loss == doc.loss and again.name == doc.name
    assert again.data_source == doc.data_source
    np.testing.assert_array_equal(again.data.inputs, doc.data.inputs)
    np.testing.assert_array_equal(again.data.targets, doc.data.targets)
    assert (again.data.test_inputs is None) == (doc.data.test_inputs is None)


def test_loading_accepts_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + REFERENCE_TEXT.encode("utf-8"))
    assert document.load(path).network.as_dict() == ref.PARAMETERS


def test_optional_fields_default() -> None:
    raw = reference_raw()
    del raw["name"], raw["frozen"], raw["training"]["batch_size"], raw["training"]["seed"]
    doc = document.from_dict(raw)
    assert doc.name == "Untitled" and doc.network.frozen == frozenset()
    assert doc.training.batch_size == 1 and doc.training.seed == 0


# --- bad documents ---------------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    """A mutation setting raw[a][b]... (path like "layers.1.activation") to value."""
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]

    def mutate(raw: dict[str, Any]) -> None:
        obj = raw
        for k in keys[:-1]:
            obj = obj[k]
        obj[keys[-1]] = value
    return mutate


def _delete(path: str) -> Mutation:
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]

    def mutate(raw: dict[str, Any]) -> None:
        obj = raw
        for k in keys[:-1]:
            obj = obj[k]
        del obj[keys[-1]]
    return mutate


def _both(*mutations: Mutation) -> Mutation:
    def mutate(raw: dict[str, Any]) -> None:
        for m in mutations:
            m(raw)
    return mutate


SOFTMAX_CE = _both(_set("layers.2.activation", "softmax"), _set("loss", "cross_entropy"))

BAD_DOCUMENTS: list[tuple[str, Mutation, str]] = [
    # shapes
    ("weights rows", _set("weights.0", [[0.1, 0.15]]), "weights[0]"),
    ("weights extra row", _set("weights.1", [[0.18, 0.06], [0.11, 0.26], [1.0, 1.0]]),
     "weights[1]"),
    ("weights cols", _set("weights.1.1", [0.11]), "weights[1][1]"),
    ("weights row not a list", _set("weights.0.0", 0.1), "weights[0][0]"),
    ("weights count", _set("weights", [[[0.1, 0.15], [0.03, 0.08]]]), "weights"),
    ("shared bias count", _set("biases.0", [0.05, 0.06]), "biases[0]"),
    ("shared bias empty", _set("biases.1", []), "biases[1]"),
    ("neuron bias count", _set("layers.1.bias", "neuron"), "biases[0]"),
    ("neuron bias count too many", _both(_set("layers.2.bias", "neuron"),
                                         _set("biases.1", [0.1, 0.2, 0.3])), "biases[1]"),
    ("no bias but a value", _set("layers.2.bias", "none"), "biases[1]"),
    ("biases count", _set("biases", [[0.05]]), "biases"),
    ("layer size vs weights", _set("layers.1.size", 3), "weights[0]"),
    # unknown names
    ("unknown activation", _set("layers.1.activation", "swish"), "layers[1].activation"),
    ("softmax on a hidden layer", _set("layers.1.activation", "softmax"),
     "layers[1].activation"),
    ("unknown loss", _set("loss", "hinge"), "loss"),
    ("unknown optimizer", _set("training.optimizer", "rmsprop"), "training.optimizer"),
    ("unknown bias mode", _set("layers.2.bias", "per_layer"), "layers[2].bias"),
    ("unknown frozen parameter", _set("frozen", ["w1", "w99"]), "frozen[1]"),
    ("unknown top-level field", _set("colour", "red"), "colour"),
    ("unknown training field", _set("training.nesterov", True), "training.nesterov"),
    ("unknown layer field", _set("layers.1.dropout", 0.5), "layers[1].dropout"),
    ("unknown input layer field", _set("layers.0.activation", "sigmoid"),
     "layers[0].activation"),
    ("unknown data field", _set("data.weights", []), "data.weights"),
    # missing keys
    *[(f"missing {key}", _delete(key), key)
      for key in ("version", "layers", "weights", "biases", "loss", "training", "data")],
    ("missing layer size", _delete("layers.1.size"), "layers[1].size"),
    ("missing activation", _delete("layers.2.activation"), "layers[2].activation"),
    ("missing bias mode", _delete("layers.1.bias"), "layers[1].bias"),
    ("missing optimizer", _delete("training.optimizer"), "training.optimizer"),
    ("missing learning rate", _delete("training.learning_rate"), "training.learning_rate"),
    ("missing inputs", _delete("data.inputs"), "data.inputs"),
    ("missing targets", _delete("data.targets"), "data.targets"),
    # versions and format
    ("newer version", _set("version", 3), "version"),
    ("version zero", _set("version", 0), "version"),
    ("version text", _set("version", "1"), "version"),
    ("wrong format", _set("format", "keras"), "format"),
    ("missing format", _delete("format"), "format"),
    # wrong types
    ("layers not a list", _set("layers", {"size": 2}), "layers"),
    ("one layer only", _set("layers", [{"size": 2}]), "layers"),
    ("layer not an object", _set("layers.1", 2), "layers[1]"),
    ("size as text", _set("layers.1.size", "2"), "layers[1].size"),
    ("size fractional", _set("layers.0.size", 2.5), "layers[0].size"),
    ("size zero", _set("layers.2.size", 0), "layers[2].size"),
    ("size too large", _set("layers.1.size", 65), "layers[1].size"),
    ("too many layers", _set("layers", [{"size": 2}] + [{"size": 2, "activation": "sigmoid",
                                                          "bias": "shared"}] * 12), "layers"),
    ("weight as text", _set("weights.0.0.0", "0.1"), "weights[0][0][0]"),
    ("weight null", _set("weights.1.1.1", None), "weights[1][1][1]"),
    ("weight as list", _set("weights.0.1.0", [0.1]), "weights[0][1][0]"),
    ("bias as list", _set("biases.0.0", [0.05]), "biases[0][0]"),
    ("input as list", _set("data.inputs.0.1", [0.06]), "data.inputs[0][1]"),
    ("target as list", _set("data.targets.0.0", []), "data.targets[0][0]"),
    ("bias as text", _set("biases.1.0", "0.42"), "biases[1][0]"),
    ("name not text", _set("name", 5), "name"),
    ("frozen not a list", _set("frozen", "w1"), "frozen"),
    ("frozen holds a number", _set("frozen", [1]), "frozen[0]"),
    ("training not an object", _set("training", []), "training"),
    ("data not an object", _set("data", [[0.95, 0.06]]), "data"),
    ("learning rate as text", _set("training.learning_rate", "0.01"), "training.learning_rate"),
    ("batch size fractional", _set("training.batch_size", 1.5), "training.batch_size"),
    ("seed as text", _set("training.seed", "0"), "training.seed"),
    ("learning rate negative", _set("training.learning_rate", -0.01), "training.learning_rate"),
    ("learning rate zero", _set("training.learning_rate", 0), "training.learning_rate"),
    ("batch size zero", _set("training.batch_size", 0), "training.batch_size"),
    ("momentum one", _set("training.momentum", 1.0), "training.momentum"),
    ("inputs not a list", _set("data.inputs", 0.95), "data.inputs"),
    ("inputs empty", _set("data.inputs", []), "data.inputs"),
    ("data source not an object", _set("data.source", "xor"), "data.source"),
    ("input names not names", _set("data.input_names", [1, 2]), "data.input_names"),
    # bool where a number belongs
    ("bool weight", _set("weights.0.0.0", True), "weights[0][0][0]"),
    ("bool bias", _set("biases.0.0", False), "biases[0][0]"),
    ("bool size", _set("layers.0.size", True), "layers[0].size"),
    ("bool learning rate", _set("training.learning_rate", True), "training.learning_rate"),
    ("bool batch size", _set("training.batch_size", True), "training.batch_size"),
    ("bool seed", _set("training.seed", False), "training.seed"),
    ("bool version", _set("version", True), "version"),
    ("bool input", _set("data.inputs.0.1", True), "data.inputs[0][1]"),
    ("bool target", _set("data.targets.0.0", False), "data.targets[0][0]"),
    # values out of range
    ("huge weight", _set("weights.0.1.1", 1e13), "weights[0][1][1]"),
    ("huge input", _set("data.inputs.0.0", -1e300), "data.inputs[0][0]"),
    # data widths
    ("input too wide", _set("data.inputs", [[0.95, 0.06, 1.0]]), "data.inputs[0]"),
    ("input too narrow", _set("data.inputs", [[0.95]]), "data.inputs[0]"),
    ("target too narrow", _set("data.targets", [[0.05]]), "data.targets[0]"),
    ("second sample too wide", _set("data.inputs", [[0.95, 0.06], [1, 2, 3]]),
     "data.inputs[1]"),
    ("sample counts differ", _set("data.targets", [[0.05, 0.82], [0.1, 0.2]]), "data.targets"),
    ("test inputs without targets", _set("data.test_inputs", [[0.1, 0.2]]), "data"),
    ("test target width", _both(_set("data.test_inputs", [[0.1, 0.2]]),
                                _set("data.test_targets", [[0.1]])), "data.test_targets[0]"),
    # losses and their targets
    ("cross entropy targets not summing to 1", SOFTMAX_CE, "data.targets[0]"),
    ("cross entropy second sample", _both(
        SOFTMAX_CE, _set("data.inputs", [[0.95, 0.06], [0.1, 0.1]]),
        _set("data.targets", [[0.25, 0.75], [0.5, 0.6]])), "data.targets[1]"),
    ("cross entropy negative target", _both(SOFTMAX_CE, _set("data.targets", [[1.5, -0.5]])),
     "data.targets"),
    ("cross entropy test targets", _both(
        SOFTMAX_CE, _set("data.targets", [[0.25, 0.75]]),
        _set("data.test_inputs", [[0.1, 0.2]]), _set("data.test_targets", [[0.3, 0.3]])),
     "data.test_targets[0]"),
    ("cross entropy needs softmax", _both(_set("loss", "cross_entropy"),
                                          _set("data.targets", [[0.25, 0.75]])), "loss"),
    ("binary cross entropy targets out of range", _both(
        _set("loss", "binary_cross_entropy"), _set("data.targets", [[0.05, 1.2]])),
     "data.targets"),
    ("binary cross entropy needs outputs in (0, 1)", _both(
        _set("loss", "binary_cross_entropy"), _set("layers.2.activation", "tanh")), "loss"),
]


def _message(raw: Any) -> str:
    with pytest.raises(DocumentError) as info:
        document.from_dict(raw)
    return str(info.value)


def _names_path(message: str, path: str) -> bool:
    """The message begins with the field path, then ':' or ' ' (what follows explains it)."""
    return message.startswith(path) and message[len(path):len(path) + 1] in (":", " ")


@pytest.mark.parametrize("what,mutate,path", BAD_DOCUMENTS, ids=[b[0] for b in BAD_DOCUMENTS])
def test_bad_document_names_the_field(what: str, mutate: Mutation, path: str) -> None:
    raw = reference_raw()
    mutate(raw)
    message = _message(raw)
    assert _names_path(message, path), f"{what}: {message!r} does not start with {path!r}"
    assert "\n" not in message
    # and the same through JSON text and a file
    text = json.dumps(raw)
    with pytest.raises(DocumentError) as info:
        document.loads(text)
    assert str(info.value) == message


def test_the_mutations_start_from_a_good_document() -> None:
    assert document.from_dict(reference_raw()).network.as_dict() == ref.PARAMETERS
    raw = reference_raw()
    SOFTMAX_CE(raw)
    raw["data"]["targets"] = [[0.25, 0.75]]
    assert document.from_dict(raw).loss == "cross_entropy"


@pytest.mark.parametrize("literal,path", [
    ("NaN", "weights[0][0][0]"), ("Infinity", "weights[0][0][0]"),
    ("-Infinity", "weights[0][0][0]"),
])
def test_nan_and_infinity_in_json_text(literal: str, path: str) -> None:
    text = REFERENCE_TEXT.replace("[[[0.10, 0.15]", f"[[[{literal}, 0.15]", 1)
    assert literal in text
    with pytest.raises(DocumentError) as info:
        document.loads(text)
    message = str(info.value)
    assert _names_path(message, path), message
    assert literal in message and "finite" in message


def test_nan_in_data_and_training() -> None:
    text = REFERENCE_TEXT.replace('"targets": [[0.05, 0.82]]', '"targets": [[NaN, 0.82]]')
    with pytest.raises(DocumentError, match=r"^data\.targets\[0\]\[0\]: .*finite"):
        document.loads(text)
    text = REFERENCE_TEXT.replace('"learning_rate": 0.01', '"learning_rate": Infinity')
    with pytest.raises(DocumentError, match=r"^training\.learning_rate: .*finite"):
        document.loads(text)


@pytest.mark.parametrize("text,expected", [
    ("", "not valid JSON"),
    ("{", "not valid JSON"),
    ("{'format': 'backprop-lab'}", "not valid JSON"),
    ("[1, 2, 3]", "not a Backprop Lab document"),
    ("42", "not a Backprop Lab document"),
    ("[" * 100_000 + "]" * 100_000, "not a Backprop Lab document"),
])
def test_not_json_or_not_a_document(text: str, expected: str) -> None:
    with pytest.raises(DocumentError) as info:
        document.loads(text)
    assert expected in str(info.value)


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"^missing\.json: no such file"):
        document.load(tmp_path / "missing.json")
    with pytest.raises(DocumentError, match="is a folder"):
        document.load(tmp_path)
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DocumentError, match=r"^binary\.json: not a text file"):
        document.load(binary)
    bad = tmp_path / "bad.json"
    raw = reference_raw()
    raw["loss"] = "hinge"
    bad.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(DocumentError, match=r"^bad\.json: loss: unknown loss"):
        document.load(bad)


def test_a_document_built_in_code_is_validated_too() -> None:
    doc = document.load(ref.REFERENCE_JSON)
    with pytest.raises(DocumentError, match=r"^loss:"):
        doc.with_changes(loss="cross_entropy")
    with pytest.raises(DocumentError, match=r"^data\.inputs:"):
        doc.with_changes(data=Dataset(np.zeros((1, 3)), np.zeros((1, 2))))


def test_bad_documents_do_not_share_state_with_the_reference() -> None:
    raw = reference_raw()
    kept = copy.deepcopy(raw)
    for _, mutate, _ in BAD_DOCUMENTS[:5]:
        mutate(copy.deepcopy(raw))
    assert raw == kept
