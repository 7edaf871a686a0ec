"""One zoom for the whole interface: Ctrl+= / Ctrl+- / Ctrl+0 scale every text together.

The main window holds the zoom factor (saved in the settings) and the list of views that
draw their own text; it tells each of them with :meth:`Zoomable.set_zoom`, and sets the
window's font, which every plain widget (menus, toolbars, forms, tables) inherits. A view
that sets a font of its own (the canvas's scene fonts, the derivation's monospace text,
the plots' axes, the 3D view's labels) is a :class:`Zoomable` and scales it from its base
size with :func:`scaled_px` / :func:`scaled_pt`.

Presenter mode multiplies the zoom by :data:`PRESENTER_FACTOR` (large type) without
changing the saved one. No state here: the factors and the helpers.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from PySide6.QtGui import QFont

#: The zoom levels Ctrl+= and Ctrl+- step through (1.0 is Ctrl+0).
ZOOM_LEVELS: tuple[float, ...] = (0.7, 0.8, 0.9, 1.0, 1.1, 1.25, 1.4, 1.6, 1.8, 2.0, 2.5)
DEFAULT_ZOOM = 1.0
MIN_ZOOM, MAX_ZOOM = ZOOM_LEVELS[0], ZOOM_LEVELS[-1]
#: Presenter mode's large type: the zoom times this.
PRESENTER_FACTOR = 1.25


@runtime_checkable
class Zoomable(Protocol):
    """A view that draws text of its own and scales it with the interface zoom."""

    def set_zoom(self, factor: float) -> None:
        """Scale every text of the view to ``factor`` times its base size (1.0: 100%)."""


def clamp_zoom(factor: float) -> float:
    """``factor`` kept within :data:`MIN_ZOOM` .. :data:`MAX_ZOOM` (1.0 for nonsense)."""
    try:
        value = float(factor)
    except (TypeError, ValueError):
        return DEFAULT_ZOOM
    if value != value:  # NaN
        return DEFAULT_ZOOM
    return min(MAX_ZOOM, max(MIN_ZOOM, value))


def next_zoom(factor: float, up: bool) -> float:
    """The next level above (``up``) or below ``factor`` (the same at either end)."""
    if up:
        bigger = [z for z in ZOOM_LEVELS if z > factor + 1e-9]
        return bigger[0] if bigger else ZOOM_LEVELS[-1]
    smaller = [z for z in ZOOM_LEVELS if z < factor - 1e-9]
    return smaller[-1] if smaller else ZOOM_LEVELS[0]


def zoom_percent(factor: float) -> str:
    """"125%"."""
    return f"{round(factor * 100)}%"


def scaled_px(base_px: float, factor: float) -> int:
    """A pixel size ``base_px`` at zoom ``factor`` (at least 6 px)."""
    return max(6, round(base_px * factor))


def scaled_pt(base_pt: float, factor: float) -> float:
    """A point size ``base_pt`` at zoom ``factor`` (at least 5 pt)."""
    return max(5.0, base_pt * factor)


def scaled_font(base: QFont, factor: float) -> QFont:
    """A copy of ``base`` at ``factor`` times its size (pixel or point, as it was given)."""
    font = QFont(base)
    if base.pixelSize() > 0:
        font.setPixelSize(scaled_px(base.pixelSize(), factor))
    else:
        font.setPointSizeF(scaled_pt(base.pointSizeF(), factor))
    return font


__all__ = ["DEFAULT_ZOOM", "MAX_ZOOM", "MIN_ZOOM", "PRESENTER_FACTOR", "ZOOM_LEVELS",
           "Zoomable", "clamp_zoom", "next_zoom", "scaled_font", "scaled_pt", "scaled_px",
           "zoom_percent"]
