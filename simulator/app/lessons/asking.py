"""Predict, then reveal: what a lesson step asks and how its answer is revealed, and the
question quiz mode asks before the next sub-step (no widgets here).

Every answer is the engine's: a network question is made from the explanation of the
sub-step about to be revealed (:func:`next_explanation`, the tree the derivation panel will
show), a function question from the engine's own descent at the step
(:func:`~simulator.engine.lesson_scene.enact`), both through
:class:`~simulator.engine.lesson_scene.Scene`, so a step's question is exactly the one the
engine tests grade.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ...engine.explain import explain_substep
from ...engine.explanation import Explanation
from ...engine.lesson import StepPlan
from ...engine.lesson_scene import Scene, enact
from ...engine.quiz import Question, ask, result_quantities
from ...engine.stepper import Iteration
from ..model import LabModel
from .positions import target_of

#: How a question's answer is revealed: the next sub-step ("step"), the step's iterations
#: run ("run"), the function's next descent step ("function"), or nothing moves ("none").
REVEALS: tuple[str, ...] = ("step", "run", "function", "none")


@dataclass(frozen=True)
class Waiting:
    """Where a step's question is asked from, and how its answer is revealed.

    ``target`` is the stepper's position while the question waits (in sub-steps, see
    :func:`~simulator.app.lessons.positions.linear`; None for a function question, which
    does not move the network); ``reveal`` one of :data:`REVEALS`."""

    target: int | None
    reveal: str


def waiting_for(plan: StepPlan, model: LabModel) -> Waiting:
    """How ``plan``'s question waits (its plan must have a question; ``model`` holds the
    plan's document): a network question one sub-step before the step's position (or,
    for a step at an iteration, before its iterations run); a function question where the
    step stands, a "new x" revealed by the next descent step."""
    q = plan.question
    if q is None:
        raise ValueError("the step has no question")
    if q.on == "function":
        return Waiting(None, "function" if q.quantity.startswith("new ") else "none")
    pos = plan.position
    target = target_of(pos, model.stepper)
    if pos.substep is not None:
        return Waiting(target - 1, "step")
    if pos.iteration:
        return Waiting(0, "run")
    return Waiting(target, "none")


def next_explanation(model: LabModel) -> Explanation | None:
    """The explanation of the sub-step the next Space will take (what it is about to
    reveal), or None when that sub-step cannot be shown (the numbers would leave the
    finite range: the stepper will refuse it)."""
    st = model.stepper
    trainer = st.trainer
    if not st.updated:
        if st.cursor == -1 and st.check_iteration() is not None:
            return None
        if st.cursor == len(st.substeps) - 2 and trainer.check(st.iteration.step) is not None:
            return None
        it = st.iteration
        sub = st.substeps[st.cursor + 1]
    else:
        after = st.current_state
        it = Iteration(trainer.step(after), st.substeps)
        if trainer.check_pass(it.backward, after.iteration + 1) is not None:
            return None
        sub = st.substeps[0]
    sample = min(max(0, model.sample), it.backward.n_samples - 1)
    return explain_substep(it, sub, model.config, sample)


def step_question(plan: StepPlan, model: LabModel) -> Question:
    """``plan``'s question with the engine's answer, asked where :func:`waiting_for` puts
    the stepper (the model must stand there for a network question)."""
    q = plan.question
    if q is None:
        raise ValueError("the step has no question")
    if q.kind == "choice":
        return _question_of(Scene(plan))
    if q.on == "function":
        # The engine's own descent at the step: the function lab shows the same numbers.
        return _question_of(enact(dataclasses.replace(plan, document=None)))
    scene = Scene(plan)
    scene.explanation = next_explanation(model)
    return _question_of(scene)


def _question_of(scene: Scene) -> Question:
    question = scene.question()
    assert question is not None
    return question


def quiz_question(model: LabModel) -> Question | None:
    """Quiz mode's question before the next sub-step: its own main value (a neuron's
    output, the error, a gradient; for the update the selected parameter's new value, else
    the first one's), at the digits the derivation shows; None when there is nothing to
    predict."""
    tree = next_explanation(model)
    if tree is None:
        return None
    quantity: str | None = None
    updates = [q for q in result_quantities(tree) if q.startswith("new ")]
    if updates:
        # The update reveals every parameter: ask for the selected one, else the first.
        selected = getattr(model.selection, "name", None)
        quantity = f"new {selected}" if f"new {selected}" in updates else updates[0]
    try:
        return ask(tree, quantity, digits=model.digits)
    except (KeyError, ValueError):
        return None


__all__ = ["REVEALS", "Waiting", "next_explanation", "quiz_question", "step_question",
           "waiting_for"]
