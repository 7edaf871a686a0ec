"""Lessons in the window (issue 10): the lesson player and its pane, predict-then-reveal
questions and quiz mode, the start page, the teacher's notes, File > Examples with
descriptions, and File > Export handout...

The modules, by job: :mod:`.player` (the glue: menus, keys, applying a step through the
model), :mod:`.positions` (moving the stepper to a step's position), :mod:`.asking` (what a
step asks and how its answer is revealed), :mod:`.layout` (where a step's views go),
:mod:`.pane` and :mod:`.question_box` (what the students see), :mod:`.notes` (the teacher's
notes on a second screen), :mod:`.start_page`, :mod:`.examples_menu`,
:mod:`.handout_export` and :mod:`.memory` (what is remembered in the settings).
"""

from __future__ import annotations

from .player import LessonPlayer

__all__ = ["LessonPlayer"]
