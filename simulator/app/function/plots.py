"""The function lab's plots: the curve of a one-variable function with its tangent, and the
cost-surface views (3D and contours) fed with a typed function's grid.

:class:`FunctionSurface` reuses :mod:`simulator.app.surface` as it is: its
:class:`~simulator.app.surface.contour.ContourView` and
:class:`~simulator.app.surface.view3d.Surface3DView` draw any
:class:`~simulator.app.surface.display.GridView`, :class:`~simulator.app.surface.display.
PointView` and :class:`~simulator.app.surface.display.PathView` (the
:class:`~simulator.app.surface.display.SliceDisplay` protocol); here those come from the
function lab's model (its grid over the plot range, the current point with the negative
gradient, the descent's path and the pirate's) instead of a network's loss. Items are
created once and updated with ``setData``; every number is the engine's (through the
model), the views only place them.

Both plots report a left click on the plot as a new start point (``clicked``); the 3D view
is rotated with the mouse, so the start is clicked on the contours or typed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from ...engine.numbers import format_number
from ...engine.optimizers import OPTIMIZER_LABELS
from ...engine.surface import AXES, finite_range, subsample
from ..surface.contour import ContourView, dark_legend, dark_plot
from ..surface.controller import ARROW_FRACTION, ARROW_SAMPLES, LABEL_DIGITS
from ..surface.display import GridView, PathView, PointView, SliceDisplay
from ..surface.gl import ensure_pyopengl_platform, gl_available
from ..surface.style import ARROW_COLOUR, OUTLINE_COLOUR, POINT_COLOUR, path_colour
from .model import FunctionLabModel
from .state import VIEW_CONTOUR, VIEW_SURFACE

if TYPE_CHECKING:
    from ..surface.view3d import Surface3DView

#: Grid points along each axis of the surface (the cost surface's finest default).
SURFACE_RESOLUTION = 201
#: The 3D mesh takes every MESH_STRIDE-th grid point (101 x 101, as the cost surface's): a
#: software renderer (a projector's laptop without a GPU driver) draws 40,000 vertices
#: slowly, and the eye sees no difference.
MESH_STRIDE = 2
#: Points per side on which the contour lines are traced.
CONTOUR_POINTS = 51
#: Points along the curve.
CURVE_RESOLUTION = 801
#: Most points of a path drawn (a longer one is drawn through evenly spread steps).
MAX_DRAWN_POINTS = 2000
#: The tangent spans this share of the x range, centred on the point.
TANGENT_FRACTION = 0.4
PIRATE = "pirate"
CURVE_COLOUR = "#E6E6E6"
NOTE = ("The heights of the paths are f at each point of the path (with any variable beyond "
        "the first two at its current value, the slice shown).")


def descent_label(model: FunctionLabModel) -> str:
    """The legend's name of the descent's path."""
    s = model.settings
    n = model.steps_taken
    return (f"{OPTIMIZER_LABELS.get(s.optimizer, s.optimizer)}, lr "
            f"{format_number(s.learning_rate, model.digits)}: {n} step{'s' if n != 1 else ''}")


def pirate_label(model: FunctionLabModel) -> str:
    """The legend's name of the pirate's path."""
    rule = "downhill only" if model.settings.downhill_only else "every step"
    return f"pirate ({rule})"


def _drawn(points: np.ndarray) -> np.ndarray:
    """At most about MAX_DRAWN_POINTS rows of a path, the first and the last kept."""
    return points[subsample(points.shape[0], MAX_DRAWN_POINTS)]


class CurvePlot(QWidget):
    """f(x) over the plot range, the tangent at the current point, the descent's points
    and the pirate's, and the current point."""

    clicked = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot_widget, self.plot, self.view_box = dark_plot(self)
        self.curve = pg.PlotDataItem(pen=pg.mkPen(CURVE_COLOUR, width=2.5), connect="finite")
        self.tangent = pg.PlotDataItem(pen=pg.mkPen(ARROW_COLOUR, width=2.5,
                                                    style=Qt.PenStyle.DashLine))
        self.descent = pg.PlotDataItem(pen=pg.mkPen(path_colour("gd"), width=2.5),
                                       symbol="o", symbolSize=9,
                                       symbolBrush=path_colour("gd"),
                                       symbolPen=pg.mkPen(OUTLINE_COLOUR, width=1))
        self.pirate = pg.PlotDataItem(pen=pg.mkPen(path_colour(PIRATE), width=1.5,
                                                   style=Qt.PenStyle.DotLine),
                                      symbol="t", symbolSize=10,
                                      symbolBrush=path_colour(PIRATE),
                                      symbolPen=pg.mkPen(OUTLINE_COLOUR, width=1))
        self.marker = pg.ScatterPlotItem(size=14, brush=pg.mkBrush(POINT_COLOUR),
                                         pen=pg.mkPen(OUTLINE_COLOUR, width=1.5))
        self.legend = dark_legend(self.view_box, (-8, 8))
        for item, z in ((self.curve, 0), (self.tangent, 5), (self.pirate, 8),
                        (self.descent, 10), (self.marker, 20)):
            item.setZValue(z)
            self.plot.addItem(item)
        self._legend: list[str] = []
        self._range_key: object = None
        self._grid_key: object = None  # what the curve shows (only a change recomputes it)
        self.plot_widget.scene().sigMouseClicked.connect(self._on_click)
        self.plot_widget.setToolTip("Click on the plot to start the descent there")

    def show_model(self, model: FunctionLabModel, parts: set[str]) -> None:
        """Redraw what ``parts`` names ("grid": the curve; "point"; "paths")."""
        name = model.variables[0]
        key = (model.function, model.ranges[0])
        if "grid" in parts and key != self._grid_key:
            self._grid_key = key
            xs, ys = model.curve(CURVE_RESOLUTION)
            self.curve.setData(xs, ys)
            if key != self._range_key:
                self._range_key = key
                self._fit(xs, ys, model)
            self.plot.setLabel("bottom", name)
            self.plot.setLabel("left", f"f({name})")
        if "point" in parts:
            here = model.current
            x, y, slope = here.point[0], here.value, here.gradient[0]
            if math.isfinite(y):
                self.marker.setData([x], [y])
                self.marker.setVisible(True)
            else:
                self.marker.setVisible(False)
            x0, x1 = model.ranges[0]
            half = TANGENT_FRACTION * (x1 - x0) / 2
            if math.isfinite(y) and math.isfinite(slope):
                self.tangent.setData([x - half, x + half], [y - slope * half, y + slope * half])
                self.tangent.setVisible(True)
            else:
                self.tangent.setVisible(False)
        if "paths" in parts:
            colour = path_colour(model.settings.optimizer)
            self.descent.setPen(pg.mkPen(colour, width=2.5))
            self.descent.setSymbolBrush(colour)
            pts = _drawn(model.descent.points)
            self.descent.setData(pts[:, 0], model.values_at(pts))
            walk = model.pirate
            if walk is not None:
                wp = _drawn(walk.points)
                self.pirate.setData(wp[:, 0], model.values_at(wp))
            self.pirate.setVisible(walk is not None)
            labels = [descent_label(model)] + ([pirate_label(model)] if walk is not None else [])
            if labels != self._legend:
                self.legend.clear()
                self.legend.addItem(self.descent, labels[0])
                if walk is not None:
                    self.legend.addItem(self.pirate, labels[1])
                self.legend.addItem(self.tangent, "tangent at the point")
                self._legend = labels

    def _fit(self, xs: np.ndarray, ys: np.ndarray, model: FunctionLabModel) -> None:
        values = np.concatenate([ys, model.values_at(model.descent.points)])
        finite = values[np.isfinite(values)]
        lo, hi = finite_range(finite if finite.size else np.zeros(1))
        if finite.size > 10:  # a pole (1/x, tan) would squash the curve to a line
            p_lo, p_hi = np.percentile(finite, [2.0, 98.0])
            if hi - lo > 20.0 * max(p_hi - p_lo, 1e-12):
                lo, hi = float(p_lo), float(p_hi)
        pad = 0.08 * (hi - lo)
        self.view_box.setRange(xRange=(float(xs[0]), float(xs[-1])),
                               yRange=(lo - pad, hi + pad), padding=0.0)

    def reset_view(self) -> None:
        """Fit the curve again at the next redraw."""
        self._range_key = self._grid_key = None

    def _on_click(self, event: object) -> None:
        ev = event  # pyqtgraph's MouseClickEvent
        if getattr(ev, "button", lambda: None)() != Qt.MouseButton.LeftButton:
            return
        pos = ev.scenePos()  # type: ignore[attr-defined]
        if not self.view_box.sceneBoundingRect().contains(pos):
            return
        point = self.view_box.mapSceneToView(QPointF(pos))
        self.clicked.emit(float(point.x()))


class FunctionSurface(QWidget):
    """The surface views (3D when OpenGL works, contours always) drawing the model's
    function of two variables."""

    clicked = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        ok, reason = gl_available()
        self.gl_ok, self.gl_reason = ok, reason
        self.view3d: Surface3DView | None = None
        self.contour = ContourView()
        # Contour lines are traced in Python (pyqtgraph's isocurve, ~0.2 ms per level per
        # 1000 cells): on 51 x 51 points they keep a typed character's redraw within budget.
        self.contour.contour_points = CONTOUR_POINTS
        self.contour.legend.setToolTip(NOTE)
        self.contour.color_bar.setToolTip("Height and colour: f")
        self.contour.plot_widget.setToolTip("Click on the map to start the descent there")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.contour)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.notice)
        layout.addWidget(self.stack, 1)
        self._stale: set[QWidget] = set()
        self._grid_keys: dict[int, object] = {}  # per view: the grid it shows
        self._mode = VIEW_CONTOUR
        self.contour.plot_widget.scene().sigMouseClicked.connect(self._on_click)

    @property
    def mode(self) -> str:
        """VIEW_SURFACE (3D) or VIEW_CONTOUR: the view shown."""
        return self._mode

    @property
    def display(self) -> SliceDisplay:
        """The view shown."""
        return self.view3d if self._mode == VIEW_SURFACE and self.view3d is not None \
            else self.contour

    def set_mode(self, mode: str) -> bool:
        """Show the 3D view (made the first time it is needed, when OpenGL works) or the
        contours; returns whether the view shown changed (and so needs a full redraw)."""
        if mode == VIEW_SURFACE and self.view3d is None and self.gl_ok:
            try:
                ensure_pyopengl_platform()
                from ..surface.view3d import Surface3DView

                self.view3d = Surface3DView()
                self.view3d.color_legend.setToolTip("Height and colour: f")
                self.view3d.path_legend.setMaximumWidth(140)
                self.stack.addWidget(self.view3d)
            except Exception as exc:  # a broken GL stack: the contours, never a blank view
                self.gl_ok, self.gl_reason = False, f"the 3D view could not be created ({exc})"
        if mode == VIEW_SURFACE and self.view3d is None:
            self.notice.setText(f"3D view unavailable ({self.gl_reason}): showing the "
                                "contour map.")
            self.notice.setVisible(True)
            mode = VIEW_CONTOUR
        else:
            self.notice.setVisible(False)
        target: QWidget = self.view3d if mode == VIEW_SURFACE and self.view3d is not None \
            else self.contour
        changed = self._mode != mode
        self._mode = mode
        if self.stack.currentWidget() is not target:
            self.stack.setCurrentWidget(target)
        stale = target in self._stale
        self._stale.discard(target)
        return changed or stale

    def show_model(self, model: FunctionLabModel, parts: set[str]) -> None:
        """Redraw ``parts`` ("grid", "point", "paths") in the view shown; the other view is
        redrawn whole when it is shown."""
        view = self.display
        for other in (self.view3d, self.contour):
            if other is not None and other is not view:
                self._stale.add(other)
        names = model.variables[:2]
        labels = (names[0], names[1])
        key = (model.function, model.ranges[:2], tuple(model.fixed_values().items()))
        if "grid" in parts and self._grid_keys.get(id(view)) != key:
            self._grid_keys[id(view)] = key
            xs, ys, z = model.surface_grid(SURFACE_RESOLUTION)
            if view is not self.contour:  # the mesh: every other point (101 x 101)
                xs, ys, z = xs[::MESH_STRIDE], ys[::MESH_STRIDE], z[::MESH_STRIDE, ::MESH_STRIDE]
            view.set_grid(GridView(xs, ys, np.where(np.isfinite(z), z, np.inf), labels,
                                   "f", False, AXES))
        if "paths" in parts:
            view.set_paths(self.path_views(model))
        if "point" in parts or "grid" in parts:
            view.set_point(self.point_view(model))

    def path_views(self, model: FunctionLabModel) -> list[PathView]:
        """The descent's path and the pirate's, on the drawn surface."""
        out = [PathView(model.settings.optimizer, descent_label(model),
                        self._on_surface(model, _drawn(model.descent.points)))]
        walk = model.pirate
        if walk is not None:
            out.append(PathView(PIRATE, pirate_label(model),
                                self._on_surface(model, _drawn(walk.points))))
        return out

    @staticmethod
    def _on_surface(model: FunctionLabModel, points: np.ndarray) -> np.ndarray:
        z = model.slice_values(points[:, 0], points[:, 1])
        return np.column_stack([points[:, 0], points[:, 1], z])

    def point_view(self, model: FunctionLabModel) -> PointView:
        """The current point and the negative gradient's arrow along the surface."""
        here = model.current
        u, v = here.point[0], here.point[1]
        gu, gv = here.gradient[0], here.gradient[1]
        names = model.variables[:2]
        texts = (f"{names[0]} = {format_number(u, LABEL_DIGITS)}",
                 f"{names[1]} = {format_number(v, LABEL_DIGITS)}")
        z = float(model.slice_values(np.array([u]), np.array([v]))[0])
        return PointView(u, v, z if math.isfinite(z) else math.inf, (names[0], names[1]),
                         texts, self._arrow(model, u, v, z, gu, gv), (gu, gv))

    @staticmethod
    def _arrow(model: FunctionLabModel, u: float, v: float, z: float, gu: float,
               gv: float) -> np.ndarray | None:
        """The negative gradient from (u, v), ARROW_FRACTION of the range long, following
        the surface (as the cost surface draws it)."""
        if not (math.isfinite(gu) and math.isfinite(gv) and math.isfinite(z)) \
                or (gu == 0 and gv == 0):
            return None
        (x0, x1), (y0, y1) = model.ranges[:2]
        scale = math.hypot(gu / (x1 - x0), gv / (y1 - y0))
        if scale == 0 or not math.isfinite(scale):
            return None
        t = ARROW_FRACTION / scale
        s = np.linspace(0.0, 1.0, ARROW_SAMPLES)
        us, vs = u - t * gu * s, v - t * gv * s
        zs = model.slice_values(us, vs)
        zs = np.where(np.isfinite(zs), zs, z)
        return np.column_stack([us, vs, zs + (z - zs[0])])

    def reset_view(self) -> None:
        """Bring the camera or the zoom back to the start."""
        self.display.reset_view()  # (the 3D view frames its box and labels itself)
        self._grid_keys.clear()

    def _on_click(self, event: object) -> None:
        ev = event
        if getattr(ev, "button", lambda: None)() != Qt.MouseButton.LeftButton:
            return
        box = self.contour.view_box
        pos = ev.scenePos()  # type: ignore[attr-defined]
        if not box.sceneBoundingRect().contains(pos):
            return
        point = box.mapSceneToView(QPointF(pos))
        self.clicked.emit(float(point.x()), float(point.y()))


__all__ = ["CURVE_RESOLUTION", "MAX_DRAWN_POINTS", "SURFACE_RESOLUTION", "CurvePlot",
           "FunctionSurface", "descent_label", "pirate_label"]
