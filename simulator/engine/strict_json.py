"""JSON text read strictly, for the files a user opens (documents and lesson files).

Python's :func:`json.loads` accepts what a Backprop Lab file must not hold, or holds it in a
way a later check cannot name: a key given twice (the last value silently wins), an integer
of thousands of digits (slow to convert, then refused by Python's int-string limit), a number
beyond the range of doubles (read as infinity). :func:`loads` reads such text without
failing on it and marks each of these, so that validation refuses the value by the name of
its field:

- a key given twice raises :class:`DuplicateKey`, naming the key's field path
  (``steps[2].title``);
- a too-long integer or an overflowing number is read as an :class:`Unreadable` value,
  which no field accepts; so are NaN and Infinity when ``constants_unreadable`` is set (a
  document's validation names them itself).

Errors of the text itself propagate as Python raises them (:class:`json.JSONDecodeError`,
:class:`RecursionError` for nesting deeper than the interpreter allows, :class:`MemoryError`):
each caller words them for its own kind of file.
"""

from __future__ import annotations

import json
import math
from typing import Any

from .limits import MAX_INT_DIGITS
from .text import printable


class Unreadable:
    """A value the JSON text holds but no field can: an integer of more than
    :data:`~.limits.MAX_INT_DIGITS` digits, a number too large for a double (1e400), or
    (see :func:`loads`) NaN and Infinity. It shows itself briefly in a message."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def describe(self) -> str:
        """The value as a message shows it: as written, or "a 400-digit number"."""
        digits = sum(c.isdigit() for c in self.text)
        return f"a {digits}-digit number" if digits > 40 else self.text

    def __repr__(self) -> str:
        return self.describe()


class DuplicateKey(ValueError):
    """A key given twice in one object. ``path`` is the key's field path; ``root`` is the
    value read (so that a caller can describe the path in its own words)."""

    def __init__(self, path: str, root: Any) -> None:
        super().__init__(f"{path}: the field appears more than once")
        self.path = path
        self.root = root


class _Duplicated(dict[str, Any]):
    """An object in which ``duplicate`` appears more than once (the last value kept)."""

    duplicate: str = ""


def _parse_int(text: str) -> int | Unreadable:
    if len(text) - text.startswith("-") > MAX_INT_DIGITS:
        return Unreadable(text)  # int() would be slow, or refuse (4,300 digits)
    return int(text)


def _parse_float(text: str) -> float | Unreadable:
    value = float(text)
    return Unreadable(text) if math.isinf(value) else value


def field_path(path: str, key: str) -> str:
    """``path`` and then ``key``, as a message names a field: ``training.l1``."""
    shown = printable(key, 40)
    return f"{path}.{shown}" if path else shown


def loads(text: str, *, constants_unreadable: bool = False) -> Any:
    """The JSON value of ``text``, read strictly (see the module docstring)."""
    duplicated: list[_Duplicated] = []

    def make_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) == len(pairs):
            return obj
        marked = _Duplicated(pairs)
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                marked.duplicate = key
                break
            seen.add(key)
        duplicated.append(marked)
        return marked

    extra: dict[str, Any] = {"parse_constant": Unreadable} if constants_unreadable else {}
    raw = json.loads(text, object_pairs_hook=make_object, parse_int=_parse_int,
                     parse_float=_parse_float, **extra)
    if duplicated:
        first = duplicated[0]
        raise DuplicateKey(field_path(_path_of(raw, first), first.duplicate), raw)
    return raw


def _path_of(root: Any, target: object) -> str:
    """The field path of the object ``target`` inside ``root`` (iteratively: a document
    nested as deeply as the reader allows has no recursion limit to meet here)."""
    stack: list[tuple[Any, str]] = [(root, "")]
    while stack:
        obj, path = stack.pop()
        if obj is target:
            return path
        if isinstance(obj, dict):
            stack.extend((v, field_path(path, str(k))) for k, v in obj.items()
                         if isinstance(v, (dict, list)))
        elif isinstance(obj, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(obj)
                         if isinstance(v, (dict, list)))
    return ""


__all__ = ["DuplicateKey", "Unreadable", "field_path", "loads"]
