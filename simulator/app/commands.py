"""Undo commands. Every edit of the document is one of these on the model's QUndoStack.

A :class:`DocumentCommand` swaps whole :class:`Snapshot` s (document and stepper), so undo
restores exactly what was there, training progress included. It knows nothing of the model:
it is given the two snapshots and the function that makes one current
(:meth:`LabModel.edit <simulator.app.model.LabModel.edit>` builds it). Commands with the
same merge key merge, so a drag of a weight is one undo step.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from PySide6.QtGui import QUndoCommand

from ..engine.document import Document
from ..engine.stepper import Stepper

#: The QUndoCommand id of commands that may merge (those with a merge key).
MERGE_ID = 4711


@dataclass(frozen=True)
class Snapshot:
    """What an undo command swaps: the document and the stepper that trains it."""

    document: Document
    stepper: Stepper


class DocumentCommand(QUndoCommand):
    """Go from ``before`` to ``after`` (redo) and back (undo) through ``restore``."""

    def __init__(self, text: str, before: Snapshot, after: Snapshot,
                 restore: Callable[[Snapshot], None],
                 merge_key: Hashable | None = None) -> None:
        super().__init__(text)
        self._before = before
        self._after = after
        self._restore = restore
        self._merge_key = merge_key

    @property
    def merge_key(self) -> Hashable | None:
        """Commands with the same (non-None) key merge into one undo step."""
        return self._merge_key

    def id(self) -> int:
        return MERGE_ID if self._merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, DocumentCommand) or other.merge_key is None:
            return False
        if other.merge_key != self._merge_key:
            return False
        self._after = other._after
        self.setText(other.text())  # "Set w5 to <where the drag ended>"
        return True

    def redo(self) -> None:
        self._restore(self._after)

    def undo(self) -> None:
        self._restore(self._before)


__all__ = ["MERGE_ID", "DocumentCommand", "Snapshot"]
