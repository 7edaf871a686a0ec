"""The chain rule as a graph: the expression's computational graph, stepped forward and
backward, drawn in the network canvas's visual language.

The items are the canvas's own (:mod:`simulator.app.canvas.items`): a variable or an
operation is a :class:`~simulator.app.canvas.items.NeuronItem` (a circle with its name or
operator), a constant a box in the bias colour, each node's numbers a
:class:`~simulator.app.canvas.items.ValueLabel` under it, each edge an
:class:`~simulator.app.canvas.items.EdgeItem` whose pen shows the gradient it carries once
the backward pass has sent it (blue solid positive, vermillion dashed negative, width the
size: :func:`~simulator.app.canvas.style.shared_edge_pen`), and the node being computed
glows yellow. Colours and fonts come from :mod:`simulator.app.canvas.style` in its light
and dark themes.

Stepping (the model's ``graph_step``) writes each node's value on the way forward; on the
way back it writes each node's gradient (the sum of what arrives at it) and, on its input
edges, the local derivatives and what is sent along them, until the inputs hold df/dx and
df/dy. Under the graph, the step is written out as the derivation panel writes a sub-step
(an :class:`~simulator.engine.explanation.Explanation` rendered by its
:class:`~simulator.app.derivation_panel.HtmlRenderer`). Every number is the engine's
(:attr:`FunctionLabModel.trace <simulator.app.function.model.FunctionLabModel.trace>`).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QFont, QPainter, QPen, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ...engine.function import GraphTrace
from ...engine.function.graph import CONSTANT, INPUT
from ...engine.numbers import format_number
from .. import theme as app_theme
from ..canvas.items import (
    MAIN_HIGHLIGHT,
    NO_HIGHLIGHT,
    PATH_HIGHLIGHT,
    EdgeItem,
    NeuronItem,
    Ref,
    ValueLabel,
)
from ..canvas.style import (
    DARK,
    LABEL_FONT_PX,
    LIGHT,
    NAME_FONT_PX,
    NEURON_RADIUS,
    VALUE_FONT_PX,
    Theme,
    font,
    gradient_width,
    shared_edge_pen,
)
from ..derivation_panel import HtmlRenderer
from .graph_layout import MAX_DRAWN_NODES, GraphLayout, layout_graph
from .graph_text import (
    circle_text,
    computed_gradients,
    computed_values,
    explain_graph_step,
    graph_step,
    local_formula,
    node_name,
)
from .model import FunctionLabModel

RADIUS = NEURON_RADIUS * 0.8
#: Grey edge width before the backward pass reaches an edge.
IDLE_EDGE_WIDTH = 2.0
#: Longest sub-expression written in a node's box (longer ones are cut with "...").
MAX_NAME_CHARS = 22


class ConstantItem(ValueLabel):
    """A constant: a box in the colour of the canvas's biases (a given number)."""

    def _fill(self) -> QBrush:
        return QBrush(self.theme.bias_fill)

    def _border(self) -> QPen:
        return QPen(self.theme.node_border, 2.0)


def _cut(text: str, limit: int = MAX_NAME_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


class GraphCanvas(QGraphicsView):
    """The graph's drawing (see the module docstring); :meth:`show_model` rebuilds the items
    for a new expression and otherwise only updates their texts, pens and glows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMinimumSize(240, 160)
        self.theme: Theme = LIGHT
        self.layout_: GraphLayout | None = None
        self.nodes: dict[int, NeuronItem | ConstantItem] = {}
        self.boxes: dict[int, ValueLabel] = {}
        self.edges: dict[tuple[int, int], EdgeItem] = {}
        self.edge_labels: dict[tuple[int, int], ValueLabel] = {}
        self.notice: QGraphicsSimpleTextItem | None = None
        self._graph: object = None
        self._name_font = font(NAME_FONT_PX, bold=True)
        self._small_font = font(LABEL_FONT_PX)
        self._value_font = font(VALUE_FONT_PX)
        self.setBackgroundBrush(self.theme.background)

    # --- building ---------------------------------------------------------------------------

    def _rebuild(self, model: FunctionLabModel) -> None:
        scene = self.scene()
        scene.clear()
        self.nodes, self.boxes, self.edges, self.edge_labels = {}, {}, {}, {}
        self.notice = None
        graph = model.function.graph
        self._graph = graph
        self.layout_ = None
        drawn = layout_graph(graph)
        if len(drawn.nodes) > MAX_DRAWN_NODES:
            self.notice = scene.addSimpleText(
                f"This expression's graph has {len(drawn.nodes)} nodes: too many to draw "
                f"legibly (at most {MAX_DRAWN_NODES}).\nThe steps are still written out "
                "below; try a shorter expression to see them on the graph.",
                font(LABEL_FONT_PX))
            self.notice.setBrush(self.theme.text)
            return
        self.layout_ = drawn
        nodes = graph.nodes
        t = self.theme
        for j, i, slot in drawn.edges:
            edge = EdgeItem(Ref("weight", f"{j}->{i}:{slot}"), t)
            (x1, y1), (x2, y2) = drawn.positions[j], drawn.positions[i]
            edge.set_line(QPointF(x1, y1), QPointF(x2, y2))
            scene.addItem(edge)
            scene.addItem(edge.glow)
            label = ValueLabel(Ref("weight", f"{j}->{i}:{slot}"), self._value_font, t)
            label.setPos(QPointF(x1 + 0.5 * (x2 - x1), y1 + 0.5 * (y2 - y1)))
            label.setVisible(False)
            scene.addItem(label)
            edge.label = label
            self.edges[(j, i)] = edge
            self.edge_labels[(j, i)] = label
        for i in drawn.nodes:
            node = nodes[i]
            x, y = drawn.positions[i]
            name = node_name(node)
            item: NeuronItem | ConstantItem
            if node.kind == CONSTANT or not node.needs_grad:
                item = ConstantItem(Ref("bias", name), self._small_font, t)
                item.setPos(x, y)
                scene.addItem(item)
                self.nodes[i] = item
                continue
            symbol = circle_text(node)
            size = NAME_FONT_PX if len(symbol) <= 2 else 18 if len(symbol) <= 4 else 13
            item = NeuronItem(Ref("neuron", symbol), RADIUS, font(size, bold=True),
                              self._small_font, t)
            item.setToolTip(name)
            item.setPos(x, y)
            scene.addItem(item)
            self.nodes[i] = item
            box = ValueLabel(Ref("values", name), self._value_font, t)
            box.setPos(x, y + RADIUS + 40)
            scene.addItem(box)
            self.boxes[i] = box

    def show_model(self, model: FunctionLabModel) -> None:
        """Draw the model's graph at its ``graph_step``."""
        if self._graph is not model.function.graph:
            self._rebuild(model)
            self.fit()
        if self.layout_ is None:
            return
        trace = model.trace
        step = model.graph_step
        digits = model.digits
        values = computed_values(trace, step)
        grads = computed_gradients(trace, step)
        now = graph_step(trace, step)
        nodes = trace.graph.nodes
        fmt = lambda v: format_number(v, digits)
        for i, item in self.nodes.items():
            node = nodes[i]
            if isinstance(item, ConstantItem):
                name = node_name(node)
                text = name if node.kind == CONSTANT and node.op not in ("e", "pi") \
                    else f"{_cut(name)} = {fmt(trace.values[i])}"
                item.set_text(text)
                continue
            lines = [(_cut(node_name(node)), True)]
            if i in values:
                lines.append((f"value {fmt(trace.values[i])}", False))
            if i in grads:
                g = trace.grads[i]
                what = f"df/d{node.op}" if node.kind == INPUT else "grad"
                lines.append((f"{what} {fmt(g if g is not None else math.nan)}", False))
            self.boxes[i].set_lines(lines)
            item.set_highlight(MAIN_HIGHLIGHT if now.node == i else NO_HIGHLIGHT)
            self.boxes[i].set_highlight(MAIN_HIGHLIGHT if now.node == i else NO_HIGHLIGHT)
        largest = max((abs(e.gradient) for e in trace.edges if math.isfinite(e.gradient)),
                      default=0.0)
        sent = {(e.source, e.target): e for e in trace.edges}
        for (j, i), edge in self.edges.items():
            label = self.edge_labels[(j, i)]
            e = sent.get((j, i))
            if i in grads and e is not None:
                edge.set_pen(shared_edge_pen(e.gradient, gradient_width(e.gradient, largest),
                                             self.theme))
                formula = local_formula(trace, i, e.slot)
                local = fmt(e.local)
                first = f"local {local}" if formula == local or not formula else \
                    f"local {_cut(formula, 16)} = {local}"
                label.set_lines([(first, False), (f"sends {fmt(e.gradient)}", False)])
                label.setVisible(True)
            else:
                edge.set_pen(shared_edge_pen(0.0, IDLE_EDGE_WIDTH, self.theme))
                label.setVisible(False)
            active = now.node is not None and (
                (now.phase == "forward" and i == now.node)
                or (now.phase in ("backward", "done") and e is not None
                    and (i == now.node or j == now.node)))
            level = PATH_HIGHLIGHT if active else NO_HIGHLIGHT
            edge.set_highlight(level)
            label.set_highlight(level if label.isVisible() else NO_HIGHLIGHT)

    # --- view -------------------------------------------------------------------------------

    def set_dark(self, dark: bool) -> None:
        """Switch the items to the canvas's dark (True) or light palette."""
        self.theme = DARK if dark else LIGHT
        self.setBackgroundBrush(self.theme.background)
        for item in [*self.nodes.values(), *self.boxes.values(), *self.edges.values(),
                     *self.edge_labels.values()]:
            item.set_theme(self.theme)
        if self.notice is not None:
            self.notice.setBrush(self.theme.text)

    def fit(self) -> None:
        """Fit the whole graph into the view (a small one is not blown up)."""
        rect = self.scene().itemsBoundingRect()
        if rect.isEmpty() or self.viewport().width() <= 0:
            return
        self.setSceneRect(rect.adjusted(-20, -20, 20, 20))
        self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        if self.transform().m11() > 1.3:  # a tiny graph is not blown up
            self.resetTransform()
            self.scale(1.3, 1.3)
            self.centerOn(rect.center())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.fit()

    def node_position(self, index: int) -> QPointF | None:
        """A node's centre in scene coordinates (None when it is not drawn)."""
        item = self.nodes.get(index)
        return item.pos() if item is not None else None

    def edge_line(self, source: int, target: int) -> QLineF | None:
        """An edge's line (None when it is not drawn)."""
        edge = self.edges.get((source, target))
        return edge.line() if edge is not None else None

    def scene_rect(self) -> QRectF:
        """Everything drawn."""
        return self.scene().itemsBoundingRect()


class GraphPanel(QWidget):
    """The graph with its step buttons above and the current step written out below."""

    def __init__(self, model: FunctionLabModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.back_button = QPushButton("\u25c2 Back")
        self.back_button.setToolTip("One step back through the passes")
        self.forward_button = QPushButton("Forward \u25b8")
        self.forward_button.setToolTip("The next node: its value (forward), then its "
                                       "gradient and local derivatives (backward)")
        self.reset_button = QPushButton("Start")
        self.reset_button.setToolTip("Back to before the forward pass")
        self.end_button = QPushButton("End")
        self.end_button.setToolTip("Both passes done: the inputs hold the gradient")
        self.position = QLabel()
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        for w in (self.reset_button, self.back_button, self.forward_button, self.end_button):
            bar.addWidget(w)
        bar.addSpacing(8)
        bar.addWidget(self.position, 1)
        self.canvas = GraphCanvas()
        self.caption = QTextBrowser()
        self.caption.setMinimumHeight(90)
        self.caption.setOpenLinks(False)
        caption_font = QFont(self.caption.font())
        caption_font.setPointSizeF(max(caption_font.pointSizeF(), 11.0))
        self.caption.setFont(caption_font)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.canvas)
        split.addWidget(self.caption)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 2)
        split.setSizes([500, 200])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        self.back_button.clicked.connect(model.graph_back)
        self.forward_button.clicked.connect(model.graph_forward)
        self.reset_button.clicked.connect(lambda: model.set_graph_step(0))
        self.end_button.clicked.connect(lambda: model.set_graph_step(sum(model.graph_steps)))
        self._html = ""

    def refresh(self) -> None:
        """Show the model's graph and step."""
        model = self.model
        self.canvas.show_model(model)
        trace: GraphTrace = model.trace
        step = model.graph_step
        f, b = model.graph_steps
        self.back_button.setEnabled(step > 0)
        self.forward_button.setEnabled(step < f + b)
        now = graph_step(trace, step)
        where = {"start": "before the forward pass", "forward": f"forward {now.number} of {f}",
                 "backward": f"backward {now.number} of {b}", "done": "done"}[now.phase]
        self.position.setText(f"Step {step} of {f + b}: {where}")
        derivs = model.derivatives
        texts = [derivs[v].text if derivs and v in derivs else None for v in model.variables]
        explanation = explain_graph_step(trace, step, model.variables, model.symbolic_gradient(),
                                         texts)
        html = self._renderer().render(explanation)
        if html != self._html:
            self._html = html
            self.caption.setHtml(html)

    def _renderer(self) -> HtmlRenderer:
        pal = self.palette()
        result = app_theme.accent(pal)
        if app_theme.is_dark(pal):
            result = result.lighter(135)
        return HtmlRenderer(self.model.digits, text=pal.color(pal.ColorRole.Text).name(),
                            muted=app_theme.muted_text(pal).name(), result=result.name(),
                            sans=self.font().family())

    def caption_text(self) -> str:
        """The step written out, as plain text (as a reader sees it: without the renderer's
        word joiners, with ordinary spaces)."""
        return self.caption.toPlainText().replace("\u2060", "").replace("\u00a0", " ")

    def set_dark(self, dark: bool) -> None:
        """Follow the light or dark theme."""
        self.canvas.set_dark(dark)
        self._html = ""

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._html = ""
        super().changeEvent(event)


__all__ = ["ConstantItem", "GraphCanvas", "GraphPanel"]
