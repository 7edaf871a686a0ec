"""Activation functions, each with its local derivative, side by side.

Every function takes the net input ``net`` (shape ``(n_samples, n_neurons)``) and is written
so that it never overflows or produces NaN for finite input. The derivative is expressed
through the output where that is how the lesson writes it (``out * (1 - out)`` for sigmoid).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LEAKY_SLOPE = 0.01


def sigmoid(net: np.ndarray) -> np.ndarray:
    """Logistic sigmoid 1 / (1 + e^-net), without overflow for large negative net:
    1 / (1 + z) where net >= 0 and z / (1 + z) where net < 0, with z = e^-|net|."""
    z = np.exp(np.copysign(net, -1.0))  # e^-|net|
    return np.where(net >= 0.0, 1.0, z) / (1.0 + z)


def _sigmoid_grad(net: np.ndarray, out: np.ndarray) -> np.ndarray:
    return out * (1.0 - out)


def _tanh(net: np.ndarray) -> np.ndarray:
    return np.tanh(net)


def _tanh_grad(net: np.ndarray, out: np.ndarray) -> np.ndarray:
    return 1.0 - out * out


def _relu(net: np.ndarray) -> np.ndarray:
    return np.maximum(net, 0.0)


def _relu_grad(net: np.ndarray, out: np.ndarray) -> np.ndarray:
    return (net > 0.0).astype(np.float64)


def _leaky_relu(net: np.ndarray) -> np.ndarray:
    return np.where(net > 0.0, net, LEAKY_SLOPE * net)


def _leaky_relu_grad(net: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.where(net > 0.0, 1.0, LEAKY_SLOPE)


def _linear(net: np.ndarray) -> np.ndarray:
    return net.copy()


def _linear_grad(net: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.ones_like(net)


def softmax(net: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row maximum so that exp never overflows."""
    shifted = net - net.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_grad(net: np.ndarray, out: np.ndarray) -> np.ndarray:
    # Diagonal of the Jacobian only; the backward pass uses the full Jacobian for softmax.
    return out * (1.0 - out)


@dataclass(frozen=True)
class Activation:
    """An activation function with its derivative and the symbols the lesson uses."""

    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray, np.ndarray], np.ndarray]
    formula: str  # how out is written in terms of net, e.g. "1 / (1 + e^-net)"
    grad_formula: str  # how dout/dnet is written, with {out} and {net} placeholders


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", sigmoid, _sigmoid_grad, "sigmoid({net})",
                          "{out} * (1 - {out})"),
    "tanh": Activation("tanh", _tanh, _tanh_grad, "tanh({net})", "1 - {out}^2"),
    "relu": Activation("relu", _relu, _relu_grad, "relu({net})", "1 if {net} > 0 else 0"),
    "leaky_relu": Activation("leaky_relu", _leaky_relu, _leaky_relu_grad, "leaky_relu({net})",
                             f"1 if {{net}} > 0 else {LEAKY_SLOPE}"),
    "linear": Activation("linear", _linear, _linear_grad, "{net}", "1"),
    "softmax": Activation("softmax", softmax, _softmax_grad, "softmax({net})",
                          "{out} * (1 - {out})"),
}

ACTIVATION_NAMES: tuple[str, ...] = tuple(ACTIVATIONS)
