"""Showing untrusted text in a one-line message: escaped and shortened.

A key, a value or a file name read from a file may hold newlines, other control
characters, bidirectional overrides or unpaired surrogates; shown raw they would break a
message over several lines or make it lie. :func:`printable` escapes them the way Python's
``repr`` does (``\\n``, ``\\x07``, ``\\u202e``, ``\\udc80``) and keeps everything else.
"""

from __future__ import annotations


def _escape(ch: str) -> str:
    return ch if ch.isprintable() else repr(ch)[1:-1]


def printable(text: str, limit: int | None = None) -> str:
    """``text`` with every non-printable character escaped (space stays a space), cut to
    about ``limit`` characters with "..." when it is longer."""
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 3)]
        return "".join(map(_escape, text)) + "..."
    if text.isprintable():
        return text
    return "".join(map(_escape, text))


def one_line(message: str) -> str:
    """``message`` with its non-printable characters escaped, so it is one line."""
    return printable(message)


def has_unpaired_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone UTF-16 surrogate (it cannot be written as UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


__all__ = ["has_unpaired_surrogate", "one_line", "printable"]
