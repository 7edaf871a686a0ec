"""Pure geometry of the network canvas: where layers, neurons, bias nodes and labels go.

No Qt here, so the layout can be tested on its own. Scene coordinates: x grows to the
right (inputs in the first column), y grows downwards, every column is centred on y = 0.

The lesson's picture is reproduced: layers in columns, each neuron's values in a box under
its circle, input values to the left of the inputs, targets to the right of the outputs, a
shared bias as one node under the column before its layer (b1 under the inputs, b2 under
the hidden layer) and a per-neuron bias as a node just above its neuron.

Edge labels are placed along their edges. Labels of edges from the same source start at
fractions that differ per target (so they are staggered along the fan of edges); each label
then takes the nearest free position along its edge that overlaps neither another label nor
a node. When no free position is left, the gap between the two columns is widened and the
placement is repeated, so the labels of a layout never overlap (up to
:data:`MAX_WIDENINGS` widenings). Layer pairs with more than ``max_labelled`` edges get no
edge labels at all (the values are in the tooltips): a label per edge would be unreadable.

A layout without room for every edge label (``Dimensions.label_edges`` False: the canvas
uses it when a network is too big to label every edge legibly) keeps the columns as close
as the nodes allow; :func:`place_some_labels` then places the labels of a few edges (what
the current sub-step reads and writes, the selection, the edge under the mouse) wherever
they find room, and leaves out those that find none. Without ``Dimensions.value_boxes``
the rows are as close as the circles allow (the net/out boxes of a few neurons are shown
over their neighbours).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

#: How often the gap between two columns may be widened to make room for labels.
MAX_WIDENINGS = 14
#: Factor by which a crowded gap is widened each time.
WIDEN_FACTOR = 1.15
#: Gaps between columns within this ratio of each other are made equal.
EVEN_GAPS_RATIO = 1.35
#: Labels keep clear of other lines in gaps with at most this many edges...
CLEAR_OF_LINES_MAX_EDGES = 16
#: ...where a line through a label costs as much as this much farther from its preferred
#: place along its edge.
LINE_PENALTY = 0.12
#: Candidate positions along an edge, as fractions of its length.
FRACTIONS: tuple[float, ...] = tuple(round(0.1 + 0.02 * i, 2) for i in range(41))


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle given by its centre and size."""

    cx: float
    cy: float
    w: float
    h: float

    @property
    def left(self) -> float:
        return self.cx - self.w / 2

    @property
    def right(self) -> float:
        return self.cx + self.w / 2

    @property
    def top(self) -> float:
        return self.cy - self.h / 2

    @property
    def bottom(self) -> float:
        return self.cy + self.h / 2

    def intersects(self, other: Box, pad: float = 0.0) -> bool:
        """Whether the boxes overlap, or come closer than ``pad`` to each other."""
        return (abs(self.cx - other.cx) * 2 < self.w + other.w + 2 * pad
                and abs(self.cy - other.cy) * 2 < self.h + other.h + 2 * pad)

    def overlap_area(self, other: Box, pad: float = 0.0) -> float:
        """The area of the overlap (boxes grown by ``pad`` / 2 each)."""
        dx = (self.w + other.w) / 2 + pad - abs(self.cx - other.cx)
        dy = (self.h + other.h) / 2 + pad - abs(self.cy - other.cy)
        return dx * dy if dx > 0 and dy > 0 else 0.0


def union(boxes: Iterable[Box]) -> Box:
    """The smallest box holding all ``boxes`` (a zero box for none)."""
    items = list(boxes)
    if not items:
        return Box(0.0, 0.0, 0.0, 0.0)
    left = min(b.left for b in items)
    right = max(b.right for b in items)
    top = min(b.top for b in items)
    bottom = max(b.bottom for b in items)
    return Box((left + right) / 2, (top + bottom) / 2, right - left, bottom - top)


@dataclass(frozen=True)
class Dimensions:
    """The sizes the layout works with (scene units), measured by the view from its fonts.

    Label sizes are *reserved* sizes: the widest text the label may show at the current
    number of digits, so that labels never need to move when their values change.
    """

    radius: float = 40.0
    edge_label: tuple[float, float] = (170.0, 28.0)
    value_box: tuple[float, float] = (150.0, 46.0)
    output_value_box: tuple[float, float] = (150.0, 66.0)
    io_label: tuple[float, float] = (120.0, 28.0)
    bias_box: tuple[float, float] = (170.0, 28.0)
    gap: float = 8.0
    pad: float = 6.0
    min_layer_gap: float = 380.0
    min_spacing: float = 170.0
    spacing_ratio: float = 0.5  # vertical spacing at least this times the base column gap
    max_labelled: int = 64
    label_edges: bool = True  # reserve room for, and place, a label on every edge
    value_boxes: bool = True  # reserve room for every neuron's net/out box
    io_above: bool = False  # inputs and targets above their neurons (not beside them)
    label_spread: float = 1.5  # a labelled gap is at least 2r + this many label widths


@dataclass
class NetworkLayout:
    """Where everything goes. Keys: neurons by (layer, index) with layer 0 the inputs;
    bias nodes by (layer, neuron index or -1 when shared); edge labels by
    (weight matrix k, target, source), the edge from layer k to layer k + 1."""

    sizes: list[int]
    layer_x: list[float]
    spacing: float
    neurons: dict[tuple[int, int], tuple[float, float]] = field(default_factory=dict)
    neuron_boxes: dict[tuple[int, int], Box] = field(default_factory=dict)
    value_boxes: dict[tuple[int, int], Box] = field(default_factory=dict)
    input_labels: dict[int, Box] = field(default_factory=dict)
    target_labels: dict[int, Box] = field(default_factory=dict)
    bias_boxes: dict[tuple[int, int], Box] = field(default_factory=dict)
    edge_labels: dict[tuple[int, int, int], Box] = field(default_factory=dict)
    unlabelled: set[int] = field(default_factory=set)
    crowded: set[int] = field(default_factory=set)  # gaps whose labels did not all fit

    reserves_values: bool = True  # whether the value boxes have room of their own

    def label_boxes(self) -> list[Box]:
        """Every label and node box (not the circles)."""
        return (list(self.value_boxes.values()) + list(self.input_labels.values())
                + list(self.target_labels.values()) + list(self.bias_boxes.values())
                + list(self.edge_labels.values()))

    def obstacles(self) -> list[Box]:
        """What a label placed later must not cover: the circles, the input and target
        labels, the bias nodes and (when they have room of their own) the value boxes."""
        boxes = (list(self.neuron_boxes.values()) + list(self.input_labels.values())
                 + list(self.target_labels.values()))
        if self.reserves_values:
            boxes += list(self.value_boxes.values()) + list(self.bias_boxes.values())
        else:  # a bias of one neuron is shown, like its value box, only when in focus
            boxes += [b for (_layer, target), b in self.bias_boxes.items() if target < 0]
        return boxes

    def bounds(self) -> Box:
        """The box around everything that may be drawn (the value boxes too, even when
        they have no room of their own and only a few are shown)."""
        return union(self.obstacles() + list(self.edge_labels.values())
                     + list(self.value_boxes.values()) + list(self.bias_boxes.values()))


def preferred_fraction(target: int, n_targets: int) -> float:
    """Where along an edge its label starts looking for room: edges from one source to
    different targets get different fractions, so their labels are staggered."""
    if n_targets <= 1:
        return 0.4
    return 0.24 + 0.52 * target / (n_targets - 1)


def compute_layout(sizes: Sequence[int], bias_modes: Sequence[str],
                   dims: Dimensions = Dimensions(), aspect: float | None = None
                   ) -> NetworkLayout:
    """Lay out a network with ``sizes`` neurons per layer (inputs first) and one bias mode
    ("neuron", "shared" or "none") per non-input layer.

    Crowded labels are given room by widening the crowded gaps between columns; with
    ``aspect`` (the width / height of the view the layout is for) the rows are spread
    instead whenever the layout is already wider than the view's shape, so that it fits
    the view at a larger scale."""
    sizes = list(sizes)
    if len(bias_modes) != len(sizes) - 1:
        raise ValueError("one bias mode per non-input layer is needed")
    base = _base_gap(dims)
    # Dense layer pairs need wider gaps; start a little under the usual need and widen.
    if not dims.label_edges:
        return _place(sizes, bias_modes, dims, [base] * (len(sizes) - 1))
    gaps = [base * max(1.0, 0.85 * (0.3 * (sizes[k] * sizes[k + 1]) ** 0.5 + 0.4))
            for k in range(len(sizes) - 1)]
    spacing: float | None = None
    for attempt in range(MAX_WIDENINGS + 1):
        layout = _place(sizes, bias_modes, dims, gaps, best_effort=attempt == MAX_WIDENINGS,
                        spacing=spacing)
        if not layout.crowded:
            break
        bounds = layout.bounds()
        if aspect is not None and bounds.h > 0 and bounds.w / bounds.h > aspect \
                and max(sizes) > 1:
            spacing = layout.spacing * WIDEN_FACTOR
        else:
            for k in layout.crowded:
                gaps[k] *= WIDEN_FACTOR
    if gaps and max(gaps) > min(gaps) and max(gaps) <= EVEN_GAPS_RATIO * min(gaps):
        # Nearly even gaps look better even: the lesson's picture is symmetric.
        even = _place(sizes, bias_modes, dims, [max(gaps)] * len(gaps), spacing=spacing)
        if not even.crowded:
            return even
    return layout


def _base_gap(dims: Dimensions) -> float:
    if not dims.label_edges:
        return _bare_gap(dims)
    return max(dims.min_layer_gap, 2 * dims.radius + dims.label_spread * dims.edge_label[0])


def _bare_gap(dims: Dimensions) -> float:
    """The column gap without room for every edge label: the circles, the value boxes and
    the shared bias nodes (under the column before their layer) side by side, and room for
    one label between two circles."""
    boxes = max(dims.value_box[0], dims.output_value_box[0]) if dims.value_boxes else 0.0
    air = 2 * dims.pad + 2 * dims.gap
    return max(2.8 * dims.radius, boxes + air, dims.bias_box[0] + air,
               2 * dims.radius + dims.edge_label[0] + air)


def _spacing(bias_modes: Sequence[str], dims: Dimensions) -> float:
    r, gap = dims.radius, dims.gap
    if not dims.value_boxes:  # sparse: a neuron's own boxes are shown over its neighbours
        top = r + (gap + dims.io_label[1] if dims.io_above else 0.0)
        return top + r + 2 * gap + 2 * dims.pad
    top = r + (gap * 2 + dims.bias_box[1] if "neuron" in bias_modes else 0.0)
    if dims.io_above:
        top += gap + dims.io_label[1]
    bottom = r + gap + max(dims.value_box[1], dims.output_value_box[1])
    spacing = max(top + bottom + 4 * dims.pad, dims.spacing_ratio * _base_gap(dims))
    return max(dims.min_spacing, spacing) if dims.label_edges else spacing


def _place(sizes: list[int], bias_modes: Sequence[str], dims: Dimensions,
           gaps: list[float], best_effort: bool = True, spacing: float | None = None
           ) -> NetworkLayout:
    r, gap = dims.radius, dims.gap
    spacing = max(_spacing(bias_modes, dims), spacing or 0.0)
    xs = [0.0]
    for g in gaps:
        xs.append(xs[-1] + g)
    layout = NetworkLayout(sizes, xs, spacing)
    layout.reserves_values = dims.value_boxes
    last = len(sizes) - 1
    for layer, n in enumerate(sizes):
        for i in range(n):
            x, y = xs[layer], (i - (n - 1) / 2) * spacing
            layout.neurons[(layer, i)] = (x, y)
            layout.neuron_boxes[(layer, i)] = Box(x, y, 2 * r, 2 * r)
            above = y - r  # the top of what is stacked above the neuron so far
            if layer == 0:
                w, h = dims.io_label
                layout.input_labels[i] = (Box(x, above - gap - h / 2, w, h) if dims.io_above
                                          else Box(x - r - gap - w / 2, y, w, h))
                continue
            w, h = dims.output_value_box if layer == last else dims.value_box
            layout.value_boxes[(layer, i)] = Box(x, y + r + gap + h / 2, w, h)
            if bias_modes[layer - 1] == "neuron":
                w, h = dims.bias_box
                layout.bias_boxes[(layer, i)] = Box(x, above - 2 * gap - h / 2, w, h)
                above -= 2 * gap + h
            if layer == last:
                w, h = dims.io_label
                layout.target_labels[i] = (Box(x, above - gap - h / 2, w, h) if dims.io_above
                                           else Box(x + r + gap + w / 2, y, w, h))
    # A shared bias sits in the column before its layer: below what that column holds, or
    # (compact layouts) above it when the column has value boxes below and nothing above.
    for layer in range(1, len(sizes)):
        if bias_modes[layer - 1] == "shared":
            c = layer - 1
            column = [b for b in layout.obstacles() if abs(b.cx - xs[c]) < 1e-6]
            w, h = dims.bias_box
            above = dims.io_above and 0 < c < last and dims.value_boxes
            if above:
                top = min(b.top for b in column)
                layout.bias_boxes[(layer, -1)] = Box(xs[c], top - 3 * gap - h / 2, w, h)
            else:
                bottom = max(b.bottom for b in column)
                layout.bias_boxes[(layer, -1)] = Box(xs[c], bottom + 3 * gap + h / 2, w, h)
    if dims.label_edges:
        _place_edge_labels(layout, dims, best_effort)
    else:
        layout.unlabelled.update(range(len(sizes) - 1))
    return layout


def _place_edge_labels(layout: NetworkLayout, dims: Dimensions, best_effort: bool) -> None:
    """Place every edge label; a gap where some label found no free place is marked crowded.
    With ``best_effort`` such a label takes its least crowded place, otherwise (the gap will
    be widened and everything placed again) simply its preferred one."""
    sizes, xs = layout.sizes, layout.layer_x
    w, h = dims.edge_label
    obstacles = (list(layout.neuron_boxes.values()) + list(layout.value_boxes.values())
                 + list(layout.input_labels.values()) + list(layout.target_labels.values())
                 + list(layout.bias_boxes.values()))
    previous: list[Box] = []
    for k in range(len(sizes) - 1):
        m, n = sizes[k], sizes[k + 1]
        if m * n > dims.max_labelled:
            layout.unlabelled.add(k)
            previous = []
            continue
        x0, x1 = xs[k], xs[k + 1]
        near = [b for b in obstacles if b.right > x0 - w and b.left < x1 + w]
        placed: list[Box] = []
        # In a small gap each label also keeps clear of the other lines where it can (a
        # label at a crossing is hard to read); a big one has no time for that.
        lines = _gap_lines(layout, k) if m * n <= CLEAR_OF_LINES_MAX_EDGES else {}
        for j in range(n):
            t_pref = preferred_fraction(j, n)
            order = sorted(FRACTIONS, key=lambda t: (abs(t - t_pref), t))
            for i in range(m):
                (_, ys), (_, yt) = layout.neurons[(k, i)], layout.neurons[(k + 1, j)]
                candidates = [Box(x0 + t * (x1 - x0), ys + t * (yt - ys), w, h) for t in order]
                others = near + previous + placed
                free = [(t, box) for t, box in zip(order, candidates)
                        if not any(box.intersects(o, dims.pad) for o in others)]
                best = None
                if free and lines:
                    own = lines.get((i, j))
                    segments = [seg for key, seg in lines.items() if key != (i, j)
                                and seg is not own]
                    best = min(free, key=lambda tb: (
                        LINE_PENALTY * sum(_crosses(seg, tb[1], dims.pad / 2)
                                           for seg in segments) + abs(tb[0] - t_pref)))[1]
                elif free:
                    best = free[0][1]
                if best is None:
                    layout.crowded.add(k)
                    best = candidates[0] if not best_effort else min(
                        candidates, key=lambda box: sum(box.overlap_area(o, dims.pad)
                                                        for o in others))
                layout.edge_labels[(k, j, i)] = best
                placed.append(best)
        previous = placed


Segment = tuple[float, float, float, float]


def _gap_lines(layout: NetworkLayout, k: int) -> dict[object, Segment]:
    """The lines drawn in the gap from column k to k + 1: every edge, keyed (source,
    target), and the lines from the bias nodes of layer k + 1 to its neurons."""
    lines: dict[object, Segment] = {}
    for i in range(layout.sizes[k]):
        for j in range(layout.sizes[k + 1]):
            (xa, ya), (xb, yb) = layout.neurons[(k, i)], layout.neurons[(k + 1, j)]
            lines[(i, j)] = (xa, ya, xb, yb)
    for (layer, target), box in layout.bias_boxes.items():
        if layer != k + 1:
            continue
        targets = range(layout.sizes[layer]) if target < 0 else [target]
        for j in targets:
            xb, yb = layout.neurons[(layer, j)]
            lines[("bias", j)] = (box.cx, box.cy, xb, yb)
    return lines


def _crosses(segment: Segment, box: Box, pad: float) -> bool:
    """Whether the segment passes through ``box`` grown by ``pad`` (Liang-Barsky)."""
    xa, ya, xb, yb = segment
    dx, dy = xb - xa, yb - ya
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, xa - (box.left - pad)), (dx, (box.right + pad) - xa),
                 (-dy, ya - (box.top - pad)), (dy, (box.bottom + pad) - ya)):
        if p == 0:
            if q < 0:
                return False
            continue
        r = q / p
        if p < 0:
            t0 = max(t0, r)
        else:
            t1 = min(t1, r)
        if t0 > t1:
            return False
    return True


def place_some_labels(layout: NetworkLayout, dims: Dimensions,
                      keys: Sequence[tuple[int, int, int]],
                      taken: Sequence[Box] = ()) -> dict[tuple[int, int, int], Box]:
    """Places the labels of the edges ``keys`` ((k, target, source), in order of
    importance) along their edges, each where it covers no node, no label placed before it
    and none of ``taken``; an edge that finds no such place is left out (its value stays
    in its tooltip). For the few labels of a layout without room for them all."""
    w, h = dims.edge_label
    obstacles = layout.obstacles() + list(taken)
    placed: dict[tuple[int, int, int], Box] = {}
    for key in keys:
        k, j, i = key
        if k + 1 >= len(layout.sizes) or (k, i) not in layout.neurons \
                or (k + 1, j) not in layout.neurons:
            continue
        (xa, ya), (xb, yb) = layout.neurons[(k, i)], layout.neurons[(k + 1, j)]
        t_pref = preferred_fraction(j, layout.sizes[k + 1])
        for t in sorted(FRACTIONS, key=lambda t: (abs(t - t_pref), t)):
            box = Box(xa + t * (xb - xa), ya + t * (yb - ya), w, h)
            if not any(box.intersects(o, dims.pad) for o in obstacles):
                placed[key] = box
                obstacles.append(box)
                break
    return placed


def overlapping_pairs(boxes: Sequence[Box], pad: float = 0.0) -> list[tuple[int, int]]:
    """Indices of every pair of boxes that overlap (for tests and debugging)."""
    pairs = []
    for a in range(len(boxes)):
        for b in range(a + 1, len(boxes)):
            if boxes[a].intersects(boxes[b], pad):
                pairs.append((a, b))
    return pairs
