"""The one number formatter and the one number parser of the whole app.

:func:`format_number` writes every number a view, ``explain`` or a handout shows.
:func:`parse_number` reads every number a user types (inline editors, inspector fields,
toolbar boxes, dialogs, the command line), with one set of messages, and refuses values
outside :mod:`simulator.engine.limits` so that what is accepted also saves.
"""

from __future__ import annotations

import math

from .limits import DEFAULT_DIGITS, MAX_ABS_VALUE


class NumberError(ValueError):
    """Typed text that is not an acceptable number; the message says why, in one line."""


def format_number(value: float, digits: int = DEFAULT_DIGITS) -> str:
    """``value`` with ``digits`` significant digits, in plain decimals where that stays
    readable (1e-5 <= |v| < 1e7), trailing zeros dropped: 0.154, -0.0000299268, 1.5e-09."""
    v = float(value)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0.0:
        return "0"
    digits = max(1, int(digits))
    magnitude = math.floor(math.log10(abs(v)))
    if -5 <= magnitude < 7:
        decimals = max(0, digits - 1 - magnitude)
        text = f"{v:.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        # Rounding can leave "-0" for a tiny negative value.
        return "0" if text in ("-0", "") else text
    mantissa, exponent = f"{v:.{digits - 1}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent):+03d}"


def format_bound(value: float) -> str:
    """A limit as written in a message: 1000000000000 as 1e+12, 64 as 64."""
    v = float(value)
    return str(int(v)) if v.is_integer() and abs(v) < 1e6 else f"{v:g}"


#: Longest text :func:`parse_number` reads (a longer one is refused before it is parsed).
MAX_TEXT = 100


def parse_number(text: str, what: str = "the value", *, integer: bool = False,
                 minimum: float | None = None, maximum: float | None = None) -> float:
    """The number typed in ``text``, or :class:`NumberError` with a reason a student can
    act on.

    Accepts plain and scientific notation ("0.5", "-1e-3") and a decimal comma when there
    is no point ("0,5"). NaN, infinities and magnitudes above
    :data:`~simulator.engine.limits.MAX_ABS_VALUE` are refused, as the document refuses
    them. With ``integer`` the value must be whole and an ``int`` is returned.
    """
    s = text.strip()
    if not s:
        raise NumberError(f"type a number for {what}")
    shown = s if len(s) <= 20 else s[:17] + "..."
    shown = shown.encode("unicode_escape").decode("ascii")
    if len(s) > MAX_TEXT:
        raise NumberError(f"'{shown}' is too long to be a number")
    if "," in s and "." not in s and s.count(",") == 1:
        s = s.replace(",", ".")
    if "_" in s:  # float() accepts "1_000"; a student typing it meant something else
        raise NumberError(f"'{shown}' is not a number")
    try:
        value = float(s)
    except ValueError:
        raise NumberError(f"'{shown}' is not a number") from None
    if math.isnan(value) or math.isinf(value):
        raise NumberError(f"{what} must be a finite number")
    if abs(value) > MAX_ABS_VALUE:
        raise NumberError(f"{what} is too large (the limit is {format_bound(MAX_ABS_VALUE)})")
    if integer and value != math.floor(value):
        raise NumberError(f"{what} must be a whole number")
    if minimum is not None and value < minimum:
        raise NumberError(f"{what} must be at least {format_bound(minimum)}")
    if maximum is not None and value > maximum:
        raise NumberError(f"{what} must be at most {format_bound(maximum)}")
    return int(value) if integer else value


__all__ = ["MAX_TEXT", "NumberError", "format_bound", "format_number", "parse_number"]
