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

    def label_boxes(self) -> list[Box]:
        """Every label and node box (not the circles)."""
        return (list(self.value_boxes.values()) + list(self.input_labels.values())
                + list(self.target_labels.values()) + list(self.bias_boxes.values())
                + list(self.edge_labels.values()))

    def bounds(self) -> Box:
        """The box around everything drawn."""
        return union(self.label_boxes() + list(self.neuron_boxes.values()))


def preferred_fraction(target: int, n_targets: int) -> float:
    """Where along an edge its label starts looking for room: edges from one source to
    different targets get different fractions, so their labels are staggered."""
    if n_targets <= 1:
        return 0.4
    return 0.24 + 0.52 * target / (n_targets - 1)


def compute_layout(sizes: Sequence[int], bias_modes: Sequence[str],
                   dims: Dimensions = Dimensions()) -> NetworkLayout:
    """Lay out a network with ``sizes`` neurons per layer (inputs first) and one bias mode
    ("neuron", "shared" or "none") per non-input layer."""
    sizes = list(sizes)
    if len(bias_modes) != len(sizes) - 1:
        raise ValueError("one bias mode per non-input layer is needed")
    base = _base_gap(dims)
    # Dense layer pairs need wider gaps; start a little under the usual need and widen.
    gaps = [base * max(1.0, 0.85 * (0.3 * (sizes[k] * sizes[k + 1]) ** 0.5 + 0.4))
            for k in range(len(sizes) - 1)]
    for attempt in range(MAX_WIDENINGS + 1):
        layout = _place(sizes, bias_modes, dims, gaps, best_effort=attempt == MAX_WIDENINGS)
        if not layout.crowded:
            break
        for k in layout.crowded:
            gaps[k] *= WIDEN_FACTOR
    if gaps and max(gaps) > min(gaps) and max(gaps) <= EVEN_GAPS_RATIO * min(gaps):
        # Nearly even gaps look better even: the lesson's picture is symmetric.
        even = _place(sizes, bias_modes, dims, [max(gaps)] * len(gaps))
        if not even.crowded:
            return even
    return layout


def _base_gap(dims: Dimensions) -> float:
    return max(dims.min_layer_gap, 2 * dims.radius + 1.5 * dims.edge_label[0])


def _spacing(bias_modes: Sequence[str], dims: Dimensions) -> float:
    r, gap = dims.radius, dims.gap
    top = r + (gap * 2 + dims.bias_box[1] if "neuron" in bias_modes else 0.0)
    bottom = r + gap + max(dims.value_box[1], dims.output_value_box[1])
    return max(dims.min_spacing, top + bottom + 4 * dims.pad,
               dims.spacing_ratio * _base_gap(dims))


def _place(sizes: list[int], bias_modes: Sequence[str], dims: Dimensions,
           gaps: list[float], best_effort: bool = True) -> NetworkLayout:
    r, gap = dims.radius, dims.gap
    spacing = _spacing(bias_modes, dims)
    xs = [0.0]
    for g in gaps:
        xs.append(xs[-1] + g)
    layout = NetworkLayout(sizes, xs, spacing)
    last = len(sizes) - 1
    for layer, n in enumerate(sizes):
        for i in range(n):
            x, y = xs[layer], (i - (n - 1) / 2) * spacing
            layout.neurons[(layer, i)] = (x, y)
            layout.neuron_boxes[(layer, i)] = Box(x, y, 2 * r, 2 * r)
            if layer == 0:
                w, h = dims.io_label
                layout.input_labels[i] = Box(x - r - gap - w / 2, y, w, h)
                continue
            w, h = dims.output_value_box if layer == last else dims.value_box
            layout.value_boxes[(layer, i)] = Box(x, y + r + gap + h / 2, w, h)
            if layer == last:
                w, h = dims.io_label
                layout.target_labels[i] = Box(x + r + gap + w / 2, y, w, h)
            if bias_modes[layer - 1] == "neuron":
                w, h = dims.bias_box
                layout.bias_boxes[(layer, i)] = Box(x, y - r - 2 * gap - h / 2, w, h)
    bottom = max(b.bottom for b in layout.label_boxes() + list(layout.neuron_boxes.values()))
    for layer in range(1, len(sizes)):
        if bias_modes[layer - 1] == "shared":
            w, h = dims.bias_box
            layout.bias_boxes[(layer, -1)] = Box(xs[layer - 1], bottom + 3 * gap + h / 2, w, h)
    _place_edge_labels(layout, dims, best_effort)
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
        for j in range(n):
            t_pref = preferred_fraction(j, n)
            order = sorted(FRACTIONS, key=lambda t: (abs(t - t_pref), t))
            for i in range(m):
                (_, ys), (_, yt) = layout.neurons[(k, i)], layout.neurons[(k + 1, j)]
                candidates = [Box(x0 + t * (x1 - x0), ys + t * (yt - ys), w, h) for t in order]
                others = near + previous + placed
                best = next((box for box in candidates
                             if not any(box.intersects(o, dims.pad) for o in others)), None)
                if best is None:
                    layout.crowded.add(k)
                    best = candidates[0] if not best_effort else min(
                        candidates, key=lambda box: sum(box.overlap_area(o, dims.pad)
                                                        for o in others))
                layout.edge_labels[(k, j, i)] = best
                placed.append(best)
        previous = placed


def overlapping_pairs(boxes: Sequence[Box], pad: float = 0.0) -> list[tuple[int, int]]:
    """Indices of every pair of boxes that overlap (for tests and debugging)."""
    pairs = []
    for a in range(len(boxes)):
        for b in range(a + 1, len(boxes)):
            if boxes[a].intersects(boxes[b], pad):
                pairs.append((a, b))
    return pairs
