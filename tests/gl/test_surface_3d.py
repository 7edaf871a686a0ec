"""The 3D cost-surface view (pyqtgraph.opengl) under a real OpenGL context.

Run by scripts/test.sh under Xvfb with Mesa and QT_QPA_PLATFORM=xcb; skipped (with the
reason) where OpenGL is not available. Every test builds the model, wraps it in the view and
registers the view with qtbot; expected numbers come from the engine.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtGui import QGuiApplication, QImage

from simulator.app.model import LabModel
from simulator.app.surface import VIEW_3D, VIEW_CONTOUR, SurfaceView, gl_available
from simulator.engine import document as doc_io
from simulator.engine import edits
from simulator.engine import surface as engine_surface
from simulator.engine.backprop import loss_value
from simulator.resources import example_path
from tests.surface_helpers import reference_model, settled, wait_settled

pytestmark = [pytest.mark.gl, pytest.mark.usefixtures("gl")]


@pytest.fixture
def model():
    return reference_model()


@pytest.fixture
def view(qtbot, model):
    v = SurfaceView(model)
    qtbot.addWidget(v)
    v.resize(900, 640)
    v.show()
    qtbot.waitExposed(v)
    wait_settled(qtbot, v)
    return v


def data(model):
    doc = model.document
    return doc.data.inputs, doc.data.targets, doc.loss


def value(model, name):
    return float(model.params[model.document.network.index_of[name]])


def scene_tolerance(view):
    """Scene coordinates are float32 (about 1e-6 relative): what that is in the slice's
    units."""
    tf = view.view3d.transform
    return 4e-6 * max(tf.x1 - tf.x0, tf.y1 - tf.y0), 4e-6 * (tf.hi - tf.lo)


def framebuffer_colours(glview) -> int:
    image = glview.grabFramebuffer().convertToFormat(QImage.Format.Format_RGB32)
    w, h = image.width(), image.height()
    pixels = np.frombuffer(image.constBits(), dtype=np.uint32,
                           count=image.bytesPerLine() * h // 4)
    pixels = pixels.reshape(h, image.bytesPerLine() // 4)[:, :w]
    return int(np.unique(pixels).size)


def test_the_3d_view_is_used_under_an_x_server_with_opengl(view):
    assert QGuiApplication.platformName() == "xcb"
    assert gl_available() == (True, "")
    assert os.environ.get("PYOPENGL_PLATFORM") == "glx"
    assert view.view_mode == VIEW_3D
    assert view.current_view is view.view3d
    assert not view.notice.isVisible()
    assert view.button_3d.isEnabled()
    v3 = view.view3d
    import pyqtgraph.opengl as gl
    from pyqtgraph.opengl.GLViewWidget import GLViewMixin
    from PySide6.QtOpenGL import QOpenGLWindow

    # pyqtgraph's 3D view in an OpenGL window of its own (not a QOpenGLWidget, which
    # would make every repaint of the main window compose it all through OpenGL)
    assert isinstance(v3.glview, GLViewMixin) and isinstance(v3.glview, QOpenGLWindow)
    assert v3.container.isVisible()
    items = v3.glview.items
    assert isinstance(v3.surface, gl.GLSurfacePlotItem) and v3.surface in items
    assert v3.surface.opts["computeNormals"] is False
    assert isinstance(v3.marker, gl.GLScatterPlotItem) and v3.marker in items
    assert v3.marker.visible()
    for key in ("path", "gd", "sgd", "momentum", "adam"):
        assert isinstance(v3.path_items[key], gl.GLLinePlotItem)
        assert v3.path_items[key] in items
    assert v3.arrow in items and v3.arrow.visible() and v3.arrow_head.visible()
    texts = [item.text for item in items if isinstance(item, gl.GLTextItem)]
    assert "w5 = 0.18" in texts and "w6 = 0.06" in texts
    assert "E (half_sse)" in texts
    assert v3.color_legend.labels[0] == "E"


def test_the_grid_is_fixed_and_only_heights_are_passed(qtbot, view, model, monkeypatch):
    v3 = view.view3d
    assert (v3.surface_rebuilds, v3.shape) == (1, (101, 101))
    x_before, y_before = v3.surface._x.copy(), v3.surface._y.copy()
    vertexes = v3.surface._vertexes
    calls = []
    original = v3.surface.setData

    def spy(**kwds):
        calls.append(sorted(kwds))
        return original(**kwds)

    monkeypatch.setattr(v3.surface, "setData", spy)
    model.edit("Set w1", lambda d: edits.set_parameter(d, "w1", 0.7))  # off the axes
    wait_settled(qtbot, view)
    model.edit("Set w2", lambda d: edits.set_parameter(d, "w2", -0.3))
    wait_settled(qtbot, view)
    assert calls and all(keys == ["colors", "z"] for keys in calls)
    assert v3.surface_rebuilds == 1
    assert v3.surface._vertexes is vertexes  # the mesh was not rebuilt
    np.testing.assert_array_equal(v3.surface._x, x_before)
    np.testing.assert_array_equal(v3.surface._y, y_before)
    # the heights drawn are the engine's grid, scaled
    grid = view.controller.grid_view()
    expected = engine_surface.loss_grid(model.network, *data(model), "w5", "w6", grid.xs,
                                        grid.ys)
    tf = v3.transform
    drawn = tf.lo + v3.surface._z.astype(np.float64) / 8.0 * (tf.hi - tf.lo)
    np.testing.assert_allclose(drawn, expected, rtol=0, atol=1e-6 * (tf.hi - tf.lo))


def test_a_new_resolution_rebuilds_the_grid_once(qtbot, view):
    view.res_spin.setValue(41)
    qtbot.waitUntil(lambda: settled(view) and view.view3d.shape == (41, 41))
    assert view.view3d.surface_rebuilds == 2


def test_the_marker_and_the_path_sit_at_the_engines_values(qtbot, view, model):
    v3 = view.view3d
    expected = [model.params.copy()]
    for _ in range(4):
        model.finish_iteration()
        expected.append(model.params.copy())
    wait_settled(qtbot, view)
    du, dz = scene_tolerance(view)
    tf = v3.transform
    (u, v, z), = tf.from_scene(v3.scene_points("marker"))
    assert u == pytest.approx(value(model, "w5"), abs=du)
    assert v == pytest.approx(value(model, "w6"), abs=du)
    assert z == pytest.approx(loss_value(model.network, *data(model)), abs=dz)
    from simulator.app.surface.view3d import LIFT

    pts = tf.from_scene(v3.scene_points("path"), LIFT)
    net = model.document.network
    i5, i6 = net.index_of["w5"], net.index_of["w6"]
    expected = np.array(expected)
    np.testing.assert_allclose(pts[:, 0], expected[:, i5], rtol=0, atol=du)
    np.testing.assert_allclose(pts[:, 1], expected[:, i6], rtol=0, atol=du)
    centre = view.controller.drawn.spec.centre
    for (_u, _v, pz), row in zip(pts, expected, strict=True):
        on_slice = net.with_params(centre)
        on_slice.set("w5", row[i5])
        on_slice.set("w6", row[i6])
        assert pz == pytest.approx(loss_value(on_slice, *data(model)), abs=dz)
    # editing w5 moves the marker at once
    model.edit("Set w5", lambda d: edits.set_parameter(d, "w5", 0.25))
    (u, _v, _z), = v3.transform.from_scene(v3.scene_points("marker"))
    assert u == pytest.approx(0.25, abs=du)


def test_the_framebuffer_is_not_one_flat_colour(qtbot, view, model):
    """With PyOpenGL on the wrong platform (EGL under an X11 Qt) the view renders one flat
    colour without an error; a real render has the colour map's many colours."""
    glview = view.view3d.glview
    qtbot.waitExposed(glview)
    assert glview.width() > 100 and glview.height() > 100
    assert framebuffer_colours(glview) > 50
    image = glview.grabFramebuffer()
    centre = image.pixelColor(image.width() // 2, image.height() // 2)
    assert centre != view.view3d.background()  # the surface is in the middle


def test_compare_paths_are_drawn_in_3d(qtbot, view, model):
    c = view.controller
    c.start_compare(10)
    qtbot.waitUntil(lambda: len(c.compare_paths) == 4 and not c.compare_running)
    wait_settled(qtbot, view)
    v3 = view.view3d
    for key in ("gd", "sgd", "momentum", "adam"):
        assert v3.path_items[key].visible()
    assert [k for k, _label in v3.path_legend.entries] == ["path", "gd", "sgd", "momentum",
                                                           "adam"]


def test_reset_view_brings_the_camera_back(view):
    glview = view.view3d.glview
    before = glview.cameraParams()
    glview.orbit(40, 10)
    glview.setCameraParams(distance=5.0)
    assert glview.cameraParams() != before
    view.reset_button.click()
    assert glview.cameraParams() == before


@pytest.mark.parametrize("size", [(557, 215), (900, 640), (430, 300), (1200, 300)])
def test_the_camera_frames_the_box_and_every_label(qtbot, view, size):
    """Reset view fits the box and the labels' anchors into the view, with room for the
    text, whatever its shape (a wide, short strip under the canvas at 1024x768 cut the x
    axis's name off); checked with pyqtgraph's own view and projection matrices."""
    from PySide6.QtGui import QVector4D

    from simulator.app.surface.view3d import FRAME_MARGIN_PX, frame_points

    view3d = view.view3d
    glview = view3d.glview
    view.resize(size[0] + view3d.side.width(), size[1] + 120)
    qtbot.waitUntil(lambda: glview.width() > 0)
    view3d.reset_view()
    w, h = glview.width(), glview.height()
    matrix = glview.projectionMatrix((0, 0, w, h), (0, 0, w, h)) * glview.viewMatrix()
    xs, ys = [], []
    for p in frame_points():
        q = matrix.map(QVector4D(float(p[0]), float(p[1]), float(p[2]), 1.0))
        xs.append(q.x() / q.w())
        ys.append(q.y() / q.w())
    mx, my = 2 * FRAME_MARGIN_PX[0] / w, 2 * FRAME_MARGIN_PX[1] / h
    assert min(xs) >= -1 + mx - 1e-6 and max(xs) <= 1 - mx + 1e-6
    assert min(ys) >= -1 + my - 1e-6 and max(ys) <= 1 - my + 1e-6
    # as large as it fits: one side touches its margin, and the picture is centred
    assert max(max(xs) - 1 + mx, max(ys) - 1 + my) == pytest.approx(0.0, abs=1e-3)
    assert (min(xs) + max(xs)) / 2 == pytest.approx(0.0, abs=1e-4)
    assert (min(ys) + max(ys)) / 2 == pytest.approx(0.0, abs=1e-4)


def test_switching_to_contour_and_back(qtbot, view, model):
    model.finish_iteration()
    view.button_contour.click()
    assert view.view_mode == VIEW_CONTOUR
    qtbot.waitUntil(lambda: view.contour.path_items["path"].isVisible())
    view.button_3d.click()
    assert view.view_mode == VIEW_3D
    wait_settled(qtbot, view)
    assert len(view.view3d.scene_points("path")) == 2


def test_a_second_view_in_a_new_context_renders_too(qtbot, view, model):
    """pyqtgraph 0.14 caches compiled shader programs across contexts; without shared
    contexts a second GL widget (or the same one re-created when its dock is floated)
    must not fail with "glUseProgram: invalid value" and paint nothing."""
    second = SurfaceView(LabModel(document=doc_io.load(example_path("reference.json"))))
    qtbot.addWidget(second)
    second.resize(700, 500)
    second.show()
    qtbot.waitExposed(second)
    wait_settled(qtbot, second)
    assert framebuffer_colours(second.view3d.glview) > 50
    assert framebuffer_colours(view.view3d.glview) > 50


SHARED_CONTEXTS = """
import sys
from PySide6.QtCore import QCoreApplication, Qt
QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
from simulator.app.surface import ensure_pyopengl_platform
ensure_pyopengl_platform()
from PySide6.QtWidgets import QApplication
app = QApplication([])
import numpy as np
from PySide6.QtGui import QImage
from simulator.app.model import LabModel
from simulator.app.surface import SurfaceView

def colours(glview):
    image = glview.grabFramebuffer().convertToFormat(QImage.Format.Format_RGB32)
    return len({image.pixel(x, y) for x in range(0, image.width(), 3)
                for y in range(0, image.height(), 3)})

counts = []
for _ in range(2):
    view = SurfaceView(LabModel())
    view.resize(700, 500)
    view.show()
    c = view.controller
    while c.drawn is None or c.busy or view.redraw_pending:
        app.processEvents()
    app.processEvents()
    counts.append(colours(view.view3d.glview))
    view.close()
print(counts)
sys.exit(0 if min(counts) > 50 else 1)
"""


def test_with_shared_contexts_as_the_app_sets_them():
    """The application sets Qt.AA_ShareOpenGLContexts before creating the QApplication;
    then every view shares the compiled programs (a fresh process: the attribute must be
    set before the application exists)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root))
    result = subprocess.run([sys.executable, "-c", SHARED_CONTEXTS], cwd=root, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
