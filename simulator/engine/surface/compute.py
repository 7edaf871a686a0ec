"""From a :class:`~.spec.SurfaceSpec` to a :class:`~.spec.Surface` (:func:`compute`)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from ..backprop import loss_value
from ..network import Network
from ..regularisation import Penalty
from .slices import Frame
from .spec import DIRECTION_AXES, Surface, SurfaceSpec, check_data


def compute(network: Network, inputs: ArrayLike, targets: ArrayLike, loss: str,
            spec: SurfaceSpec, penalty: Penalty | None = None) -> Surface:
    """The :class:`~.spec.Surface` that ``spec`` describes, over (inputs, targets).

    ``inputs`` are the data's inputs (the network's input features are applied to them);
    with a ``penalty`` the surface, its centre and its minimum are of E = data loss + the
    weight penalty, the loss training minimises (a document's is
    ``doc.training.penalty``)."""
    X, T = check_data(network, inputs, targets, loss)
    xs, ys = spec.xs, spec.ys
    with np.errstate(all="ignore"):
        center_loss = loss_value(network, X, T, loss, penalty)
    if spec.axes is None:
        frame = Frame.of_directions(network, spec.seed)
        assert frame.directions is not None
        d1, d2 = frame.directions
        directions: tuple[np.ndarray, np.ndarray] | None = (_readonly(d1), _readonly(d2))
        axes = DIRECTION_AXES
        center = (0.0, 0.0)
    else:
        frame = Frame.of_axes(network, spec.axes)
        directions = None
        axes = frame.labels
        center = (network.get(axes[0]), network.get(axes[1]))
    grid = frame.grid(network, inputs, targets, loss, xs, ys, penalty)
    finite = np.isfinite(grid)
    if finite.any():
        masked = np.where(finite, grid, np.inf)
        i, j = np.unravel_index(int(np.argmin(masked)), grid.shape)
        lo, hi = float(masked[i, j]), float(grid[finite].max())
        min_at: tuple[float, float] | None = (float(xs[i]), float(ys[j]))
    else:
        lo = hi = math.nan
        min_at = None
    return Surface(axes, _readonly(xs), _readonly(ys), _readonly(grid), center,
                   float(center_loss) if math.isfinite(center_loss) else math.inf,
                   lo, hi, min_at, directions)


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64)
    a.setflags(write=False)
    return a
