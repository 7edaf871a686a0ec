"""NetworkCanvas: the network drawn as the lesson draws it, editable and steppable.

The canvas observes :class:`~simulator.app.model.LabModel`: it rebuilds its items on
``structureChanged`` and updates them in place on ``valuesChanged``, ``stepChanged`` and
``settingsChanged``. It never changes engine state itself; every edit goes through
``model.edit`` (one undo step; a scrub drag is one step too), which reports a refusal.

Updates are coalesced (:class:`~simulator.app.coalesce.Coalescer`): ``valuesChanged`` and
``stepChanged`` (a training tick emits both) only ask for a refresh, and one refresh runs
from the event loop right after, then one paint. Everything that reads the items (the
accessors, export, editing, tooltips, fitting) flushes first (:meth:`NetworkCanvas.flush`),
so it always sees what the model says now.

Mouse and keys:

- click an element to select it (the model's selection); click empty space to clear it;
- double-click a weight, bias, input or target label to type a value (Enter applies,
  Esc cancels);
- drag a weight or bias label left/right to scrub it (0.01 per pixel, Shift: 0.001);
  Alt+wheel over it nudges it by 0.01 (Shift: 0.001);
- Ctrl+wheel zooms, F (View > Fit network) fits the network to the window again; drag
  empty space to pan; hover an edge or a neuron to see its values;
- right-click for structural edits (neurons, layers, activation, bias, freezing).

Legible at any size: fitted to the window, values are never drawn smaller than
:data:`~.style.MIN_TEXT_PX` pixels times the interface zoom (:meth:`NetworkCanvas.set_zoom`,
which also scales the fonts). The canvas picks the densest labelling level
(:data:`~.content.LEVELS`) that fits at that size: every edge labelled on one line, on two
lines, only the edges the current sub-step reads and writes (and the selection, and the
element under the mouse), and finally only their value boxes too. When even that does not
fit, the view keeps the minimum size and centres the current element (drag to pan). A
manual zoom below the minimum hides the labels rather than shrinking them.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import time
import warnings
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QObject,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QContextMenuEvent,
    QCursor,
    QGuiApplication,
    QHelpEvent,
    QImage,
    QImageWriter,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsView,
    QMenu,
    QToolTip,
    QWidget,
)

from ...engine.numbers import format_number
from ..coalesce import Coalescer
from ..selection import Selection
from . import style
from .content import FULL, LEVELS, SPARSE, STACKED, SceneContent
from .editor import EDIT_DIGITS, InlineEditor
from .items import BiasItem, EdgeItem, NeuronItem, Ref, ValueLabel
from .menus import build_menu

if TYPE_CHECKING:
    from ..model import LabModel

#: Scrubbing: value change per screen pixel of horizontal drag (coarse, with Shift).
SCRUB_STEP, SCRUB_FINE_STEP = 0.01, 0.001
#: Zoom factor per Ctrl+= / wheel notch, and the zoom range relative to the fitted view.
ZOOM_STEP = 1.2
MIN_SCALE, MAX_SCALE = 0.05, 12.0
#: Consecutive Alt+wheel nudges of one label within this many seconds are one undo step.
NUDGE_MERGE_SECONDS = 1.5
#: Largest exported image side, in pixels.
MAX_EXPORT_SIDE = 16000

_drag_ids = itertools.count(1)


@dataclass
class _Press:
    """A left press on an interactive item, which may become a scrub drag."""

    ref: Ref
    start: QPointF
    last_x: float
    value: float
    scrubbable: bool
    drag_id: int
    scrubbing: bool = False


class NetworkCanvas(QGraphicsView):
    """The network as a diagram: neurons, weights, biases, values, gradients, highlights.

    ``messageRequested(str)`` carries the canvas's own hints for the status bar (e.g. a
    label too small to edit here); the same text is shown as a tooltip at the cursor. A
    refused edit is reported by the model, not here.

    ``neuronsMoved()``: the items were laid out again (a rebuild, a new labelling level or
    view shape, more digits): overlays drawn over the neurons (their pictures, health
    rings) put themselves back on them.
    """

    messageRequested = Signal(str)
    neuronsMoved = Signal()

    def __init__(self, model: LabModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkCanvas")
        self._model: LabModel | None = model
        self._scene = QGraphicsScene(self)
        # A few hundred items whose geometry rarely changes but whose contents change on
        # every frame of a run: a linear search beats keeping a BSP tree up to date.
        self._scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.setScene(self._scene)
        self._content = SceneContent(self._scene, style.LIGHT)
        self._dark = False
        self._ui_zoom = 1.0
        self._auto_fit = True
        self._overflow = False  # fitted at the minimum size, larger than the view
        self._tiny = False
        self._reserved_bottom = 0  # a band under the viewport for an overlay (reserve_bottom)
        self._announced = -1  # the content's placements when neuronsMoved was last emitted
        self._press: _Press | None = None
        self._space_press: QPointF | None = None
        self._editor: InlineEditor | None = None
        self._nudge: tuple[str, int, float] = ("", 0, 0.0)
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing
                            | QPainter.RenderHint.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        # Every item's paint sets the pen, brush and font it uses (see items.py), and
        # every bounding rectangle has a margin for antialiasing.
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing)
        # One refresh per burst of value/step signals, every tick of a run (not throttled).
        self._refresher = Coalescer(self._refresh_now, self)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(240, 180)
        self.setBackgroundBrush(self._content.theme.background)
        self.setToolTip("")
        self._connections: list[tuple[object, Callable[..., None]]] = []
        for signal, method in ((model.structureChanged, "_on_structure_changed"),
                               (model.valuesChanged, "_on_values_changed"),
                               (model.stepChanged, "_on_step_changed"),
                               (model.settingsChanged, "_on_settings_changed"),
                               (model.selectionChanged, "_on_selection_changed"),
                               (model.destroyed, "_on_model_destroyed")):
            slot = _guarded_slot(self, method)
            signal.connect(slot)
            self._connections.append((signal, slot))
        connections = self._connections
        # When the view goes, its slots leave the model (napari issue 4377's trap).
        self.destroyed.connect(lambda _obj=None: _disconnect(model, connections))
        self._rebuild()

    # --- public API ----------------------------------------------------------------------

    @property
    def model(self) -> LabModel | None:
        """The observed model (None once it has been deleted)."""
        return self._model

    @property
    def content(self) -> SceneContent:
        """The items, by what they stand for (for tests and the main window), up to date."""
        self.flush()
        return self._content

    def flush(self) -> None:
        """Apply a pending value or step change to the items now (normally the event loop
        does it once, however many changes came in one pass)."""
        self._refresher.force()

    def _refresh_now(self) -> None:
        model = self._alive()
        if model is not None:
            self._content.refresh(model)
            if self._overflow and self._auto_fit:
                # The whole network does not fit legibly: keep what is computed in view.
                rect = self._content.focus_rect(model)
                if rect is not None:
                    self.ensureVisible(rect, 30, 30)

    def _mark_stale(self) -> None:
        self._refresher.request()

    @property
    def editor(self) -> InlineEditor | None:
        """The open inline editor, if any."""
        if self._editor is not None and not self._editor.is_open:
            self._editor = None
        return self._editor

    def neuron_item(self, name: str) -> NeuronItem:
        """The circle of neuron ``name`` (e.g. "H1")."""
        self.flush()
        return self._content.neurons[name]

    def value_label(self, name: str) -> ValueLabel:
        """The net/out box of neuron ``name``."""
        self.flush()
        return self._content.value_boxes[name]

    def edge_item(self, name: str) -> EdgeItem:
        """The line of weight ``name`` (e.g. "w5")."""
        self.flush()
        return self._content.edges[name]

    def bias_item(self, name: str) -> BiasItem:
        """The node of bias ``name`` (e.g. "b1")."""
        self.flush()
        return self._content.bias_nodes[name]

    def param_label(self, name: str) -> ValueLabel:
        """The label of weight or bias ``name`` (a bias's label is its node)."""
        self.flush()
        return self._content.param_labels[name]

    def input_label(self, column: int) -> ValueLabel:
        """The input value label of input ``column``."""
        self.flush()
        return self._content.inputs[column]

    def target_label(self, column: int) -> ValueLabel:
        """The target value label of output ``column``."""
        self.flush()
        return self._content.targets[column]

    def detach(self) -> None:
        """Stop observing the model (the main window calls this before dropping it)."""
        if self._model is not None:
            _disconnect(self._model, self._connections)
        self._model = None

    def set_dark(self, dark: bool) -> None:
        """Switch between the light and the dark palette."""
        self._dark = bool(dark)
        theme = style.DARK if self._dark else style.LIGHT
        self.setBackgroundBrush(theme.background)
        self._refresher.cancel()  # set_theme refreshes from the model
        self._content.set_theme(theme, self._model)

    def is_dark(self) -> bool:
        """Whether the dark palette is in use."""
        return self._dark

    def set_zoom(self, factor: float) -> None:
        """The interface zoom: fonts and the minimum on-screen text size scale with it
        (:class:`~simulator.app.zoom.Zoomable`)."""
        if factor == self._ui_zoom:
            return
        self._ui_zoom = float(factor)
        self._close_editor()
        self._refresher.cancel()
        self._content.set_zoom(self._ui_zoom, self._alive())
        self._content.apply_selection(self._model.selection if self._model else None)
        self._update_scene_rect()
        self.fit() if self._auto_fit else self._check_legibility()

    def zoom(self) -> float:
        """The interface zoom the canvas follows."""
        return self._ui_zoom

    def set_spotlight(self, on: bool) -> None:
        """Dim everything the current sub-step neither reads nor writes (presenter mode)."""
        self.flush()
        self._content.set_spotlight(on, self._alive())

    def spotlight(self) -> bool:
        """Whether the spotlight is on."""
        return self._content.spotlight

    # --- legibility ------------------------------------------------------------------------

    def min_text_px(self) -> float:
        """The smallest on-screen size of a value: MIN_TEXT_PX times the zoom."""
        return style.MIN_TEXT_PX * self._ui_zoom

    def label_screen_px(self) -> float:
        """The value labels' size on screen now (font pixels times the view's scale)."""
        return self._content.label_px * self.zoom_factor()

    def level(self) -> str:
        """The labelling level shown (see :data:`~.content.LEVELS`)."""
        self.flush()
        return self._content.level

    def reserve_bottom(self, pixels: int) -> None:
        """Give a band ``pixels`` high at the bottom of the canvas to an overlay (the
        training-health banner): the viewport ends above it, so nothing of the network is
        ever drawn under the overlay, fitted or panned; 0 gives the band back."""
        pixels = max(0, int(pixels))
        if pixels == self._reserved_bottom:
            return
        self._reserved_bottom = pixels
        self.setViewportMargins(0, 0, 0, pixels)
        if self._auto_fit:
            self.fit()
        else:
            self._check_legibility()

    def reserved_area(self) -> QRect:
        """The band given to an overlay (:meth:`reserve_bottom`), in the canvas's own
        coordinates (empty when there is none)."""
        vp = self.viewport().geometry()
        return QRect(vp.left(), vp.bottom() + 1, vp.width(), self._reserved_bottom)

    def _view_size(self) -> tuple[float, float]:
        vp = self.viewport()
        return float(vp.width()), float(vp.height())

    def _choose_level(self) -> None:
        """The densest labelling level whose fitted picture keeps values legible."""
        width, height = self._view_size()
        if width <= 1 or height <= 1:
            return
        content = self._content
        content.set_view_size(width, height)
        need = self.min_text_px() / max(1, content.label_px) * 0.999

        def legible(level: str, legend: bool) -> bool:
            rect = content.fit_rect(level, legend)
            return not rect.isEmpty() and min(width / rect.width(),
                                              height / rect.height()) >= need

        chosen = next((level for level in LEVELS if legible(level, False)), SPARSE)
        # The legend only where it costs no label (and at the densest level that fits).
        content.set_legend(legible(chosen, True))
        if content.set_level(chosen, self._alive()):
            self._content.apply_selection(self._model.selection if self._model else None)
            self._update_scene_rect()

    def _check_legibility(self) -> None:
        """Hide the labels while a manual zoom would draw them below the minimum size."""
        tiny = self.label_screen_px() < self.min_text_px() * 0.999
        if tiny != self._tiny:
            self._tiny = tiny
            self._content.set_tiny(tiny, self._alive())
        self._announce_placement()

    def _announce_placement(self) -> None:
        """Emit ``neuronsMoved`` once for every new placement of the items."""
        placements = self._content.placements
        if placements != self._announced:
            self._announced = placements
            self.neuronsMoved.emit()

    # --- zoom ----------------------------------------------------------------------------

    def fit(self) -> None:
        """Fit the whole network into the window, keeping its aspect, at the densest
        labelling that stays legible (View > Fit network, F)."""
        self._auto_fit = True
        self._close_editor()
        self.flush()
        self._choose_level()
        rect = self._content.fit_rect()
        width, height = self._view_size()
        if rect.isEmpty() or width <= 1 or height <= 1:
            self._announce_placement()
            return
        need = self.min_text_px() / max(1, self._content.label_px)
        fitted = min(width / rect.width(), height / rect.height())
        self.resetTransform()
        self._overflow = fitted < need * 0.999
        if not self._overflow:
            self.scale(fitted, fitted)
            self.centerOn(rect.center())
        else:  # even the sparsest labelling does not fit: keep the size, show the focus
            self.scale(need, need)
            self.centerOn(self._content.focus_point(self._alive(), rect))
        self._check_legibility()

    def zoom_to_fit(self) -> None:
        """Same as :meth:`fit` (the main window's View > Zoom to fit calls this)."""
        self.fit()

    def zoom_in(self) -> None:
        """Zoom in one step (Ctrl+=)."""
        self._zoom(ZOOM_STEP)

    def zoom_out(self) -> None:
        """Zoom out one step (Ctrl+-)."""
        self._zoom(1 / ZOOM_STEP)

    def zoom_factor(self) -> float:
        """The current scale (scene unit to pixel)."""
        return self.transform().m11()

    def _zoom(self, factor: float, anchor_under_mouse: bool = False) -> None:
        self._close_editor()
        current = self.zoom_factor()
        target = min(MAX_SCALE, max(MIN_SCALE, current * factor))
        if target == current:
            return
        self._auto_fit = False
        old = self.transformationAnchor()
        if not anchor_under_mouse:
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.scale(target / current, target / current)
        self.setTransformationAnchor(old)
        self._check_legibility()

    # --- model signals -------------------------------------------------------------------

    def _alive(self) -> LabModel | None:
        return self._model

    def _rebuild(self) -> None:
        model = self._alive()
        if model is None:
            return
        self._close_editor()
        self._press = None
        self._refresher.cancel()  # rebuild fills every item from the model
        self._content.rebuild(model)
        self._content.apply_selection(model.selection)
        self._tiny = False
        self._update_scene_rect()
        if self._auto_fit:
            self.fit()
        else:
            self._check_legibility()

    def _update_scene_rect(self) -> None:
        rect = self._content.fit_rect()
        # Room around the network so that it can be panned a little even when fitted.
        margin_x, margin_y = rect.width() * 0.5, rect.height() * 0.5
        self._scene.setSceneRect(rect.adjusted(-margin_x, -margin_y, margin_x, margin_y))

    def _on_structure_changed(self) -> None:
        self._rebuild()

    def _on_values_changed(self) -> None:
        self._mark_stale()

    def _on_step_changed(self) -> None:
        self._mark_stale()

    def _on_settings_changed(self) -> None:
        model = self._alive()
        if model is None:
            return
        if model.digits != self._content.digits:
            self._close_editor()
            self._content.relayout(model.digits)
            self._refresher.cancel()
            self._content.refresh(model)
            self._update_scene_rect()
            if self._auto_fit:
                self.fit()
            else:
                self._check_legibility()
        else:
            self._mark_stale()

    def _on_selection_changed(self, selection: Selection | None) -> None:
        self._content.apply_selection(selection)
        if self._content.level not in (FULL, STACKED):
            self._mark_stale()  # the selection's labels are shown at the sparse levels

    def _on_model_destroyed(self, _obj: object = None) -> None:
        self._model = None
        self._close_editor()

    # --- editing -------------------------------------------------------------------------

    def _report(self, message: str) -> None:
        """A hint of the canvas's own: status bar (via the signal) and a tooltip at the
        cursor (not on the headless test platforms, which cannot raise it)."""
        self.messageRequested.emit(message)
        if QGuiApplication.platformName() not in ("offscreen", "minimal"):
            QToolTip.showText(QCursor.pos(), message, self)

    def current_value(self, ref: Ref) -> float | None:
        """The value a label edits: a parameter, or the input/target of the sample shown."""
        model = self._alive()
        if model is None:
            return None
        bp = model.backward
        sample = model.shown_sample
        if ref.is_parameter:
            net = model.document.network
            if ref.name not in net.index_of:
                return None
            return float(model.params[net.index_of[ref.name]])
        if ref.kind == "input":
            return float(bp.inputs[sample, ref.index])
        if ref.kind == "target":
            return float(bp.targets[sample, ref.index])
        return None

    def set_value(self, ref: Ref, value: float, merge_key: Hashable | None = None) -> bool:
        """Apply ``value`` to what ``ref`` stands for, as one undo step. Returns whether it
        was applied (the model reports a refusal)."""
        model = self._alive()
        if model is None:
            return False
        if ref.is_parameter:
            return model.set_parameter(ref.name, value, merge_key)
        if ref.kind in ("input", "target"):
            which = "inputs" if ref.kind == "input" else "targets"
            return model.set_sample_value(which, model.shown_row, ref.index, value, merge_key)
        return False

    def edit_label(self, label: ValueLabel) -> InlineEditor | None:
        """Open the inline editor over ``label`` (what a double-click does)."""
        if not label.editable or self._alive() is None:
            return None
        return self._open_editor(label.ref, label)

    def edit_element(self, ref: Ref) -> InlineEditor | None:
        """Open the inline editor for the element ``ref`` stands for."""
        label = self._label_for(ref)
        return self.edit_label(label) if label is not None else None

    def _label_for(self, ref: Ref) -> ValueLabel | None:
        if ref.is_parameter:
            return self._content.param_labels.get(ref.name)
        for label in self._content.inputs + self._content.targets:
            if label.ref.name == ref.name:
                return label
        return None

    def _open_editor(self, ref: Ref, label: ValueLabel) -> InlineEditor | None:
        self._close_editor()
        self.flush()
        value = self.current_value(ref)
        if value is None:
            return None
        scene_box = label.scene_box()
        if not label.isVisible():
            edge = self._content.edges.get(ref.name)
            if self._tiny or edge is None:
                self._report(f"{ref.name} has no label here: zoom in or use the inspector")
                return None
            # Not labelled at this level: the editor opens on the middle of the edge.
            scene_box.moveCenter(edge.line().center())
        self.ensureVisible(scene_box, 20, 20)
        box = self.mapFromScene(scene_box).boundingRect()
        scale = self.zoom_factor()
        font = label.font
        font.setPixelSize(int(min(34, max(13, font.pixelSize() * scale))))
        width = max(box.width() + 24, 150)
        height = max(box.height() + 6, int(font.pixelSize() * 1.9))
        rect = QRect(0, 0, int(width), int(height))
        rect.moveCenter(box.center())
        viewport = self.viewport()
        rect.moveLeft(max(0, min(rect.left(), viewport.width() - rect.width())))
        rect.moveTop(max(0, min(rect.top(), viewport.height() - rect.height())))
        what = ref.name if ref.is_parameter else label.text().split(" =")[0]

        def commit(v: float) -> bool:
            current = self.current_value(ref)
            if current is not None and v == current:
                return True
            return self.set_value(ref, v)

        editor = InlineEditor(viewport, rect, format_number(value, EDIT_DIGITS), font, commit,
                              what)
        editor.finished.connect(self._on_editor_finished)
        self._editor = editor
        return editor

    def _on_editor_finished(self) -> None:
        self._editor = None
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def _close_editor(self) -> None:
        editor = self._editor
        self._editor = None
        if editor is not None and editor.is_open:
            editor.cancel()

    # --- context menu --------------------------------------------------------------------

    def context_menu(self, ref: Ref | None) -> QMenu | None:
        """The context menu for an element (None: empty space). Tests trigger its actions."""
        model = self._alive()
        if model is None:
            return None
        return build_menu(self, model, ref, edit_value=self.edit_element, fit=self.fit)

    def context_menu_for(self, element: str) -> QMenu | None:
        """The context menu for a named element ("H1", "w5", "b1", "input:0", "target:1")."""
        item = self._find(element)
        return self.context_menu(item.ref if item is not None else None)

    def _find(self, element: str) -> NeuronItem | ValueLabel | None:
        content = self._content
        if element in content.neurons:
            return content.neurons[element]
        if element in content.param_labels:
            return content.param_labels[element]
        for label in content.inputs + content.targets:
            if label.ref.name == element:
                return label
        return None

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        item = self._item_at(event.pos())
        menu = self.context_menu(item.ref if item is not None else None)
        if menu is None:
            return
        if item is not None and self._model is not None:
            self._model.select(item.ref.selection)
        menu.exec(event.globalPos())
        menu.deleteLater()
        event.accept()

    # --- mouse and keys ------------------------------------------------------------------

    def _item_at(self, pos: QPoint) -> NeuronItem | EdgeItem | ValueLabel | None:
        """The topmost interactive item under viewport position ``pos``."""
        self.flush()
        for item in self.items(pos):
            found: QGraphicsItem | None = item
            while found is not None and not hasattr(found, "ref"):
                found = found.parentItem()
            if found is not None:
                return found  # type: ignore[return-value]
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._close_editor()
        pos = event.position()
        item = self._item_at(pos.toPoint())
        model = self._alive()
        if (event.button() == Qt.MouseButton.LeftButton and item is not None
                and model is not None):
            scrubbable = isinstance(item, ValueLabel) and item.scrubbable
            value = self.current_value(item.ref) if scrubbable else None
            self._press = _Press(item.ref, pos, pos.x(), value or 0.0,
                                 scrubbable and value is not None, next(_drag_ids))
            event.accept()
            return
        self._press = None
        self._space_press = pos if event.button() == Qt.MouseButton.LeftButton else None
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        press = self._press
        if press is None:
            if event.buttons() == Qt.MouseButton.NoButton:
                self._hover_at(event.position().toPoint())
            super().mouseMoveEvent(event)
            return
        pos = event.position()
        if not press.scrubbable:
            event.accept()
            return
        if not press.scrubbing:
            if abs(pos.x() - press.start.x()) < QApplication.startDragDistance():
                event.accept()
                return
            press.scrubbing = True
            press.last_x = press.start.x()
        fine = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        step = SCRUB_FINE_STEP if fine else SCRUB_STEP
        press.value += (pos.x() - press.last_x) * step
        press.last_x = pos.x()
        value = round(press.value, 4)
        current = self.current_value(press.ref)
        merge_key = ("scrub", press.ref.name, press.drag_id)
        if (current is None or value != current) and not self.set_value(press.ref, value,
                                                                         merge_key):
            self._press = None  # refused: the drag ends (the model said why)
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        press = self._press
        if press is not None and event.button() == Qt.MouseButton.LeftButton:
            self._press = None
            if not press.scrubbing and self._model is not None:
                self._model.select(press.ref.selection)
            event.accept()
            return
        space = self._space_press
        self._space_press = None
        super().mouseReleaseEvent(event)
        if space is not None:
            event.accept()  # a press on empty space started a pan: its release is ours too
        if (space is not None and event.button() == Qt.MouseButton.LeftButton
                and self._model is not None
                and (event.position() - space).manhattanLength()
                < QApplication.startDragDistance()):
            self._model.select(None)

    def _hover_at(self, pos: QPoint) -> None:
        """Show the labels of the edge or neuron under the mouse (sparse levels)."""
        item = self._item_at(pos)
        name = ""
        if item is not None and item.ref.kind in ("weight", "bias", "neuron", "values"):
            name = item.ref.name
        model = self._alive()
        if self._content.set_hover(name, model) and self._tiny:
            self._content.set_tiny(True, model)

    def leaveEvent(self, event: QEvent) -> None:
        self._content.set_hover("", self._alive())
        super().leaveEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        item = self._item_at(event.position().toPoint())
        if (event.button() == Qt.MouseButton.LeftButton and isinstance(item, ValueLabel)
                and item.editable):
            self._press = None
            self.edit_label(item)
            event.accept()
            return
        if isinstance(item, EdgeItem) and item.ref.is_parameter:
            self._press = None
            self.edit_element(item.ref)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        mods = event.modifiers()
        # Qt turns Alt+wheel into horizontal scrolling on some platforms: read both axes.
        delta = event.angleDelta().y() or event.angleDelta().x()
        if mods & Qt.KeyboardModifier.AltModifier:
            item = self._item_at(event.position().toPoint())
            if isinstance(item, ValueLabel) and item.scrubbable and delta:
                fine = bool(mods & Qt.KeyboardModifier.ShiftModifier)
                self.nudge(item.ref, (1 if delta > 0 else -1) * (SCRUB_FINE_STEP if fine
                                                                  else SCRUB_STEP))
                event.accept()
                return
        if mods & Qt.KeyboardModifier.ControlModifier and delta:
            self._zoom(ZOOM_STEP ** (delta / 120.0), anchor_under_mouse=True)
            event.accept()
            return
        super().wheelEvent(event)

    def nudge(self, ref: Ref, amount: float) -> None:
        """Change a parameter by ``amount`` (Alt+wheel); quick successive nudges of the same
        parameter are one undo step."""
        current = self.current_value(ref)
        if current is None:
            return
        name, nudge_id, when = self._nudge
        now = time.monotonic()
        if name != ref.name or now - when > NUDGE_MERGE_SECONDS:
            nudge_id = next(_drag_ids)
        self._nudge = (ref.name, nudge_id, now)
        self.set_value(ref, round(current + amount, 6), merge_key=("nudge", ref.name, nudge_id))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Ctrl+= / Ctrl+- / Ctrl+0 are the whole interface's zoom (the main window's);
        # the canvas alone zooms with Ctrl+wheel. A view without the window still has them.
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            key = event.key()
            if key in (Qt.Key.Key_Equal, Qt.Key.Key_Plus):
                self.zoom_in()
                event.accept()
                return
            if key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
                self.zoom_out()
                event.accept()
                return
            if key == Qt.Key.Key_0:
                self.fit()
                event.accept()
                return
        super().keyPressEvent(event)

    def viewportEvent(self, event: QEvent) -> bool:
        # No flush on Paint: a refresh inside a paint would make the paint longer and
        # schedule a second one. The refresh timer comes right after and repaints.
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            model = self._alive()
            if model is not None:
                self.flush()
                for item in self.items(event.pos()):
                    if isinstance(item, EdgeItem):
                        self._content.update_tooltip(item, model)
        return super().viewportEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._close_editor()
        if self._auto_fit:
            self.fit()

    # --- export --------------------------------------------------------------------------

    def _export_rect(self) -> QRectF:
        self.flush()
        return self._content.content_rect()

    def export_png(self, path: str | os.PathLike[str], scale: float = 2.0) -> None:
        """Render the network to a PNG at ``scale`` pixels per scene unit, on the theme's
        background. Raises OSError if the file cannot be written."""
        target = Path(path)
        _check_writable(target)
        rect = self._export_rect()
        scale = float(scale)
        if not math.isfinite(scale) or scale <= 0:
            raise OSError(f"cannot export at scale {scale}")
        scale = min(scale, MAX_EXPORT_SIDE / max(rect.width(), rect.height(), 1.0))
        size = QSize(max(1, math.ceil(rect.width() * scale)),
                     max(1, math.ceil(rect.height() * scale)))
        image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
        if image.isNull():
            raise OSError(f"cannot allocate a {size.width()}x{size.height()} image")
        image.fill(self._content.theme.background)
        painter = QPainter(image)
        painter.setRenderHints(QPainter.RenderHint.Antialiasing
                               | QPainter.RenderHint.TextAntialiasing)
        self._scene.render(painter, QRectF(image.rect()), rect)
        painter.end()
        writer = QImageWriter(str(target), QByteArray(b"PNG"))
        if not writer.write(image):
            raise OSError(f"could not write the image {target}: {writer.errorString()}")

    def export_svg(self, path: str | os.PathLike[str]) -> None:
        """Render the network to an SVG file. Raises OSError if it cannot be written."""
        target = Path(path)
        _check_writable(target)
        rect = self._export_rect()
        size = QSize(max(1, math.ceil(rect.width())), max(1, math.ceil(rect.height())))
        generator = QSvgGenerator()
        generator.setFileName(str(target))
        generator.setSize(size)
        generator.setViewBox(QRect(QPoint(0, 0), size))
        generator.setTitle("Backprop Lab network")
        generator.setDescription("Exported from the Backprop Lab canvas")
        painter = QPainter()
        if not painter.begin(generator):
            raise OSError(f"could not write the drawing {target}")
        painter.fillRect(QRectF(0, 0, size.width(), size.height()),
                         self._content.theme.background)
        self._scene.render(painter, QRectF(0, 0, size.width(), size.height()), rect)
        painter.end()
        try:
            written = target.stat().st_size
        except OSError as exc:
            raise OSError(f"could not write the drawing {target}: {exc}") from exc
        if written == 0:
            raise OSError(f"could not write the drawing {target}")


def _check_writable(target: Path) -> None:
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OSError(f"the folder {folder} does not exist")
    if target.is_dir():
        raise OSError(f"{target} is a folder")
    if not os.access(folder, os.W_OK):
        raise OSError(f"the folder {folder} is not writable")


def _guarded_slot(view: NetworkCanvas, method: str) -> Callable[..., None]:
    """A slot that calls ``view.<method>`` while the view exists, and does nothing after.

    It holds the view weakly, so a model that outlives the view keeps no view alive."""
    ref = weakref.ref(view)

    def slot(*args: object) -> None:
        target = ref()
        if target is not None and shiboken6.isValid(target):
            getattr(target, method)(*args)

    return slot


def _disconnect(model: QObject, connections: list[tuple[object, Callable[..., None]]]) -> None:
    """Disconnect the model's signals from the view (nothing to do if the model is gone)."""
    if shiboken6.isValid(model):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for signal, slot in connections:
                with contextlib.suppress(RuntimeError, TypeError):
                    signal.disconnect(slot)  # type: ignore[attr-defined]
    connections.clear()
