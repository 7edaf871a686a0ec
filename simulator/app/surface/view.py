"""SurfaceView: the cost surface over two parameters, in 3D or as contours.

A toolbar (axes, random directions and seed, range, resolution, 3D/contour, reset view,
compare optimizers) above a stack holding the 3D view (when OpenGL works) and the contour
view. Where OpenGL is not available (the offscreen platform, a remote desktop without GL)
the contour view is used, with a short notice saying why.

The view only observes the model (through :class:`SurfaceController`); it never changes
engine state. Redraws are throttled: the surface and the paths at most ten times a second,
the current point at once unless training is running (then with the rest).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...engine import surface as engine_surface
from ..model import LabModel
from .contour import ContourView
from .controller import DEFAULT_COMPARE_STEPS, DIRECTIONS_NOTE, PATH_NOTE, SurfaceController
from .gl import gl_available

REDRAW_INTERVAL_S = 0.1  # at most ten redraws a second of the surface and the paths

VIEW_3D = "3d"
VIEW_CONTOUR = "contour"


class SurfaceView(QWidget):
    """The cost-surface panel. Build it with the app's LabModel; it observes the model."""

    axisPicked = Signal(str, str)  # ("x" or "y", parameter name) after pick_axis

    def __init__(self, model: LabModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.controller = SurfaceController(model, self)
        self._next_pick = 0
        self._pending: set[str] = set()
        self._last_redraw = -1e9
        self._stale: set[str] = set()  # views that missed updates while hidden

        # --- the views ------------------------------------------------------------------
        ok, reason = gl_available()
        self.view3d = None
        if ok:
            try:
                from .view3d import Surface3DView

                self.view3d = Surface3DView()
            except Exception as exc:  # a broken GL stack: fall back, never a blank view
                ok, reason = False, f"the 3D view could not be created ({exc})"
        self.gl_ok = ok
        self.gl_reason = reason
        self.contour = ContourView()
        self.stack = QStackedWidget()
        if self.view3d is not None:
            self.stack.addWidget(self.view3d)
        self.stack.addWidget(self.contour)
        self.stack.setToolTip(PATH_NOTE)

        # --- the toolbar ----------------------------------------------------------------
        self.x_combo = QComboBox()
        self.y_combo = QComboBox()
        for combo, which in ((self.x_combo, "x"), (self.y_combo, "y")):
            combo.setToolTip(f"The parameter on the {which} axis (or pick one on the canvas)")
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.random_check = QCheckBox("Random directions")
        self.random_check.setToolTip(DIRECTIONS_NOTE)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setPrefix("seed ")
        self.seed_spin.setKeyboardTracking(False)
        self.seed_spin.setToolTip("The seed the two random directions are drawn from")
        self.range_combo = QComboBox()
        self.range_combo.addItems(["Auto range", "Manual span"])
        self.range_combo.setToolTip("Auto: each axis spans its value +- max(1, 2 |value|) "
                                    "(+-1 for random directions). Manual: +- the span. The "
                                    "range follows the point when it leaves.")
        self.span_spin = QDoubleSpinBox()
        self.span_spin.setDecimals(4)
        self.span_spin.setRange(1e-4, 1e6)
        self.span_spin.setValue(1.0)
        self.span_spin.setPrefix("\u00b1 ")
        self.span_spin.setKeyboardTracking(False)
        self.span_spin.setToolTip("Half-width of the range around the current values")
        self.res_spin = QSpinBox()
        self.res_spin.setRange(5, 401)
        self.res_spin.setValue(self.controller.resolution)
        self.res_spin.setSuffix(" pts")
        self.res_spin.setKeyboardTracking(False)
        self.res_spin.setToolTip("Grid points along each axis (resolution x resolution)")
        self.button_3d = QToolButton()
        self.button_3d.setText("3D")
        self.button_contour = QToolButton()
        self.button_contour.setText("Contour")
        self.view_group = QButtonGroup(self)
        for k, button in enumerate((self.button_3d, self.button_contour)):
            button.setCheckable(True)
            self.view_group.addButton(button, k)
        self.button_3d.setEnabled(self.view3d is not None)
        self.button_3d.setToolTip("The 3D surface" if self.view3d is not None else
                                  f"3D view unavailable: {self.gl_reason}")
        self.button_contour.setToolTip("The same slice as a contour map")
        self.reset_button = QPushButton("Reset view")
        self.reset_button.setToolTip("Bring the camera (or the zoom) back to the start")
        self.compare_button = QPushButton("Compare optimizers")
        self.compare_button.setToolTip("From the current parameters, run GD, SGD, momentum "
                                       "and Adam (with the current learning rate and batch "
                                       "size) and draw their paths")
        self.steps_spin = QSpinBox()
        self.steps_spin.setRange(1, 10_000)
        self.steps_spin.setValue(DEFAULT_COMPARE_STEPS)
        self.steps_spin.setSuffix(" steps")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Remove the comparison's paths")
        self.clear_button.setEnabled(False)

        bar = QGridLayout()
        bar.setContentsMargins(4, 4, 4, 0)
        bar.setHorizontalSpacing(6)
        row1 = QHBoxLayout()
        for w in (QLabel("x"), self.x_combo, QLabel("y"), self.y_combo, self.random_check,
                  self.seed_spin):
            row1.addWidget(w)
        row1.addStretch(1)
        row1.addWidget(self.button_3d)
        row1.addWidget(self.button_contour)
        row1.addWidget(self.reset_button)
        row2 = QHBoxLayout()
        for w in (self.range_combo, self.span_spin, self.res_spin):
            row2.addWidget(w)
        row2.addStretch(1)
        for w in (self.compare_button, self.steps_spin, self.clear_button):
            row2.addWidget(w)
        bar.addLayout(row1, 0, 0)
        bar.addLayout(row2, 1, 0)

        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.notice)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.status)

        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.timeout.connect(self._flush)

        # --- wiring ---------------------------------------------------------------------
        c = self.controller
        c.surfaceChanged.connect(self._on_surface_changed)
        c.pointChanged.connect(self._on_point_changed)
        c.pathChanged.connect(self._on_paths_changed)
        c.compareChanged.connect(self._on_compare_changed)
        c.settingsChanged.connect(self._sync_toolbar)
        c.statusChanged.connect(self._show_status)
        c.compareBusyChanged.connect(self._on_compare_busy)
        self.x_combo.activated.connect(self._on_axis_combo)
        self.y_combo.activated.connect(self._on_axis_combo)
        self.random_check.toggled.connect(self._on_random_toggled)
        self.seed_spin.valueChanged.connect(self.controller.set_seed)
        self.range_combo.currentIndexChanged.connect(self._on_range_changed)
        self.span_spin.valueChanged.connect(self._on_range_changed)
        self.res_spin.valueChanged.connect(self._on_resolution_changed)
        self.view_group.idClicked.connect(self._on_view_clicked)
        self.reset_button.clicked.connect(self.reset_view)
        self.compare_button.clicked.connect(self._on_compare_clicked)
        self.clear_button.clicked.connect(self.controller.clear_compare)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.controller.shutdown)

        if self.view3d is not None:
            self.set_view_mode(VIEW_3D)
        else:
            self.set_view_mode(VIEW_CONTOUR)
            self.notice.setText(f"3D view unavailable ({self.gl_reason}): showing the "
                                "contour view.")
        self.notice.setVisible(not self.gl_ok)
        self._sync_toolbar()
        self._show_status(c.status)
        self._pending = {"grid", "point", "paths"}
        self._flush()

    # --- public ---------------------------------------------------------------------------

    @property
    def current_view(self) -> QWidget:
        """The view shown (the 3D one or the contour one)."""
        return self.stack.currentWidget()

    @property
    def view_mode(self) -> str:
        """VIEW_3D or VIEW_CONTOUR."""
        return VIEW_3D if self.view3d is not None and self.current_view is self.view3d \
            else VIEW_CONTOUR

    @property
    def redraw_pending(self) -> bool:
        """Whether a throttled redraw is still to come."""
        return bool(self._pending) or self._redraw_timer.isActive()

    def set_view_mode(self, mode: str) -> None:
        """Show the 3D view (if OpenGL works) or the contour view."""
        target = self.view3d if mode == VIEW_3D and self.view3d is not None else self.contour
        button = self.button_3d if target is self.view3d else self.button_contour
        button.setChecked(True)
        if self.stack.currentWidget() is not target:
            self.stack.setCurrentWidget(target)
        if target in self._stale:
            self._stale.discard(target)
            self._pending |= {"grid", "point", "paths"}
            self._flush()

    def pick_axis(self, name: str) -> str | None:
        """Use parameter ``name`` as the next axis, alternating x, y, x, ... (a parameter
        picked on the canvas). Leaves random-directions mode. Returns "x" or "y", or None for
        an unknown name."""
        c = self.controller
        if name not in c.names:
            return None
        x, y = c.axes if c.axes is not None else (name, name)
        which = "x" if self._next_pick == 0 else "y"
        if which == "x":
            new = (name, y if y != name else x)
        else:
            new = (x if x != name else y, name)
        if new[0] == new[1]:
            return None
        c.set_axes(*new)
        self._next_pick = 1 - self._next_pick
        self.axisPicked.emit(which, name)
        return which

    def reset_view(self) -> None:
        """Bring the camera (3D) or the zoom (contour) back to the start."""
        view = self.current_view
        if view is self.view3d and self.view3d is not None:
            self.view3d.reset_view()
        else:
            self.contour.reset_view()

    def shutdown(self) -> None:
        """Stop the background work and disconnect from the model (also done on close)."""
        self._redraw_timer.stop()
        self.controller.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._pending:
            self._flush()

    # --- redraws ----------------------------------------------------------------------------

    def _on_surface_changed(self) -> None:
        self._schedule("grid")

    def _on_point_changed(self) -> None:
        if self.controller.training_active:
            self._schedule("point")
        else:  # an edit or a drag: at once
            self.current_view.set_point(self.controller.point_view())
            self._mark_other_stale()

    def _on_paths_changed(self) -> None:
        self._schedule("paths")

    def _on_compare_changed(self) -> None:
        self.clear_button.setEnabled(bool(self.controller.compare_paths))
        self._schedule("paths")

    def _schedule(self, what: str) -> None:
        self._pending.add(what)
        if self._redraw_timer.isActive():
            return
        wait = REDRAW_INTERVAL_S - (time.monotonic() - self._last_redraw)
        if wait <= 0:
            self._flush()
        else:
            self._redraw_timer.start(int(wait * 1000) + 1)

    def _flush(self) -> None:
        if self.controller.closed:
            self._pending.clear()
            return
        pending, self._pending = self._pending, set()
        view = self.current_view
        c = self.controller
        if "grid" in pending:
            view.set_grid(c.grid_view())
        if "paths" in pending:
            view.set_paths(c.path_views())
        if "point" in pending:
            view.set_point(c.point_view())
        if pending:
            self._mark_other_stale()
        self._last_redraw = time.monotonic()

    def _mark_other_stale(self) -> None:
        for view in (self.view3d, self.contour):
            if view is not None and view is not self.current_view:
                self._stale.add(view)

    # --- toolbar ----------------------------------------------------------------------------

    def _sync_toolbar(self) -> None:
        c = self.controller
        names = c.names
        for combo, k in ((self.x_combo, 0), (self.y_combo, 1)):
            combo.blockSignals(True)
            if [combo.itemText(i) for i in range(combo.count())] != names:
                combo.clear()
                combo.addItems(names)
            if c.axes is not None:
                combo.setCurrentText(c.axes[k])
            combo.setEnabled(not c.random and len(names) >= 2)
            combo.blockSignals(False)
        self.random_check.blockSignals(True)
        self.random_check.setChecked(c.random)
        self.random_check.blockSignals(False)
        self.seed_spin.blockSignals(True)
        self.seed_spin.setValue(c.seed)
        self.seed_spin.setEnabled(c.random)
        self.seed_spin.blockSignals(False)
        self.range_combo.blockSignals(True)
        self.range_combo.setCurrentIndex(0 if c.manual_span is None else 1)
        self.range_combo.blockSignals(False)
        self.span_spin.blockSignals(True)
        if c.manual_span is not None:
            self.span_spin.setValue(c.manual_span)
        self.span_spin.setEnabled(c.manual_span is not None)
        self.span_spin.blockSignals(False)
        self.res_spin.blockSignals(True)
        self.res_spin.setValue(c.resolution)
        self.res_spin.blockSignals(False)

    def _show_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def _on_axis_combo(self, _index: int = 0) -> None:
        c = self.controller
        x, y = self.x_combo.currentText(), self.y_combo.currentText()
        if not x or not y:
            return
        if x == y and c.axes is not None:  # picked the other axis' parameter: swap
            old_x, old_y = c.axes
            x, y = (x, old_x) if self.sender() is self.x_combo else (old_y, y)
        try:
            c.set_axes(x, y)
        except engine_surface.SurfaceError as exc:
            self._show_status(str(exc))
        self._sync_toolbar()

    def _on_random_toggled(self, on: bool) -> None:
        self.controller.set_random(on, self.seed_spin.value())
        self._sync_toolbar()

    def _on_range_changed(self, *_args: object) -> None:
        manual = self.range_combo.currentIndex() == 1
        self.span_spin.setEnabled(manual)
        self.controller.set_span(self.span_spin.value() if manual else None)

    def _on_resolution_changed(self, value: int) -> None:
        self.controller.set_resolution(value)

    def _on_view_clicked(self, button_id: int) -> None:
        self.set_view_mode(VIEW_3D if button_id == 0 else VIEW_CONTOUR)

    def _on_compare_clicked(self) -> None:
        self.controller.start_compare(self.steps_spin.value())

    def _on_compare_busy(self, busy: bool) -> None:
        self.compare_button.setEnabled(not busy)
        self.compare_button.setText("Comparing\u2026" if busy else "Compare optimizers")
