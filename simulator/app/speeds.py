"""The run speeds: the one list the runner, the settings, the toolbar and the menu read.

A speed is a number of iterations per second, or ``None`` for as fast as possible; its
name ("1" ... "100", "fast") is what the settings store and the widgets carry. No Qt here.
"""

from __future__ import annotations

#: The paced speeds in iterations per second; ``None`` means as fast as possible.
SPEEDS: tuple[int | None, ...] = (1, 5, 20, 100, None)
#: The speed a new runner (and a fresh settings store) starts with.
DEFAULT_SPEED: int | None = 100


def speed_name(speed: int | None) -> str:
    """"fast" or the number of iterations per second as text."""
    return "fast" if speed is None else str(speed)


def speed_from_name(name: str) -> int | None:
    """Inverse of :func:`speed_name` (ValueError for an unknown name)."""
    if name == "fast":
        return None
    if not name.isdigit() or int(name) not in SPEEDS:
        raise ValueError(f"unknown speed '{name}'")
    return int(name)


def speed_label(speed: int | None, short: bool = False) -> str:
    """How a speed is offered: "Fast", "20 iterations/s", "1 iteration/s" (menu) or
    "20 it/s" (``short``, toolbar)."""
    if speed is None:
        return "Fast"
    return f"{speed} it/s" if short else f"{speed} iteration{'s' if speed != 1 else ''}/s"


#: The names of :data:`SPEEDS`, in order.
SPEED_NAMES: tuple[str, ...] = tuple(speed_name(s) for s in SPEEDS)
#: The name of :data:`DEFAULT_SPEED`.
DEFAULT_SPEED_NAME = speed_name(DEFAULT_SPEED)

__all__ = ["DEFAULT_SPEED", "DEFAULT_SPEED_NAME", "SPEEDS", "SPEED_NAMES", "speed_from_name",
           "speed_label", "speed_name"]
