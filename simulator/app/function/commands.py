"""Undo commands of the function lab: each swaps whole snapshots (settings and descent).

Like the network's :class:`~simulator.app.commands.DocumentCommand`, a
:class:`LabCommand` knows nothing of the model: it is given the two snapshots and the
function that makes one current. Commands with the same merge key merge, so a burst of
typing in the expression field is one undo step.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...engine.function import Descent
from ..commands import SwapCommand
from .state import LabSettings

#: The QUndoCommand id of the function lab's mergeable commands.
MERGE_ID = 4712


@dataclass(frozen=True)
class LabSnapshot:
    """What a command swaps: the settings and the descent that goes with them (the descent
    is the one the student stepped; it is left as it was when the edit replaced it)."""

    settings: LabSettings
    descent: Descent


class LabCommand(SwapCommand[LabSnapshot]):
    """An edit of the function lab: swaps whole :class:`LabSnapshot` s."""

    merge_id = MERGE_ID


__all__ = ["MERGE_ID", "LabCommand", "LabSnapshot"]
