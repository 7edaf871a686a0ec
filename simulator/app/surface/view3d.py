"""The 3D view: a pyqtgraph.opengl surface with the current point, the paths and the arrow.

Import this module only when :func:`~simulator.app.surface.gl.gl_available` says so: it
imports ``pyqtgraph.opengl`` (and PyOpenGL) at once.

Every item is created once. The surface's x/y grid is fixed (the parameter ranges are
mapped onto a fixed square, ``-BOX .. BOX``), so a new slice passes only heights and vertex
colours: ``setData(z=..., colors=...)``. The surface is built with ``computeNormals=False``
and coloured per vertex from the height map, with no lighting shader: pyqtgraph's smooth
shading would recompute normals in a Python loop on every update (about 40 ms at 100 x 100).
Only a change of resolution rebuilds the mesh. Heights are scaled so that the lowest grid
value sits at 0 and the highest at ``HEIGHT``.
"""

from __future__ import annotations

import atexit
import math
import weakref
from collections.abc import Callable

import numpy as np
import shiboken6
from PySide6.QtCore import QCoreApplication, QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPalette, QVector3D
from PySide6.QtOpenGL import QOpenGLWindow
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from .gl import ensure_pyopengl_platform

ensure_pyopengl_platform()  # before the first import of OpenGL

import pyqtgraph.opengl as gl  # noqa: E402
from OpenGL import GL  # noqa: E402
from pyqtgraph.opengl.GLViewWidget import GLViewMixin  # noqa: E402

from ...engine.numbers import format_number  # noqa: E402
from ...engine.surface import finite_range, nice_ticks  # noqa: E402
from .display import GridView, PathView, PointView  # noqa: E402
from .legend import ColorLegend, PathLegend  # noqa: E402
from .style import (  # noqa: E402
    ARROW_COLOUR,
    PATH_ORDER,
    PATH_WIDTHS,
    POINT_COLOUR,
    lookup_table,
    path_colour,
    rgba_f,
)

BOX = 10.0  # the grid spans -BOX .. BOX in x and y
HEIGHT = 8.0  # the lowest grid value is drawn at z = 0, the highest at HEIGHT
LIFT = 0.02 * HEIGHT  # paths and the arrow float this far above the surface
OFF_TOP = 1.08  # where non-finite heights are drawn (as a share of HEIGHT)
BACKGROUND = "#1c1c1e"
TEXT = (225, 225, 225)
CAMERA = {"distance": 40.0, "elevation": 28.0, "azimuth": -118.0}
#: Room kept around the framed box for the text drawn at its anchors (pixels at 100% zoom):
#: half a tick label's width beside, a line of text above and below.
FRAME_MARGIN_PX = (48.0, 16.0)
MAX_TICKS = 8  # tick labels per axis (created once)
LABEL_POINTS = 10.5  # the axis names' size at 100% zoom
TICK_POINTS = 9.5  # the tick labels' size at 100% zoom
TICK_DIGITS = 3  # significant digits of the tick labels
MESH_LINES = 11  # lines along the surface in each direction (a shape cue without lighting)
TICK_LEN = 0.45
CORNER_GAP = 1.8  # no x or y tick this close to the corner where the two axes meet
#: The x and y axes' names this far out from the box's edges (their ticks at 1.5 and 1.8:
#: the y axis runs across the view, where its name would sit on its ticks any closer).
X_NAME_GAP, Y_NAME_GAP = 6.0, 7.5

ON_TOP = {  # drawn over everything (the current point must never hide inside the surface)
    GL.GL_DEPTH_TEST: False,
    GL.GL_BLEND: True,
    GL.GL_CULL_FACE: False,
    "glBlendFunc": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA),
}


def _forget_gl_programs() -> None:
    """Drop pyqtgraph's compiled shader programs (0.14 keeps them in class attributes and
    module globals, valid only in the OpenGL context that compiled them: a second context,
    e.g. after the dock is floated, would otherwise fail with "glUseProgram: invalid
    value" and paint nothing). Not needed when the application shares its contexts
    (Qt.AA_ShareOpenGLContexts, set before the QApplication is created)."""
    for name in ("GLLinePlotItem", "GLScatterPlotItem", "GLVolumeItem"):
        cls = getattr(gl, name, None)
        if cls is not None and getattr(cls, "_shaderProgram", None) is not None:
            cls._shaderProgram = None
    for program in getattr(gl.shaders.ShaderProgram, "names", {}).values():
        program.prog = None
        for shader in getattr(program, "shaders", ()):
            if hasattr(shader, "compiled"):
                shader.compiled = None


#: The containers of every 3D window made (weakly), so that those still alive at exit go
#: first (see below).
_LIVE: weakref.WeakSet[QWidget] = weakref.WeakSet()


@atexit.register
def _release_gl_windows() -> None:
    """Delete the 3D views' window containers (and so their OpenGL windows) while the
    application still exists: a view closed but not yet deleted (pytest-qt closes its
    widgets with a deferred deletion) is otherwise torn down by the QApplication's own
    destructor, and a window container does not survive that (a crash on the way out).
    (Registered after PySide's own clean-up, so it runs before it.)"""
    for container in list(_LIVE):
        if shiboken6.isValid(container):
            shiboken6.delete(container)


class SurfaceGLView(GLViewMixin, QOpenGLWindow):
    """pyqtgraph's 3D view (its GLViewMixin) in a :class:`QOpenGLWindow` of its own, shown
    in the window through a container widget (:attr:`Surface3DView.container`).

    A QOpenGLWidget would make Qt compose the whole main window through OpenGL on every
    repaint of any widget in it: on a software renderer (a projector's laptop, Xvfb with
    Mesa's llvmpipe) that costs ~26 ms per frame at 1920x1080 and ~7 ms at 1024x768, for
    a changed label as much as for the canvas. A window of its own is drawn by itself (a
    frame of the 3D view costs ~2 ms there) and the rest of the window is flushed as plain
    pixels (~0.5 ms).

    Shaders are recompiled in each new unshared context; ``resized`` is called after every
    change of its size (the camera is framed again); ``frames`` counts the frames drawn.
    """

    def __init__(self) -> None:
        super().__init__()
        self.resized: Callable[[], None] | None = None
        self.frames = 0

    def initializeGL(self) -> None:
        if not QCoreApplication.testAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts):
            _forget_gl_programs()
        super().initializeGL()

    def paintGL(self) -> None:
        self.frames += 1
        super().paintGL()

    # What pyqtgraph's items ask of a QOpenGLWidget that a QWindow names differently.
    def rect(self) -> QRect:
        """The view's rectangle in its own coordinates (GLTextItem projects onto it)."""
        return QRect(0, 0, self.width(), self.height())

    def devicePixelRatioF(self) -> float:
        """The device pixel ratio (QWidget's name for it)."""
        return float(self.devicePixelRatio())

    def resizeGL(self, w: int, h: int) -> None:
        super().resizeGL(w, h)
        if self.resized is not None:
            self.resized()


class Transform:
    """Maps slice coordinates (u, v, loss) to the scene and back."""

    def __init__(self, xs: np.ndarray, ys: np.ndarray, lo: float, hi: float) -> None:
        self.x0, self.x1 = float(xs[0]), float(xs[-1])
        self.y0, self.y1 = float(ys[0]), float(ys[-1])
        self.lo, self.hi = lo, hi

    def xy(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scene x, y of slice coordinates."""
        x = -BOX + 2 * BOX * (np.asarray(u, dtype=np.float64) - self.x0) / (self.x1 - self.x0)
        y = -BOX + 2 * BOX * (np.asarray(v, dtype=np.float64) - self.y0) / (self.y1 - self.y0)
        return x, y

    def z(self, z: np.ndarray) -> np.ndarray:
        """Scene z of losses (non-finite ones just above the top)."""
        z = np.asarray(z, dtype=np.float64)
        out = (z - self.lo) / (self.hi - self.lo) * HEIGHT
        return np.where(np.isfinite(out), out, OFF_TOP * HEIGHT)

    def to_scene(self, pts: np.ndarray, lift: float = 0.0) -> np.ndarray:
        """(N, 3) slice points (u, v, loss) as (N, 3) float32 scene points."""
        pts = np.atleast_2d(pts)
        x, y = self.xy(pts[:, 0], pts[:, 1])
        return np.ascontiguousarray(np.column_stack([x, y, self.z(pts[:, 2]) + lift]),
                                    dtype=np.float32)

    def from_scene(self, pts: np.ndarray, lift: float = 0.0) -> np.ndarray:
        """The inverse of :meth:`to_scene` (for tests)."""
        pts = np.atleast_2d(np.asarray(pts, dtype=np.float64))
        u = self.x0 + (pts[:, 0] + BOX) / (2 * BOX) * (self.x1 - self.x0)
        v = self.y0 + (pts[:, 1] + BOX) / (2 * BOX) * (self.y1 - self.y0)
        z = self.lo + (pts[:, 2] - lift) / HEIGHT * (self.hi - self.lo)
        return np.column_stack([u, v, z])


def frame_points() -> np.ndarray:
    """(N, 3) what the camera must show: the box's corners and the anchors of every label
    and tick (see :class:`Surface3DView`'s axes)."""
    b, h = BOX, HEIGHT
    corners = [(x, y, z) for x in (-b, b) for y in (-b, b) for z in (0.0, h)]
    anchors = [(0.0, -b - X_NAME_GAP, 0.0), (-b - Y_NAME_GAP, 0.0, 0.0),  # the axis names
               (-b, -b - 1.5, 0.0), (b, -b - 1.5, 0.0),  # the ends of the x ticks' row
               (-b - 1.8, -b, 0.0), (-b - 1.8, b, 0.0),  # ... and of the y ticks'
               (b + 0.8, -b - 0.8, h + 1.4),  # the height axis's name
               (b + 1.4, -b - 1.4, 0.0), (b + 1.4, -b - 1.4, h)]  # its ticks
    return np.array(corners + anchors, dtype=np.float64)


def fit_camera(points: np.ndarray, width: float, height: float, elevation: float,
               azimuth: float, fov: float = 60.0,
               margin_px: tuple[float, float] = FRAME_MARGIN_PX) -> tuple[np.ndarray, float]:
    """The orbit centre and the distance that show every one of ``points`` in a view
    ``width`` x ``height`` pixels from ``elevation``/``azimuth`` (degrees, as pyqtgraph's
    GLViewWidget has them, with its horizontal field of view ``fov``), as large as they
    fit with ``margin_px`` to spare on each side, and centred.

    In camera space a point (a, e, depth) is drawn at x = a / (depth * T) and
    y = e / (depth * T * h / w), T = tan(fov / 2). For a distance d the centre may move in
    the view plane by (ox, oy): each point then bounds ox (and oy) from both sides; the
    smallest d for which every bound leaves room is found by bisection, and the centre is
    the middle of the room left.
    """
    w, h = max(1.0, float(width)), max(1.0, float(height))
    el, az = math.radians(elevation - 90.0), math.radians(-(azimuth + 90.0))
    rx = np.array([[1, 0, 0], [0, math.cos(el), -math.sin(el)],
                   [0, math.sin(el), math.cos(el)]])
    rz = np.array([[math.cos(az), -math.sin(az), 0], [math.sin(az), math.cos(az), 0],
                   [0, 0, 1]])
    rotation = rx @ rz  # pyqtgraph's viewMatrix: rotate about x, then about z
    cam = np.asarray(points, dtype=np.float64) @ rotation.T
    a, e, b = cam[:, 0], cam[:, 1], cam[:, 2]
    t = math.tan(math.radians(fov) / 2)
    kx = max(0.05, 1.0 - 2.0 * margin_px[0] / w) * t
    ky = max(0.05, 1.0 - 2.0 * margin_px[1] / h) * t * h / w

    def room(d: float) -> tuple[float, float, float, float]:
        depth = d - b  # the camera looks down -z from (0, 0, d)
        return (float(np.max(a - kx * depth)), float(np.min(a + kx * depth)),
                float(np.max(e - ky * depth)), float(np.min(e + ky * depth)))

    def fits(d: float) -> bool:
        lo_x, hi_x, lo_y, hi_y = room(d)
        return lo_x <= hi_x and lo_y <= hi_y

    near = float(np.max(b)) + 1e-3  # every point in front of the camera
    far = near + 10.0
    while not fits(far):
        far *= 2.0
    for _ in range(40):
        mid = (near + far) / 2
        near, far = (near, mid) if fits(mid) else (mid, far)
    depth = far - b
    lo_x, hi_x, lo_y, hi_y = room(far)

    def centred(lo: float, hi: float, coords: np.ndarray, k: float) -> float:
        # The offset within [lo, hi] that leaves as much room on both sides (points at
        # different depths move by different amounts: bisect on the drawn extent).
        for _ in range(50):
            mid = (lo + hi) / 2
            drawn = (coords - mid) / (depth * k)
            lo, hi = (mid, hi) if drawn.max() + drawn.min() > 0 else (lo, mid)
        return (lo + hi) / 2

    offset = np.array([centred(lo_x, hi_x, a, t), centred(lo_y, hi_y, e, t * h / w), 0.0])
    return offset @ rotation, far  # back from camera space: R^T o


class Surface3DView(QWidget):
    """The 3D view (:class:`SurfaceGLView` in :attr:`container`) with the surface, point,
    paths and arrow; a colour bar and key beside."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.glview = SurfaceGLView()
        self.glview.setBackgroundColor(BACKGROUND)
        #: The widget the 3D view is shown in (a native window's container).
        self.container = QWidget.createWindowContainer(self.glview, self)
        self.container.setObjectName("surfaceGLContainer")
        _LIVE.add(self.container)
        self.container.setMinimumSize(240, 180)
        self.container.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.container.setToolTip("Drag to rotate, wheel to zoom, middle-drag (or Ctrl+drag) "
                                  "to pan. \"Reset view\" brings the camera back.")
        self.color_legend = ColorLegend()
        self.path_legend = PathLegend()
        self.path_legend.setMaximumWidth(170)
        self.side = QWidget()
        self.side.setAutoFillBackground(True)
        palette = self.side.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(BACKGROUND))
        palette.setColor(QPalette.ColorRole.WindowText, QColor(*TEXT))
        palette.setColor(QPalette.ColorRole.Text, QColor(*TEXT))
        self.side.setPalette(palette)
        side = QVBoxLayout(self.side)
        side.setContentsMargins(6, 6, 6, 6)
        side.addWidget(self.color_legend, 1)
        side.addWidget(self.path_legend, 0)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.container, 1)
        layout.addWidget(self.side, 0)

        self.lut = lookup_table()
        self.transform: Transform | None = None
        self.shape: tuple[int, int] | None = None
        self.grid: GridView | None = None
        self.point: PointView | None = None
        self.paths: list[PathView] = []
        self.surface_updates = 0  # setData(z=...) calls with a fixed grid
        self.surface_rebuilds = 0  # grid (re)creations: a new resolution

        self.surface = gl.GLSurfacePlotItem(computeNormals=False, smooth=True,
                                            glOptions="opaque")
        self.surface.setVisible(False)
        self.glview.addItem(self.surface)
        self.mesh = gl.GLLinePlotItem(mode="lines", color=(0.0, 0.0, 0.0, 0.35), width=1.0,
                                      pos=np.zeros((2, 3), np.float32), antialias=True,
                                      glOptions="translucent")
        self.mesh.setVisible(False)
        self.glview.addItem(self.mesh)
        self.frame = gl.GLLinePlotItem(mode="lines", color=(0.7, 0.7, 0.7, 0.8), width=1.0,
                                       pos=self._frame_lines(), glOptions="translucent")
        self.glview.addItem(self.frame)
        self.drop = gl.GLLinePlotItem(mode="lines", color=rgba_f(POINT_COLOUR, 0.8), width=1.0,
                                      pos=np.zeros((2, 3), np.float32), glOptions=ON_TOP)
        self.marker = gl.GLScatterPlotItem(pos=np.zeros((1, 3), np.float32), size=15.0,
                                           color=rgba_f(POINT_COLOUR), pxMode=True)
        self.marker.setGLOptions(ON_TOP)
        self.arrow = gl.GLLinePlotItem(mode="line_strip", color=rgba_f(ARROW_COLOUR),
                                       width=4.0, pos=np.zeros((2, 3), np.float32),
                                       antialias=True, glOptions="translucent")
        self.arrow_head = gl.GLLinePlotItem(mode="lines", color=rgba_f(ARROW_COLOUR),
                                            width=4.0, pos=np.zeros((4, 3), np.float32),
                                            antialias=True, glOptions="translucent")
        self.path_items: dict[str, gl.GLLinePlotItem] = {}
        for key in PATH_ORDER:
            item = gl.GLLinePlotItem(mode="lines", color=rgba_f(path_colour(key)),
                                     width=PATH_WIDTHS[key],
                                     pos=np.zeros((2, 3), np.float32), antialias=True,
                                     glOptions="translucent")
            item.setVisible(False)
            self.path_items[key] = item
            self.glview.addItem(item)
        for item in (self.drop, self.arrow, self.arrow_head, self.marker):
            item.setVisible(False)
            self.glview.addItem(item)
        # the point and its arrow are drawn last, over the paths and the surface
        self.arrow.setGLOptions(ON_TOP)
        self.arrow_head.setGLOptions(ON_TOP)
        self.marker.setDepthValue(10)
        self.arrow.setDepthValue(9)
        self.arrow_head.setDepthValue(9)
        self.drop.setDepthValue(8)

        font = QFont()
        font.setPointSizeF(LABEL_POINTS)
        small = QFont()
        small.setPointSizeF(TICK_POINTS)
        self._label_items: list[gl.GLTextItem] = []
        self._tick_items: list[gl.GLTextItem] = []

        def text(pos: tuple[float, float, float], f: QFont = small,
                 align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignCenter) -> gl.GLTextItem:
            item = gl.GLTextItem(pos=np.array(pos, dtype=np.float64), text="", color=TEXT,
                                 font=f, alignment=align)
            (self._label_items if f is font else self._tick_items).append(item)
            self.glview.addItem(item)
            return item

        # x along the front edge (y = -BOX), y along the left edge (x = -BOX): the edges
        # nearest the camera, so no label sits behind the surface. The height axis stands
        # at the right corner (BOX, -BOX).
        self.x_label = text((0.0, -BOX - X_NAME_GAP, 0.0), font)
        self.y_label = text((-BOX - Y_NAME_GAP, 0.0, 0.0), font)
        self.x_ticks = [text((0.0, -BOX - 1.5, 0.0)) for _ in range(MAX_TICKS)]
        self.y_ticks = [text((-BOX - 1.8, 0.0, 0.0)) for _ in range(MAX_TICKS)]
        self.z_label = text((BOX + 0.8, -BOX - 0.8, HEIGHT + 1.4), font)
        self.z_ticks = [text((BOX + 1.4, -BOX - 1.4, 0.0)),
                        text((BOX + 1.4, -BOX - 1.4, HEIGHT / 2)),
                        text((BOX + 1.4, -BOX - 1.4, HEIGHT))]
        self.tick_marks = gl.GLLinePlotItem(mode="lines", color=(0.7, 0.7, 0.7, 0.8),
                                            width=1.0, pos=np.zeros((2, 3), np.float32),
                                            glOptions="translucent")
        self.tick_marks.setVisible(False)
        self.glview.addItem(self.tick_marks)
        self._camera = (0.0, 0.0, 0.0)
        self._zoom = 1.0
        self.reset_view()
        self.glview.resized = self._on_gl_resized

    def grab_gl_frame(self) -> QImage:
        """The 3D view's picture as drawn now (its own window: ``QWidget.grab`` of the
        main window leaves its place empty); paint it at :attr:`container`'s place."""
        return self.glview.grabFramebuffer()

    def set_zoom(self, factor: float) -> None:
        """The axis labels and ticks at ``factor`` times their size."""
        moved = self._camera != self._camera_now()
        self._zoom = float(factor)
        if not moved:
            self.reset_view()  # larger text needs more room around the box
        for items, points in ((self._label_items, LABEL_POINTS),
                              (self._tick_items, TICK_POINTS)):
            font = QFont()
            font.setPointSizeF(max(5.0, points * factor))
            for item in items:
                item.setData(font=font)
        self.glview.update()

    # --- the scene -------------------------------------------------------------------------

    @staticmethod
    def _frame_lines() -> np.ndarray:
        b, h = BOX, HEIGHT
        corners = [(-b, -b), (b, -b), (b, b), (-b, b)]
        segs = []
        for k in range(4):
            (x0, y0), (x1, y1) = corners[k], corners[(k + 1) % 4]
            segs += [(x0, y0, 0.0), (x1, y1, 0.0)]
        segs += [(b, -b, 0.0), (b, -b, h)]  # the height axis
        for z in (h / 2, h):  # its ticks
            segs += [(b, -b, z), (b + 0.35, -b - 0.35, z)]
        return np.array(segs, dtype=np.float32)

    def reset_view(self) -> None:
        """Put the camera back where it started, framing the box and every axis label in
        the view's shape and at the zoom's text size (:func:`fit_camera`)."""
        camera = dict(CAMERA)
        width, height = self.glview.width(), self.glview.height()
        centre = np.array([0.0, 0.0, HEIGHT * 0.3])
        if width > 0 and height > 0:
            margin = (FRAME_MARGIN_PX[0] * self._zoom, FRAME_MARGIN_PX[1] * self._zoom)
            centre, camera["distance"] = fit_camera(
                frame_points(), width, height, camera["elevation"], camera["azimuth"],
                float(self.glview.opts["fov"]), margin)
        self.glview.setCameraPosition(pos=QVector3D(*(float(c) for c in centre)), **camera)
        self._camera = self._camera_now()

    def _camera_now(self) -> tuple[float, float, float]:
        opts = self.glview.opts
        return float(opts["distance"]), float(opts["elevation"]), float(opts["azimuth"])

    def _on_gl_resized(self) -> None:
        # Its own size: the legend beside it changes width without this widget resizing.
        if self._camera == self._camera_now():  # not moved by hand: fit the new shape
            self.reset_view()

    def set_grid(self, grid: GridView | None) -> None:
        """Draw a new slice: only heights and colours when the resolution is unchanged."""
        self.grid = grid
        if grid is None:
            self.surface.setVisible(False)
            self.mesh.setVisible(False)
            self.transform = None
            self.color_legend.clear()
            self._apply_point()
            self._apply_paths()
            return
        lo, hi = finite_range(grid.z)
        self.transform = Transform(grid.xs, grid.ys, lo, hi)
        z = grid.z
        zn = np.clip((np.where(np.isfinite(z), z, hi) - lo) / (hi - lo), 0.0, 1.0)
        heights = (zn * HEIGHT).astype(np.float32)
        heights[~np.isfinite(z)] = OFF_TOP * HEIGHT
        colours = self.lut[(zn * (len(self.lut) - 1)).astype(np.intp).ravel()]
        shape = (int(z.shape[0]), int(z.shape[1]))
        if shape != self.shape:
            self.shape = shape
            self.surface_rebuilds += 1
            self.surface.setData(x=np.linspace(-BOX, BOX, shape[0], dtype=np.float32),
                                 y=np.linspace(-BOX, BOX, shape[1], dtype=np.float32),
                                 z=heights, colors=colours)
        else:
            self.surface_updates += 1
            self.surface.setData(z=heights, colors=colours)
        self.surface.setVisible(True)
        self.mesh.setData(pos=_mesh_lines(heights))
        self.mesh.setVisible(True)
        self._set_ticks()
        for item, value in zip(self.z_ticks, (lo, (lo + hi) / 2, hi), strict=True):
            item.setData(text=format_number(value, TICK_DIGITS))
        self.z_label.setData(text=grid.z_label + (" (preview)" if grid.coarse else ""))
        self.color_legend.set_range(lo, hi, grid.z_label.split(" ")[0])
        if self.point is None:
            self.x_label.setData(text=grid.labels[0])
            self.y_label.setData(text=grid.labels[1])
        self._apply_point()
        self._apply_paths()

    def _set_ticks(self) -> None:
        """Round values along the front (x) and left (y) edges of the floor."""
        tf = self.transform
        assert tf is not None
        marks = []
        for k, items in enumerate((self.x_ticks, self.y_ticks)):
            lo, hi = (tf.x0, tf.x1) if k == 0 else (tf.y0, tf.y1)
            values = nice_ticks(lo, hi, 4)
            scene = tf.xy(values, np.full(values.shape, tf.y0))[0] if k == 0 else \
                tf.xy(np.full(values.shape, tf.x0), values)[1]
            keep = scene > -BOX + CORNER_GAP  # clear of the corner nearest the camera
            values, scene = values[keep][:MAX_TICKS], scene[keep][:MAX_TICKS]
            for n, item in enumerate(items):
                if n >= len(values):
                    item.setData(text="")
                    continue
                c = float(scene[n])
                if k == 0:
                    item.setData(pos=np.array([c, -BOX - 1.5, 0.0]),
                                 text=format_number(float(values[n]), TICK_DIGITS))
                    marks += [(c, -BOX, 0.0), (c, -BOX - TICK_LEN, 0.0)]
                else:
                    item.setData(pos=np.array([-BOX - 1.8, c, 0.0]),
                                 text=format_number(float(values[n]), TICK_DIGITS))
                    marks += [(-BOX, c, 0.0), (-BOX - TICK_LEN, c, 0.0)]
        if marks:
            self.tick_marks.setData(pos=np.array(marks, dtype=np.float32))
        self.tick_marks.setVisible(bool(marks))

    def set_point(self, point: PointView | None) -> None:
        """Move the marker, its drop line and the gradient arrow."""
        self.point = point
        self._apply_point()

    def set_paths(self, paths: list[PathView]) -> None:
        """Draw the training path and the comparison's paths."""
        self.paths = list(paths)
        self._apply_paths()
        self.path_legend.set_paths([(p.key, p.label) for p in self.paths])

    def _apply_point(self) -> None:
        point, tf = self.point, self.transform
        if point is not None:
            self.x_label.setData(text=point.texts[0])
            self.y_label.setData(text=point.texts[1])
        if point is None or tf is None:
            for item in (self.marker, self.drop, self.arrow, self.arrow_head):
                item.setVisible(False)
            return
        pos = tf.to_scene(np.array([[point.u, point.v, point.z]]))
        self.marker.setData(pos=pos)
        self.drop.setData(pos=np.array([[pos[0, 0], pos[0, 1], 0.0], pos[0]], np.float32))
        self.marker.setVisible(True)
        self.drop.setVisible(True)
        if point.arrow is None:
            self.arrow.setVisible(False)
            self.arrow_head.setVisible(False)
            return
        line = tf.to_scene(point.arrow, LIFT)
        self.arrow.setData(pos=line)
        self.arrow_head.setData(pos=_arrow_head(line))
        self.arrow.setVisible(True)
        self.arrow_head.setVisible(True)

    def _apply_paths(self) -> None:
        tf = self.transform
        shown = {p.key: p for p in self.paths}
        for key, item in self.path_items.items():
            path = shown.get(key)
            if path is None or tf is None or path.points.shape[0] < 2:
                item.setVisible(False)
                continue
            # later paths float a little higher: coinciding lines must not z-fight
            lift = LIFT * (1.0 + 0.25 * PATH_ORDER.index(key))
            segments = _inside_segments(tf.to_scene(path.points, lift))
            if segments.shape[0] == 0:
                item.setVisible(False)
                continue
            item.setData(pos=segments)
            item.setVisible(True)

    def scene_points(self, key: str) -> np.ndarray | None:
        """The scene positions of a path item ("marker" for the current point), for tests:
        a path's (N, 3) points in order (its segments joined up again)."""
        item = self.marker if key == "marker" else self.path_items.get(key)
        if item is None or not item.visible():
            return None
        pos = np.asarray(item.pos)
        if item is self.marker:
            return pos
        return np.vstack([pos[0::2][:1], pos[1::2]])

    def background(self) -> QColor:
        """The scene's background colour."""
        return QColor(BACKGROUND)


def _mesh_lines(heights: np.ndarray) -> np.ndarray:
    """Segments of MESH_LINES lines across the surface in each direction, a little above
    it (scene coordinates)."""
    nx, ny = heights.shape
    x = np.linspace(-BOX, BOX, nx, dtype=np.float32)
    y = np.linspace(-BOX, BOX, ny, dtype=np.float32)
    lift = np.float32(0.004 * HEIGHT)
    parts = []
    for r in np.unique(np.round(np.linspace(0, nx - 1, MESH_LINES)).astype(int)):
        parts.append(np.column_stack([np.full(ny, x[r]), y, heights[r] + lift]))
    for col in np.unique(np.round(np.linspace(0, ny - 1, MESH_LINES)).astype(int)):
        parts.append(np.column_stack([x, np.full(nx, y[col]), heights[:, col] + lift]))
    segs = []
    for line in parts:
        pair = np.empty((2 * (len(line) - 1), 3), dtype=np.float32)
        pair[0::2], pair[1::2] = line[:-1], line[1:]
        segs.append(pair)
    return np.concatenate(segs)


def _inside_segments(pts: np.ndarray) -> np.ndarray:
    """A polyline (N, 3) as "lines" segments, keeping those with both ends over the floor
    (a path that leaves the drawn range is cut at its edge rather than drawn in the air)."""
    if pts.shape[0] < 2:
        return np.zeros((0, 3), np.float32)
    tol = 1e-3 * BOX
    inside = (np.abs(pts[:, 0]) <= BOX + tol) & (np.abs(pts[:, 1]) <= BOX + tol)
    keep = inside[:-1] & inside[1:]
    segs = np.empty((2 * int(keep.sum()), 3), dtype=np.float32)
    segs[0::2] = pts[:-1][keep]
    segs[1::2] = pts[1:][keep]
    return segs


def _arrow_head(line: np.ndarray, size: float = 1.1, angle: float = 28.0) -> np.ndarray:
    """Two short segments at the end of ``line`` (scene coordinates), in the xy plane."""
    tip = line[-1].astype(np.float64)
    back = line[max(0, len(line) - 3)].astype(np.float64)
    d = tip[:2] - back[:2]
    norm = math.hypot(float(d[0]), float(d[1]))
    if norm == 0:
        return np.repeat(tip[None, :], 4, axis=0).astype(np.float32)
    d /= norm
    segs = []
    for sign in (1, -1):
        a = math.radians(180 - angle) * sign
        rot = np.array([d[0] * math.cos(a) - d[1] * math.sin(a),
                        d[0] * math.sin(a) + d[1] * math.cos(a)])
        end = tip.copy()
        end[:2] = tip[:2] + size * rot
        segs += [tip, end]
    return np.array(segs, dtype=np.float32)
