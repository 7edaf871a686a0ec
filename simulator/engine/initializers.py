"""Parameter initialisers: explicit values, uniform, Xavier/Glorot and He, each seeded.

The same initialiser, seed and network shape always give the same parameters.
Frozen parameters keep their values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from .network import Network, NetworkError

INITIALIZER_NAMES: tuple[str, ...] = ("uniform", "xavier", "he", "constant")


def initialize(network: Network, method: str, seed: int = 0, low: float = -0.5,
               high: float = 0.5, value: float = 0.0) -> np.ndarray:
    """New parameters for ``network`` (which is not changed).

    - ``uniform``: every weight and bias from U(low, high).
    - ``xavier``: weights from U(-a, a) with a = sqrt(6 / (fan_in + fan_out)) (Glorot and
      Bengio 2010, as ``torch.nn.init.xavier_uniform_``); biases 0.
    - ``he``: weights from N(0, 2 / fan_in) (He et al. 2015, as
      ``torch.nn.init.kaiming_normal_``); biases 0.
    - ``constant``: every parameter set to ``value``.
    """
    if method not in INITIALIZER_NAMES:
        raise NetworkError(f"unknown initialiser '{method}' (known: "
                           f"{', '.join(INITIALIZER_NAMES)})")
    if not (math.isfinite(low) and math.isfinite(high) and low <= high):
        raise NetworkError("the uniform range needs finite bounds with low <= high")
    if not math.isfinite(value):
        raise NetworkError("the constant must be a finite number")
    rng = np.random.default_rng(seed)
    params = np.zeros_like(network.params)
    sizes = network.sizes
    for k, sl in enumerate(network.weight_slices):
        fan_in, fan_out = sizes[k], sizes[k + 1]
        count = sl.stop - sl.start
        if method == "uniform":
            params[sl] = rng.uniform(low, high, count)
        elif method == "xavier":
            a = math.sqrt(6.0 / (fan_in + fan_out))
            params[sl] = rng.uniform(-a, a, count)
        elif method == "he":
            params[sl] = rng.normal(0.0, math.sqrt(2.0 / fan_in), count)
        else:
            params[sl] = value
    for sl in network.bias_slices:
        count = sl.stop - sl.start
        if method == "uniform":
            params[sl] = rng.uniform(low, high, count)
        elif method == "constant":
            params[sl] = value
    for name in network.frozen:
        idx = network.index_of[name]
        params[idx] = network.params[idx]
    return params


def explicit(network: Network, values: Mapping[str, float]) -> np.ndarray:
    """New parameters with the named ones set to ``values`` and the rest unchanged."""
    params = network.params.copy()
    for name, v in values.items():
        if name not in network.index_of:
            raise NetworkError(f"unknown parameter '{name}'")
        if not math.isfinite(v):
            raise NetworkError(f"{name} must be a finite number")
        params[network.index_of[name]] = v
    return params
