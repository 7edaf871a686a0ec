"""Finding a lesson by what a user types: a shipped lesson's id, or a lesson file's path
(the command line's ``--lesson``). No Qt here."""

from __future__ import annotations

from pathlib import Path

from ...engine.lesson import Lesson, LessonError, load_lesson, load_lessons


def find_lesson(text: str) -> Lesson:
    """The shipped lesson whose id is ``text``, else the lesson file at path ``text``;
    :class:`~simulator.engine.lesson.LessonError` (one line) when there is neither."""
    shipped = load_lessons(on_error=lambda _exc: None)
    for lesson in shipped:
        if lesson.id == text:
            return lesson
    path = Path(text)
    if path.suffix.lower() == ".json" or path.exists():
        return load_lesson(path)
    known = ", ".join(lesson.id for lesson in shipped) or "none"
    raise LessonError(f"no lesson '{text}' (the lessons: {known}; or give a lesson file)")


__all__ = ["find_lesson"]
