"""The undo commands' one swap-and-merge rule (app/commands.py), shared by the network's
document and the function lab."""

from __future__ import annotations

from PySide6.QtGui import QUndoStack

from simulator.app.commands import DocumentCommand
from simulator.app.function.commands import LabCommand


def test_a_burst_with_one_merge_key_is_one_undo_step_and_kinds_never_merge(qtbot):
    stack = QUndoStack()
    shown: list[int] = []
    stack.push(DocumentCommand("Set w5 to 0.2", 0, 1, shown.append, "drag w5"))
    stack.push(DocumentCommand("Set w5 to 0.3", 1, 2, shown.append, "drag w5"))
    stack.push(LabCommand("Type", 2, 3, shown.append, "drag w5"))  # same key, other kind
    stack.push(DocumentCommand("Set w6 to 1", 3, 4, shown.append))  # no key: never merges
    assert stack.count() == 3
    assert [stack.text(i) for i in range(stack.count())] == ["Set w5 to 0.3", "Type",
                                                             "Set w6 to 1"]
    assert shown == [1, 2, 3, 4]
    for _ in range(3):
        stack.undo()
    assert shown[-3:] == [3, 2, 0]  # the merged drag goes back to where it began
    for _ in range(3):
        stack.redo()
    assert shown[-3:] == [2, 3, 4]
