"""What the network computes over its input plane: the decision boundary and every neuron's
picture, and for one input the fitted curve.

For data with two inputs x1 and x2, a :class:`Plane` is a grid of points covering the data;
:func:`plane_values` runs the network once over all of them (applying the network's input
features, see :mod:`simulator.engine.features`) and keeps every layer's outputs, so one call
gives the decision boundary and the thumbnail of every neuron. :func:`decision_boundary`
turns the output layer's values into a class and a confidence per point.

Images are (ny, nx) arrays: row j is x2 = ``plane.ys[j]`` (increasing), column i is
x1 = ``plane.xs[i]`` (increasing). Every number here is the network's own output at that
point: the forward pass of :mod:`simulator.engine.backprop`, nothing recomputed another way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .backprop import forward
from .datasets import Dataset
from .features import network_inputs
from .metrics import THRESHOLD
from .network import Network

#: Points per side of the plane when nothing else is asked.
DEFAULT_RESOLUTION = 100
#: The plane reaches this fraction of the data's extent beyond it on every side.
DEFAULT_MARGIN = 0.1
#: The largest plane side a caller may ask for (10^6 points).
MAX_RESOLUTION = 1000


class PlaneError(ValueError):
    """A plane that cannot be drawn as asked; the message is for the user."""


@dataclass(frozen=True)
class Plane:
    """A grid over the data's two inputs: ``xs`` (x1, length nx) by ``ys`` (x2, length ny)."""

    xs: np.ndarray
    ys: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """(ny, nx), the shape of an image over the plane."""
        return int(self.ys.size), int(self.xs.size)

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(x1 min, x1 max, x2 min, x2 max) of the grid points."""
        return float(self.xs[0]), float(self.xs[-1]), float(self.ys[0]), float(self.ys[-1])

    def points(self) -> np.ndarray:
        """The grid points as data inputs, (ny * nx, 2), row by row: point j * nx + i is
        (xs[i], ys[j])."""
        gx, gy = np.meshgrid(self.xs, self.ys)
        return np.column_stack([gx.ravel(), gy.ravel()])


def plane_applies(network: Network, data: Dataset) -> bool:
    """Whether the network's outputs can be drawn over the data's input plane: two inputs
    (the network taking them as they are or through features) and more than one sample (for
    the reference lesson's single sample there is no plane worth drawing)."""
    if data.n_inputs != 2 or data.n_samples + data.n_test < 2:
        return False
    return bool(network.features) or network.input_size == 2


def curve_applies(network: Network, data: Dataset) -> bool:
    """Whether the network's outputs can be drawn as a curve over the data's one input."""
    if data.n_inputs != 1 or data.n_samples + data.n_test < 2:
        return False
    return bool(network.features) or network.input_size == 1


def _check_resolution(resolution: int) -> int:
    if (isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer))
            or not 2 <= resolution <= MAX_RESOLUTION):
        raise PlaneError(f"the plane's resolution must be a whole number from 2 to "
                         f"{MAX_RESOLUTION}, not {resolution!r}")
    return int(resolution)


def data_extent(data: Dataset) -> np.ndarray:
    """(n_inputs, 2) of each data input's (min, max) over the training and test samples."""
    x = data.inputs if data.test_inputs is None else np.vstack([data.inputs, data.test_inputs])
    return np.column_stack([x.min(axis=0), x.max(axis=0)])


def _padded(lo: float, hi: float, margin: float) -> tuple[float, float]:
    span = hi - lo
    if not span > 0:  # one value (or all samples alike): a unit-wide window around it
        span = max(1.0, abs(lo))
        return lo - span / 2, hi + span / 2
    return lo - margin * span, hi + margin * span


def plane_for(data: Dataset, resolution: int = DEFAULT_RESOLUTION,
              margin: float = DEFAULT_MARGIN) -> Plane:
    """A ``resolution`` x ``resolution`` plane covering the data's two inputs (training and
    test samples) with ``margin`` of their extent to spare on every side."""
    n = _check_resolution(resolution)
    if data.n_inputs != 2:
        raise PlaneError(f"the input plane needs data with two inputs; this data has "
                         f"{data.n_inputs}")
    ext = data_extent(data)
    (x0, x1), (y0, y1) = (_padded(float(lo), float(hi), margin) for lo, hi in ext)
    return Plane(np.linspace(x0, x1, n), np.linspace(y0, y1, n))


def line_for(data: Dataset, resolution: int = DEFAULT_RESOLUTION,
             margin: float = DEFAULT_MARGIN) -> np.ndarray:
    """``resolution`` values of the one data input (for the fitted curve), covering the data
    with ``margin`` to spare."""
    n = _check_resolution(resolution)
    if data.n_inputs != 1:
        raise PlaneError(f"a fitted curve needs data with one input; this data has "
                         f"{data.n_inputs}")
    lo, hi = data_extent(data)[0]
    a, b = _padded(float(lo), float(hi), margin)
    return np.linspace(a, b, n)


@dataclass(frozen=True)
class PlaneValues:
    """Every neuron's output over a plane. ``layers[k]`` is (ny, nx, size of layer k) for
    layer k of the network (0 = the input neurons, i.e. the features; the last = outputs)."""

    plane: Plane
    layers: tuple[np.ndarray, ...]

    def neuron(self, layer: int, index: int) -> np.ndarray:
        """Neuron ``index`` of layer ``layer``'s output over the plane, (ny, nx)."""
        return self.layers[layer][:, :, index]

    @property
    def output(self) -> np.ndarray:
        """The output layer's values over the plane, (ny, nx, n_outputs)."""
        return self.layers[-1]


def plane_values(network: Network, plane: Plane) -> PlaneValues:
    """Run the network over every point of ``plane`` (one forward pass) and keep every
    layer's outputs. The network must take the data's two inputs (with or without
    features)."""
    points = plane.points()
    try:
        x = network_inputs(network, points)
    except ValueError as exc:
        raise PlaneError(str(exc)) from None
    if x.shape[1] != network.input_size:
        raise PlaneError(f"the network has {network.input_size} inputs, so it cannot be "
                         f"drawn over the plane of two inputs")
    fp = forward(network, x)
    ny, nx = plane.shape
    return PlaneValues(plane, tuple(o.reshape(ny, nx, o.shape[1]) for o in fp.outs))


@dataclass(frozen=True)
class Boundary:
    """The decision boundary over a plane: per point the class the network picks
    (``label``, (ny, nx) ints) and how sure it is (``confidence``, 0 to 1).

    With one output, ``value`` is the output itself (class 1 where it is >= 0.5) and the
    confidence is |2 * output - 1| clipped to [0, 1]. With several outputs the class is the
    largest output (argmax) and the confidence the gap between the two largest outputs
    clipped to [0, 1] (for softmax outputs, how much more likely the winner is than the
    runner-up); ``value`` is then the winner's output.
    """

    plane: Plane
    label: np.ndarray
    confidence: np.ndarray
    value: np.ndarray
    n_classes: int


def boundary_from(values: PlaneValues) -> Boundary:
    """The decision boundary from already computed plane values."""
    out = values.output
    if out.shape[2] == 1:
        o = out[:, :, 0]
        label = (o >= THRESHOLD).astype(np.int64)
        confidence = np.clip(np.abs(2.0 * o - 1.0), 0.0, 1.0)
        return Boundary(values.plane, label, np.nan_to_num(confidence), o, 2)
    safe = np.where(np.isnan(out), -np.inf, out)
    label = np.argmax(safe, axis=2)
    top2 = np.sort(safe, axis=2)[:, :, -2:]
    with np.errstate(invalid="ignore"):
        gap = top2[:, :, 1] - top2[:, :, 0]
    confidence = np.nan_to_num(np.clip(gap, 0.0, 1.0))
    value = np.take_along_axis(out, label[:, :, None], axis=2)[:, :, 0]
    return Boundary(values.plane, label, confidence, value, out.shape[2])


def decision_boundary(network: Network, plane: Plane) -> Boundary:
    """The network's decision boundary over ``plane``."""
    return boundary_from(plane_values(network, plane))


def fitted_curve(network: Network, xs: np.ndarray) -> np.ndarray:
    """The network's outputs at the one-input points ``xs``, (len(xs), n_outputs)."""
    x = np.asarray(xs, dtype=np.float64).reshape(-1, 1)
    try:
        inputs = network_inputs(network, x)
    except ValueError as exc:
        raise PlaneError(str(exc)) from None
    if inputs.shape[1] != network.input_size:
        raise PlaneError(f"the network has {network.input_size} inputs, so it cannot be "
                         f"drawn over one input")
    return forward(network, inputs).output
