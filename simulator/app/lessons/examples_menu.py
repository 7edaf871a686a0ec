"""File > Examples: every bundled example network, named and described by
``resources/examples/index.json`` (:mod:`simulator.engine.example_index`), in its order.

Each entry's text is the example's name; its one-line description is the entry's tool tip
(shown in the menu) and status tip (shown in the status bar while the entry is
highlighted). An example opens untitled, so Save never overwrites the bundled file. An
index that cannot be read gets one disabled entry saying why, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QMenu

from ...engine.example_index import ExampleEntry, ExampleIndexError, load_example_index


def example_entries() -> tuple[list[ExampleEntry], str]:
    """The bundled examples, and "" (or the one message saying why there are none)."""
    try:
        return list(load_example_index()), ""
    except ExampleIndexError as exc:
        return [], str(exc)


def fill_examples_menu(menu: QMenu, open_example: Callable[[Path], object]) -> None:
    """Fill ``menu`` with the examples; choosing one calls ``open_example(path)``."""
    menu.clear()
    menu.setToolTipsVisible(True)
    entries, problem = example_entries()
    for entry in entries:
        action = menu.addAction(entry.name)
        action.setToolTip(entry.description)
        action.setStatusTip(f"{entry.description} ({entry.file})")
        action.setData(entry.file)
        action.triggered.connect(lambda _c=False, p=entry.path: open_example(p))
    if not entries:
        empty = menu.addAction(f"No examples found: {problem}" if problem
                               else "No examples found")
        empty.setEnabled(False)


__all__ = ["example_entries", "fill_examples_menu"]
