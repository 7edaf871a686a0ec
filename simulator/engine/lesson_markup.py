"""The small, safe markup of a lesson's texts: what students read on a projected screen.

A text is paragraphs separated by blank lines; a paragraph whose lines all start with
``- `` is a bulleted list. Inside a paragraph:

- ``**bold**``, ``*italic*`` and ```code``` (for a symbol or a formula to keep as typed);
- everything else is plain text, so maths is written plainly: ``f(x) = e^2 sin(x)``,
  ``dE/dw5``, ``w5 - lr * dE/dw5``. A ``*`` is an italic marker only where it opens or
  closes a word (``*this*``); ``w1*x1`` and ``lr * g`` stay as written.

Nothing in a text is ever interpreted as HTML: :func:`markup_html` escapes every character
before it adds its own tags. :func:`check_markup` refuses an unclosed ``**`` or backtick
(one message), so an author sees the mistake when the lesson loads.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Literal

SpanKind = Literal["text", "bold", "italic", "code"]


class MarkupError(ValueError):
    """A text whose markup is not closed; the message says which marker."""


@dataclass(frozen=True)
class Span:
    """A run of text in one style."""

    kind: SpanKind
    text: str


@dataclass(frozen=True)
class Block:
    """A paragraph (``items`` has one entry: its spans) or a list (one entry per item)."""

    kind: Literal["paragraph", "list"]
    items: tuple[tuple[Span, ...], ...]


_CODE = re.compile(r"`([^`\n]*)`")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.S)
# An italic * opens where it does not follow a letter or digit and closes where it is not
# followed by one, so products such as w1*x1 are never italic.
_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])", re.S)


def _inline(text: str) -> tuple[Span, ...]:
    spans: list[Span] = []
    pos = 0
    for m in _CODE.finditer(text):
        spans += _styled(text[pos:m.start()])
        spans.append(Span("code", m.group(1)))
        pos = m.end()
    spans += _styled(text[pos:])
    return tuple(s for s in spans if s.text)


def _styled(text: str) -> list[Span]:
    out: list[Span] = []
    pos = 0
    for m in _BOLD.finditer(text):
        out += _italic(text[pos:m.start()])
        out.append(Span("bold", m.group(1)))
        pos = m.end()
    out += _italic(text[pos:])
    return out


def _italic(text: str) -> list[Span]:
    out: list[Span] = []
    pos = 0
    for m in _ITALIC.finditer(text):
        out.append(Span("text", text[pos:m.start()]))
        out.append(Span("italic", m.group(1)))
        pos = m.end()
    out.append(Span("text", text[pos:]))
    return out


def _paragraphs(text: str) -> list[list[str]]:
    paras: list[list[str]] = [[]]
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.strip():
            paras[-1].append(line.strip())
        elif paras[-1]:
            paras.append([])
    return [p for p in paras if p]


def parse_markup(text: str) -> tuple[Block, ...]:
    """The blocks of ``text`` (see the module docstring)."""
    blocks: list[Block] = []
    for lines in _paragraphs(text):
        if all(line.startswith("- ") for line in lines):
            blocks.append(Block("list", tuple(_inline(line[2:].strip()) for line in lines)))
        else:
            blocks.append(Block("paragraph", (_inline(" ".join(lines)),)))
    return tuple(blocks)


def check_markup(text: str) -> None:
    """:class:`MarkupError` for a backtick or a ``**`` that is not closed in its
    paragraph."""
    for lines in _paragraphs(text):
        para = " ".join(lines)
        if para.count("`") % 2:
            raise MarkupError("a ` (code) is not closed: write `code` with a backtick on each "
                              "side")
        outside = _CODE.sub("", para)
        if outside.count("**") % 2:
            raise MarkupError("a ** (bold) is not closed: write **bold** with ** on each side")


_TAGS = {"bold": ("<b>", "</b>"), "italic": ("<i>", "</i>"), "code": ("<code>", "</code>"),
         "text": ("", "")}


def _spans_html(spans: tuple[Span, ...]) -> str:
    return "".join(f"{_TAGS[s.kind][0]}{html.escape(s.text, quote=False)}{_TAGS[s.kind][1]}"
                   for s in spans)


def markup_html(text: str) -> str:
    """``text`` as HTML: ``<p>`` paragraphs, ``<ul>`` lists, ``<b>``, ``<i>``, ``<code>``;
    every character of the text itself escaped."""
    out: list[str] = []
    for block in parse_markup(text):
        if block.kind == "list":
            out.append("<ul>" + "".join(f"<li>{_spans_html(item)}</li>" for item in block.items)
                       + "</ul>")
        else:
            out.append(f"<p>{_spans_html(block.items[0])}</p>")
    return "\n".join(out)


def markup_plain(text: str) -> str:
    """``text`` without its markers: paragraphs separated by blank lines, list items as
    lines starting with "- "."""
    out: list[str] = []
    for block in parse_markup(text):
        if block.kind == "list":
            out.append("\n".join("- " + "".join(s.text for s in item) for item in block.items))
        else:
            out.append("".join(s.text for s in block.items[0]))
    return "\n\n".join(out)


__all__ = ["Block", "MarkupError", "Span", "SpanKind", "check_markup", "markup_html",
           "markup_plain", "parse_markup"]
