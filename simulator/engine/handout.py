"""Handouts and worksheets: the worked example of one training iteration, on paper.

A handout is what the lesson writes for one iteration of a document's network: the given
values (starting parameters, the sample, the learning rate), the forward pass neuron by
neuron, the error, every partial derivative by the chain rule in symbols and in numbers,
the update, and a summary table like the seed lesson's. Every equation is an
:class:`~simulator.engine.explanation.Explanation` built by :mod:`simulator.engine.explain`
(the derivation panel's own trees) and every table cell a token of those trees, so a
handout cannot disagree with the app.

:func:`build_handout` makes the format-free :class:`Handout`; :func:`render_handout`
writes it as Markdown, HTML (one self-contained file) or LaTeX (compiles with a plain
pdflatex), and :func:`write_handout` writes a file, a PDF too (HTML laid out by Qt's
QTextDocument; see :mod:`simulator.engine.handout_pdf`, the only place that imports Qt,
and only when a PDF is asked for). A worksheet has the same structure with a blank where
each computed number goes (the given ones stay); its answer key is written beside it
(:func:`key_path`: ``sheet.md`` and ``sheet-key.md``).
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .document import Document
from .explain import explain_iteration
from .explanation import (
    COMPUTED,
    GIVEN,
    Equation,
    Explanation,
    Num,
    Sym,
    Token,
    equations,
    main_equations,
    tokens_numbers,
)
from .explanation_render import MarkdownRenderer, Renderer
from .files import atomic_write
from .handout_render import LATEX_PREAMBLE, HtmlHandoutRenderer, LatexRenderer, latex_text
from .limits import DEFAULT_DIGITS, MAX_DIGITS, MAX_HANDOUT_PARAMETERS, MIN_DIGITS
from .losses import LOSSES
from .numbers import format_number
from .optimizers import OPTIMIZER_LABELS
from .stepper import Iteration, plan_substeps
from .text import printable
from .training import Trainer

#: The formats a handout is written in (``md`` is Markdown, ``tex`` LaTeX).
HANDOUT_FORMATS: tuple[str, ...] = ("html", "md", "tex", "pdf")
#: The file suffix of each format.
SUFFIXES: dict[str, str] = {"html": ".html", "md": ".md", "tex": ".tex", "pdf": ".pdf"}

#: The section headings of the worked example, by stage, and what each says first.
STAGE_HEADINGS: dict[str, str] = {"forward": "Forward pass", "error": "Error",
                                  "backward": "Backward pass (chain rule)", "update": "Update"}
STAGE_INTROS: dict[str, str] = {
    "forward": "Each neuron adds up its weighted inputs and its bias (its net input), then "
               "applies its activation to it (its output).",
    "error": "Each output's term of the error, then the error E of the sample.",
    "backward": "For each parameter the chain rule writes dE/dp as a product of factors "
                "along the path from the error to the parameter, output layer first. A "
                "hidden neuron's factor sums over every path through the layer after it, "
                "and a shared bias receives the sum of the gradients of every neuron that "
                "uses it.",
    "update": "Each parameter moves against its gradient, by the optimizer's rule.",
}

Variant = Literal["handout", "worksheet", "key"]
#: A table cell: plain text, or tokens of the explanation trees (symbols and numbers).
Cell = str | tuple[Token, ...]


class HandoutError(ValueError):
    """A handout that cannot be written; the message says why, in one line."""


@dataclass(frozen=True)
class Table:
    """A table of the handout: column headings and rows of cells."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Section:
    """A section: a heading, a paragraph, tables and explanations (in that order)."""

    heading: str
    intro: str = ""
    tables: tuple[Table, ...] = ()
    explanations: tuple[Explanation, ...] = ()


@dataclass(frozen=True)
class Handout:
    """A worked example, format-free (see the module docstring)."""

    title: str
    paragraphs: tuple[str, ...]
    sections: tuple[Section, ...]

    def explanations(self) -> list[Explanation]:
        """Every explanation of the handout, in order."""
        return [ex for s in self.sections for ex in s.explanations]

    def numbers(self) -> list[Num]:
        """Every number the handout writes (its tables' and its explanations'), in order."""
        out: list[Num] = []
        for section in self.sections:
            for table in section.tables:
                for row in table.rows:
                    for cell in row:
                        if not isinstance(cell, str):
                            out.extend(tokens_numbers(cell))
            for ex in section.explanations:
                for eq in equations(ex):
                    out.extend(tokens_numbers(eq.formula))
                    out.extend(tokens_numbers(eq.numbers))
                    if eq.result is not None:
                        out.append(eq.result)
        return out


# --- building ----------------------------------------------------------------------------------

def first_iteration(doc: Document) -> tuple[Trainer, Iteration]:
    """The document's trainer and its first training iteration; :class:`HandoutError` when
    a number of it would not be finite or would pass the limits (as the app refuses to
    step into it)."""
    trainer = Trainer.for_document(doc)
    step = trainer.step(trainer.initial_state())
    divergence = trainer.check(step)
    if divergence is not None:
        raise HandoutError(divergence.message)
    return trainer, Iteration(step, tuple(plan_substeps(doc.network)))


def build_handout(doc: Document) -> Handout:
    """The worked example of the document's first training iteration (see the module
    docstring). :class:`HandoutError` for a network too large to work by hand (more than
    :data:`~simulator.engine.limits.MAX_HANDOUT_PARAMETERS` parameters) or an iteration
    that cannot be shown."""
    net = doc.network
    if len(net.names) > MAX_HANDOUT_PARAMETERS:
        raise HandoutError(f"the network has {len(net.names):,} parameters; a handout works "
                           f"one iteration by hand for at most {MAX_HANDOUT_PARAMETERS:,}")
    trainer, it = first_iteration(doc)
    explained = explain_iteration(it, doc.training)
    given = _given_numbers(explained)
    bp = it.backward
    sections = [Section("Given", _given_intro(bp.n_samples), _given_tables(doc, given))]
    for stage in ("forward", "error", "backward", "update"):
        chosen = tuple(ex for sub, ex in zip(it.substeps, explained) if sub.stage == stage)
        sections.append(Section(STAGE_HEADINGS[stage], STAGE_INTROS[stage],
                                explanations=chosen))
    sections.append(Section("Summary", "Every gradient and every parameter after the step, "
                            "as the derivations above give them.",
                            (_summary_table(doc, it, explained),)))
    after = trainer.dataset_loss(it.step.after.params)
    closing = Explanation("The error after the step", (
        Equation(Sym("E"), result=Num(bp.loss, COMPUTED, "E"), qualifier="before the step"),
        Equation(Sym("E"), result=Num(after, COMPUTED, "E after"),
                 qualifier="after the step")))
    sections.append(Section("After the step", "The same sample through the updated network: "
                            "one step downhill lowers the error.", explanations=(closing,)))
    return Handout(f"{doc.name}: one training iteration", _intro(doc, bp.n_samples),
                   tuple(sections))


def _intro(doc: Document, n_samples: int) -> tuple[str, ...]:
    net = doc.network
    layers = [f"{spec.activation} {'output' if k == len(net.layers) - 1 else 'hidden'} "
              f"layer of {spec.size}" for k, spec in enumerate(net.layers)]
    training = doc.training
    samples = "one training sample" if n_samples == 1 else f"a batch of {n_samples} samples"
    return (
        "One training iteration worked by hand: the forward pass neuron by neuron, the "
        "error, every partial derivative by the chain rule (in symbols, then in numbers), "
        "and the update.",
        f"Network {'-'.join(map(str, net.sizes))} ({', '.join(layers)}); loss: "
        f"{LOSSES[doc.loss].title or doc.loss}; optimizer: "
        f"{OPTIMIZER_LABELS.get(training.optimizer, training.optimizer)}, learning rate lr = "
        f"{format_number(training.learning_rate)}; {samples}.",
    )


def _given_intro(n_samples: int) -> str:
    text = "What the exercise starts from: the starting parameters, the sample and the settings."
    if n_samples > 1:
        text += (" The numbers in each formula are for the batch's first sample; the gradients "
                 "and the update are means over the batch.")
    return text


def _given_numbers(explained: Iterable[Explanation]) -> dict[str, Num]:
    """The first given number of each quantity in the trees (inputs, targets, starting
    parameters, the learning rate and other settings)."""
    found: dict[str, Num] = {}
    for ex in explained:
        for eq in equations(ex):
            nums = [*tokens_numbers(eq.formula), *tokens_numbers(eq.numbers)]
            if eq.result is not None:
                nums.append(eq.result)
            for num in nums:
                if num.role == GIVEN:
                    found.setdefault(num.quantity, num)
    return found


def _connects(doc: Document, name: str) -> str:
    net = doc.network
    info = net.info(name)
    after = net.neurons[info.layer + 1]
    if info.kind == "weight":
        return f"{net.neurons[info.layer][info.source]} -> {after[info.target]}"
    if info.target < 0:
        return f"bias of {', '.join(after)} (shared)"
    return f"bias of {after[info.target]}"


def _cell(num: Num | None) -> Cell:
    return (num,) if num is not None else "-"


def _given_tables(doc: Document, given: dict[str, Num]) -> tuple[Table, ...]:
    net = doc.network
    params = tuple(((Sym(name),), _connects(doc, name), _cell(given.get(name)))
                   for name in net.names)
    names = set(net.names)
    sample = tuple(((Sym(q),), _cell(num)) for q, num in given.items()
                   if q not in names and not _setting(q))
    settings = tuple(((Sym(q),), _cell(num)) for q, num in given.items() if _setting(q))
    tables = [Table("Starting parameters", ("parameter", "connects", "value"), params),
              Table("The sample", ("quantity", "value"), sample)]
    if settings:
        tables.append(Table("Settings", ("setting", "value"), settings))
    return tuple(tables)


_SETTINGS = frozenset({"lr", "momentum", "beta1", "beta2", "eps", "t"})


def _setting(quantity: str) -> bool:
    return quantity in _SETTINGS or "(" in quantity  # a buffer's value before the step


def _summary_table(doc: Document, it: Iteration, explained: list[Explanation]) -> Table:
    gradients: dict[str, Num] = {}
    updated: dict[str, Num] = {}
    for sub, ex in zip(it.substeps, explained):
        if sub.stage == "backward":
            mains = main_equations(ex)
            if mains and mains[-1].result is not None:
                gradients[sub.target] = mains[-1].result
        elif sub.stage == "update":
            for block in ex.blocks:
                if isinstance(block, Equation) and block.refers_to is not None \
                        and block.result is not None:
                    updated[block.refers_to.name] = block.result
    rule = "p - lr * dE/dp" if doc.training.optimizer in ("gd", "sgd") else "after one step"
    rows = tuple(((Sym(name),), _cell(gradients.get(name)), _cell(updated.get(name)))
                 for name in doc.network.names)
    return Table("All gradients and the parameters after one step",
                 ("parameter", "dE/dp", rule), rows)


# --- rendering ---------------------------------------------------------------------------------

_TITLES: dict[Variant, str] = {"handout": "", "worksheet": "Worksheet: ", "key": "Answer key: "}
_WORKSHEET_NOTE = ("Fill in every blank. The given values (the inputs, the targets, the "
                   "starting parameters and the learning rate) are printed; every other "
                   "number is yours to compute. Keep full precision until the end: rounding "
                   "early changes the later digits.")
_KEY_NOTE = "The answers to the worksheet of the same name."


def render_handout(handout: Handout, fmt: str, digits: int = DEFAULT_DIGITS,
                   variant: Variant = "handout", *, paged: bool = False) -> str:
    """The handout as ``fmt`` ("md", "html" or "tex") text; a ``"worksheet"`` blanks every
    computed number, a ``"key"`` is the handout titled as the worksheet's answer key.
    ``paged`` HTML is for a PDF's pages (no screen margins or column width)."""
    writer = _WRITERS.get(fmt)
    if writer is None:
        raise HandoutError(f"cannot render a handout as {fmt!r} (formats: md, html, tex)")
    title = _TITLES[variant] + handout.title
    notes = {"worksheet": (_WORKSHEET_NOTE,), "key": (_KEY_NOTE,), "handout": ()}[variant]
    made = writer(digits, variant == "worksheet")
    if paged and isinstance(made, _HtmlWriter):
        made.style = _HTML_PAGED_STYLE
    return made.write(title, handout.paragraphs + notes, handout.sections)


class _Writer:
    """Lays a handout out in one format; the explanations go through ``renderer``."""

    renderer_class: type[Renderer] = Renderer

    def __init__(self, digits: int, blanks: bool) -> None:
        self.renderer = self.renderer_class(digits, blanks=blanks)

    def write(self, title: str, paragraphs: tuple[str, ...], sections: Iterable[Section]
              ) -> str:
        parts = [self.heading(1, title), *(self.paragraph(p) for p in paragraphs)]
        for section in sections:
            parts.append(self.heading(2, section.heading))
            if section.intro:
                parts.append(self.paragraph(section.intro))
            parts += [self.table(t) for t in section.tables]
            parts += [self.renderer.render(ex) for ex in section.explanations]
        return self.document(title, parts)

    def cell(self, cell: Cell) -> str:
        if isinstance(cell, str):
            return self.text(cell)
        return self.renderer.tokens(cell)

    def text(self, text: str) -> str:
        return text

    def heading(self, level: int, text: str) -> str:
        raise NotImplementedError

    def paragraph(self, text: str) -> str:
        raise NotImplementedError

    def table(self, table: Table) -> str:
        raise NotImplementedError

    def document(self, title: str, parts: list[str]) -> str:
        raise NotImplementedError


class _MarkdownWriter(_Writer):
    renderer_class = MarkdownRenderer

    def text(self, text: str) -> str:
        return text.replace("|", "\\|")

    def heading(self, level: int, text: str) -> str:
        return f"{'#' * level} {text}"

    def paragraph(self, text: str) -> str:
        return text

    def table(self, table: Table) -> str:
        lines = [f"**{table.caption}**", "", "| " + " | ".join(table.header) + " |",
                 "|" + "|".join("---" for _ in table.header) + "|"]
        lines += ["| " + " | ".join(self.cell(c) for c in row) + " |" for row in table.rows]
        return "\n".join(lines)

    def document(self, title: str, parts: list[str]) -> str:
        return "\n\n".join(parts) + "\n"


_HTML_STYLE = """
body { font-family: 'DejaVu Serif', Georgia, serif; max-width: 46em; margin: 2em auto;
       padding: 0 1em; color: #111; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { font-size: 1.3em; margin-top: 1.4em; }
h3 { font-size: 1.05em; margin-bottom: 0.2em; }
p.eq { margin-top: 0.1em; margin-bottom: 0.1em; }
table.values { border-collapse: collapse; margin: 0.5em 0; }
table.values th, table.values td { border: 1px solid #999; padding: 2px 8px; }
table.values td.num { text-align: right; }
.caption { font-weight: bold; margin-bottom: 0.2em; }
.blank { color: #666; }
""".strip()
#: For a PDF's pages: the page has its margins, the text its full width.
_HTML_PAGED_STYLE = _HTML_STYLE.replace(
    "max-width: 46em; margin: 2em auto;\n       padding: 0 1em;", "margin: 0;")


class _HtmlWriter(_Writer):
    renderer_class = HtmlHandoutRenderer

    def __init__(self, digits: int, blanks: bool) -> None:
        super().__init__(digits, blanks)
        self.style = _HTML_STYLE

    def text(self, text: str) -> str:
        return html.escape(text, quote=False)

    def heading(self, level: int, text: str) -> str:
        return f"<h{level}>{self.text(text)}</h{level}>"

    def paragraph(self, text: str) -> str:
        return f"<p>{self.text(text)}</p>"

    def table(self, table: Table) -> str:
        rows = ["<p class='caption'>" + self.text(table.caption) + "</p>",
                "<table class='values' border='1' cellspacing='0' cellpadding='4'>",
                "<tr>" + "".join(f"<th>{self.text(h)}</th>" for h in table.header) + "</tr>"]
        for row in table.rows:
            cells = []
            for c in row:
                numeric = not isinstance(c, str) and any(True for _ in tokens_numbers(c))
                attrs = " class='num' align='right'" if numeric else ""
                cells.append(f"<td{attrs}>{self.cell(c)}</td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        rows.append("</table>")
        return "\n".join(rows)

    def document(self, title: str, parts: list[str]) -> str:
        return ("<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
                f"<title>{self.text(title)}</title>\n<style>\n{self.style}\n</style>\n"
                "</head>\n<body>\n" + "\n".join(parts) + "\n</body>\n</html>\n")


class _LatexWriter(_Writer):
    renderer_class = LatexRenderer

    def text(self, text: str) -> str:
        return latex_text(text)

    def cell(self, cell: Cell) -> str:
        if isinstance(cell, str):
            return self.text(cell)
        return f"${self.renderer.tokens(cell)}$"

    def heading(self, level: int, text: str) -> str:
        command = "section*" if level <= 2 else "subsection*"
        if level == 1:
            return f"{{\\LARGE\\bfseries {self.text(text)}\\par}}\\bigskip"
        return f"\\{command}{{{self.text(text)}}}"

    def paragraph(self, text: str) -> str:
        return f"{self.text(text)}\\par"

    def table(self, table: Table) -> str:
        columns = "|".join("l" for _ in table.header)
        lines = [f"\\par\\medskip\\textbf{{{self.text(table.caption)}}}\\par\\smallskip",
                 f"\\begin{{tabular}}{{|{columns}|}}", "\\hline",
                 " & ".join(self.text(h) for h in table.header) + " \\\\", "\\hline"]
        lines += [" & ".join(self.cell(c) for c in row) + " \\\\" for row in table.rows]
        lines += ["\\hline", "\\end{tabular}\\par"]
        return "\n".join(lines)

    def document(self, title: str, parts: list[str]) -> str:
        return (LATEX_PREAMBLE + f"\\title{{{self.text(title)}}}\n\\begin{{document}}\n"
                "\\raggedright\n"
                + "\n\n".join(parts) + "\n\\end{document}\n")


_WRITERS: dict[str, type[_Writer]] = {"md": _MarkdownWriter, "html": _HtmlWriter,
                                      "tex": _LatexWriter}


# --- writing files -----------------------------------------------------------------------------

def key_path(out: str | os.PathLike[str]) -> Path:
    """Where a worksheet's answer key goes: ``-key`` before the suffix (sheet.md ->
    sheet-key.md; a name without a suffix gets ``-key`` at the end)."""
    p = Path(out)
    return p.with_name(f"{p.stem}-key{p.suffix}")


def check_digits(digits: int) -> int:
    """``digits`` if it is a number of significant digits a view may show, else
    :class:`HandoutError`."""
    if isinstance(digits, bool) or not isinstance(digits, int) \
            or not MIN_DIGITS <= digits <= MAX_DIGITS:
        raise HandoutError(f"digits must be a whole number from {MIN_DIGITS} to {MAX_DIGITS}")
    return digits


def write_handout(doc: Document, fmt: str, out: str | os.PathLike[str],
                  worksheet: bool = False, digits: int = DEFAULT_DIGITS) -> list[Path]:
    """Write the document's handout to ``out`` as ``fmt`` (one of :data:`HANDOUT_FORMATS`);
    with ``worksheet`` a worksheet to ``out`` and its answer key to :func:`key_path`.
    Returns the files written. :class:`HandoutError` (one line) when it cannot be done;
    nothing is written then (each file is written whole or not at all)."""
    if fmt not in HANDOUT_FORMATS:
        raise HandoutError(f"unknown format {printable(str(fmt), 20)!r} (formats: "
                           f"{', '.join(HANDOUT_FORMATS)})")
    check_digits(digits)
    target = Path(out)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise HandoutError(f"{printable(str(folder), 80)}: no such folder")
    if target.is_dir():
        raise HandoutError(f"{printable(str(target), 80)}: is a folder, not a file")
    handout = build_handout(doc)
    jobs: list[tuple[Path, Variant]] = [(target, "worksheet" if worksheet else "handout")]
    if worksheet:
        jobs.append((key_path(target), "key"))
    contents: list[tuple[Path, bytes]] = []
    for path, variant in jobs:
        if fmt == "pdf":
            from .handout_pdf import pdf_bytes  # Qt only here: the rest stays Qt-free

            text = render_handout(handout, "html", digits, variant, paged=True)
            title = _TITLES[variant] + handout.title
            try:
                data = pdf_bytes(text, title)
            except RuntimeError as exc:
                raise HandoutError(str(exc)) from None
        else:
            data = render_handout(handout, fmt, digits, variant).encode("utf-8")
        contents.append((path, data))
    for path, data in contents:
        try:
            atomic_write(path, data)
        except OSError as exc:
            raise HandoutError(f"{printable(str(path), 80)}: cannot be written "
                               f"({exc.strerror or exc})") from None
    return [path for path, _data in contents]


__all__ = ["HANDOUT_FORMATS", "STAGE_HEADINGS", "SUFFIXES", "Cell", "Handout", "HandoutError",
           "Section", "Table", "Variant", "build_handout", "check_digits", "first_iteration",
           "key_path", "render_handout", "write_handout"]
