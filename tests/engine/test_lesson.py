"""The shipped lessons: every one loads, validates against its documents, and every step
applies in the engine with the numbers its text, question and feedback state checked
against the engine; the seed lesson follows the seed's order with its exact numbers."""

from __future__ import annotations

import re

import pytest

from simulator.engine import document
from simulator.engine.lesson import (
    VIEWS,
    Lesson,
    StepPlan,
    lesson_files,
    lessons_dir,
    load_lesson,
    load_lessons,
)
from simulator.engine.lesson_markup import markup_html, markup_plain
from simulator.engine.lesson_scene import Scene, check_failures, enact
from simulator.engine.numbers import format_number
from simulator.engine.quiz import Score, grade
from simulator.engine.stepper import plan_substeps

from . import _reference as ref

LESSONS = lesson_files()
# A decimal number as a text writes it (integers are counts, sizes and exponents).
DECIMAL = re.compile(r"(?<![\w.])-?\d*\.\d+(?:e[-+]?\d+)?(?!\w|\.\d)")
PERCENT = re.compile(f"({DECIMAL.pattern})(%?)")


@pytest.fixture(scope="module")
def lessons() -> dict[str, Lesson]:
    return {lesson.id: lesson for lesson in load_lessons()}


def test_at_least_five_lessons_ship_and_all_load() -> None:
    assert len(LESSONS) >= 5
    loaded = load_lessons()
    assert [lesson.path for lesson in loaded] == LESSONS
    assert len({lesson.id for lesson in loaded}) == len(loaded)
    assert (lessons_dir() / "README.md").is_file()


def test_the_lessons_students_get_wrong_are_there(lessons: dict[str, Lesson]) -> None:
    assert set(lessons) >= {"mechanics", "xor-hidden-layer", "learning-rate",
                            "vanishing-gradients", "sgd-momentum-adam"}
    assert load_lessons()[0].id == "mechanics"  # lesson 1 comes first


# --- every step of every lesson, applied in the engine -----------------------------------------

def _steps() -> list[tuple[str, int]]:
    return [(path.name, i) for path in LESSONS for i in range(len(load_lesson(path).steps))]


@pytest.mark.parametrize(("name", "index"), _steps())
def test_every_step_applies_and_its_numbers_are_the_engines(name: str, index: int) -> None:
    lesson = load_lesson(lessons_dir() / name)
    plan = lesson.steps[index]
    scene = enact(plan)
    assert check_failures(scene) == []
    _check_position(plan, scene)
    question = scene.question()
    if question is not None:
        right = question.answer_text if question.kind == "value" else question.answer
        assert grade(question, right).correct
        for mistake in question.mistakes:
            answer = repr(mistake.value) if question.kind == "value" else str(mistake.value)
            g = grade(question, answer)
            assert not g.correct and mistake.feedback in g.message, mistake
    _check_texts_numbers(lesson, plan)
    _check_texts_render(plan)


def _check_position(plan: StepPlan, scene: Scene) -> None:
    if plan.document is None:
        assert scene.stepper is None
        return
    stepper = scene.stepper
    assert stepper is not None
    pos = plan.position
    if pos.substep is None:
        assert stepper.completed_iterations == pos.iteration
        assert stepper.current is None or stepper.updated
    else:
        current = stepper.current
        assert current is not None and (current.stage, current.target) == pos.substep
        assert stepper.state.iteration == pos.iteration
        assert scene.explanation is not None
    if plan.function is not None:
        assert scene.descent is not None and len(scene.descent.steps) == plan.function.steps
        assert (scene.pirate is not None) == plan.function.pirate


def _given_numbers(plan: StepPlan) -> list[float]:
    """The numbers a step may state without a check: what it starts from."""
    out: list[float] = []
    doc = plan.document
    if doc is not None:
        out += doc.network.params.tolist()
        out += doc.data.inputs.ravel().tolist() + doc.data.targets.ravel().tolist()
        t = doc.training
        out += [t.learning_rate, t.momentum, t.beta1, t.beta2]
        out += [float(v) for v in doc.data_source.values()
                if isinstance(v, (int, float)) and not isinstance(v, bool)]
    fs = plan.function
    if fs is not None:
        out += [*fs.start, fs.learning_rate, 0.9]  # 0.9: momentum's default, in its rule
        out += [float(n) for n in DECIMAL.findall(fs.expression)]
    return out


def _stated(text: str, value: float) -> bool:
    """Whether ``text`` (a number as written) is ``value`` rounded to some precision."""
    return float(text) == value or any(
        float(format_number(value, d)) == float(text) for d in range(1, 16))


def _check_texts_numbers(lesson: Lesson, plan: StepPlan) -> None:
    """Every decimal number in the step's words is given, checked (in this step or in
    another step of the lesson it refers back to) or an expected mistake's answer."""
    words = [plan.text]
    q = plan.question
    if q is not None:
        words += [q.prompt, q.explanation, *(m.feedback for m in q.mistakes)]
    known = [c.value for c in plan.checks] + _given_numbers(plan)
    known += [c.value for step in lesson.steps for c in step.checks]
    # The numbers a checked formula works with ("1 - 2*0.5" for lr = 0.5).
    known += [float(n) for c in plan.checks for n in DECIMAL.findall(c.formula)]
    if q is not None:
        known += [float(m.value) for m in q.mistakes if isinstance(m.value, float)]
    for text in words:
        for m in PERCENT.finditer(text):
            number = m.group(1)
            if m.group(2):  # 91.5% is 0.915
                number = format(float(number) / 100, ".15g")
            assert any(_stated(number, v) for v in known), \
                f"{plan.label}: {m.group(0)} is stated but neither given nor checked"


def _check_texts_render(plan: StepPlan) -> None:
    for text in (plan.text, plan.notes):
        html = markup_html(text)
        assert "<script" not in html and "**" not in markup_plain(text)
    assert plan.show and set(plan.show) <= set(VIEWS)


def test_the_numbers_check_itself_catches_an_unchecked_number(lessons: dict[str, Lesson]
                                                              ) -> None:
    lesson = lessons["mechanics"]
    plan = lesson.steps[16]  # the update
    bad = StepPlan(plan.index, plan.title, plan.text + " It is 0.1792715.", plan.notes,
                   plan.document, plan.document_source, plan.function, plan.position,
                   plan.show, plan.surface, plan.question, plan.checks, plan.opens)
    with pytest.raises(AssertionError, match=r"0\.1792715 is stated"):
        _check_texts_numbers(lesson, bad)


# --- lesson 1: the seed lesson, in the seed's order, with its numbers ---------------------------

def test_lesson_one_follows_the_seed(lessons: dict[str, Lesson]) -> None:
    steps = lessons["mechanics"].steps
    titles = [s.title for s in steps]
    order = ["Walking down a valley in the dark", "The derivative: how fast f changes",
             "Partial derivatives", "The learning rate", "Batch gradient descent",
             "The 2-2-2 network", "The error", "Backward: dE/dw5, three factors",
             "Backward: dE/dw1, every path", "The update", "Two slips of the original",
             "Epochs, and when to stop", "Overfitting"]
    positions = [titles.index(t) for t in order]
    assert positions == sorted(positions)
    assert steps[0].function is not None and steps[0].function.pirate
    assert steps[titles.index("The 2-2-2 network")].document_source == "reference.json"


def _step(lessons: dict[str, Lesson], title: str) -> StepPlan:
    return next(s for s in lessons["mechanics"].steps if s.title == title)


def test_lesson_one_derivative_and_partials(lessons: dict[str, Lesson]) -> None:
    scene = enact(_step(lessons, "The derivative: how fast f changes"))
    assert scene.value("df/dx", "function") == pytest.approx(7.38905609893065, rel=1e-12)
    assert scene.plan.function is not None and scene.plan.function.view == "curve"
    partial = enact(_step(lessons, "Partial derivatives"))
    assert partial.value("f", "function") == 0.0  # f(3, -3) is 0, not 9
    q = partial.question()
    assert q is not None and grade(q, "0").correct
    g = grade(q, "9")  # the original's slip, from the function example
    assert not g.correct and g.mistake is not None and "it is 3*(-3) + 3^2" in g.message
    gradient = enact(_step(lessons, "The gradient at (3, -3)"))
    assert (gradient.value("df/dx", "function"), gradient.value("df/dy", "function")) == (3, 3)
    rate = enact(_step(lessons, "The learning rate"))
    assert rate.value("step x", "function") == pytest.approx(0.025, rel=1e-12)


def test_lesson_one_network_steps_have_the_seeds_numbers(lessons: dict[str, Lesson]) -> None:
    h1 = enact(_step(lessons, "Forward: H1"))
    assert h1.value("outH1") == pytest.approx(ref.OUT_H[0], abs=ref.TOL)
    error = enact(_step(lessons, "The error"))
    assert error.value("E") == pytest.approx(ref.E_TOTAL, abs=ref.TOL)
    w5 = enact(_step(lessons, "Backward: dE/dw5, three factors"))
    assert w5.value("dE/dw5") == pytest.approx(ref.GRADIENTS["w5"], abs=ref.TOL)
    w1 = enact(_step(lessons, "Backward: dE/dw1, every path"))
    assert w1.value("dE/dw1") == pytest.approx(ref.GRADIENTS["w1"], abs=ref.TOL)
    update = enact(_step(lessons, "The update"))
    assert update.value("new w5") == pytest.approx(ref.UPDATED["w5"], abs=ref.TOL)
    q = update.question()
    assert q is not None and grade(q, "0.1792705").correct
    g = grade(q, "0.1807289")  # the original's sign slip
    assert not g.correct and "widely copied original" in g.message
    slips = enact(_step(lessons, "Two slips of the original"))
    assert format_number(slips.value("new w5"), 7) == "0.1792705"
    assert format_number(slips.value("dE/dw5"), 4) == "0.07295"


def test_lesson_one_forgotten_path_is_named(lessons: dict[str, Lesson]) -> None:
    scene = enact(_step(lessons, "Backward: dE/dw1, every path"))
    q = scene.question()
    assert q is not None
    out_h1 = ref.OUT_H[0]
    only_y1 = ref.W5_DE_DOUT * ref.W5_DOUT_DNET * 0.18 * out_h1 * (1 - out_h1) * 0.95
    g = grade(q, format_number(only_y1, 5))
    assert g.mistake is not None and g.mistake.kind == "forgotten path"


def test_lesson_one_stops_where_the_test_error_is_lowest(lessons: dict[str, Lesson]) -> None:
    scene = enact(_step(lessons, "Overfitting"))
    assert scene.stepper is not None
    best = scene.stepper.test_history.best
    assert best is not None and 0 < best.iteration < 3000
    test_now = scene.value("test loss")
    assert test_now > 2 * best.loss  # the test error turned up ...
    losses = scene.stepper.losses
    assert losses[-1] < losses[best.iteration]  # ... while the training error kept falling


# --- predict, then reveal ------------------------------------------------------------------------

def test_pending_hides_the_value_and_reveal_shows_it(lessons: dict[str, Lesson]) -> None:
    scene = enact(_step(lessons, "Forward: H1"))
    assert scene.stepper is not None
    question = scene.pending()
    assert question is not None and question.quantity == "outH1"
    assert scene.stepper.current is None  # nothing taken: outH1 is not on screen
    scene.reveal()
    current = scene.stepper.current
    assert current is not None and current.target == "H1"
    assert scene.explanation is not None and scene.explanation.value == question.value

    update = enact(_step(lessons, "The update"))
    assert update.stepper is not None
    update.pending()
    pending = update.stepper.current
    assert pending is not None and pending.stage == "backward"  # one sub-step before
    update.reveal()
    assert update.stepper.updated

    overfit = enact(_step(lessons, "Epochs, and when to stop"))
    assert overfit.pending() is not None and overfit.stepper is not None
    assert overfit.stepper.completed_iterations == 0

    down = enact(_step(lessons, "One step downhill"))
    q = down.pending()
    assert q is not None and down.descent is not None and not down.descent.steps
    down.reveal()
    assert down.descent.current.point[0] == pytest.approx(q.value)


def test_a_whole_session_with_a_score(lessons: dict[str, Lesson]) -> None:
    """Walk lesson 1, answering every question with the right answer except the update,
    where the original's slip is given: the score says so."""
    score = Score()
    for plan in lessons["mechanics"].steps:
        scene = enact(plan)
        q = scene.pending()
        if q is None:
            continue
        answer = "0.1807289" if plan.title == "The update" else (
            q.answer_text if q.kind == "value" else q.answer)
        score.record(grade(q, answer))
        scene.reveal()
    asked = sum(p.question is not None for p in lessons["mechanics"].steps)
    assert score.asked == asked and score.right == asked - 1


# --- the plans ------------------------------------------------------------------------------------

def test_plans_carry_the_document_and_record_what_they_open(lessons: dict[str, Lesson]) -> None:
    steps = lessons["mechanics"].steps
    net = _step(lessons, "The 2-2-2 network")
    h1 = _step(lessons, "Forward: H1")
    assert net.opens == ("network",) and h1.opens == ()
    assert h1.document is net.document  # the same document: nothing reopened
    sgd = _step(lessons, "Stochastic gradient descent")
    assert sgd.opens == ("training",) and sgd.document is not None
    assert sgd.document.training.optimizer == "sgd"
    batch = _step(lessons, "Batch gradient descent")
    assert batch.document is not None and batch.document.training.optimizer == "gd"
    for plan in steps:
        if plan.position.substep is not None:
            assert plan.document is not None
            assert plan.position.substep in {(s.stage, s.target)
                                             for s in plan_substeps(plan.document.network)}


def test_a_lesson_never_touches_its_example_files(lessons: dict[str, Lesson]) -> None:
    before = {p: p.read_bytes() for p in (ref.REPO / "resources" / "examples").iterdir()}
    for plan in lessons["sgd-momentum-adam"].steps:
        enact(plan)
    after = {p: p.read_bytes() for p in (ref.REPO / "resources" / "examples").iterdir()}
    assert before == after
    # The shipped example is unchanged; the step's plan holds a changed copy.
    sgd = lessons["sgd-momentum-adam"].steps[1]
    assert document.load(ref.REPO / "resources" / "examples" / "blobs.json").training.optimizer \
        == "gd"
    assert sgd.document is not None and sgd.document.training.optimizer == "sgd"
