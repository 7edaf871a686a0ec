"""What the chain-rule graph shows, as text and as explanations (no Qt here).

The graph's numbers all come from the engine's :class:`~simulator.engine.function.GraphTrace`
(values forward; local derivatives, the gradients sent along each edge and each node's
gradient backward). This module only names them: the part of the expression a node
computes, the symbol drawn in its circle, the local derivative's formula written with the
operands' own text (``d(x*y)/dx = y``), and for each step of the passes an
:class:`~simulator.engine.explanation.Explanation` that the views render (the same typed
trees, and the same renderers, as the derivation panel's).

Steps are numbered as :attr:`FunctionLabModel.graph_step
<simulator.app.function.model.FunctionLabModel.graph_step>`: 0 before anything is
computed, then one per operation of the forward pass (``trace.forward_order``), then one per
node of the backward pass (``trace.backward_order``, the output first, the inputs last).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ...engine.explanation import (
    COMPUTED,
    GIVEN,
    Block,
    Equation,
    Explanation,
    Group,
    Num,
    Op,
    Sym,
    Text,
    Token,
)
from ...engine.function import GraphNode, GraphTrace
from ...engine.function.graph import CONSTANT, INPUT, OPERATION

#: How operators are written inside a node's circle.
OP_SYMBOLS = {"+": "+", "-": "\u2212", "*": "\u00d7", "/": "\u00f7", "^": "^", "neg": "\u2212"}
#: An operand's text longer than this is not put into a local-derivative formula (its
#: letter is kept: a, b or u).
MAX_OPERAND_TEXT = 14

_IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?")
_LETTER = re.compile(r"\b([abu])\b")


def node_name(node: GraphNode) -> str:
    """What a node stands for: a variable's name, a constant as typed, or the part of the
    expression an operation computes (spaces as typed, outer blanks dropped)."""
    if node.kind == INPUT:
        return node.op
    return " ".join(node.text.split())


def circle_text(node: GraphNode) -> str:
    """What is written in a node's circle: the variable, or the operation's symbol."""
    if node.kind == INPUT:
        return node.op
    if node.kind == CONSTANT or not node.needs_grad:
        return node_name(node)
    return OP_SYMBOLS.get(node.op, node.op)


def _atomic(text: str) -> bool:
    return bool(_IDENT.fullmatch(text)) or (text.startswith("(") and text.endswith(")")
                                            and text.count("(") == 1)


def wrap(text: str) -> str:
    """``text`` in parentheses unless it is one name or number (for d(x*y)/dx)."""
    return text if _atomic(text) else f"({text})"


def derivative_symbol(top: str, bottom: str) -> str:
    """``d<top>/d<bottom>`` with composite parts in parentheses: ``df/d(x*y)``."""
    return f"d{wrap(top)}/d{wrap(bottom)}"


def local_formula(trace: GraphTrace, index: int, slot: int) -> str:
    """The local derivative of node ``index`` with respect to its input ``slot`` as a
    formula, the operands written with their own text where it is short: for ``x*y`` and
    x, ``y``; for ``x^2``, ``2*x^(2 - 1)``."""
    nodes = trace.graph.nodes
    node = nodes[index]
    formulas = node.local_formulas
    if slot >= len(formulas):
        return ""
    formula = formulas[slot]
    names = [node_name(nodes[j]) for j in node.inputs]
    letters = ("a", "b") if len(names) == 2 else ("u",)
    replace = {letter: name for letter, name in zip(letters, names, strict=True)
               if len(name) <= MAX_OPERAND_TEXT}

    def substitute(m: re.Match[str]) -> str:
        name = replace.get(m.group(1))
        if name is None:
            return m.group(1)
        alone = formula[max(0, m.start() - 1):m.end() + 1] == f"({m.group(1)})" \
            or formula == m.group(1)  # the whole formula, or a function's argument
        return name if alone else wrap(name)

    return _LETTER.sub(substitute, formula)


@dataclass(frozen=True)
class GraphStep:
    """Which node a step of the graph's passes is about: ``phase`` is "start", "forward",
    "backward" or "done"; ``node`` the node (None at the start); ``number`` counts the
    steps of its phase from 1, of ``count``."""

    phase: str
    node: int | None
    number: int
    count: int


def graph_step(trace: GraphTrace, step: int) -> GraphStep:
    """What step ``step`` (see the module docstring) does."""
    f, b = len(trace.forward_order), len(trace.backward_order)
    if step <= 0:
        return GraphStep("start", None, 0, f)
    if step <= f:
        return GraphStep("forward", trace.forward_order[step - 1], step, f)
    k = min(step - f, b)
    return GraphStep("done" if step >= f + b else "backward", trace.backward_order[k - 1], k, b)


def computed_values(trace: GraphTrace, step: int) -> set[int]:
    """The nodes whose value is written after ``step``: inputs and constants from the
    start, operations as the forward pass reaches them."""
    nodes = trace.graph.nodes
    known = {i for i, n in enumerate(nodes) if n.kind != OPERATION or not n.needs_grad}
    known.update(trace.forward_order[:max(0, step)])
    return known


def computed_gradients(trace: GraphTrace, step: int) -> set[int]:
    """The nodes whose gradient is written after ``step`` (and whose local derivatives
    are written on their input edges)."""
    f = len(trace.forward_order)
    return set(trace.backward_order[:max(0, step - f)])


def _operands(trace: GraphTrace, index: int, numbers: bool) -> tuple[Token, ...]:
    nodes = trace.graph.nodes
    node = nodes[index]
    args: list[Token] = []
    for j in node.inputs:
        if numbers:
            args.append(Num(trace.values[j], GIVEN if nodes[j].kind != OPERATION else COMPUTED,
                            node_name(nodes[j])))
        else:
            args.append(Sym(node_name(nodes[j])))
    op = node.op
    if op == "neg":
        return (Op("-"), args[0])
    if op in ("+", "-", "*", "/"):
        return (args[0], Op(f" {op} "), args[1])
    if op == "^":
        return (args[0], Op("^"), args[1])
    return (Op(f"{op}("), args[0], Op(")"))


def explain_graph_step(trace: GraphTrace, step: int, variables: Sequence[str],
                       symbolic: Sequence[float | None] | None = None,
                       derivative_texts: Sequence[str | None] | None = None) -> Explanation:
    """What step ``step`` of the graph's passes computes, in the lesson's words.

    ``symbolic`` and ``derivative_texts`` (one per variable, may be None) are the symbolic
    derivatives and their values at the point, quoted when the inputs receive their
    gradients.
    """
    nodes = trace.graph.nodes
    s = graph_step(trace, step)
    if s.phase == "start":
        blocks: list[Block] = [
            Text("The expression as a computational graph: its inputs (the variables) on "
                 "the left, one node per operation, the output f on the right."),
            Text("Forward: each operation computes its value from its inputs' values. "
                 "Backward: starting from df/df = 1 at the output, each node multiplies the "
                 "gradient arriving at it by its local derivatives and sends the products to "
                 "its inputs; a variable used twice adds up what it receives."),
        ]
        blocks[:0] = [Equation(Sym(v), result=Num(trace.point[k], GIVEN, v))
                      for k, v in enumerate(variables)]
        return Explanation("The chain rule as a graph", tuple(blocks))
    assert s.node is not None
    i = s.node
    name = node_name(nodes[i])
    if s.phase == "forward":
        formula = _operands(trace, i, False)
        same = "".join(t.name if isinstance(t, Sym) else t.text for t in formula
                       if isinstance(t, (Sym, Op))).replace(" ", "") == name.replace(" ", "")
        eq = Equation(Sym(name), formula=() if same else formula,
                      numbers=_operands(trace, i, True),
                      result=Num(trace.values[i], COMPUTED, name), main=True)
        return Explanation(f"Forward {s.number} of {s.count}: {name}", (eq,),
                           trace.values[i])
    return Explanation(f"Backward {s.number} of {s.count}: {name}",
                       tuple(_backward_blocks(trace, i, variables, symbolic, derivative_texts,
                                              s.phase == "done")),
                       trace.grads[i])


def _backward_blocks(trace: GraphTrace, i: int, variables: Sequence[str],
                     symbolic: Sequence[float | None] | None,
                     texts: Sequence[str | None] | None, done: bool) -> list[Block]:
    nodes = trace.graph.nodes
    node = nodes[i]
    name = node_name(node)
    grad = trace.grads[i]
    blocks: list[Block] = []
    dfd = derivative_symbol("f", name)
    if i == trace.graph.output:
        blocks.append(Equation(Sym(dfd), result=Num(1.0, GIVEN, dfd), main=True,
                               note="the output: f changes exactly as f does"))
    else:
        formula: list[Token] = []
        numbers: list[Token] = []
        for k, e in enumerate(trace.arriving(i)):
            target = node_name(nodes[e.target])
            if k:
                formula.append(Op(" + "))
                numbers.append(Op(" + "))
            up = derivative_symbol("f", target)
            formula.append(Group((Sym(up), Op(" * "), Sym(derivative_symbol(target, name)))))
            numbers.append(Group((Num(trace.grads[e.target] or 0.0, COMPUTED, up), Op(" * "),
                                  Num(e.local, COMPUTED, derivative_symbol(target, name)))))
        blocks.append(Equation(Sym(dfd), formula=tuple(formula), numbers=tuple(numbers),
                               result=Num(grad if grad is not None else 0.0, COMPUTED, dfd),
                               main=True))
    if node.kind == INPUT:
        k = list(trace.graph.variables).index(node.op)
        text = texts[k] if texts is not None and k < len(texts) else None
        value = symbolic[k] if symbolic is not None and k < len(symbolic) else None
        if text is not None and value is not None:
            blocks.append(Equation(Sym(f"df/d{node.op}"), formula=(Sym(text),),
                                   result=Num(value, COMPUTED, f"df/d{node.op}"),
                                   qualifier="(symbolic)"))
    elif node.kind == OPERATION:
        for slot, j in enumerate(node.inputs):
            local = trace.local[i][slot] if slot < len(trace.local[i]) else None
            if local is None:
                continue
            inner = node_name(nodes[j])
            dsym = derivative_symbol(name, inner)
            written = local_formula(trace, i, slot)
            constant = bool(_IDENT.fullmatch(written)) and not written[0].isalpha()
            blocks.append(Equation(Sym(dsym), formula=() if constant else (Sym(written),),
                                   result=Num(local, COMPUTED, dsym)))
            sent = next((e.gradient for e in trace.edges if e.target == i and e.slot == slot),
                        None)
            if sent is not None:
                blocks.append(Equation(Sym(f"sent to {inner}"),
                                       formula=(Sym(dfd), Op(" * "), Sym(dsym)),
                                       numbers=(Num(grad or 0.0, COMPUTED, dfd), Op(" * "),
                                                Num(local, COMPUTED, dsym)),
                                       result=Num(sent, COMPUTED, f"sent to {inner}")))
    if done:
        text = "Done: the inputs hold the gradient, " + ", ".join(
            f"df/d{v}" for v in variables) + "."
        if symbolic is not None and all(v is not None for v in symbolic):
            text += " They are the symbolic derivatives' values at this point."
        blocks.append(Text(text))
    return blocks


__all__ = ["MAX_OPERAND_TEXT", "OP_SYMBOLS", "GraphStep", "circle_text", "computed_gradients",
           "computed_values", "derivative_symbol", "explain_graph_step", "graph_step",
           "local_formula", "node_name", "wrap"]
