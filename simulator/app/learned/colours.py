"""Colours of the pictures of what the network learned: class colours and the maps from a
network's outputs to RGBA pixels (NumPy arrays, ready for pyqtgraph and QImage).

Class colours are the app's colour-blind-safe Okabe-Ito palette, in the data panel's order
(class 0 orange, class 1 blue, then bluish green, reddish purple, vermillion, sky blue), so
a class has the same colour in the preview, the decision boundary and the thumbnails.

- :func:`boundary_rgba`: the decision boundary. Each pixel takes its class's colour, mixed
  with the background by how sure the network is: at the boundary (confidence 0) the pixel
  is the background, far from it the class colour at :data:`MAX_TINT`, so data points drawn
  on top stay readable.
- :func:`neuron_rgba`: one neuron's output on a diverging map from orange (its lowest
  possible output) through the background (the middle of its range) to blue (its highest),
  as TensorFlow Playground draws its neurons. The range is the activation's own (sigmoid 0
  to 1, tanh -1 to 1) or, for unbounded activations, symmetric around 0 out to the largest
  magnitude on the plane (relu: 0 to its largest output).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..widgets import OKABE_ITO

#: Class colours, class 0 first (the data panel's order).
CLASS_COLOURS: tuple[str, ...] = (OKABE_ITO["orange"], OKABE_ITO["blue"],
                                  OKABE_ITO["bluish_green"], OKABE_ITO["reddish_purple"],
                                  OKABE_ITO["vermillion"], OKABE_ITO["sky_blue"])
#: On a dark background class 1 is sky blue (the blue is too dark to read there).
DARK_CLASS_COLOURS: tuple[str, ...] = (CLASS_COLOURS[0], OKABE_ITO["sky_blue"],
                                       *CLASS_COLOURS[2:5], OKABE_ITO["blue"])
#: The most a class colour covers the background (at full confidence).
MAX_TINT = 0.62
#: The diverging map's ends: a neuron's lowest and highest outputs.
LOW_COLOUR, HIGH_COLOUR = OKABE_ITO["orange"], OKABE_ITO["blue"]
DARK_HIGH_COLOUR = OKABE_ITO["sky_blue"]
#: Background colours of the pictures (the canvas's and the plots').
LIGHT_BACKGROUND, DARK_BACKGROUND = "#FFFFFF", "#1C1E21"
#: The output range of each bounded activation.
ACTIVATION_RANGES: dict[str, tuple[float, float]] = {"sigmoid": (0.0, 1.0),
                                                     "tanh": (-1.0, 1.0),
                                                     "softmax": (0.0, 1.0)}


def rgb(colour: str) -> np.ndarray:
    """"#RRGGBB" as three floats from 0 to 255."""
    text = colour.lstrip("#")
    return np.array([int(text[i:i + 2], 16) for i in (0, 2, 4)], dtype=np.float64)


def class_colours(dark: bool = False) -> tuple[str, ...]:
    """The class colours for a light or dark background."""
    return DARK_CLASS_COLOURS if dark else CLASS_COLOURS


def class_index(label: np.ndarray) -> np.ndarray:
    """Class numbers as colour indices (classes past the palette share its last colour)."""
    return np.minimum(np.asarray(label, dtype=np.int64), len(CLASS_COLOURS) - 1)


#: Levels of each colour ramp: a value is looked up, not mixed, per pixel (a redraw during
#: a run colours 18 pictures and a boundary of 10^4 pixels each). 1024 levels keep every
#: channel within half a unit of the exact mix.
LEVELS = 1024


@lru_cache(maxsize=8)
def _ramp(start: str, end: str) -> np.ndarray:
    """(LEVELS, 3) colours from ``start`` (level 0) to ``end`` (the last level)."""
    t = np.linspace(0.0, 1.0, LEVELS)[:, None]
    a, b = rgb(start), rgb(end)
    return a + (b - a) * t


@lru_cache(maxsize=4)
def _boundary_table(dark: bool) -> np.ndarray:
    """Per class, the ramp from the background to :data:`MAX_TINT` of its colour."""
    back = DARK_BACKGROUND if dark else LIGHT_BACKGROUND
    rows = []
    for colour in class_colours(dark):
        ramp = _ramp(back, colour)
        rows.append(ramp[0] + (ramp - ramp[0]) * MAX_TINT)
    return _rgba(np.concatenate(rows))


def _levels(share: np.ndarray) -> np.ndarray:
    """Shares from 0 to 1 (NaN as 0) as ramp levels."""
    return np.rint(np.clip(np.nan_to_num(share), 0.0, 1.0) * (LEVELS - 1)).astype(np.intp)


def boundary_rgba(label: np.ndarray, confidence: np.ndarray, dark: bool = False
                  ) -> np.ndarray:
    """The decision boundary's pixels, (ny, nx, 4) uint8, from the class and the confidence
    of each point (see :class:`~simulator.engine.boundary.Boundary`): the background mixed
    with :data:`MAX_TINT` x confidence of the class colour."""
    return _boundary_table(dark)[class_index(label) * LEVELS + _levels(confidence)]


def neuron_range(activation: str, values: np.ndarray) -> tuple[float, float]:
    """The output range a neuron's picture spans: the activation's own, else symmetric
    around 0 to the largest magnitude on the plane (0 to the largest for relu)."""
    fixed = ACTIVATION_RANGES.get(activation)
    if fixed is not None:
        return fixed
    finite = values[np.isfinite(values)]
    top = float(np.max(np.abs(finite))) if finite.size else 0.0
    top = top if top > 0 else 1.0
    return (0.0, top) if activation == "relu" else (-top, top)


@lru_cache(maxsize=4)
def _neuron_table(dark: bool) -> np.ndarray:
    """The diverging ramp: orange (level 0), the background (the middle), blue (the top)."""
    back = rgb(DARK_BACKGROUND if dark else LIGHT_BACKGROUND)
    high = rgb(DARK_HIGH_COLOUR if dark else HIGH_COLOUR)
    s = np.linspace(-1.0, 1.0, LEVELS)[:, None]  # level k: share k / (LEVELS - 1)
    towards = np.where(s < 0, rgb(LOW_COLOUR), high)
    return _rgba(back + (towards - back) * np.abs(s))


def neuron_rgba(values: np.ndarray, low: float, high: float, dark: bool = False) -> np.ndarray:
    """One neuron's output over the plane as pixels, (ny, nx, 4) uint8: ``low`` orange,
    the middle of the range the background, ``high`` blue (NaN shows as the background)."""
    span = high - low if high > low else 1.0
    with np.errstate(invalid="ignore"):
        share = (np.nan_to_num(values, nan=(low + high) / 2) - low) / span
    return _neuron_table(dark)[_levels(share)]


def _rgba(colour: np.ndarray) -> np.ndarray:
    out = np.empty((*colour.shape[:-1], 4), dtype=np.uint8)
    out[..., :3] = np.clip(np.rint(colour), 0, 255)
    out[..., 3] = 255
    return out
