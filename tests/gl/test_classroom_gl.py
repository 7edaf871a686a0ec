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


def _pixels(image: QImage, corner: QPoint, width: int, height: int) -> tuple[int, int]:
    """(light, dark) pixels of every other row and column of the rectangle: the 3D
    view's labels are light grey on its near-black background."""
    light = dark = 0
    for y in range(corner.y(), corner.y() + height, 2):
        for x in range(corner.x(), corner.x() + width, 2):
            c = image.pixelColor(x, y)
            if min(c.red(), c.green(), c.blue()) > 200:  # the labels' light grey
                light += 1
            elif max(c.red(), c.green(), c.blue()) < 40:  # the background, #1c1c1e
                dark += 1
    return light, dark


def test_the_screenshot_keeps_the_3d_views_labels(qtbot, gl):
    win = _window(qtbot)
    view = win.views["surface"]
    assert view.view_mode == VIEW_3D
    glview = view.view3d.container  # (the 3D view is a window of its own, shown in it)
    corner = glview.mapTo(win, QPoint(0, 0))
    plain = win.grab().toImage()
    composed = grab_window(win).toImage()
    assert (composed.width(), composed.height()) == (1024, 768)
    # QWidget.grab leaves out the 3D view (its own window), axis labels included; the
    # screenshot has them, light on the view's dark background
    samples = (glview.width() // 2) * (glview.height() // 2)
    _light, dark = _pixels(plain, corner, glview.width(), glview.height())
    assert dark < samples * 0.05
    light, dark = _pixels(composed, corner, glview.width(), glview.height())
    assert light > 50 and dark > samples * 0.3


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


def test_the_black_screen_covers_the_3d_view_too(qtbot, gl):
    """The 3D view draws in a native window of its own: the black screen must cover it
    (read back from the X server, as a projector would show it)."""
    from PySide6.QtWidgets import QApplication

    win = _window(qtbot)
    container = win.views["surface"].view3d.container
    centre = container.mapToGlobal(container.rect().center())

    def shown():
        image = QApplication.primaryScreen().grabWindow(0).toImage()
        return image.pixelColor(centre.x(), centre.y())

    assert shown().lightness() > 20  # the 3D view's picture is on screen
    win.toggle_blackout()
    qtbot.wait(200)
    top_left = win.mapToGlobal(QPoint(0, 0))
    image = QApplication.primaryScreen().grabWindow(0).toImage()
    lit = 0
    for y in range(top_left.y(), top_left.y() + win.height(), 8):
        for x in range(top_left.x(), top_left.x() + win.width(), 8):
            c = image.pixelColor(x, y)
            lit += c.red() + c.green() + c.blue() > 30
    assert lit == 0
    win.toggle_blackout()
