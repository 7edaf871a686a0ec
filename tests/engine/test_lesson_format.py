"""The lesson format: a bad lesson file gets one clear message naming the step and the
field, never a traceback; the safe markup; the example index."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from simulator.engine.example_index import ExampleIndexError, load_example_index
from simulator.engine.lesson import LessonError, lesson_from_dict, load_lesson, loads_lesson
from simulator.engine.lesson_markup import (
    MarkupError,
    check_markup,
    markup_html,
    markup_plain,
    parse_markup,
)

from . import _reference as ref


def base() -> dict[str, Any]:
    return {
        "format": "backprop-lab-lesson", "version": 1, "id": "test", "title": "A test",
        "steps": [
            {"title": "Open", "network": "reference.json", "text": "The network."},
            {"title": "Forward", "at": {"stage": "forward", "target": "H1"},
             "text": "H1.", "question": {"kind": "value", "quantity": "outH1",
                                         "prompt": "outH1?"},
             "checks": [{"quantity": "outH1", "value": 0.53842}]},
            {"title": "Curve", "function": {"expression": "x^2", "point": {"x": 1}},
             "text": "A curve.", "question": {"kind": "value", "quantity": "new x",
                                               "prompt": "Where?"}},
        ],
    }


def test_the_base_lesson_loads() -> None:
    lesson = lesson_from_dict(base(), "t.json")
    assert [s.title for s in lesson.steps] == ["Open", "Forward", "Curve"]
    assert lesson.questions and lesson.steps[2].show == ("function",)
    assert lesson.steps[2].document is lesson.steps[0].document  # carried


Mutation = Callable[[dict[str, Any]], Any]


def _set(path: str, value: Any) -> Mutation:
    def apply(raw: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        obj: Any = raw
        for part in parents:
            obj = obj[int(part)] if isinstance(obj, list) else obj[part]
        if isinstance(obj, list):
            obj[int(last)] = value
        else:
            obj[last] = value
    return apply


def _del(path: str) -> Mutation:
    def apply(raw: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        obj: Any = raw
        for part in parents:
            obj = obj[int(part)] if isinstance(obj, list) else obj[part]
        del obj[last]
    return apply


S1, S2, S3 = 't.json: step 1 ("Open")', 't.json: step 2 ("Forward")', 't.json: step 3 ("Curve")'

BAD: list[tuple[Mutation, str]] = [
    (_set("format", "backprop-lab"), "t.json: format: not a Backprop Lab lesson"),
    (_set("version", 2), "t.json: version: the lesson is version 2, made by a newer"),
    (_set("version", "1"), "t.json: version: must be a whole number"),
    (_set("colour", "red"), "t.json: colour: unknown field"),
    (_set("id", "a b"), "t.json: id: must be letters, digits"),
    (_del("title"), "t.json: title: missing"),
    (_set("questions", "yes"), "t.json: questions: must be true or false"),
    (_set("steps", []), "t.json: steps: must be a non-empty list"),
    (_set("steps", [{"title": "x", "text": "y"}] * 201), "t.json: steps: at most 200 steps"),
    (_set("steps.0", "open"), "t.json: step 1: must be an object"),
    (_set("steps.0.colour", 1), f"{S1}: colour: unknown field"),
    (_del("steps.0.title"), "t.json: step 1: title: missing"),
    (_set("steps.0.text", ""), f"{S1}: text: must not be empty"),
    (_set("steps.0.text", "a **b"), f"{S1}: text: a ** (bold) is not closed"),
    (_set("steps.0.text", "a `b"), f"{S1}: text: a ` (code) is not closed"),
    (_set("steps.0.text", "a\x00b"), f"{S1}: text: must not hold control characters"),
    (_set("steps.0.text", "x" * 4001), f"{S1}: text: longer than 4000 characters"),
    (_set("steps.0.notes", 3), f"{S1}: notes: must be text"),
    (_set("steps.0.network", "none.json"), f"{S1}: network: resources/examples/none.json: "
                                           "no such file"),
    (_set("steps.0.network", "../README.md"), f"{S1}: network: must be the name of a file"),
    (_set("steps.0.network", "/etc/passwd.json"), f"{S1}: network: must be the name of a file"),
    (_set("steps.0.network", 5), f"{S1}: network: must name an example file"),
    (_set("steps.0.network", {"format": "backprop-lab", "version": 1}),
     f"{S1}: network: layers: missing"),
    (_del("steps.0.network"), "t.json: step 1 (\"Open\"): the first step must open"),
    (_set("steps.0.data", {"generator": "spiral"}),
     f"{S1}: data: the data set does not fit the network"),
    (_set("steps.0.data", {"generator": "mnist"}), f"{S1}: data.generator: unknown generator"),
    (_set("steps.0.data", {"generator": "xor", "samples": 10}),
     f"{S1}: data: the xor data set takes no settings (it is always the same points)"),
    (_set("steps.0.data", {"generator": "sine", "one_hot": True}),
     f"{S1}: data.one_hot: only a classification data set has one_hot"),
    (_set("steps.0.data", {"generator": "circle", "samples": 0}), f"{S1}: data.samples: must be"),
    (_set("steps.0.data", {"generator": "circle", "noise": -1}), f"{S1}: data.noise: must be"),
    (_set("steps.0.training", {"learning_rate": 0}), f"{S1}: training.learning_rate: must be"),
    (_set("steps.0.training", {"optimizer": "rmsprop"}),
     f"{S1}: training.optimizer: unknown optimizer"),
    (_set("steps.0.training", {"batch_size": 1.5}), f"{S1}: training.batch_size: must be a whole"),
    (_set("steps.0.training", {"momentum": 1.5}), f"{S1}: training.momentum: must be"),
    (_set("steps.0.training", {"speed": 1}), f"{S1}: training.speed: unknown field"),
    (_set("steps.1.at", {"stage": "sideways", "target": "H1"}), f"{S2}: at.stage: unknown stage"),
    (_set("steps.1.at", {"stage": "backward", "target": "w99"}),
     f"{S2}: at.target: the backward stage has no sub-step \"w99\" (it has: w5, w6"),
    (_set("steps.1.at", {"stage": "forward"}), f"{S2}: at.target: missing"),
    (_set("steps.1.at", {"target": "H1"}), f"{S2}: at.stage: missing"),
    (_set("steps.1.at", {"iteration": -1}), f"{S2}: at.iteration: must be a whole number"),
    (_set("steps.1.at", {"iteration": 100001}), f"{S2}: at.iteration: must be a whole number"),
    (_set("steps.1.show", ["canvas", "spreadsheet"]), f"{S2}: show[1]: unknown view"),
    (_set("steps.1.show", ["canvas", "canvas"]), f"{S2}: show[1]: canvas is listed twice"),
    (_set("steps.1.show", []), f"{S2}: show: must be a non-empty list"),
    (_set("steps.1.show", ["function"]), f"{S2}: show: the function view needs a function"),
    (_set("steps.1.surface", {"axes": ["w5", "w42"]}),
     f"{S2}: surface.axes[1]: the network has no parameter \"w42\""),
    (_set("steps.1.surface", {"axes": ["w5"]}), f"{S2}: surface.axes: must be two parameter"),
    (_set("steps.1.surface", {"axes": ["w5", "w5"]}), f"{S2}: surface: the two axes must be"),
    (_set("steps.1.surface", {"axes": "random", "x_range": [2, 1]}),
     f"{S2}: surface.x_range: low must be below high"),
    (_set("steps.1.question.kind", "essay"), f"{S2}: question.kind: must be one of"),
    (_set("steps.1.question.quantity", "outY1"),
     f"{S2}: question.quantity: the sub-step Forward: H1 does not reveal \"outY1\" (it reveals: "
     "netH1, outH1)"),
    (_del("steps.1.question.prompt"), f"{S2}: question.prompt: missing"),
    (_set("steps.1.question.digits", 0), f"{S2}: question.digits: must be a whole number from 1"),
    (_del("steps.1.at"), f"{S2}: question: a value, sign or direction question on the network "
                         "needs the step to move the stepper"),
    (_set("steps.1.question", {"kind": "direction", "quantity": "w5", "prompt": "?"}),
     f"{S2}: question: a direction question needs the update sub-step"),
    (_set("steps.1.question", {"kind": "choice", "prompt": "?", "choices": ["a", "b"],
                               "answer": 0}), f"{S2}: question.explanation: missing"),
    (_set("steps.1.question", {"kind": "choice", "prompt": "?", "choices": ["a", "b"],
                               "answer": 2, "explanation": "."}),
     f"{S2}: question.answer: must be a whole number from 0 to 1"),
    (_set("steps.1.question", {"kind": "choice", "prompt": "?", "choices": ["a"],
                               "answer": 0, "explanation": "."}),
     f"{S2}: question.choices: must be a list of 2 to 8"),
    (_set("steps.1.question", {"kind": "choice", "prompt": "?", "choices": ["a", "a"],
                               "answer": 0, "explanation": "."}),
     f"{S2}: question.choices: two choices are the same"),
    (_set("steps.1.question", {"kind": "choice", "prompt": "?", "choices": ["a", "b"],
                               "answer": 0, "explanation": ".",
                               "mistakes": [{"answer": 0, "feedback": "no"}]}),
     f"{S2}: question.mistakes[0].answer: is the right answer"),
    (_set("steps.1.question.mistakes", [{"answer": "x", "feedback": "no"}]),
     f"{S2}: question.mistakes[0].answer: must be a number"),
    (_set("steps.1.question.choices", ["a", "b"]), f"{S2}: question.choices: only a choice"),
    (_set("steps.1.question", {"kind": "sign", "quantity": "outH1", "prompt": "?",
                               "mistakes": [{"answer": "up", "feedback": "no"}]}),
     f"{S2}: question.mistakes[0].answer: must be one of positive, negative, zero"),
    (_set("steps.1.checks", [{"quantity": "outY9", "value": 1}]),
     f"{S2}: checks[0].quantity: unknown quantity \"outY9\" here"),
    (_set("steps.1.checks", [{"value": 1}]),
     f"{S2}: checks[0]: give either a quantity or a formula"),
    (_set("steps.1.checks", [{"formula": "x + 1", "value": 1}]),
     f"{S2}: checks[0].formula: must be arithmetic on numbers, without variables"),
    (_set("steps.1.checks", [{"formula": "__import__('os')", "value": 1}]),
     f"{S2}: checks[0].formula:"),
    (_set("steps.1.checks", [{"quantity": "outH1", "value": True}]),
     f"{S2}: checks[0].value: must be a number"),
    (_set("steps.2.function", {"expression": "x^2"}), f"{S3}: function.point: missing"),
    (_set("steps.2.function", {"expression": "x^2", "example": "bowl"}),
     f"{S3}: function: give either an example"),
    (_set("steps.2.function", {"example": "teapot"}), f"{S3}: function.example: unknown example"),
    (_set("steps.2.function", {"expression": "x^^2", "point": {"x": 1}}),
     f"{S3}: function.expression:"),
    (_set("steps.2.function", {"expression": "x*y", "point": {"x": 1}}),
     f"{S3}: function.point: no value for y"),
    (_set("steps.2.function", {"expression": "x*y", "point": {"x": 1, "y": 2}, "view": "curve"}),
     f"{S3}: function.view: a curve shows a function of one variable"),
    (_set("steps.2.function", {"expression": "x", "point": {"x": 1}, "view": "surface"}),
     f"{S3}: function.view: a surface shows a function of two variables"),
    (_set("steps.2.function", {"expression": "x", "point": {"x": 1}, "learning_rate": 0}),
     f"{S3}: function.learning_rate: must be from 1e-08"),
    (_set("steps.2.function", {"expression": "x", "point": {"x": 1}, "optimizer": "sgd"}),
     f"{S3}: function.optimizer: must be one of gd, momentum, adam"),
    (_set("steps.2.function", {"expression": "x", "point": {"x": 1}, "steps": -1}),
     f"{S3}: function.steps: must be a whole number from 0"),
    (_set("steps.2.function", {"expression": "x", "point": {"x": 1}, "pirate": 1}),
     f"{S3}: function.pirate: must be true or false"),
    (_set("steps.2.function", {"expression": "x", "point": {"x": 1}, "range": {"x": [1]}}),
     f"{S3}: function.range.x: must be [low, high]"),
    (_set("steps.2.function", {"expression": "x", "point": {"z": 1}}),
     f"{S3}: function.point.z: unknown field"),
    (_set("steps.2.question.quantity", "df/dz"),
     f"{S3}: question.quantity: the function view does not show \"df/dz\""),
]


@pytest.mark.parametrize(("mutate", "message"), BAD)
def test_a_bad_lesson_gets_one_clear_message(mutate: Mutation, message: str) -> None:
    raw = copy.deepcopy(base())
    mutate(raw)
    with pytest.raises(LessonError) as info:
        lesson_from_dict(raw, "t.json")
    text = str(info.value)
    assert text.startswith(message), text
    assert "\n" not in text and "Traceback" not in text


def test_bad_json_text(tmp_path: Path) -> None:
    good = json.dumps(base())
    cases = {
        "a.json": (good[:-5], "a.json: not valid JSON (line 1, column"),
        "b.json": (good.replace('"title": "Open"', '"title": "Open", "title": "Again"'),
                   'b.json: step 1 ("Again"): title: the field appears more than once'),
        "c.json": (good.replace('"value": 0.53842', '"value": NaN'),
                   'c.json: step 2 ("Forward"): checks[0].value: must be a finite number, not NaN'),
        "d.json": (good.replace('"value": 0.53842', '"value": 1e999'),
                   'd.json: step 2 ("Forward"): checks[0].value: must be a finite number'),
        "e.json": (good.replace('"value": 0.53842', '"value": ' + "9" * 400),
                   'e.json: step 2 ("Forward"): checks[0].value: must be a finite number, not a '
                   '400-digit number'),
        "f.json": ("[" * 100_000, "f.json: nested too deeply"),
        "g.json": (good.replace('"version": 1', '"version": 1, "version": 1'),
                   "g.json: version: the field appears more than once"),
    }
    for name, (text, message) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(LessonError) as info:
            load_lesson(path)
        assert str(info.value).startswith(message), str(info.value)
    latin = tmp_path / "latin.json"
    latin.write_bytes(good.replace("The network.", "Caf\xe9").encode("latin-1"))
    with pytest.raises(LessonError, match=r"latin\.json: not a text file"):
        load_lesson(latin)


def test_files_are_checked_before_they_are_read(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as fh:
        fh.truncate(20_000_001)  # sparse: nothing is written, and nothing must be read
    with pytest.raises(LessonError, match=r"big.json: too large \(20.0 MB; the limit is"):
        load_lesson(big)
    with pytest.raises(LessonError, match="is a folder"):
        load_lesson(tmp_path)
    with pytest.raises(LessonError, match="no such file"):
        load_lesson(tmp_path / "none.json")


def test_an_inline_document_is_validated_like_a_file() -> None:
    raw = base()
    inline = json.loads(ref.REFERENCE_JSON.read_text(encoding="utf-8"))
    raw["steps"][0]["network"] = inline
    lesson = lesson_from_dict(raw, "t.json")
    assert lesson.steps[0].document_source == "inline"
    inline["weights"][0][0] = [0.1]
    with pytest.raises(LessonError, match=r'step 1 \("Open"\): network: weights\[0\]\[0\]: '
                                          r"expected 2 values"):
        lesson_from_dict(raw, "t.json")
    text = json.dumps(base()).replace('"network": "reference.json"', '"network": ' + json.dumps(
        json.loads(ref.REFERENCE_JSON.read_text(encoding="utf-8"))).replace("0.18", "NaN"))
    with pytest.raises(LessonError, match=r'step 1 \("Open"\): network.weights\[1\]\[0\]\[0\]: '
                                          "must be a finite number"):
        loads_lesson(text, "t.json")


# --- the markup ----------------------------------------------------------------------------------

def test_markup_is_escaped_and_small() -> None:
    text = ("Gradient **descent** moves *against* the slope: `w5 - lr * dE/dw5`.\n\n"
            "- w1*x1 + w2*x2\n- <script>alert(1)</script> & more\n\nlast")
    html = markup_html(text)
    assert html == ("<p>Gradient <b>descent</b> moves <i>against</i> the slope: "
                    "<code>w5 - lr * dE/dw5</code>.</p>\n<ul><li>w1*x1 + w2*x2</li>"
                    "<li>&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</li></ul>\n<p>last</p>")
    assert markup_plain(text).startswith("Gradient descent moves against the slope: w5 - lr")
    assert [b.kind for b in parse_markup(text)] == ["paragraph", "list", "paragraph"]
    for bad in ("**open", "`open", "a ** b"):
        with pytest.raises(MarkupError):
            check_markup(bad)
    check_markup("`a ** b` and lr * g")


def test_markup_never_passes_html_through() -> None:
    for attack in ('<img src=x onerror="1">', "**<b>**", "`<i>`", "*<a href='x'>*"):
        assert not re.search(r"<(img|a |script)", markup_html(attack))
        assert "&lt;" in markup_html(attack)


# --- the example index ---------------------------------------------------------------------------

def test_every_example_network_is_indexed_with_a_description() -> None:
    entries = load_example_index()
    folder = ref.REPO / "resources" / "examples"
    files = sorted(p.name for p in folder.glob("*.json") if p.name != "index.json")
    assert sorted(e.file for e in entries) == files
    assert entries[0].file == "reference.json"
    from simulator.engine import document

    for entry in entries:
        assert 20 <= len(entry.description) <= 120 and entry.description.endswith(".")
        document.load(entry.path)  # every one opens


def test_every_network_a_lesson_opens_is_an_indexed_example() -> None:
    from simulator.engine.lesson import load_lessons

    indexed = {e.file for e in load_example_index()}
    for lesson in load_lessons():
        for step in lesson.steps:
            if "network" in step.opens:
                assert step.document_source in indexed, (lesson.id, step.label)


def test_a_bad_index_gets_one_message(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{}", encoding="utf-8")
    cases = [
        ({"format": "x", "version": 1, "examples": []}, "index.json: must be"),
        ({"format": "backprop-lab-examples", "version": 1, "examples": []},
         "examples must be a non-empty list"),
        ({"format": "backprop-lab-examples", "version": 1,
          "examples": [{"file": "b.json", "name": "B", "description": "d"}]},
         "examples[0].file: no file b.json"),
        ({"format": "backprop-lab-examples", "version": 1,
          "examples": [{"file": "a.json", "name": "A", "description": "d\nmore"}]},
         "examples[0].description: must be one line"),
        ({"format": "backprop-lab-examples", "version": 1,
          "examples": [{"file": "a.json", "name": "A", "description": "d"}] * 2},
         "examples[1].file: a.json is listed twice"),
        ({"format": "backprop-lab-examples", "version": 1,
          "examples": [{"file": "../a.json", "name": "A", "description": "d"}]},
         "examples[0].file: must be the name of a .json file"),
    ]
    for raw, message in cases:
        (tmp_path / "index.json").write_text(json.dumps(raw), encoding="utf-8")
        with pytest.raises(ExampleIndexError, match=re.escape(message)):
            load_example_index(tmp_path)
