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
Loading refuses a bad document with one :class:`DocumentError` naming the field path.

Version 2 added two optional things: ``"features"`` (the input features the input neurons
are made of, e.g. ``["x1", "x2", "x1*x2"]``, one per input neuron; the data then holds the
one or two inputs they are made from; see :mod:`simulator.engine.features`) and
``"l1"``/``"l2"`` in ``"training"`` (the weight penalty, 0 when absent). A document is saved
with the lowest version that holds what it uses, so one without features or penalty stays
version 1 and opens in an older Backprop Lab; version 1 files may not use them.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .activations import ACTIVATIONS
from .datasets import Dataset, DatasetError
from .features import FeatureError, check_features, check_raw_width
from .files import atomic_write
from .limits import MAX_ABS_VALUE, MAX_LAYERS, MAX_NEURONS, MAX_SAMPLES
from .losses import LOSSES
from .network import BIAS_MODES, LayerSpec, Network, NetworkError
from .optimizers import OPTIMIZER_NAMES, OptimizerError, TrainingConfig

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


class DocumentError(ValueError):
    """A document that cannot be loaded or saved; the message names what is wrong."""


@dataclass(frozen=True)
class Document:
    """A whole saved network: the network, its loss, how to train it and its data."""

    network: Network
    loss: str
    training: TrainingConfig
    data: Dataset
    name: str = "Untitled"
    data_source: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            self.network.check_loss(self.loss)
        except NetworkError as exc:
            raise DocumentError(f"loss: {exc}") from None
        _check_data_fits(self.network, self.loss, self.data)

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
            "learning_rate": self.training.learning_rate,
            "batch_size": self.training.batch_size,
            "seed": self.training.seed,
        }
        defaults = TrainingConfig()
        for key in ("momentum", "beta1", "beta2", "eps"):
            value = getattr(self.training, key)
            if value != getattr(defaults, key) or key in self.training.hyper_parameters:
                training[key] = value
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


# --- loading -------------------------------------------------------------------------------

def loads(text: str) -> Document:
    """Parse and validate a document from JSON text."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"not valid JSON (line {exc.lineno}, column {exc.colno}: "
                            f"{exc.msg})") from None
    except RecursionError:
        raise DocumentError("not a Backprop Lab document (nested too deeply)") from None
    return from_dict(raw)


def load(path: str | os.PathLike[str]) -> Document:
    """Read and validate a document file. Errors name the file and the field."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise DocumentError(f"{p.name}: no such file") from None
    except IsADirectoryError:
        raise DocumentError(f"{p.name}: is a folder, not a file") from None
    except OSError as exc:
        raise DocumentError(f"{p.name}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > 200 * 1024 * 1024:
        raise DocumentError(f"{p.name}: too large to be a Backprop Lab document")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentError(f"{p.name}: not a text file (not UTF-8)") from None
    try:
        return loads(text)
    except DocumentError as exc:
        raise DocumentError(f"{p.name}: {exc}") from None


def from_dict(raw: Any) -> Document:
    """Validate a parsed document. Raises :class:`DocumentError` naming the field path."""
    if not isinstance(raw, dict):
        raise DocumentError("not a Backprop Lab document (expected a JSON object)")
    if raw.get("format") != FORMAT:
        raise DocumentError(f"format: not a Backprop Lab document (format must be '{FORMAT}')")
    version = _require(raw, "version", "")
    if not _is_int(version) or version < 1:
        raise DocumentError("version: must be a whole number of at least 1")
    if version > VERSION:
        raise DocumentError(f"version: the file is version {version}, made by a newer "
                            f"Backprop Lab; this one reads version {VERSION}")
    _no_unknown_keys(raw, TOP_KEYS, "")
    _check_added_fields(raw, version)
    for key in ("layers", "weights", "biases", "loss", "training", "data"):
        _require(raw, key, "")
    name = raw.get("name", "Untitled")
    if not isinstance(name, str):
        raise DocumentError("name: must be text")

    input_size, specs = _layers(raw["layers"])
    sizes = [input_size] + [s.size for s in specs]
    params = _parameters(raw["weights"], raw["biases"], sizes, specs)
    frozen = raw.get("frozen", [])
    if not isinstance(frozen, list) or not all(isinstance(n, str) for n in frozen):
        raise DocumentError("frozen: must be a list of parameter names")
    features = _features(raw.get("features", []), input_size)
    try:
        network = Network.create(input_size, specs, params, frozen, features)
    except NetworkError as exc:
        raise DocumentError(f"frozen: {exc}") from None

    loss = raw["loss"]
    if loss not in LOSSES:
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
        if act not in ACTIVATIONS:
            raise DocumentError(f"{path}.activation: unknown activation {_show(act)} "
                                f"(known: {', '.join(ACTIVATIONS)})")
        if act == "softmax" and k != len(value) - 1:
            raise DocumentError(f"{path}.activation: softmax is only allowed on the output layer")
        bias = _require(layer, "bias", path)
        if bias not in BIAS_MODES:
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


def _training(value: Any) -> TrainingConfig:
    if not isinstance(value, dict):
        raise DocumentError("training: must be an object")
    _no_unknown_keys(value, TRAINING_KEYS, "training")
    opt = _require(value, "optimizer", "training")
    if opt not in OPTIMIZER_NAMES:
        raise DocumentError(f"training.optimizer: unknown optimizer {_show(opt)} "
                            f"(known: {', '.join(OPTIMIZER_NAMES)})")
    kwargs: dict[str, Any] = {"optimizer": opt}
    _require(value, "learning_rate", "training")
    for key in ("learning_rate", "momentum", "beta1", "beta2", "eps", "l1", "l2"):
        if key in value:
            kwargs[key] = _number(value[key], f"training.{key}")
    for key in ("batch_size", "seed"):
        if key in value:
            if not _is_int(value[key]):
                raise DocumentError(f"training.{key}: must be a whole number, "
                                    f"not {_show(value[key])}")
            kwargs[key] = value[key]
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
    for key, width, why in (("inputs", in_width, inputs_are),
                            ("targets", network.output_size,
                             f"the network has {network.output_size} outputs"),
                            ("test_inputs", in_width, inputs_are),
                            ("test_targets", network.output_size,
                             f"the network has {network.output_size} outputs")):
        if key not in value:
            if key in ("inputs", "targets"):
                raise DocumentError(f"data.{key}: missing")
            arrays[key] = None
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
        arrays[key] = _numbers(rows, path, 2)
    for a, b in (("inputs", "targets"), ("test_inputs", "test_targets")):
        xa, xb = arrays[a], arrays[b]
        if (xa is None) != (xb is None):
            raise DocumentError(f"data: {a} and {b} must be given together")
        if xa is not None and xb is not None and len(xa) != len(xb):
            raise DocumentError(f"data.{b}: {len(xb)} samples, but data.{a} has {len(xa)}")
    source = value.get("source", {})
    if not isinstance(source, dict):
        raise DocumentError("data.source: must be an object")
    names = {}
    for key in ("input_names", "target_names"):
        if key in value:
            got = value[key]
            if not isinstance(got, list) or not all(isinstance(s, str) for s in got):
                raise DocumentError(f"data.{key}: must be a list of names")
            names[key] = tuple(got)
    try:
        dataset = Dataset(arrays["inputs"], arrays["targets"], arrays["test_inputs"],
                          arrays["test_targets"], **names)
    except DatasetError as exc:
        raise DocumentError(f"data: {exc}") from None
    _check_data_fits(network, loss, dataset)
    return dataset, source


def _data_input_width(network: Network, data: dict[str, Any]) -> int:
    """How many inputs each sample must have: the network's input size, or with features
    the width of the first sample (checked against the features once read)."""
    if not network.features:
        return network.input_size
    rows = data.get("inputs")
    first = rows[0] if isinstance(rows, list) and rows else None
    return len(first) if isinstance(first, list) and 1 <= len(first) <= 2 else 2


def _check_data_fits(network: Network, loss: str, data: Dataset) -> None:
    """Refuse data whose widths or values do not fit the network and loss."""
    if network.features:
        try:
            check_raw_width(network.features, data.inputs.shape[1])
        except FeatureError as exc:
            raise DocumentError(f"data.inputs: {exc}") from None
    in_width = data.inputs.shape[1] if network.features else network.input_size
    for key, arr, width in (("inputs", data.inputs, in_width),
                            ("targets", data.targets, network.output_size),
                            ("test_inputs", data.test_inputs, in_width),
                            ("test_targets", data.test_targets, network.output_size)):
        if arr is not None and arr.shape[1] != width:
            raise DocumentError(f"data.{key}: each sample needs {width} values, got "
                                f"{arr.shape[1]}")
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


# --- saving --------------------------------------------------------------------------------

def dumps(doc: Document) -> str:
    """The document as JSON text."""
    return doc.to_json()


def save(doc: Document, path: str | os.PathLike[str]) -> None:
    """Write the document atomically: a crash mid-save leaves the old file whole."""
    p = Path(path)
    try:
        atomic_write(p, doc.to_json().encode("utf-8"))
    except OSError as exc:
        raise DocumentError(f"{p.name}: cannot be saved ({exc.strerror or exc})") from None


# --- helpers -------------------------------------------------------------------------------

def _require(obj: dict[str, Any], key: str, path: str) -> Any:
    if key not in obj:
        where = f"{path}.{key}" if path else key
        raise DocumentError(f"{where}: missing")
    return obj[key]


def _no_unknown_keys(obj: dict[str, Any], known: set[str], path: str) -> None:
    unknown = sorted(set(obj) - known)
    if unknown:
        where = f"{path}.{unknown[0]}" if path else unknown[0]
        raise DocumentError(f"{where}: unknown field (known: {', '.join(sorted(known))})")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(value: Any, path: str) -> float:
    if not _is_number(value):
        raise DocumentError(f"{path}: must be a number, not {_show(value)}")
    if not math.isfinite(value):
        raise DocumentError(f"{path}: must be a finite number, not {_show(value)}")
    if abs(value) > MAX_ABS_VALUE:
        raise DocumentError(f"{path}: {value!r} is too large (the limit is {MAX_ABS_VALUE:g})")
    return float(value)


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


def _count(value: Any) -> str:
    return str(len(value)) if isinstance(value, list) else _show(value)


def _show(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    text = json.dumps(value) if isinstance(value, (str, int, float, bool, type(None))) else \
        type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."
