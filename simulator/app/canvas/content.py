"""Builds the canvas items for a model's network and keeps their texts and pens current.

:meth:`SceneContent.rebuild` creates every item (on ``structureChanged``);
:meth:`SceneContent.refresh` only changes texts, pens and highlights in place (on
``valuesChanged``, ``stepChanged`` and ``settingsChanged``); :meth:`SceneContent.relayout`
moves existing items when the number of digits (and so the labels' reserved width) changes.
Nothing here changes the model.

:meth:`SceneContent.refresh` runs for every frame of a training run, so it only touches
what changed: labels and edges ignore the text or pen they already show, edge pens are
shared (:func:`style.shared_edge_pen`), highlights change only on the items whose level
changed, and the edges' tooltips (a value per edge) are written when one is about to be
shown (:meth:`SceneContent.update_tooltip`), not on every refresh.

Legibility: the view picks a *level* of labelling (:data:`LEVELS`) so that labels are never
drawn below a minimum size on screen. ``"full"`` labels every edge on one line
("dE/dw5 = 0.072952"); ``"stacked"`` writes each label on two lines (name over value), so
a gap between two columns needs about half the width; ``"focus"`` keeps the value boxes
but labels only the edges of what the current sub-step reads and writes
(:func:`simulator.engine.dataflow.substep_flow`; none when that is more than
:data:`MAX_FOCUS_PARAMETERS`, as a large network's update is), the selection and the edge
under the mouse; ``"sparse"`` also shows the value boxes of those neurons only, so the rows close
up. Every other value is in the tooltips.

The spotlight (presenter mode) dims every item the current sub-step neither reads nor
writes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QGraphicsScene

from ...engine.dataflow import (
    ErrorTerm,
    Flow,
    NeuronValue,
    ParamGrad,
    ParamValue,
    TargetValue,
    substep_flow,
)
from ...engine.explain import error_terms
from ...engine.explanation_render import change_digits
from ...engine.network import Network
from ...engine.numbers import format_number
from ...engine.stepper import SubStep
from ..selection import InputSel, NeuronSel, ParameterSel, Selection, TargetSel
from . import style
from .items import (
    MAIN_HIGHLIGHT,
    NO_HIGHLIGHT,
    PATH_HIGHLIGHT,
    BiasItem,
    EdgeItem,
    LegendItem,
    NeuronItem,
    Ref,
    ValueLabel,
)
from .layout import Box, Dimensions, NetworkLayout, compute_layout, place_some_labels

if TYPE_CHECKING:
    from ..model import LabModel

#: Levels of labelling, densest first (see the module's docstring).
FULL, STACKED, FOCUS, SPARSE = "full", "stacked", "focus", "sparse"
#: At the focus and sparse levels, a sub-step that reads or writes more parameters than
#: this labels none of them (only the selection and the element under the mouse).
MAX_FOCUS_PARAMETERS = 24
LEVELS: tuple[str, ...] = (FULL, STACKED, FOCUS, SPARSE)
#: The ways of laying a level out that the canvas tries (the one fitting the view best is
#: used): inputs and targets above or beside their neurons, crowded labels given room by
#: spreading the columns or the rows.
VARIANTS: dict[str, tuple[str, ...]] = {
    FULL: ("beside",),
    STACKED: ("above columns", "above rows", "beside columns", "beside rows"),
    FOCUS: ("above", "beside"),
    SPARSE: ("above", "beside"),
}
#: Opacity of what the spotlight dims: lines and circles, and texts (which stay readable).
DIM_OPACITY = 0.25
DIM_TEXT_OPACITY = 0.5
#: The legend's distance under the network.
LEGEND_GAP = 24.0
#: Margin around the network when it is fitted to the view.
FIT_MARGIN = 14.0

Focusable = NeuronItem | EdgeItem | ValueLabel

#: How the activation is written inside a neuron.
ACTIVATION_SYMBOLS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU",
                      "leaky_relu": "leaky ReLU", "linear": "linear", "softmax": "softmax"}


def _worst_number(digits: int) -> str:
    """The widest number text ``format_number`` makes at ``digits`` significant digits."""
    return "-0.0000" + "8" * max(1, digits)


class SceneContent:
    """The items of one network in a scene, by what they stand for."""

    def __init__(self, scene: QGraphicsScene, theme: style.Theme = style.LIGHT) -> None:
        self.scene = scene
        self.theme = theme
        self.zoom = 1.0
        self._make_fonts()
        self.layout: NetworkLayout | None = None
        self.level = FULL
        self.spotlight = False
        self.hover: str = ""  # the parameter or neuron under the mouse ("" for none)
        self.tiny = False  # a manual zoom too small for legible labels: none are shown
        self._layouts: dict[tuple[str, int, str], NetworkLayout] = {}
        self.view_size = (1000.0, 625.0)  # the view the layouts are chosen for
        self._placed: dict[tuple[object, ...], dict[tuple[int, ...], Box]] = {}
        self._flows: dict[tuple[str, str], Flow] = {}
        self._dimmed: set[int] = set()
        self._focus_shown: set[str] = set()
        self.digits = -1
        #: Counts the times the items were placed (the neurons may have moved).
        self.placements = 0
        self.neurons: dict[str, NeuronItem] = {}
        self.value_boxes: dict[str, ValueLabel] = {}
        self.edges: dict[str, EdgeItem] = {}
        self.bias_nodes: dict[str, BiasItem] = {}
        self.bias_lines: dict[str, list[EdgeItem]] = {}
        self.param_labels: dict[str, ValueLabel] = {}
        self.inputs: list[ValueLabel] = []
        self.targets: list[ValueLabel] = []
        self.legend: LegendItem | None = None
        self._network: Network | None = None
        self._neuron_keys: dict[str, tuple[int, int]] = {}
        self._highlighted: dict[int, tuple[NeuronItem | EdgeItem | ValueLabel, int]] = {}

    def _make_fonts(self) -> None:
        z = self.zoom
        # Values in bold: they read better projected (and to a camera or OCR).
        self.label_font = style.font(round(style.LABEL_FONT_PX * z), bold=True)
        self.value_font = style.font(round(style.VALUE_FONT_PX * z), bold=True)
        self.name_font = style.font(round(style.NAME_FONT_PX * z), bold=True)
        self.small_font = style.font(round(style.CAPTION_FONT_PX * z))
        self.legend_font = style.font(round(style.LEGEND_FONT_PX * z))

    @property
    def label_px(self) -> int:
        """The value labels' font size in scene units (on screen: times the view's scale)."""
        return self.label_font.pixelSize()

    # --- building ------------------------------------------------------------------------

    def clear(self) -> None:
        """Remove every item."""
        self.neurons.clear()
        self.value_boxes.clear()
        self.edges.clear()
        self.bias_nodes.clear()
        self.bias_lines.clear()
        self.param_labels.clear()
        self.inputs.clear()
        self.targets.clear()
        self._neuron_keys.clear()
        self._highlighted.clear()
        self._layouts.clear()
        self._placed.clear()
        self._flows.clear()
        self._dimmed.clear()
        self._focus_shown.clear()
        self.legend = None
        self.layout = None
        self._network = None
        self.scene.clear()

    def rebuild(self, model: LabModel) -> None:
        """Create every item for the model's network, then lay out and fill them."""
        self.clear()
        net = model.network
        self._network = net
        theme = self.theme
        last = len(net.sizes) - 1
        for layer, names in enumerate(net.neurons):
            act = "" if layer == 0 else ACTIVATION_SYMBOLS.get(
                net.layers[layer - 1].activation, net.layers[layer - 1].activation)
            for i, name in enumerate(names):
                item = NeuronItem(Ref("neuron", name, layer, i), self.radius(),
                                  self.name_font, self.small_font, theme, act)
                self._add(item)
                self.neurons[name] = item
                self._neuron_keys[name] = (layer, i)
                if layer == 0:
                    label = ValueLabel(Ref("input", f"input:{i}", 0, i), self.label_font,
                                       theme, editable=True)
                    label.setToolTip(f"Input x{i + 1} of the sample shown. Double-click to "
                                     "type a new value.")
                    self._add(label)
                    self.inputs.append(label)
                    continue
                box = ValueLabel(Ref("values", name, layer, i), self.value_font, theme)
                box.setToolTip(f"{name}: net input and output in this iteration "
                               "(\"?\" until the forward pass reaches it)")
                self._add(box)
                self.value_boxes[name] = box
                if layer == last:
                    target = ValueLabel(Ref("target", f"target:{i}", layer, i),
                                        self.label_font, theme, editable=True)
                    target.setToolTip(f"Target T{i + 1} of the sample shown. Double-click to "
                                      "type a new value.")
                    self._add(target)
                    self.targets.append(target)
        for info in net.infos:
            k = info.layer
            if info.kind == "weight":
                ref = Ref("weight", info.name, k + 1, info.target)
                edge = EdgeItem(ref, theme)
                self._add(edge)
                self.edges[info.name] = edge
                label = ValueLabel(ref, self.label_font, theme, editable=True, scrubbable=True)
                label.setToolTip(_param_tip(net, info.name))
                self._add(label)
                edge.label = label
                self.param_labels[info.name] = label
            else:
                ref = Ref("bias", info.name, k + 1, info.target)
                node = BiasItem(ref, self.label_font, theme)
                node.setToolTip(_param_tip(net, info.name))
                self._add(node)
                self.bias_nodes[info.name] = node
                self.param_labels[info.name] = node
                targets = range(net.sizes[k + 1]) if info.target < 0 else [info.target]
                lines = []
                for _target in targets:
                    line = EdgeItem(Ref("bias", info.name, k + 1, info.target), theme)
                    self._add(line)
                    lines.append(line)
                self.bias_lines[info.name] = lines
        self.legend = LegendItem(self.legend_font, theme)
        self.scene.addItem(self.legend)
        self.relayout(model.digits, force=True)
        self.refresh(model)

    def radius(self) -> float:
        """The neurons' radius: room for the name and the activation at the zoom."""
        return style.NEURON_RADIUS * max(1.0, self.zoom)

    def set_zoom(self, zoom: float, model: LabModel | None) -> None:
        """Scale every font by ``zoom`` (the interface zoom); rebuilds the items."""
        if zoom == self.zoom:
            return
        self.zoom = zoom
        self._make_fonts()
        if model is not None and self._network is not None:
            self.rebuild(model)

    def _add(self, item: NeuronItem | EdgeItem | ValueLabel) -> None:
        self.scene.addItem(item)
        if isinstance(item, EdgeItem):
            self.scene.addItem(item.glow)

    # --- layout --------------------------------------------------------------------------

    def dimensions(self, net: Network, digits: int, level: str = FULL) -> Dimensions:
        """Reserved sizes of every kind of label at ``digits`` significant digits, for the
        labelling ``level`` (two-line labels below "full")."""
        num = _worst_number(digits)
        lab = QFontMetricsF(self.label_font)
        val = QFontMetricsF(self.value_font)
        advance = lab.horizontalAdvance
        lock = lab.height() * 0.75 + 4
        pad_w, pad_h = 2 * style.LABEL_PAD_X, 2 * style.LABEL_PAD_Y
        stacked = level != FULL
        w_names = [n for n in net.names if n.startswith("w")] or ["w1"]
        b_names = [n for n in net.names if n.startswith("b")] or ["b1"]
        longest_w = max(w_names, key=advance)
        longest_b = max(b_names, key=advance)

        def param_w(name: str) -> float:
            if stacked:
                return max(advance(f"dE/d{name}"), advance(num)) + pad_w + lock
            return max(advance(f"dE/d{name} = {num}"), advance(f"{name} = {num}")) \
                + pad_w + lock

        lines = 2 if stacked else 1
        label_h = lines * lab.height() + pad_h
        if stacked:
            io_w = max(advance(f"x{net.input_size}"), advance(f"T{net.output_size}"),
                       advance(num)) + pad_w
        else:
            io_w = max(advance(f"x{net.input_size} = {num}"),
                       advance(f"T{net.output_size} = {num}")) + pad_w
        out_n = net.output_size
        value_w = max(val.horizontalAdvance(f"out {num}"),
                      val.horizontalAdvance(f"E{out_n} = {num}")) + pad_w
        scale = self.label_px / style.LABEL_FONT_PX  # the zoom, as the fonts have it
        dims = Dimensions(radius=self.radius(),
                          edge_label=(param_w(longest_w), label_h),
                          value_box=(value_w, 2 * val.height() + pad_h),
                          output_value_box=(value_w, 3 * val.height() + pad_h),
                          io_label=(io_w, label_h),
                          bias_box=(param_w(longest_b), label_h),
                          label_edges=level in (FULL, STACKED),
                          value_boxes=level != SPARSE)
        if not stacked:
            return replace(dims, min_layer_gap=380.0 * scale, min_spacing=170.0 * scale)
        # Two-line labels: the columns close up, the rows open (the edges get steeper, so
        # their labels stack up the gap), inputs and targets go above their neurons.
        return replace(dims, min_layer_gap=0.0, min_spacing=2 * dims.radius + 3 * label_h,
                       spacing_ratio=0.88, label_spread=1.1, io_above=True)

    def layout_for(self, level: str, digits: int | None = None) -> NetworkLayout | None:
        """The layout of the network at ``level`` (computed once per structure, digits and
        zoom); None without a network."""
        net = self._network
        if net is None:
            return None
        digits = self.digits if digits is None else digits
        best: NetworkLayout | None = None
        best_scale = -1.0
        width, height = self.view_size
        # The view's shape, in steps of about 10% (so that resizing rarely lays out again).
        aspect = round(1.1 ** round(math.log(width / height, 1.1)), 3)
        for variant in VARIANTS[level]:
            shaped = "rows" in variant
            key = (level, digits, f"{variant} {aspect}" if shaped else variant)
            layout = self._layouts.get(key)
            if layout is None:
                dims = self.dimensions(net, digits, level)
                if "beside" in variant:
                    dims = replace(dims, io_above=False)
                layout = compute_layout(net.sizes, [layer.bias for layer in net.layers],
                                        dims, aspect=aspect if shaped else None)
                if len(self._layouts) > 48:
                    self._layouts.clear()
                self._layouts[key] = layout
            scale = self._scale_of(layout)
            if scale > best_scale:
                best, best_scale = layout, scale
        return best

    def _scale_of(self, layout: NetworkLayout) -> float:
        b = layout.bounds()
        width, height = self.view_size
        return min(width / (b.w + 2 * FIT_MARGIN), height / (b.h + 2 * FIT_MARGIN))

    def set_view_size(self, width: float, height: float) -> bool:
        """The view's size: of the ways to lay a level out (labels above or beside the
        neurons, room made by spreading rows or columns), the one that fits it best is
        used. Returns whether the layout in use changes."""
        self.view_size = (max(1.0, width), max(1.0, height))
        return self._network is not None and self.layout is not self.layout_for(self.level)

    def fit_rect(self, level: str | None = None, legend: bool | None = None) -> QRectF:
        """What fitting the view shows at ``level`` (the current one by default): the
        network, its labels and (``legend``, by default if it is shown) the legend, with a
        margin."""
        layout = self.layout_for(level or self.level)
        if layout is None:
            return QRectF()
        b = layout.bounds()
        rect = QRectF(b.left, b.top, b.w, b.h)
        if legend is None:
            legend = self.legend is not None and self.legend.isVisible()
        if legend and self.legend is not None:
            key = self.legend.boundingRect()
            rect = rect.united(QRectF(b.left, b.bottom + LEGEND_GAP, key.width(),
                                      key.height()))
        return rect.adjusted(-FIT_MARGIN, -FIT_MARGIN, FIT_MARGIN, FIT_MARGIN)

    def set_legend(self, shown: bool) -> None:
        """Show or hide the legend (the view hides it when it would make the labels too
        small)."""
        if self.legend is not None:
            self.legend.setVisible(shown)

    def set_level(self, level: str, model: LabModel | None) -> bool:
        """Lay the items out for labelling ``level``; returns whether it changed."""
        if level not in LEVELS:
            raise ValueError(f"unknown level '{level}'")
        if level == self.level and self.layout is self.layout_for(level):
            return False
        self.level = level
        self._focus_shown.clear()
        if self._network is not None:
            self.relayout(self.digits, force=True)
            if model is not None:
                self.refresh(model)
        return True

    def relayout(self, digits: int, force: bool = False) -> None:
        """Place every item for labels of ``digits`` digits (only if that changed)."""
        net = self._network
        if net is None or (digits == self.digits and not force):
            return
        if digits != self.digits:
            self._layouts.clear()
            self._placed.clear()
        self.digits = digits
        layout = self.layout_for(self.level, digits)
        assert layout is not None
        self.layout = layout
        self.placements += 1

        def point(layer: int, i: int) -> QPointF:
            x, y = layout.neurons[(layer, i)]
            return QPointF(x, y)

        def centre(box: Box) -> QPointF:
            return QPointF(box.cx, box.cy)

        for name, item in self.neurons.items():
            item.setPos(point(*self._neuron_keys[name]))
        for name, box in self.value_boxes.items():
            box.setPos(centre(layout.value_boxes[self._neuron_keys[name]]))
            box.setVisible(not self.tiny)  # a sparse level hides most of them in refresh
        for i, label in enumerate(self.inputs):
            label.setPos(centre(layout.input_labels[i]))
            label.setVisible(not self.tiny)
        for j, label in enumerate(self.targets):
            label.setPos(centre(layout.target_labels[j]))
            label.setVisible(not self.tiny)
        self._focus_shown.clear()
        for info in net.infos:
            k = info.layer
            if info.kind == "weight":
                edge = self.edges[info.name]
                edge.set_line(point(k, info.source), point(k + 1, info.target))
                label = self.param_labels[info.name]
                key = (k, info.target, info.source)
                if key in layout.edge_labels:
                    label.setPos(centre(layout.edge_labels[key]))
                    label.setVisible(not self.tiny)
                else:
                    label.setVisible(False)
            else:
                node = self.bias_nodes[info.name]
                bias_box = layout.bias_boxes[(k + 1, info.target)]
                node.setPos(centre(bias_box))
                node.setVisible(not self.tiny)
                targets = range(net.sizes[k + 1]) if info.target < 0 else [info.target]
                for line, j in zip(self.bias_lines[info.name], targets):
                    line.set_line(centre(bias_box), point(k + 1, j))
        if self.legend is not None:
            bounds = layout.bounds()
            self.legend.setPos(bounds.left, bounds.bottom + LEGEND_GAP)

    def content_rect(self) -> QRectF:
        """What export and fit-to-window show: the network at the current level, every
        visible item, with a small margin."""
        rect = self.fit_rect()
        for item in self.scene.items():
            if item.isVisible() and isinstance(item, ValueLabel):
                rect = rect.united(item.scene_box().adjusted(-4, -4, 4, 4))
        return rect

    # --- values --------------------------------------------------------------------------

    def refresh(self, model: LabModel) -> None:
        """Update every text, pen and highlight from the model (no item is recreated)."""
        net0 = self._network
        if net0 is None:
            return
        digits = model.digits
        fmt = lambda v: format_number(v, digits)
        params = np.asarray(model.params)
        bp = model.backward
        fp = bp.forward
        s = model.shown_sample
        computed = model.computed()
        sub = model.current_substep
        stage = sub.stage if sub is not None else None
        done = ("update", "all") in computed
        gradient_mode = stage in ("backward", "update")
        grad = np.asarray(bp.grad)
        finite = np.abs(grad[np.isfinite(grad)])
        largest = float(finite.max()) if finite.size else 0.0
        last = len(net0.sizes) - 1
        stacked = self.level != FULL
        flow = self._flow(net0, sub)
        # Before the first sub-step, the labels in focus are those the first one uses.
        self._show_focus(model, flow if sub is not None else self._flow(
            net0, model.stepper.substeps[0] if model.stepper.substeps else None))

        # Neurons: net and out once computed in this iteration.
        terms = error_terms(bp)
        for name, box in self.value_boxes.items():
            if not box.isVisible():
                continue  # a sparse layout shows only the boxes in focus
            layer, j = self._neuron_keys[name]
            shown = done or ("forward", name) in computed
            if shown:
                lines = [(f"net {fmt(fp.nets[layer - 1][s, j])}", False),
                         (f"out {fmt(fp.outs[layer][s, j])}", False)]
            else:
                lines = [("net ?", True), ("out ?", True)]
            if layer == last:
                if done or ("error", name) in computed:
                    lines.append((f"E{j + 1} = {fmt(terms[s, j])}", False))
                else:
                    lines.append((f"E{j + 1} ?", True))
            box.set_lines(lines)
        for i, label in enumerate(self.inputs):
            _set_named(label, f"x{i + 1}", fmt(bp.inputs[s, i]), stacked)
        for j, label in enumerate(self.targets):
            _set_named(label, f"T{j + 1}", fmt(bp.targets[s, j]), stacked)

        # Parameters: value, or gradient once computed in the backward stage; after the
        # update, the new value with the digits it takes to differ from the old one.
        theme = self.theme
        frozen = net0.frozen
        faded = stage == "backward"
        pen_for = style.shared_edge_pen
        before = model.iteration.step.before.params if stage == "update" else None
        for info in net0.infos:
            name = info.name
            value = float(params[info.index])
            g = float(grad[info.index])
            g_shown = gradient_mode and ("backward", name) in computed
            label = self.param_labels[name]
            if not label.isVisible():
                pass  # not labelled at this level: the value is in the edge's tooltip
            elif stage == "backward" and g_shown:
                _set_named(label, f"dE/d{name}", fmt(g), stacked)
            elif before is not None:
                old = float(before[info.index])
                _set_named(label, name, format_number(
                    value, change_digits(old, value, digits)), stacked)
            else:
                _set_named(label, name, fmt(value), stacked)
            label.set_frozen(name in frozen)
            if g_shown:
                pen = pen_for(g, style.gradient_width(g, largest), theme)
            else:
                pen = pen_for(value, style.weight_width(value), theme, faded=faded)
            if info.kind == "weight":
                self.edges[name].set_pen(pen)
            else:
                thin = pen_for(g if g_shown else value, pen.widthF() * 0.7, theme,
                               faded=faded and not g_shown)
                for line in self.bias_lines[name]:
                    line.set_pen(thin)
        if self.legend is not None:
            self.legend.set_gradient_mode(gradient_mode)
        self._apply_highlight(model)
        self._apply_spotlight(flow)

    # --- focus: what the current sub-step reads and writes --------------------------------

    def _flow(self, net: Network, sub: SubStep | None) -> Flow | None:
        if sub is None:
            return None
        key = (sub.stage, sub.target)
        flow = self._flows.get(key)
        if flow is None:
            flow = self._flows[key] = substep_flow(net, sub)
        return flow

    def focus_parameters(self, model: LabModel, flow: Flow | None) -> list[str]:
        """The parameters whose labels a sparse level shows, most important first: what
        the sub-step writes, what it reads, the selection, the element under the mouse."""
        names: list[str] = []
        if flow is not None:
            names += sorted(e.name for e in flow.writes if isinstance(e, (ParamValue,
                                                                            ParamGrad)))
            names += sorted(e.name for e in flow.reads if isinstance(e, (ParamValue,
                                                                           ParamGrad)))
            if len(set(names)) > MAX_FOCUS_PARAMETERS:
                # The update of a large network writes every parameter: a screenful of
                # labels would hide the network. The derivation lists them all; here only
                # the selection and the element under the mouse are labelled.
                names = []
        net = self._network
        selection = model.selection
        if isinstance(selection, ParameterSel):
            names.append(selection.name)
        elif isinstance(selection, NeuronSel) and net is not None and selection.exists(net):
            names += self._edges_of(selection.layer, selection.index)
        hover = self.hover
        if hover in self.param_labels:
            names.append(hover)
        elif net is not None and hover in self._neuron_keys:
            names += self._edges_of(*self._neuron_keys[hover])
        return list(dict.fromkeys(names))  # each once, in order

    def _edges_of(self, layer: int, index: int) -> list[str]:
        """The weights into and out of neuron (layer, index)."""
        net = self._network
        if net is None:
            return []
        names = []
        if layer > 0:
            names += [net.weight_name(layer - 1, index, i) for i in range(net.sizes[layer - 1])]
        if layer < len(net.sizes) - 1:
            names += [net.weight_name(layer, t, index) for t in range(net.sizes[layer + 1])]
        return names

    def focus_neurons(self, model: LabModel, flow: Flow | None) -> set[tuple[int, int]]:
        """(layer, index) of the neurons whose value boxes a sparse level shows."""
        keys = set(flow.neurons()) if flow is not None else set()
        if flow is not None:
            last = len(self._network.sizes) - 1 if self._network is not None else -1
            keys |= {(last, e.output) for e in flow.touched if isinstance(e, ErrorTerm)}
        selection = model.selection
        if isinstance(selection, NeuronSel):
            keys.add((selection.layer, selection.index))
        if self.hover in self._neuron_keys:
            keys.add(self._neuron_keys[self.hover])
        return keys

    def _show_focus(self, model: LabModel, flow: Flow | None) -> None:
        """At the focus and sparse levels: place and show the labels in focus, hide the
        rest (and, when sparse, the value boxes out of focus, or that would cover a label
        shown before them: what the sub-step writes comes first)."""
        if self.level in (FULL, STACKED) or self.layout is None or self._network is None \
                or self.tiny:
            return
        net = self._network
        focus = self.focus_parameters(model, flow)
        names = [n for n in focus if n in self.edges]
        # Biases are nodes: always shown, but for a neuron's own bias when sparse.
        biases = [n for n in focus if n in self.bias_nodes and net.info(n).target >= 0] \
            if self.level == SPARSE else []
        boxes: list[tuple[int, int]] = []
        if self.level == SPARSE:
            wanted = self.focus_neurons(model, flow)
            written = {(e.layer, e.neuron) for e in flow.writes
                       if isinstance(e, NeuronValue)} & wanted if flow is not None else set()
            boxes = sorted(written) + sorted(wanted - written)
            boxes = [b for b in boxes if b[0] > 0]  # inputs have no value box
        key = (self.level, self.digits, tuple(names), tuple(boxes), tuple(biases))
        placed = self._placed.get(key)
        if placed is None:
            placed = self._place_focus(names, boxes, biases)
            if len(self._placed) > 64:
                self._placed.clear()
            self._placed[key] = placed
        if self.level == SPARSE:
            shown_boxes = {k for k in placed if len(k) == 2}
            for name, box in self.value_boxes.items():
                box.setVisible(self._neuron_keys[name] in shown_boxes)
            for name, node in self.bias_nodes.items():
                info = net.info(name)
                if info.target >= 0:  # a shared bias stays
                    node.setVisible((info.layer + 1, info.target, -1) in placed)
        shown: set[str] = set()
        for name in names:
            info = net.info(name)
            spot = placed.get((info.layer, info.target, info.source))
            if spot is not None:
                label = self.param_labels[name]
                label.setPos(QPointF(spot.cx, spot.cy))
                label.setVisible(True)
                shown.add(name)
        for name in self._focus_shown - shown:
            self.param_labels[name].setVisible(False)
        self._focus_shown = shown

    def _place_focus(self, names: list[str], boxes: list[tuple[int, int]],
                     biases: Sequence[str] = ()) -> dict[tuple[int, ...], Box]:
        """Where the focus labels go ((k, target, source) keys) and which value boxes
        ((layer, index) keys) and bias nodes ((layer, neuron, -1) keys) are shown: the
        value box that something written is in first, then the labels, then the bias
        nodes and the other value boxes, none covering another."""
        net = self._network
        layout = self.layout
        assert net is not None and layout is not None
        dims = self._dims_for_focus()
        placed: dict[tuple[int, ...], Box] = {}
        taken: list[Box] = []
        if self.level == FOCUS:
            taken = list(layout.value_boxes.values())  # they have room of their own
        obstacles = layout.obstacles()

        def try_box(key: tuple[int, int]) -> None:
            box = layout.value_boxes.get(key)
            if box is not None and not any(box.intersects(o, dims.pad / 2)
                                           for o in taken + obstacles):
                placed[key] = box
                taken.append(box)

        first = boxes[:1] if boxes else []
        for key in first:
            try_box(key)
        for name in names:
            info = net.info(name)
            edge = (info.layer, info.target, info.source)
            spot = place_some_labels(layout, dims, [edge], taken).get(edge)
            if spot is not None:
                placed[edge] = spot
                taken.append(spot)
        for name in biases:
            info = net.info(name)
            box = layout.bias_boxes.get((info.layer + 1, info.target))
            if box is not None and not any(box.intersects(o, dims.pad / 2)
                                           for o in taken + obstacles):
                placed[(info.layer + 1, info.target, -1)] = box
                taken.append(box)
        for key in boxes[1:]:
            try_box(key)
        return placed

    def _dims_for_focus(self) -> Dimensions:
        net = self._network
        assert net is not None
        return self.dimensions(net, self.digits, self.level)

    def _apply_spotlight(self, flow: Flow | None) -> None:
        """Dim every item the sub-step neither reads nor writes (when the spotlight is on
        and a sub-step has been taken); undim the rest."""
        lit: set[int] | None = None
        if self.spotlight and flow is not None:
            lit = {id(item) for item in self._items_of(flow)}
        dimmed: set[int] = set()
        for item in self.all_items():
            dim = lit is not None and id(item) not in lit
            opacity = 1.0 if not dim else (DIM_TEXT_OPACITY if isinstance(item, ValueLabel)
                                           else DIM_OPACITY)
            if item.opacity() != opacity:
                item.setOpacity(opacity)
                if isinstance(item, EdgeItem):
                    item.glow.setOpacity(opacity)
            if dim:
                dimmed.add(id(item))
        self._dimmed = dimmed

    def _items_of(self, flow: Flow) -> list[Focusable]:
        """The canvas items of everything ``flow`` reads or writes."""
        net = self._network
        items: list[Focusable] = []
        if net is None:
            return items
        last = len(net.sizes) - 1
        for e in flow.touched:
            if isinstance(e, NeuronValue):
                name = net.neurons[e.layer][e.neuron]
                items.append(self.neurons[name])
                if e.layer == 0:
                    items.append(self.inputs[e.neuron])
                else:
                    items.append(self.value_boxes[name])
            elif isinstance(e, (ParamValue, ParamGrad)):
                if e.name in self.edges:
                    items.append(self.edges[e.name])
                items.append(self.param_labels[e.name])
                items.extend(self.bias_lines.get(e.name, []))
            elif isinstance(e, TargetValue):
                items.append(self.targets[e.output])
            elif isinstance(e, ErrorTerm):
                items.append(self.value_boxes[net.neurons[last][e.output]])
        return items

    def set_tiny(self, tiny: bool, model: LabModel | None) -> None:
        """Hide every label (a manual zoom would draw them too small), or show them as the
        level says."""
        self.tiny = tiny
        if tiny:
            for label in self.labels():
                label.setVisible(False)
            self._focus_shown.clear()
        elif self._network is not None:
            self.relayout(self.digits, force=True)
        if model is not None:
            self.refresh(model)

    def labels(self) -> list[ValueLabel]:
        """Every text box: value boxes, inputs, targets, edge labels and bias nodes."""
        return (list(self.value_boxes.values()) + self.inputs + self.targets
                + list(self.param_labels.values()))

    def focus_point(self, model: LabModel | None, default: QRectF) -> QPointF:
        """Where the view centres when it cannot show the whole network: what the current
        sub-step writes (the centre of ``default`` before the first sub-step)."""
        net = self._network
        sub = model.current_substep if model is not None else None
        if net is None or sub is None or sub.stage == "update":
            return default.center()
        rect = self.focus_rect(model)
        return rect.center() if rect is not None else default.center()

    def focus_rect(self, model: LabModel | None) -> QRectF | None:
        """Where what the current sub-step writes is shown: its labels and boxes (or its
        edges when they have none shown); None before the first sub-step."""
        net = self._network
        sub = model.current_substep if model is not None else None
        if net is None or sub is None:
            return None
        flow = self._flow(net, sub)
        assert flow is not None
        written = self._items_of(Flow(frozenset(), flow.writes))
        shown = [i for i in written if isinstance(i, ValueLabel) and i.isVisible()]
        items = shown or written
        if not items or len(items) > 12:
            return None
        rect = items[0].sceneBoundingRect()
        for item in items[1:]:
            rect = rect.united(item.sceneBoundingRect())
        return rect

    def dimmed(self) -> set[int]:
        """ids of the items the spotlight dims now (for tests)."""
        return set(self._dimmed)

    def set_spotlight(self, on: bool, model: LabModel | None) -> None:
        """Dim what the current sub-step does not touch (presenter mode)."""
        if on != self.spotlight:
            self.spotlight = on
            if model is not None:
                self.refresh(model)

    def set_hover(self, name: str, model: LabModel | None) -> bool:
        """The parameter or neuron under the mouse (its labels are shown at the sparse
        levels); returns whether that changes what is shown."""
        if name == self.hover:
            return False
        self.hover = name
        if self.level in (FULL, STACKED) or model is None:
            return False
        self.refresh(model)
        return True

    def tooltip_text(self, model: LabModel, name: str) -> str:
        """What the tooltip of parameter ``name``'s line says: its value and, once the
        backward pass has computed it, its gradient."""
        net = self._network
        if net is None or name not in net.index_of:
            return ""
        digits = model.digits
        index = net.index_of[name]
        tip = f"{name} = {format_number(float(model.params[index]), digits)}"
        sub = model.current_substep
        if (sub is not None and sub.stage in ("backward", "update")
                and ("backward", name) in model.computed()):
            tip += f"\ndE/d{name} = {format_number(float(model.backward.grad[index]), digits)}"
        return tip

    def update_tooltip(self, item: EdgeItem, model: LabModel) -> None:
        """Write the current value into a parameter line's tooltip (before it is shown)."""
        if item.ref.is_parameter:
            item.setToolTip(self.tooltip_text(model, item.ref.name))

    # --- highlight and selection ---------------------------------------------------------

    def _apply_highlight(self, model: LabModel) -> None:
        levels = self._highlight_levels(model)
        for key, (item, _level) in self._highlighted.items():
            if key not in levels:
                item.set_highlight(NO_HIGHLIGHT)
        for item, level in levels.values():
            item.set_highlight(level)  # no-op when the level is unchanged
        self._highlighted = levels

    def _highlight_levels(self, model: LabModel) -> dict[
            int, tuple[NeuronItem | EdgeItem | ValueLabel, int]]:
        """The highlight level of every item the current sub-step lights up."""
        levels: dict[int, tuple[NeuronItem | EdgeItem | ValueLabel, int]] = {}
        sub = model.current_substep
        net = self._network
        if sub is None or net is None:
            return levels

        def mark(item: NeuronItem | EdgeItem | ValueLabel | None, level: int) -> None:
            if item is None:
                return
            old = levels.get(id(item))
            if old is None or old[1] < level:
                levels[id(item)] = (item, level)

        def mark_param(name: str, level: int, label_level: int | None = None) -> None:
            edge = self.edges.get(name)
            mark(edge, level)
            for line in self.bias_lines.get(name, []):
                mark(line, level)
            mark(self.param_labels.get(name), level if label_level is None else label_level)

        def mark_downstream(layer: int, j: int) -> None:
            """Everything the error flows back through from the outputs to neuron j."""
            sources = {j}
            for k in range(layer, len(net.layers)):
                nxt: set[int] = set()
                for t in range(net.sizes[k + 1]):
                    for src in sources:
                        mark_param(net.weight_name(k, t, src), PATH_HIGHLIGHT)
                    nxt.add(t)
                    mark(self.neurons.get(net.neurons[k + 1][t]), PATH_HIGHLIGHT)
                sources = nxt

        if sub.stage == "forward":
            name = sub.target
            mark(self.neurons.get(name), MAIN_HIGHLIGHT)
            mark(self.value_boxes.get(name), MAIN_HIGHLIGHT)
            k = sub.layer - 1
            for i in range(net.sizes[k]):
                mark_param(net.weight_name(k, sub.index, i), MAIN_HIGHLIGHT, PATH_HIGHLIGHT)
            bias = net.bias_name(k, sub.index)
            if bias is not None:
                # Only the line into this neuron: a shared bias feeds the others later.
                lines = self.bias_lines.get(bias, [])
                mark(lines[sub.index] if len(lines) > 1 else (lines[0] if lines else None),
                     MAIN_HIGHLIGHT)
                mark(self.param_labels.get(bias), PATH_HIGHLIGHT)
        elif sub.stage == "error":
            mark(self.neurons.get(sub.target), MAIN_HIGHLIGHT)
            mark(self.value_boxes.get(sub.target), MAIN_HIGHLIGHT)
            if 0 <= sub.index < len(self.targets):
                mark(self.targets[sub.index], MAIN_HIGHLIGHT)
        elif sub.stage == "backward" and sub.target in net.index_of:
            info = net.info(sub.target)
            layer = info.layer + 1
            targets = range(net.sizes[layer]) if info.target < 0 else [info.target]
            for j in targets:
                mark(self.neurons.get(net.neurons[layer][j]), PATH_HIGHLIGHT)
                mark_downstream(layer, j)
            mark_param(sub.target, MAIN_HIGHLIGHT)
        elif sub.stage == "update":
            # Every parameter changes: glow on the labels and bias nodes, not on every line
            # (a glow on every edge would hide the colours of the gradients).
            for label in self.param_labels.values():
                mark(label, MAIN_HIGHLIGHT)
        return levels

    def apply_selection(self, selection: Selection | None) -> None:
        """Draw the model's selection (a parameter, a neuron, an input or a target)."""
        items: list[NeuronItem | EdgeItem | ValueLabel] = []
        net = self._network
        if isinstance(selection, ParameterSel):
            if selection.name in self.param_labels:
                items.append(self.param_labels[selection.name])
            if selection.name in self.edges:
                items.append(self.edges[selection.name])
        elif isinstance(selection, NeuronSel):
            if net is not None and selection.exists(net):
                items.append(self.neurons[selection.label(net)])
        elif isinstance(selection, InputSel):
            if selection.index < len(self.inputs):
                items.append(self.inputs[selection.index])
        elif isinstance(selection, TargetSel) and selection.index < len(self.targets):
            items.append(self.targets[selection.index])
        chosen = {id(i) for i in items}
        for item in self.all_items():
            item.set_selected(id(item) in chosen)

    def all_items(self) -> list[NeuronItem | EdgeItem | ValueLabel]:
        """Every item that can be highlighted or selected."""
        result: list[NeuronItem | EdgeItem | ValueLabel] = []
        result.extend(self.neurons.values())
        result.extend(self.value_boxes.values())
        result.extend(self.edges.values())
        result.extend(self.param_labels.values())
        for lines in self.bias_lines.values():
            result.extend(lines)
        result.extend(self.inputs)
        result.extend(self.targets)
        return result

    def set_theme(self, theme: style.Theme, model: LabModel | None) -> None:
        """Switch every item's palette (pens are recomputed from the model)."""
        self.theme = theme
        for item in self.all_items():
            item.set_theme(theme)
        if self.legend is not None:
            self.legend.set_theme(theme)
        if model is not None:
            self.refresh(model)


def _set_named(label: ValueLabel, name: str, value: str, stacked: bool) -> None:
    """``name = value`` on one line, or the name over the value (stacked)."""
    if stacked:
        label.set_lines([(name, False), (value, False)])
    else:
        label.set_text(f"{name} = {value}")


def _param_tip(net: Network, name: str) -> str:
    info = net.info(name)
    if info.kind == "weight":
        src = net.neurons[info.layer][info.source]
        tgt = net.neurons[info.layer + 1][info.target]
        what = f"{name}: weight {src} -> {tgt}"
    elif info.target < 0:
        what = f"{name}: bias shared by {', '.join(net.neurons[info.layer + 1])}"
    else:
        what = f"{name}: bias of {net.neurons[info.layer + 1][info.target]}"
    if name in net.frozen:
        what += "\nFrozen: training leaves it unchanged (the padlock)."
    return (f"{what}\nDouble-click to type a value. Drag left/right to scrub "
            "(0.01 per pixel, Shift: 0.001). Alt+wheel nudges it.\n"
            "Right-click to freeze or unfreeze.")
