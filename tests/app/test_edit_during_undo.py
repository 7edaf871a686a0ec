"""Found by the monkey (tests/app/test_monkey.py): an edit that a view made while an undo
was being applied was pushed in the middle of it, and cut the redo history.

The case: the user types a batch size in the inspector without pressing Enter, then
undoes (Edit > Undo) back past the change of optimizer. The undo disables the batch-size
field (gd does not use it); the focus leaving the disabled field committed the typed
value as a new edit, inside the undo, so Redo no longer worked and an edit the user never
confirmed was applied.

Now the model refuses any edit asked for while it replaces its document (undo, redo,
open), and a field the app disables while the user types in it drops the typing.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from simulator.app.inspector import DocumentPage, Inspector
from simulator.app.model import LabModel
from simulator.engine import document as doc_io
from simulator.engine import edits
from simulator.resources import example_path


def reference() -> doc_io.Document:
    return doc_io.load(example_path("reference.json"))


def test_typing_in_a_field_an_undo_disables_neither_commits_nor_cuts_the_redo(qtbot):
    model = LabModel(reference())
    inspector = Inspector(model)
    qtbot.addWidget(inspector)
    inspector.show()
    qtbot.waitExposed(inspector)
    inspector.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is inspector)
    model.edit("Freeze w4", lambda d: edits.set_frozen(d, "w4", True))
    model.edit("Optimizer: Adam", lambda d: edits.set_training(d, optimizer="adam"))
    page = inspector.page
    assert isinstance(page, DocumentPage)
    field = page.fields["batch_size"]
    field.edit.setFocus()
    qtbot.waitUntil(field.edit.hasFocus)
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "10")  # typed, not confirmed with Enter
    assert field.dirty
    refusals: list[str] = []
    model.editRefused.connect(refusals.append)

    stack = model.undo_stack
    stack.undo()  # the optimizer: back to gd (the page follows later)
    stack.undo()  # the freeze: the page is refreshed at once, the field disabled
    QApplication.processEvents()
    assert not field.isEnabled()
    assert stack.count() == 2 and stack.index() == 0, [stack.text(i)
                                                       for i in range(stack.count())]
    assert model.config.batch_size == 1 and model.config.optimizer == "gd"
    assert not field.dirty and field.text() == "1"  # the typing was dropped
    stack.redo()
    stack.redo()
    assert model.config.optimizer == "adam" and "w4" in model.document.network.frozen
    assert model.config.batch_size == 1
    assert refusals == []


def test_an_edit_asked_for_during_an_undo_is_refused_and_the_history_kept():
    model = LabModel(reference())
    model.set_parameter("w5", 0.5)
    model.set_parameter("w6", 0.5)
    asked: list[bool] = []
    refusals: list[str] = []
    model.editRefused.connect(refusals.append)

    def meddle() -> None:  # a view that edits while it follows a change
        if not asked:
            asked.append(model.set_parameter("w1", 9.0))

    model.valuesChanged.connect(meddle)
    model.undo_stack.undo()
    assert asked == [False]
    assert refusals == ["Set w1 to 9: not applied, the document changed meanwhile (undo, "
                        "redo or open)"]
    assert model.undo_stack.count() == 2 and model.undo_stack.canRedo()
    model.valuesChanged.disconnect(meddle)
    model.undo_stack.redo()
    assert model.set_parameter("w1", 9.0)  # outside an undo, edits go through
    assert model.undo_stack.count() == 3
