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
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QGraphicsScene

from ...engine.explain import error_terms
from ...engine.network import Network
from ...engine.numbers import format_number
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
from .layout import Box, Dimensions, NetworkLayout, compute_layout

if TYPE_CHECKING:
    from ..model import LabModel

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
        self.label_font = style.font(style.LABEL_FONT_PX)
        self.value_font = style.font(style.VALUE_FONT_PX)
        self.name_font = style.font(style.NAME_FONT_PX, bold=True)
        self.small_font = style.font(13)
        self.legend_font = style.font(style.LEGEND_FONT_PX)
        self.layout: NetworkLayout | None = None
        self.digits = -1
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
                item = NeuronItem(Ref("neuron", name, layer, i), style.NEURON_RADIUS,
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

    def _add(self, item: NeuronItem | EdgeItem | ValueLabel) -> None:
        self.scene.addItem(item)
        if isinstance(item, EdgeItem):
            self.scene.addItem(item.glow)

    # --- layout --------------------------------------------------------------------------

    def dimensions(self, net: Network, digits: int) -> Dimensions:
        """Reserved sizes of every kind of label at ``digits`` significant digits."""
        num = _worst_number(digits)
        lab = QFontMetricsF(self.label_font)
        val = QFontMetricsF(self.value_font)
        lock = lab.height() * 0.75 + 4
        pad_w, pad_h = 2 * style.LABEL_PAD_X, 2 * style.LABEL_PAD_Y
        w_names = [n for n in net.names if n.startswith("w")] or ["w1"]
        b_names = [n for n in net.names if n.startswith("b")] or ["b1"]
        longest_w = max(w_names, key=lambda n: lab.horizontalAdvance(n))
        longest_b = max(b_names, key=lambda n: lab.horizontalAdvance(n))

        def param_w(name: str) -> float:
            return max(lab.horizontalAdvance(f"dE/d{name} = {num}"),
                       lab.horizontalAdvance(f"{name} = {num}")) + pad_w + lock

        label_h = lab.height() + pad_h
        io_w = max(lab.horizontalAdvance(f"x{net.input_size} = {num}"),
                   lab.horizontalAdvance(f"T{net.output_size} = {num}")) + pad_w
        out_n = net.output_size
        value_w = max(val.horizontalAdvance(f"out {num}"),
                      val.horizontalAdvance(f"E{out_n} = {num}")) + pad_w
        return Dimensions(radius=style.NEURON_RADIUS,
                          edge_label=(param_w(longest_w), label_h),
                          value_box=(value_w, 2 * val.height() + pad_h),
                          output_value_box=(value_w, 3 * val.height() + pad_h),
                          io_label=(io_w, label_h),
                          bias_box=(param_w(longest_b), label_h))

    def relayout(self, digits: int, force: bool = False) -> None:
        """Place every item for labels of ``digits`` digits (only if that changed)."""
        net = self._network
        if net is None or (digits == self.digits and not force):
            return
        self.digits = digits
        layout = compute_layout(net.sizes, [layer.bias for layer in net.layers],
                                self.dimensions(net, digits))
        self.layout = layout

        def point(layer: int, i: int) -> QPointF:
            x, y = layout.neurons[(layer, i)]
            return QPointF(x, y)

        def centre(box: Box) -> QPointF:
            return QPointF(box.cx, box.cy)

        for name, item in self.neurons.items():
            item.setPos(point(*self._neuron_keys[name]))
        for name, box in self.value_boxes.items():
            box.setPos(centre(layout.value_boxes[self._neuron_keys[name]]))
        for i, label in enumerate(self.inputs):
            label.setPos(centre(layout.input_labels[i]))
        for j, label in enumerate(self.targets):
            label.setPos(centre(layout.target_labels[j]))
        for info in net.infos:
            k = info.layer
            if info.kind == "weight":
                edge = self.edges[info.name]
                edge.set_line(point(k, info.source), point(k + 1, info.target))
                label = self.param_labels[info.name]
                key = (k, info.target, info.source)
                if key in layout.edge_labels:
                    label.setPos(centre(layout.edge_labels[key]))
                    label.setVisible(True)
                else:
                    label.setVisible(False)
            else:
                node = self.bias_nodes[info.name]
                bias_box = layout.bias_boxes[(k + 1, info.target)]
                node.setPos(centre(bias_box))
                targets = range(net.sizes[k + 1]) if info.target < 0 else [info.target]
                for line, j in zip(self.bias_lines[info.name], targets):
                    line.set_line(centre(bias_box), point(k + 1, j))
        if self.legend is not None:
            bounds = layout.bounds()
            self.legend.setPos(bounds.left, bounds.bottom + 28)

    def content_rect(self) -> QRectF:
        """What export and fit-to-window show: every item with a small margin."""
        rect = self.scene.itemsBoundingRect()
        return rect.adjusted(-16, -16, 16, 16)

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

        # Neurons: net and out once computed in this iteration.
        terms = error_terms(bp)
        for name, box in self.value_boxes.items():
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
            label.set_text(f"x{i + 1} = {fmt(bp.inputs[s, i])}")
        for j, label in enumerate(self.targets):
            label.set_text(f"T{j + 1} = {fmt(bp.targets[s, j])}")

        # Parameters: value, or gradient once computed in the backward stage.
        theme = self.theme
        frozen = net0.frozen
        faded = stage == "backward"
        pen_for = style.shared_edge_pen
        for info in net0.infos:
            name = info.name
            value = float(params[info.index])
            g = float(grad[info.index])
            g_shown = gradient_mode and ("backward", name) in computed
            label = self.param_labels[name]
            if not label.isVisible():
                pass  # a layer pair too dense to label: the value is in the edge's tooltip
            elif stage == "backward" and g_shown:
                label.set_text(f"dE/d{name} = {fmt(g)}")
            else:
                label.set_text(f"{name} = {fmt(value)}")
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
