"""The lesson player: lessons in the main window, predict-then-reveal, quiz mode.

:class:`LessonPlayer` is made by the main window (one line) and adds what lessons need:
the lesson pane (a view registered like every other), the Lessons menu, File > Open
lesson..., File > Examples' descriptions, File > Export handout..., File > Save score...,
the start page, the teacher's notes, and a hook the window asks before Space steps.

**How a step is applied.** A :class:`~simulator.engine.lesson.StepPlan` is absolute (the
document, the stepper's position, the views, the function), so any step can be jumped to.
The player applies it through the model and the window, as a student's own actions would:

- the plan's document is opened with ``model.set_document(doc, None)``: untitled (Save
  asks for a name, so a lesson never writes over anyone's file), and not undoable (a
  lesson's step is not the student's edit; undo covers what the student changes inside the
  step). The plan's document already carries the data and training settings the steps so
  far chose, so a step that changes the training settings opens the document with them:
  the same non-undoable lesson application as opening it. It is opened again only when
  the model's document is not the plan's object (a new document, new settings, or the
  student edited it), so going from step to step on one network keeps the stepper going.
- the stepper is moved with the model's own ``run_iterations``, ``step`` and ``step_back``
  (:class:`~simulator.app.lessons.positions.PositionMover`: long runs in slices with
  progress, exactly the states the engine's :func:`~simulator.engine.lesson_scene.enact`
  reaches); a step that shows no network view leaves the network alone.
- the function lab is opened with ``window.function_lab.open(...)`` (the pirate's seed and
  rule are the engine's lesson defaults); the views are the window's docks
  (:mod:`simulator.app.lessons.layout`); the cost surface's axes go through its state.

**Predict, then reveal.** A step with a question (and questions on) stops where the value
is not on screen yet (:mod:`simulator.app.lessons.asking`); the student types a prediction
or picks an option, :func:`~simulator.engine.quiz.grade` grades it, the pane shows the
feedback, then the stepper moves on (or the run runs, or the function takes its step).
Page Down reveals without a prediction first; the next Page Down goes on. Quiz mode asks
the same way before every Space.

**Keys.** While a lesson is open, Page Down and Page Up (a clicker's keys) go through the
lesson wherever the focus is in the window (an application event filter: the canvas and
the function lab would otherwise take them); Space still steps the network (or the
function, in a function step). T shows the teacher's notes in the pane; in presenter mode
with a second screen they go to a window there instead.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMainWindow, QMenu, QMessageBox, QWidget

from ...engine import document as doc_io
from ...engine.function.pirate import DOWNHILL_ONLY
from ...engine.lesson import (
    NETWORK_VIEWS,
    FunctionScene,
    Lesson,
    LessonError,
    StepPlan,
    load_lesson,
    load_lessons,
)
from ...engine.lesson_scene import PIRATE_SEED
from ...engine.quiz import Grade, PredictionError, Question, Score, grade, save_score
from ..function.state import LabRequestError
from ..view_registry import LESSON, ViewSpec
from ..window_layout import bring_to_front
from .asking import Waiting, quiz_question, step_question, waiting_for
from .cover import Cover
from .examples_menu import fill_examples_menu
from .handout_export import HandoutExport
from .layout import SavedLayout, apply_step_sizes, arrange_step, column_views
from .memory import LessonMemory
from .notes import NotesWindow, other_screen, screens
from .pane import LessonPane
from .positions import PositionMover, linear, target_of
from .start_page import StartPage

if TYPE_CHECKING:
    from .host import LessonHost

LESSON_FILTER = "Backprop Lab lessons (*.json);;All files (*)"
SCORE_FILTER = "Score (*.json)"
#: The key that shows or hides the teacher's notes in the pane.
NOTES_KEY = "T"
_PAGE_KEYS = (Qt.Key.Key_PageDown, Qt.Key.Key_PageUp)
_MODIFIERS = (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier
              | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier)


@dataclass
class Asking:
    """A question on screen: where it came from ("lesson" or "quiz"), how its answer is
    revealed (see :data:`~simulator.app.lessons.asking.REVEALS`), where the stepper stood
    when it was asked (None for a function question), and how it went."""

    question: Question
    source: str
    reveal: str
    position: int | None
    grade: Grade | None = None
    revealed: bool = False

    @property
    def waiting(self) -> bool:
        """Whether it still waits for a prediction."""
        return not self.revealed


class LessonPlayer(QObject):
    """Lessons in ``window`` (see the module docstring).

    ``changed()`` is emitted whenever a lesson opens or closes, a step is applied or
    reached, or a question is asked or answered (the pane and the notes follow it; tests
    wait on it).
    """

    changed = Signal()

    def __init__(self, window: QMainWindow, file_menu: QMenu, export_menu: QMenu,
                 help_menu: QMenu) -> None:
        super().__init__(window)
        self.widget = window  # the window as a Qt widget: the parent of dialogs
        #: the window as the player uses it (see .host: no import of main_window here)
        self.window: LessonHost = cast("LessonHost", window)
        host = self.window
        self.model = host.model
        self.memory = LessonMemory(host.settings)
        self.score = Score()
        self.lesson: Lesson | None = None
        self.index = 0
        self.plan: StepPlan | None = None
        self.asking: Asking | None = None
        self.questions_on = True
        self.quiz_on = self.memory.quiz
        self.notes_in_pane = False
        self.notes_window: NotesWindow | None = None
        self.problem = ""  # why the step could not be shown ("" when it was)
        self._shipped: list[Lesson] | None = None
        self._shipped_problems: list[str] = []
        self._saved_layout: SavedLayout | None = None
        self._column: tuple[str, ...] | None = None
        self._waiting: Waiting | None = None
        self._moving_for = ""  # "step" (to the step's position) or "reveal" (a run)
        self._revealing = False
        self._filtering = False
        self._start_page: StartPage | None = None
        self._covers: list[Cover] = []
        self._placed: object = None  # the last document a step opened

        self.mover = PositionMover(self.model, self)
        self.mover.progress.connect(self._on_move_progress)
        self.mover.finished.connect(self._on_move_finished)
        self.handout = HandoutExport(self.widget)
        self.handout.finished.connect(self._on_handout_written)

        self.pane = LessonPane()
        self.dock = host.add_view(ViewSpec("lesson", "Lesson", lambda _m, _s: self.pane,
                                             LESSON, "Ctrl+9", presenter=True))
        self.pane.nextRequested.connect(self.next)
        self.pane.previousRequested.connect(self.previous)
        self.pane.stepChosen.connect(self.go_to)
        self.pane.questionsToggled.connect(self.set_questions_on)
        self.pane.notesToggled.connect(self.set_notes_in_pane)
        self.pane.startPageRequested.connect(self.show_start_page)
        self.pane.question_box.answered.connect(self.answer)
        self.pane.question_box.revealRequested.connect(self.reveal)
        self.pane.set_score(self.score.summary())
        if self.quiz_on:
            self.pane.show_quiz()

        self._build_actions(file_menu, export_menu, help_menu)
        host.step_hook = self._step_hook
        self.model.stepChanged.connect(self._on_model_moved)
        host.presenter.changed.connect(self._on_presenter_changed)

    # --- menus and actions ---------------------------------------------------------------------

    def _action(self, text: str, slot: object, tip: str = "") -> QAction:
        action = QAction(text, self.widget)
        if tip:
            action.setStatusTip(tip)
        if callable(slot):
            action.triggered.connect(lambda _c=False: slot())
        return action

    def _build_actions(self, file_menu: QMenu, export_menu: QMenu, help_menu: QMenu) -> None:
        a = self._action
        w = self.window
        self.open_lesson_action = a("Open &lesson...", self.open_lesson_file,
                                    "Open a lesson file")
        self.open_lesson_action.setObjectName("openLessonAction")
        self.handout_action = a("Export &handout...", self.export_handout,
                                "The worked example of one training iteration as a handout "
                                "or worksheet (HTML, Markdown, LaTeX, PDF)")
        self.handout_action.setObjectName("exportHandoutAction")
        self.save_score_action = a("Save s&core...", self.save_score,
                                   "Save this session's score of predictions (it is never "
                                   "stored otherwise)")
        self.save_score_action.setObjectName("saveScoreAction")
        self.save_score_action.setEnabled(False)
        self.start_page_action = a("&Start page...", self.show_start_page,
                                   "The lessons, exploring freely and the function lab")
        self.start_page_action.setObjectName("startPageAction")
        self.next_action = a("&Next step\tPage Down", self.next,
                             "The next step of the lesson (the answer of a question first)")
        self.previous_action = a("&Previous step\tPage Up", self.previous,
                                 "The step before")
        self.questions_action = a("Ask &questions", None,
                                  "Ask this lesson's questions (the teacher's choice)")
        self.questions_action.setCheckable(True)
        self.questions_action.toggled.connect(self.set_questions_on)
        self.quiz_action = a("&Quiz mode", None, "Before each sub-step reveals its value, "
                                                 "predict it")
        self.quiz_action.setObjectName("quizModeAction")
        self.quiz_action.setCheckable(True)
        self.quiz_action.setChecked(self.quiz_on)
        self.quiz_action.toggled.connect(self.set_quiz)
        self.notes_action = a("&Teacher notes", None,
                              "Show the teacher's notes of the step in the lesson pane")
        self.notes_action.setCheckable(True)
        self.notes_action.setShortcut(QKeySequence(NOTES_KEY))
        self.notes_action.toggled.connect(self.set_notes_in_pane)
        w.addAction(self.notes_action)  # its key works without the menu
        self.leave_action = a("&Leave lesson", self.close_lesson,
                              "Close the lesson; the network stays open")

        # File menu: Open lesson... after Open...; Export handout and Save score after Export.
        _insert_after(file_menu, w.open_action, [self.open_lesson_action])
        _insert_after(file_menu, export_menu.menuAction(),
                      [self.handout_action, self.save_score_action])

        self.menu = QMenu("&Lessons", self.widget)
        self.menu.setObjectName("lessonsMenu")
        self.menu.setToolTipsVisible(True)
        self.menu.aboutToShow.connect(self._fill_menu)
        w.menuBar().insertMenu(help_menu.menuAction(), self.menu)
        self._fill_menu()
        if help_menu.actions():
            help_menu.insertAction(help_menu.actions()[0], self.start_page_action)
        else:
            help_menu.addAction(self.start_page_action)
        self._sync_actions()

    def _fill_menu(self) -> None:
        menu = self.menu
        menu.clear()
        menu.addAction(self.start_page_action)
        menu.addSeparator()
        lessons = self.shipped_lessons()
        for i, lesson in enumerate(lessons):
            action = menu.addAction(f"&{i + 1} {lesson.title}" if i < 9 else lesson.title)
            action.setObjectName(f"lesson-{lesson.id}")
            action.setCheckable(True)
            action.setChecked(self.lesson is not None and self.lesson.id == lesson.id)
            action.setStatusTip(lesson.summary)
            action.setToolTip(lesson.summary)
            action.triggered.connect(lambda _c=False, ls=lesson: self.open_lesson(ls))
        for problem in self._shipped_problems:
            action = menu.addAction("A lesson file could not be read")
            action.setToolTip(problem)
            action.setStatusTip(problem)
            action.setEnabled(False)
        menu.addSeparator()
        menu.addAction(self.open_lesson_action)
        menu.addSeparator()
        for action in (self.next_action, self.previous_action, self.questions_action,
                       self.notes_action):
            menu.addAction(action)
        menu.addAction(self.quiz_action)
        menu.addSeparator()
        menu.addAction(self.leave_action)

    def _sync_actions(self) -> None:
        open_ = self.lesson is not None
        for action in (self.next_action, self.previous_action, self.questions_action,
                       self.notes_action, self.leave_action):
            action.setEnabled(open_)
        if open_:
            assert self.lesson is not None
            self.next_action.setEnabled(self.index + 1 < len(self.lesson.steps)
                                        or bool(self.asking and self.asking.waiting))
            self.previous_action.setEnabled(self.index > 0)
        for action, on in ((self.questions_action, self.questions_on),
                           (self.notes_action, self.notes_in_pane)):
            action.blockSignals(True)
            action.setChecked(on)
            action.blockSignals(False)
        self.save_score_action.setEnabled(self.score.asked > 0)

    def fill_examples_menu(self, menu: QMenu) -> None:
        """File > Examples (the window calls this as the menu opens)."""
        fill_examples_menu(menu, lambda p: self.window.open_path(p, example=True))

    # --- the lessons ---------------------------------------------------------------------------

    def shipped_lessons(self) -> list[Lesson]:
        """The lessons in ``resources/lessons`` that load (read once); a bad one is left out
        and its message kept for the menu and the start page."""
        if self._shipped is None:
            problems: list[str] = []
            self._shipped = load_lessons(on_error=lambda exc: problems.append(str(exc)))
            self._shipped_problems = problems
        return self._shipped

    def lesson_by_id(self, ident: str) -> Lesson | None:
        """A shipped lesson by its id."""
        return next((ls for ls in self.shipped_lessons() if ls.id == ident), None)

    def open_lesson_file(self) -> bool:
        """File > Open lesson...: a lesson file; a bad one gets one message."""
        start = str(self.lesson.path.parent) if self.lesson is not None and \
            self.lesson.path is not None else ""
        path, _filter = QFileDialog.getOpenFileName(self.widget, "Open lesson", start,
                                                    LESSON_FILTER)
        if not path:
            return False
        return self.open_lesson_path(path)

    def open_lesson_path(self, path: str | Path) -> bool:
        """Load and open the lesson file ``path``; a file that is not a good lesson gets
        one message naming the step and the field, and nothing changes."""
        try:
            lesson = load_lesson(path)
        except LessonError as exc:
            QMessageBox.critical(self.widget, "Cannot open the lesson",
                                 f"Backprop Lab cannot open this lesson:\n\n{exc}")
            return False
        return self.open_lesson(lesson)

    def open_lesson(self, lesson: Lesson, step: int | None = None) -> bool:
        """Open ``lesson`` at ``step`` (0-based; by default where it was left). Asks about
        unsaved changes of the network first (the lesson replaces it)."""
        if self.lesson is None:
            # A lesson's own untitled copy, only stepped or trained, is not the student's
            # work: the lesson makes it again. Anything else may be: ask first.
            if not self._scratch() and not self.window.maybe_save():
                return False
            self._saved_layout = SavedLayout.of(self.widget, self.window.state_version)
        self._stop_everything()
        self.lesson = lesson
        self._column = None
        index = self.memory.step_of(lesson.id) if step is None else step
        index = min(max(0, index), len(lesson.steps) - 1)
        # The pane goes across the bottom before it shows the lesson's controls (beside
        # the derivation they would widen the window).
        if self.window.function_lab.shown and "function" not in lesson.steps[index].show:
            self.window.function_lab.set_shown(False)
        arrange_step(self.widget, dict(self.window.docks), self.dock,
                     lesson.steps[index].show, None)
        self.questions_on = self.memory.questions_on(lesson.id, lesson.questions)
        self.pane.show_lesson(lesson)
        self.pane.set_questions(self.questions_on)
        self._set_key_filter(True)
        self.go_to(index)
        return True

    def _scratch(self) -> bool:
        """Whether the open network is a lesson's own untitled copy, only stepped or
        trained (not edited): nothing of the student's is lost by replacing it."""
        return self.model.path is None and self.model.document is self._placed

    def open_by_id(self, ident: str, step: int | None = None) -> bool:
        """Open the shipped lesson ``ident`` (False when there is none)."""
        lesson = self.lesson_by_id(ident)
        return lesson is not None and self.open_lesson(lesson, step)

    def close_lesson(self) -> None:
        """Leave the lesson: the network stays open (untitled), the window's own layout
        comes back. The lesson and its step are remembered."""
        if self.lesson is None:
            return
        self._stop_everything()
        self.lesson = None
        self.plan = None
        self.memory.remember(None)
        self._set_key_filter(False)
        lab = self.window.function_lab
        if lab.shown:
            lab.set_shown(False)
        if self.notes_window is not None:
            self.notes_window.hide()
        if self._saved_layout is not None and not self.window.presenter.active:
            self._saved_layout.restore(self.widget, self.window.state_version)
        self._saved_layout = None
        self._column = None
        if self.quiz_on:
            self.pane.show_quiz()
        else:
            self.pane.show_idle()
        self._sync_actions()
        self.window.focus_canvas()
        self.changed.emit()

    # --- going through a lesson ------------------------------------------------------------------

    def next(self) -> None:
        """Page Down: reveal a waiting question's answer, else the next step."""
        if self.asking is not None and self.asking.waiting:
            self.reveal()
            return
        if self.lesson is not None and self.index + 1 < len(self.lesson.steps):
            self.go_to(self.index + 1)

    def previous(self) -> None:
        """Page Up: the step before."""
        if self.lesson is not None and self.index > 0:
            self.go_to(self.index - 1)

    def go_to(self, index: int) -> None:
        """Apply step ``index`` (0-based) of the open lesson."""
        lesson = self.lesson
        if lesson is None or not 0 <= index < len(lesson.steps):
            return
        self._stop_everything()
        plan = lesson.steps[index]
        self.index = index
        self.plan = plan
        self.problem = ""
        self.memory.remember(lesson.id, index)
        self.pane.show_step(plan, len(lesson.steps), self.notes_in_pane)
        try:
            self._apply(plan)
        except (LessonError, LabRequestError, ValueError) as exc:
            self._show_problem(str(exc))
        self._update_notes_window()
        self._sync_actions()
        self.changed.emit()

    def _apply(self, plan: StepPlan) -> None:
        window = self.window
        window.runner.pause()
        lab = window.function_lab
        network = any(v in NETWORK_VIEWS for v in plan.show)
        if "function" in plan.show and plan.function is not None:
            self._open_function(plan.function)
        elif lab.shown:
            lab.set_shown(False)
        self._arrange(plan.show)
        question = plan.question if self.questions_on else None
        if network and plan.document is not None:
            if self.model.document is not plan.document:
                self.model.set_document(plan.document, None)
                self._placed = plan.document
                QTimer.singleShot(0, window.zoom_to_fit)
            self._apply_surface(plan)
            waiting = self._waiting = waiting_for(plan, self.model) \
                if question is not None and question.on == "network" else None
            target = waiting.target if waiting is not None and waiting.target is not None \
                else target_of(plan.position, self.model.stepper)
            self._moving_for = "step"
            if self.mover.start(target):
                self._reached()
            elif self.mover.busy:
                self._show_run_status(plan)
        else:
            self._waiting = waiting_for(plan, self.model) \
                if question is not None and question.on == "function" else None
            self._reached()

    def _open_function(self, scene: FunctionScene) -> None:
        lab = self.window.function_lab
        at = dict(zip(scene.variables, scene.start, strict=True))
        if scene.example is not None:
            lab.open(example=scene.example, at=at, view=scene.view,
                     learning_rate=scene.learning_rate, optimizer=scene.optimizer,
                     steps=scene.steps, pirate=scene.pirate, seed=PIRATE_SEED,
                     downhill_only=DOWNHILL_ONLY)
        else:
            lab.open(scene.expression, at=at, view=scene.view,
                     learning_rate=scene.learning_rate, optimizer=scene.optimizer,
                     steps=scene.steps, pirate=scene.pirate, seed=PIRATE_SEED,
                     downhill_only=DOWNHILL_ONLY)

    def _arrange(self, show: tuple[str, ...]) -> None:
        """The step's views on screen (see :mod:`simulator.app.lessons.layout`); with the
        function lab shown, only the pane, across the bottom."""
        window = self.window
        size = window.size()
        column = tuple(column_views(show))
        moved = column != self._column
        arrange_step(self.widget, dict(window.docks), self.dock, show, self._column)
        self._column = column
        if moved:  # once laid out (a resize costs a large network's canvas a layout)
            QTimer.singleShot(0, self._apply_sizes)
        QTimer.singleShot(0, lambda: self._keep_size(size))
        QTimer.singleShot(0, self._apply_sizes)

    def _keep_size(self, size: QSize) -> None:
        """A step never changes the window's size: moving docks can make Qt grow it (a
        view made for the first time asks for room); it goes back, as far as the views'
        minimum sizes allow."""
        window = self.window
        if window.isMaximized() or window.isFullScreen():
            return
        if window.width() > size.width() or window.height() > size.height():
            window.resize(size)

    def _apply_sizes(self) -> None:
        if self.lesson is not None and self.plan is not None:
            apply_step_sizes(self.widget, self.window.docks, self.dock, self.plan.show)

    def _apply_surface(self, plan: StepPlan) -> None:
        """The cost surface's axes and range (the view is made the first time it shows)."""
        if plan.surface is None or "surface" not in plan.show:
            return
        view = self.window.views.get("surface")
        controller = getattr(view, "controller", None)
        if controller is None:
            # Made lazily when its dock first shows: set it once it exists.
            QTimer.singleShot(0, lambda: self._apply_surface_again(plan))
            return
        spec = plan.surface
        if spec.axes is None:
            controller.set_random(True, spec.seed)
        else:
            controller.set_axes(*spec.axes)
        # The view's range is centred on the point; a lesson's range gives its half-width.
        halves = [(hi - lo) / 2 for r in (spec.x_range, spec.y_range) if r is not None
                  for lo, hi in [r]]
        controller.set_span(max(halves) if halves else None)

    def _apply_surface_again(self, plan: StepPlan) -> None:
        if self.plan is plan and "surface" in self.window.views:
            self._apply_surface(plan)

    def _reached(self) -> None:
        """The step stands where it should: ask its question, or it is done."""
        plan = self.plan
        if plan is None:
            return
        self.pane.set_status("")
        waiting = self._waiting
        if waiting is not None and plan.question is not None:
            question = step_question(plan, self.model)
            position = linear(self.model.stepper) if plan.question.on == "network" else None
            self._ask(Asking(question, "lesson", waiting.reveal, position))
            if plan.question.on == "function" and plan.question.kind != "choice" \
                    and not plan.question.quantity.startswith("new "):
                self._cover_numbers()
        self._focus_step()
        self.changed.emit()

    def _cover_numbers(self) -> None:
        """Cover the function lab's numbers (they hold the answer) until it is revealed."""
        view = self.window.function_lab.view
        if view is None:
            return
        self._uncover()
        self._covers = [Cover(view.tabs, "Predict first: the numbers show once you have "
                                         "answered (Page Down shows the answer)."),
                        Cover(view.status, "")]

    def _uncover(self) -> None:
        for cover in self._covers:
            with contextlib.suppress(RuntimeError):  # its widget may be gone already
                cover.remove()
        self._covers = []

    def _focus_step(self) -> None:
        lab = self.window.function_lab
        if lab.shown and lab.view is not None:
            lab.view.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.window.focus_canvas()

    def _show_run_status(self, plan: StepPlan) -> None:
        target = plan.position.iteration
        self.pane.set_status(f"Training to iteration {target:,}...")

    def _on_move_progress(self, done: int, total: int) -> None:
        self.pane.set_progress(done, total)

    def _on_move_finished(self, ok: bool, message: str) -> None:
        purpose, self._moving_for = self._moving_for, ""
        if not ok:
            label = self.plan.label if self.plan is not None else "the lesson"
            self._show_problem(f"{label}: the network cannot get there: {message}")
            return
        if purpose == "step":
            self._reached()
        else:
            self.pane.set_status("")
            self.changed.emit()

    def _show_problem(self, message: str) -> None:
        self.problem = message
        self.pane.set_status(message, error=True)
        self.changed.emit()

    def _stop_everything(self) -> None:
        self.mover.cancel()
        self._moving_for = ""
        self._waiting = None
        self.window.runner.pause()
        self.window.function_lab.lab_model.stop()
        self._uncover()
        if self.asking is not None:
            self.asking = None
            self.pane.question_box.clear()

    # --- questions -------------------------------------------------------------------------------

    def _ask(self, asking: Asking) -> None:
        self.asking = asking
        heading = "Quiz: predict, then reveal" if asking.source == "quiz" else \
            "Predict, then reveal"
        self.pane.question_box.ask(asking.question, heading)
        if asking.source == "quiz" and not self.dock.isVisible():
            self.dock.show()
        self._sync_actions()
        self.changed.emit()

    def answer(self, answer: object) -> Grade | None:
        """Grade the student's prediction (typed text, or an option's index) and reveal the
        value. A text that is not a number is shown why, and is not an answer."""
        asking = self.asking
        if asking is None or not asking.waiting:
            return None
        try:
            if isinstance(answer, int) and not isinstance(answer, bool):
                g = grade(asking.question, answer)
            else:
                g = grade(asking.question, str(answer))
        except PredictionError as exc:
            self.pane.question_box.show_hint(str(exc))
            return None
        except ValueError as exc:
            self.pane.question_box.show_hint(str(exc))
            return None
        asking.grade = g
        self.score.record(g)
        self.pane.set_score(self.score.summary())
        self.pane.question_box.show_grade(g)
        self._do_reveal(asking)
        return g

    def reveal(self) -> None:
        """Show a waiting question's answer without a prediction, and reveal the value."""
        asking = self.asking
        if asking is None or not asking.waiting:
            return
        self.pane.question_box.show_revealed(asking.question)
        self._do_reveal(asking)

    def _do_reveal(self, asking: Asking) -> None:
        asking.revealed = True
        self._uncover()
        how = asking.reveal
        if how == "step":
            self._revealing = True
            try:
                self.model.step()
            finally:
                self._revealing = False
        elif how == "run" and self.plan is not None:
            self._moving_for = "reveal"
            self._revealing = True
            try:
                started = self.mover.start(target_of(self.plan.position, self.model.stepper))
            finally:
                self._revealing = False
            if not started and self.mover.busy:
                self._show_run_status(self.plan)
        elif how == "function":
            self.window.function_lab.lab_model.step()
        self._sync_actions()
        QTimer.singleShot(0, self._focus_step)
        self.changed.emit()

    def _on_model_moved(self) -> None:
        # The student moved the stepper another way (Enter, a run): a question whose
        # value is now on screen is over.
        asking = self.asking
        if asking is None or not asking.waiting or asking.position is None \
                or self._revealing or self.mover.busy:
            return
        if linear(self.model.stepper) != asking.position:
            self.asking = None
            self.pane.question_box.clear()
            self._sync_actions()
            self.changed.emit()

    def _step_hook(self, forward: bool) -> bool:
        """The window asks this before Space (or Shift+Space) steps; True: taken here."""
        if self.mover.busy:
            return True  # the lesson's own run is under way
        asking = self.asking
        lab = self.window.function_lab
        if self.lesson is not None and lab.shown:
            if forward and asking is not None and asking.waiting:
                self.reveal()
            elif forward:
                lab.lab_model.step()
            else:
                lab.lab_model.step_back()
            return True
        if forward:
            if asking is not None and asking.waiting:
                self.reveal()
                return True
            if self.quiz_on:
                question = quiz_question(self.model)
                if question is not None:
                    self._ask(Asking(question, "quiz", "step", linear(self.model.stepper)))
                    self.pane.question_box.field.setFocus()
                    return True
            return False
        if asking is not None and asking.waiting:
            self.asking = None
            self.pane.question_box.clear()
        return False

    def set_questions_on(self, on: bool) -> None:
        """The teacher's switch: ask this lesson's questions or not (remembered per
        lesson); the step is applied again."""
        if on == self.questions_on and self.lesson is not None:
            self._sync_actions()
            return
        self.questions_on = bool(on)
        self.pane.set_questions(self.questions_on)
        if self.lesson is not None:
            self.memory.set_questions_on(self.lesson.id, self.questions_on)
            self.go_to(self.index)
        self._sync_actions()

    def set_quiz(self, on: bool) -> None:
        """Quiz mode for free stepping: a prediction before each sub-step's value."""
        self.quiz_on = bool(on)
        self.memory.quiz = self.quiz_on
        self.quiz_action.blockSignals(True)
        self.quiz_action.setChecked(self.quiz_on)
        self.quiz_action.blockSignals(False)
        if self.lesson is None:
            if on:
                self.pane.show_quiz()
                bring_to_front(self.dock)
            else:
                self.pane.show_idle()
        if not on and self.asking is not None and self.asking.source == "quiz":
            self.asking = None
            self.pane.question_box.clear()
        self.changed.emit()

    def save_score(self) -> bool:
        """File > Save score...: the session's score as JSON, where the student chooses."""
        path, _filter = QFileDialog.getSaveFileName(self.widget, "Save score", "score.json",
                                                    SCORE_FILTER)
        if not path:
            return False
        try:
            written = save_score(self.score, path)
        except OSError as exc:
            QMessageBox.critical(self.widget, "Cannot save the score",
                                 f"The score was not saved:\n\n{exc.strerror or exc}")
            return False
        self.window.show_message(f"Saved the score ({self.score.summary()}) to "
                                 f"{written.name}.", 5000)
        return True

    # --- the teacher's notes ---------------------------------------------------------------------

    def set_notes_in_pane(self, on: bool) -> None:
        """Show (T) or hide the teacher's notes in the lesson pane."""
        self.notes_in_pane = bool(on)
        if self.plan is not None:
            self.pane.set_notes(self.plan.notes, self.notes_in_pane)
        self._sync_actions()

    def _update_notes_window(self) -> None:
        window = self.window
        if self.lesson is None or not window.presenter.active:
            if self.notes_window is not None:
                self.notes_window.hide()
            return
        screen = other_screen(window.screen(), screens())
        if screen is None:
            return
        if self.notes_window is None:
            self.notes_window = NotesWindow(self.widget)
        self.notes_window.show_step(self.lesson, self.index, self.score.summary())
        if not self.notes_window.isVisible():
            self.notes_window.place_on(screen)

    def _on_presenter_changed(self, active: bool) -> None:
        if active:
            if self.lesson is None and not self.quiz_on:
                self.dock.hide()
            elif self.plan is not None:
                self._column = None
                self._arrange(self.plan.show)
                QTimer.singleShot(150, self._apply_sizes)
        self._update_notes_window()

    # --- keys -----------------------------------------------------------------------------------

    def _set_key_filter(self, on: bool) -> None:
        app = QApplication.instance()
        if app is None or on == self._filtering:
            return
        if on:
            app.installEventFilter(self)
        else:
            app.removeEventFilter(self)
        self._filtering = on

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) \
                or self.lesson is None or not isinstance(event, QKeyEvent) \
                or event.key() not in _PAGE_KEYS or event.modifiers() & _MODIFIERS:
            return False
        if not isinstance(watched, QWidget) or watched.window() not in (
                self.window, self.notes_window):
            return False
        if kind == QEvent.Type.ShortcutOverride:
            event.accept()  # the lesson's key: neither the stepping shortcut nor a view's
            return True
        if not event.isAutoRepeat():
            if event.key() == Qt.Key.Key_PageDown:
                self.next()
            else:
                self.previous()
        return True

    # --- the start page and the handout ------------------------------------------------------

    @property
    def start_page_at_start(self) -> bool:
        """Whether the start page shows when the app starts."""
        return self.memory.start_page

    def show_start_page(self) -> StartPage:
        """The start page (see :mod:`simulator.app.lessons.start_page`)."""
        if self._start_page is not None:
            with contextlib.suppress(RuntimeError):
                self._start_page.close()
        lessons = self.shipped_lessons()
        page = StartPage(lessons, {ls.id: self.memory.step_of(ls.id) for ls in lessons},
                         self._shipped_problems, self.memory.start_page, self.widget)
        page.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        page.lessonChosen.connect(lambda ident: self.open_by_id(ident))
        page.exploreChosen.connect(self.explore_freely)
        page.functionLabChosen.connect(self.open_function_lab)
        page.startPageToggled.connect(self._set_start_page)
        self._start_page = page
        page.open()
        return page

    def _set_start_page(self, on: bool) -> None:
        self.memory.start_page = on

    def explore_freely(self) -> None:
        """The reference network, untitled, ready to step (the lesson is left)."""
        from ...resources import example_path

        scratch = self._scratch()
        self.close_lesson()
        if self.window.function_lab.shown:
            self.window.function_lab.set_shown(False)
        path = example_path("reference.json")
        if scratch:  # nothing of the student's to lose (see open_lesson)
            self.window.runner.pause()
            self.model.set_document(doc_io.load(path), None)
            QTimer.singleShot(0, self.window.zoom_to_fit)
        else:
            self.window.open_path(path, example=True)
        self.window.focus_canvas()

    def open_function_lab(self) -> None:
        """The function lab (the lesson is left)."""
        self.close_lesson()
        self.window.function_lab.set_shown(True)

    def export_handout(self) -> bool:
        """File > Export handout...: the open network's worked iteration."""
        model = self.model
        return self.handout.ask_and_export(model.current_document(),
                                           model.title.replace("[*]", ""), model.digits)

    def _on_handout_written(self, result: object) -> None:
        if isinstance(result, list) and result:
            names = ", ".join(Path(p).name for p in result)
            self.window.show_message(f"Wrote {names}.", 6000)

    # --- state, for the window and the tests -------------------------------------------------

    @property
    def busy(self) -> bool:
        """Whether the step is still being reached (a run under way)."""
        return self.mover.busy

    def idle(self) -> bool:
        """Whether everything the step shows is drawn: no run under way, the function
        lab's background work and redraws done."""
        lab = self.window.function_lab
        view = lab.view
        return not self.mover.busy and not lab.lab_model.pirate_busy \
            and not lab.lab_model.derivatives_busy \
            and not (view is not None and lab.shown and view.redraw_pending)


def _insert_after(menu: QMenu, anchor: QAction, actions: list[QAction]) -> None:
    """Put ``actions`` into ``menu`` right after ``anchor`` (at the end without it)."""
    items = menu.actions()
    at = next((i for i, a in enumerate(items) if a is anchor), len(items) - 1)
    if at + 1 < len(items):
        before = items[at + 1]
        for action in actions:
            menu.insertAction(before, action)
    else:
        for action in actions:
            menu.addAction(action)


__all__ = ["LESSON_FILTER", "NOTES_KEY", "Asking", "LessonPlayer"]
