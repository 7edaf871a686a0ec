"""What the lesson player remembers between sessions, in the user's settings.

One JSON object under the settings key ``lesson/state`` (see
:mod:`simulator.app.settings`), with its own version::

    {"version": 1, "current": "mechanics", "steps": {"mechanics": 11},
     "questions": {"mechanics": false}, "start_page": true, "quiz": false}

- ``current``: the lesson that was open when the player last changed (None: none), so a
  student who leaves a lesson comes back to it;
- ``steps``: each lesson's last step (0-based), so it opens where it was left;
- ``questions``: the teacher's choice per lesson (a lesson without an entry uses its own
  ``questions`` field);
- ``start_page``: whether the start page shows when the app starts;
- ``quiz``: quiz mode for free stepping.

Every value is checked when read; one that does not validate is ignored, so a hand-edited
store cannot break the player. The session's score is never stored here.
"""

from __future__ import annotations

from typing import Any

from ..settings import Settings

VERSION = 1
#: The most lessons whose step and question choice are remembered (the most recent kept).
MAX_REMEMBERED = 200
_MAX_ID = 64


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= _MAX_ID and all(
        (c.isascii() and c.isalnum()) or c in "-_" for c in value)


class LessonMemory:
    """Typed access to the player's part of the settings (see the module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def _read(self) -> dict[str, Any]:
        raw = self._settings.lesson_state
        if raw.get("version") != VERSION:
            return {}
        return raw

    def _write(self, **changes: Any) -> None:
        data = self._read()
        data.update(changes)
        data["version"] = VERSION
        self._settings.lesson_state = data

    # --- the lesson open, and each lesson's step ------------------------------------------------

    @property
    def current(self) -> str | None:
        """The id of the lesson open when the player last changed, or None."""
        value = self._read().get("current")
        return value if _is_id(value) else None

    def step_of(self, lesson_id: str) -> int:
        """The step (0-based) lesson ``lesson_id`` was left at (0 when it never was)."""
        steps = self._read().get("steps")
        value = steps.get(lesson_id) if isinstance(steps, dict) else None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return 0
        return value

    def remember(self, lesson_id: str | None, step: int = 0) -> None:
        """Remember that ``lesson_id`` is open at ``step`` (None: no lesson is open; the
        lessons' steps are kept)."""
        if lesson_id is None:
            self._write(current=None)
            return
        steps = self._read().get("steps")
        kept = {k: v for k, v in steps.items() if _is_id(k)} if isinstance(steps, dict) else {}
        kept.pop(lesson_id, None)
        kept[lesson_id] = int(step)
        while len(kept) > MAX_REMEMBERED:
            kept.pop(next(iter(kept)))
        self._write(current=lesson_id, steps=kept)

    # --- the teacher's choices -----------------------------------------------------------------

    def questions_on(self, lesson_id: str, default: bool) -> bool:
        """Whether lesson ``lesson_id`` asks its questions (``default``: the lesson's own
        choice, when the teacher made none)."""
        choices = self._read().get("questions")
        value = choices.get(lesson_id) if isinstance(choices, dict) else None
        return value if isinstance(value, bool) else default

    def set_questions_on(self, lesson_id: str, on: bool) -> None:
        """Remember the teacher's choice for lesson ``lesson_id``."""
        choices = self._read().get("questions")
        kept = {k: v for k, v in choices.items() if _is_id(k) and isinstance(v, bool)} \
            if isinstance(choices, dict) else {}
        kept.pop(lesson_id, None)
        kept[lesson_id] = bool(on)
        while len(kept) > MAX_REMEMBERED:
            kept.pop(next(iter(kept)))
        self._write(questions=kept)

    @property
    def start_page(self) -> bool:
        """Whether the start page shows when the app starts (default True)."""
        value = self._read().get("start_page", True)
        return value if isinstance(value, bool) else True

    @start_page.setter
    def start_page(self, on: bool) -> None:
        self._write(start_page=bool(on))

    @property
    def quiz(self) -> bool:
        """Whether quiz mode is on (default False)."""
        value = self._read().get("quiz", False)
        return value if isinstance(value, bool) else False

    @quiz.setter
    def quiz(self, on: bool) -> None:
        self._write(quiz=bool(on))


__all__ = ["MAX_REMEMBERED", "VERSION", "LessonMemory"]
