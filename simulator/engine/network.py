"""The network: fully connected feed-forward layers over one flat parameter vector.

All parameters live in one float64 vector ``params`` in the lesson's order: the weights
w1..wN layer by layer, inside a layer by target neuron then source neuron (row-major over
``W[target, source]``), then the biases b1..bM in the same order (one per layer when the
layer's bias is shared). ``weights[k]`` and ``biases[k]`` are views into ``params``, so an
optimizer updates the whole network with one vector operation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .activations import ACTIVATIONS
from .features import FeatureError, check_features, input_names
from .losses import LOSSES

BIAS_MODES: tuple[str, ...] = ("neuron", "shared", "none")


class NetworkError(ValueError):
    """A network that cannot be built as asked; the message is for the user."""


@dataclass(frozen=True)
class LayerSpec:
    """One non-input layer: its size, activation and bias mode."""

    size: int
    activation: str = "sigmoid"
    bias: str = "neuron"


@dataclass(frozen=True)
class ParamInfo:
    """Where a named parameter sits: its flat index and the layer and neurons it joins.

    ``layer`` is the index of the weight matrix (0 = input to first hidden layer). For a
    weight, ``target`` and ``source`` index the neurons; for a bias, ``target`` is the
    neuron (or -1 when the bias is shared by the whole layer) and ``source`` is -1.
    """

    name: str
    index: int
    kind: str  # "weight" or "bias"
    layer: int
    target: int
    source: int


def neuron_names(sizes: Sequence[int], features: tuple[str, ...] = ()) -> list[list[str]]:
    """Display names: X1.. for inputs (or the input features' names, X1^2..), H1.. for one
    hidden layer (H1_1.. for several), Y1.."""
    n_hidden = len(sizes) - 2
    names: list[list[str]] = []
    for layer, size in enumerate(sizes):
        if layer == 0:
            names.append(input_names(features, size)[0])
            continue
        if layer == len(sizes) - 1:
            prefix = "Y"
        elif n_hidden == 1:
            prefix = "H"
        else:
            prefix = f"H{layer}_"
        names.append([f"{prefix}{i + 1}" for i in range(size)])
    return names


@dataclass
class Network:
    """A feed-forward network. Build it with :meth:`create`; copy it with :meth:`copy`."""

    input_size: int
    layers: tuple[LayerSpec, ...]
    params: np.ndarray
    frozen: frozenset[str] = field(default_factory=frozenset)
    #: The input features (see :mod:`~simulator.engine.features`), one per input neuron;
    #: empty when the network takes the data's inputs as they are.
    features: tuple[str, ...] = ()

    # Derived, filled in by __post_init__.
    weights: list[np.ndarray] = field(init=False, repr=False)
    biases: list[np.ndarray] = field(init=False, repr=False)
    names: list[str] = field(init=False, repr=False)
    infos: list[ParamInfo] = field(init=False, repr=False)
    index_of: dict[str, int] = field(init=False, repr=False)
    neurons: list[list[str]] = field(init=False, repr=False)
    input_symbols: list[str] = field(init=False, repr=False)
    weight_slices: list[slice] = field(init=False, repr=False)
    bias_slices: list[slice] = field(init=False, repr=False)
    layout: tuple = field(init=False, repr=False, compare=False)

    @staticmethod
    def create(input_size: int, layers: Sequence[LayerSpec],
               params: Iterable[float] | np.ndarray | None = None,
               frozen: Iterable[str] = (), features: Iterable[str] = ()) -> Network:
        """Build a network; ``params`` defaults to zeros and must match the layout."""
        layers = tuple(layers)
        count = Network.count_parameters(input_size, layers)
        vec = np.zeros(count) if params is None else np.array(params, dtype=np.float64)
        if vec.shape != (count,):
            raise NetworkError(f"expected {count} parameter values, got {vec.size}")
        return Network(input_size, layers, vec, frozenset(frozen), tuple(features))

    @staticmethod
    def count_parameters(input_size: int, layers: Sequence[LayerSpec]) -> int:
        """How many parameters a network of this shape has."""
        sizes = [input_size] + [layer.size for layer in layers]
        n_w = sum(sizes[k + 1] * sizes[k] for k in range(len(layers)))
        return n_w + sum(_bias_count(layer) for layer in layers)

    def __post_init__(self) -> None:
        self._validate()
        self.params = np.ascontiguousarray(self.params, dtype=np.float64)
        # The shape as plain tuples: a cheap key for what depends only on the shape (and on
        # the inputs' names, which derivations write).
        self.layout = (int(self.input_size), tuple(
            (int(s.size), s.activation, s.bias) for s in self.layers), self.features)
        sizes = self.sizes
        self.neurons = neuron_names(sizes, self.features)
        self.input_symbols = input_names(self.features, self.input_size)[1]
        self.weights, self.biases = [], []
        self.weight_slices, self.bias_slices = [], []
        self.names, self.infos = [], []
        offset = 0
        for k in range(len(self.layers)):
            rows, cols = sizes[k + 1], sizes[k]
            sl = slice(offset, offset + rows * cols)
            self.weight_slices.append(sl)
            self.weights.append(self.params[sl].reshape(rows, cols))
            for r in range(rows):
                for c in range(cols):
                    self._add_info("w", "weight", offset, k, r, c)
                    offset += 1
        for k, layer in enumerate(self.layers):
            count = _bias_count(layer)
            sl = slice(offset, offset + count)
            self.bias_slices.append(sl)
            self.biases.append(self.params[sl])
            for r in range(count):
                target = -1 if layer.bias == "shared" else r
                self._add_info("b", "bias", offset, k, target, -1)
                offset += 1
        self.index_of = {info.name: info.index for info in self.infos}
        unknown = sorted(set(self.frozen) - set(self.index_of))
        if unknown:
            raise NetworkError(f"unknown parameter(s) to freeze: {', '.join(unknown)}")

    def _add_info(self, letter: str, kind: str, index: int, layer: int, target: int,
                  source: int) -> None:
        number = index + 1 if kind == "weight" else index - self.bias_slices[0].start + 1
        name = f"{letter}{number}"
        self.names.append(name)
        self.infos.append(ParamInfo(name, index, kind, layer, target, source))

    def _validate(self) -> None:
        if not isinstance(self.input_size, (int, np.integer)) or self.input_size < 1:
            raise NetworkError("the input layer needs at least one neuron")
        try:
            self.features = check_features(self.features)
        except FeatureError as exc:
            raise NetworkError(str(exc)) from None
        if self.features and len(self.features) != self.input_size:
            raise NetworkError(f"the input layer has {self.input_size} neurons but "
                               f"{len(self.features)} features were chosen (one per neuron)")
        if not self.layers:
            raise NetworkError("a network needs at least one layer after the inputs")
        last = len(self.layers) - 1
        for k, layer in enumerate(self.layers):
            where = f"layer {k + 1}"
            if not isinstance(layer.size, (int, np.integer)) or layer.size < 1:
                raise NetworkError(f"{where} needs at least one neuron")
            if layer.activation not in ACTIVATIONS:
                raise NetworkError(f"{where}: unknown activation '{layer.activation}' "
                                   f"(known: {', '.join(ACTIVATIONS)})")
            if layer.activation == "softmax" and k != last:
                raise NetworkError(f"{where}: softmax is only allowed on the output layer")
            if layer.bias not in BIAS_MODES:
                raise NetworkError(f"{where}: unknown bias mode '{layer.bias}' "
                                   f"(known: {', '.join(BIAS_MODES)})")

    # --- shape -----------------------------------------------------------------------

    @property
    def sizes(self) -> list[int]:
        """Neurons per layer, inputs first."""
        return [self.input_size] + [layer.size for layer in self.layers]

    @property
    def output_size(self) -> int:
        """Neurons in the output layer."""
        return self.layers[-1].size

    @property
    def weight_count(self) -> int:
        """How many weights there are: ``params[:weight_count]`` are the weights, the rest
        the biases."""
        return self.weight_slices[-1].stop

    def info(self, name: str) -> ParamInfo:
        """The :class:`ParamInfo` of a parameter by name; KeyError names it if unknown."""
        try:
            return self.infos[self.index_of[name]]
        except KeyError:
            raise KeyError(f"unknown parameter '{name}'") from None

    def weight_name(self, layer: int, target: int, source: int) -> str:
        """The name of the weight from ``source`` to ``target`` in weight matrix ``layer``."""
        rows_before = self.weight_slices[layer].start
        return self.names[rows_before + target * self.sizes[layer] + source]

    def bias_name(self, layer: int, target: int) -> str | None:
        """The name of the bias of neuron ``target`` in layer ``layer`` (None if no bias)."""
        mode = self.layers[layer].bias
        if mode == "none":
            return None
        sl = self.bias_slices[layer]
        return self.names[sl.start if mode == "shared" else sl.start + target]

    def bias_value(self, layer: int) -> np.ndarray:
        """The bias added to each neuron of layer ``layer`` (broadcastable to its size)."""
        b = self.biases[layer]
        if b.size == 0:
            return np.zeros(1)
        return b

    # --- values ----------------------------------------------------------------------

    def get(self, name: str) -> float:
        """A parameter's value by name."""
        return float(self.params[self.info(name).index])

    def set(self, name: str, value: float) -> None:
        """Set one parameter by name."""
        self.params[self.info(name).index] = value

    def as_dict(self) -> dict[str, float]:
        """Every parameter by name, in the lesson's order."""
        return {name: float(v) for name, v in zip(self.names, self.params)}

    def trainable_mask(self) -> np.ndarray:
        """1.0 for parameters that updates may change, 0.0 for frozen ones."""
        mask = np.ones(self.params.size)
        for name in self.frozen:
            mask[self.index_of[name]] = 0.0
        return mask

    def copy(self) -> Network:
        """An independent copy (parameters are not shared)."""
        return self.with_params(self.params)

    def with_params(self, params: np.ndarray) -> Network:
        """A copy of this network holding a copy of ``params`` instead.

        Cheap: the names and layout are shared (they are never mutated); only the
        parameter vector and its views are new.
        """
        vec = np.array(params, dtype=np.float64)
        if vec.shape != self.params.shape:
            raise NetworkError(f"expected {self.params.size} parameter values, got {vec.size}")
        clone = object.__new__(Network)  # a shallow copy, without copy.copy's detour
        clone.__dict__.update(self.__dict__)
        clone.params = vec
        clone.weights = [vec[sl].reshape(w.shape) for sl, w in zip(self.weight_slices,
                                                                     self.weights)]
        clone.biases = [vec[sl] for sl in self.bias_slices]
        return clone

    def with_frozen(self, frozen: Iterable[str]) -> Network:
        """A copy with another set of frozen parameters."""
        return Network(self.input_size, self.layers, self.params.copy(), frozenset(frozen),
                       self.features)

    def check_loss(self, loss: str) -> None:
        """Refuse a loss that does not fit this network's output layer."""
        if loss not in LOSSES:
            raise NetworkError(f"unknown loss '{loss}' (known: {', '.join(LOSSES)})")
        out_act = self.layers[-1].activation
        if loss == "cross_entropy" and out_act != "softmax":
            raise NetworkError("the cross_entropy loss needs a softmax output layer")
        if loss == "binary_cross_entropy" and out_act not in ("sigmoid", "softmax"):
            raise NetworkError("the binary_cross_entropy loss needs outputs between 0 and 1: "
                               "use a sigmoid or softmax output layer")


def _bias_count(layer: LayerSpec) -> int:
    return {"neuron": layer.size, "shared": 1, "none": 0}.get(layer.bias, 0)
