"""``function``: a typed function's value, gradient and partial derivatives at a point, and
optionally a gradient-descent path from there.

``backprop-lab function "x*y + x^2" --at x=3,y=-3 [--json]`` and ``... --descend --lr 0.1
--steps 10 [--optimizer gd|momentum|adam]``. The JSON is::

    {"expression": str, "variables": [names, in order of first appearance],
     "value": number, "gradient": {name: number}, "derivatives": {name: str},
     "path": [{"point": {name: number}, "value": number, "gradient": {name: number}}, ...]}

"path" only with --descend, its first entry the start; "stopped" (a message) is added when
the descent stopped early (divergence). A gradient component that is not a finite number is
``null``, and so is a derivative too big to write out. An expression starting with "-" goes
after "--" (``backprop-lab function --at x=1 -- -x^2``).
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..engine.limits import DEFAULT_DIGITS, MAX_DIGITS, MIN_DIGITS
from ..engine.numbers import NumberError, format_number, parse_number
from .common import UsageError

if TYPE_CHECKING:  # the engine's function lab is imported when the command runs
    from ..engine.function import Descent, Function


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None


def parse_at(texts: list[str], variables: tuple[str, ...]) -> dict[str, float]:
    """The point given by --at (``x=3,y=-3``, possibly repeated); every variable needs a
    value and every name must be a variable."""
    values: dict[str, float] = {}
    for text in texts:
        for item in text.split(","):
            if not item.strip():
                continue
            name, eq, number = item.partition("=")
            name = name.strip()
            if not eq or not name:
                raise UsageError(f"function: --at wants name=value pairs, like x=3,y=-3 "
                                 f"(not {item.strip()!r})")
            if name not in variables:
                known = ", ".join(variables) or "none"
                raise UsageError(f"function: --at gives {name}, which is not a variable of "
                                 f"the expression (its variables: {known})")
            if name in values:
                raise UsageError(f"function: --at gives {name} twice")
            try:
                values[name] = float(parse_number(number, f"{name} in --at"))
            except NumberError as exc:
                raise UsageError(f"function: {exc}") from None
    missing = [v for v in variables if v not in values]
    if missing:
        raise UsageError(f"function: --at gives no value for {', '.join(missing)} (the "
                         f"expression's variables: {', '.join(variables)})")
    return values


@dataclass
class FunctionRun:
    """What the command computed: the JSON report and the objects it came from."""

    report: dict[str, Any]
    function: Function
    at: dict[str, float]
    descent: Descent | None = None


def run_function(args: argparse.Namespace) -> FunctionRun:
    """Everything the command prints, computed (raises :class:`UsageError`)."""
    from ..engine.function import Descent, ExpressionError, descent_config, parse_function
    from ..engine.optimizers import OptimizerError

    try:
        fn = parse_function(args.expression)
    except ExpressionError as exc:
        raise UsageError(f"function: {exc}") from None
    if not args.at and fn.variables:
        raise UsageError(f"function: give the point with --at, e.g. --at "
                         f"{','.join(f'{v}=0' for v in fn.variables)}")
    at = parse_at(args.at or [], fn.variables)
    value, gradient = fn.value_and_gradient(at)
    if not math.isfinite(value):
        what = "too large (overflow)" if math.isinf(value) else "not defined"
        raise UsageError(f"function: f is {what} at {fn.describe_point(at)}")
    report: dict[str, Any] = {
        "expression": args.expression,
        "variables": list(fn.variables),
        "value": value,
        "gradient": {v: _finite(g) for v, g in zip(fn.variables, gradient)},
        "derivatives": {v: d.text for v, d in fn.derivatives.items()},
    }
    run = FunctionRun(report, fn, at)
    if args.descend:
        if not fn.variables:
            raise UsageError("function: --descend needs an expression with a variable")
        try:
            config = descent_config(args.optimizer, args.lr)
        except OptimizerError as exc:
            raise UsageError(f"function: {exc}") from None
        descent = Descent(fn, at, config)
        descent.run(args.steps)
        report["path"] = [{"point": dict(zip(fn.variables, p.point)), "value": p.value,
                           "gradient": {v: _finite(g) for v, g in zip(fn.variables,
                                                                        p.gradient)}}
                          for p in descent.path]
        if descent.stop is not None:
            report["stopped"] = descent.stop.message
        run.descent = descent
    return run


def function_text(run: FunctionRun, digits: int) -> str:
    """The report as lines of text, the step arithmetic as the lesson writes it."""
    fmt = lambda v: "not finite" if v is None else format_number(v, digits)
    report, fn = run.report, run.function
    names = ", ".join(fn.variables)
    lines = [f"f({names}) = {report['expression']}" if names else f"f = {report['expression']}"]
    if fn.variables:
        lines.append(f"at {fn.describe_point(run.at, digits)}:")
    lines.append(f"  f = {fmt(report['value'])}")
    for v, d in fn.derivatives.items():
        symbol = d.text if d.text is not None else f"({d.problem})"
        lines.append(f"  df/d{v} = {symbol} = {fmt(report['gradient'][v])}")
    descent = run.descent
    if descent is not None:
        c = descent.config
        lines.append("")
        lines.append(f"gradient descent ({c.optimizer}, learning rate "
                     f"{format_number(c.learning_rate, digits)}), {len(descent.steps)} "
                     f"step{'s' if len(descent.steps) != 1 else ''}:")
        for s in descent.steps:
            lines.append(f"  step {s.index}:")
            lines.extend(f"    {line}" for line in s.lines(fn.variables, digits))
            lines.append(f"    f = {fmt(s.after.value)}")
        if descent.stop is not None:
            lines.append(f"  {descent.stop.message}")
    return "\n".join(lines) + "\n"


def cmd_function(args: argparse.Namespace) -> int:
    """Run ``function``."""
    if not args.descend and (args.lr is not None or args.steps is not None
                             or args.optimizer is not None):
        raise UsageError("function: --lr, --steps and --optimizer go with --descend")
    if not MIN_DIGITS <= args.digits <= MAX_DIGITS:
        raise UsageError(f"function: --digits must be from {MIN_DIGITS} to {MAX_DIGITS}")
    args.lr = 0.1 if args.lr is None else args.lr
    args.steps = 10 if args.steps is None else args.steps
    args.optimizer = args.optimizer or "gd"
    run = run_function(args)
    if args.json:
        print(json.dumps(run.report, indent=1, allow_nan=False))
    else:
        print(function_text(run, args.digits), end="")
    return 0


def _learning_rate(text: str) -> float:
    try:
        return float(parse_number(text, "the learning rate", minimum=0.0))
    except NumberError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _steps(text: str) -> int:
    from ..engine.function import MAX_DESCENT_STEPS

    try:
        return int(parse_number(text, "the number of steps", integer=True, minimum=0,
                                maximum=MAX_DESCENT_STEPS))
    except NumberError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_parser(sub: Any) -> None:
    """Register ``function`` on the sub-command parsers."""
    p = sub.add_parser("function", help="a typed function: value, gradient, derivatives, "
                       "gradient descent",
                       description="A typed function's value, gradient and partial "
                       "derivatives at a point; with --descend, a gradient-descent path.",
                       epilog="An expression starting with '-' goes after '--': "
                       "backprop-lab function --at x=1 -- -x^2")
    p.add_argument("expression", help="e.g. 'x*y + x^2' or 'e^2*sin(x)'")
    p.add_argument("--at", action="append", metavar="NAME=VALUE,...",
                   help="the point, e.g. x=3,y=-3 (every variable needs a value)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--digits", type=int, default=DEFAULT_DIGITS,
                   help=f"significant digits of the text output (default {DEFAULT_DIGITS})")
    p.add_argument("--descend", action="store_true", help="add a gradient-descent path")
    p.add_argument("--lr", type=_learning_rate, help="learning rate (default 0.1)")
    p.add_argument("--steps", type=_steps, help="number of steps (default 10)")
    p.add_argument("--optimizer", choices=("gd", "momentum", "adam"),
                   help="update rule (default gd)")
    p.set_defaults(func=cmd_function)
