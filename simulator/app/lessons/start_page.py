"""The start page: the lessons with their summaries, exploring freely, the function lab.

Shown when the app starts (unless the user switched it off on the page itself), and from
Lessons > Start page and Help > Start page. Each lesson is a card with its title, its
summary and a button that starts it, or continues it at the step where it was left. A
lesson file that did not load is listed with its one message, never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ...engine.lesson import Lesson
from ..widgets import ERROR_COLOR


class StartPage(QDialog):
    """The start page (see the module docstring).

    Signals: ``lessonChosen(str)`` (a lesson's id), ``exploreChosen()`` (the reference
    network, to step freely), ``functionLabChosen()``; ``startPageToggled(bool)`` for the
    "show at start" box. Choosing closes the page.
    """

    lessonChosen = Signal(str)
    exploreChosen = Signal()
    functionLabChosen = Signal()
    startPageToggled = Signal(bool)

    def __init__(self, lessons: Sequence[Lesson], steps: dict[str, int],
                 problems: Sequence[str], show_at_start: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startPage")
        self.setWindowTitle("Welcome to Backprop Lab")
        self.lesson_buttons: dict[str, QPushButton] = {}
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        heading = QLabel("How a neural network learns, one step at a time")
        font = QFont(heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        heading.setFont(font)
        heading.setWordWrap(True)
        layout.addWidget(heading)
        intro = QLabel("Start a lesson: each step sets up the network or the function and "
                       "the views, and asks you to predict before it reveals. Page Down and "
                       "Page Up go from step to step.")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        cards = QWidget()
        grid = QVBoxLayout(cards)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        for lesson in lessons:
            grid.addWidget(self._card(lesson, steps.get(lesson.id, 0)))
        for problem in problems:
            label = QLabel(problem)
            label.setWordWrap(True)
            label.setStyleSheet(f"color: {ERROR_COLOR};")
            label.setObjectName("lessonProblem")
            grid.addWidget(label)
        grid.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(cards)
        layout.addWidget(scroll, 1)

        free = QGridLayout()
        free.setHorizontalSpacing(10)
        self.explore_button = QPushButton("Explore freely")
        self.explore_button.setObjectName("exploreButton")
        self.explore_button.clicked.connect(lambda: self._choose(self.exploreChosen.emit))
        free.addWidget(self.explore_button, 0, 0)
        free.addWidget(self._note("The reference 2-2-2 network, ready to step with Space: "
                                  "every partial derivative in symbols and numbers."), 0, 1)
        self.function_button = QPushButton("Function lab")
        self.function_button.setObjectName("functionLabButton")
        self.function_button.clicked.connect(
            lambda: self._choose(self.functionLabChosen.emit))
        free.addWidget(self.function_button, 1, 0)
        free.addWidget(self._note("Gradient descent on a function you type, the pirate "
                                  "beside it, the chain rule as a graph (F4)."), 1, 1)
        free.setColumnStretch(1, 1)
        layout.addLayout(free)

        bottom = QHBoxLayout()
        self.show_check = QCheckBox("Show this page when Backprop Lab starts")
        self.show_check.setObjectName("showAtStart")
        self.show_check.setChecked(show_at_start)
        self.show_check.toggled.connect(self.startPageToggled)
        bottom.addWidget(self.show_check, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        bottom.addWidget(buttons)
        layout.addLayout(bottom)
        self.resize(720, 620)

    def _card(self, lesson: Lesson, step: int) -> QFrame:
        card = QFrame()
        card.setObjectName(f"lessonCard-{lesson.id}")
        card.setFrameShape(QFrame.Shape.StyledPanel)
        lay = QGridLayout(card)
        title = QLabel(lesson.title)
        font = QFont(title.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        title.setFont(font)
        title.setWordWrap(True)
        lay.addWidget(title, 0, 0)
        count = len(lesson.steps)
        summary = QLabel(f"{lesson.summary} ({count} steps)" if lesson.summary
                         else f"{count} steps")
        summary.setWordWrap(True)
        lay.addWidget(summary, 1, 0)
        step = min(max(step, 0), count - 1)
        text = f"Continue at step {step + 1}" if step > 0 else "Start"
        button = QPushButton(text)
        button.setObjectName(f"start-{lesson.id}")
        button.clicked.connect(lambda _c=False, i=lesson.id: self._choose(
            lambda: self.lessonChosen.emit(i)))
        lay.addWidget(button, 0, 1, 2, 1, Qt.AlignmentFlag.AlignVCenter)
        lay.setColumnStretch(0, 1)
        self.lesson_buttons[lesson.id] = button
        return card

    @staticmethod
    def _note(text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        return label

    def _choose(self, emit: object) -> None:
        self.accept()
        if callable(emit):
            emit()


__all__ = ["StartPage"]
