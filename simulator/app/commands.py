"""Undo commands. Every edit of the document is one of these on the model's QUndoStack.

A :class:`DocumentCommand` swaps whole snapshots (document and stepper), so undo restores
exactly what was there, training progress included. Commands with the same merge key
merge, so a drag of a weight is one undo step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from ..engine.document import Document

if TYPE_CHECKING:
    from .model import LabModel

MERGE_ID = 4711


class DocumentCommand(QUndoCommand):
    """Replace the document with ``new_doc`` (and start a fresh stepper on it)."""

    def __init__(self, model: LabModel, text: str, new_doc: Document,
                 merge_key: object | None = None) -> None:
        super().__init__(text)
        self._model = model
        self._before = model.snapshot()
        self._after = model.make_snapshot(new_doc)
        self._merge_key = merge_key

    def id(self) -> int:
        return MERGE_ID if self._merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, DocumentCommand) or other._merge_key is None:
            return False
        if other._merge_key != self._merge_key:
            return False
        self._after = other._after
        return True

    def redo(self) -> None:
        self._model.restore(self._after)

    def undo(self) -> None:
        self._model.restore(self._before)
