"""The strict JSON reader that documents and lesson files share (engine/strict_json.py)."""

from __future__ import annotations

import json
import math

import pytest

from simulator.engine import strict_json
from simulator.engine.limits import MAX_INT_DIGITS


def test_plain_json_reads_as_json_does():
    text = '{"a": [1, 2.5, -3e-4, true, null, "x"], "b": {"c": {}}}'
    assert strict_json.loads(text) == json.loads(text)


@pytest.mark.parametrize(("text", "path"), [
    ('{"a": 1, "a": 2}', "a"),
    ('{"steps": [{}, {"title": "x", "text": "y", "title": "z"}]}', "steps[1].title"),
    ('{"x": {"y": [[{"k": 1, "k": 1}]]}}', "x.y[0][0].k"),
    ('{"a\\nb": {"c": 1, "c": 2}}', "a\\nb.c"),  # a control character shown escaped
])
def test_a_key_given_twice_is_named_by_its_field_path(text, path):
    with pytest.raises(strict_json.DuplicateKey) as caught:
        strict_json.loads(text)
    assert caught.value.path == path
    assert isinstance(caught.value.root, dict)


def test_numbers_no_field_can_hold_are_marked_not_converted():
    over = "9" * (MAX_INT_DIGITS + 1)
    raw = strict_json.loads(f'[{over}, -{over}, 1e400, {"9" * MAX_INT_DIGITS}, {"9" * 400}]')
    assert [type(v).__name__ for v in raw] == ["Unreadable"] * 3 + ["int", "Unreadable"]
    # short ones are shown as written, long ones by their length
    assert repr(raw[0]) == over and repr(raw[2]) == "1e400"
    assert repr(raw[4]) == "a 400-digit number"


def test_nan_and_infinity_are_marked_only_when_asked():
    plain = strict_json.loads("[NaN, Infinity]")
    assert math.isnan(plain[0]) and plain[1] == math.inf
    marked = strict_json.loads("[NaN, -Infinity]", constants_unreadable=True)
    assert [repr(v) for v in marked] == ["NaN", "-Infinity"]


def test_errors_of_the_text_itself_propagate_for_the_caller_to_word():
    with pytest.raises(json.JSONDecodeError):
        strict_json.loads('{"a": ')
    with pytest.raises(RecursionError):
        strict_json.loads("[" * 100_000 + "]" * 100_000)
