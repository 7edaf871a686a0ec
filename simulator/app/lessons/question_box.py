"""The question part of the lesson pane: the prompt, the student's answer (a typed number,
or one of the options), the feedback and the reveal.

The box only shows and collects: the player grades with
:func:`simulator.engine.quiz.grade` and tells the box what to show. Typed text is handed
over as typed (a decimal comma or a fraction such as 7/12 is the quiz's to read), and a
text the quiz cannot read is shown under the field without counting as an answer.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ...engine.lesson_markup import markup_html
from ...engine.quiz import Grade, Question
from ..widgets import ERROR_COLOR, OKABE_ITO

#: Options at most this long are buttons in a row; longer ones get a letter button each,
#: with the option's text beside it (a long choice wraps).
SHORT_OPTION = 14
LETTERS = "ABCDEFGH"
RIGHT_COLOR = OKABE_ITO["bluish_green"]
WRONG_COLOR = OKABE_ITO["vermillion"]


class QuestionBox(QFrame):
    """Prompt, answer and feedback of one question (see the module docstring).

    Signals: ``answered(object)`` with the typed text (str) or the chosen option's index
    (int), and ``revealRequested()`` when the student asks to see the answer without
    predicting.
    """

    answered = Signal(object)
    revealRequested = Signal()
    #: The box now waits for an answer (False) or shows an answer's feedback (True).
    feedbackShown = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("questionBox")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.question: Question | None = None
        self._points = 12.0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(6)

        self.heading = QLabel("Predict, then reveal")
        self.heading.setObjectName("questionHeading")
        layout.addWidget(self.heading)
        self.prompt = QLabel()
        self.prompt.setObjectName("questionPrompt")
        self.prompt.setWordWrap(True)
        self.prompt.setTextFormat(Qt.TextFormat.RichText)
        self.prompt.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        layout.addWidget(self.prompt)

        self.value_row = QWidget()
        row = QHBoxLayout(self.value_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.field = QLineEdit()
        self.field.setObjectName("predictionField")
        self.field.setPlaceholderText("e.g. 0.538, 0,538 or 7/12")
        self.field.setToolTip("Type your prediction: a decimal (point or comma) or a "
                              "fraction such as 7/12; Enter checks it")
        self.field.returnPressed.connect(self._submit_text)
        row.addWidget(self.field, 1)
        self.check_button = QPushButton("Check")
        self.check_button.setObjectName("checkButton")
        self.check_button.clicked.connect(self._submit_text)
        row.addWidget(self.check_button)
        layout.addWidget(self.value_row)

        self.options_box = QWidget()
        self.options_layout = QGridLayout(self.options_box)
        self.options_layout.setContentsMargins(0, 0, 0, 0)
        self.options_layout.setHorizontalSpacing(8)
        self.options_layout.setVerticalSpacing(4)
        self.option_buttons: list[QPushButton] = []
        layout.addWidget(self.options_box)

        self.hint = QLabel()
        self.hint.setObjectName("predictionHint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color: {ERROR_COLOR};")
        self.hint.hide()
        layout.addWidget(self.hint)

        self.feedback = QLabel()
        self.feedback.setObjectName("questionFeedback")
        self.feedback.setWordWrap(True)
        self.feedback.setTextFormat(Qt.TextFormat.PlainText)
        self.feedback.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.feedback.hide()
        layout.addWidget(self.feedback)

        self.reveal_button = QPushButton("Show the answer")
        self.reveal_button.setObjectName("revealButton")
        self.reveal_button.setToolTip("Reveal the value without predicting (Page Down)")
        self.reveal_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.reveal_button.clicked.connect(self.revealRequested)
        layout.addWidget(self.reveal_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.hide()

    # --- showing ---------------------------------------------------------------------------------

    def ask(self, question: Question, heading: str = "Predict, then reveal") -> None:
        """Show ``question`` waiting for an answer."""
        self.question = question
        self.heading.setText(heading)
        self.heading.show()
        self.prompt.setText(markup_html(question.prompt))
        self.hint.hide()
        self.feedback.hide()
        self.feedback.clear()
        typed = question.kind == "value"
        self.value_row.setVisible(typed)
        self.field.clear()
        self.field.setEnabled(typed)
        self.check_button.setEnabled(typed)
        self._make_options(question.options if not typed else ())
        self.options_box.setVisible(not typed)
        self.reveal_button.show()
        self._apply_fonts()
        self.show()
        self.feedbackShown.emit(False)

    def _make_options(self, options: tuple[str, ...]) -> None:
        while self.options_layout.count():
            item = self.options_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.option_buttons = []
        short = all(len(o) <= SHORT_OPTION for o in options)
        for i, text in enumerate(options):
            button = QPushButton(text if short else LETTERS[i])
            button.setObjectName(f"option{i}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _c=False, i=i: self.answered.emit(i))
            self.option_buttons.append(button)
            if short:
                self.options_layout.addWidget(button, 0, i)
            else:
                label = QLabel(text)
                label.setWordWrap(True)
                label.setObjectName(f"optionText{i}")
                self.options_layout.addWidget(button, i, 0, Qt.AlignmentFlag.AlignTop)
                self.options_layout.addWidget(label, i, 1)
        if short:
            self.options_layout.setColumnStretch(len(options), 1)
        else:
            self.options_layout.setColumnStretch(1, 1)

    def show_hint(self, text: str) -> None:
        """A typed text the quiz cannot read: why, under the field (not an answer)."""
        self.hint.setText(text)
        self.hint.show()

    def show_grade(self, grade: Grade) -> None:
        """The grade's feedback; the answer is being revealed."""
        self._close_input()
        mark = "\u2713 " if grade.correct else "\u2717 "
        self.feedback.setText(mark + grade.message)
        self._colour_feedback(RIGHT_COLOR if grade.correct else WRONG_COLOR)
        self.feedback.show()
        self.feedbackShown.emit(True)

    def show_revealed(self, question: Question) -> None:
        """The answer, shown without a prediction."""
        self._close_input()
        text = f"The answer: {question.answer_text}."
        if question.explanation:
            text += f"\n{question.explanation}"
        self.feedback.setText(text)
        self._colour_feedback(None)
        self.feedback.show()
        self.feedbackShown.emit(True)

    def _close_input(self) -> None:
        # The feedback quotes the answer: the input makes room for it.
        self.hint.hide()
        self.field.setEnabled(False)
        self.check_button.setEnabled(False)
        for button in self.option_buttons:
            button.setEnabled(False)
        self.value_row.hide()
        self.options_box.hide()
        self.reveal_button.hide()
        self.heading.hide()

    def _colour_feedback(self, colour: str | None) -> None:
        if colour is None:
            self.feedback.setStyleSheet("QLabel { padding: 4px; }")
        else:
            self.feedback.setStyleSheet(f"QLabel {{ border-left: 5px solid {colour}; "
                                        "padding: 4px 4px 4px 8px; }")

    def clear(self) -> None:
        """No question."""
        self.question = None
        self.hide()
        self.feedbackShown.emit(False)

    @property
    def waiting(self) -> bool:
        """Whether the question waits for an answer."""
        return self.question is not None and not self.reveal_button.isHidden()

    # --- fonts -----------------------------------------------------------------------------------

    def set_points(self, points: float) -> None:
        """The text size of the box (the pane's)."""
        self._points = points
        self._apply_fonts()

    def _apply_fonts(self) -> None:
        body = QFont(self.font())
        body.setPointSizeF(self._points)
        for widget in (self.prompt, self.field, self.check_button, self.feedback, self.hint,
                       self.reveal_button, *self.option_buttons,
                       *self.options_box.findChildren(QLabel)):
            widget.setFont(body)
        heading = QFont(body)
        heading.setBold(True)
        heading.setPointSizeF(self._points * 0.85)
        self.heading.setFont(heading)

    # --- input -----------------------------------------------------------------------------------

    def _submit_text(self) -> None:
        if self.question is None or not self.field.isEnabled():
            return
        self.answered.emit(self.field.text())


__all__ = ["LETTERS", "QuestionBox"]
