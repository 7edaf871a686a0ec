"""A lesson step applied in the engine: the stepper moved, the descent taken, the question
with the engine's answer, and the numbers the step's text states.

:func:`enact` does, without Qt, what the lesson player does through the model for a
:class:`~simulator.engine.lesson.StepPlan`: open the document (a trainer and a stepper on
it), run the iterations, take sub-steps up to the step's position; make the function's
descent and take its steps, with the pirate beside it. The resulting :class:`Scene`
answers the step's question (:meth:`Scene.question`, a
:class:`~simulator.engine.quiz.Question` graded by :func:`~simulator.engine.quiz.grade`),
reads any quantity a check names (:meth:`Scene.value`) and checks them all
(:func:`check_failures`). The tests walk every shipped lesson with it.

Predict, then reveal: :meth:`Scene.pending` moves to where the question is asked with
its value not on screen yet (a network step one sub-step before its position, or before
its iterations are run; a function step as it is), and :meth:`Scene.reveal` moves back
to the step's position (for a function's "new x", takes that step). The player does the
same through the model: apply the plan, step back once (or stay at the start), ask,
grade, step forward (or run).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .explain import explain_substep
from .explanation import (
    COMPUTED,
    GIVEN,
    Equation,
    Explanation,
    Group,
    Num,
    Op,
    Subject,
    Sym,
    equations,
    tokens_numbers,
)
from .function import Descent, PirateWalk, parse_function, pirate_for
from .health import gradient_sizes, health_pass
from .lesson import GRADIENT_SIZE, LessonError, StepPlan
from .numbers import format_number
from .quiz import (
    Mistake,
    Question,
    choice_question,
    direction_question,
    sign_question,
    value_question,
)
from .stepper import Stepper
from .training import Trainer

#: The pirate's seed in a lesson (the function view's default).
PIRATE_SEED = 0
#: "loss jitter" is the mean change of the loss from one iteration to the next over at most
#: this many of the last iterations.
JITTER_WINDOW = 100


@dataclass
class Scene:
    """A step applied in the engine (see the module docstring)."""

    plan: StepPlan
    trainer: Trainer | None = None
    stepper: Stepper | None = None
    descent: Descent | None = None
    pirate: PirateWalk | None = None
    #: The explanation of the sub-step the stepper stands on (None between iterations).
    explanation: Explanation | None = None
    _function_tree: Explanation | None = field(default=None, repr=False)
    _question: Question | None = field(default=None, repr=False)
    _pending: bool = field(default=False, repr=False)

    # --- the function view's numbers ----------------------------------------------------------

    def function_explanation(self) -> Explanation:
        """f, its partial derivatives and the next step where the descent stands, as an
        explanation tree (what a function question is asked from)."""
        if self._function_tree is not None:
            return self._function_tree
        descent = self.descent
        if descent is None:
            raise LessonError(f"{self.plan.label}: no function is open")
        fn = descent.function
        here = descent.current
        where = fn.describe_point(here.point)
        blocks: list[Equation] = [Equation(Sym("f"), (Op(fn.text),), (),
                                           Num(here.value, COMPUTED, "f"), main=True,
                                           qualifier=f"at {where}")]
        derivatives = fn.derivatives
        for v, g in zip(fn.variables, here.gradient):
            text = derivatives[v].text if v in derivatives else None
            blocks.append(Equation(Sym(f"df/d{v}"), (Op(text),) if text else (), (),
                                   Num(g, COMPUTED, f"df/d{v}"), main=True))
        step = descent.step()
        if step is not None:
            descent.back()
            config = descent.config
            for i, v in enumerate(fn.variables):
                move = (Num(here.gradient[i], COMPUTED, f"df/d{v}") if config.optimizer == "gd"
                        else Num(step.direction[i], COMPUTED, f"step({v})"))
                blocks.append(Equation(
                    Sym(v), (), (Group((Num(here.point[i], GIVEN, v), Op(" - "),
                                        Num(config.learning_rate, GIVEN, "lr"), Op(" * "),
                                        move)),),
                    Num(step.after.point[i], COMPUTED, f"new {v}"),
                    Subject("parameter", v), main=True, relation="<-"))
        self._function_tree = Explanation(f"f at {where}", tuple(blocks), here.value)
        return self._function_tree

    # --- predict, then reveal ------------------------------------------------------------------

    def pending(self) -> Question | None:
        """Move to where the student stands while the step's question waits for an answer,
        and return the question (its answer is the one at the step's own position): a
        network step one sub-step before its position (or, at an iteration, before the
        iterations are run); a function step as it is (a "new x" is revealed by the next
        step). None, and nothing moves, when the step has no question."""
        question = self.question()
        if question is None or self._pending:
            return question
        q = self.plan.question
        assert q is not None
        pos = self.plan.position
        if q.on == "network" and self.stepper is not None and self.trainer is not None:
            if pos.substep is not None:
                self.stepper.step_back()
                current = self.stepper.current
                self.explanation = (explain_substep(self.stepper.iteration, current,
                                                    self.trainer.config)
                                    if current is not None else None)
            elif pos.iteration:
                self.stepper.go_to(0)
        self._pending = True
        return question

    def reveal(self) -> None:
        """Show the answer: back to the step's position (the sub-step taken, the iterations
        run), or for a function question on the next step, that step taken."""
        if not self._pending:
            return
        self._pending = False
        q = self.plan.question
        assert q is not None
        pos = self.plan.position
        if q.on == "network" and self.stepper is not None and self.trainer is not None:
            if pos.substep is not None:
                self.stepper.step()
                current = self.stepper.current
                assert current is not None
                self.explanation = explain_substep(self.stepper.iteration, current,
                                                   self.trainer.config)
            elif pos.iteration:
                self.stepper.run(pos.iteration)
        elif q.on == "function" and self.descent is not None and \
                q.quantity.startswith("new "):
            self.descent.step()
            self._function_tree = None

    # --- the question --------------------------------------------------------------------------

    def question(self) -> Question | None:
        """The step's question with the engine's answer (None when it has none)."""
        q = self.plan.question
        if q is None:
            return None
        if self._question is not None:
            return self._question
        self._question = self._make_question()
        return self._question

    def _make_question(self) -> Question:
        q = self.plan.question
        assert q is not None
        if q.kind == "choice":
            assert q.answer is not None
            feedback = {q.choices.index(str(m.value)): m.feedback for m in q.mistakes}
            return choice_question(q.prompt, q.choices, q.answer, q.explanation, feedback)
        if q.on == "network":
            tree = self.explanation
            if tree is None:
                raise LessonError(f"{self.plan.label}: question: the stepper is not on a "
                                  "sub-step")
        else:
            tree = self.function_explanation()
        maker = {"value": value_question, "sign": sign_question,
                 "direction": direction_question}[q.kind]
        try:
            question = maker(tree, q.quantity, q.digits, q.prompt, q.explanation)
        except KeyError:
            raise LessonError(f"{self.plan.label}: question.quantity: {q.quantity} is not "
                              "shown at this step") from None
        return question.with_mistakes([*q.mistakes, *self._slips(q.quantity)])

    def _slips(self, quantity: str) -> list[Mistake]:
        """The original lesson's slips the function example records at this point."""
        scene, descent = self.plan.function, self.descent
        if scene is None or descent is None or self.plan.question is None \
                or self.plan.question.on != "function":
            return []
        here = dict(zip(scene.variables, descent.current.point))
        return [Mistake(float(s.claimed), s.text, "slip") for s in scene.slips
                if s.claimed is not None and s.quantity == quantity and s.at == here]

    # --- any number a step states --------------------------------------------------------------

    def value(self, quantity: str, on: str = "network") -> float:
        """The engine's value of a check's ``quantity`` (see the lesson README)."""
        if on == "function":
            return self._function_value(quantity)
        stepper, trainer = self.stepper, self.trainer
        if stepper is None or trainer is None:
            raise LessonError(f"{self.plan.label}: no network is open")
        params = stepper.params
        if self.explanation is not None:
            shown = tree_value(self.explanation, quantity)
            if shown is not None:
                return shown
        net = trainer.network
        if quantity in net.index_of:
            return float(params[net.index_of[quantity]])
        neuron = _neuron_value(stepper, quantity)
        if neuron is not None:
            return neuron
        if quantity.startswith(GRADIENT_SIZE):
            layer = int(quantity[len(GRADIENT_SIZE):])
            return gradient_sizes(health_pass(trainer, params))[layer - 1].size
        best = stepper.test_history.best
        values: dict[str, float | None] = {
            "loss": trainer.dataset_loss(params),
            "iteration": float(stepper.completed_iterations),
            "epoch": float(stepper.current_state.epoch),
            "best test iteration": None if best is None else float(best.iteration),
            "best test loss": None if best is None else best.loss,
        }
        if quantity in values:
            found = values[quantity]
        elif quantity == "test loss":
            found = trainer.test_loss(params)
        elif quantity == "accuracy":
            found = trainer.accuracy(params)
        elif quantity == "test accuracy":
            found = trainer.test_accuracy(params)
        elif quantity == "loss jitter":
            recent = np.asarray(stepper.losses[-JITTER_WINDOW - 1:])
            found = float(np.mean(np.abs(np.diff(recent)))) if recent.size > 1 else None
        else:
            raise LessonError(f"{self.plan.label}: unknown quantity {quantity!r}")
        if found is None:
            raise LessonError(f"{self.plan.label}: {quantity} has no value here")
        return float(found)

    def _function_value(self, quantity: str) -> float:
        descent = self.descent
        if descent is None:
            raise LessonError(f"{self.plan.label}: no function is open")
        here = descent.current
        names = descent.variables
        if quantity == "pirate f":
            if self.pirate is None:
                raise LessonError(f"{self.plan.label}: the pirate is not walking here")
            return self.pirate.values[-1]
        if quantity in names:
            return here.point[names.index(quantity)]
        tree = self.function_explanation()
        for prefix in ("step ", "ratio "):
            name = quantity.removeprefix(prefix)
            if quantity.startswith(prefix) and name in names:
                new = tree_value(tree, f"new {name}")
                old = here.point[names.index(name)]
                if new is None:
                    return math.nan
                if prefix == "step ":
                    return abs(new - old)
                return new / old if old else math.nan
        found = tree_value(tree, quantity)
        if found is None:
            raise LessonError(f"{self.plan.label}: unknown quantity {quantity!r}")
        return found


def tree_value(tree: Explanation, quantity: str) -> float | None:
    """The value an explanation shows for ``quantity``: a result (the last main one), else
    a number in a formula; None when it shows none."""
    try:
        return value_question(tree, quantity).value
    except KeyError:
        pass
    for eq in equations(tree):
        for num in [*tokens_numbers(eq.formula), *tokens_numbers(eq.numbers)]:
            if num.quantity == quantity:
                return num.value
    return None


def _neuron_value(stepper: Stepper, quantity: str) -> float | None:
    """``netH1`` or ``outH1``: the first sample's, in the current iteration."""
    net = stepper.trainer.network
    for prefix in ("net", "out"):
        if not quantity.startswith(prefix):
            continue
        name = quantity[len(prefix):]
        for layer in range(1, len(net.sizes)):
            if name in net.neurons[layer]:
                j = net.neurons[layer].index(name)
                fp = stepper.iteration.backward.forward
                array = fp.nets[layer - 1] if prefix == "net" else fp.outs[layer]
                return float(array[0, j])
    return None


def enact(plan: StepPlan) -> Scene:
    """Apply ``plan`` in the engine (see the module docstring). :class:`LessonError` when
    the engine cannot reach the step's position (training diverges on the way, the
    descent stops before its steps)."""
    scene = Scene(plan)
    if plan.document is not None:
        trainer = Trainer.for_document(plan.document)
        stepper = Stepper(trainer)
        pos = plan.position
        if pos.iteration:
            result = stepper.run(pos.iteration)
            if result.steps != pos.iteration:
                why = stepper.divergence.message if stepper.divergence else "it stopped"
                raise LessonError(f"{plan.label}: at.iteration: training cannot reach "
                                  f"iteration {pos.iteration}: {why}")
        if pos.substep is not None:
            for _ in range(len(stepper.substeps)):
                sub = stepper.step()
                if sub is None:
                    why = stepper.divergence.message if stepper.divergence else "it stopped"
                    raise LessonError(f"{plan.label}: at: the stepper cannot get there: {why}")
                if (sub.stage, sub.target) == pos.substep:
                    break
        current = stepper.current
        if current is not None and pos.substep is not None:
            scene.explanation = explain_substep(stepper.iteration, current, trainer.config)
        scene.trainer, scene.stepper = trainer, stepper
    if plan.function is not None:
        fs = plan.function
        descent = Descent(fs.function(), fs.start, fs.config())
        taken = descent.run(fs.steps)
        if taken != fs.steps:
            why = descent.stop.message if descent.stop else "it stopped"
            raise LessonError(f"{plan.label}: function.steps: the descent cannot take "
                              f"{fs.steps} steps: {why}")
        scene.descent = descent
        if fs.pirate:
            scene.pirate = pirate_for(descent, PIRATE_SEED)
    return scene


def check_failures(scene: Scene) -> list[str]:
    """The step's checks that the engine does not confirm, each as a sentence (empty when
    every number the step states is the engine's)."""
    failures: list[str] = []
    for check in scene.plan.checks:
        try:
            engine = (parse_function(check.formula).value(()) if check.formula
                      else scene.value(check.quantity, check.on))
        except LessonError as exc:
            failures.append(str(exc))
            continue
        stated = format_number(check.value, check.digits)
        computed = format_number(engine, check.digits) if math.isfinite(engine) else str(engine)
        if check.wrong and stated == computed:
            failures.append(f"{scene.plan.label}: {check.quantity or check.formula} is "
                            f"{computed}, which the lesson quotes as a mistake")
        elif not check.wrong and stated != computed:
            failures.append(f"{scene.plan.label}: {check.quantity or check.formula} is "
                            f"{computed} at {check.digits} digits, the lesson says {stated}")
    return failures


__all__ = ["JITTER_WINDOW", "PIRATE_SEED", "Scene", "check_failures", "enact", "tree_value"]
