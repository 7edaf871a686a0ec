"""What to compute and what came out: :class:`SurfaceSpec`, :class:`Surface`, and the checks
every entry point of the surface package applies to its input (one message each)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..features import network_inputs
from ..network import Network, NetworkError

DEFAULT_RESOLUTION = 101
MIN_RESOLUTION = 2
MAX_RESOLUTION = 1001
DEFAULT_DIRECTION_SPAN = 1.0  # random directions: alpha, beta in [-1, 1] as in Li et al.
DIRECTION_AXES = ("alpha", "beta")  # axis names of a random-directions surface

#: A (low, high) range of grid values.
Range = tuple[float, float]


class SurfaceError(ValueError):
    """Bad surface settings; the message is one line for the user."""


@dataclass(frozen=True)
class SurfaceSpec:
    """What to compute.

    ``axes`` names the two parameters (x and y), or is None for two random directions drawn
    from ``seed`` (then the ranges are in units of the filter-normalised directions).
    ``x_range`` and ``y_range`` are (low, high) with low < high; ``resolution`` is the
    number of grid values along x and along y (each from 2 to 1001).
    """

    axes: tuple[str, str] | None
    x_range: Range
    y_range: Range
    resolution: tuple[int, int] = (DEFAULT_RESOLUTION, DEFAULT_RESOLUTION)
    seed: int = 0

    def __post_init__(self) -> None:
        if self.axes is not None:
            if len(self.axes) != 2 or not all(isinstance(a, str) for a in self.axes):
                raise SurfaceError("axes must be two parameter names")
            if self.axes[0] == self.axes[1]:
                raise SurfaceError(f"the two axes must be different parameters "
                                   f"(got {self.axes[0]} twice)")
            object.__setattr__(self, "axes", (self.axes[0], self.axes[1]))
        for label, rng in (("x", self.x_range), ("y", self.y_range)):
            object.__setattr__(self, f"{label}_range", check_range(rng, f"the {label} range"))
        res = tuple(self.resolution)
        if len(res) != 2:
            raise SurfaceError("resolution must be two grid sizes (x and y)")
        object.__setattr__(self, "resolution", (check_resolution(res[0]),
                                                check_resolution(res[1])))
        object.__setattr__(self, "seed", check_seed(self.seed))

    @property
    def random(self) -> bool:
        """Whether the axes are random directions."""
        return self.axes is None

    @property
    def xs(self) -> np.ndarray:
        """The grid values along x."""
        return np.linspace(self.x_range[0], self.x_range[1], self.resolution[0])

    @property
    def ys(self) -> np.ndarray:
        """The grid values along y."""
        return np.linspace(self.y_range[0], self.y_range[1], self.resolution[1])


@dataclass(frozen=True, eq=False)
class Surface:
    """A computed surface. ``loss[i, j]`` is the loss at x = ``x[i]``, y = ``y[j]``.

    ``axes`` are the parameter names, or ``("alpha", "beta")`` for random directions (then
    ``directions`` holds d1 and d2). ``center`` is where the network is now (the current
    parameter values, or (0, 0)) and ``center_loss`` its loss there. Non-finite losses are
    ``+inf`` in ``loss``; ``min_loss``, ``max_loss`` and ``min_at`` (the (x, y) of the
    lowest grid point) only consider finite ones and are nan / None when there are none.
    The arrays are read-only.
    """

    axes: tuple[str, str]
    x: np.ndarray
    y: np.ndarray
    loss: np.ndarray
    center: tuple[float, float]
    center_loss: float
    min_loss: float
    max_loss: float
    min_at: tuple[float, float] | None
    directions: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def random(self) -> bool:
        """Whether the axes are random directions."""
        return self.directions is not None


# --- checks --------------------------------------------------------------------------------

def check_resolution(value: Any, what: str = "the grid size") -> int:
    """``value`` as a grid size from 2 to 1001, or :class:`SurfaceError`."""
    if (not isinstance(value, (int, np.integer)) or isinstance(value, bool)
            or not MIN_RESOLUTION <= value <= MAX_RESOLUTION):
        raise SurfaceError(f"{what} must be a whole number from {MIN_RESOLUTION} to "
                           f"{MAX_RESOLUTION}, not {value!r}")
    return int(value)


def check_range(value: Any, what: str = "the range") -> Range:
    """``value`` as a (low, high) pair of finite numbers with low < high."""
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise SurfaceError(f"{what} must be two numbers (low, high)") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise SurfaceError(f"{what} must be finite numbers, not {lo:g} to {hi:g}")
    if not lo < hi:
        raise SurfaceError(f"{what} is empty: {lo:g} to {hi:g} (the low end must be below "
                           "the high end)")
    return lo, hi


def check_seed(value: Any) -> int:
    """``value`` as the seed of random directions: a whole number of at least 0."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 0:
        raise SurfaceError(f"the seed must be a whole number of at least 0, not {value!r}")
    return int(value)


def check_axes(network: Network, axes: Sequence[str]) -> tuple[str, str]:
    """Two distinct known parameter names, or :class:`SurfaceError` listing the known ones."""
    if len(axes) != 2:
        raise SurfaceError("give two parameter names for the axes")
    for name in axes:
        if name not in network.index_of:
            raise SurfaceError(f"unknown parameter '{name}' (known: "
                               f"{', '.join(network.names)})")
    if axes[0] == axes[1]:
        raise SurfaceError(f"the two axes must be different parameters (got {axes[0]} twice)")
    return axes[0], axes[1]


def check_data(network: Network, inputs: ArrayLike, targets: ArrayLike,
               loss: str) -> tuple[np.ndarray, np.ndarray]:
    """The network's inputs and the targets as contiguous float64 arrays that fit
    ``network`` and ``loss``.

    ``inputs`` are the data's inputs (one row per sample, one column per data input); the
    network's input features, if it has any, are applied here (the one place in the surface
    package: :func:`~simulator.engine.features.network_inputs`), as the
    :class:`~simulator.engine.training.Trainer` does, so the surface's loss is the one
    training sees. Every public function of the package takes the data's inputs and calls
    this once.
    """
    try:
        network.check_loss(loss)
    except NetworkError as exc:
        raise SurfaceError(str(exc)) from None
    raw = np.asarray(inputs, dtype=np.float64)
    if network.features and raw.ndim == 2 and raw.shape[0] >= 1:
        try:
            raw = network_inputs(network, raw)
        except ValueError as exc:
            raise SurfaceError(f"the data does not fit the network's input features: "
                               f"{exc}") from None
    X = np.ascontiguousarray(raw, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != network.input_size or X.shape[0] < 1:
        if network.features:  # (the features' own check has passed: not a table, or empty)
            raise SurfaceError(f"the data's inputs must be a table with a row per sample, "
                               f"not {np.shape(inputs)}")
        raise SurfaceError(f"the inputs must be a (samples, {network.input_size}) array, "
                           f"not {X.shape}")
    T = np.ascontiguousarray(targets, dtype=np.float64)
    if T.shape != (X.shape[0], network.output_size):
        raise SurfaceError(f"the targets must be a ({X.shape[0]}, {network.output_size}) "
                           f"array, not {T.shape}")
    return X, T


def check_values(values: ArrayLike, what: str) -> np.ndarray:
    """Grid values along one axis as a non-empty contiguous float64 vector."""
    v = np.ascontiguousarray(values, dtype=np.float64)
    if v.ndim != 1 or v.size < 1:
        raise SurfaceError(f"{what} must be a non-empty list of numbers")
    return v


# --- automatic settings --------------------------------------------------------------------

def default_span(value: float) -> float:
    """The automatic half-width around a parameter's value: ``max(1, 2 * |value|)``.

    So the range always holds 0 and ``-value`` (the parameter switched off, or with its sign
    flipped), and is at least [value - 1, value + 1] for small values.
    """
    return max(1.0, 2.0 * abs(float(value)))


def auto_range(value: float, span: float | None = None) -> Range:
    """``(value - span, value + span)``; ``span`` defaults to :func:`default_span`."""
    value = float(value)
    if not math.isfinite(value):
        raise SurfaceError(f"the current value {value!r} is not a finite number")
    if span is None:
        span = default_span(value)
    span = float(span)
    if not (math.isfinite(span) and span > 0):
        raise SurfaceError(f"the span must be a finite number greater than 0, not {span:g}")
    lo, hi = value - span, value + span
    if not lo < hi:  # span negligible next to value
        raise SurfaceError(f"the span {span:g} is too small next to the value {value:g}")
    return lo, hi


def default_axes(network: Network) -> tuple[str, str]:
    """The default axes: the first two weights of the last layer (w5 and w6 in the reference
    example). With fewer there, the next parameters in this order: the last layer's weights,
    its biases, then every other parameter in the lesson's order."""
    last = len(network.layers) - 1
    names = network.names
    order = ([names[i] for i in range(network.weight_slices[last].start,
                                      network.weight_slices[last].stop)]
             + [names[i] for i in range(network.bias_slices[last].start,
                                        network.bias_slices[last].stop)])
    order += [n for n in names if n not in order]
    if len(order) < 2:
        raise SurfaceError("the network has only one parameter; a surface needs two")
    return order[0], order[1]


def make_spec(network: Network, axes: Sequence[str] | None = None, *,
              random: bool = False, span: float | None = None,
              x_range: Sequence[float] | None = None, y_range: Sequence[float] | None = None,
              resolution: int | tuple[int, int] = DEFAULT_RESOLUTION,
              seed: int = 0) -> SurfaceSpec:
    """A :class:`SurfaceSpec` with automatic ranges where none are given.

    For parameter axes (``axes`` or :func:`default_axes`) an automatic range is
    ``current value +- span`` (:func:`auto_range`; ``span`` None means
    :func:`default_span` per axis). For random directions (``random=True``) it is
    ``+- span`` around 0 with a default span of 1.
    """
    # SurfaceSpec checks the sizes (and that there are two).
    res: Any = (resolution, resolution) if isinstance(resolution, (int, np.integer)) else \
        tuple(resolution)
    if random:
        s = DEFAULT_DIRECTION_SPAN if span is None else span
        xr = check_range(x_range, "the x range") if x_range is not None else auto_range(0.0, s)
        yr = check_range(y_range, "the y range") if y_range is not None else auto_range(0.0, s)
        return SurfaceSpec(None, xr, yr, res, seed)
    names = check_axes(network, axes) if axes is not None else default_axes(network)
    xr = check_range(x_range, "the x range") if x_range is not None else \
        auto_range(network.get(names[0]), span)
    yr = check_range(y_range, "the y range") if y_range is not None else \
        auto_range(network.get(names[1]), span)
    return SurfaceSpec(names, xr, yr, res, seed)
