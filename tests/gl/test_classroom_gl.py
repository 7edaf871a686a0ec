"""The classroom window with OpenGL: screenshots keep the 3D view's labels, and the zoom
reaches them."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage

from simulator.app.main import grab_window
from simulator.app.main_window import MainWindow
from simulator.app.surface import VIEW_3D


def _window(qtbot) -> MainWindow:
    win = MainWindow(persist=False)
    qtbot.addWidget(win)
    win.set_confirm_on_close(False)
    win.resize(1024, 768)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: "surface" in win.views, timeout=10000)
    view = win.views["surface"]
    qtbot.waitUntil(lambda: view.controller.drawn is not None and not view.controller.busy
                    and not view.redraw_pending, timeout=30000)
    qtbot.wait(200)
    return win


def _light_pixels(image: QImage, corner: QPoint, width: int, height: int) -> int:
    count = 0
    for y in range(corner.y(), corner.y() + height, 2):
        for x in range(corner.x(), corner.x() + width, 2):
            c = image.pixelColor(x, y)
            if min(c.red(), c.green(), c.blue()) > 200:  # the labels' light grey
                count += 1
    return count


def test_the_screenshot_keeps_the_3d_views_labels(qtbot, gl):
    win = _window(qtbot)
    view = win.views["surface"]
    assert view.view_mode == VIEW_3D
    glview = view.view3d.glview
    corner = glview.mapTo(win, QPoint(0, 0))
    plain = win.grab().toImage()
    composed = grab_window(win).toImage()
    assert (composed.width(), composed.height()) == (1024, 768)
    # QWidget.grab leaves out what the 3D view paints with QPainter (its axis labels);
    # the screenshot has them
    assert _light_pixels(plain, corner, glview.width(), glview.height()) == 0
    assert _light_pixels(composed, corner, glview.width(), glview.height()) > 50


def test_the_zoom_reaches_the_3d_views_labels(qtbot, gl):
    win = _window(qtbot)
    view3d = win.views["surface"].view3d
    before = view3d.x_label.font.pointSizeF()
    win.zoom_in_action.trigger()
    win.zoom_in_action.trigger()
    assert view3d.x_label.font.pointSizeF() > before
    assert view3d.x_ticks[0].font.pointSizeF() > 9.5
    win.zoom_reset_action.trigger()
    assert view3d.x_label.font.pointSizeF() == before
