"""The function lab's one Qt-side model: the expression, the point, the descent, the pirate.

Views observe a :class:`FunctionLabModel` through its signals and never change engine state
themselves. It owns

- the text in the expression field and the last expression that parsed (a typed
  expression that does not parse is kept as text with its
  :class:`~simulator.engine.function.ExpressionError`, and everything else stays as it was:
  the last good view);
- the :class:`~.state.LabSettings` (expression, start point, learning rate, optimizer, the
  pirate's rule and seed, the plot range), each change one undo step on its own
  ``undo_stack``; an edit keeps the number of steps taken (the new descent retakes them,
  the first :data:`REPLAY_SYNC_STEPS` at once and the rest as a run);
- the :class:`~simulator.engine.function.Descent` (Step, Step back, Run in timer-driven
  slices that never block and stop on request or on divergence);
- the pirate beside it (:func:`~simulator.engine.function.pirate_for`) and the race
  (:func:`~simulator.engine.function.race`), in the background for long walks;
- the symbolic derivatives (in the background for long expressions);
- the view mode, and the position of the chain-rule graph's stepping.

Signals (each once per change):

- ``functionChanged``: another expression was accepted (views rebuild);
- ``textChanged(str)``: the expression field's text changed from the model's side (undo, an
  example, a lesson);
- ``errorChanged(object)``: the typed text's ExpressionError, or None;
- ``derivativesChanged``: the symbolic derivatives of the current function are known;
- ``descentChanged``: the start, the steps taken or the optimizer's settings changed (the
  current point and the path moved);
- ``pirateChanged``: the pirate's walk or the race changed;
- ``settingsChanged``: a setting changed (learning rate, optimizer, pirate, seed, digits,
  run length);
- ``viewModeChanged(str)``, ``graphStepChanged``, ``runningChanged(bool)``;
- ``stopped(str)``: the descent cannot go on (divergence); the message says why;
- ``editRefused(str)``: an edit was refused and nothing changed.
"""

from __future__ import annotations

import copy
import math
import time
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from ...engine.function import (
    EPSILONS,
    MAX_DESCENT_STEPS,
    Derivative,
    Descent,
    DescentStep,
    ExampleError,
    ExpressionError,
    Function,
    FunctionExample,
    GraphTrace,
    NudgeProbe,
    PathPoint,
    PirateWalk,
    Race,
    Slip,
    descent_config,
    load_examples,
    nudge_function,
    parse_function,
    pirate_for,
    race,
)
from ...engine.function.examples import Check
from ...engine.limits import DEFAULT_DIGITS, MAX_DIGITS, MIN_DIGITS
from ...engine.numbers import format_number
from .commands import LabCommand, LabSnapshot
from .jobs import BackgroundTask
from .state import (
    VIEW_CONTOUR,
    VIEW_CURVE,
    VIEW_GRAPH,
    VIEW_SURFACE,
    LabRequestError,
    LabSettings,
    Range,
    auto_ranges,
    carry_start,
    check_flag,
    check_learning_rate,
    check_optimizer,
    check_seed,
    check_start,
    check_tolerance,
    check_view_mode,
    example_settings,
    grown_ranges,
)

#: The example the lab opens with (the lesson's f(x, y) = xy + x^2 at (3, -3)).
FIRST_EXAMPLE = "lesson-xy"
FALLBACK = LabSettings("x*y + x^2", (3.0, -3.0))
#: Steps an edit retakes at once; the rest are taken as a run (50 us each: 10 ms).
REPLAY_SYNC_STEPS = 200
#: A pirate walk of at most this many steps is computed at once (about 25 us a step); a
#: longer one in the background.
PIRATE_SYNC_STEPS = 400
#: While a run goes on, the pirate is recomputed at most this often.
PIRATE_INTERVAL_MS = 250
#: Derivatives of an expression of at most this many characters are worked out at once
#: (well under a millisecond); a longer one's in the background.
SYNC_DERIVATIVE_CHARS = 200
#: The run's timer, and the time one tick may spend stepping.
RUN_TICK_MS = 25
TICK_BUDGET_S = 0.012
#: A run of n steps is spread over n * RUN_SECONDS_PER_STEP seconds, at least RUN_MIN_S and
#: at most RUN_MAX_S, so a short run can be watched step by step and a long one is quick.
RUN_SECONDS_PER_STEP = 0.06
RUN_MIN_S = 0.4
RUN_MAX_S = 2.5
#: The Run length offered first, and its bounds.
DEFAULT_RUN_STEPS = 10
MAX_RUN_STEPS = 10_000
#: Parsed expressions kept (undo and redo of typing re-use them).
PARSE_CACHE = 64
#: Two points closer than this (relative) are the same point (for the lesson's slips).
SAME_POINT = 1e-9


class FunctionLabModel(QObject):
    """The function lab's state and its undo stack (see the module docstring)."""

    functionChanged = Signal()
    textChanged = Signal(str)
    errorChanged = Signal(object)
    derivativesChanged = Signal()
    descentChanged = Signal()
    pirateChanged = Signal()
    settingsChanged = Signal()
    viewModeChanged = Signal(str)
    graphStepChanged = Signal()
    runningChanged = Signal(bool)
    stopped = Signal(str)
    editRefused = Signal(str)

    def __init__(self, parent: QObject | None = None, *,
                 examples: Sequence[FunctionExample] | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(500)
        self._parsed: OrderedDict[str, Function | ExpressionError] = OrderedDict()
        self.examples_problem = ""
        if examples is None:
            try:
                examples = load_examples()
            except ExampleError as exc:  # a damaged install: the lab still works
                examples = ()
                self.examples_problem = f"The built-in examples cannot be read: {exc}"
        self.examples: tuple[FunctionExample, ...] = tuple(examples)
        self._example_forms: dict[str, str | None] = {}
        self.digits = DEFAULT_DIGITS
        self.run_steps = DEFAULT_RUN_STEPS
        self._view_mode = VIEW_SURFACE
        self._graph_step = 0
        self._error: ExpressionError | None = None
        self._message = ""
        self._trace: tuple[Function, tuple[float, ...], GraphTrace] | None = None
        self._symbolic_values: dict[tuple[str, tuple[float, ...]], float | None] = {}

        self._derivatives: dict[str, Derivative] | None = None
        self._derivative_task = BackgroundTask(_work_derivatives, self)
        self._derivative_task.finished.connect(self._on_derivatives)
        self._pirate: PirateWalk | None = None
        self._race: Race | None = None
        self._pirate_task = BackgroundTask(_work_pirate, self)
        self._pirate_task.finished.connect(self._on_pirate)
        self._pirate_timer = QTimer(self)
        self._pirate_timer.setSingleShot(True)
        self._pirate_timer.timeout.connect(self._update_pirate)

        self._timer = QTimer(self)
        self._timer.setInterval(RUN_TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._run_target = 0
        self._run_rate: float | None = None
        self._run_base = 0
        self._run_started = 0.0

        settings, function = self._first_settings()
        self._settings = settings
        self._function = function
        self._text = settings.expression
        self._descent = self._new_descent(function, settings)
        self._start_derivatives()
        self._update_pirate()

    def _first_settings(self) -> tuple[LabSettings, Function]:
        for ex in self.examples:
            if ex.id == FIRST_EXAMPLE:
                fn = self._parse(ex.expression)
                if isinstance(fn, Function):
                    self.run_steps = max(1, min(MAX_RUN_STEPS, ex.steps))
                    return example_settings(ex, fn), fn
        fn = self._parse(FALLBACK.expression)
        assert isinstance(fn, Function)
        return FALLBACK, fn

    # --- reading ------------------------------------------------------------------------------

    @property
    def settings(self) -> LabSettings:
        """The settings as they stand."""
        return self._settings

    @property
    def function(self) -> Function:
        """The last expression that parsed (what every view shows)."""
        return self._function

    @property
    def variables(self) -> tuple[str, ...]:
        """The function's variables, in order of first appearance."""
        return self._function.variables

    @property
    def text(self) -> str:
        """The expression field's text (it may not parse: see :attr:`error`)."""
        return self._text

    @property
    def error(self) -> ExpressionError | None:
        """Why the typed text is not an expression (None when it is)."""
        return self._error

    @property
    def descent(self) -> Descent:
        """The descent (read it; change it through :meth:`step`, :meth:`run`, ...)."""
        return self._descent

    @property
    def current(self) -> PathPoint:
        """Where the descent stands: the current point, f and the gradient there."""
        return self._descent.current

    @property
    def point(self) -> tuple[float, ...]:
        """The current point."""
        return self._descent.current.point

    @property
    def steps_taken(self) -> int:
        """How many steps the descent has taken."""
        return len(self._descent.steps)

    @property
    def last_step(self) -> DescentStep | None:
        """The last step taken (None at the start)."""
        return self._descent.steps[-1] if self._descent.steps else None

    @property
    def message(self) -> str:
        """Why the descent stopped ("" while it can go on)."""
        stop = self._descent.stop
        return stop.message if stop is not None else ""

    @property
    def derivatives(self) -> dict[str, Derivative] | None:
        """df/dv for each variable (None while they are worked out in the background)."""
        return self._derivatives

    @property
    def pirate(self) -> PirateWalk | None:
        """The pirate's walk beside the descent (None when the pirate is off)."""
        return self._pirate

    @property
    def race(self) -> Race | None:
        """The step counts of the descent and the pirate (None when the pirate is off)."""
        return self._race

    @property
    def pirate_busy(self) -> bool:
        """Whether a long walk is being computed."""
        return self._pirate_task.busy

    @property
    def derivatives_busy(self) -> bool:
        """Whether long derivatives are being worked out."""
        return self._derivative_task.busy

    @property
    def running(self) -> bool:
        """Whether a run is going on."""
        return self._timer.isActive()

    @property
    def view_mode(self) -> str:
        """The view asked for (see :attr:`shown_mode` for the one that fits)."""
        return self._view_mode

    @property
    def shown_mode(self) -> str:
        """The view that fits the expression: the curve needs one variable, the surface
        and the contours two or more, the graph any number."""
        n = len(self.variables)
        mode = self._view_mode
        if mode == VIEW_GRAPH:
            return mode
        if n == 0:
            return VIEW_GRAPH
        if n == 1:
            return VIEW_CURVE
        return VIEW_SURFACE if mode == VIEW_CURVE else mode

    @property
    def example(self) -> FunctionExample | None:
        """The built-in example the current expression is (the one it was opened from, or
        one with the same expression once simplified)."""
        if self._settings.example is not None:
            for ex in self.examples:
                if ex.id == self._settings.example:
                    return ex
        if len(self._function.text) > SYNC_DERIVATIVE_CHARS:
            return None  # no example is this long; do not simplify it on the GUI thread
        form = self._function.simplified
        if form is None:
            return None
        for ex in self.examples:
            if self._example_form(ex) == form:
                return ex
        return None

    def _example_form(self, ex: FunctionExample) -> str | None:
        if ex.id not in self._example_forms:
            fn = self._parse(ex.expression)
            self._example_forms[ex.id] = fn.simplified if isinstance(fn, Function) else None
        return self._example_forms[ex.id]

    def slips_here(self) -> list[Slip]:
        """The lesson's slips about the current expression at the current point."""
        ex = self.example
        if ex is None:
            return []
        return [s for s in ex.slips if self._at_point(s.at)]

    def checks_here(self) -> list[Check]:
        """What the lesson states (correctly) about the current expression at the current
        point."""
        ex = self.example
        if ex is None:
            return []
        return [c for c in ex.checks if self._at_point(c.at)]

    def _at_point(self, at: Mapping[str, float]) -> bool:
        if set(at) != set(self.variables):
            return False
        here = dict(zip(self.variables, self.point, strict=True))
        return all(math.isclose(here[v], at[v], rel_tol=SAME_POINT, abs_tol=SAME_POINT)
                   for v in self.variables)

    def describe(self, values: Sequence[float] | None = None) -> str:
        """``x = 3, y = -3`` (the current point by default)."""
        p = self.point if values is None else tuple(values)
        return ", ".join(f"{v} = {format_number(x, self.digits)}"
                         for v, x in zip(self.variables, p, strict=True))

    # --- numbers for the views (engine calls; no view computes them) --------------------------

    @property
    def ranges(self) -> tuple[Range, ...]:
        """The plot range of each variable: the settings' (or around the start), grown to
        take in the paths."""
        base = self._settings.ranges
        if base is None or len(base) != len(self.variables):
            base = auto_ranges(self._settings.start)
        paths = [self._descent.points]
        if self._pirate is not None:
            paths.append(self._pirate.points)
        return grown_ranges(base, paths)

    def fixed_values(self) -> dict[str, float]:
        """The variables beyond the first two, at the current point (the slice shown)."""
        return {v: float(x) for v, x in zip(self.variables[2:], self.point[2:], strict=True)}

    def surface_grid(self, resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(xs, ys, z) over the plot range of the first two variables: ``z[i, j]`` is f at
        (xs[i], ys[j]) with the other variables at the current point."""
        (x0, x1), (y0, y1) = self.ranges[:2]
        xs = np.linspace(x0, x1, resolution)
        ys = np.linspace(y0, y1, resolution)
        return xs, ys, self._function.grid(xs, ys, fixed=self.fixed_values())

    def slice_values(self, us: np.ndarray, vs: np.ndarray) -> np.ndarray:
        """f at points (us[k], vs[k]) of the first two variables, the others at the current
        point (heights of paths on the drawn surface)."""
        values: dict[str, np.ndarray | float] = {self.variables[0]: np.asarray(us, float),
                                                 self.variables[1]: np.asarray(vs, float)}
        values.update(self.fixed_values())
        return np.asarray(self._function.evaluate(values), dtype=np.float64)

    def curve(self, resolution: int) -> tuple[np.ndarray, np.ndarray]:
        """(xs, f(xs)) over the plot range of the one variable."""
        x0, x1 = self.ranges[0]
        xs = np.linspace(x0, x1, resolution)
        return xs, self._function.curve(xs)

    def values_at(self, points: np.ndarray) -> np.ndarray:
        """f at each row of ``points`` (for one variable: the path's heights)."""
        pts = np.asarray(points, dtype=np.float64).reshape(-1, len(self.variables))
        values = {v: pts[:, k] for k, v in enumerate(self.variables)}
        return np.asarray(np.broadcast_to(self._function.evaluate(values), pts.shape[:1]),
                          dtype=np.float64)

    @property
    def trace(self) -> GraphTrace:
        """The computational graph's forward and backward pass at the current point."""
        fn, p = self._function, self.point
        cached = self._trace
        if cached is None or cached[0] is not fn or cached[1] != p:
            self._trace = cached = (fn, p, fn.trace(p))
        return cached[2]

    def symbolic_gradient(self) -> tuple[float | None, ...] | None:
        """Each symbolic derivative, evaluated at the current point (None for one that is
        not written out; None for all while they are being worked out): the check that the
        graph's backward pass and the textbook formula agree."""
        derivs = self._derivatives
        if derivs is None:
            return None
        here = dict(zip(self.variables, self.point, strict=True))
        out: list[float | None] = []
        for v in self.variables:
            d = derivs.get(v)
            if d is None or d.text is None:
                out.append(None)
                continue
            key = (d.text, self.point)
            if key not in self._symbolic_values:
                fn = self._parse(d.text)
                value = None
                if isinstance(fn, Function):
                    value = fn.value({name: here[name] for name in fn.variables})
                self._symbolic_values[key] = value
                if len(self._symbolic_values) > 256:
                    self._symbolic_values.pop(next(iter(self._symbolic_values)))
            out.append(self._symbolic_values[key])
        return tuple(out)

    def nudge(self, variable: str, epsilons: Sequence[float] = EPSILONS) -> NudgeProbe:
        """The nudge probe of ``variable`` at the current point."""
        return nudge_function(self._function, self.point, variable, epsilons)

    # --- the graph's stepping -----------------------------------------------------------------

    @property
    def graph_step(self) -> int:
        """How far the graph's stepping has gone: 0 is nothing computed, then one step per
        operation forward, then one per node backward (see :attr:`graph_steps`)."""
        return self._graph_step

    @property
    def graph_steps(self) -> tuple[int, int]:
        """(forward steps, backward steps) of the current expression's graph."""
        t = self.trace
        return len(t.forward_order), len(t.backward_order)

    def set_graph_step(self, step: int) -> None:
        """Go to ``step`` (clamped to 0 .. all steps)."""
        f, b = self.graph_steps
        step = max(0, min(int(step), f + b))
        if step != self._graph_step:
            self._graph_step = step
            self.graphStepChanged.emit()

    def graph_forward(self) -> bool:
        """One step of the graph's passes; False at the end."""
        f, b = self.graph_steps
        if self._graph_step >= f + b:
            return False
        self.set_graph_step(self._graph_step + 1)
        return True

    def graph_back(self) -> bool:
        """One step back; False at the start."""
        if self._graph_step <= 0:
            return False
        self.set_graph_step(self._graph_step - 1)
        return True

    # --- settings that are not undo steps -----------------------------------------------------

    def set_view_mode(self, mode: str) -> None:
        """Show the curve, the surface, the contours or the graph (LabRequestError for an
        unknown mode)."""
        mode = check_view_mode(mode)
        if mode != self._view_mode:
            self._view_mode = mode
            self.viewModeChanged.emit(mode)

    def set_digits(self, digits: int) -> None:
        """Significant digits of the numbers shown."""
        digits = max(MIN_DIGITS, min(MAX_DIGITS, int(digits)))
        if digits != self.digits:
            self.digits = digits
            self.settingsChanged.emit()

    def set_run_steps(self, steps: int) -> None:
        """How many steps Run takes."""
        steps = max(1, min(MAX_RUN_STEPS, int(steps)))
        if steps != self.run_steps:
            self.run_steps = steps
            self.settingsChanged.emit()

    # --- edits (one undo step each) -----------------------------------------------------------

    def set_text(self, text: str, merge_key: Hashable | None = None) -> bool:
        """The student typed ``text``: if it parses it becomes the expression (one undo
        step, merging with others of the same ``merge_key``); if not, the error is shown and
        everything else is kept. Returns whether it parsed."""
        self._text = text
        parsed = self._parse(text)
        if isinstance(parsed, ExpressionError):
            self._set_error(parsed)
            return False
        self._set_error(None)
        if parsed is self._function or text == self._settings.expression:
            return True
        old = self._function
        s = self._settings
        same_vars = parsed.variables == old.variables
        settings = s.with_changes(
            expression=text, start=carry_start(old, s.start, parsed),
            example=s.example if self._same_text(text, s.example) else None,
            ranges=s.ranges if same_vars else None)
        self._push(f"Expression {_short(text)}", settings, parsed, merge_key=merge_key)
        return True

    def set_start(self, values: Mapping[str, Any] | Sequence[Any]) -> bool:
        """Start the descent at ``values`` (all variables, or a mapping of some of them: the
        others keep their start). One undo step; the steps taken are taken again."""
        fn = self._function
        try:
            if isinstance(values, Mapping):
                merged: dict[str, Any] = dict(zip(fn.variables, self._settings.start,
                                                  strict=True))
                for k in values:
                    if k not in fn.variables:
                        raise LabRequestError(f"{k} is not a variable of {fn.text}")
                merged.update(values)
                start = check_start(fn, merged)
            else:
                start = check_start(fn, values)
        except LabRequestError as exc:
            self.editRefused.emit(f"Start: {exc}")
            return False
        if start == self._settings.start:
            return True
        self._push(f"Start at {self.describe(start)}", self._settings.with_changes(start=start),
                   fn)
        return True

    def set_learning_rate(self, value: float) -> bool:
        """The learning rate (one undo step)."""
        return self._edit_setting("Learning rate", "learning_rate", check_learning_rate, value)

    def set_optimizer(self, name: str) -> bool:
        """gd, momentum or adam (one undo step)."""
        return self._edit_setting("Optimizer", "optimizer", check_optimizer, name)

    def set_pirate(self, on: bool) -> bool:
        """Show the pirate or not (one undo step)."""
        return self._edit_setting("Pirate", "pirate", lambda v: check_flag(v, "pirate"), on)

    def set_downhill_only(self, on: bool) -> bool:
        """The pirate's rule: keep a random step only if it goes down, or every step."""
        return self._edit_setting("Pirate's rule", "downhill_only",
                                  lambda v: check_flag(v, "downhill only"), on)

    def set_seed(self, seed: int) -> bool:
        """The seed of the pirate's random steps (one undo step)."""
        return self._edit_setting("Pirate's seed", "seed", check_seed, seed)

    def set_tolerance(self, tolerance: float) -> bool:
        """The race's tolerance (one undo step)."""
        return self._edit_setting("Tolerance", "tolerance", check_tolerance, tolerance)

    def load_example(self, example_id: str) -> bool:
        """Open a built-in example at its start, with its learning rate and optimizer (one
        undo step); Run will take its number of steps."""
        try:
            self.open(example=example_id)
        except LabRequestError as exc:
            self.editRefused.emit(f"Example: {exc}")
            return False
        return True

    def open(self, expression: str | None = None, *, example: str | None = None,
             at: Mapping[str, Any] | Sequence[Any] | None = None, view: str | None = None,
             learning_rate: float | None = None, optimizer: str | None = None,
             steps: int | None = None, pirate: bool | None = None,
             downhill_only: bool | None = None, seed: int | None = None,
             graph_step: int | None = None, run_steps: int | None = None) -> None:
        """Open an expression or a built-in example in one undo step: the API of a lesson.

        ``expression`` (typed text) or ``example`` (an id of :attr:`examples`; its start,
        learning rate, optimizer and range come with it), or neither to keep the expression;
        ``at`` the start point (a mapping of every variable or a sequence in variable
        order); ``view`` one of curve, surface, contour, graph; ``steps`` the number of
        descent steps taken from the start (0 by default when an expression or example is
        given, else the steps already taken); ``graph_step`` how far the graph's stepping
        has gone (-1: to the end); ``run_steps`` how many steps Run takes.

        Everything is checked first: a bad request raises :class:`~.state.LabRequestError`
        with one message and changes nothing.
        """
        if expression is not None and example is not None:
            raise LabRequestError("give an expression or an example, not both")
        s = self._settings
        fn = self._function
        ex: FunctionExample | None = None
        if example is not None:
            ex = next((e for e in self.examples if e.id == example), None)
            if ex is None:
                known = ", ".join(e.id for e in self.examples) or "none"
                raise LabRequestError(f"unknown example {example!r} (the examples: {known})")
            parsed = self._parse(ex.expression)
            if isinstance(parsed, ExpressionError):  # pragma: no cover - validated on load
                raise LabRequestError(str(parsed))
            fn = parsed
            new = example_settings(ex, fn)
        elif expression is not None:
            if not isinstance(expression, str):
                raise LabRequestError(f"the expression must be text, not {expression!r}")
            parsed = self._parse(expression)
            if isinstance(parsed, ExpressionError):
                raise LabRequestError(f"{parsed} in {_short(expression)}")
            new = s.with_changes(expression=expression, start=carry_start(fn, s.start, parsed),
                                 example=s.example if self._same_text(expression, s.example)
                                 else None,
                                 ranges=s.ranges if parsed.variables == fn.variables else None)
            fn = parsed
        else:
            new = s
        if at is not None:
            new = new.with_changes(start=check_start(fn, at),
                                   ranges=new.ranges if ex is not None else None)
        if learning_rate is not None:
            new = new.with_changes(learning_rate=check_learning_rate(learning_rate))
        if optimizer is not None:
            new = new.with_changes(optimizer=check_optimizer(optimizer))
        if pirate is not None:
            new = new.with_changes(pirate=check_flag(pirate, "pirate"))
        if downhill_only is not None:
            new = new.with_changes(downhill_only=check_flag(downhill_only, "downhill only"))
        if seed is not None:
            new = new.with_changes(seed=check_seed(seed))
        mode = check_view_mode(view) if view is not None else None
        if steps is None:
            target = 0 if (expression is not None or example is not None) else self.steps_taken
        else:
            if isinstance(steps, bool) or not isinstance(steps, int) \
                    or not 0 <= steps <= MAX_DESCENT_STEPS:
                raise LabRequestError(f"steps must be a whole number from 0 to "
                                      f"{MAX_DESCENT_STEPS}, not {steps!r}")
            target = steps
        if run_steps is not None and (isinstance(run_steps, bool)
                                      or not isinstance(run_steps, int)
                                      or not 1 <= run_steps <= MAX_RUN_STEPS):
            raise LabRequestError(f"run_steps must be a whole number from 1 to "
                                  f"{MAX_RUN_STEPS}, not {run_steps!r}")
        if graph_step is not None and (isinstance(graph_step, bool)
                                       or not isinstance(graph_step, int) or graph_step < -1):
            raise LabRequestError(f"graph_step must be a whole number (-1: the end), "
                                  f"not {graph_step!r}")

        self.stop()
        if expression is not None or example is not None:
            self._text = new.expression
            self._set_error(None)
            self.textChanged.emit(new.expression)
        if new != s or fn is not self._function:
            title = ex.title if ex is not None else _short(new.expression)
            self._push(f"Open {title}", new, fn, keep_steps=False)
        if ex is not None:
            self.run_steps = max(1, min(MAX_RUN_STEPS, ex.steps))
        if run_steps is not None:
            self.run_steps = run_steps
        self.settingsChanged.emit()
        self._go_to(target)
        if mode is not None:
            self.set_view_mode(mode)
        if graph_step is not None:
            f, b = self.graph_steps
            self.set_graph_step(f + b if graph_step == -1 else graph_step)

    # --- the descent (not undo steps: Step back undoes a step) --------------------------------

    def step(self) -> bool:
        """Take one step (a run is stopped first). False, with ``stopped``, if it cannot be
        taken."""
        self.stop()
        taken = self._descent.step()
        if taken is None:
            self._report_stop()
            return False
        self._after_steps()
        return True

    def step_back(self) -> bool:
        """Undo the last step exactly. False at the start."""
        self.stop()
        if not self._descent.steps:
            return False
        self._descent.back()
        self._after_steps()
        return True

    def reset_descent(self) -> None:
        """Back to the start, no step taken."""
        self.stop()
        if not self._descent.steps:
            return
        while self._descent.steps:
            self._descent.back()
        self._after_steps()

    def run(self, steps: int | None = None, animated: bool = True) -> bool:
        """Take ``steps`` more steps (:attr:`run_steps` by default) in timer-driven slices:
        the window keeps answering, :meth:`stop` ends the run, a divergence stops it with
        its message. ``animated`` spreads a short run over a moment so that each step can
        be seen. Returns whether a run started."""
        if self.running:
            return False
        n = self.run_steps if steps is None else max(0, int(steps))
        target = min(MAX_DESCENT_STEPS, self.steps_taken + n)
        if target <= self.steps_taken:
            if n > 0 and self.steps_taken >= MAX_DESCENT_STEPS:
                self.editRefused.emit(f"Run: the descent has taken the most steps it may "
                                      f"({MAX_DESCENT_STEPS})")
            return False
        if self._descent.stop is not None:
            self._report_stop()
            return False
        self._start_run(target, animated)
        return True

    def stop(self) -> None:
        """End a run (nothing happens when none is going on)."""
        if not self._timer.isActive():
            return
        self._timer.stop()
        self._pirate_timer.stop()
        self._update_pirate()
        self.runningChanged.emit(False)

    def toggle_run(self) -> None:
        """Run, or stop the run going on."""
        if self.running:
            self.stop()
        else:
            self.run()

    def _start_run(self, target: int, animated: bool) -> None:
        n = target - self.steps_taken
        self._run_target = target
        self._run_base = self.steps_taken
        seconds = min(RUN_MAX_S, max(RUN_MIN_S, n * RUN_SECONDS_PER_STEP))
        self._run_rate = n / seconds if animated else None
        self._run_started = time.monotonic()
        self._timer.start()
        self.runningChanged.emit(True)
        self._tick()

    def _tick(self) -> None:
        if not self._timer.isActive():
            return
        if self._run_rate is None:
            due = self._run_target
        else:
            elapsed = time.monotonic() - self._run_started
            due = min(self._run_target, self._run_base + 1 + int(self._run_rate * elapsed))
        t0 = time.perf_counter()
        taken = 0
        stopped = False
        d = self._descent
        while len(d.steps) < due:
            if d.step() is None:
                stopped = True
                break
            taken += 1
            if time.perf_counter() - t0 > TICK_BUDGET_S:
                break
        if taken:
            self._after_steps(during_run=True)
        if stopped or len(d.steps) >= self._run_target:
            self.stop()
            if stopped:
                self._report_stop()

    def _go_to(self, target: int) -> None:
        """Take steps from the start until ``target`` steps are taken: the first
        REPLAY_SYNC_STEPS at once, the rest as a fast run."""
        d = self._descent
        while len(d.steps) > target:
            d.back()
        sync = min(target, len(d.steps) + REPLAY_SYNC_STEPS)
        while len(d.steps) < sync:
            if d.step() is None:
                break
        self._after_steps()
        if len(d.steps) < target and d.stop is None:
            self._start_run(target, animated=False)
        elif d.stop is not None and len(d.steps) < target:
            self._report_stop()

    def _after_steps(self, during_run: bool = False) -> None:
        self.descentChanged.emit()
        if during_run:
            if not self._pirate_timer.isActive():
                self._pirate_timer.start(PIRATE_INTERVAL_MS)
        else:
            self._update_pirate()

    def _report_stop(self) -> None:
        stop = self._descent.stop
        if stop is not None:
            self.stopped.emit(stop.message)

    # --- undo ---------------------------------------------------------------------------------

    def _edit_setting(self, what: str, field: str, check: Any, value: Any) -> bool:
        try:
            checked = check(value)
        except LabRequestError as exc:
            self.editRefused.emit(f"{what}: {exc}")
            return False
        if getattr(self._settings, field) == checked:
            return True
        shown = format_number(checked, self.digits) if isinstance(checked, float) else \
            ("on" if checked is True else "off" if checked is False else str(checked))
        self._push(f"{what} {shown}", self._settings.with_changes(**{field: checked}),
                   self._function)
        return True

    def _push(self, text: str, settings: LabSettings, function: Function,
              merge_key: Hashable | None = None, keep_steps: bool = True) -> None:
        """One undo step from the current snapshot to ``settings`` (with a new descent that
        retakes the steps taken when ``keep_steps``)."""
        self.stop()
        before = LabSnapshot(self._settings, self._descent)
        descent = self._new_descent(function, settings)
        target = self.steps_taken if keep_steps else 0
        n = min(target, REPLAY_SYNC_STEPS)
        if n:
            descent.run(n)
        after = LabSnapshot(settings, descent)
        self.undo_stack.push(LabCommand(text, before, after, self._restore, merge_key))
        if keep_steps and len(descent.steps) < target and descent.stop is None:
            self._start_run(target, animated=False)

    def _restore(self, snap: LabSnapshot) -> None:
        """Make ``snap`` current and tell the views (the commands call this)."""
        self.stop()
        old_fn = self._function
        old_settings = self._settings
        self._settings = snap.settings
        self._descent = snap.descent
        self._function = snap.descent.function
        if self._function is not old_fn:
            # Another expression: the field shows it. (An edit of another setting keeps
            # what the student is typing, even text that does not parse yet.)
            if self._text != snap.settings.expression:
                self._text = snap.settings.expression
                self.textChanged.emit(self._text)
            self._set_error(None)
            self._graph_step = 0
            self._start_derivatives()
            self.functionChanged.emit()
            self.graphStepChanged.emit()
        if old_settings != snap.settings:
            self.settingsChanged.emit()
        self.descentChanged.emit()
        self._update_pirate()
        if self._descent.stop is not None and self._descent.steps:
            self._report_stop()

    def _new_descent(self, function: Function, settings: LabSettings) -> Descent:
        config = descent_config(settings.optimizer, settings.learning_rate)
        return Descent(function, settings.start, config)

    # --- helpers ------------------------------------------------------------------------------

    def _parse(self, text: str) -> Function | ExpressionError:
        hit = self._parsed.get(text)
        if hit is not None:
            self._parsed.move_to_end(text)
            return hit
        try:
            result: Function | ExpressionError = parse_function(text)
        except ExpressionError as exc:
            result = exc
        self._parsed[text] = result
        if len(self._parsed) > PARSE_CACHE:
            self._parsed.popitem(last=False)
        return result

    def _same_text(self, text: str, example_id: str | None) -> bool:
        if example_id is None:
            return False
        ex = next((e for e in self.examples if e.id == example_id), None)
        return ex is not None and "".join(ex.expression.split()) == "".join(text.split())

    def _set_error(self, error: ExpressionError | None) -> None:
        if error is self._error:
            return
        self._error = error
        self.errorChanged.emit(error)

    def _start_derivatives(self) -> None:
        fn = self._function
        if len(fn.text) <= SYNC_DERIVATIVE_CHARS:
            self._derivative_task.cancel()
            self._derivatives = fn.derivatives
            self.derivativesChanged.emit()
            return
        self._derivatives = None
        self.derivativesChanged.emit()
        self._derivative_task.submit(fn)

    def _on_derivatives(self, result: object) -> None:
        if isinstance(result, Exception):  # never expected: say so rather than wait forever
            reason = f"they could not be worked out ({type(result).__name__})"
            self._derivatives = {v: Derivative(v, None, f"df/d{v} is not written out: {reason}")
                                 for v in self._function.variables}
            self.derivativesChanged.emit()
            return
        if not isinstance(result, tuple):
            return
        fn, derivs = result
        if fn is self._function:
            self._derivatives = derivs
            self.derivativesChanged.emit()

    def _update_pirate(self) -> None:
        self._pirate_timer.stop()
        if not self._settings.pirate:
            self._pirate_task.cancel()
            if self._pirate is not None or self._race is not None:
                self._pirate = self._race = None
                self.pirateChanged.emit()
            return
        d = self._descent
        s = self._settings
        if len(d.steps) <= PIRATE_SYNC_STEPS:
            self._pirate_task.cancel()
            walk = pirate_for(d, s.seed, s.downhill_only)
            self._pirate, self._race = walk, race(d, walk, s.tolerance)
            self.pirateChanged.emit()
            return
        snapshot = copy.copy(d)
        snapshot.steps = list(d.steps)
        self._pirate_task.submit((snapshot, s.seed, s.downhill_only, s.tolerance))

    def _on_pirate(self, result: object) -> None:
        if not isinstance(result, tuple):
            return
        walk, the_race, snapshot = result
        d = self._descent
        if not self._settings.pirate or snapshot.function is not d.function \
                or snapshot.start != d.start:
            return
        self._pirate, self._race = walk, the_race
        self.pirateChanged.emit()

    def shutdown(self) -> None:
        """Stop the run and the background work (idempotent)."""
        self.stop()
        self._pirate_timer.stop()
        self._derivative_task.shutdown()
        self._pirate_task.shutdown()

    def wait_background(self, msecs: int = 30_000) -> bool:
        """Wait until background work is done (its results then arrive from the event
        loop); for tests and screenshots."""
        return self._derivative_task.wait(msecs) and self._pirate_task.wait(msecs)


def _work_derivatives(fn: Function) -> tuple[Function, dict[str, Derivative]]:
    return fn, fn.derivatives


def _work_pirate(args: tuple[Descent, int, bool, float]) -> tuple[PirateWalk, Race, Descent]:
    descent, seed, downhill, tolerance = args
    walk = pirate_for(descent, seed, downhill)
    return walk, race(descent, walk, tolerance), descent


def _short(text: str, limit: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 3] + "..."


__all__ = [
    "DEFAULT_RUN_STEPS",
    "FIRST_EXAMPLE",
    "MAX_RUN_STEPS",
    "VIEW_CONTOUR",
    "VIEW_CURVE",
    "VIEW_GRAPH",
    "VIEW_SURFACE",
    "FunctionLabModel",
]
