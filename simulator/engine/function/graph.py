"""The computational graph of an expression: values forward, gradients backward.

The graph is micrograd's, made flat: a list of nodes in topological order (every node after
its inputs), so both passes are plain loops and a deep expression never meets Python's
recursion limit. Each variable is one *input* node, however often it appears (its gradient
is the sum over its uses); every number and named constant is a *constant* node; every
operator and function call is an *operation* node. Each operation computes its value and,
side by side, its local derivative with respect to each of its inputs
(:data:`LOCAL_FORMULAS`); the backward pass multiplies the gradient arriving at a node by
those local derivatives and adds the products into its inputs' gradients.

Nodes that depend on no variable (constant sub-expressions such as ``e^2``) are computed
once when the graph is built, get no gradient (as ``requires_grad=False`` in PyTorch), and
must be finite: ``10^10^10``, ``1/0`` or ``log(-1)`` are refused there with a message that
quotes them.

Everything is vectorised: the inputs may be NumPy arrays of any shapes that broadcast
together (a 201 x 201 grid is an ``(n, 1)`` column and a ``(1, m)`` row), and values and
gradients come out with the broadcast shape. Arithmetic follows NumPy (IEEE): an overflow
gives ``inf``, a value outside a function's domain ``nan``; both passes run under
``np.errstate(all="ignore")``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .errors import ExpressionError, quote
from .functions import FUNCTIONS
from .tree import BinaryOp, Call, Constant, Negate, Node, Number, Span, Variable, postorder

INPUT = "input"
CONSTANT = "constant"
OPERATION = "operation"

#: The local derivative of each operation with respect to each of its inputs, in the
#: expression syntax: a, b are the operands of a binary operator, u the argument of a
#: function (and of "neg", unary minus).
LOCAL_FORMULAS: dict[str, tuple[str, ...]] = {
    "+": ("1", "1"),
    "-": ("1", "-1"),
    "*": ("b", "a"),
    "/": ("1/b", "-a/b^2"),
    "^": ("b*a^(b - 1)", "a^b*log(a)"),
    "neg": ("-1",),
    **{name: (f.formula,) for name, f in FUNCTIONS.items()},
}

_BINARY = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide,
           "^": np.power}


@dataclass(frozen=True, slots=True)
class GraphNode:
    """One node: an input (a variable), a constant, or an operation on earlier nodes.

    ``op`` is the variable's name, the constant as typed ("2", "e", "pi"), or the
    operation: ``+ - * / ^``, ``neg`` (unary minus) or a function name. ``inputs`` are the
    indices of the operands; ``span`` and ``text`` the part of the expression the node
    computes (for an input, its first appearance). ``needs_grad`` is False for nodes that
    depend on no variable; ``value`` is set for those (computed once).
    """

    index: int
    kind: str
    op: str
    inputs: tuple[int, ...]
    span: Span
    source: str = field(repr=False)  # the whole expression (shared, not copied)
    needs_grad: bool = True
    value: float | None = None

    @property
    def text(self) -> str:
        """The part of the expression this node computes, as typed."""
        return self.source[self.span[0]:self.span[1]]

    @property
    def local_formulas(self) -> tuple[str, ...]:
        """The local derivative with respect to each input, as a formula (operations)."""
        return LOCAL_FORMULAS.get(self.op, ()) if self.kind == OPERATION else ()


@dataclass(frozen=True, slots=True)
class Edge:
    """What the backward pass sends along one edge: ``gradient = grad[target] * local``,
    added to ``grad[source]`` (``target`` uses ``source`` as its input number ``slot``)."""

    source: int
    target: int
    slot: int
    local: float
    gradient: float


@dataclass(frozen=True)
class GraphTrace:
    """Both passes of the graph at one point, as numbers a view can show node by node.

    ``values[i]`` is node i's value; ``local[i]`` its local derivatives, one per input
    (None where the input needs no gradient, and for inputs and constants); ``grads[i]``
    the gradient of the output with respect to node i (None for constant nodes).
    ``forward_order`` lists the operation nodes in the order the forward pass computes
    them; ``backward_order`` the nodes that get a gradient, output first, in the order the
    backward pass completes them (inputs last).
    """

    graph: ComputationGraph
    point: tuple[float, ...]
    values: tuple[float, ...]
    local: tuple[tuple[float | None, ...], ...]
    grads: tuple[float | None, ...]
    edges: tuple[Edge, ...]
    forward_order: tuple[int, ...]
    backward_order: tuple[int, ...]

    @property
    def value(self) -> float:
        """The output's value."""
        return self.values[self.graph.output]

    @property
    def gradient(self) -> tuple[float, ...]:
        """df/dv for each variable, in the graph's variable order."""
        return tuple(float(self.grads[i] or 0.0) for i in range(len(self.graph.variables)))

    def arriving(self, index: int) -> tuple[Edge, ...]:
        """The gradients arriving at node ``index`` from the nodes that use it (their sum is
        ``grads[index]``)."""
        return tuple(e for e in self.edges if e.source == index)


@dataclass(frozen=True)
class ComputationGraph:
    """The flat graph of an expression (see the module docstring).

    The first ``len(variables)`` nodes are the inputs, in order of first appearance;
    ``output`` is the index of the node whose value is the expression's.
    """

    text: str
    nodes: tuple[GraphNode, ...]
    variables: tuple[str, ...]
    output: int

    def _inputs(self, point: Sequence[np.ndarray | float]) -> list[np.ndarray]:
        if len(point) != len(self.variables):
            raise ValueError(f"expected {len(self.variables)} values (for "
                             f"{', '.join(self.variables) or 'no variables'}), "
                             f"got {len(point)}")
        return [np.asarray(v, dtype=np.float64) for v in point]

    def forward(self, point: Sequence[np.ndarray | float]) -> list[np.ndarray]:
        """Every node's value at ``point`` (one value or array per variable, in order)."""
        values: list[np.ndarray] = self._inputs(point)
        with np.errstate(all="ignore"):
            for node in self.nodes[len(values):]:
                if node.value is not None:
                    values.append(np.float64(node.value))  # type: ignore[arg-type]
                else:
                    values.append(_apply(node, values))
        return values

    def evaluate(self, point: Sequence[np.ndarray | float]) -> np.ndarray:
        """The expression's value at ``point``, broadcast over the inputs' shapes."""
        values = self.forward(point)
        shape = np.broadcast_shapes(*(np.shape(v) for v in values[:len(self.variables)]))
        out = values[self.output]
        return out if np.shape(out) == shape else np.broadcast_to(out, shape)

    def backward(self, values: Sequence[np.ndarray]) -> tuple[
            list[tuple[np.ndarray | None, ...]], list[np.ndarray | None]]:
        """The local derivatives of every node and the gradient of the output with respect
        to every node, from the values of :meth:`forward` (iterative, reverse order)."""
        n = len(self.nodes)
        grads: list[np.ndarray | None] = [None] * n
        local: list[tuple[np.ndarray | None, ...]] = [()] * n
        out = self.nodes[self.output]
        if not out.needs_grad:
            return local, grads
        grads[self.output] = np.ones_like(values[self.output], dtype=np.float64)
        with np.errstate(all="ignore"):
            for i in range(self.output, -1, -1):
                node = self.nodes[i]
                g = grads[i]
                if node.kind != OPERATION or g is None:
                    continue
                local[i] = loc = _local(node, values, self.nodes)
                for slot, j in enumerate(node.inputs):
                    d = loc[slot]
                    if d is None:
                        continue
                    part = g * d
                    prev = grads[j]
                    grads[j] = part if prev is None else prev + part
        return local, grads

    def value_and_gradient(self, point: Sequence[np.ndarray | float]) -> tuple[
            np.ndarray, list[np.ndarray]]:
        """The value and df/dv for every variable v (arrays of the broadcast shape)."""
        values = self.forward(point)
        _, grads = self.backward(values)
        shape = np.broadcast_shapes(*(np.shape(v) for v in values[:len(self.variables)]))
        value = np.broadcast_to(values[self.output], shape)
        gradient = [np.broadcast_to(g if g is not None else 0.0, shape)
                    for g in grads[:len(self.variables)]]
        return value, gradient

    def trace(self, point: Sequence[float]) -> GraphTrace:
        """Both passes at one point, every number a plain float (see :class:`GraphTrace`)."""
        values = self.forward([float(v) for v in point])
        local, grads = self.backward(values)
        edges = []
        with np.errstate(all="ignore"):
            for i, node in enumerate(self.nodes):
                g = grads[i]
                if node.kind != OPERATION or g is None:
                    continue
                for slot, j in enumerate(node.inputs):
                    d = local[i][slot]
                    if d is not None:
                        edges.append(Edge(j, i, slot, float(d), float(g * d)))
        # The backward pass completes a node once every node using it has sent its part:
        # reverse topological order does that, the output first.
        backward_order = tuple(i for i in range(self.output, -1, -1) if grads[i] is not None)
        return GraphTrace(
            self, tuple(float(v) for v in point), tuple(float(v) for v in values),
            tuple(tuple(None if d is None else float(d) for d in loc) for loc in local),
            tuple(None if g is None else float(g) for g in grads), tuple(edges),
            tuple(i for i, nd in enumerate(self.nodes)
                  if nd.kind == OPERATION and nd.needs_grad),
            backward_order)


def _apply(node: GraphNode, values: list[np.ndarray]) -> np.ndarray:
    return _compute(node.op, [values[j] for j in node.inputs])


def _compute(op: str, operands: list[np.ndarray]) -> np.ndarray:
    if op in _BINARY:
        return _BINARY[op](operands[0], operands[1])
    if op == "neg":
        return np.negative(operands[0])
    return FUNCTIONS[op].forward(operands[0])


def _local(node: GraphNode, values: Sequence[np.ndarray],
           nodes: Sequence[GraphNode]) -> tuple[np.ndarray | None, ...]:
    """d node / d input for each input that needs a gradient (None for the others)."""
    op = node.op
    ins = node.inputs
    need = [nodes[j].needs_grad for j in ins]
    out = values[node.index]
    one = np.ones((), dtype=np.float64)
    if op == "+":
        return (one if need[0] else None, one if need[1] else None)
    if op == "-":
        return (one if need[0] else None, -one if need[1] else None)
    if op == "neg":
        return (-one,)
    if op in _BINARY:
        a, b = values[ins[0]], values[ins[1]]
        if op == "*":
            return (b if need[0] else None, a if need[1] else None)
        if op == "/":
            return (1.0 / b if need[0] else None, -out / b if need[1] else None)
        # a^b: b * a^(b - 1), and a^b * log(a) where the exponent varies
        return (b * np.power(a, b - 1.0) if need[0] else None,
                out * np.log(a) if need[1] else None)
    return (FUNCTIONS[op].local(values[ins[0]], out),)


def build_graph(tree: Node, text: str) -> ComputationGraph:
    """The computational graph of a parse tree of ``text`` (iterative); constant
    sub-expressions are computed here and refused if they are not finite numbers."""
    order = postorder(tree)
    first_use: dict[str, Span] = {}
    for t in order:
        if isinstance(t, Variable):
            first_use.setdefault(t.name, t.span)
    variables = tuple(first_use)  # in order of first appearance, as variables_of
    nodes = [GraphNode(i, INPUT, name, (), first_use[name], text, True)
             for i, name in enumerate(variables)]
    by_name = {name: i for i, name in enumerate(variables)}
    index: dict[int, int] = {}  # id(tree node) -> graph index
    output = -1
    for t in order:
        if isinstance(t, Variable):
            index[id(t)] = output = by_name[t.name]
            continue
        span = t.span
        operands: tuple[Node, ...]
        if isinstance(t, Number):
            node = GraphNode(len(nodes), CONSTANT, text[span[0]:span[1]].strip(), (), span,
                             text, False, t.value)
        elif isinstance(t, Constant):
            node = GraphNode(len(nodes), CONSTANT, t.name, (), span, text, False, t.value)
        else:
            if isinstance(t, BinaryOp):
                op, operands = t.op, (t.left, t.right)
            elif isinstance(t, Negate):
                op, operands = "neg", (t.operand,)
            else:
                assert isinstance(t, Call)
                op, operands = t.function, (t.argument,)
            inputs = tuple(index[id(o)] for o in operands)
            needs = any(nodes[j].needs_grad for j in inputs)
            node = GraphNode(len(nodes), OPERATION, op, inputs, span, text, needs)
            if not needs:
                node = _fold(node, nodes, text)
        index[id(t)] = output = node.index
        nodes.append(node)
    return ComputationGraph(text, tuple(nodes), variables, output)


def _fold(node: GraphNode, nodes: list[GraphNode], text: str) -> GraphNode:
    """``node`` (which depends on no variable) with its value, or an error if that value is
    not a finite number."""
    args = [np.float64(nodes[j].value) for j in node.inputs]
    with np.errstate(all="ignore"):
        value = float(_compute(node.op, args))  # type: ignore[arg-type]
    if not np.isfinite(value):
        fragment = quote(node.text.strip(), 40)
        if node.op == "/" and args[1] == 0.0:
            message = f"{fragment} divides by zero"
        elif np.isinf(value) and all(np.isfinite(a) and abs(a) < 1e300 for a in args) and \
                node.op in ("log", "tan", "/"):
            message = f"{fragment} is infinite"
        elif np.isinf(value):
            message = f"{fragment} is too large to compute (overflow)"
        else:
            message = f"{fragment} is not a real number"
        raise ExpressionError(message, text, node.span[0], node.span[1])
    return GraphNode(node.index, node.kind, node.op, node.inputs, node.span, node.source,
                     False, value)


__all__ = ["CONSTANT", "INPUT", "LOCAL_FORMULAS", "OPERATION", "ComputationGraph", "Edge",
           "GraphNode", "GraphTrace", "build_graph"]
