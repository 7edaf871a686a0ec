"""Lesson files: a lesson is data, read here into validated plans the player applies.

The format is documented for authors in ``resources/lessons/README.md``. In short::

    {"format": "backprop-lab-lesson", "version": 1, "id": "mechanics",
     "title": "...", "summary": "...", "questions": true,
     "steps": [{"title": "...", "text": "...", "notes": "...",
                "network": "reference.json",             or an inline document
                "function": {"example": "lesson-sine", "view": "curve", ...},
                "data": {"generator": "gaussian", "samples": 40, ...},
                "training": {"learning_rate": 0.5, "optimizer": "sgd", ...},
                "at": {"iteration": 0, "stage": "backward", "target": "w5"},
                "show": ["canvas", "derivation"],
                "surface": {"axes": ["w5", "w6"]},
                "question": {"kind": "value", "quantity": "outH1", ...},
                "checks": [{"quantity": "new w5", "value": 0.1792705, "digits": 7}]}]}

A file is read like a document (:mod:`simulator.engine.document`): checked before it is
read (a regular file of at most :data:`~simulator.engine.limits.MAX_LESSON_BYTES`), parsed
as JSON with duplicate keys, NaN and overflowing numbers refused by field, and validated
whole. A bad file gets **one** :class:`LessonError`, on one line, naming the file, the
step (number and title) and the field; nothing else escapes the loader.

Loading also *plans* every step (:class:`StepPlan`): what is on screen then, absolutely,
so that the player can jump to any step and come back. Steps carry what came before: a
step that opens nothing shows the network (with its data and training settings) and the
function of the step before it. Each plan is validated against the document it opens:
the sub-step it moves to exists, the parameters it names exist, the quantity its question
asks is revealed by its sub-step. :mod:`simulator.engine.lesson_scene` applies a plan in
the engine (the tests walk every shipped lesson with it); the Qt player applies the same
plan through the model.
"""

from __future__ import annotations

import json
import math
import os
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import datasets, strict_json
from . import document as doc_io
from .document import Document, DocumentError
from .edits import set_data, set_training
from .explain import explain_substep
from .explanation import Explanation, equations, tokens_numbers
from .files import UnreadableFile, read_text
from .function import (
    DESCENT_OPTIMIZERS,
    MAX_DESCENT_STEPS,
    ExampleError,
    ExpressionError,
    Function,
    FunctionExample,
    load_examples,
    parse_function,
)
from .function.examples import Slip
from .lesson_markup import MarkupError, check_markup
from .limits import (
    DEFAULT_DIGITS,
    MAX_ABS_VALUE,
    MAX_DIGITS,
    MAX_LEARNING_RATE,
    MAX_LESSON_BYTES,
    MAX_LESSON_CHOICES,
    MAX_LESSON_ITERATIONS,
    MAX_LESSON_STEPS,
    MAX_LESSON_TEXT,
    MAX_NAME_LENGTH,
    MAX_SAMPLES,
    MAX_SEED,
    MIN_DIGITS,
    MIN_LEARNING_RATE,
    MIN_SEED,
)
from .network import NetworkError
from .numbers import format_bound
from .optimizers import OptimizerError, TrainingConfig
from .quiz import DIRECTIONS, QUESTION_KINDS, SIGNS, Mistake, result_quantities
from .stepper import STAGES, Iteration, SubStep, plan_substeps
from .strict_json import Unreadable
from .surface.spec import SurfaceError, SurfaceSpec
from .text import printable
from .training import Trainer

FORMAT = "backprop-lab-lesson"
#: The newest version this Backprop Lab reads.
VERSION = 1
#: What a step can put on screen.
VIEWS: tuple[str, ...] = ("canvas", "derivation", "surface", "loss", "function", "boundary")
#: The views that show the network (they need a document).
NETWORK_VIEWS = frozenset({"canvas", "derivation", "surface", "loss", "boundary"})
#: The function view's modes: one variable as a curve (with its tangent), two as a
#: surface or contours, any as the computational graph.
FUNCTION_VIEWS: tuple[str, ...] = ("curve", "surface", "contour", "graph")
#: The named quantities a network step's checks may read (besides the sub-step's results
#: and the parameters): see :func:`simulator.engine.lesson_scene.Scene.value`.
NETWORK_CHECKS: tuple[str, ...] = ("loss", "test loss", "best test iteration",
                                   "best test loss", "epoch", "iteration", "accuracy",
                                   "test accuracy", "loss jitter")
#: "gradient size K" (K = 1 for the first layer after the inputs) is a check too.
GRADIENT_SIZE = "gradient size "

LESSON_KEYS = frozenset({"format", "version", "id", "title", "summary", "questions", "steps"})
STEP_KEYS = frozenset({"title", "text", "notes", "network", "function", "data", "training",
                       "at", "show", "surface", "question", "checks"})
FUNCTION_KEYS = frozenset({"example", "expression", "point", "view", "learning_rate",
                           "optimizer", "steps", "pirate", "range"})
DATA_KEYS = frozenset({"generator", "samples", "noise", "seed", "test_fraction", "one_hot"})
TRAINING_KEYS = frozenset({"learning_rate", "optimizer", "batch_size", "seed", "momentum",
                           "beta1", "beta2", "eps", "l1", "l2"})
AT_KEYS = frozenset({"iteration", "stage", "target"})
SURFACE_KEYS = frozenset({"axes", "x_range", "y_range", "seed"})
QUESTION_KEYS = frozenset({"kind", "prompt", "quantity", "digits", "choices", "answer",
                           "mistakes", "explanation"})
MISTAKE_KEYS = frozenset({"answer", "feedback"})
CHECK_KEYS = frozenset({"quantity", "formula", "value", "digits", "wrong"})


class LessonError(ValueError):
    """A lesson that cannot be loaded; the message names the file, the step and the field,
    on one line."""

    def __init__(self, message: str) -> None:
        super().__init__(printable(str(message)))


# --- plans -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Position:
    """Where the stepper stands: after ``iteration`` completed iterations, then (when
    ``stage`` is given) with the sub-step (``stage``, ``target``) of the next one taken.
    Without a stage and at iteration 0 nothing has been taken."""

    iteration: int = 0
    stage: str | None = None
    target: str | None = None

    @property
    def substep(self) -> tuple[str, str] | None:
        """(stage, target), or None when the position is between iterations."""
        if self.stage is None or self.target is None:
            return None
        return self.stage, self.target


@dataclass(frozen=True)
class FunctionScene:
    """The function view of a step: the expression (or the built-in example it comes
    from), the start point, the view mode, the optimizer and the steps already taken, and
    whether the pirate walks beside the descent."""

    expression: str
    variables: tuple[str, ...]
    start: tuple[float, ...]
    view: str
    learning_rate: float
    optimizer: str
    steps: int
    pirate: bool
    example: str | None = None
    ranges: tuple[tuple[float, float], ...] | None = None
    slips: tuple[Slip, ...] = ()

    def function(self) -> Function:
        """The parsed expression."""
        return parse_function(self.expression)

    def config(self) -> TrainingConfig:
        """The optimizer's settings."""
        return TrainingConfig(optimizer=self.optimizer, learning_rate=self.learning_rate)


@dataclass(frozen=True)
class SurfaceView:
    """The cost surface's axes: two parameters (``axes``), or two random directions from
    ``seed`` (``axes`` None); ranges None leave the view's own."""

    axes: tuple[str, str] | None
    x_range: tuple[float, float] | None = None
    y_range: tuple[float, float] | None = None
    seed: int = 0


@dataclass(frozen=True)
class LessonQuestion:
    """A step's question as the file writes it; :mod:`~simulator.engine.lesson_scene`
    turns it into a :class:`~simulator.engine.quiz.Question` with the engine's answer.
    ``on`` is "network" or "function": what the question is about."""

    kind: str
    prompt: str
    on: str
    quantity: str = ""
    digits: int = DEFAULT_DIGITS
    choices: tuple[str, ...] = ()
    answer: int | None = None
    mistakes: tuple[Mistake, ...] = ()
    explanation: str = ""


@dataclass(frozen=True)
class Check:
    """A number a step's text states: ``quantity`` (see the README) equals ``value`` at
    ``digits`` significant digits; with ``wrong``, the text quotes it as a mistake (the
    original's 0.1807289) and it must *differ* from the engine's. Arithmetic the text does
    on given numbers is a ``formula`` instead of a quantity ("1 - 2*0.01" for 0.98),
    computed by the function lab's parser. The tests check them all."""

    quantity: str
    value: float
    digits: int = DEFAULT_DIGITS
    on: str = "network"
    wrong: bool = False
    formula: str = ""


@dataclass(frozen=True)
class StepPlan:
    """Everything a step puts on screen, absolutely (see the module docstring).

    ``document`` is the network (with the data and training settings the steps so far
    chose; the same object as the step before's when nothing changed), ``function`` the
    function view's settings, ``position`` where the stepper stands, ``show`` the views
    on screen, ``opens`` what this step itself opens or changes ("network", "function",
    "data", "training").
    """

    index: int
    title: str
    text: str
    notes: str
    document: Document | None
    document_source: str
    function: FunctionScene | None
    position: Position
    show: tuple[str, ...]
    surface: SurfaceView | None
    question: LessonQuestion | None
    checks: tuple[Check, ...]
    opens: tuple[str, ...]

    @property
    def label(self) -> str:
        """How messages name the step: ``step 3 ("The error")``."""
        return f'step {self.index + 1} ("{printable(self.title, 60)}")'


@dataclass(frozen=True)
class Lesson:
    """A loaded, validated lesson."""

    id: str
    title: str
    summary: str
    questions: bool
    steps: tuple[StepPlan, ...]
    path: Path | None = None


# --- reading JSON ------------------------------------------------------------------------------

def parse_json(text: str, name: str) -> Any:
    """The JSON value of a lesson file's ``text`` (:func:`~.strict_json.loads`, NaN and
    Infinity marked too); :class:`LessonError` for invalid JSON or a key given twice (named
    by its field path)."""
    try:
        return strict_json.loads(text, constants_unreadable=True)
    except json.JSONDecodeError as exc:
        raise LessonError(f"{name}: not valid JSON (line {exc.lineno}, column {exc.colno}: "
                          f"{exc.msg})") from None
    except RecursionError:
        raise LessonError(f"{name}: nested too deeply to be a lesson") from None
    except MemoryError:
        raise LessonError(f"{name}: too large to read") from None
    except strict_json.DuplicateKey as exc:
        raise LessonError(f"{name}: {_field_label(exc.path, exc.root)}: the field appears "
                          "more than once (each field may be given only once)") from None


def _field_label(path: str, raw: Any) -> str:
    """``steps[2].question.kind`` as a message names it: ``step 3 ("Title"): question.kind``
    (the title when the step has one)."""
    if path.startswith("steps["):
        index, _, rest = path[6:].partition("]")
        if index.isdigit():
            step = f"step {int(index) + 1}"
            steps = raw.get("steps") if isinstance(raw, dict) else None
            if isinstance(steps, list) and int(index) < len(steps) \
                    and isinstance(steps[int(index)], dict):
                title = steps[int(index)].get("title")
                if isinstance(title, str) and title.strip():
                    step += f' ("{printable(title, 60)}")'
            rest = rest.lstrip(".")
            return f"{step}: {rest}" if rest else step
    return path


# --- loading -----------------------------------------------------------------------------------

def load_lesson(path: str | os.PathLike[str]) -> Lesson:
    """Read, validate and plan a lesson file (see the module docstring)."""
    p = Path(path)
    name = printable(p.name or str(p), 80)
    try:
        text = read_text(p, MAX_LESSON_BYTES)
    except UnreadableFile as exc:
        raise LessonError(f"{name}: {exc}") from None
    lesson = lesson_from_dict(parse_json(text, name), name)
    return Lesson(lesson.id, lesson.title, lesson.summary, lesson.questions, lesson.steps, p)


def loads_lesson(text: str, name: str = "lesson") -> Lesson:
    """A lesson from JSON text (``name`` is how messages call it)."""
    if len(text) > MAX_LESSON_BYTES:
        raise LessonError(f"{name}: too large to be a lesson")
    return lesson_from_dict(parse_json(text, name), name)


def lesson_from_dict(raw: Any, name: str = "lesson") -> Lesson:
    """Validate and plan a parsed lesson."""
    where = _Where(name)
    if not isinstance(raw, dict):
        raise where.error("", "not a Backprop Lab lesson (expected a JSON object)")
    if raw.get("format") != FORMAT:
        raise where.error("format", f"not a Backprop Lab lesson (format must be '{FORMAT}')")
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise where.error("version", f"must be a whole number of at least 1, not "
                                     f"{_show(version)}")
    if version > VERSION:
        raise where.error("version", f"the lesson is version {version}, made by a newer "
                                     f"Backprop Lab; this one reads version {VERSION}")
    where.keys(raw, LESSON_KEYS, "")
    ident = where.text(raw.get("id"), "id", 64)
    if not all((c.isalnum() and c.isascii()) or c in "-_" for c in ident):
        raise where.error("id", "must be letters, digits, - and _ only")
    title = where.text(raw.get("title"), "title", MAX_NAME_LENGTH)
    summary = where.text(raw.get("summary", ""), "summary", MAX_LESSON_TEXT, required=False)
    questions = raw.get("questions", True)
    if not isinstance(questions, bool):
        raise where.error("questions", f"must be true or false, not {_show(questions)}")
    steps = raw.get("steps")
    if not isinstance(steps, list) or not steps:
        raise where.error("steps", "must be a non-empty list of steps")
    if len(steps) > MAX_LESSON_STEPS:
        raise where.error("steps", f"at most {MAX_LESSON_STEPS} steps, got {len(steps)}")
    return Lesson(ident, title, summary, questions, _plan_steps(steps, name))


# --- validation helpers ------------------------------------------------------------------------

class _Where:
    """Makes the one message of a refusal: the file, the step, the field."""

    def __init__(self, name: str, index: int | None = None, title: str = "") -> None:
        self.name, self.index, self.title = name, index, title

    def step(self, index: int, title: str = "") -> _Where:
        return _Where(self.name, index, title)

    def error(self, fieldname: str, problem: str) -> LessonError:
        parts = [self.name]
        if self.index is not None:
            step = f"step {self.index + 1}"
            if self.title:
                step += f' ("{printable(self.title, 60)}")'
            parts.append(step)
        if fieldname:
            parts.append(fieldname)
        return LessonError(": ".join(parts) + f": {problem}")

    def keys(self, obj: dict[str, Any], known: Iterable[str], path: str) -> None:
        unknown = sorted((k for k in obj if k not in known), key=str)
        if unknown:
            label = f"{path}.{printable(str(unknown[0]), 40)}" if path else \
                printable(str(unknown[0]), 40)
            raise self.error(label, f"unknown field (known: {', '.join(sorted(known))})")

    def obj(self, value: Any, fieldname: str, known: Iterable[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(fieldname, f"must be an object, not {_show(value)}")
        self.keys(value, known, fieldname)
        return value

    def text(self, value: Any, fieldname: str, limit: int, required: bool = True) -> str:
        if not isinstance(value, str):
            raise self.error(fieldname, "missing" if value is None else
                             f"must be text, not {_show(value)}")
        if required and not value.strip():
            raise self.error(fieldname, "must not be empty")
        if len(value) > limit:
            raise self.error(fieldname, f"longer than {limit} characters ({len(value)})")
        for i, ch in enumerate(value):
            if ch not in "\n\t" and unicodedata.category(ch) in ("Cc", "Cs"):
                raise self.error(fieldname, f"must not hold control characters (found "
                                            f"{printable(ch)} at character {i + 1})")
        return value

    def markup(self, value: Any, fieldname: str, limit: int = MAX_LESSON_TEXT,
               required: bool = True) -> str:
        text = self.text(value, fieldname, limit, required)
        try:
            check_markup(text)
        except MarkupError as exc:
            raise self.error(fieldname, str(exc)) from None
        return text

    def number(self, value: Any, fieldname: str, lo: float = -MAX_ABS_VALUE,
               hi: float = MAX_ABS_VALUE) -> float:
        if isinstance(value, Unreadable):
            raise self.error(fieldname, f"must be a finite number, not {value!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(fieldname, f"must be a number, not {_show(value)}")
        v = float(value)
        if not math.isfinite(v) or not lo <= v <= hi:
            raise self.error(fieldname, f"must be from {format_bound(lo)} to "
                                        f"{format_bound(hi)}, not {_show(value)}")
        return v

    def integer(self, value: Any, fieldname: str, lo: int, hi: int) -> int:
        if not _is_int(value) or not lo <= value <= hi:
            raise self.error(fieldname, f"must be a whole number from {lo} to {hi}, not "
                                        f"{_show(value)}")
        return int(value)

    def flag(self, value: Any, fieldname: str) -> bool:
        if not isinstance(value, bool):
            raise self.error(fieldname, f"must be true or false, not {_show(value)}")
        return value

    def pair(self, value: Any, fieldname: str) -> tuple[float, float]:
        if not isinstance(value, list) or len(value) != 2:
            raise self.error(fieldname, "must be [low, high]")
        lo = self.number(value[0], f"{fieldname}[0]")
        hi = self.number(value[1], f"{fieldname}[1]")
        if not lo < hi:
            raise self.error(fieldname, f"low must be below high, not [{_show(value[0])}, "
                                        f"{_show(value[1])}]")
        return lo, hi


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _show(value: Any) -> str:
    if isinstance(value, Unreadable):
        return repr(value)
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, str):
        return f'"{printable(value, 40)}"'
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int) and abs(value) >= 10**20:
        return f"a {len(str(abs(value)))}-digit number"
    return printable(repr(value), 40)


def _bad_inside(value: Any, path: str) -> str | None:
    """The path of the first NaN, Infinity or overflowing number inside ``value``."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, Unreadable):
            return where
        if isinstance(item, dict):
            stack.extend((v, f"{where}.{printable(str(k), 40)}") for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(item))
    return None


# --- the steps ---------------------------------------------------------------------------------

@dataclass
class _Carried:
    """What a step inherits from the steps before it."""

    document: Document | None = None
    source: str = ""
    function: FunctionScene | None = None
    show: tuple[str, ...] = ()
    # Iteration 0 of the current document, for checking the names a question asks.
    iteration: Iteration | None = field(default=None, repr=False)


def _plan_steps(steps: list[Any], name: str) -> tuple[StepPlan, ...]:
    carried = _Carried()
    plans: list[StepPlan] = []
    for index, raw in enumerate(steps):
        where = _Where(name).step(index)
        if not isinstance(raw, dict):
            raise where.error("", f"must be an object, not {_show(raw)}")
        title = raw.get("title")
        if isinstance(title, str) and title.strip():
            where = where.step(index, title)
        plans.append(_plan_step(index, raw, where, carried))
    return tuple(plans)


def _plan_step(index: int, raw: dict[str, Any], where: _Where, carried: _Carried) -> StepPlan:
    where.keys(raw, STEP_KEYS, "")
    title = where.text(raw.get("title"), "title", MAX_NAME_LENGTH)
    text = where.markup(raw.get("text"), "text")
    notes = where.markup(raw.get("notes", ""), "notes", required=False)
    opens: list[str] = []
    if "network" in raw:
        carried.document, carried.source = _network(raw["network"], where)
        carried.iteration = None
        opens.append("network")
    if "function" in raw:
        carried.function = _function(raw["function"], where)
        opens.append("function")
    if "data" in raw:
        carried.document = _data(raw["data"], carried.document, where)
        carried.iteration = None
        opens.append("data")
    if "training" in raw:
        carried.document = _training(raw["training"], carried.document, where)
        carried.iteration = None
        opens.append("training")
    if index == 0 and carried.document is None and carried.function is None:
        raise where.error("", "the first step must open a network or a function")
    show = _show_field(raw, opens, carried, where)
    doc = carried.document
    position = _position(raw["at"], doc, where) if "at" in raw else Position()
    surface = _surface(raw["surface"], doc, where) if "surface" in raw else None
    on = "function" if "function" in show else "network"
    question = None
    if "question" in raw:
        question = _question(raw["question"], on, position, carried, where)
    checks = _checks(raw.get("checks", []), on, position, carried, where)
    return StepPlan(index, title, text, notes, doc, carried.source, carried.function,
                    position, show, surface, question, checks, tuple(opens))


def _network(value: Any, where: _Where) -> tuple[Document, str]:
    if isinstance(value, str):
        return _example_document(value, where), value
    if isinstance(value, dict):
        bad = _bad_inside(value, "network")
        if bad is not None:
            raise where.error(bad, "must be a finite number")
        try:
            return doc_io.from_dict(value), "inline"
        except DocumentError as exc:
            raise where.error("network", str(exc)) from None
    raise where.error("network", "must name an example file (\"reference.json\") or hold a "
                                 f"document, not {_show(value)}")


def _example_document(name: str, where: _Where) -> Document:
    from ..resources import resource_path

    if not name.endswith(".json") or "/" in name or "\\" in name or name.startswith("."):
        raise where.error("network", f"must be the name of a file in resources/examples/, such "
                                     f"as \"reference.json\", not {_show(name)}")
    try:
        path = resource_path("examples", name)
    except ValueError:
        raise where.error("network", f"{_show(name)} is not a file in resources/examples/") \
            from None
    try:
        return doc_io.load(path)
    except DocumentError as exc:
        raise where.error("network", f"resources/examples/{exc}") from None


@lru_cache(maxsize=1)
def _function_examples() -> dict[str, FunctionExample]:
    return {ex.id: ex for ex in load_examples()}


def _function(value: Any, where: _Where) -> FunctionScene:
    spec = where.obj(value, "function", FUNCTION_KEYS)
    example: FunctionExample | None = None
    if ("example" in spec) == ("expression" in spec):
        raise where.error("function", "give either an example (its id) or an expression")
    if "example" in spec:
        ident = where.text(spec["example"], "function.example", 64)
        try:
            examples = _function_examples()
        except ExampleError as exc:
            raise where.error("function.example", f"the built-in examples cannot be read "
                                                  f"({exc})") from None
        example = examples.get(ident)
        if example is None:
            raise where.error("function.example", f"unknown example {_show(ident)} (known: "
                                                  f"{', '.join(examples)})")
        expression = example.expression
    else:
        expression = where.text(spec["expression"], "function.expression", 4000)
    try:
        fn = parse_function(expression)
    except ExpressionError as exc:
        raise where.error("function.expression", str(exc)) from None
    names = fn.variables
    if "point" in spec:
        point = where.obj(spec["point"], "function.point", names)
        missing = [v for v in names if v not in point]
        if missing:
            raise where.error("function.point", f"no value for {', '.join(missing)} (the "
                                                f"variables are {', '.join(names)})")
        start = tuple(where.number(point[v], f"function.point.{v}") for v in names)
    elif example is not None:
        start = tuple(float(example.start[v]) for v in names)
    else:
        raise where.error("function.point", "missing (the start point, e.g. {\"x\": 3})")
    default_view = "curve" if len(names) == 1 else "surface" if len(names) == 2 else "graph"
    view = spec.get("view", default_view)
    if view not in FUNCTION_VIEWS:
        raise where.error("function.view", f"unknown view {_show(view)} (known: "
                                           f"{', '.join(FUNCTION_VIEWS)})")
    if view == "curve" and len(names) != 1:
        raise where.error("function.view", f"a curve shows a function of one variable; "
                                           f"{expression} has {len(names)}")
    if view in ("surface", "contour") and len(names) != 2:
        raise where.error("function.view", f"a {view} shows a function of two variables; "
                                           f"{expression} has {len(names)}")
    lr = where.number(spec["learning_rate"], "function.learning_rate", MIN_LEARNING_RATE,
                      MAX_LEARNING_RATE) if "learning_rate" in spec else (
        example.learning_rate if example is not None else 0.1)
    optimizer = spec.get("optimizer", example.optimizer if example is not None else "gd")
    if optimizer not in DESCENT_OPTIMIZERS:
        raise where.error("function.optimizer", f"must be one of "
                                                f"{', '.join(DESCENT_OPTIMIZERS)}, not "
                                                f"{_show(optimizer)}")
    steps = where.integer(spec.get("steps", 0), "function.steps", 0, MAX_DESCENT_STEPS)
    pirate = where.flag(spec.get("pirate", False), "function.pirate")
    ranges: tuple[tuple[float, float], ...] | None = None
    if "range" in spec:
        r = where.obj(spec["range"], "function.range", names)
        if set(r) != set(names):
            raise where.error("function.range", f"must give [low, high] for each of "
                                                f"{', '.join(names)}")
        ranges = tuple(where.pair(r[v], f"function.range.{v}") for v in names)
    elif example is not None:
        ranges = tuple(example.range[v] for v in names)
    slips = example.slips if example is not None else ()
    return FunctionScene(expression, names, start, view, lr, optimizer, steps, pirate,
                         example.id if example is not None else None, ranges, slips)


def _data(value: Any, doc: Document | None, where: _Where) -> Document:
    spec = where.obj(value, "data", DATA_KEYS)
    if doc is None:
        raise where.error("data", "no network is open yet (open one with \"network\")")
    kind = spec.get("generator")
    if kind not in datasets.KINDS:
        raise where.error("data.generator", f"unknown generator {_show(kind)} (known: "
                                            f"{', '.join(datasets.KINDS)})")
    params: dict[str, Any] = {}
    if "samples" in spec:
        params["n"] = where.integer(spec["samples"], "data.samples", 1, MAX_SAMPLES)
    if "noise" in spec:
        params["noise"] = where.number(spec["noise"], "data.noise", 0.0)
    if "seed" in spec:
        params["seed"] = where.integer(spec["seed"], "data.seed", MIN_SEED, MAX_SEED)
    if "test_fraction" in spec:
        params["test_fraction"] = where.number(spec["test_fraction"], "data.test_fraction",
                                               0.0, 1.0)
    if "one_hot" in spec:
        params["one_hot"] = where.flag(spec["one_hot"], "data.one_hot")
    fixed = kind in ("reference", "xor")
    if fixed and params:
        raise where.error("data", f"the {kind} data set takes no settings (it is always the "
                                  "same points)")
    if kind == "sine" and "one_hot" in params:
        raise where.error("data.one_hot", "only a classification data set has one_hot")
    try:
        data = datasets.make(kind, **params)
        return set_data(doc, data, {"kind": kind, **params})
    except datasets.DatasetError as exc:
        raise where.error("data", str(exc)) from None
    except (DocumentError, NetworkError) as exc:
        raise where.error("data", f"the data set does not fit the network: {exc}") from None


def _training(value: Any, doc: Document | None, where: _Where) -> Document:
    spec = where.obj(value, "training", TRAINING_KEYS)
    if doc is None:
        raise where.error("training", "no network is open yet (open one with \"network\")")
    changes: dict[str, Any] = {}
    for key, item in spec.items():
        fieldname = f"training.{key}"
        if key == "optimizer":
            if not isinstance(item, str):
                raise where.error(fieldname, f"must be the name of an optimizer, not "
                                             f"{_show(item)}")
            changes[key] = item
        elif key in ("batch_size", "seed"):
            if not _is_int(item):
                raise where.error(fieldname, f"must be a whole number, not {_show(item)}")
            changes[key] = item
        else:
            changes[key] = where.number(item, fieldname)
    try:
        return set_training(doc, **changes)
    except DocumentError as exc:  # "training.learning_rate: must be from ..."
        raise where.error("", str(exc)) from None
    except (OptimizerError, ValueError) as exc:  # "learning_rate must be ...", "unknown ..."
        message = str(exc)
        key = message.split(" ", 1)[0]
        if key in TRAINING_KEYS:
            raise where.error(f"training.{key}", message.split(" ", 1)[1]) from None
        raise where.error("training.optimizer" if "optimizer" in message else "training",
                          message) from None


def _show_field(raw: dict[str, Any], opens: list[str], carried: _Carried,
                where: _Where) -> tuple[str, ...]:
    if "show" in raw:
        value = raw["show"]
        if not isinstance(value, list) or not value:
            raise where.error("show", f"must be a non-empty list of views ({', '.join(VIEWS)})")
        shown: list[str] = []
        for i, item in enumerate(value):
            if item not in VIEWS:
                raise where.error(f"show[{i}]", f"unknown view {_show(item)} (known: "
                                                f"{', '.join(VIEWS)})")
            if item in shown:
                raise where.error(f"show[{i}]", f"{item} is listed twice")
            shown.append(item)
        show = tuple(shown)
    elif "function" in opens and "network" not in opens:
        show = ("function",)
    elif opens:
        show = ("canvas", "derivation")
    else:
        show = carried.show
    if "function" in show and carried.function is None:
        raise where.error("show", "the function view needs a function (open one with "
                                  "\"function\")")
    needs_network = [v for v in show if v in NETWORK_VIEWS]
    if needs_network and carried.document is None:
        raise where.error("show", f"{needs_network[0]} needs a network (open one with "
                                  "\"network\")")
    carried.show = show
    return show


def _position(value: Any, doc: Document | None, where: _Where) -> Position:
    spec = where.obj(value, "at", AT_KEYS)
    if doc is None:
        raise where.error("at", "no network is open yet (open one with \"network\")")
    iteration = where.integer(spec.get("iteration", 0), "at.iteration", 0,
                              MAX_LESSON_ITERATIONS)
    if "stage" not in spec:
        if "target" in spec:
            raise where.error("at.stage", "missing (a target needs its stage)")
        return Position(iteration)
    stage = spec["stage"]
    if stage not in STAGES:
        raise where.error("at.stage", f"unknown stage {_show(stage)} (known: "
                                      f"{', '.join(STAGES)})")
    target = spec.get("target", "all" if stage == "update" else None)
    if not isinstance(target, str):
        raise where.error("at.target", "missing (the neuron or parameter of the sub-step, "
                                       "e.g. \"H1\" or \"w5\")" if target is None else
                          f"must be a name, not {_show(target)}")
    known = [s.target for s in plan_substeps(doc.network) if s.stage == stage]
    if target not in known:
        listed = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
        raise where.error("at.target", f"the {stage} stage has no sub-step {_show(target)} "
                                       f"(it has: {listed})")
    return Position(iteration, stage, target)


def _surface(value: Any, doc: Document | None, where: _Where) -> SurfaceView:
    spec = where.obj(value, "surface", SURFACE_KEYS)
    if doc is None:
        raise where.error("surface", "no network is open yet (open one with \"network\")")
    axes_raw = spec.get("axes")
    axes: tuple[str, str] | None
    if axes_raw == "random":
        axes = None
    elif isinstance(axes_raw, list) and len(axes_raw) == 2:
        for i, name in enumerate(axes_raw):
            if name not in doc.network.index_of:
                raise where.error(f"surface.axes[{i}]", f"the network has no parameter "
                                                        f"{_show(name)}")
        axes = (axes_raw[0], axes_raw[1])
    else:
        raise where.error("surface.axes", "must be two parameter names, e.g. [\"w5\", "
                                          "\"w6\"], or \"random\"")
    x_range = where.pair(spec["x_range"], "surface.x_range") if "x_range" in spec else None
    y_range = where.pair(spec["y_range"], "surface.y_range") if "y_range" in spec else None
    seed = where.integer(spec.get("seed", 0), "surface.seed", MIN_SEED, MAX_SEED)
    try:
        SurfaceSpec(axes, x_range or (-1.0, 1.0), y_range or (-1.0, 1.0), seed=seed)
    except SurfaceError as exc:
        raise where.error("surface", str(exc)) from None
    return SurfaceView(axes, x_range, y_range, seed)


# --- what a step's question or checks may name -------------------------------------------------

def _substep_explanation(carried: _Carried, position: Position) -> Explanation | None:
    """The explanation of the position's sub-step at iteration 0: the names of what it
    reveals (they are the same at every iteration)."""
    doc = carried.document
    sub = position.substep
    if doc is None or sub is None:
        return None
    if carried.iteration is None:
        trainer = Trainer.for_document(doc)
        carried.iteration = Iteration(trainer.step(trainer.initial_state()),
                                      tuple(plan_substeps(doc.network)))
    it = carried.iteration
    step: SubStep = it.substeps[it.substep_index[sub]]
    return explain_substep(it, step, doc.training)


def function_quantities(scene: FunctionScene) -> tuple[str, ...]:
    """What a function step's question or checks may name: f, each df/dv, each variable v
    (where the point stands), "new v" (after the next step), "step v" (how far the next
    step moves v) and "ratio v" (new v / v), and "pirate f" (where the pirate stands)."""
    names = scene.variables
    return ("f", *(f"df/d{v}" for v in names), *names, *(f"new {v}" for v in names),
            *(f"step {v}" for v in names), *(f"ratio {v}" for v in names), "pirate f")


def _question(value: Any, on: str, position: Position, carried: _Carried,
              where: _Where) -> LessonQuestion:
    spec = where.obj(value, "question", QUESTION_KEYS)
    kind = spec.get("kind")
    if kind not in QUESTION_KINDS:
        raise where.error("question.kind", f"must be one of {', '.join(QUESTION_KINDS)}, "
                                           f"not {_show(kind)}")
    prompt = where.markup(spec.get("prompt"), "question.prompt")
    explanation = where.markup(spec.get("explanation", None if kind == "choice" else ""),
                               "question.explanation", required=kind == "choice")
    digits = where.integer(spec.get("digits", DEFAULT_DIGITS), "question.digits", MIN_DIGITS,
                           MAX_DIGITS)
    if kind == "choice":
        for key in ("quantity", "digits"):
            if key in spec:
                raise where.error(f"question.{key}", "a choice question has choices, not a "
                                                     "quantity")
        choices = spec.get("choices")
        if not isinstance(choices, list) or not 2 <= len(choices) <= MAX_LESSON_CHOICES:
            raise where.error("question.choices", f"must be a list of 2 to "
                                                  f"{MAX_LESSON_CHOICES} choices")
        texts = tuple(where.text(c, f"question.choices[{i}]", 300)
                      for i, c in enumerate(choices))
        if len(set(texts)) != len(texts):
            raise where.error("question.choices", "two choices are the same")
        answer = where.integer(spec.get("answer"), "question.answer", 0, len(texts) - 1)
        mistakes = _mistakes(spec.get("mistakes", []), kind, texts, answer, where)
        return LessonQuestion(kind, prompt, on, choices=texts, answer=answer,
                              mistakes=mistakes, explanation=explanation)
    for key in ("choices", "answer"):
        if key in spec:
            raise where.error(f"question.{key}", f"only a choice question has {key}")
    quantity = where.text(spec.get("quantity"), "question.quantity", MAX_NAME_LENGTH)
    if on == "function":
        assert carried.function is not None
        known = function_quantities(carried.function)
        if kind == "direction":
            known = carried.function.variables
        if quantity not in known:
            raise where.error("question.quantity", f"the function view does not show "
                                                   f"{_show(quantity)} (it shows: "
                                                   f"{', '.join(known)})")
    else:
        _network_question_quantity(kind, quantity, position, carried, where)
    options = SIGNS if kind == "sign" else DIRECTIONS if kind == "direction" else ()
    mistakes = _mistakes(spec.get("mistakes", []), kind, options, None, where)
    return LessonQuestion(kind, prompt, on, quantity, digits, mistakes=mistakes,
                          explanation=explanation)


def _network_question_quantity(kind: str, quantity: str, position: Position,
                               carried: _Carried, where: _Where) -> None:
    if position.substep is None:
        raise where.error("question", "a value, sign or direction question on the network "
                                      "needs the step to move the stepper to the sub-step "
                                      "that reveals it (at.stage and at.target)")
    explanation = _substep_explanation(carried, position)
    assert explanation is not None
    if kind == "direction":
        if position.stage != "update":
            raise where.error("question", "a direction question needs the update sub-step "
                                          "(at.stage \"update\")")
        assert carried.document is not None
        if quantity not in carried.document.network.index_of:
            raise where.error("question.quantity", f"the network has no parameter "
                                                   f"{_show(quantity)}")
        return
    revealed = result_quantities(explanation)
    if quantity not in revealed:
        listed = ", ".join(revealed[:10]) + (", ..." if len(revealed) > 10 else "")
        raise where.error("question.quantity", f"the sub-step {explanation.title} does not "
                                               f"reveal {_show(quantity)} (it reveals: "
                                               f"{listed})")


def _mistakes(value: Any, kind: str, options: tuple[str, ...], answer: int | None,
              where: _Where) -> tuple[Mistake, ...]:
    if not isinstance(value, list):
        raise where.error("question.mistakes", "must be a list of {\"answer\": ..., "
                                               "\"feedback\": ...}")
    out: list[Mistake] = []
    for i, item in enumerate(value):
        label = f"question.mistakes[{i}]"
        spec = where.obj(item, label, MISTAKE_KEYS)
        feedback = where.markup(spec.get("feedback"), f"{label}.feedback")
        if kind == "value":
            wrong: float | str = where.number(spec.get("answer"), f"{label}.answer")
        elif kind == "choice":
            index = where.integer(spec.get("answer"), f"{label}.answer", 0, len(options) - 1)
            if index == answer:
                raise where.error(f"{label}.answer", "is the right answer, not a mistake")
            wrong = options[index]
        else:
            if spec.get("answer") not in options:
                raise where.error(f"{label}.answer", f"must be one of {', '.join(options)}")
            wrong = str(spec["answer"])
        out.append(Mistake(wrong, feedback))
    return tuple(out)


def network_check_names(carried_doc: Document | None) -> tuple[str, ...]:
    """The named quantities a network step's checks may read (see :data:`NETWORK_CHECKS`),
    the parameters' names, each neuron's ``netH1`` and ``outH1`` (the first sample's, in
    the current iteration) and "gradient size K" for each layer."""
    if carried_doc is None:
        return ()
    net = carried_doc.network
    neurons = [n for layer in net.neurons[1:] for n in layer]
    return (*NETWORK_CHECKS, *net.names, *(f"net{n}" for n in neurons),
            *(f"out{n}" for n in neurons),
            *(f"{GRADIENT_SIZE}{k + 1}" for k in range(len(net.layers))))


def explanation_quantities(explanation: Explanation) -> list[str]:
    """Every quantity whose value an explanation shows: its results, then the numbers in
    its formulas (E1 in E = E1 + E2, dE/dw5 in w5's update)."""
    out = result_quantities(explanation)
    seen = set(out)
    for eq in equations(explanation):
        for num in [*tokens_numbers(eq.formula), *tokens_numbers(eq.numbers)]:
            if num.quantity not in seen:
                seen.add(num.quantity)
                out.append(num.quantity)
    return out


def _checks(value: Any, on: str, position: Position, carried: _Carried,
            where: _Where) -> tuple[Check, ...]:
    if not isinstance(value, list):
        raise where.error("checks", "must be a list of {\"quantity\": ..., \"value\": ...}")
    out: list[Check] = []
    for i, item in enumerate(value):
        label = f"checks[{i}]"
        spec = where.obj(item, label, CHECK_KEYS)
        number = where.number(spec.get("value"), f"{label}.value")
        digits = where.integer(spec.get("digits", DEFAULT_DIGITS), f"{label}.digits",
                               MIN_DIGITS, MAX_DIGITS)
        wrong = where.flag(spec.get("wrong", False), f"{label}.wrong")
        if ("quantity" in spec) == ("formula" in spec):
            raise where.error(label, "give either a quantity or a formula")
        if "formula" in spec:
            formula = where.text(spec["formula"], f"{label}.formula", 1000)
            try:
                variables = parse_function(formula).variables
            except ExpressionError as exc:
                raise where.error(f"{label}.formula", str(exc)) from None
            if variables:
                raise where.error(f"{label}.formula", f"must be arithmetic on numbers, "
                                                      f"without variables ({variables[0]})")
            out.append(Check("", number, digits, on, wrong, formula))
            continue
        quantity = where.text(spec.get("quantity"), f"{label}.quantity", MAX_NAME_LENGTH)
        if on == "function":
            assert carried.function is not None
            known: tuple[str, ...] = function_quantities(carried.function)
        else:
            explanation = _substep_explanation(carried, position)
            shown = tuple(explanation_quantities(explanation)) if explanation else ()
            known = (*shown, *network_check_names(carried.document))
        if quantity not in known:
            raise where.error(f"{label}.quantity", f"unknown quantity {_show(quantity)} "
                                                   f"here")
        out.append(Check(quantity, number, digits, on, wrong))
    return tuple(out)


# --- the shipped lessons -------------------------------------------------------------------------

def lessons_dir() -> Path:
    """Where the shipped lessons are (``resources/lessons``)."""
    from ..resources import resource_path

    return resource_path("lessons")


def lesson_files(folder: str | os.PathLike[str] | None = None) -> list[Path]:
    """The lesson files of ``folder`` (the shipped ones by default), in name order (the
    order a start page lists them in)."""
    p = Path(folder) if folder is not None else lessons_dir()
    try:
        return sorted(f for f in p.iterdir() if f.suffix == ".json" and f.is_file())
    except OSError:
        return []


def load_lessons(folder: str | os.PathLike[str] | None = None,
                 on_error: Callable[[LessonError], None] | None = None) -> list[Lesson]:
    """Every lesson of ``folder`` that loads; a bad one is passed to ``on_error`` (or
    raised) and left out, so one bad file never hides the others."""
    out: list[Lesson] = []
    seen: set[str] = set()
    for path in lesson_files(folder):
        try:
            lesson = load_lesson(path)
            if lesson.id in seen:
                raise LessonError(f"{path.name}: id: another lesson has the id {lesson.id!r}")
        except LessonError as exc:
            if on_error is None:
                raise
            on_error(exc)
            continue
        seen.add(lesson.id)
        out.append(lesson)
    return out


__all__ = ["FORMAT", "FUNCTION_VIEWS", "GRADIENT_SIZE", "NETWORK_CHECKS", "NETWORK_VIEWS",
           "VERSION", "VIEWS", "Check", "FunctionScene", "Lesson", "LessonError",
           "LessonQuestion", "Position", "StepPlan", "SurfaceView", "explanation_quantities",
           "function_quantities",
           "lesson_files", "lesson_from_dict", "lessons_dir", "load_lesson", "load_lessons",
           "loads_lesson", "network_check_names", "parse_json"]
