"""The function lab's numbers as text: the expression, its partial derivatives as the
engine writes them, value and gradient at the current point, the last step's arithmetic,
the pirate's rule and the race, and the lesson's slips where they appear (no Qt here).

Every number is the engine's (through the model): this module only formats them with
:func:`~simulator.engine.numbers.format_number` and escapes the text.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from ...engine.numbers import format_number
from ...engine.optimizers import OPTIMIZER_LABELS
from .model import FunctionLabModel

#: Most steps listed on the Steps page (the latest ones).
MAX_LISTED_STEPS = 300


@dataclass(frozen=True)
class InfoColours:
    """The colours the HTML uses (from the palette)."""

    text: str = "#000000"
    muted: str = "#707070"
    result: str = "#0000c0"
    warning_bg: str = "#fde4e4"
    warning_text: str = "#8c1414"
    error: str = "#D55E00"
    pirate: str = "#B8A800"
    mono: str = "monospace"


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def signature(model: FunctionLabModel) -> str:
    """``f(x, y)``."""
    return f"f({', '.join(model.variables)})"


def _flag(text: str, c: InfoColours) -> str:
    return (f"<div style='background:{c.warning_bg}; color:{c.warning_text}; "
            f"margin:2px 0 4px 12px; padding:3px;'>&#9888; The lesson's slip: "
            f"{_e(text)}</div>")


def _check(text: str, c: InfoColours) -> str:
    return (f"<div style='color:{c.muted}; margin:0 0 2px 12px;'>&#10003; as the lesson "
            f"says: {_e(text)}</div>")


def info_html(model: FunctionLabModel, c: InfoColours) -> str:
    """The Numbers page."""
    d = model.digits
    fmt = lambda v: format_number(v, d)
    mono = f"font-family:'{c.mono}';"
    out = [f"<div style='color:{c.text};'>"]
    out.append(f"<p style='font-size:large; margin-bottom:4px;'><b>{_e(signature(model))} = "
               f"<span style='{mono}'>{_e(' '.join(model.function.text.split()))}</span></b>"
               "</p>")
    derivs = model.derivatives
    lines = []
    if derivs is None:
        lines.append(f"<span style='color:{c.muted};'>working out the partial "
                     "derivatives...</span>")
    else:
        for v in model.variables:
            dv = derivs.get(v)
            if dv is None:
                continue
            if dv.text is not None:
                lines.append(f"{_e(dv.label)} = <span style='{mono}'>{_e(dv.text)}</span>")
            else:
                lines.append(f"<span style='color:{c.muted};'>{_e(dv.problem or '')}</span>")
    if not model.variables:
        lines.append(f"<span style='color:{c.muted};'>no variables: f is a constant</span>")
    out.append("<p style='margin-top:0;'>" + "<br>".join(lines) + "</p>")

    here = model.current
    n = model.steps_taken
    where = "the start" if n == 0 else f"step {n}"
    out.append(f"<p style='margin-bottom:2px;'><b>At {_e(model.describe()) or 'the point'}"
               f"</b> ({where}):</p>")
    slips = model.slips_here()
    checks = model.checks_here()
    out.append(f"<div style='margin-left:12px;'>f = <b style='color:{c.result};'>"
               f"{_e(fmt(here.value))}</b></div>")
    out += [_flag(s.text, c) for s in slips if s.quantity == "f"]
    out += [_check(k.text, c) for k in checks if k.quantity == "f"]
    for v, g in zip(model.variables, here.gradient, strict=True):
        q = f"df/d{v}"
        out.append(f"<div style='margin-left:12px;'>{_e(q)} = <b style='color:{c.result};'>"
                   f"{_e(fmt(g))}</b></div>")
        out += [_flag(s.text, c) for s in slips if s.quantity == q]
        out += [_check(k.text, c) for k in checks if k.quantity == q]
    if len(model.variables) > 1:
        out.append(f"<div style='margin-left:12px; color:{c.muted};'>gradient = ("
                   + ", ".join(_e(fmt(g)) for g in here.gradient) + "); gradient descent "
                   "moves against it</div>")

    step = model.last_step
    if step is not None:
        opt = OPTIMIZER_LABELS.get(step.optimizer, step.optimizer)
        out.append(f"<p style='margin-bottom:2px;'><b>Step {step.index}</b> ({_e(opt)}, "
                   f"lr = {_e(fmt(step.learning_rate))}):</p>")
        out.append(f"<div style='{mono} margin-left:12px;'>"
                   + "<br>".join(_e(line) for line in step.lines(model.variables, d))
                   + "</div>")
    message = model.message
    if message and (n > 0 or model.descent.stop is not None):
        out.append(f"<p style='color:{c.error};'><b>{_e(message)}</b></p>")

    out.append(pirate_html(model, c))
    ex = model.example
    if ex is not None:
        notes = "".join(f"<li>{_e(t)}</li>" for t in ex.notes)
        out.append(f"<p style='margin-bottom:2px;'><b>{_e(ex.title)}</b></p>"
                   f"<p style='color:{c.muted}; margin-top:0;'>{_e(ex.description)}</p>"
                   + (f"<ul style='color:{c.muted};'>{notes}</ul>" if notes else ""))
    out.append("</div>")
    return "".join(out)


def pirate_text(model: FunctionLabModel) -> list[str]:
    """The pirate's rule and the race, as sentences (empty when the pirate is off)."""
    walk, r = model.pirate, model.race
    if walk is None or r is None:
        return []
    d = model.digits
    fmt = lambda v: format_number(v, d)

    def count(k: int | None) -> str:
        return "not yet" if k is None else f"{k} step{'s' if k != 1 else ''}"

    kept = sum(1 for st in walk.steps if st.kept)
    lines = [f"The pirate (seed {walk.seed}) walks in the dark: each step is as long as the "
             f"descent's step, in a random direction, and {walk.rule}."]
    if not walk.steps:
        lines.append("He starts where the descent starts: take steps to race them.")
        return lines
    lines.append(f"He kept {kept} of his {len(walk.steps)} steps.")
    if len(walk.steps) < model.steps_taken:
        lines.append(f"(His walk is being worked out: {len(walk.steps)} of "
                     f"{model.steps_taken} steps so far.)")
    lines.append(f"Lowest f either reached: {fmt(r.lowest)}. Within {fmt(r.tolerance)} of it: "
                 f"the descent after {count(r.descent_steps_to_lowest)}, the pirate after "
                 f"{count(r.pirate_steps_to_lowest)}.")
    lines.append(f"Within {fmt(r.tolerance)} of their own lowest (descent {fmt(r.descent_best)}"
                 f", pirate {fmt(r.pirate_best)}): the descent after {count(r.descent_steps)}, "
                 f"the pirate after {count(r.pirate_steps)}.")
    return lines


def pirate_html(model: FunctionLabModel, c: InfoColours) -> str:
    """The pirate's paragraph of the Numbers page."""
    lines = pirate_text(model)
    if not lines:
        return (f"<p style='color:{c.muted};'>The pirate is off (switch him on to race a "
                "random walker against the descent).</p>")
    return (f"<p style='margin-bottom:2px;'><b><span style='color:{c.pirate};'>&#9650;</span> "
            "The pirate</b></p><div style='margin-left:12px;'>"
            + "<br>".join(_e(t) for t in lines) + "</div>")


def steps_text(model: FunctionLabModel) -> str:
    """Every step's arithmetic (the latest :data:`MAX_LISTED_STEPS`), plain text."""
    steps = model.descent.steps
    d = model.digits
    out = [f"Start: {model.describe(model.descent.start.point)}, f = "
           f"{format_number(model.descent.start.value, d)}"]
    first = max(0, len(steps) - MAX_LISTED_STEPS)
    if first:
        out.append(f"... {first} earlier steps")
    for st in steps[first:]:
        out.append("")
        out.append(f"Step {st.index}: f = {format_number(st.after.value, d)}")
        out += [f"  {line}" for line in st.lines(model.variables, d)]
    if model.message:
        out += ["", model.message]
    return "\n".join(out)


__all__ = ["MAX_LISTED_STEPS", "InfoColours", "info_html", "pirate_html", "pirate_text",
           "signature", "steps_text"]
