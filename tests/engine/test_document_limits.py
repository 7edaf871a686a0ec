"""Issue 13, the loader half: one set of limits, one clear message, and the round trip.

Each test names the finding of issue 13 it covers. "Before" notes say what the old loader
did with the same input (checked once on the code before this change).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulator.engine import document, edits, limits
from simulator.engine.datasets import Dataset
from simulator.engine.document import Document, DocumentError
from simulator.engine.network import LayerSpec, Network
from simulator.engine.optimizers import TrainingConfig

from . import _reference as ref

REFERENCE_TEXT = ref.REFERENCE_JSON.read_text(encoding="utf-8")


def raw() -> dict[str, Any]:
    return json.loads(REFERENCE_TEXT)


def refused(text: str) -> str:
    """The loader's message for ``text``: a DocumentError on one printable line."""
    with pytest.raises(DocumentError) as info:
        document.loads(text)
    message = str(info.value)
    assert message.isprintable(), repr(message)  # no newline, no control character
    return message


def round_trips(doc: Document) -> None:
    """Whatever loads, saves; whatever saves, loads and saves again bit for bit."""
    text = doc.to_json()
    again = document.loads(text)
    assert again.to_json() == text


# --- finding 1: every exception on the load path is the loader's one-line error ------------

@pytest.mark.parametrize("digits", [400, 4_301, 5_001])
@pytest.mark.parametrize("where,path", [
    ('"weights": [[[0.10,', "weights[0][0][0]"),
    ('"version": 1,', "version"),
    ('"seed": 0}', "training.seed"),
    ('"batch_size": 1,', "training.batch_size"),
    ('"size": 2}', "layers[0].size"),
    ('"inputs": [[0.95,', "data.inputs[0][0]"),
])
def test_integers_of_hundreds_or_thousands_of_digits_are_refused_by_name(
        digits: int, where: str, path: str) -> None:
    # Before: OverflowError (math.isfinite) for 400 digits, ValueError (Python's limit of
    # 4,300 digits for int()) beyond; neither a DocumentError.
    number = "9" * digits
    _, _, rest = where.partition(": ")
    old_value = rest.rstrip(",}").lstrip("[")
    new = where.replace(old_value, number, 1)
    text = REFERENCE_TEXT.replace(where, new, 1)
    assert number in text
    message = refused(text)
    assert message.startswith(path + ":"), message
    assert f"{digits}-digit number" in message
    assert len(message) < 300


@pytest.mark.parametrize("literal", ["1e400", "-1e400", "123456789e999"])
def test_numbers_too_large_for_a_double_are_too_large_not_infinite(literal: str) -> None:
    text = REFERENCE_TEXT.replace('"learning_rate": 0.01', f'"learning_rate": {literal}')
    message = refused(text)
    assert message == f"training.learning_rate: {literal} is too large (the limit is 1e12)"


@pytest.mark.parametrize("field,value,path", [
    ("loss", ["half_sse"], "loss"),
    ("loss", {"name": "half_sse"}, "loss"),
    ("layers.1.activation", ["sigmoid"], "layers[1].activation"),
    ("layers.2.activation", {"a": 1}, "layers[2].activation"),
    ("layers.1.bias", ["shared"], "layers[1].bias"),
    ("training.optimizer", {"gd": True}, "training.optimizer"),
    ("frozen", [["w1"]], "frozen[0]"),
    ("frozen", [{"w1": 1}], "frozen[0]"),
])
def test_a_list_or_object_where_a_name_belongs_is_refused_by_name(field: str, value: Any,
                                                                   path: str) -> None:
    # Before: TypeError: unhashable type: 'list' / 'dict' ("x in LOSSES", "x in ACTIVATIONS").
    r = raw()
    *parents, last = [int(k) if k.isdigit() else k for k in field.split(".")]
    obj: Any = r
    for k in parents:
        obj = obj[k]
    obj[last] = value
    message = refused(json.dumps(r))
    assert message.startswith(path + ":"), message


def test_from_dict_with_python_values_a_file_cannot_hold() -> None:
    r = raw()
    r["weights"][0][0][0] = 10**5000  # built in code: no JSON reader in between
    with pytest.raises(DocumentError, match=r"^weights\[0\]\[0\]\[0\]: a 5001-digit number"):
        document.from_dict(r)
    r = raw()
    r[("a", "tuple")] = 1  # a key that is not text
    with pytest.raises(DocumentError, match="unknown field"):
        document.from_dict(r)


# --- finding 2: messages on one line, control characters shown escaped ---------------------

@pytest.mark.parametrize("key", ["bad\nkey", "tab\there", "bell\x07", "\u202eevil",
                                 "nul\x00", "line\u2028sep", "lone\udc80"])
def test_control_characters_in_keys_are_shown_escaped(key: str) -> None:
    # Before: the key was echoed raw: a message on two lines for "bad\nkey".
    r = raw()
    r["training"][key] = 1
    message = refused(json.dumps(r))
    assert message.startswith("training.")
    assert "unknown field" in message
    assert repr(key)[1:-1] in message


def test_control_characters_in_values_are_shown_escaped() -> None:
    r = raw()
    r["loss"] = "half_sse\nmse"
    assert refused(json.dumps(r)).startswith('loss: unknown loss "half_sse\\nmse"')
    r = raw()
    r["name"] = "two\nlines"
    assert refused(json.dumps(r)) == ("name: must not hold control characters (found \\n at "
                                      "character 4)")


def test_a_file_name_with_a_newline_is_shown_escaped(tmp_path: Path) -> None:
    path = tmp_path / "two\nlines.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(DocumentError) as info:
        document.load(path)
    assert str(info.value).startswith("two\\nlines.json: not valid JSON")


def test_every_document_error_is_one_line() -> None:
    assert str(DocumentError("a\nb\r\x1b[31m")) == "a\\nb\\r\\x1b[31m"


# --- finding 3: the round-trip guarantee -----------------------------------------------------

@pytest.mark.parametrize("source,path", [
    ('{"noise": NaN}', "data.source.noise"),
    ('{"noise": Infinity}', "data.source.noise"),
    ('{"x": [1, 2, -Infinity]}', "data.source.x[2]"),
    ('{"x": 1e400}', "data.source.x"),
    ('{"x": 10000000000000}', "data.source.x"),
    ('{"seed": 4294967296}', "data.source.seed"),
    ('{"n": 0}', "data.source.n"),
    ('{"noise": -0.1}', "data.source.noise"),
    ('{"one_hot": 1}', "data.source.one_hot"),
    ('{"input_columns": [1, "a", 1.5]}', "data.source.input_columns[2]"),
    ('{"kind": 3}', "data.source.kind"),
])
def test_a_source_that_could_not_be_saved_is_refused_on_load(source: str, path: str) -> None:
    # Before: {"noise": NaN} loaded, and then Save raised ValueError (allow_nan=False).
    text = REFERENCE_TEXT.replace('"targets": [[0.05, 0.82]]}',
                                  f'"targets": [[0.05, 0.82]], "source": {source}}}')
    assert source in text
    assert refused(text).startswith(path + ":")


@pytest.mark.parametrize("depth", [9, 50, 1_000, 100_000])
def test_a_deeply_nested_source_is_refused_on_load(depth: int) -> None:
    # Before: 1,000 levels loaded, then Save raised RecursionError.
    nested = '{"a": ' * depth + "1" + "}" * depth
    text = REFERENCE_TEXT.replace('"targets": [[0.05, 0.82]]}',
                                  f'"targets": [[0.05, 0.82]], "source": {nested}}}')
    message = refused(text)
    assert "nested too deeply" in message
    assert len(message) < 300


def test_a_source_at_the_limits_saves_and_reopens_bit_for_bit() -> None:
    nested: Any = "leaf \n\x00\udc80 \U0001f600"
    for _ in range(limits.MAX_SOURCE_DEPTH - 1):
        nested = {"k": nested}
    source = {"kind": "circle", "n": limits.MAX_SAMPLES, "seed": limits.MAX_SEED,
              "noise": limits.MAX_NOISE, "test_fraction": limits.MAX_TEST_FRACTION,
              "one_hot": True, "path": "/tmp/\udcff.csv", "deep": nested,
              "tiny": 5e-324, "neg": -0.0, "big": -limits.MAX_ABS_VALUE, "none": None}
    doc = document.load(ref.REFERENCE_JSON)
    doc = edits.set_data(doc, doc.data, source)
    round_trips(doc)
    assert document.loads(doc.to_json()).data_source == source


def test_the_edits_cannot_make_a_document_that_would_not_save() -> None:
    doc = document.load(ref.REFERENCE_JSON)
    with pytest.raises(DocumentError, match=r"^data\.source\.noise: must be a finite"):
        edits.set_data(doc, doc.data, {"noise": float("nan")})
    with pytest.raises(DocumentError, match="nested too deeply"):
        deep: Any = 1
        for _ in range(1000):
            deep = [deep]
        edits.set_data(doc, doc.data, {"x": deep})
    with pytest.raises(DocumentError, match="must be a JSON value"):
        edits.set_data(doc, doc.data, {"x": object()})
    with pytest.raises(DocumentError, match=r"^data\.source\.seed:"):
        edits.set_data(doc, doc.data, {"kind": "circle", "seed": 2**31})
    # NumPy numbers and tuples are stored as the JSON values they are saved as.
    kept = edits.set_data(doc, doc.data, {"seed": np.int64(3), "noise": np.float64(0.5),
                                          "cols": (1, 2)}).data_source
    assert kept == {"seed": 3, "noise": 0.5, "cols": [1, 2]}
    assert type(kept["seed"]) is int and type(kept["noise"]) is float


def test_the_source_is_a_private_copy() -> None:
    doc = document.load(ref.REFERENCE_JSON)
    source: dict[str, Any] = {"kind": "xor", "extra": [1]}
    doc = edits.set_data(doc, doc.data, source)
    source["extra"].append(float("nan"))
    source["kind"] = 5
    round_trips(doc)


def test_column_names_are_saved() -> None:
    # Before: input_names/target_names were read but never written: lost on save.
    r = raw()
    r["data"]["input_names"] = ["height", "weight"]
    r["data"]["target_names"] = ["p", "q \U0001f600"]
    doc = document.from_dict(r)
    round_trips(doc)
    again = document.loads(doc.to_json())
    assert again.data.input_names == ("height", "weight")
    assert again.data.target_names == ("p", "q \U0001f600")


# --- finding 4 (engine side): the same limits for the loader, the edits and the widgets -----

@pytest.mark.parametrize("key,good,bad", [
    ("learning_rate", [limits.MIN_LEARNING_RATE, limits.MAX_LEARNING_RATE],
     [1e13, 1e308, limits.MAX_LEARNING_RATE * 1.0000001, 1e-9]),
    ("eps", [limits.MIN_EPS, limits.MAX_EPS], [1e13, 1e308, 0.0, 1e-13]),
    ("momentum", [limits.MIN_DECAY, limits.MAX_DECAY], [0.9999999, 1.0]),
    ("beta1", [limits.MIN_DECAY, limits.MAX_DECAY], [0.9999999, -0.1]),
    ("beta2", [limits.MIN_DECAY, limits.MAX_DECAY], [0.9999999]),
    ("batch_size", [limits.MIN_BATCH_SIZE, limits.MAX_BATCH_SIZE], [2**31, 0, 100_001]),
    ("seed", [limits.MIN_SEED, limits.MAX_SEED], [2**31, 2**63 - 1, -1]),
])
def test_training_settings_accepted_by_an_edit_save_and_reopen(key: str, good: list[Any],
                                                               bad: list[Any]) -> None:
    # Before: a learning rate of 1e13 was accepted by the edit, saved, and then refused on
    # load ("too large (the limit is 1e+12)"); a seed of 2^31 broke the Qt spin boxes.
    doc = document.load(ref.REFERENCE_JSON)
    optimizer = "adam" if key in ("eps", "beta1", "beta2") else \
        "momentum" if key == "momentum" else "sgd"
    doc = edits.set_training(doc, optimizer=optimizer)
    for value in good:
        changed = edits.set_training(doc, **{key: value})
        round_trips(changed)
        assert getattr(document.loads(changed.to_json()).training, key) == value
    for value in bad:
        with pytest.raises(ValueError) as info:
            edits.set_training(doc, **{key: value})
        assert str(info.value).startswith(f"training.{key}:") or \
            str(info.value).startswith(f"{key} must"), str(info.value)
        r = json.loads(doc.to_json())
        r["training"][key] = value
        assert refused(json.dumps(r)).startswith(f"training.{key}:")


def test_limits_fit_a_qt_spin_box() -> None:
    for bound in (limits.MAX_SEED, limits.MAX_BATCH_SIZE, limits.MAX_SAMPLES,
                  limits.MAX_CSV_COLUMNS, limits.MAX_NEURONS, limits.MAX_LAYERS):
        assert isinstance(bound, int) and 0 < bound <= 2**31 - 1


def test_a_parameter_or_a_value_past_the_limit_cannot_be_in_a_document() -> None:
    doc = document.load(ref.REFERENCE_JSON)
    with pytest.raises(DocumentError, match=r"^weights\[1\]\[0\]\[0\]: w5 = 4\.06e\+156 is "
                                            r"too large"):
        edits.set_parameters(doc, np.where(np.arange(10) == 4, 4.06e156, doc.network.params))
    with pytest.raises(DocumentError, match=r"^biases\[1\]\[0\]: b2 = 1e13 is too large"):
        doc.with_changes(network=doc.network.with_params(
            np.where(np.arange(10) == 9, 1e13, doc.network.params)))
    with pytest.raises(DocumentError, match=r"^data\.inputs\[0\]\[1\]: 1e13 is too large"):
        doc.with_changes(data=Dataset([[0.95, 1e13]], [[0.05, 0.82]]))
    with pytest.raises(DocumentError, match=r"^name: longer than 256"):
        edits.set_name(doc, "x" * 257)
    wide = edits.new_document((11, 2, 10))
    with pytest.raises(DocumentError, match=r"^data: 2,100,000 numbers"):
        wide.with_changes(data=Dataset(np.zeros((100_000, 11)), np.zeros((100_000, 10))))


@pytest.mark.parametrize("text,path", [
    ('{"format": "backprop-lab", "format": "backprop-lab"}', "format"),
    (REFERENCE_TEXT.replace('"seed": 0}', '"seed": 0, "seed": 1}'), "training.seed"),
    (REFERENCE_TEXT.replace('{"size": 2},', '{"size": 2, "size": 3},', 1), "layers[0].size"),
    (REFERENCE_TEXT.replace('"loss": "half_sse",', '"loss": "mse", "loss": "half_sse",'),
     "loss"),
    (REFERENCE_TEXT.replace('"targets": [[0.05, 0.82]]}',
                            '"targets": [[0.05, 0.82]], "source": {"a": {"b\\n": 1, '
                            '"b\\n": 2}}}'), "data.source.a.b\\n"),
])
def test_duplicate_keys_are_refused_by_name(text: str, path: str) -> None:
    # Finding 7: before, the last value silently won.
    assert refused(text) == f"{path}: the field appears more than once (each field may be " \
                            "given only once)"


# --- the limits bound the size of a file: whatever saves, loads -------------------------------

def test_the_largest_document_the_limits_allow_is_smaller_than_the_file_limit() -> None:
    """Every limit at once, with the longest texts JSON can write (astral characters take 12
    bytes each: two \\uXXXX escapes) and numbers of the longest form (24 characters)."""
    longest = -1.2345678901234567e-300
    inputs = (limits.MAX_DATA_VALUES // 2) // limits.MAX_SAMPLES - 1  # most brackets
    hidden = [LayerSpec(limits.MAX_NEURONS, "linear", "neuron")] * (limits.MAX_LAYERS - 2)
    layers = [*hidden, LayerSpec(1, "linear", "neuron")]
    net = Network.create(inputs, layers,
                         np.full(Network.count_parameters(inputs, layers), longest))
    net = net.with_frozen(net.names[:: 2])
    x = np.full((limits.MAX_SAMPLES, inputs), longest)
    t = np.full((limits.MAX_SAMPLES, 1), longest)
    name = "\U0001f600" * limits.MAX_NAME_LENGTH
    data = Dataset(x, t, x, t, input_names=(name,) * inputs, target_names=(name,))
    source = {f"{i:03d}" + "\U0001f600" * (limits.MAX_NAME_LENGTH - 3):
              "\U0001f600" * limits.MAX_PATH_LENGTH for i in range(limits.MAX_SOURCE_ITEMS - 1)}
    config = TrainingConfig("adam", learning_rate=1.2345678901234567e-8, batch_size=99_999,
                            seed=limits.MAX_SEED, beta1=0.12345678901234567,
                            eps=1.2345678901234567e-12)
    doc = Document(net, "mse", config, data, name, source)
    assert data.inputs.size + data.targets.size + x.size + t.size == limits.MAX_DATA_VALUES
    size = len(doc.to_json().encode("utf-8"))
    assert size <= limits.MAX_DOCUMENT_BYTES, f"{size:,} bytes"
    assert size > 0.8 * limits.MAX_DOCUMENT_BYTES  # the limit is not far off either


def test_a_text_over_the_file_limit_is_refused_before_parsing() -> None:
    text = " " * (limits.MAX_DOCUMENT_BYTES + 1)
    assert refused(text).startswith("too large to be a Backprop Lab document")


def test_overflowing_integers_and_floats_inside_unknown_fields_do_not_escape() -> None:
    text = REFERENCE_TEXT.replace('"frozen": [],', '"colour": ' + "9" * 5000 + ', "frozen": [],')
    assert refused(text).startswith("colour: unknown field")
    assert math.isinf(float("1e400"))  # the reason a marker stands in for it
