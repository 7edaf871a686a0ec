"""The error a typed expression gets: one message that points at the offending text."""

from __future__ import annotations


class ExpressionError(ValueError):
    """Text that is not an expression of the function lab, or one that cannot be computed.

    ``message`` says what is wrong (quoting the offending fragment); ``start`` and ``end``
    are the character offsets of that fragment in ``text`` (``start == end == len(text)``
    for something missing at the end), for a view to underline. ``str(error)`` is one line
    with the column; :meth:`pointer` is the text with a caret line under the fragment.
    """

    def __init__(self, message: str, text: str, start: int, end: int | None = None) -> None:
        self.message = message
        self.text = text
        self.start = max(0, min(start, len(text)))
        self.end = max(self.start, min(len(text), self.start + 1 if end is None else end))
        super().__init__(str(self))

    @property
    def column(self) -> int:
        """The 1-based column of the offending text."""
        return self.start + 1

    def __str__(self) -> str:
        where = "at the end" if self.start >= len(self.text) else f"at column {self.column}"
        return f"{self.message} ({where})"

    def pointer(self, width: int = 60) -> str:
        """Two lines: the text around the offending fragment and a caret line under it.

        Long text is cut to about ``width`` characters around the fragment (with "...");
        tabs and newlines show as spaces so that the caret lines up.
        """
        text = "".join(c if c.isprintable() else " " for c in self.text)
        start, end = self.start, max(self.end, self.start + 1)
        left = max(0, start - width // 2)
        right = min(len(text), max(end, left + width))
        prefix = "..." if left > 0 else ""
        suffix = "..." if right < len(text) else ""
        shown = prefix + text[left:right] + suffix
        caret = " " * (len(prefix) + start - left) + "^" * max(1, min(end, right + 1) - start)
        return f"{shown}\n{caret}"


def quote(fragment: str, limit: int = 24) -> str:
    """A fragment of typed text for a message: quoted, cut, control characters escaped."""
    shown = fragment if len(fragment) <= limit else fragment[:limit - 3] + "..."
    if not shown.isprintable():
        shown = shown.encode("unicode_escape").decode("ascii")
    return f"'{shown}'"


__all__ = ["ExpressionError", "quote"]
