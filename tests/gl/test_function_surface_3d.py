"""The function lab's 3D surface (the cost surface's Surface3DView fed with a typed
function) under a real OpenGL context: run by scripts/test.sh under Xvfb; skipped, with the
reason, where OpenGL is not available. Expected numbers come from the engine."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.app.function import FunctionLabModel, FunctionView
from simulator.app.function.plots import SURFACE_RESOLUTION
from simulator.app.surface.style import PATH_ORDER
from simulator.engine.function import Descent, descent_config, parse_function, pirate_for

pytestmark = [pytest.mark.gl, pytest.mark.usefixtures("gl")]


@pytest.fixture
def view(qtbot):
    v = FunctionView(FunctionLabModel())
    qtbot.addWidget(v)
    v.resize(1024, 700)
    v.show()
    qtbot.waitExposed(v)
    v.model.set_view_mode("surface")
    v.flush()
    yield v
    v.shutdown()


def scene_tolerance(v3):
    tf = v3.transform
    return 4e-6 * max(tf.x1 - tf.x0, tf.y1 - tf.y0), 4e-6 * (tf.hi - tf.lo)


def test_the_surface_is_the_functions_grid(qtbot, view):
    v3 = view.surface.view3d
    assert v3 is not None and view.surface.display is v3
    assert not view.surface.notice.isVisible()
    n = (SURFACE_RESOLUTION + 1) // 2
    assert v3.shape == (n, n)
    grid = v3.grid
    fn = parse_function("x*y + x^2")
    np.testing.assert_array_equal(grid.z, fn.grid(grid.xs, grid.ys))
    (x0, x1), (y0, y1) = view.model.ranges
    assert (grid.xs[0], grid.xs[-1], grid.ys[0], grid.ys[-1]) == (x0, x1, y0, y1)
    tf = v3.transform
    drawn = tf.lo + v3.surface._z.astype(np.float64) / 8.0 * (tf.hi - tf.lo)
    np.testing.assert_allclose(drawn, grid.z, rtol=0, atol=1e-6 * (tf.hi - tf.lo))
    assert v3.color_legend.labels[0] == "f"


def test_the_descent_and_the_pirate_lie_on_the_surface(qtbot, view):
    for _ in range(5):
        view.model.step()
    view.flush()
    v3 = view.surface.view3d
    fn = parse_function("x*y + x^2")
    ref = Descent(fn, (3, -3), descent_config("gd", 0.1))
    ref.run(5)
    du, dz = scene_tolerance(v3)
    tf = v3.transform
    lift = 0.02 * 8.0
    for key, points in (("gd", ref.points), ("pirate", pirate_for(ref, 0, True).points)):
        scene = v3.scene_points(key)
        assert scene is not None, key
        back = tf.from_scene(scene, lift * (1.0 + 0.25 * PATH_ORDER.index(key)))
        np.testing.assert_allclose(back[:, :2], points, rtol=0, atol=du)
        heights = [fn.value(p) for p in points]
        np.testing.assert_allclose(back[:, 2], heights, rtol=0, atol=dz)
    marker = tf.from_scene(v3.scene_points("marker"))[0]
    assert marker[:2] == pytest.approx(ref.current.point, abs=du)
    assert marker[2] == pytest.approx(ref.current.value, abs=dz)
    assert v3.arrow.visible()
    # the legend names both paths
    assert [label for _k, label in v3.path_legend.entries] == \
        ["GD, lr 0.1: 5 steps", "pirate (downhill only)"]


def test_switching_to_contours_and_back_redraws_each_view_whole(qtbot, view):
    view.model.step()
    view.model.set_view_mode("contour")
    view.flush()
    contour = view.surface.contour
    assert view.surface.display is contour and contour.grid is not None
    view.model.step()
    view.model.set_view_mode("surface")
    view.flush()
    v3 = view.surface.view3d
    xs, ys = v3.transform.from_scene(v3.scene_points("marker"))[0][:2]
    assert (xs, ys) == pytest.approx(view.model.point, abs=1e-4)
