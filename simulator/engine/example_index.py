"""The index of the bundled example networks (``resources/examples/index.json``): a name and
a one-line description for each file, in the order File > Examples lists them.

A document has no description field (the document format would refuse one), so the menu's
descriptions live here, beside the files::

    {"format": "backprop-lab-examples", "version": 1,
     "examples": [{"file": "reference.json", "name": "...", "description": "..."}, ...]}

:func:`load_example_index` validates it: every entry names a ``.json`` file of the folder,
once; names and descriptions are one line of at most :data:`MAX_DESCRIPTION` characters.
A bad index gets one :class:`ExampleIndexError`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .files import UnreadableFile, read_regular
from .text import printable

FORMAT = "backprop-lab-examples"
VERSION = 1
#: The longest name or description (one line of a menu or a tooltip).
MAX_DESCRIPTION = 120
#: The largest index file read.
MAX_INDEX_BYTES = 1_000_000


class ExampleIndexError(ValueError):
    """A bad index of the examples; the message names the entry and the field."""


@dataclass(frozen=True)
class ExampleEntry:
    """One example network: its file (in the examples folder), name and description."""

    file: str
    name: str
    description: str
    path: Path


def examples_dir() -> Path:
    """The bundled examples' folder."""
    from ..resources import resource_path

    return resource_path("examples")


def load_example_index(folder: str | os.PathLike[str] | None = None) -> tuple[ExampleEntry, ...]:
    """The entries of ``folder``'s index.json (the bundled one by default), validated."""
    base = Path(folder) if folder is not None else examples_dir()
    try:
        raw = json.loads(read_regular(base / "index.json", MAX_INDEX_BYTES).decode("utf-8"))
    except UnreadableFile as exc:
        raise ExampleIndexError(f"index.json: {exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExampleIndexError(f"index.json: not valid JSON ({exc})") from None
    if not isinstance(raw, dict) or set(raw) != {"format", "version", "examples"} \
            or raw["format"] != FORMAT or raw["version"] != VERSION:
        raise ExampleIndexError(f"index.json: must be {{\"format\": \"{FORMAT}\", \"version\": "
                                f"{VERSION}, \"examples\": [...]}}")
    items = raw["examples"]
    if not isinstance(items, list) or not items:
        raise ExampleIndexError("index.json: examples must be a non-empty list")
    out: list[ExampleEntry] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"index.json: examples[{i}]"
        if not isinstance(item, dict) or set(item) != {"file", "name", "description"}:
            raise ExampleIndexError(f"{where}: must be {{\"file\", \"name\", \"description\"}}")
        file = _line(item["file"], f"{where}.file")
        if "/" in file or "\\" in file or not file.endswith(".json") or file == "index.json":
            raise ExampleIndexError(f"{where}.file: must be the name of a .json file beside "
                                    "the index")
        if file in seen:
            raise ExampleIndexError(f"{where}.file: {file} is listed twice")
        if not (base / file).is_file():
            raise ExampleIndexError(f"{where}.file: no file {printable(file, 60)}")
        seen.add(file)
        out.append(ExampleEntry(file, _line(item["name"], f"{where}.name"),
                                _line(item["description"], f"{where}.description"),
                                base / file))
    return tuple(out)


def _line(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ExampleIndexError(f"{where}: must be non-empty text")
    if len(value) > MAX_DESCRIPTION or not value.isprintable():
        raise ExampleIndexError(f"{where}: must be one line of at most {MAX_DESCRIPTION} "
                                "characters")
    return value


__all__ = ["FORMAT", "MAX_DESCRIPTION", "VERSION", "ExampleEntry", "ExampleIndexError",
           "examples_dir", "load_example_index"]
