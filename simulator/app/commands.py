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
from typing import Generic, TypeVar

from PySide6.QtGui import QUndoCommand

from ..engine.document import Document
from ..engine.stepper import Stepper

S = TypeVar("S")

#: The QUndoCommand id of the network's commands that may merge (those with a merge key).
MERGE_ID = 4711


@dataclass(frozen=True)
class Snapshot:
    """What an undo command swaps: the document and the stepper that trains it."""

    document: Document
    stepper: Stepper


class SwapCommand(QUndoCommand, Generic[S]):
    """Go from snapshot ``before`` to ``after`` (redo) and back (undo) through
    ``restore``; commands of the same class with the same (non-None) merge key merge into
    one undo step, the later one's text and ``after`` kept. Subclasses give their own
    :attr:`merge_id` (Qt merges only commands of one id)."""

    merge_id = -1

    def __init__(self, text: str, before: S, after: S, restore: Callable[[S], None],
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

    @property
    def after(self) -> S:
        """The snapshot redo restores."""
        return self._after

    def id(self) -> int:
        return self.merge_id if self._merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if type(other) is not type(self) or not isinstance(other, SwapCommand) \
                or other.merge_key is None or other.merge_key != self._merge_key:
            return False
        self._after = other.after
        self.setText(other.text())  # "Set w5 to <where the drag ended>"
        return True

    def redo(self) -> None:
        self._restore(self._after)

    def undo(self) -> None:
        self._restore(self._before)


class DocumentCommand(SwapCommand[Snapshot]):
    """An edit of the network's document: swaps whole :class:`Snapshot` s."""

    merge_id = MERGE_ID


__all__ = ["MERGE_ID", "DocumentCommand", "Snapshot", "SwapCommand"]
