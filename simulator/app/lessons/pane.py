"""The lesson pane: what the students read, where they are in the lesson, and the question.

A view of the main window (registered as the ``lesson`` :class:`~simulator.app.view_registry.
ViewSpec`, in the LESSON group, kept in presenter mode). It shows

- the lesson's title and the progress, "Step 6 of 21", with a list to jump to any step;
- the step's heading and text (the lesson's safe markup, every character escaped);
- the question (:class:`~simulator.app.lessons.question_box.QuestionBox`) and the
  session's score;
- the teacher's notes, only when the teacher shows them (never on by default);
- Previous and Next (Page Up and Page Down do the same), the questions switch.

The pane only shows and forwards: the :class:`~simulator.app.lessons.player.LessonPlayer`
decides. It lays itself out side by side when it is wide (across the bottom of the window)
and stacked when it is tall. Its text follows the window's zoom, larger than the panels'
(it is read from the back of a room).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ...engine.lesson import Lesson, StepPlan
from ...engine.lesson_markup import markup_html
from .. import theme
from .question_box import QuestionBox

#: Text sizes at 100% zoom (presenter mode multiplies them by its factor).
TEXT_POINTS = 13.0
TITLE_POINTS = 16.0
SMALL_POINTS = 10.0
#: Wider than this many times its height, the pane puts the question beside the text.
WIDE_RATIO = 1.6
#: A text that does not fit is set smaller, down to this share of its size (then it
#: scrolls).
FIT_FLOOR = 0.78


class LessonPane(QWidget):
    """The lesson pane (see the module docstring)."""

    nextRequested = Signal()
    previousRequested = Signal()
    stepChosen = Signal(int)
    questionsToggled = Signal(bool)
    notesToggled = Signal(bool)
    startPageRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lessonPane")
        self._zoom = 1.0
        self._filling = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 4, 6, 4)
        outer.setSpacing(4)

        top = QHBoxLayout()
        top.setSpacing(8)
        self.lesson_label = QLabel()
        self.lesson_label.setObjectName("lessonTitle")
        # Long titles are cut rather than widening the window (the pane spans it).
        self.lesson_label.setSizePolicy(QSizePolicy.Policy.Ignored,
                                        QSizePolicy.Policy.Preferred)
        top.addWidget(self.lesson_label, 1)
        self.progress_label = QLabel()
        self.progress_label.setObjectName("lessonProgress")
        top.addWidget(self.progress_label)
        self.step_combo = QComboBox()
        self.step_combo.setObjectName("lessonSteps")
        self.step_combo.setToolTip("Go to any step of the lesson")
        self.step_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.step_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.step_combo.setMinimumContentsLength(6)
        self.step_combo.activated.connect(self._on_step_chosen)
        top.addWidget(self.step_combo)
        outer.addLayout(top)

        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.setSpacing(10)
        reading = QVBoxLayout()
        reading.setSpacing(2)
        self.title_label = QLabel()
        self.title_label.setObjectName("stepTitle")
        self.title_label.setWordWrap(True)
        reading.addWidget(self.title_label)
        self.text = QTextBrowser()
        self.text.setObjectName("stepText")
        self.text.setOpenLinks(False)
        self.text.setFrameShape(QTextBrowser.Shape.NoFrame)
        # The text on the window's colour, not a white box (it follows the theme).
        self.text.viewport().setBackgroundRole(QPalette.ColorRole.Window)
        self.text.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.text.document().setDocumentMargin(2)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        reading.addWidget(self.text, 1)
        self.notes = QLabel()
        self.notes.setObjectName("teacherNotes")
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.TextFormat.RichText)
        self.notes.hide()
        reading.addWidget(self.notes)
        self.body.addLayout(reading, 5)

        # The question side scrolls rather than making the pane (and the window) taller.
        side_widget = QWidget()
        side = QVBoxLayout(side_widget)
        side.setContentsMargins(0, 0, 0, 0)
        side.setSpacing(4)
        self.question_box = QuestionBox()
        side.addWidget(self.question_box)
        self.status = QLabel()
        self.status.setObjectName("lessonStatus")
        self.status.setWordWrap(True)
        self.status.hide()
        side.addWidget(self.status)
        self.run_progress = QProgressBar()
        self.run_progress.setObjectName("lessonRunProgress")
        self.run_progress.setMaximumHeight(14)
        self.run_progress.setTextVisible(False)
        self.run_progress.hide()
        side.addWidget(self.run_progress)
        side.addStretch(1)
        self.side = QScrollArea()
        self.side.setObjectName("questionSide")
        self.side.setWidgetResizable(True)
        self.side.setFrameShape(QScrollArea.Shape.NoFrame)
        self.side.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.side.setWidget(side_widget)
        self.side.viewport().setBackgroundRole(QPalette.ColorRole.Window)
        side_widget.setBackgroundRole(QPalette.ColorRole.Window)
        self.body.addWidget(self.side, 3)
        self.question_box.feedbackShown.connect(self._on_feedback_shown)
        outer.addLayout(self.body, 1)

        bottom = QHBoxLayout()
        bottom.setSpacing(6)
        self.previous_button = QPushButton("\u25C0 Previous")
        self.previous_button.setObjectName("previousStep")
        self.previous_button.setToolTip("The step before (Page Up)")
        self.next_button = QPushButton("Next \u25B6")
        self.next_button.setObjectName("nextStep")
        self.next_button.setToolTip("The next step, or the answer of a question first "
                                    "(Page Down)")
        for button in (self.previous_button, self.next_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.previous_button.clicked.connect(self.previousRequested)
        self.next_button.clicked.connect(self.nextRequested)
        bottom.addWidget(self.previous_button)
        bottom.addWidget(self.next_button)
        self.score_label = QLabel()
        self.score_label.setObjectName("scoreLabel")
        self.score_label.setSizePolicy(QSizePolicy.Policy.Ignored,
                                       QSizePolicy.Policy.Preferred)
        bottom.addWidget(self.score_label, 1, Qt.AlignmentFlag.AlignCenter)
        self.notes_button = QPushButton("Teacher notes")
        self.notes_button.setObjectName("notesButton")
        self.notes_button.setCheckable(True)
        self.notes_button.setToolTip("Show the teacher's notes of this step here (T)")
        self.notes_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.notes_button.toggled.connect(self.notesToggled)
        bottom.addWidget(self.notes_button)
        self.questions_check = QCheckBox("Questions")
        self.questions_check.setObjectName("questionsCheck")
        self.questions_check.setToolTip("Ask this lesson's questions (the teacher's choice, "
                                        "remembered for the lesson)")
        self.questions_check.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.questions_check.toggled.connect(self._on_questions_toggled)
        bottom.addWidget(self.questions_check)
        self.start_button = QPushButton("Start page...")
        self.start_button.setObjectName("startPageButton")
        self.start_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.start_button.clicked.connect(self.startPageRequested)
        bottom.addWidget(self.start_button)
        outer.addLayout(bottom)
        self._mode = "idle"  # or "quiz", "lesson"
        self._presenting = False
        self.show_idle()
        self._apply_fonts()

    # --- what is shown ---------------------------------------------------------------------------

    def show_idle(self) -> None:
        """No lesson open (and no quiz): how to start one."""
        self.lesson_label.setText("No lesson open")
        self.title_label.setText("Lessons")
        self.text.setHtml(markup_html(
            "Choose a lesson from the **Lessons** menu or the start page. A lesson sets up "
            "the network or the function, the views and the questions of each step.\n\n"
            "Page Down and Page Up go from step to step; Space still steps the network."))
        self.question_box.clear()
        self.notes.hide()
        self.set_status("")
        self._mode = "idle"
        self._sync_visibility()

    def show_quiz(self) -> None:
        """Quiz mode without a lesson: the question before each sub-step."""
        self.lesson_label.setText("Quiz mode")
        self.title_label.setText("Predict, then reveal")
        self.text.setHtml(markup_html(
            "Before each sub-step shows its value, predict it. Type a number (a decimal "
            "point or comma, or a fraction such as 7/12) and press Enter; Space shows the "
            "answer without a prediction."))
        self.notes.hide()
        self._mode = "quiz"
        self._sync_visibility()

    def show_lesson(self, lesson: Lesson) -> None:
        """A lesson is open: its title and the list of its steps."""
        self._filling = True
        self.lesson_label.setText(lesson.title)
        self.step_combo.clear()
        for plan in lesson.steps:
            self.step_combo.addItem(f"{plan.index + 1}. {plan.title}")
        self._filling = False
        self._mode = "lesson"
        self._sync_visibility()

    def show_step(self, plan: StepPlan, count: int, notes_visible: bool) -> None:
        """Step ``plan`` of a lesson of ``count`` steps."""
        self.progress_label.setText(f"Step {plan.index + 1} of {count}")
        self._filling = True
        self.step_combo.setCurrentIndex(plan.index)
        self._filling = False
        self.title_label.setText(plan.title)
        self.text.setHtml(markup_html(plan.text))
        self.text.verticalScrollBar().setValue(0)
        self.fit_text()
        self.previous_button.setEnabled(plan.index > 0)
        self.next_button.setEnabled(plan.index + 1 < count)
        self.set_notes(plan.notes, notes_visible)
        self.question_box.clear()
        self.set_status("")

    def set_notes(self, notes: str, visible: bool) -> None:
        """The teacher's notes of the step, shown when ``visible`` (and there are some)."""
        self.notes_button.blockSignals(True)
        self.notes_button.setChecked(visible)
        self.notes_button.blockSignals(False)
        if notes.strip():
            self.notes.setText("<b>Teacher notes:</b> " + markup_html(notes))
        else:
            self.notes.setText("<i>No teacher notes for this step.</i>")
        self.notes.setVisible(visible)

    def set_questions(self, on: bool) -> None:
        """The questions switch (without telling anyone)."""
        self.questions_check.blockSignals(True)
        self.questions_check.setChecked(on)
        self.questions_check.blockSignals(False)

    def set_score(self, text: str) -> None:
        """The session's score."""
        self.score_label.setText(f"Score: {text}")

    def set_status(self, text: str, error: bool = False) -> None:
        """A line under the question ("" hides it): a run's progress, or why a step could
        not be shown."""
        self.status.setText(text)
        colour = "#D55E00" if error else theme.muted_text(self.palette()).name()
        self.status.setStyleSheet(f"color: {colour};")
        self.status.setVisible(bool(text))
        if not text:
            self.run_progress.hide()

    def set_progress(self, done: int, total: int) -> None:
        """A run under way: ``done`` of ``total`` iterations."""
        self.run_progress.setRange(0, max(1, total))
        self.run_progress.setValue(done)
        self.run_progress.show()

    def plain_text(self) -> str:
        """The step's heading and text as plain text (for tests and the notes window)."""
        return f"{self.title_label.text()}\n{self.text.toPlainText()}"

    # --- the main window's protocols ----------------------------------------------------------

    def set_zoom(self, factor: float) -> None:
        """Text at ``factor`` times its size (:class:`~simulator.app.zoom.Zoomable`)."""
        self._zoom = factor
        self._apply_fonts()

    def set_controls_visible(self, visible: bool) -> None:
        """Presenter mode hides the teacher's controls (the step list, the questions
        switch, the start page button); the progress, Previous and Next stay."""
        self._presenting = not visible
        self._sync_visibility()

    def _sync_visibility(self) -> None:
        lesson = self._mode == "lesson"
        navigation: list[QWidget] = [self.previous_button, self.next_button,
                                     self.notes_button, self.progress_label]
        for widget in navigation:
            widget.setVisible(lesson)
        controls: list[QWidget] = [self.step_combo, self.questions_check]
        for widget in controls:
            widget.setVisible(lesson and not self._presenting)
        self.start_button.setVisible(not lesson and not self._presenting)

    def text_point_size(self) -> float:
        """The step text's point size now (after fitting it to the pane)."""
        return self.text.document().defaultFont().pointSizeF()

    def fit_text(self) -> None:
        """The step's text at the zoom's size, or smaller (to :data:`FIT_FLOOR` of it)
        when that is what it takes to show it whole."""
        size = TEXT_POINTS * self._zoom
        self._set_text_points(size)
        if not self.isVisible() or self._text_fits():
            return
        low, high = size * FIT_FLOOR, size
        self._set_text_points(low)
        if not self._text_fits():
            return
        for _ in range(5):
            middle = (low + high) / 2
            self._set_text_points(middle)
            if self._text_fits():
                low = middle
            else:
                high = middle
        self._set_text_points(low)

    def _set_text_points(self, points: float) -> None:
        font = QFont(self.font())
        font.setPointSizeF(points)
        self.text.document().setDefaultFont(font)
        self.text.setFont(font)

    def _text_fits(self) -> bool:
        viewport = self.text.viewport()
        document = self.text.document()
        document.setTextWidth(viewport.width())
        return document.size().height() <= viewport.height() + 1

    def _apply_fonts(self) -> None:
        z = self._zoom
        base = QFont(self.font())
        text = QFont(base)
        text.setPointSizeF(TEXT_POINTS * z)
        self.notes.setFont(text)
        self.fit_text()
        title = QFont(base)
        title.setPointSizeF(TITLE_POINTS * z)
        title.setBold(True)
        self.title_label.setFont(title)
        small = QFont(base)
        small.setPointSizeF(SMALL_POINTS * z)
        smalls: list[QWidget] = [self.lesson_label, self.progress_label, self.step_combo,
                                 self.score_label, self.previous_button, self.next_button,
                                 self.notes_button, self.questions_check, self.start_button,
                                 self.status]
        for widget in smalls:
            widget.setFont(small)
        self.lesson_label.setStyleSheet(f"color: {theme.muted_text(self.palette()).name()};")
        self.question_box.set_points(TEXT_POINTS * z * 0.92)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        wide = event.size().width() > WIDE_RATIO * max(1, event.size().height())
        direction = QBoxLayout.Direction.LeftToRight if wide else \
            QBoxLayout.Direction.TopToBottom
        if self.body.direction() != direction:
            self.body.setDirection(direction)
        QTimer.singleShot(0, self.fit_text)

    def _on_feedback_shown(self, shown: bool) -> None:
        # An answer's feedback (a few sentences) gets half the pane; a waiting question
        # leaves the text the larger part.
        self.body.setStretch(0, 1 if shown else 5)
        self.body.setStretch(1, 1 if shown else 3)
        if shown:
            QTimer.singleShot(0, self._show_feedback)
        QTimer.singleShot(0, self.fit_text)

    def _show_feedback(self) -> None:
        self.side.ensureWidgetVisible(self.question_box.feedback)

    # --- input -----------------------------------------------------------------------------------

    def _on_step_chosen(self, index: int) -> None:
        if not self._filling:
            self.stepChosen.emit(index)

    def _on_questions_toggled(self, on: bool) -> None:
        self.questionsToggled.emit(on)


__all__ = ["SMALL_POINTS", "TEXT_POINTS", "TITLE_POINTS", "WIDE_RATIO", "LessonPane"]
