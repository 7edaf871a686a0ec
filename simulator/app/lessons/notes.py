"""The teacher's notes on a second screen, in presenter mode.

When the teacher presents (F5) and a second screen is connected, the notes of the current
step go to a window of their own on a screen other than the one the main window (the
projected one) is on: the step's notes, where the lesson is, the next step's title and the
session's score. With one screen there is no such window; the notes stay off the projected
screen unless the teacher shows them in the lesson pane (T, or its Teacher notes button).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QFont, QGuiApplication, QScreen
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ...engine.lesson import Lesson
from ...engine.lesson_markup import markup_html

#: The notes' text size (the teacher reads them at arm's length).
NOTES_POINTS = 18.0


def other_screen(current: QScreen | None, screens: Sequence[QScreen]) -> QScreen | None:
    """The screen for the notes: the first one that is not ``current`` (the main window's),
    ``screens[1]`` when the window's screen is unknown; None with a single screen."""
    if len(screens) < 2:
        return None
    for screen in screens:
        if screen is not current and screen != current:
            return screen
    return None


class NotesWindow(QWidget):
    """The notes window (see the module docstring). It closes with the main window."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("teacherNotesWindow")
        self.setWindowTitle("Teacher notes \u2014 Backprop Lab")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 18)
        layout.setSpacing(12)
        self.where = QLabel()
        self.where.setObjectName("notesWhere")
        self.title = QLabel()
        self.title.setObjectName("notesTitle")
        self.title.setWordWrap(True)
        self.notes = QLabel()
        self.notes.setObjectName("notesText")
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.TextFormat.RichText)
        self.notes.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.next_label = QLabel()
        self.next_label.setObjectName("notesNext")
        self.next_label.setWordWrap(True)
        self.score = QLabel()
        self.score.setObjectName("notesScore")
        for widget in (self.where, self.title, self.notes, self.next_label, self.score):
            layout.addWidget(widget)
        layout.setStretchFactor(self.notes, 1)
        body = QFont(self.font())
        body.setPointSizeF(NOTES_POINTS)
        for widget in (self.notes, self.next_label, self.score, self.where):
            widget.setFont(body)
        heading = QFont(body)
        heading.setBold(True)
        heading.setPointSizeF(NOTES_POINTS * 1.3)
        self.title.setFont(heading)

    def show_step(self, lesson: Lesson, index: int, score: str) -> None:
        """The notes of ``lesson``'s step ``index`` (0-based)."""
        plan = lesson.steps[index]
        self.where.setText(f"{lesson.title}: step {index + 1} of {len(lesson.steps)}")
        self.title.setText(plan.title)
        self.notes.setText(markup_html(plan.notes) if plan.notes.strip()
                           else "<i>No notes for this step.</i>")
        following = lesson.steps[index + 1].title if index + 1 < len(lesson.steps) else \
            "(the last step)"
        self.next_label.setText(f"Next: {following}")
        self.score.setText(f"Score: {score}")

    def place_on(self, screen: QScreen) -> None:
        """Show the window full size on ``screen``."""
        self.setScreen(screen)
        self.setGeometry(screen.availableGeometry())
        self.show()

    def closeEvent(self, event: QCloseEvent) -> None:
        # Closing it by hand only hides it; presenter mode shows it again next time.
        self.hide()
        event.ignore()


def screens() -> list[QScreen]:
    """The screens connected now."""
    return list(QGuiApplication.screens())


__all__ = ["NOTES_POINTS", "NotesWindow", "other_screen", "screens"]
