"""The contour view: the same slice seen from above (no OpenGL needed).

An ImageItem coloured by height with a colour bar, contour lines, the paths, the current
point and the negative-gradient arrow, in the parameters' own coordinates. Items are
created once and updated with ``setData``/``setImage``. The contour lines of all levels are
one PlotDataItem (``connect="pairs"``) fed by ``pyqtgraph.isocurve``.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ...engine.surface import finite_range
from ..widgets import plain_axis
from .display import PATH_NOTE, GridView, PathView, PointView
from .style import (
    ARROW_COLOUR,
    OUTLINE_COLOUR,
    PATH_ORDER,
    PATH_WIDTHS,
    POINT_COLOUR,
    colormap,
    path_colour,
)

CONTOUR_LEVELS = 10
CONTOUR_MAX_POINTS = 101  # contour lines are traced on at most this many points per side
# (pyqtgraph's isocurve is about 3 ms per level at 101 x 101 and grows with the cells)
BACKGROUND = "#1c1c1e"
TICK_POINTS = 9.0  # the tick labels' size at 100% zoom
LABEL_COLOUR = "#e1e1e1"  # the axis names, on the dark background
LABEL_POINTS = 10.0  # the axis names' size at 100% zoom


def dark_plot(owner: QWidget) -> tuple[pg.PlotWidget, pg.PlotItem, pg.ViewBox]:
    """A plot on the dark background filling ``owner``: no context menu, no auto-range
    button, no grid (grid lines cost ~10 ms a paint), axes in plain numbers, the range set
    by code. The slice's contour view and the function lab's curve draw in one."""
    plot_widget = pg.PlotWidget(background=BACKGROUND)
    plot_widget.setMinimumSize(240, 180)
    layout = QVBoxLayout(owner)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(plot_widget)
    plot = plot_widget.getPlotItem()
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.showGrid(x=False, y=False)
    for name in ("left", "bottom"):  # "w5 = 0.18 (x0.001)" would confuse a student
        plain_axis(plot.getAxis(name))
    view_box = plot.getViewBox()
    view_box.disableAutoRange()
    return plot_widget, plot, view_box


def dark_legend(view_box: pg.ViewBox, offset: tuple[int, int]) -> pg.LegendItem:
    """A legend for a :func:`dark_plot`, light text on a translucent dark box."""
    legend = pg.LegendItem(offset=offset, labelTextColor=(230, 230, 230),
                           brush=pg.mkBrush(28, 28, 30, 200))
    legend.setParentItem(view_box)
    return legend


class ContourView(QWidget):
    """A pyqtgraph PlotWidget showing the slice as a coloured image with contours."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot_widget, self.plot, self.view_box = dark_plot(self)
        self.image = pg.ImageItem(axisOrder="col-major")
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.color_bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=colormap(),
                                         interactive=False, width=14)
        self.color_bar.axis.enableAutoSIPrefix(False)
        self.color_bar.setImageItem(self.image, insert_in=self.plot)
        self.contours = pg.PlotDataItem(connect="pairs", pen=pg.mkPen((255, 255, 255, 110),
                                                                       width=1))
        self.contours.setZValue(-5)
        self.plot.addItem(self.contours)

        self.path_items: dict[str, pg.PlotDataItem] = {}
        for key in PATH_ORDER:  # first underneath: coinciding paths show as nested stripes
            pen = pg.mkPen(path_colour(key), width=PATH_WIDTHS[key])
            item = pg.PlotDataItem(pen=pen)
            item.setVisible(False)
            self.path_items[key] = item
            self.plot.addItem(item)
        self.arrow_line = pg.PlotDataItem(pen=pg.mkPen(ARROW_COLOUR, width=3))
        self.arrow_head = pg.ArrowItem(angle=0, headLen=14, tipAngle=36, tailLen=None,
                                       pen=pg.mkPen(ARROW_COLOUR), brush=ARROW_COLOUR)
        self.marker = pg.ScatterPlotItem(size=13, brush=pg.mkBrush(POINT_COLOUR),
                                         pen=pg.mkPen(OUTLINE_COLOUR, width=1.5))
        for item in (self.arrow_line, self.arrow_head, self.marker):
            item.setVisible(False)
            self.plot.addItem(item)
        self.marker.setZValue(20)
        self.arrow_head.setZValue(15)
        self.legend = dark_legend(self.view_box, (-8, -8))
        self.legend.setToolTip(PATH_NOTE)
        self._legend_keys: list[tuple[str, str]] = []

        self.grid: GridView | None = None
        self.point: PointView | None = None
        self.contour_points = CONTOUR_MAX_POINTS  # a view that redraws per keystroke: fewer
        self.paths: list[PathView] = []
        self._range: tuple[float, float, float, float] | None = None
        self._zoom = 1.0
        self.view_box.sigRangeChanged.connect(self._orient_arrow)
        self.view_box.sigResized.connect(self._orient_arrow)
        self._set_labels(("", ""))

    def set_zoom(self, factor: float) -> None:
        """The axes' text at ``factor`` times its size."""
        self._zoom = factor
        font = QFont()
        font.setPointSizeF(max(5.0, TICK_POINTS * factor))
        for name in ("left", "bottom"):
            self.plot.getAxis(name).setStyle(tickFont=font)
        self.color_bar.axis.setStyle(tickFont=font)
        texts = self.point.texts if self.point is not None else (
            self.grid.labels if self.grid is not None else ("", ""))
        self._set_labels(texts)

    # --- updates ---------------------------------------------------------------------------

    def set_grid(self, grid: GridView | None) -> None:
        """Draw a new slice (image, colour bar, contours), keeping the zoom if the range is
        the same as before."""
        self.grid = grid
        if grid is None:
            self.image.setVisible(False)
            self.contours.setVisible(False)
            return
        lo, hi = finite_range(grid.z)
        shown = np.where(np.isfinite(grid.z), grid.z, hi)
        self.image.setImage(shown, autoLevels=False, levels=(lo, hi))
        xs, ys = grid.xs, grid.ys
        dx = (xs[-1] - xs[0]) / max(1, xs.size - 1)
        dy = (ys[-1] - ys[0]) / max(1, ys.size - 1)
        self.image.setRect(QRectF(xs[0] - dx / 2, ys[0] - dy / 2,
                                  xs[-1] - xs[0] + dx, ys[-1] - ys[0] + dy))
        self.color_bar.setLevels((lo, hi))
        self.color_bar.axis.setLabel(grid.z_label + (" (preview)" if grid.coarse else ""))
        self.image.setVisible(True)
        self._draw_contours(shown, xs, ys, lo, hi)
        rng = (float(xs[0]), float(xs[-1]), float(ys[0]), float(ys[-1]))
        if rng != self._range:
            self._range = rng
            self.reset_view()
        if self.point is None:
            self._set_labels(grid.labels)

    def _draw_contours(self, z: np.ndarray, xs: np.ndarray, ys: np.ndarray, lo: float,
                       hi: float) -> None:
        step = max(1, -(-max(z.shape) // self.contour_points))
        if step > 1:
            ix = np.unique(np.append(np.arange(0, z.shape[0], step), z.shape[0] - 1))
            iy = np.unique(np.append(np.arange(0, z.shape[1], step), z.shape[1] - 1))
            z, xs, ys = z[np.ix_(ix, iy)], xs[ix], ys[iy]
        segments = []
        if z.shape[0] >= 2 and z.shape[1] >= 2:
            for level in np.linspace(lo, hi, CONTOUR_LEVELS + 2)[1:-1]:
                segs = pg.isocurve(z, level, connected=False, extendToEdge=False)
                if segs:
                    segments.append(np.asarray(segs, dtype=np.float64).reshape(-1, 2))
        if not segments:
            self.contours.setVisible(False)
            return
        pts = np.concatenate(segments)
        # isocurve's coordinates are indices into z: map them onto the parameters' values.
        x = np.interp(pts[:, 0], np.arange(xs.size), xs)
        y = np.interp(pts[:, 1], np.arange(ys.size), ys)
        self.contours.setData(x, y)
        self.contours.setVisible(True)

    def set_point(self, point: PointView | None) -> None:
        """Move the marker and the arrow; the axis labels show the current values."""
        self.point = point
        if point is None:
            for item in (self.marker, self.arrow_line, self.arrow_head):
                item.setVisible(False)
            return
        self._set_labels(point.texts)
        self.marker.setData([point.u], [point.v])
        self.marker.setVisible(True)
        if point.arrow is None:
            self.arrow_line.setVisible(False)
            self.arrow_head.setVisible(False)
            return
        self.arrow_line.setData(point.arrow[:, 0], point.arrow[:, 1])
        self.arrow_line.setVisible(True)
        self.arrow_head.setPos(float(point.arrow[-1, 0]), float(point.arrow[-1, 1]))
        self.arrow_head.setVisible(True)
        self._orient_arrow()

    def set_paths(self, paths: list[PathView]) -> None:
        """Draw the training path and the comparison's paths, with a legend."""
        self.paths = list(paths)
        shown = {p.key: p for p in self.paths}
        for key, item in self.path_items.items():
            path = shown.get(key)
            if path is None or path.points.shape[0] < 1:
                item.setVisible(False)
                continue
            item.setData(path.points[:, 0], path.points[:, 1])
            item.setVisible(True)
        keys = [(p.key, p.label) for p in self.paths]
        if keys != self._legend_keys:
            self.legend.clear()
            for key, label in keys:
                self.legend.addItem(self.path_items[key], label)
            self._legend_keys = keys
            self.legend.setVisible(bool(keys))

    def reset_view(self) -> None:
        """Show the whole grid."""
        if self._range is None:
            return
        x0, x1, y0, y1 = self._range
        self.view_box.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.0)

    def _set_labels(self, texts: tuple[str, str]) -> None:
        style = {"font-size": f"{max(5.0, LABEL_POINTS * self._zoom):.1f}pt",
                 "color": LABEL_COLOUR}
        self.plot.setLabel("bottom", texts[0], **style)
        self.plot.setLabel("left", texts[1], **style)

    def _orient_arrow(self, *args: object) -> None:
        """Point the arrow head along the arrow as drawn on screen (the axes' scales may
        differ, so the angle in data coordinates would be wrong)."""
        point = self.point
        if point is None or point.arrow is None or len(point.arrow) < 2:
            return
        a, b = point.arrow[-2], point.arrow[-1]
        pa = self.view_box.mapViewToScene(QPointF(float(a[0]), float(a[1])))
        pb = self.view_box.mapViewToScene(QPointF(float(b[0]), float(b[1])))
        dx, dy = pb.x() - pa.x(), pb.y() - pa.y()
        if dx == 0 and dy == 0:
            return
        # ArrowItem: angle 0 points left; positive angles turn clockwise on screen.
        self.arrow_head.setStyle(angle=math.degrees(math.atan2(dy, dx)) + 180.0)
