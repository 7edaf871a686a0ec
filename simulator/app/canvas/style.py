"""Colours, fonts and pens of the network canvas, for a light and a dark theme.

Edge colours use the Okabe-Ito colour-blind-safe pair (blue for positive, vermillion or
orange for negative), and the sign is also carried by the line style (solid positive,
dashed negative), so the canvas reads in greyscale and for colour-blind students too.
Sizes are in scene units; at the fitted zoom on a projector one unit is about one pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPen

#: Neuron circle radius (at 100% zoom).
NEURON_RADIUS = 40.0
#: Pixel sizes of the fonts (large enough to read from the back of a classroom).
LABEL_FONT_PX = 17
NAME_FONT_PX = 24
VALUE_FONT_PX = 16
LEGEND_FONT_PX = 15
CAPTION_FONT_PX = 14  # the activation's name inside a neuron
#: The smallest on-screen size (pixels, at 100% interface zoom) of a value on the canvas:
#: the canvas shows fewer labels rather than smaller ones.
MIN_TEXT_PX = 14.0
#: Padding inside label boxes.
LABEL_PAD_X = 8.0
LABEL_PAD_Y = 3.0
#: Edge widths: weights map |w| to 1.5 + WEIGHT_WIDTH_SCALE * |w|, clamped to MAX_EDGE_WIDTH;
#: gradients map |g| / max|g| to 1.5 .. MAX_EDGE_WIDTH.
MIN_EDGE_WIDTH = 1.5
MAX_EDGE_WIDTH = 9.0
WEIGHT_WIDTH_SCALE = 3.5
#: Width of the yellow highlight glow around the element being computed.
GLOW_WIDTH = 16.0
#: Width of the highlighted border of a label (its box is tinted too).
LABEL_GLOW_WIDTH = 3.0
#: The margin of background colour around a label's box (lines stop short of it).
LABEL_HALO = 3.0


@dataclass(frozen=True)
class Theme:
    """The palette of one theme."""

    name: str
    background: QColor
    text: QColor
    dim_text: QColor
    node_fill: QColor
    node_border: QColor
    label_fill: QColor
    label_border: QColor
    bias_fill: QColor
    frozen_text: QColor
    positive: QColor
    negative: QColor
    zero: QColor
    glow: QColor
    soft_glow: QColor
    selection: QColor
    faded_alpha: int = 70  # alpha of an edge not yet reached by the backward pass
    highlight_fill: QColor = field(default_factory=lambda: QColor("#FFF4C8"))  # being computed
    glow_border: QColor = field(default_factory=lambda: QColor("#E0A000"))  # and its border


LIGHT = Theme(
    name="light",
    background=QColor("#FFFFFF"),
    text=QColor("#1A1A1A"),
    dim_text=QColor("#9A9A9A"),
    node_fill=QColor("#EEF2F7"),
    node_border=QColor("#3C3C3C"),
    label_fill=QColor(255, 255, 255, 235),
    label_border=QColor("#9A9A9A"),
    bias_fill=QColor("#F3EEDC"),
    frozen_text=QColor("#8A8A8A"),
    positive=QColor("#0072B2"),   # Okabe-Ito blue
    negative=QColor("#D55E00"),   # Okabe-Ito vermillion
    zero=QColor("#A0A0A0"),
    glow=QColor(255, 200, 0, 220),
    soft_glow=QColor(255, 200, 0, 150),
    selection=QColor("#CC0077"),
)

DARK = Theme(
    name="dark",
    background=QColor("#1E1E1E"),
    text=QColor("#F0F0F0"),
    dim_text=QColor("#7C7C7C"),
    node_fill=QColor("#2E3440"),
    node_border=QColor("#D0D0D0"),
    label_fill=QColor(38, 38, 38, 235),
    label_border=QColor("#6A6A6A"),
    bias_fill=QColor("#3A3628"),
    frozen_text=QColor("#8C8C8C"),
    positive=QColor("#56B4E9"),   # Okabe-Ito sky blue: readable on dark grey
    negative=QColor("#E69F00"),   # Okabe-Ito orange
    zero=QColor("#808080"),
    glow=QColor(255, 214, 0, 200),
    soft_glow=QColor(255, 214, 0, 120),
    selection=QColor("#FF66CC"),
    faded_alpha=150,  # thin faded lines must not vanish into the dark background
    highlight_fill=QColor("#4A4222"),
    glow_border=QColor("#F0C020"),
)


def font(pixel_size: int, bold: bool = False) -> QFont:
    """A sans-serif font of ``pixel_size`` pixels."""
    f = QFont()
    f.setStyleHint(QFont.StyleHint.SansSerif)
    f.setPixelSize(pixel_size)
    f.setBold(bold)
    return f


def sign_color(value: float, theme: Theme) -> QColor:
    """Positive blue, negative vermillion/orange, zero (or not finite) grey."""
    if not math.isfinite(value) or value == 0.0:
        return QColor(theme.zero)
    return QColor(theme.positive if value > 0 else theme.negative)


def weight_width(value: float) -> float:
    """Pen width for a weight of this value: grows with |w|, clamped."""
    if not math.isfinite(value):
        return MAX_EDGE_WIDTH
    return min(MAX_EDGE_WIDTH, MIN_EDGE_WIDTH + WEIGHT_WIDTH_SCALE * abs(value))


def gradient_width(value: float, largest: float) -> float:
    """Pen width for a gradient, normalised by the largest |gradient| in the network."""
    if not math.isfinite(value):
        return MAX_EDGE_WIDTH
    if largest <= 0.0 or not math.isfinite(largest):
        return MIN_EDGE_WIDTH
    return MIN_EDGE_WIDTH + (MAX_EDGE_WIDTH - MIN_EDGE_WIDTH) * min(1.0, abs(value) / largest)


def edge_pen(value: float, width: float, theme: Theme, faded: bool = False) -> QPen:
    """The pen of an edge showing ``value``: colour and line style by sign."""
    color = sign_color(value, theme)
    if faded:
        color.setAlpha(theme.faded_alpha)
    pen = QPen(color, width)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    if math.isfinite(value) and value < 0:
        pen.setStyle(Qt.PenStyle.CustomDashLine)
        # Dash lengths are in pen widths; keep the dashes visible for thin and thick lines.
        dash = max(2.0, 10.0 / width)
        pen.setDashPattern([dash, dash * 0.6])
    return pen


#: Edge pens by (theme, sign, faded, width in steps of PEN_WIDTH_STEP): while training runs
#: every edge asks for a pen up to 60 times a second and almost always gets the one it has.
_EDGE_PENS: dict[tuple[str, int, bool, int], QPen] = {}
#: Edge widths are rounded to this step (a twentieth of a scene unit: invisible), so a
#: weight that hardly moves keeps its pen and its line is not repainted.
PEN_WIDTH_STEP = 0.05
_SIGN_VALUES = {1: 1.0, -1: -1.0, 0: 0.0, 2: math.nan}


def shared_edge_pen(value: float, width: float, theme: Theme, faded: bool = False) -> QPen:
    """:func:`edge_pen`, made once per sign, width step, fading and theme (do not change
    the pen you get: it is shared)."""
    if not math.isfinite(value):
        sign = 2  # grey and solid, as edge_pen draws NaN and +-inf
    else:
        sign = 1 if value > 0 else (-1 if value < 0 else 0)
    steps = max(1, round(width / PEN_WIDTH_STEP)) if math.isfinite(width) else 1
    key = (theme.name, sign, faded, steps)
    pen = _EDGE_PENS.get(key)
    if pen is None:
        pen = _EDGE_PENS[key] = edge_pen(_SIGN_VALUES[sign], steps * PEN_WIDTH_STEP, theme,
                                         faded)
    return pen
