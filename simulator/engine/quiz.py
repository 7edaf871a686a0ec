"""Predict, then reveal: questions from explanation trees, graded at the displayed precision.

Before the stepper reveals a value, the student predicts it. A :class:`Question` is made
from the explanation tree of the sub-step about to be revealed (:func:`questions`,
:func:`ask`), so any network works; a lesson adds its own (:func:`choice_question`) and
its own expected mistakes.

- **Parsing** (:func:`parse_prediction`): a decimal number (a decimal comma too: ``0,538``),
  scientific notation, or a simple fraction of whole numbers (``7/12``, ``-7/12``).
  Anything else is refused with one clear message (:class:`PredictionError`); nothing is
  ever evaluated.
- **Grading** (:func:`grade`): right when the prediction reads as the engine's value at the
  displayed precision (:func:`~simulator.engine.numbers.format_number` with the question's
  significant digits), or when the student typed fewer digits (at least
  :data:`MIN_TYPED_DIGITS`) and the value rounds to exactly what was typed. The grade says
  how far off (absolute and relative).
- **Feedback that names the factor** (:func:`expected_mistakes`): the wrong answers a
  student is likely to give are computed from the tree's own numbers (an equation's
  product of factors, a factor's sum over paths, an update's old value and result), never
  by re-deriving a formula: the wrong sign of the update (``w5 + lr * dE/dw5``, the seed's
  0.1807289), a forgotten path in a hidden weight's sum, a missing factor (forgetting
  ``dout/dnet``), a factor rounded early (the seed's 0.07289 from outH1 = 0.538), a term
  left out of a sum (the bias), the net input given for the output. A prediction that
  matches one gets its explanation.
- **Score** (:class:`Score`): the session's tally; it lives in memory and is written only
  when the student saves it (:func:`save_score`).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from .explanation import (
    COMPUTED,
    Equation,
    Explanation,
    Group,
    Num,
    Op,
    Sym,
    Token,
    equations,
    main_equations,
    tokens_numbers,
)
from .explanation_render import TextRenderer
from .files import atomic_write
from .limits import DEFAULT_DIGITS, MAX_DIGITS, MIN_DIGITS
from .numbers import MAX_TEXT, NumberError, format_number, parse_number
from .text import printable

QuestionKind = Literal["value", "sign", "direction", "choice"]
QUESTION_KINDS: tuple[str, ...] = ("value", "sign", "direction", "choice")
#: The options of a sign question and of a direction question, in the order they are shown.
SIGNS: tuple[str, ...] = ("positive", "negative", "zero")
DIRECTIONS: tuple[str, ...] = ("up", "down", "stays")
#: A prediction with fewer significant digits than shown counts as right when the value
#: rounds to it and it has at least this many (0.538 for outH1 = 0.53842).
MIN_TYPED_DIGITS: Final = 3
#: Digits at which a candidate mistake is tried when a factor was rounded early.
ROUNDING_DIGITS: tuple[int, ...] = (2, 3)
#: How closely a product or sum of the tree's numbers must give the equation's result for
#: its structure to be read as a product or a sum (relative).
_CONSISTENT = 1e-9


class PredictionError(ValueError):
    """A prediction that is not a number this quiz reads; the message says what to type."""


# --- parsing -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Prediction:
    """A parsed prediction: its value, the text typed, and the significant digits typed
    (None for a fraction, which is exact)."""

    value: float
    text: str
    digits: int | None


_FRACTION = re.compile(r"([+-]?)\s*(\d{1,15})\s*/\s*([+-]?)\s*(\d{1,15})")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")
_HINT = "type a number such as 0.538, 0,538, -1.5e-3 or a fraction such as 7/12"


def parse_prediction(text: str) -> Prediction:
    """The number ``text`` holds (see the module docstring), or :class:`PredictionError`."""
    if not isinstance(text, str):
        raise PredictionError(_HINT)
    s = text.strip().replace("\u2212", "-")  # a pasted minus sign
    if not s:
        raise PredictionError(f"nothing typed: {_HINT}")
    if len(s) > MAX_TEXT:
        raise PredictionError("that is too long to be a number")
    shown = printable(s, 24)
    if "/" in s:
        m = _FRACTION.fullmatch(s)
        if m is None:
            raise PredictionError(f"'{shown}' is not a simple fraction: a fraction is two whole "
                                  "numbers, such as 7/12 or -7/12")
        sign_top, top, sign_bottom, bottom = m.groups()
        if int(bottom) == 0:
            raise PredictionError(f"'{shown}' divides by zero")
        negative = (sign_top == "-") != (sign_bottom == "-")
        value = int(top) / int(bottom)
        return Prediction(-value if negative else value, s, None)
    if not _DECIMAL.fullmatch(s) or (s.count(",") + s.count(".")) > 1:
        raise PredictionError(f"'{shown}' is not a number: {_HINT}")
    try:
        value = parse_number(s, "the prediction")
    except NumberError as exc:
        raise PredictionError(str(exc)) from None
    return Prediction(float(value), s, typed_digits(s))


def typed_digits(text: str) -> int:
    """The significant digits of a typed decimal ("0.0730" has 3, "100" 3, "0" 1)."""
    mantissa = re.split(r"[eE]", text.strip().lstrip("+-"))[0].replace(",", ".")
    digits = mantissa.replace(".", "").lstrip("0")
    if not digits:  # zero: the zeros after the point say how precise
        after = mantissa.partition(".")[2]
        return max(1, len(after))
    return len(digits)


# --- questions ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mistake:
    """A wrong answer a student is likely to give, and what to tell them when they do."""

    value: float | str
    feedback: str
    kind: str = "lesson"


@dataclass(frozen=True)
class Question:
    """A prediction to make before a value is revealed.

    ``kind``: "value" (type a number), "sign" (of ``value``: one of :data:`SIGNS`),
    "direction" (which way parameter ``quantity`` moves: one of :data:`DIRECTIONS`;
    ``value`` is its new value and ``before`` its old one) or "choice" (``options`` with
    the right one at ``correct``). ``digits`` is the displayed precision; ``mistakes`` the
    expected wrong answers; ``explanation`` is shown when the answer is revealed.
    """

    kind: QuestionKind
    prompt: str
    quantity: str = ""
    value: float | None = None
    before: float | None = None
    digits: int = DEFAULT_DIGITS
    options: tuple[str, ...] = ()
    correct: int | None = None
    explanation: str = ""
    mistakes: tuple[Mistake, ...] = ()

    @property
    def answer(self) -> float | str:
        """The right answer: the value for a value question, else the right option."""
        if self.kind == "value":
            assert self.value is not None
            return self.value
        assert self.correct is not None
        return self.options[self.correct]

    @property
    def answer_text(self) -> str:
        """The right answer as it is revealed (a value at the displayed precision)."""
        if self.kind == "value":
            assert self.value is not None
            return format_number(self.value, self.digits)
        return str(self.answer)

    def with_mistakes(self, extra: Iterable[Mistake]) -> Question:
        """The question with more expected mistakes, tried before its own."""
        return Question(self.kind, self.prompt, self.quantity, self.value, self.before,
                        self.digits, self.options, self.correct, self.explanation,
                        tuple(extra) + self.mistakes)


def _check_digits(digits: int) -> int:
    if isinstance(digits, bool) or not isinstance(digits, int) \
            or not MIN_DIGITS <= digits <= MAX_DIGITS:
        raise ValueError(f"digits must be a whole number from {MIN_DIGITS} to {MAX_DIGITS}")
    return digits


def sign_of(value: float, digits: int) -> str:
    """"positive", "negative" or "zero" (zero when it shows as 0 at ``digits``)."""
    if format_number(value, digits) == "0":
        return "zero"
    return "positive" if value > 0 else "negative"


def _find(explanation: Explanation, quantity: str) -> Equation | None:
    """The equation whose result is ``quantity``: the last main one (with a batch, the
    error's batch mean rather than the first sample's), else the first other one."""
    main = other = None
    for eq in equations(explanation):
        if eq.result is not None and eq.result.quantity == quantity:
            if eq.main:
                main = eq
            other = other or eq
    return main or other


def result_quantities(explanation: Explanation) -> list[str]:
    """Every quantity whose value the explanation reveals (main results first)."""
    out: list[str] = []
    for eq in [*main_equations(explanation), *equations(explanation)]:
        if eq.result is not None and eq.result.role == COMPUTED \
                and eq.result.quantity not in out:
            out.append(eq.result.quantity)
    return out


def value_question(explanation: Explanation, quantity: str, digits: int = DEFAULT_DIGITS,
                   prompt: str = "", explanation_text: str = "") -> Question:
    """A value question on ``quantity`` (a result of the tree: "outH1", "dE/dw5",
    "new w5"); KeyError when the explanation does not reveal it."""
    eq = _find(explanation, quantity)
    if eq is None or eq.result is None:
        raise KeyError(quantity)
    _check_digits(digits)
    value = eq.result.value
    text = prompt or f"Predict {_spoken(quantity)}."
    return Question("value", text, quantity, value, digits=digits,
                    explanation=explanation_text or _reveal(eq, digits),
                    mistakes=tuple(expected_mistakes(eq, digits)))


def sign_question(explanation: Explanation, quantity: str, digits: int = DEFAULT_DIGITS,
                  prompt: str = "", explanation_text: str = "") -> Question:
    """Is ``quantity`` positive, negative or zero? KeyError when it is not revealed."""
    eq = _find(explanation, quantity)
    if eq is None or eq.result is None:
        raise KeyError(quantity)
    _check_digits(digits)
    value = eq.result.value
    sign = sign_of(value, digits)
    text = prompt or f"Is {_spoken(quantity)} positive, negative or zero?"
    reveal = explanation_text or f"{quantity} = {format_number(value, digits)}: {sign}."
    wrong = [Mistake(s, _sign_feedback(quantity, value, digits), "sign")
             for s in SIGNS if s != sign]
    return Question("sign", text, quantity, value, digits=digits, options=SIGNS,
                    correct=SIGNS.index(sign), explanation=reveal, mistakes=tuple(wrong))


def direction_question(explanation: Explanation, parameter: str,
                       digits: int = DEFAULT_DIGITS, prompt: str = "",
                       explanation_text: str = "") -> Question:
    """Does ``parameter`` go up, down or stay in the update? KeyError when the explanation
    does not update it."""
    eq = _find(explanation, f"new {parameter}")
    old = None if eq is None else _old_value(eq, parameter)
    if eq is None:  # a frozen parameter: its update says it stays
        eq = next((e for e in equations(explanation) if e.result is not None
                   and e.refers_to is not None and e.refers_to.name == parameter
                   and e.result.quantity == parameter), None)
        old = None if eq is None or eq.result is None else eq.result.value
    if eq is None or eq.result is None or old is None:
        raise KeyError(parameter)
    _check_digits(digits)
    new = eq.result.value
    way = "up" if new > old else "down" if new < old else "stays"
    text = prompt or f"In the update, does {parameter} go up, go down or stay where it is?"
    reveal = explanation_text or (
        f"{parameter} {'stays at' if way == 'stays' else 'goes ' + way + ': from'} "
        f"{format_number(old, digits)}"
        + ("" if way == "stays" else f" to {_wide(new, old, digits)}") + ".")
    feedback = _direction_feedback(eq, parameter, old, new, digits)
    wrong = [Mistake(d, feedback, "direction") for d in DIRECTIONS if d != way]
    return Question("direction", text, parameter, new, before=old, digits=digits,
                    options=DIRECTIONS, correct=DIRECTIONS.index(way), explanation=reveal,
                    mistakes=tuple(wrong))


def choice_question(prompt: str, options: Sequence[str], correct: int,
                    explanation_text: str = "",
                    feedback: dict[int, str] | None = None) -> Question:
    """A multiple-choice question with given ``options``; ``feedback`` says what to tell a
    student who picks a wrong one (by index)."""
    opts = tuple(options)
    if len(opts) < 2 or not 0 <= correct < len(opts):
        raise ValueError("a multiple-choice question needs two options or more and the "
                         "index of the right one")
    wrong = tuple(Mistake(opts[i], text, "choice") for i, text in (feedback or {}).items()
                  if 0 <= i < len(opts) and i != correct)
    return Question("choice", prompt, options=opts, correct=correct,
                    explanation=explanation_text, mistakes=wrong)


def questions(explanation: Explanation, digits: int = DEFAULT_DIGITS) -> list[Question]:
    """Every question the explanation's own results allow: a value question on each main
    result, the sign of each gradient, and the direction of each updated parameter."""
    out: list[Question] = []
    for eq in main_equations(explanation):
        if eq.result is None or eq.result.role != COMPUTED:
            continue
        quantity = eq.result.quantity
        out.append(value_question(explanation, quantity, digits))
        if quantity.startswith("dE/d") and eq.refers_to is not None \
                and eq.refers_to.kind == "parameter":
            out.append(sign_question(explanation, quantity, digits))
        if quantity.startswith("new "):
            with contextlib.suppress(KeyError):
                out.append(direction_question(explanation, quantity[4:], digits))
    return out


def ask(explanation: Explanation, quantity: str | None = None, kind: str = "value",
        digits: int = DEFAULT_DIGITS) -> Question:
    """The question quiz mode asks before a sub-step is revealed: by default the value of
    the sub-step's own result (a neuron's output, the error, a gradient; for the update,
    give the parameter's ``"new w5"``). ``kind`` "sign" asks for the sign, "direction"
    which way a parameter moves (``quantity`` is then the parameter). KeyError when the
    sub-step does not reveal the quantity."""
    if quantity is None:
        quantity = _own_quantity(explanation)
    if kind == "value":
        return value_question(explanation, quantity, digits)
    if kind == "sign":
        return sign_question(explanation, quantity, digits)
    if kind == "direction":
        return direction_question(explanation, quantity.removeprefix("new "), digits)
    raise ValueError(f"unknown kind of question {kind!r} (value, sign or direction)")


def _own_quantity(explanation: Explanation) -> str:
    mains = [eq for eq in main_equations(explanation)
             if eq.result is not None and eq.result.role == COMPUTED]
    if not mains:
        raise KeyError("this explanation reveals no value to predict")
    if explanation.value is not None:
        for eq in reversed(mains):
            assert eq.result is not None
            if eq.result.value == explanation.value:
                return eq.result.quantity
    assert mains[-1].result is not None
    return mains[-1].result.quantity


# --- grading -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Grade:
    """How a prediction fared: ``correct``, what was typed and the right answer as shown,
    how far off (``abs_error``, ``rel_error``: None for options or a zero value), the
    expected mistake it matches (if any) and the sentence to show."""

    question: Question
    correct: bool
    typed: str
    expected: str
    message: str
    abs_error: float | None = None
    rel_error: float | None = None
    mistake: Mistake | None = None


def agrees(prediction: Prediction, value: float, digits: int) -> bool:
    """Whether ``prediction`` reads as ``value`` at ``digits`` significant digits, or
    (typed with fewer digits, at least :data:`MIN_TYPED_DIGITS`) is ``value`` rounded to
    the digits typed."""
    if not math.isfinite(value):
        return False
    if format_number(prediction.value, digits) == format_number(value, digits):
        return True
    typed = prediction.digits
    if typed is not None and MIN_TYPED_DIGITS <= typed < digits:
        return format_number(prediction.value, typed) == format_number(value, typed)
    return False


def grade(question: Question, answer: str | int) -> Grade:
    """Grade ``answer``: the typed text of a value question (:class:`PredictionError` when
    it is not a number), or an option (its text or index) of the others (ValueError when
    it is none of them)."""
    if question.kind == "value":
        if not isinstance(answer, str):
            raise PredictionError(_HINT)
        return _grade_value(question, parse_prediction(answer))
    return _grade_option(question, answer)


def _grade_value(q: Question, p: Prediction) -> Grade:
    assert q.value is not None
    value, digits = q.value, q.digits
    shown = format_number(value, digits)
    abs_error = abs(p.value - value)
    rel_error = abs_error / abs(value) if value != 0 else None
    if agrees(p, value, digits):
        if format_number(p.value, digits) == shown or p.digits is None:
            message = f"Right: {_spoken(q.quantity)} = {shown}."
        else:
            message = (f"Right to the {p.digits} digits you gave: {_spoken(q.quantity)} = "
                       f"{shown}.")
        return Grade(q, True, p.text, shown, message, abs_error, rel_error)
    off = f"off by {format_number(abs_error, 2)}"
    if rel_error is not None:
        off += f", or {_percent(rel_error)}"
    message = f"Not quite: you said {p.text}, the value is {shown} ({off})."
    for mistake in q.mistakes:
        if isinstance(mistake.value, float | int) and not isinstance(mistake.value, bool) \
                and agrees(p, float(mistake.value), digits) \
                and not agrees(Prediction(float(mistake.value), "", None), value, digits):
            return Grade(q, False, p.text, shown, f"{message} {mistake.feedback}",
                         abs_error, rel_error, mistake)
    return Grade(q, False, p.text, shown, message, abs_error, rel_error)


def _grade_option(q: Question, answer: str | int) -> Grade:
    if isinstance(answer, bool):
        raise ValueError("choose one of the options")
    if isinstance(answer, int):
        if not 0 <= answer < len(q.options):
            raise ValueError(f"choose one of the {len(q.options)} options")
        index = answer
    else:
        wanted = answer.strip().casefold()
        matches = [i for i, o in enumerate(q.options) if o.casefold() == wanted]
        if not matches:
            raise ValueError(f"choose one of: {', '.join(q.options)}")
        index = matches[0]
    chosen, right = q.options[index], q.answer_text
    if index == q.correct:
        return Grade(q, True, chosen, right, f"Right: {right}. {q.explanation}".strip())
    message = f"Not quite: the answer is {right}."
    for mistake in q.mistakes:
        if mistake.value == chosen:
            message += f" {mistake.feedback}"
            return Grade(q, False, chosen, right, message.strip(), mistake=mistake)
    if q.explanation:
        message += f" {q.explanation}"
    return Grade(q, False, chosen, right, message)


def _percent(rel: float) -> str:
    return f"{format_number(rel * 100, 2)}%"


# --- the mistakes a student is likely to make, from the tree's numbers ---------------------------

def expected_mistakes(eq: Equation, digits: int = DEFAULT_DIGITS) -> list[Mistake]:
    """The wrong answers to ``eq``'s result that say which part was wrong (see the module
    docstring), most telling first. Only values that differ from the right answer at the
    displayed precision are kept."""
    if eq.result is None:
        return []
    value = eq.result.value
    found: list[Mistake] = []
    found += _update_mistakes(eq, digits)
    found += _product_mistakes(eq, digits)
    found += _sum_mistakes(eq)
    found += _activation_mistakes(eq)
    kept: list[Mistake] = []
    for m in found:
        v = m.value
        if isinstance(v, float) and math.isfinite(v) \
                and format_number(v, digits) != format_number(value, digits) \
                and all(format_number(v, digits) != format_number(float(k.value), digits)
                        for k in kept if isinstance(k.value, float)):
            kept.append(m)
    return kept


def _flat(tokens: tuple[Token, ...]) -> list[Token]:
    out: list[Token] = []
    for token in tokens:
        if isinstance(token, Group):
            out += _flat(token.tokens)
        else:
            out.append(token)
    return out


def _old_value(eq: Equation, name: str) -> float | None:
    for num in tokens_numbers(eq.numbers):
        if num.quantity == name:
            return num.value
    return None


def _update_mistakes(eq: Equation, digits: int) -> list[Mistake]:
    """The update: the wrong sign (p + step instead of p - step), and with plain gradient
    descent the step without the learning rate."""
    assert eq.result is not None
    quantity = eq.result.quantity
    if not quantity.startswith("new "):
        return []
    name = quantity[4:]
    old = _old_value(eq, name)
    if old is None:
        return []
    new = eq.result.value
    nums = list(tokens_numbers(eq.numbers))
    lr = next((n for n in nums if n.quantity == "lr"), None)
    gradient = next((n for n in nums if n.quantity.startswith("d")
                     and n.quantity.endswith(f"/d{name}")), None)
    out: list[Mistake] = []
    wrong = old + (old - new)  # the same step, the other way
    if lr is not None and gradient is not None:
        g = gradient.quantity
        out.append(Mistake(wrong, (
            f"That is {name} + lr * {g}, a step uphill: gradient descent moves against the "
            f"gradient, {name} - lr * {g} = {_wide(new, old, digits)}."), "update sign"))
        if math.isclose(old - lr.value * gradient.value, new, rel_tol=_CONSISTENT,
                        abs_tol=1e-300):
            out.append(Mistake(old - gradient.value, (
                f"That subtracts the whole gradient {g}: the step is the learning rate times "
                f"the gradient, lr * {g} = {format_number(lr.value * gradient.value, digits)}."),
                "learning rate"))
    else:
        out.append(Mistake(wrong, (
            f"That moves {name} the wrong way: the update subtracts the optimizer's step, "
            f"so {name} goes from {format_number(old, digits)} to "
            f"{_wide(new, old, digits)}."), "update sign"))
    return out


def _term_value(token: Token) -> float | None:
    """The value of one term of a sum: a number, or a group that is a product of numbers."""
    if isinstance(token, Num):
        return token.value
    if isinstance(token, Group):
        nums = _product_factors(token.tokens)
        if nums is not None:
            return math.prod(n.value for n in nums)
    return None


def _product_factors(tokens: tuple[Token, ...]) -> list[Num] | None:
    """The numbers of ``tokens`` if they are a product of numbers (``a * b * c``)."""
    flat = _flat(tokens)
    nums = [t for t in flat if isinstance(t, Num)]
    ops = [t for t in flat if isinstance(t, Op)]
    if len(nums) < 1 or len(flat) != 2 * len(nums) - 1 or any(isinstance(t, Sym) for t in flat):
        return None
    if any(op.text.strip() != "*" for op in ops):
        return None
    if any(not isinstance(flat[i], Num) for i in range(0, len(flat), 2)):
        return None
    return nums


def _sum_terms(tokens: tuple[Token, ...]) -> list[Token] | None:
    """The terms of ``tokens`` if they are a sum of terms (``t1 + t2 + ...``)."""
    if len(tokens) < 3 or len(tokens) % 2 == 0:
        return None
    terms = list(tokens[0::2])
    seps = tokens[1::2]
    if any(not isinstance(s, Op) or s.text.strip() != "+" for s in seps):
        return None
    return terms


def _consistent(parts: float, result: float) -> bool:
    return math.isclose(parts, result, rel_tol=_CONSISTENT, abs_tol=1e-300)


def _described(eq: Equation | None, num: Num, digits: int) -> str:
    """A factor as the feedback names it: "doutY1/dnetY1 = outY1 * (1 - outY1)"."""
    if eq is not None and eq.formula:
        return f"{num.quantity} = {TextRenderer(digits).tokens(eq.formula)}"
    return num.quantity


def _product_mistakes(eq: Equation, digits: int) -> list[Mistake]:
    """A product of factors (a chain rule): a factor left out, a factor rounded early, and
    for a factor that sums over paths, only one of its paths used."""
    assert eq.result is not None
    factors = _product_factors(eq.numbers)
    if factors is None or len(factors) < 2 or \
            not _consistent(math.prod(f.value for f in factors), eq.result.value):
        return []
    children = {c.lhs.name: c for c in eq.children}
    out: list[Mistake] = []
    # A forgotten path: a factor that is a sum over paths, with only one path used.
    for i, f in enumerate(factors):
        child = children.get(f.quantity)
        terms = _sum_terms(child.numbers) if child is not None else None
        if child is None or terms is None:
            continue
        values = [_term_value(t) for t in terms]
        if any(v is None for v in values) or not _consistent(
                sum(v for v in values if v is not None), f.value):
            continue
        rest = math.prod(g.value for j, g in enumerate(factors) if j != i)
        formula = TextRenderer(digits).tokens(child.formula)
        for k, (term, v) in enumerate(zip(terms, values)):
            assert v is not None
            path = TextRenderer(digits).tokens(_symbols_of(child.formula, k) or (term,))
            out.append(Mistake(rest * v, (
                f"That uses only one path of {f.quantity} ({path}). The error reaches "
                f"{f.quantity.partition('/')[2][1:]} along every path through the next "
                f"layer, so the factor sums them all: {f.quantity} = {formula} = "
                f"{format_number(f.value, digits)}."), "forgotten path"))
    # A factor left out.
    for i, f in enumerate(factors):
        rest = math.prod(g.value for j, g in enumerate(factors) if j != i)
        out.append(Mistake(rest, (
            f"That leaves out the factor {_described(children.get(f.quantity), f, digits)} "
            f"= {format_number(f.value, digits)}: the chain rule multiplies every factor "
            f"along the path."), "missing factor"))
    # A factor rounded early.
    for i, f in enumerate(factors):
        for d in ROUNDING_DIGITS:
            rounded = float(format_number(f.value, d))
            if rounded == f.value:
                continue
            rest = math.prod(g.value for j, g in enumerate(factors) if j != i)
            what = _described(children.get(f.quantity), f, digits)
            out.append(Mistake(rest * rounded, (
                f"That is what {what} rounded to {format_number(rounded, d)} gives. Keep "
                f"every digit until the end: with {format_number(f.value, digits)} it is "
                f"{format_number(eq.result.value, digits)}."), "rounded early"))
    return out


def _symbols_of(formula: tuple[Token, ...], k: int) -> tuple[Token, ...] | None:
    """The ``k``-th term of a sum written in symbols."""
    terms = _sum_terms(formula)
    if terms is None or k >= len(terms):
        return None
    return (terms[k],)


def _sum_mistakes(eq: Equation) -> list[Mistake]:
    """A sum (a net input, the error, a shared bias's gradient): one term left out."""
    assert eq.result is not None
    terms = _sum_terms(eq.numbers)
    if terms is None:
        return []
    values = [_term_value(t) for t in terms]
    if any(v is None for v in values) or not _consistent(
            sum(v for v in values if v is not None), eq.result.value):
        return []
    sym_terms = _sum_terms(eq.formula) or []
    out: list[Mistake] = []
    total = sum(v for v in values if v is not None)
    for k, v in enumerate(values):
        assert v is not None
        name = TextRenderer().tokens((sym_terms[k],)) if k < len(sym_terms) else "one term"
        what = f"the bias {name}" if name.startswith("b") and name[1:].isdigit() else name
        out.append(Mistake(total - v, (
            f"That leaves out {what}: {eq.lhs.name} adds up every term, "
            f"{TextRenderer().tokens(eq.formula) if eq.formula else ''}.").replace(", .", "."),
            "left out a term"))
    return out


def _activation_mistakes(eq: Equation) -> list[Mistake]:
    """A neuron's output: the net input given instead of the activation of it."""
    assert eq.result is not None
    nums = list(tokens_numbers(eq.numbers))
    if len(nums) != 1 or not eq.result.quantity.startswith("out") \
            or not nums[0].quantity.startswith("net"):
        return []
    net = nums[0]
    formula = TextRenderer().tokens(eq.formula)
    return [Mistake(net.value, (
        f"That is {net.quantity}, the net input. The output is the activation of it: "
        f"{eq.result.quantity} = {formula}."), "activation")]


# --- feedback helpers --------------------------------------------------------------------------

def _spoken(quantity: str) -> str:
    if quantity.startswith("new "):
        return f"{quantity[4:]} after the update"
    return quantity


def _wide(new: float, old: float, digits: int) -> str:
    """``new`` with enough digits to differ from ``old`` (0.149997, not 0.15)."""
    d = digits
    while d < 17 and format_number(new, d) == format_number(old, d):
        d += 1
    return format_number(new, d)


def _reveal(eq: Equation, digits: int) -> str:
    text = TextRenderer(digits).lines(Explanation("", (eq,)))
    return "\n".join(line.text for line in text)


def _sign_feedback(quantity: str, value: float, digits: int) -> str:
    sign = sign_of(value, digits)
    shown = format_number(value, digits)
    if quantity.startswith("dE/d"):
        name = quantity[4:]
        if sign == "positive":
            return (f"{quantity} = {shown} > 0: raising {name} would raise the error, so "
                    f"gradient descent lowers {name}.")
        if sign == "negative":
            return (f"{quantity} = {shown} < 0: raising {name} would lower the error, so "
                    f"gradient descent raises {name}.")
        return f"{quantity} is 0 at this precision: the error hardly changes with {name}."
    return f"{quantity} = {shown}."


def _direction_feedback(eq: Equation, name: str, old: float, new: float, digits: int) -> str:
    gradient = next((n for n in tokens_numbers(eq.numbers)
                     if n.quantity == f"dE/d{name}"), None)
    way = "up" if new > old else "down" if new < old else "nowhere"
    if gradient is not None and way != "nowhere":
        sign = "positive" if gradient.value > 0 else "negative"
        return (f"dE/d{name} = {format_number(gradient.value, digits)} is {sign}, and the "
                f"update subtracts lr * dE/d{name}, so {name} goes {way}: from "
                f"{format_number(old, digits)} to {_wide(new, old, digits)}.")
    if way == "nowhere":
        return f"{name} stays at {format_number(old, digits)} (it is not updated)."
    return f"{name} goes {way}: from {format_number(old, digits)} to {_wide(new, old, digits)}."


# --- the session's score -----------------------------------------------------------------------

@dataclass
class Score:
    """The questions answered in this session and how they went. Nothing is stored: the
    player keeps it in memory, and :func:`save_score` writes it only when asked to."""

    grades: list[Grade] = field(default_factory=list)

    def record(self, g: Grade) -> None:
        """Count a graded prediction."""
        self.grades.append(g)

    @property
    def asked(self) -> int:
        """How many predictions were graded."""
        return len(self.grades)

    @property
    def right(self) -> int:
        """How many were right."""
        return sum(g.correct for g in self.grades)

    def summary(self) -> str:
        """"3 of 4 right" (or "no questions answered yet")."""
        if not self.grades:
            return "no questions answered yet"
        return f"{self.right} of {self.asked} right"

    def clear(self) -> None:
        """Start the tally again."""
        self.grades.clear()

    def to_dict(self) -> dict[str, Any]:
        """The score as JSON-ready data: totals and one entry per answer."""
        return {"format": "backprop-lab-score", "version": 1, "right": self.right,
                "asked": self.asked,
                "answers": [{"question": g.question.prompt, "quantity": g.question.quantity,
                             "answer": g.typed, "expected": g.expected,
                             "correct": g.correct,
                             "mistake": g.mistake.kind if g.mistake else None}
                            for g in self.grades]}


def save_score(score: Score, path: str | os.PathLike[str]) -> Path:
    """Write the score as JSON (atomically) when the student asks to save it."""
    p = Path(path)
    atomic_write(p, (json.dumps(score.to_dict(), indent=1) + "\n").encode("utf-8"))
    return p


__all__ = ["DIRECTIONS", "MIN_TYPED_DIGITS", "QUESTION_KINDS", "ROUNDING_DIGITS", "SIGNS",
           "Grade", "Mistake", "Prediction", "PredictionError", "Question", "QuestionKind",
           "Score", "agrees", "ask", "choice_question", "direction_question",
           "expected_mistakes", "grade", "parse_prediction", "questions", "result_quantities",
           "save_score", "sign_of", "sign_question", "typed_digits", "value_question"]
