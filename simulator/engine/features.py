"""Input features: what the network's input neurons are made of, from the data's inputs.

As in TensorFlow Playground, the network's inputs can be chosen from functions of the data's
two inputs x1 and x2: x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2) (in radians). A network
that has features (``Network.features``, the document's optional "features" key) has one
input neuron per feature, named after it (X1^2 on the canvas, x1^2 in derivations); one
without features takes the data's columns as they are.

This module is the one place the map is applied: :func:`network_inputs` turns the data's
inputs (the "raw" inputs, one or two columns) into the network's inputs. Apply it once, at the
boundary between data and network: :class:`~simulator.engine.training.Trainer` applies it to
the data it is given, and so must anything else that feeds data or points of the input plane
to a network (the decision boundary, the cost surface, the command line). The forward and
backward passes themselves take the network's inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np


class HasFeatures(Protocol):
    """What :func:`network_inputs` reads of a network (a protocol, so that this module and
    :mod:`~simulator.engine.network`, which names its inputs from here, do not import each
    other)."""

    @property
    def features(self) -> tuple[str, ...]:
        """The input features, or () for plain inputs."""

#: The data's inputs a feature may use: x1 and x2.
MAX_RAW_INPUTS = 2


class FeatureError(ValueError):
    """Features that cannot be used as asked; the message is for the user."""


@dataclass(frozen=True)
class Feature:
    """One input feature: its name (how derivations write it, ``x1^2``), the input neuron's
    name on the canvas (``X1^2``), which raw inputs it uses (0 = x1, 1 = x2) and its map
    from the raw inputs (n, 1 or 2) to one column (n,)."""

    name: str
    neuron: str
    uses: tuple[int, ...]
    fn: Callable[[np.ndarray], np.ndarray]
    description: str


FEATURES: dict[str, Feature] = {f.name: f for f in (
    Feature("x1", "X1", (0,), lambda x: x[:, 0], "the first input"),
    Feature("x2", "X2", (1,), lambda x: x[:, 1], "the second input"),
    Feature("x1^2", "X1^2", (0,), lambda x: x[:, 0] * x[:, 0], "the first input squared"),
    Feature("x2^2", "X2^2", (1,), lambda x: x[:, 1] * x[:, 1], "the second input squared"),
    Feature("x1*x2", "X1*X2", (0, 1), lambda x: x[:, 0] * x[:, 1],
            "the product of the two inputs"),
    Feature("sin(x1)", "sin(X1)", (0,), lambda x: np.sin(x[:, 0]),
            "the sine of the first input (radians)"),
    Feature("sin(x2)", "sin(X2)", (1,), lambda x: np.sin(x[:, 1]),
            "the sine of the second input (radians)"),
)}

#: Every feature's name, in TensorFlow Playground's order.
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURES)

#: The features that leave two inputs as they are.
PLAIN: tuple[str, ...] = ("x1", "x2")


def check_features(features: Iterable[object]) -> tuple[str, ...]:
    """The features as a tuple of names; :class:`FeatureError` if one is unknown or repeated
    (an empty list is allowed: no features, the data's inputs as they are)."""
    if isinstance(features, (str, bytes)):
        raise FeatureError("features must be a list of feature names, not one text")
    names: list[str] = []
    for f in features:
        if not isinstance(f, str) or f not in FEATURES:
            shown = repr(f) if not isinstance(f, str) else f"'{f}'"
            raise FeatureError(f"unknown feature {shown} (known: {', '.join(FEATURE_NAMES)})")
        if f in names:
            raise FeatureError(f"feature '{f}' is chosen twice")
        names.append(f)
    return tuple(names)


def raw_inputs_needed(features: Iterable[str]) -> int:
    """How many of the data's inputs the features need: 2 if one uses x2, else 1."""
    return 1 + max((max(FEATURES[f].uses) for f in features), default=0)


def check_raw_width(features: tuple[str, ...], width: int) -> None:
    """Refuse data with ``width`` inputs that the features cannot be made from."""
    if not features:
        return
    needed = raw_inputs_needed(features)
    if width > MAX_RAW_INPUTS:
        raise FeatureError(f"input features are made from the data's inputs x1 and x2, but "
                           f"the data has {width} inputs")
    if width < needed:
        raise FeatureError(f"the features use x2, but the data has only {width} input")


def apply(features: tuple[str, ...], raw: np.ndarray) -> np.ndarray:
    """The features of each row of ``raw`` (n, 1 or 2): an (n, len(features)) array."""
    x = np.asarray(raw, dtype=np.float64)
    if x.ndim != 2:
        raise FeatureError("the inputs must be a table (samples x inputs)")
    check_raw_width(features, x.shape[1])
    out = np.empty((x.shape[0], len(features)))
    for j, name in enumerate(features):
        out[:, j] = FEATURES[name].fn(x)
    return out


def network_inputs(network: HasFeatures, raw: np.ndarray) -> np.ndarray:
    """The network's inputs for the data's inputs ``raw``: ``raw`` itself (as float64) for a
    network without features, else the features of each row."""
    features = network.features
    x = np.asarray(raw, dtype=np.float64)
    if not features or (features == PLAIN and x.ndim == 2 and x.shape[1] == 2):
        return x
    return apply(features, x)


def input_names(features: tuple[str, ...], count: int) -> tuple[list[str], list[str]]:
    """The input neurons' names (X1, X1^2, ...) and symbols (x1, x1^2, ...): from the
    features, or X1..Xn and x1..xn without them."""
    if features:
        return [FEATURES[f].neuron for f in features], list(features)
    return [f"X{i + 1}" for i in range(count)], [f"x{i + 1}" for i in range(count)]
