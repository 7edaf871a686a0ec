"""The parse tree of a typed expression: numbers, variables, constants, operations, calls.

Nodes are immutable and compare by identity (a deep tree is never compared recursively).
Every node keeps ``span``, the ``(start, end)`` character offsets of the text it was parsed
from (parentheses around it included), so that views can underline it and messages can
quote it. Walks over a tree are iterative (:func:`postorder`): a tree may be
:data:`~simulator.engine.limits.MAX_EXPRESSION_DEPTH` levels deep.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

#: Named constants and their values.
CONSTANTS: dict[str, float] = {"e": math.e, "pi": math.pi}

#: The binary operators, as the tree stores them (``**`` is stored as ``^``).
BINARY_OPERATORS: tuple[str, ...] = ("+", "-", "*", "/", "^")

Span = tuple[int, int]


@dataclass(frozen=True, eq=False, slots=True)
class Number:
    """A number as typed: its float value and its exact decimal value."""

    value: float
    exact: Fraction
    span: Span


@dataclass(frozen=True, eq=False, slots=True)
class Variable:
    """A variable (any identifier that is not a constant or a function)."""

    name: str
    span: Span


@dataclass(frozen=True, eq=False, slots=True)
class Constant:
    """One of :data:`CONSTANTS` (``e`` or ``pi``)."""

    name: str
    span: Span

    @property
    def value(self) -> float:
        """The constant's value."""
        return CONSTANTS[self.name]


@dataclass(frozen=True, eq=False, slots=True)
class Negate:
    """Unary minus (unary plus is dropped by the parser)."""

    operand: Node
    span: Span


@dataclass(frozen=True, eq=False, slots=True)
class BinaryOp:
    """``left op right`` with ``op`` one of :data:`BINARY_OPERATORS`."""

    op: str
    left: Node
    right: Node
    span: Span


@dataclass(frozen=True, eq=False, slots=True)
class Call:
    """A built-in function applied to one argument."""

    function: str
    argument: Node
    span: Span


Node = Number | Variable | Constant | Negate | BinaryOp | Call


def children(node: Node) -> tuple[Node, ...]:
    """The operands of ``node``, left to right."""
    if isinstance(node, BinaryOp):
        return (node.left, node.right)
    if isinstance(node, Negate):
        return (node.operand,)
    if isinstance(node, Call):
        return (node.argument,)
    return ()


def postorder(root: Node) -> list[Node]:
    """Every node of the tree, children before their parent, left to right (iterative)."""
    out: list[Node] = []
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            out.append(node)
            continue
        stack.append((node, True))
        for child in reversed(children(node)):
            stack.append((child, False))
    return out


def variables_of(root: Node) -> tuple[str, ...]:
    """The variables of the tree in order of first appearance (left to right)."""
    seen: dict[str, None] = {}
    for node in postorder(root):
        if isinstance(node, Variable):
            seen.setdefault(node.name, None)
    return tuple(seen)


def depth(root: Node) -> int:
    """The number of levels of the tree (a lone number or variable has depth 1)."""
    levels: dict[int, int] = {}
    for node in postorder(root):
        levels[id(node)] = 1 + max((levels[id(c)] for c in children(node)), default=0)
    return levels[id(root)]


__all__ = ["BINARY_OPERATORS", "CONSTANTS", "BinaryOp", "Call", "Constant", "Negate", "Node",
           "Number", "Span", "Variable", "children", "depth", "postorder", "variables_of"]
