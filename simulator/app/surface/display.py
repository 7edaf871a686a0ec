"""What the surface views draw (plain values the controller hands out), and the interface
both views (3D and contour) offer for drawing them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ...engine.surface import FrameKind

PATH_NOTE = ("The path's height is the loss on the slice shown: each past point's two "
             "coordinates with every other parameter at its current value, so the path lies "
             "on the surface (it is not the loss the network had at that iteration).")
DIRECTIONS_NOTE = ("Random directions: the plane through the current parameters spanned by "
                   "two random directions d1, d2 (filter-normalised as in Li et al. 2018, "
                   "drawn from the seed when the mode is switched on, the seed changes or the "
                   "network's shape changes). α and β are steps along d1 and d2; the path is "
                   "projected onto the plane (least squares). A training path is usually "
                   "almost orthogonal to two random directions, so its projection is short.")


@dataclass(frozen=True, eq=False)
class GridView:
    """A computed grid to draw: ``z[i, j]`` at (xs[i], ys[j]); +inf where not finite."""

    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray
    labels: tuple[str, str]
    z_label: str
    coarse: bool
    kind: FrameKind


@dataclass(frozen=True, eq=False)
class PointView:
    """The current point (u, v, loss), its labels, and the negative-gradient arrow (K, 3)
    (None when the gradient on the slice is zero or not finite)."""

    u: float
    v: float
    z: float
    labels: tuple[str, str]
    texts: tuple[str, str]
    arrow: np.ndarray | None
    gradient: tuple[float, float]


@dataclass(frozen=True, eq=False)
class PathView:
    """A path to draw: ``key`` ("path" or an optimizer name), its legend label, (N, 3)."""

    key: str
    label: str
    points: np.ndarray


class SliceDisplay(Protocol):
    """A view that draws a slice: the 3D view and the contour view."""

    def set_grid(self, grid: GridView | None) -> None:
        """Draw a new grid (None: nothing yet)."""

    def set_point(self, point: PointView | None) -> None:
        """Move the current point and its gradient arrow."""

    def set_paths(self, paths: list[PathView]) -> None:
        """Draw the training path and the comparison's paths."""

    def reset_view(self) -> None:
        """Bring the camera or the zoom back to the start."""
