"""Renderers of explanation trees for handouts: LaTeX and self-contained HTML.

Both are :class:`~simulator.engine.explanation_render.Renderer` subclasses that only
override its hooks, so a handout writes exactly the equations the derivation panel shows,
with every number formatted by :func:`~simulator.engine.numbers.format_number` (and, with
``blanks``, every computed number left out for a worksheet).

Symbols follow the grammar of :mod:`simulator.engine.explanation`; :func:`parse_symbol`
reads a name into a small structure (an indexed symbol ``outH1``, a partial derivative
``dE/dw5``, a Greek hyper-parameter ``lr``, an optimizer buffer ``m_hat(w5)``) that each
format typesets in its own way:

=================  ========================================  =======================
symbol             LaTeX                                     HTML
=================  ========================================  =======================
``outH1``          ``\\mathrm{out}_{H1}``                     out<sub>H1</sub>
``w5``             ``w_{5}``                                  w<sub>5</sub>
``dE/dw5``         ``\\frac{\\partial E}{\\partial w_{5}}``      ∂E/∂w<sub>5</sub>
``lr``             ``\\alpha``                                 α
``m_hat(w5)``      ``\\hat{m}(w_{5})``                         m̂(w<sub>5</sub>)
=================  ========================================  =======================

Literal text between tokens (``Op``) is translated too: ``*`` is a centred dot,
``sigmoid(`` is σ(, ``)^2`` a superscript. LaTeX writes each equation line as inline math in
a paragraph, so that TeX can break a long sum after an operator or a relation.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from .explanation import Equation, Explanation, Num, split_derivative
from .explanation_render import Line, Renderer
from .limits import DEFAULT_DIGITS

# --- symbols ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plain:
    """A symbol written as it is: one letter in italics, or a word upright."""

    text: str


@dataclass(frozen=True, slots=True)
class Greek:
    """A hyper-parameter written as a Greek letter (``name`` is LaTeX's: "alpha")."""

    name: str
    sub: str = ""


@dataclass(frozen=True, slots=True)
class Indexed:
    """``base`` with the subscript ``sub``: ``outH1`` is ("out", "H1"), ``w5`` ("w", "5")."""

    base: str
    sub: str
    word: bool = False  # an upright word base ("out", "net") rather than a letter


@dataclass(frozen=True, slots=True)
class Hat:
    """An optimizer's bias-corrected average: ``m_hat`` is a hat on m."""

    letter: str


@dataclass(frozen=True, slots=True)
class Partial:
    """The partial derivative of ``top`` with respect to ``bottom``."""

    top: SymbolPart
    bottom: SymbolPart


@dataclass(frozen=True, slots=True)
class Call:
    """A per-parameter quantity: ``b(w5)`` is the momentum buffer of w5."""

    base: SymbolPart
    arg: SymbolPart


SymbolPart = Plain | Greek | Indexed | Hat | Partial | Call

#: Hyper-parameters written as Greek letters (LaTeX's names; HTML uses the characters).
GREEK: dict[str, Greek] = {
    "lr": Greek("alpha"), "momentum": Greek("mu"), "eps": Greek("epsilon"),
    "beta1": Greek("beta", "1"), "beta2": Greek("beta", "2"),
}
_GREEK_CHARS = {"alpha": "α", "mu": "μ", "epsilon": "ε", "beta": "β", "sigma": "σ"}
_LETTER_INDEX = re.compile(r"([A-Za-z])(\d+)")
_WORD_INDEX = re.compile(r"(net|out)(\S+)")
_CALL = re.compile(r"(\w+)\((.+)\)")
_HAT = re.compile(r"([a-z])_hat")


def parse_symbol(name: str) -> SymbolPart:
    """The structure of a symbol name (see the module docstring); anything the grammar does
    not know is a :class:`Plain` word."""
    if name in GREEK:
        return GREEK[name]
    parts = split_derivative(name)
    if parts is not None:
        return Partial(parse_symbol(parts[0]), parse_symbol(parts[1]))
    if m := _HAT.fullmatch(name):
        return Hat(m.group(1))
    if m := _CALL.fullmatch(name):
        return Call(parse_symbol(m.group(1)), parse_symbol(m.group(2)))
    if m := _WORD_INDEX.fullmatch(name):
        return Indexed(m.group(1), m.group(2), word=True)
    if m := _LETTER_INDEX.fullmatch(name):
        return Indexed(m.group(1), m.group(2))
    return Plain(name)


# --- LaTeX -----------------------------------------------------------------------------------

_LATEX_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\textasciicircum{}", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}


def latex_text(text: str) -> str:
    """Plain text made safe for LaTeX's text mode with a plain pdflatex: the special
    characters escaped, accented letters written without their accents where no other
    spelling exists in the standard fonts, and any other non-ASCII character as "?"."""
    out: list[str] = []
    for ch in text:
        if ch in _LATEX_TEXT_ESCAPES:
            out.append(_LATEX_TEXT_ESCAPES[ch])
        elif ch == "\n" or ch == "\t":
            out.append(" ")
        elif " " <= ch <= "~":
            out.append(ch)
        elif ch in _LATEX_UNICODE:
            out.append(_LATEX_UNICODE[ch])
        else:
            plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode("ascii")
            out.append(latex_text(plain) if plain and plain.isprintable() else "?")
    return "".join(out)


_LATEX_UNICODE = {"−": "-", "–": "--", "—": "---", "’": "'", "‘": "`", "“": "``", "”": "''",
                  "…": r"\dots{}", "×": r"$\times$", "≈": r"$\approx$", "α": r"$\alpha$",
                  "σ": r"$\sigma$", "∂": r"$\partial$", "→": r"$\to$", "←": r"$\leftarrow$",
                  "·": r"$\cdot$", " ": "~"}


def latex_symbol(part: SymbolPart) -> str:
    """A symbol in LaTeX math (braced, so that it can follow ``^``)."""
    if isinstance(part, Greek):
        sub = f"_{{{part.sub}}}" if part.sub else ""
        return f"{{\\{part.name}{sub}}}"
    if isinstance(part, Partial):
        return (f"{{\\frac{{\\partial {latex_symbol(part.top)}}}"
                f"{{\\partial {latex_symbol(part.bottom)}}}}}")
    if isinstance(part, Hat):
        return f"{{\\hat{{{part.letter}}}}}"
    if isinstance(part, Call):
        return f"{{{latex_symbol(part.base)}({latex_symbol(part.arg)})}}"
    if isinstance(part, Indexed):
        base = f"\\mathrm{{{part.base}}}" if part.word else part.base
        sub = part.sub if part.sub.isalnum() else f"\\text{{{latex_text(part.sub)}}}"
        return f"{{{base}_{{{sub}}}}}"
    if len(part.text) == 1 and part.text.isalpha() and part.text.isascii():
        return f"{{{part.text}}}"
    return f"{{\\text{{{latex_text(part.text)}}}}}"


#: Words of the formulas' literal text, in LaTeX math.
_LATEX_WORDS = {
    "sigmoid": r"\sigma", "tanh": r"\tanh", "log": r"\log", "exp": r"\exp",
    "sqrt": r"\mathrm{sqrt}", "relu": r"\mathrm{relu}", "leaky_relu": r"\mathrm{leaky\_relu}",
    "softmax": r"\mathrm{softmax}", "if": r"\text{ if }", "else": r"\text{ else }",
    "e": "e",
}
_OP_TOKENS = re.compile(r"[A-Za-z_]\w*|\d+(?:\.\d+)?|\s+|.", re.S)
_LATEX_CHARS = {"*": r"\cdot ", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
                "%": r"\%", "_": r"\_", "~": r"\sim ", "\\": r"\backslash ", "<": "<",
                ">": ">", "|": r"\mid "}


def latex_op(text: str) -> str:
    """Literal formula text in LaTeX math: operators, function names, parentheses."""
    out: list[str] = []
    for token in _OP_TOKENS.findall(text):
        if token[0].isalpha() or token[0] == "_":
            out.append(_LATEX_WORDS.get(token, f"\\mathrm{{{latex_text(token)}}}"))
        elif token.isspace():
            out.append(" ")
        elif token[0].isdigit():
            out.append(token)
        elif token in _LATEX_CHARS:
            out.append(_LATEX_CHARS[token])
        elif token in "()[]+-/=^,.;:!?'":
            out.append(token)
        else:
            out.append(f"\\text{{{latex_text(token)}}}")
    return "".join(out)


_LATEX_RELATIONS = {"=": "=", "<-": r"\leftarrow", "->": r"\to", "≈": r"\approx"}


class LatexRenderer(Renderer):
    """LaTeX: each equation line a paragraph of inline math (TeX breaks long sums after an
    operator or a relation), sub-derivations indented by level, results in bold; prose as
    paragraphs; the explanation's title as a ``\\subsection*``. A worksheet's blank is the
    ``\\blank`` macro that :data:`LATEX_PREAMBLE` defines."""

    def escape(self, text: str) -> str:
        return latex_text(text)

    def sym(self, name: str) -> str:
        return latex_symbol(parse_symbol(name))

    def number(self, num: Num, text: str, parens: bool) -> str:
        mantissa, e, exponent = text.partition("e")
        if e:  # 1.5e-09 as 1.5 x 10^-9
            text = f"{mantissa}\\times 10^{{{int(exponent)}}}"
        return f"({{{text}}})" if parens else f"{{{text}}}"

    def blank(self, num: Num) -> str:
        return r"{\blank{}}"  # braced: it may follow e^

    def op(self, text: str) -> str:
        return latex_op(text)

    def result(self, num: Num) -> str:
        return f"\\mathbf{{{super().result(num)}}}"

    def line(self, level: int, eq: Equation, lhs: str, parts: list[str],
             result: str | None) -> str:
        rhs = [*parts, result] if result is not None else parts
        relation = _LATEX_RELATIONS.get(eq.relation, f"\\text{{ {latex_text(eq.relation)} }}")
        math = lhs
        suffix = " " + self.escape(eq.qualifier)
        if eq.qualifier and lhs.endswith(suffix):  # the walk added it as text: keep it so
            math = f"{lhs[:-len(suffix)]}\\text{{{suffix}}}"
        if rhs:
            math += f" {relation} " + " = ".join(rhs)
        text = f"${math}$"
        if eq.note:
            text += f" ({latex_text(eq.note)})"
        indent = f"{1.5 * (level + 1):g}em"
        return (f"\\par\\noindent\\hangindent={indent}\\hangafter=0"
                f"{{}}{text}\\par")

    def paragraph(self, text: str, level: int) -> str:
        return f"\\par {latex_text(text)}\\par"

    def document(self, explanation: Explanation, lines: list[Line]) -> str:
        return "\n".join([f"\\subsection*{{{latex_text(explanation.title)}}}",
                          *(line.text for line in lines)])


#: What a LaTeX handout needs before ``\\begin{document}``: only packages every TeX
#: installation has (amsmath, geometry), and the worksheet's blank.
LATEX_PREAMBLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[utf8]{inputenc}
\usepackage{amsmath}
\usepackage[margin=2cm]{geometry}
\setlength{\parindent}{0pt}
\setlength{\parskip}{3pt}
\newcommand{\blank}{\underline{\hspace{2.2cm}}}
\emergencystretch=3em
"""


# --- HTML ------------------------------------------------------------------------------------

def html_symbol(part: SymbolPart) -> str:
    """A symbol in HTML: subscripts, ∂ for partial derivatives, Greek letters."""
    if isinstance(part, Greek):
        sub = f"<sub>{part.sub}</sub>" if part.sub else ""
        return f"{_GREEK_CHARS[part.name]}{sub}"
    if isinstance(part, Partial):
        return f"∂{html_symbol(part.top)}/∂{html_symbol(part.bottom)}"
    if isinstance(part, Hat):
        return f"{part.letter}&#770;"  # combining circumflex: m̂
    if isinstance(part, Call):
        return f"{html_symbol(part.base)}({html_symbol(part.arg)})"
    if isinstance(part, Indexed):
        base = part.base if part.word else f"<i>{part.base}</i>"
        return f"{base}<sub>{html.escape(part.sub, quote=False)}</sub>"
    if len(part.text) == 1 and part.text.isalpha():
        return f"<i>{html.escape(part.text)}</i>"
    return html.escape(part.text, quote=False)


_HTML_WORDS = {"sigmoid": "σ"}
_HTML_CHARS = {"*": "·", "-": "−"}


def html_op(text: str) -> str:
    """Literal formula text in HTML: a centred dot for ``*``, σ for sigmoid, a minus sign,
    ``^2`` as a superscript."""
    out: list[str] = []
    tokens = _OP_TOKENS.findall(text)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "^" and i + 1 < len(tokens) and tokens[i + 1][0].isdigit():
            out.append(f"<sup>{tokens[i + 1]}</sup>")
            i += 2
            continue
        if token[0].isalpha() or token[0] == "_":
            out.append(_HTML_WORDS.get(token, html.escape(token)))
        elif token in _HTML_CHARS:
            out.append(_HTML_CHARS[token])
        else:
            out.append(html.escape(token, quote=False))
        i += 1
    return "".join(out)


_HTML_RELATIONS = {"<-": "←", "->": "→"}


class HtmlHandoutRenderer(Renderer):
    """HTML for a handout (a file, or Qt's QTextDocument for the PDF): one ``<p>`` per line,
    sub-derivations indented and in the muted colour, results in bold; symbols typeset
    with subscripts (see :func:`html_symbol`). Only what QTextDocument understands is used
    (inline styles, ``<sub>``, ``<sup>``, ``<b>``, ``<i>``)."""

    def __init__(self, digits: int = DEFAULT_DIGITS, *, blanks: bool = False,
                 muted: str = "#555555") -> None:
        super().__init__(digits, blanks=blanks)
        self.muted = muted

    def escape(self, text: str) -> str:
        return html.escape(text, quote=False)

    def sym(self, name: str) -> str:
        return html_symbol(parse_symbol(name))

    def op(self, text: str) -> str:
        return html_op(text)

    def blank(self, num: Num) -> str:
        return "<span class='blank'>__________</span>"

    def result(self, num: Num) -> str:
        return f"<b>{super().result(num)}</b>"

    def line(self, level: int, eq: Equation, lhs: str, parts: list[str],
             result: str | None) -> str:
        rhs = [*parts, result] if result is not None else parts
        body = lhs
        if rhs:
            relation = _HTML_RELATIONS.get(eq.relation, html.escape(eq.relation))
            body += f" {relation} " + " = ".join(rhs)
        if eq.note:
            body += f" ({self.escape(eq.note)})"
        style = f"margin-left:{1.5 * (level + 1):g}em;"
        if level:
            style += f" color:{self.muted};"
        return f"<p class='eq' style='{style}'>{body}</p>"

    def paragraph(self, text: str, level: int) -> str:
        return f"<p>{self.escape(text)}</p>"

    def document(self, explanation: Explanation, lines: list[Line]) -> str:
        return "\n".join([f"<h3>{self.escape(explanation.title)}</h3>",
                          *(line.text for line in lines)])


__all__ = ["GREEK", "LATEX_PREAMBLE", "Call", "Greek", "Hat", "HtmlHandoutRenderer", "Indexed",
           "LatexRenderer", "Partial", "Plain", "SymbolPart", "html_op", "html_symbol",
           "latex_op", "latex_symbol", "latex_text", "parse_symbol"]
