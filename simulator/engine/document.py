"""The saved network: a versioned JSON document, validated on load and saved atomically.

```
{"format": "backprop-lab", "version": 1, "name": "Reference example",
 "layers": [{"size": 2}, {"size": 2, "activation": "sigmoid", "bias": "shared"}, ...],
 "weights": [[[0.10, 0.15], [0.03, 0.08]], ...], "biases": [[0.05], [0.42]],
 "frozen": [], "loss": "half_sse",
 "training": {"optimizer": "gd", "learning_rate": 0.01, "batch_size": 1, "seed": 0},
 "data": {"inputs": [[0.95, 0.06]], "targets": [[0.05, 0.82]]}}
```

``weights[k]`` has the shape (size of layer k+1, size of layer k); ``biases[k]`` holds one
value per neuron ("neuron"), one ("shared") or none ("none"). ``data`` may also hold
``test_inputs`` and ``test_targets`` (a held-out split) and ``source`` (how it was made).
Version 2 added two optional things: ``"features"`` (the input features the input neurons
are made of, e.g. ``["x1", "x2", "x1*x2"]``, one per input neuron; the data then holds the
one or two inputs they are made from; see :mod:`simulator.engine.features`) and
``"l1"``/``"l2"`` in ``"training"`` (the weight penalty, 0 when absent). A document is saved
with the lowest version that holds what it uses, so one without features or penalty stays
version 1 and opens in an older Backprop Lab; version 1 files may not use them.

Loading refuses a bad document with one :class:`DocumentError` naming the field path, on
one line (control characters in keys and values are shown escaped); nothing else escapes
the loader. A file is checked before it is read (a regular file of at most
:data:`~simulator.engine.limits.MAX_DOCUMENT_BYTES`), duplicate keys are refused by name,
and every bound comes from :mod:`simulator.engine.limits`.

The round-trip guarantee: a :class:`Document` can only be made within those limits (the
loader, the edits and training all go through its validation), so whatever loads, saves,
and whatever saves, loads, and saves again bit for bit.
"""

from __future__ import annotations

import json
import math
import os
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from . import strict_json
from .activations import ACTIVATIONS
from .datasets import Dataset, DatasetError
from .features import FeatureError, check_features, check_raw_width
from .files import UnreadableFile, atomic_write, format_size, read_text
from .limits import (
    MAX_ABS_VALUE,
    MAX_BATCH_SIZE,
    MAX_CSV_COLUMNS,
    MAX_DATA_VALUES,
    MAX_DECAY,
    MAX_DOCUMENT_BYTES,
    MAX_EPS,
    MAX_L1,
    MAX_L2,
    MAX_LAYERS,
    MAX_LEARNING_RATE,
    MAX_NAME_LENGTH,
    MAX_NEURONS,
    MAX_NOISE,
    MAX_PATH_LENGTH,
    MAX_SAMPLES,
    MAX_SEED,
    MAX_SOURCE_DEPTH,
    MAX_SOURCE_ITEMS,
    MAX_TEST_FRACTION,
    MIN_BATCH_SIZE,
    MIN_DECAY,
    MIN_EPS,
    MIN_LEARNING_RATE,
    MIN_SEED,
)
from .losses import LOSSES
from .network import BIAS_MODES, LayerSpec, Network, NetworkError
from .optimizers import OPTIMIZER_NAMES, OptimizerError, TrainingConfig
from .strict_json import Unreadable
from .text import one_line, printable

FORMAT = "backprop-lab"
#: The newest version this Backprop Lab reads and writes.
VERSION = 2
#: The version that introduced each optional field (fields not listed are in version 1).
ADDED_IN = {"features": 2, "training.l1": 2, "training.l2": 2}

TOP_KEYS = {"format", "version", "name", "layers", "weights", "biases", "frozen", "loss",
            "training", "data", "features"}
TRAINING_KEYS = {"optimizer", "learning_rate", "batch_size", "seed", "momentum", "beta1",
                 "beta2", "eps", "l1", "l2"}
DATA_KEYS = {"inputs", "targets", "test_inputs", "test_targets", "source", "input_names",
             "target_names"}

#: The bounds of the training settings, by field: (smallest, largest), both allowed.
TRAINING_RANGES: dict[str, tuple[float, float]] = {
    "learning_rate": (MIN_LEARNING_RATE, MAX_LEARNING_RATE),
    "momentum": (MIN_DECAY, MAX_DECAY),
    "beta1": (MIN_DECAY, MAX_DECAY),
    "beta2": (MIN_DECAY, MAX_DECAY),
    "eps": (MIN_EPS, MAX_EPS),
    "l1": (0.0, MAX_L1),
    "l2": (0.0, MAX_L2),
}
TRAINING_INT_RANGES: dict[str, tuple[int, int]] = {
    "batch_size": (MIN_BATCH_SIZE, MAX_BATCH_SIZE),
    "seed": (MIN_SEED, MAX_SEED),
}


class DocumentError(ValueError):
    """A document that cannot be loaded or saved; the message names what is wrong, on one
    line (control characters in it are escaped)."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(str(message)))


@dataclass(frozen=True)
class Document:
    """A whole saved network: the network, its loss, how to train it and its data.

    Making one validates it against :mod:`~simulator.engine.limits` (raising
    :class:`DocumentError`), so every document in memory can be saved and reopened.
    """

    network: Network
    loss: str
    training: TrainingConfig
    data: Dataset
    name: str = "Untitled"
    data_source: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.loss, str):
            raise DocumentError(f"loss: must be the name of a loss, not {_show(self.loss)}")
        try:
            self.network.check_loss(self.loss)
        except NetworkError as exc:
            raise DocumentError(f"loss: {exc}") from None
        _check_text(self.name, "name")
        _check_training(self.training)
        _check_parameters(self.network)
        _check_data_fits(self.network, self.loss, self.data)
        # A private, JSON-ready copy: the caller's dict may change later, this one cannot.
        object.__setattr__(self, "data_source", check_source(self.data_source))

    def with_changes(self, **changes: Any) -> Document:
        """A copy with some fields replaced (validated again)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dictionary of the document."""
        net = self.network
        layers: list[dict[str, Any]] = [{"size": net.input_size}]
        layers += [{"size": s.size, "activation": s.activation, "bias": s.bias}
                   for s in net.layers]
        training: dict[str, Any] = {
            "optimizer": self.training.optimizer,
            "learning_rate": float(self.training.learning_rate),
            "batch_size": int(self.training.batch_size),
            "seed": int(self.training.seed),
        }
        defaults = TrainingConfig()
        for key in ("momentum", "beta1", "beta2", "eps"):
            value = getattr(self.training, key)
            if value != getattr(defaults, key) or key in self.training.hyper_parameters:
                training[key] = float(value)
        for key in ("l1", "l2"):
            if getattr(self.training, key):
                training[key] = float(getattr(self.training, key))
        data: dict[str, Any] = {"inputs": self.data.inputs.tolist(),
                                "targets": self.data.targets.tolist()}
        if self.data.test_inputs is not None and self.data.test_targets is not None:
            data["test_inputs"] = self.data.test_inputs.tolist()
            data["test_targets"] = self.data.test_targets.tolist()
        if self.data_source:
            data["source"] = self.data_source
        if self.data.input_names:
            data["input_names"] = list(self.data.input_names)
        if self.data.target_names:
            data["target_names"] = list(self.data.target_names)
        result: dict[str, Any] = {
            "format": FORMAT,
            "version": self.format_version(),
            "name": self.name,
            "layers": layers,
            "weights": [w.tolist() for w in net.weights],
            "biases": [b.tolist() for b in net.biases],
            "frozen": [n for n in net.names if n in net.frozen],
            "loss": self.loss,
            "training": training,
            "data": data,
        }
        if net.features:
            result["features"] = list(net.features)
        return result

    def format_version(self) -> int:
        """The lowest format version that holds this document (see :data:`ADDED_IN`)."""
        used = [key for key, present in (("features", bool(self.network.features)),
                                         ("training.l1", bool(self.training.l1)),
                                         ("training.l2", bool(self.training.l2))) if present]
        return max([1] + [ADDED_IN[key] for key in used])

    def to_json(self) -> str:
        """The document as JSON text (floats round-trip exactly)."""
        return json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n"


# --- reading JSON --------------------------------------------------------------------------

def _parse(text: str) -> Any:
    """The JSON value of ``text`` (:func:`~.strict_json.loads`: duplicate keys refused by
    their field, long integers and overflowing numbers marked for validation to name)."""
    try:
        return strict_json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"not valid JSON (line {exc.lineno}, column {exc.colno}: "
                            f"{exc.msg})") from None
    except RecursionError:
        raise DocumentError("not a Backprop Lab document (nested too deeply)") from None
    except MemoryError:
        raise DocumentError("too large to read") from None
    except strict_json.DuplicateKey as exc:
        raise DocumentError(f"{exc.path}: the field appears more than once (each field may "
                            "be given only once)") from None


def _key_path(path: str, key: Any) -> str:
    shown = printable(key, 40) if isinstance(key, str) else _show(key)
    return f"{path}.{shown}" if path else shown


# --- loading -------------------------------------------------------------------------------

def loads(text: str) -> Document:
    """Parse and validate a document from JSON text."""
    if len(text) > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"too large to be a Backprop Lab document ({format_size(len(text))}"
                            f" of text; the limit is {format_size(MAX_DOCUMENT_BYTES)})")
    return from_dict(_parse(text))


def load(path: str | os.PathLike[str]) -> Document:
    """Read and validate a document file. Errors name the file and the field.

    The file is refused before it is read if it is not a regular file or is larger than
    :data:`~simulator.engine.limits.MAX_DOCUMENT_BYTES`.
    """
    p = Path(path)
    name = printable(p.name or str(p), 80)
    try:
        text = read_text(p, MAX_DOCUMENT_BYTES)
    except UnreadableFile as exc:
        raise DocumentError(f"{name}: {exc}") from None
    try:
        return loads(text)
    except DocumentError as exc:
        raise DocumentError(f"{name}: {exc}") from None


def from_dict(raw: Any) -> Document:
    """Validate a parsed document. Raises :class:`DocumentError` naming the field path."""
    if not isinstance(raw, dict):
        raise DocumentError("not a Backprop Lab document (expected a JSON object)")
    if raw.get("format") != FORMAT:
        raise DocumentError(f"format: not a Backprop Lab document (format must be '{FORMAT}')")
    version = _require(raw, "version", "")
    if not _is_int(version) or version < 1:
        raise DocumentError(f"version: must be a whole number of at least 1, not "
                            f"{_show(version)}")
    if version > VERSION:
        raise DocumentError(f"version: the file is version {_show(version)}, made by a newer "
                            f"Backprop Lab; this one reads version {VERSION}")
    _no_unknown_keys(raw, TOP_KEYS, "")
    _check_added_fields(raw, version)
    for key in ("layers", "weights", "biases", "loss", "training", "data"):
        _require(raw, key, "")
    name = raw.get("name", "Untitled")
    _check_text(name, "name")

    input_size, specs = _layers(raw["layers"])
    sizes = [input_size] + [s.size for s in specs]
    params = _parameters(raw["weights"], raw["biases"], sizes, specs)
    features = _features(raw.get("features", []), input_size)
    try:
        network = Network.create(input_size, specs, params, features=features)
    except NetworkError as exc:
        raise DocumentError(f"layers: {exc}") from None
    network = network.with_frozen(_frozen(raw.get("frozen", []), network))

    loss = raw["loss"]
    if not isinstance(loss, str) or loss not in LOSSES:
        raise DocumentError(f"loss: unknown loss {_show(loss)} (known: {', '.join(LOSSES)})")
    training = _training(raw["training"])
    data, source = _data(raw["data"], network, loss)
    return Document(network, loss, training, data, name, source)


def _check_added_fields(raw: dict[str, Any], version: int) -> None:
    """Refuse a field the document's version does not have yet."""
    training = raw.get("training")
    for key, added in ADDED_IN.items():
        if added <= version:
            continue
        top, _, sub = key.partition(".")
        present = (sub in training if sub and isinstance(training, dict) else
                   not sub and top in raw)
        if present:
            raise DocumentError(f"{key}: needs version {added} of the format (the file says "
                                f"version {version}; set \"version\": {added})")


def _features(value: Any, input_size: int) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise DocumentError("features: must be a list of feature names, e.g. [\"x1\", "
                            "\"x2\", \"x1*x2\"]")
    try:
        features = check_features(value)
    except FeatureError as exc:
        raise DocumentError(f"features: {exc}") from None
    if features and len(features) != input_size:
        raise DocumentError(f"features: the input layer has {input_size} neurons, so it needs "
                            f"{input_size} features (one per neuron), got {len(features)}")
    return features


def _layers(value: Any) -> tuple[int, list[LayerSpec]]:
    if not isinstance(value, list) or len(value) < 2:
        raise DocumentError("layers: must be a list of at least two layers (inputs and outputs)")
    if len(value) > MAX_LAYERS:
        raise DocumentError(f"layers: at most {MAX_LAYERS} layers, got {len(value)}")
    specs: list[LayerSpec] = []
    input_size = 0
    for k, layer in enumerate(value):
        path = f"layers[{k}]"
        if not isinstance(layer, dict):
            raise DocumentError(f"{path}: must be an object like {{\"size\": 2}}")
        size = _require(layer, "size", path)
        if not _is_int(size) or not 1 <= size <= MAX_NEURONS:
            raise DocumentError(f"{path}.size: must be a whole number from 1 to {MAX_NEURONS}, "
                                f"not {_show(size)}")
        if k == 0:
            _no_unknown_keys(layer, {"size"}, path)
            input_size = size
            continue
        _no_unknown_keys(layer, {"size", "activation", "bias"}, path)
        act = _require(layer, "activation", path)
        if not isinstance(act, str) or act not in ACTIVATIONS:
            raise DocumentError(f"{path}.activation: unknown activation {_show(act)} "
                                f"(known: {', '.join(ACTIVATIONS)})")
        if act == "softmax" and k != len(value) - 1:
            raise DocumentError(f"{path}.activation: softmax is only allowed on the output layer")
        bias = _require(layer, "bias", path)
        if not isinstance(bias, str) or bias not in BIAS_MODES:
            raise DocumentError(f"{path}.bias: unknown bias mode {_show(bias)} "
                                f"(known: {', '.join(BIAS_MODES)})")
        specs.append(LayerSpec(size, act, bias))
    return input_size, specs


def _parameters(weights: Any, biases: Any, sizes: list[int],
                specs: list[LayerSpec]) -> np.ndarray:
    n = len(specs)
    if not isinstance(weights, list) or len(weights) != n:
        raise DocumentError(f"weights: must be a list of {n} matrices (one per layer after "
                            f"the inputs)")
    if not isinstance(biases, list) or len(biases) != n:
        raise DocumentError(f"biases: must be a list of {n} lists (one per layer after the "
                            f"inputs)")
    flat_w: list[np.ndarray] = []
    flat_b: list[np.ndarray] = []
    for k in range(n):
        rows, cols = sizes[k + 1], sizes[k]
        path = f"weights[{k}]"
        w = weights[k]
        if not isinstance(w, list) or len(w) != rows:
            raise DocumentError(f"{path}: expected {rows} rows (one per neuron of layer {k + 1}),"
                                f" got {_count(w)}")
        for r, row in enumerate(w):
            if not isinstance(row, list) or len(row) != cols:
                raise DocumentError(f"{path}[{r}]: expected {cols} values (one per neuron of "
                                    f"layer {k}), got {_count(row)}")
        flat_w.append(_numbers(w, path, 2).ravel())
        count = {"neuron": rows, "shared": 1, "none": 0}[specs[k].bias]
        path = f"biases[{k}]"
        b = biases[k]
        if not isinstance(b, list) or len(b) != count:
            raise DocumentError(f"{path}: layer {k + 1} has bias '{specs[k].bias}', so it needs "
                                f"{count} value{'s' if count != 1 else ''}, got {_count(b)}")
        flat_b.append(_numbers(b, path, 1) if count else np.zeros(0))
    return np.concatenate(flat_w + flat_b)


def _frozen(value: Any, network: Network) -> list[str]:
    if not isinstance(value, list):
        raise DocumentError("frozen: must be a list of parameter names")
    for i, name in enumerate(value):
        if not isinstance(name, str) or name not in network.index_of:
            raise DocumentError(f"frozen[{i}]: unknown parameter {_show(name)} (frozen must "
                                "list parameter names such as \"w1\")")
    return value


def _training(value: Any) -> TrainingConfig:
    if not isinstance(value, dict):
        raise DocumentError("training: must be an object")
    _no_unknown_keys(value, TRAINING_KEYS, "training")
    opt = _require(value, "optimizer", "training")
    if not isinstance(opt, str) or opt not in OPTIMIZER_NAMES:
        raise DocumentError(f"training.optimizer: unknown optimizer {_show(opt)} "
                            f"(known: {', '.join(OPTIMIZER_NAMES)})")
    kwargs: dict[str, Any] = {"optimizer": opt}
    _require(value, "learning_rate", "training")
    for key, (lo, hi) in TRAINING_RANGES.items():
        if key in value:
            kwargs[key] = _number_in(value[key], f"training.{key}", lo, hi)
    for key, (ilo, ihi) in TRAINING_INT_RANGES.items():
        if key in value:
            kwargs[key] = _int_in(value[key], f"training.{key}", ilo, ihi)
    try:
        return TrainingConfig(**kwargs)
    except OptimizerError as exc:
        raise DocumentError(f"training.{exc}") from None


def _data(value: Any, network: Network, loss: str) -> tuple[Dataset, dict[str, Any]]:
    if not isinstance(value, dict):
        raise DocumentError("data: must be an object")
    _no_unknown_keys(value, DATA_KEYS, "data")
    arrays: dict[str, np.ndarray | None] = {}
    in_width = _data_input_width(network, value)
    inputs_are = (f"the network has {in_width} inputs" if not network.features else
                  "like the first sample: the inputs its features are made from")
    outputs_are = f"the network has {network.output_size} outputs"
    fields = (("inputs", in_width, inputs_are),
              ("targets", network.output_size, outputs_are),
              ("test_inputs", in_width, inputs_are),
              ("test_targets", network.output_size, outputs_are))
    total = 0
    for key, width, why in fields:
        if key not in value:
            if key in ("inputs", "targets"):
                raise DocumentError(f"data.{key}: missing")
            continue
        rows = value[key]
        path = f"data.{key}"
        if not isinstance(rows, list) or not rows:
            raise DocumentError(f"{path}: must be a non-empty list of samples")
        if len(rows) > MAX_SAMPLES:
            raise DocumentError(f"{path}: at most {MAX_SAMPLES} samples, got {len(rows)}")
        for i, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != width:
                raise DocumentError(f"{path}[{i}]: expected {width} values ({why}), got "
                                    f"{_count(row)}")
        total += len(rows) * width
    if total > MAX_DATA_VALUES:
        raise DocumentError(f"data: {total:,} numbers in the samples; a document holds at most "
                            f"{MAX_DATA_VALUES:,}")
    for key, _width, _why in fields:
        arrays[key] = _numbers(value[key], f"data.{key}", 2) if key in value else None
    for a, b in (("inputs", "targets"), ("test_inputs", "test_targets")):
        xa, xb = arrays[a], arrays[b]
        if (xa is None) != (xb is None):
            raise DocumentError(f"data: {a} and {b} must be given together")
        if xa is not None and xb is not None and len(xa) != len(xb):
            raise DocumentError(f"data.{b}: {len(xb)} samples, but data.{a} has {len(xa)}")
    source = value.get("source", {})
    if not isinstance(source, dict):
        raise DocumentError("data.source: must be an object")
    source = check_source(source)
    names: dict[str, tuple[str, ...]] = {"input_names": (), "target_names": ()}
    for key in names:
        if key in value:
            got = value[key]
            if not isinstance(got, list) or not all(isinstance(s, str) for s in got):
                raise DocumentError(f"data.{key}: must be a list of names")
            for i, text in enumerate(got):
                _check_text(text, f"data.{key}[{i}]")
            names[key] = tuple(got)
    inputs, targets = arrays["inputs"], arrays["targets"]
    assert inputs is not None and targets is not None  # required above
    try:
        dataset = Dataset(inputs, targets, arrays["test_inputs"], arrays["test_targets"],
                          input_names=names["input_names"], target_names=names["target_names"])
    except DatasetError as exc:
        raise DocumentError(f"data: {exc}") from None
    _check_data_fits(network, loss, dataset)
    return dataset, source


# --- the limits every document keeps (loaded, edited or trained) ---------------------------

def _check_training(config: TrainingConfig) -> None:
    for key, (lo, hi) in TRAINING_RANGES.items():
        _number_in(getattr(config, key), f"training.{key}", lo, hi)
    for key, (ilo, ihi) in TRAINING_INT_RANGES.items():
        _int_in(getattr(config, key), f"training.{key}", ilo, ihi)


def parameter_path(network: Network, name: str) -> str:
    """Where a parameter sits in a document: ``weights[k][row][column]`` or
    ``biases[k][i]``."""
    info = network.info(name)
    if info.kind == "weight":
        return f"weights[{info.layer}][{info.target}][{info.source}]"
    return f"biases[{info.layer}][{max(info.target, 0)}]"


def _check_parameters(network: Network) -> None:
    params = network.params
    with np.errstate(invalid="ignore"):
        bad = ~(np.abs(params) <= MAX_ABS_VALUE)  # NaN is bad too
    if bad.any():
        i = int(np.argmax(bad))
        name = network.names[i]
        value = float(params[i])
        why = "is too large" if math.isfinite(value) else "is not a finite number"
        raise DocumentError(f"{parameter_path(network, name)}: {name} = {_show(value)} {why} "
                            f"(the limit is {_g(MAX_ABS_VALUE)})")


def _data_input_width(network: Network, data: dict[str, Any]) -> int:
    """How many inputs each sample must have: the network's input size, or with features
    the width of the first sample (checked against the features once read)."""
    if not network.features:
        return network.input_size
    rows = data.get("inputs")
    first = rows[0] if isinstance(rows, list) and rows else None
    return len(first) if isinstance(first, list) and 1 <= len(first) <= 2 else 2


def _check_data_fits(network: Network, loss: str, data: Dataset) -> None:
    """Refuse data whose widths, sizes or values do not fit the network, loss and limits."""
    if network.features:
        try:
            check_raw_width(network.features, data.inputs.shape[1])
        except FeatureError as exc:
            raise DocumentError(f"data.inputs: {exc}") from None
    in_width = data.inputs.shape[1] if network.features else network.input_size
    arrays = (("inputs", data.inputs, in_width),
              ("targets", data.targets, network.output_size),
              ("test_inputs", data.test_inputs, in_width),
              ("test_targets", data.test_targets, network.output_size))
    total = 0
    for key, arr, width in arrays:
        if arr is None:
            continue
        if arr.shape[1] != width:
            raise DocumentError(f"data.{key}: each sample needs {width} values, got "
                                f"{arr.shape[1]}")
        if arr.shape[0] > MAX_SAMPLES:
            raise DocumentError(f"data.{key}: at most {MAX_SAMPLES} samples, got {arr.shape[0]}")
        total += arr.size
    if total > MAX_DATA_VALUES:
        raise DocumentError(f"data: {total:,} numbers in the samples; a document holds at most "
                            f"{MAX_DATA_VALUES:,}")
    for key, arr, _width in arrays:
        if arr is None:
            continue
        big = np.abs(arr) > MAX_ABS_VALUE  # a Dataset holds finite numbers only
        if big.any():
            r, c = (int(i) for i in np.argwhere(big)[0])
            raise DocumentError(f"data.{key}[{r}][{c}]: {_show(float(arr[r, c]))} is too large "
                                f"(the limit is {_g(MAX_ABS_VALUE)})")
    for key in ("input_names", "target_names"):
        for i, text in enumerate(getattr(data, key)):
            _check_text(text, f"data.{key}[{i}]")
    for key, arr in (("targets", data.targets), ("test_targets", data.test_targets)):
        if arr is None:
            continue
        if loss == "binary_cross_entropy" and ((arr < 0).any() or (arr > 1).any()):
            raise DocumentError(f"data.{key}: the binary_cross_entropy loss needs targets "
                                "between 0 and 1")
        if loss == "cross_entropy":
            if (arr < 0).any():
                raise DocumentError(f"data.{key}: the cross_entropy loss needs class "
                                    "probabilities (no negative targets)")
            bad = np.flatnonzero(np.abs(arr.sum(axis=1) - 1.0) > 1e-6)
            if bad.size:
                raise DocumentError(f"data.{key}[{bad[0]}]: the cross_entropy loss needs each "
                                    "sample's targets to add up to 1")


# --- a data set's source -------------------------------------------------------------------

def _source_int(lo: int, hi: int) -> Callable[[Any, str], Any]:
    def check(value: Any, path: str) -> Any:
        return _int_in(value, path, lo, hi)
    return check


def _source_number(lo: float, hi: float) -> Callable[[Any, str], Any]:
    def check(value: Any, path: str) -> Any:
        _number_in(value, path, lo, hi)
        return value
    return check


def _source_flag(value: Any, path: str) -> Any:
    if not isinstance(value, bool):
        raise DocumentError(f"{path}: must be true or false, not {_show(value)}")
    return value


def _source_text(value: Any, path: str) -> Any:
    if not isinstance(value, str):
        raise DocumentError(f"{path}: must be text, not {_show(value)}")
    return value


def _source_columns(value: Any, path: str) -> Any:
    if not isinstance(value, list):
        raise DocumentError(f"{path}: must be a list of column names or numbers")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            _int_in(item, f"{path}[{i}]", 0, MAX_CSV_COLUMNS - 1)
    return value


#: What the app reads back from a source (into its data set controls), by key.
SOURCE_FIELDS: dict[str, Callable[[Any, str], Any]] = {
    "kind": _source_text,
    "path": _source_text,
    "n": _source_int(1, MAX_SAMPLES),
    "noise": _source_number(0.0, MAX_NOISE),
    "seed": _source_int(MIN_SEED, MAX_SEED),
    "test_fraction": _source_number(0.0, MAX_TEST_FRACTION),
    "one_hot": _source_flag,
    "input_columns": _source_columns,
    "target_columns": _source_columns,
}


def check_source(source: Any, path: str = "data.source") -> dict[str, Any]:
    """A validated, JSON-ready copy of a data set's ``source`` (how it was made).

    Any JSON value may appear in it, within :data:`MAX_SOURCE_DEPTH` levels and
    :data:`MAX_SOURCE_ITEMS` values, with texts of at most :data:`MAX_PATH_LENGTH`
    characters and keys of at most :data:`MAX_NAME_LENGTH`, and finite numbers of at most
    :data:`MAX_ABS_VALUE`; the keys the app reads back (:data:`SOURCE_FIELDS`) must hold
    what it can show. NumPy scalars become Python numbers and tuples become lists.
    Raises :class:`DocumentError` naming the field.
    """
    if not isinstance(source, dict):
        raise DocumentError(f"{path}: must be an object")
    count = [0]
    cleaned = _clean_json(source, path, 1, count)
    assert isinstance(cleaned, dict)
    for key, check in SOURCE_FIELDS.items():
        if key in cleaned:
            check(cleaned[key], _key_path(path, key))
    return cleaned


def _clean_json(value: Any, path: str, depth: int, count: list[int]) -> Any:
    count[0] += 1
    if count[0] > MAX_SOURCE_ITEMS:
        raise DocumentError(f"{path}: too many values (a data set's source holds at most "
                            f"{MAX_SOURCE_ITEMS})")
    if isinstance(value, (dict, list, tuple)):
        if depth > MAX_SOURCE_DEPTH:
            raise DocumentError(f"{path}: nested too deeply (at most {MAX_SOURCE_DEPTH} levels "
                                "in a data set's source)")
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    raise DocumentError(f"{path}: keys must be text, not {_show(key)}")
                if len(key) > MAX_NAME_LENGTH:
                    raise DocumentError(f"{_key_path(path, key)}: the key is longer than "
                                        f"{MAX_NAME_LENGTH} characters")
                out[key] = _clean_json(item, _key_path(path, key), depth + 1, count)
            return out
        return [_clean_json(item, f"{path}[{i}]", depth + 1, count)
                for i, item in enumerate(value)]
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    if isinstance(value, str):
        if len(value) > MAX_PATH_LENGTH:
            raise DocumentError(f"{path}: text longer than {MAX_PATH_LENGTH} characters")
        return value
    if isinstance(value, (int, np.integer)):
        if abs(int(value)) > MAX_ABS_VALUE:
            raise DocumentError(f"{path}: {_show(int(value))} is too large (the limit is "
                                f"{_g(MAX_ABS_VALUE)})")
        return int(value)
    if isinstance(value, (float, np.floating, Unreadable)):
        return _number(value, path)
    raise DocumentError(f"{path}: must be a JSON value, not {_show(value)}")


# --- saving --------------------------------------------------------------------------------

def dumps(doc: Document) -> str:
    """The document as JSON text."""
    return doc.to_json()


def save(doc: Document, path: str | os.PathLike[str]) -> None:
    """Write the document atomically: a crash mid-save leaves the old file whole; the
    hidden temporary files a killed save of the same file left behind are removed."""
    p = Path(path)
    name = printable(p.name or str(p), 80)
    try:
        data = doc.to_json().encode("utf-8")
    except (ValueError, TypeError, RecursionError) as exc:  # cannot happen to a Document
        raise DocumentError(f"{name}: cannot be saved ({exc})") from None
    if len(data) > MAX_DOCUMENT_BYTES:  # cannot happen within the limits; never write it
        raise DocumentError(f"{name}: cannot be saved: {format_size(len(data))} is more than "
                            f"a document may hold ({format_size(MAX_DOCUMENT_BYTES)})")
    try:
        atomic_write(p, data)
    except OSError as exc:
        raise DocumentError(f"{name}: cannot be saved ({exc.strerror or exc})") from None


# --- helpers -------------------------------------------------------------------------------

def _require(obj: dict[str, Any], key: str, path: str) -> Any:
    if key not in obj:
        where = f"{path}.{key}" if path else key
        raise DocumentError(f"{where}: missing")
    return obj[key]


def _no_unknown_keys(obj: dict[str, Any], known: set[str], path: str) -> None:
    unknown = [k for k in obj if k not in known]
    if unknown:
        first = min(unknown, key=str)
        raise DocumentError(f"{_key_path(path, first)}: unknown field (known: "
                            f"{', '.join(sorted(known))})")


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and \
        not isinstance(value, (bool, np.bool_))


def _g(value: float) -> str:
    """A bound as a person writes it: 1e12, 1e-8, 0.999999, 100000."""
    if isinstance(value, int):
        return str(value)
    text = f"{value:g}"
    return text.replace("e+0", "e").replace("e-0", "e-").replace("e+", "e")


def _number(value: Any, path: str) -> float:
    if isinstance(value, Unreadable):
        raise DocumentError(f"{path}: {value.describe()} is too large (the limit is "
                            f"{_g(MAX_ABS_VALUE)})")
    if not _is_number(value):
        raise DocumentError(f"{path}: must be a number, not {_show(value)}")
    if _is_int(value):
        if abs(int(value)) > MAX_ABS_VALUE:  # compared as an int: 10**400 has no float
            raise DocumentError(f"{path}: {_show(value)} is too large (the limit is "
                                f"{_g(MAX_ABS_VALUE)})")
        return float(value)
    if not math.isfinite(value):
        raise DocumentError(f"{path}: must be a finite number, not {_show(value)}")
    if abs(value) > MAX_ABS_VALUE:
        raise DocumentError(f"{path}: {_show(value)} is too large (the limit is "
                            f"{_g(MAX_ABS_VALUE)})")
    return float(value)


def _number_in(value: Any, path: str, lo: float, hi: float) -> float:
    if _is_number(value) and not _is_int(value) and math.isfinite(value) and \
            not lo <= value <= hi:  # the range says more than "too large"
        raise DocumentError(f"{path}: must be from {_g(lo)} to {_g(hi)}, not {_show(value)}")
    number = _number(value, path)
    if not lo <= number <= hi:
        raise DocumentError(f"{path}: must be from {_g(lo)} to {_g(hi)}, not {_show(value)}")
    return number


def _int_in(value: Any, path: str, lo: int, hi: int) -> int:
    if not _is_int(value) or not lo <= value <= hi:
        raise DocumentError(f"{path}: must be a whole number from {lo} to {hi}, not "
                            f"{_show(value)}")
    return int(value)


def _numbers(nested: list[Any], path: str, depth: int) -> np.ndarray:
    """Validate a list (``depth`` 1) or list of lists (``depth`` 2) of numbers, naming the
    first bad element's path; a list where a number belongs is a bad element too."""
    def walk(x: Any, p: str, level: int) -> None:
        if level < depth and isinstance(x, list):
            for i, item in enumerate(x):
                walk(item, f"{p}[{i}]", level + 1)
        else:
            _number(x, p)
    walk(nested, path, 0)
    return np.array(nested, dtype=np.float64)


def _check_text(value: Any, path: str, limit: int = MAX_NAME_LENGTH) -> str:
    """A name: text of at most ``limit`` characters, without control characters or
    unpaired surrogates (they cannot be shown, or written as UTF-8)."""
    if not isinstance(value, str):
        raise DocumentError(f"{path}: must be text, not {_show(value)}")
    if len(value) > limit:
        raise DocumentError(f"{path}: longer than {limit} characters ({len(value)})")
    if not value.isprintable():
        for i, ch in enumerate(value):
            if unicodedata.category(ch) in ("Cc", "Cs"):
                raise DocumentError(f"{path}: must not hold control characters (found "
                                    f"{printable(ch)} at character {i + 1})")
    return value


def _float_text(value: float) -> str:
    """The shortest text that reads back as ``value``, in exponent form when large
    (1e13, not 10000000000000.0)."""
    text = repr(value)
    if abs(value) >= 1e6 and "e" not in text:
        mantissa, exponent = f"{value:.16e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        candidate = f"{mantissa}e{int(exponent)}"
        if float(candidate) == value and len(candidate) < len(text):
            text = candidate
    return text


def _count(value: Any) -> str:
    return str(len(value)) if isinstance(value, list) else _show(value)


def _show(value: Any) -> str:
    """A value as a message shows it: short, on one line."""
    if isinstance(value, Unreadable):
        return value.describe()
    if value is None or isinstance(value, (bool, np.bool_)):
        return json.dumps(None if value is None else bool(value))
    if _is_int(value):
        number = int(value)
        if abs(number) >= 10**40:  # str() refuses more than 4,300 digits
            return f"a {int(abs(number).bit_length() * math.log10(2)) + 1}-digit number"
        return str(number)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        return _float_text(float(value))
    if isinstance(value, str):
        return f'"{printable(value, 40)}"'
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return printable(type(value).__name__, 40)
