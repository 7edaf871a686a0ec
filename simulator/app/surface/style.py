"""Colours shared by the 3D and the contour views (Okabe-Ito for the paths)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from ..widgets import OKABE_ITO

COLORMAP_NAME = "viridis"

# Okabe & Ito (2008), "Color Universal Design": distinguishable with colour-vision
# deficiencies. The training path is white (black in the contour view's legend swatch would
# vanish on dark parts of the map), the current point and its gradient vermillion.
PATH_COLOURS = {
    "path": "#FFFFFF",
    "gd": OKABE_ITO["orange"],
    "sgd": OKABE_ITO["sky_blue"],
    "momentum": OKABE_ITO["bluish_green"],
    "adam": OKABE_ITO["reddish_purple"],
    "pirate": OKABE_ITO["yellow"],  # the function lab's random walker
}
# Drawing order (first = underneath) and widths: paths that coincide (GD and SGD on a
# one-sample data set, the training path and GD) stay visible as nested stripes.
PATH_ORDER = ("path", "gd", "sgd", "momentum", "adam", "pirate")
PATH_WIDTHS = {"path": 6.0, "gd": 4.0, "sgd": 2.0, "momentum": 2.0, "adam": 2.0,
               "pirate": 2.5}
POINT_COLOUR = OKABE_ITO["vermillion"]
ARROW_COLOUR = OKABE_ITO["vermillion"]
OUTLINE_COLOUR = "#000000"


def colormap() -> pg.ColorMap:
    """The colour map of heights (low = dark purple, high = yellow)."""
    cmap = pg.colormap.get(COLORMAP_NAME)
    assert cmap is not None
    return cmap


def lookup_table(n: int = 256) -> np.ndarray:
    """(n, 4) uint8 RGBA colours of the height map, low to high."""
    lut = colormap().getLookupTable(0.0, 1.0, n, alpha=True)
    return np.ascontiguousarray(lut, dtype=np.uint8)


def path_colour(key: str) -> QColor:
    """The colour of a path by key ("path" or an optimizer name)."""
    return QColor(PATH_COLOURS.get(key, OKABE_ITO["blue"]))


def rgba_f(colour: str | QColor, alpha: float = 1.0) -> tuple[float, float, float, float]:
    """A colour as (r, g, b, a) floats for the GL items."""
    c = QColor(colour)
    return c.redF(), c.greenF(), c.blueF(), alpha
