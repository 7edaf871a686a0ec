"""A seeded fuzzer of lesson files: mutations of the shipped lessons (a value replaced, a key
removed or added, a key given twice, the text cut short), each loaded. A lesson that still
loads is fine; a bad one gets exactly one LessonError, on one line, naming the file and,
when the mutation is inside a step, that step or a later one (a step can break the steps
that rely on it); nothing else ever escapes the loader."""

from __future__ import annotations

import copy
import json
import random
import re
from typing import Any

import pytest

from simulator.engine.lesson import LessonError, lesson_files, loads_lesson

from . import _reference as ref

#: Mutations per shipped lesson.
PER_LESSON = 150

VALUES: list[Any] = [
    None, True, False, 0, -1, 1, 2, 0.5, -0.0, 1e308, -1e308, 10**30, "", "x", "w5", "H1",
    "backward", "update", "function", "canvas", "reference.json", "../x.json", "bowl",
    "x^2", "**", "`", "\x07", "\ud800", "é" * 300, [], [1, 2], ["w5", "w6"], ["canvas"],
    {}, {"a": 1}, {"stage": "backward", "target": "w5"}, {"generator": "spiral"},
    {"expression": "x*y", "point": {"x": 1, "y": 2}}, {"kind": "choice"},
    {"quantity": "loss", "value": 1}, "x" * 5000,
]
KEYS = ["title", "text", "notes", "network", "function", "data", "training", "at", "show",
        "surface", "question", "checks", "kind", "quantity", "stage", "target", "iteration",
        "choices", "answer", "value", "formula", "zzz"]


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    out = [(path, value)]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _nodes(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _nodes(v, (*path, i))
    return out


def _parent(raw: Any, path: tuple[Any, ...]) -> Any:
    obj = raw
    for part in path[:-1]:
        obj = obj[part]
    return obj


def _mutate(raw: dict[str, Any], rng: random.Random) -> tuple[str, tuple[Any, ...], str]:
    """Mutate a copy of ``raw``; returns the JSON text, the mutated path and what was done."""
    doc = copy.deepcopy(raw)
    nodes = [n for n in _nodes(doc) if n[0]]
    path, value = rng.choice(nodes)
    kind = rng.choice(["replace", "replace", "replace", "delete", "add", "duplicate",
                       "truncate", "swap"])
    parent = _parent(doc, path)
    if kind == "replace":
        parent[path[-1]] = copy.deepcopy(rng.choice(VALUES))
    elif kind == "delete":
        if isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
    elif kind == "add" and isinstance(value, dict):
        value[rng.choice(KEYS)] = copy.deepcopy(rng.choice(VALUES))
    elif kind == "swap" and isinstance(parent, list) and len(parent) > 1:
        j = rng.randrange(len(parent))
        parent[path[-1]], parent[j] = parent[j], parent[path[-1]]
    text = json.dumps(doc, ensure_ascii=rng.random() < 0.5)
    if kind == "duplicate" and isinstance(path[-1], str):
        key = json.dumps(path[-1])
        at = text.find(key + ":")
        if at >= 0:
            text = text[:at] + f"{key}: 1, " + text[at:]
    if kind == "truncate":
        text = text[:rng.randrange(len(text))]
    return text, path, kind


def _bases() -> list[tuple[str, dict[str, Any]]]:
    bases = []
    for path in lesson_files():
        bases.append((path.name, json.loads(path.read_text(encoding="utf-8"))))
    # One with an inline document, so the document loader is fuzzed through a lesson too.
    inline = copy.deepcopy(bases[0][1])
    reference = json.loads(ref.REFERENCE_JSON.read_text(encoding="utf-8"))
    for step in inline["steps"]:
        if step.get("network") == "reference.json":
            step["network"] = reference
    bases.append(("inline.json", inline))
    return bases


STEP = re.compile(r": step (\d+)")


@pytest.mark.parametrize(("name", "raw"), _bases(), ids=lambda v: v if isinstance(v, str) else "")
def test_fuzzed_lessons_get_one_clear_message(name: str, raw: dict[str, Any]) -> None:
    rng = random.Random(f"lesson-fuzz {name}")
    refused = 0
    for _ in range(PER_LESSON):
        text, path, kind = _mutate(raw, rng)
        try:
            loads_lesson(text, name)
        except LessonError as exc:
            refused += 1
            message = str(exc)
            where = f"{kind} at {path}"
            assert message.startswith(f"{name}: "), (where, message)
            assert "\n" not in message and "Traceback" not in message, (where, message)
            assert len(message) < 1000, where
            if kind not in ("truncate", "duplicate", "swap") and len(path) >= 2 \
                    and path[0] == "steps" and not message.startswith(f"{name}: not valid"):
                m = STEP.search(message)
                assert m is not None and int(m.group(1)) >= path[1] + 1, (where, message)
        except Exception as exc:  # anything else escaping the loader is the bug
            pytest.fail(f"{kind} at {path}: {type(exc).__name__}: {exc}")
    assert refused > PER_LESSON // 3  # the fuzzer does reach the checks
