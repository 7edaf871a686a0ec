"""Where the nodes of a computational graph go (pure geometry, no Qt).

The graph is drawn as the network canvas draws a network: left to right, the inputs (the
variables) in the first column and the output in the last. An operation's column is one
more than the furthest of the inputs that depend on a variable; a constant sits one column
before the first operation that uses it. Constant parts that were folded into one value
(``e^2``) are drawn as that one constant: the nodes inside them are not drawn.

Rows are ordered by a few barycentre sweeps (each node towards the mean row of its
neighbours), the classic layered-drawing heuristic that keeps edges from crossing, and each
column is centred vertically.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ...engine.function import ComputationGraph
from ...engine.function.graph import INPUT, OPERATION

#: Most nodes drawn: beyond this a graph is no longer readable on a projector.
MAX_DRAWN_NODES = 40
COLUMN_GAP = 300.0
ROW_GAP = 170.0
SWEEPS = 4


@dataclass(frozen=True)
class GraphLayout:
    """The drawn nodes, their positions (scene units, centres) and the drawn edges
    (source, target, slot), for one graph."""

    nodes: tuple[int, ...]
    positions: dict[int, tuple[float, float]]
    edges: tuple[tuple[int, int, int], ...]
    columns: int
    rows: int

    @property
    def width(self) -> float:
        """From the first column's centre to the last's."""
        return (self.columns - 1) * COLUMN_GAP

    @property
    def height(self) -> float:
        """From the top row's centre to the bottom's."""
        return (self.rows - 1) * ROW_GAP


def drawn_nodes(graph: ComputationGraph) -> list[int]:
    """The nodes a drawing shows: every node that depends on a variable, and each constant
    (or folded constant part) that such a node uses; for an expression without variables,
    only its output."""
    nodes = graph.nodes
    if not nodes[graph.output].needs_grad:
        return [graph.output]
    keep = [i for i, n in enumerate(nodes) if n.needs_grad]
    used = {j for i in keep for j in nodes[i].inputs if not nodes[j].needs_grad}
    return sorted(set(keep) | used)


def layout_graph(graph: ComputationGraph) -> GraphLayout:
    """The layout of ``graph`` (see the module docstring)."""
    nodes = graph.nodes
    shown = drawn_nodes(graph)
    shown_set = set(shown)
    edges = tuple((j, i, slot) for i in shown if nodes[i].kind == OPERATION
                  and nodes[i].needs_grad for slot, j in enumerate(nodes[i].inputs)
                  if j in shown_set)
    users: dict[int, list[int]] = defaultdict(list)
    for j, i, _slot in edges:
        users[j].append(i)

    column: dict[int, int] = {}
    for i in shown:  # topological order: inputs before their users
        node = nodes[i]
        if node.kind == INPUT:
            column[i] = 0
        elif node.needs_grad:
            column[i] = 1 + max((column[j] for j in node.inputs
                                 if j in column and nodes[j].needs_grad), default=0)
    for i in shown:
        if i not in column:  # constants: just before their first user
            first = min((column[u] for u in users.get(i, ()) if u in column), default=1)
            column[i] = max(0, first - 1)
    if not any(nodes[i].kind == INPUT for i in shown):
        low = min(column.values(), default=0)
        column = {i: c - low for i, c in column.items()}

    n_columns = 1 + max(column.values(), default=0)
    by_column: list[list[int]] = [[] for _ in range(n_columns)]
    for i in shown:
        by_column[column[i]].append(i)
    order = {i: float(k) for col in by_column for k, i in enumerate(col)}
    preds: dict[int, list[int]] = defaultdict(list)
    for j, i, _slot in edges:
        preds[i].append(j)
    for sweep in range(SWEEPS):
        forward = sweep % 2 == 0
        cols = range(1, n_columns) if forward else range(n_columns - 2, -1, -1)
        for c in cols:
            col = by_column[c]
            for i in col:
                near = preds[i] if forward else users.get(i, [])
                if near:
                    order[i] = sum(order[j] for j in near) / len(near)
            col.sort(key=lambda i: (order[i], i))
            for k, i in enumerate(col):
                order[i] = float(k) - (len(col) - 1) / 2.0
    n_rows = max((len(col) for col in by_column), default=1)
    positions: dict[int, tuple[float, float]] = {}
    for c, col in enumerate(by_column):
        for k, i in enumerate(col):
            positions[i] = (c * COLUMN_GAP,
                            (k - (len(col) - 1) / 2.0 + (n_rows - 1) / 2.0) * ROW_GAP)
    return GraphLayout(tuple(shown), positions, edges, n_columns, n_rows)


__all__ = ["COLUMN_GAP", "MAX_DRAWN_NODES", "ROW_GAP", "GraphLayout", "drawn_nodes",
           "layout_graph"]
