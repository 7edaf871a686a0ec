"""Explanations as data: what a sub-step computed, as a small typed tree.

The builders in :mod:`simulator.engine.explain` make these objects from the engine's
numbers; renderers walk them (plain text and Markdown in
:mod:`simulator.engine.explanation_render`, HTML in the derivation panel, and any format
added later). Nothing here formats or computes a number: every number is a :class:`Num`
holding the float the engine computed, and the renderer formats it at the digits it is
asked for (with :func:`simulator.engine.numbers.format_number`).

The tree::

    Explanation(title, blocks, value, refers_to)
      blocks: Equation | Text
        Equation(lhs, formula, numbers, result, refers_to, main, children, ...)
          formula, numbers: tuples of tokens
            Sym(name)                      a symbol: "w5", "outH1", "dE/dw5", "lr"
            Num(value, role, quantity)     a number; role GIVEN or COMPUTED
            Op(text)                       literal text: " + ", " * ", "sigmoid(", ")^2"
            Group(tokens, paren)           tokens kept together: one product or term
          children: Equations             sub-derivations (a factor, a path's factors)

An equation reads ``lhs = formula = numbers = result``: the right-hand side in symbols,
then the same with the numbers substituted, then the result. Any part may be empty.

Symbol names follow one grammar: ``x1`` (input), ``T1`` (target), ``netH1``/``outH1`` (a
neuron's net input and output), ``E1``/``E`` (an output's error, the loss), parameter
names (``w5``, ``b1``), ``dA/dB`` (the partial derivative of A with respect to B, see
:func:`split_derivative`), ``lr`` and the optimizers' hyper-parameters, and an
optimizer's per-parameter buffers written ``b(w5)``, ``m(w5)``, ``m_hat(w5)``. A
number's ``quantity`` is the symbol it is the value of; a value after the update step is
``"new " + symbol`` (``new w5``, ``new m(w5)``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final, Literal

# Tokens, subjects and equations are made by the thousand (a big network's update has a
# line per parameter), so they are slotted dataclasses, several times cheaper to create
# than frozen ones. Treat every object of a tree as read-only all the same: views share
# the trees the model's accessors build.

#: A number the exercise starts from: an input, a target, a starting parameter, the
#: learning rate or another hyper-parameter. Worksheets keep these.
GIVEN: Final = "given"
#: A number the iteration computes: nets, outs, errors, factors, gradients, updated
#: values. Worksheets blank these (and the answer key shows them).
COMPUTED: Final = "computed"

Role = Literal["given", "computed"]


@dataclass(slots=True)
class Sym:
    """A symbol, written as the lesson writes it (see the module's grammar)."""

    name: str


@dataclass(slots=True)
class Num:
    """A number in a formula: the engine's float, whether it is given or computed, and the
    quantity (symbol) it is the value of."""

    value: float
    role: Role
    quantity: str

    @property
    def given(self) -> bool:
        """Whether the exercise starts from this number (see :data:`GIVEN`)."""
        return self.role == GIVEN


@dataclass(slots=True)
class Op:
    """Literal text between symbols and numbers, spaces included (" + ", "sigmoid(")."""

    text: str


@dataclass(slots=True)
class Group:
    """Tokens that belong together: one product of a sum, written unbroken (a renderer
    wraps a long line only between groups); in parentheses when ``paren``."""

    tokens: tuple[Token, ...]
    paren: bool = False


Token = Sym | Num | Op | Group


@dataclass(slots=True)
class Subject:
    """What an equation or explanation is about: a ``"neuron"`` ("H1"), a
    ``"parameter"`` ("w5") or the ``"loss"`` ("E")."""

    kind: Literal["neuron", "parameter", "loss"]
    name: str


@dataclass(slots=True)
class Equation:
    """One equation: ``lhs relation formula = numbers = result``.

    ``formula`` is the right-hand side in symbols (it may hold given numbers, such as a
    hyper-parameter), ``numbers`` the same with the numbers substituted, ``result`` the
    value (None for a rule without a value). ``refers_to`` is the neuron or parameter the
    result belongs to (None for intermediate factors, which their ``lhs`` names); ``main``
    marks the sub-step's own result(s), which a quiz asks for. ``children`` are the
    sub-derivations that explain the numbers (a factor's formula and value, the factors of
    a sum over paths); ``split`` asks for the formula and the numbers on two lines (as the
    lesson writes long sums). ``qualifier`` follows the left-hand side ("over the batch of
    3 samples (mean)"), ``note`` follows the result ("frozen, not updated").
    """

    lhs: Sym
    formula: tuple[Token, ...] = ()
    numbers: tuple[Token, ...] = ()
    result: Num | None = None
    refers_to: Subject | None = None
    main: bool = False
    children: tuple[Equation, ...] = ()
    split: bool = False
    relation: str = "="
    qualifier: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Text:
    """A paragraph of prose (no numbers: those belong in equations)."""

    text: str


Block = Equation | Text


@dataclass(frozen=True, slots=True)
class Explanation:
    """What a sub-step (or a selected parameter or neuron) computed, in the lesson's words.

    ``value`` is its main result (a neuron's output, the loss, a gradient; None when there
    is no single one) and ``refers_to`` what it is about.
    """

    title: str
    blocks: tuple[Block, ...]
    value: float | None = None
    refers_to: Subject | None = None


# --- walking ---------------------------------------------------------------------------------

def equations(explanation: Explanation) -> Iterator[Equation]:
    """Every equation of ``explanation``, depth first, each before its children."""
    stack = [b for b in reversed(explanation.blocks) if isinstance(b, Equation)]
    while stack:
        eq = stack.pop()
        yield eq
        stack.extend(reversed(eq.children))


def tokens_numbers(tokens: tuple[Token, ...]) -> Iterator[Num]:
    """The numbers among ``tokens`` (inside groups too), in order."""
    for token in tokens:
        if isinstance(token, Num):
            yield token
        elif isinstance(token, Group):
            yield from tokens_numbers(token.tokens)


def numbers(explanation: Explanation) -> Iterator[Num]:
    """Every number of ``explanation``: each equation's formula, numbers and result."""
    for eq in equations(explanation):
        yield from tokens_numbers(eq.formula)
        yield from tokens_numbers(eq.numbers)
        if eq.result is not None:
            yield eq.result


def main_equations(explanation: Explanation) -> list[Equation]:
    """The equations holding the explanation's own results (what a quiz asks for)."""
    return [eq for eq in equations(explanation) if eq.main]


def split_derivative(name: str) -> tuple[str, str] | None:
    """("E", "outY1") for the symbol "dE/doutY1"; None for a symbol that is not a partial
    derivative. (For renderers that typeset derivatives as fractions.)"""
    top, slash, bottom = name.partition("/")
    if slash and top.startswith("d") and bottom.startswith("d") and len(top) > 1 \
            and len(bottom) > 1 and "/" not in bottom:
        return top[1:], bottom[1:]
    return None


__all__ = ["COMPUTED", "GIVEN", "Block", "Equation", "Explanation", "Group", "Num", "Op",
           "Role", "Subject", "Sym", "Text", "Token", "equations", "main_equations",
           "numbers", "split_derivative", "tokens_numbers"]
