"""Undo commands of the function lab: each swaps whole snapshots (settings and descent).

Like the network's :class:`~simulator.app.commands.DocumentCommand`, a
:class:`LabCommand` knows nothing of the model: it is given the two snapshots and the
function that makes one current. Commands with the same merge key merge, so a burst of
typing in the expression field is one undo step.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from PySide6.QtGui import QUndoCommand

from ...engine.function import Descent
from .state import LabSettings

#: The QUndoCommand id of the function lab's mergeable commands.
MERGE_ID = 4712


@dataclass(frozen=True)
class LabSnapshot:
    """What a command swaps: the settings and the descent that goes with them (the descent
    is the one the student stepped; it is left as it was when the edit replaced it)."""

    settings: LabSettings
    descent: Descent


class LabCommand(QUndoCommand):
    """Go from ``before`` to ``after`` (redo) and back (undo) through ``restore``."""

    def __init__(self, text: str, before: LabSnapshot, after: LabSnapshot,
                 restore: Callable[[LabSnapshot], None],
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
    def after(self) -> LabSnapshot:
        """The snapshot redo restores."""
        return self._after

    def id(self) -> int:
        return MERGE_ID if self._merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, LabCommand) or other.merge_key is None \
                or other.merge_key != self._merge_key:
            return False
        self._after = other.after
        self.setText(other.text())
        return True

    def redo(self) -> None:
        self._restore(self._after)

    def undo(self) -> None:
        self._restore(self._before)


__all__ = ["MERGE_ID", "LabCommand", "LabSnapshot"]
