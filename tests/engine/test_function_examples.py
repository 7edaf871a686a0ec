"""The built-in examples: the lesson's numbers and slips as data, the classic surfaces
behaving as their descriptions say, and a bad examples file refused with a clear message."""

from __future__ import annotations

import copy
import itertools
import json
import math

import pytest

from simulator.engine.function import (
    Descent,
    ExampleError,
    descent_config,
    load_examples,
    quantity_value,
    steps_to_within,
)
from simulator.engine.function.examples import default_path, examples_from_dict

E2 = math.exp(2.0)


@pytest.fixture(scope="module")
def examples():
    return {ex.id: ex for ex in load_examples()}


def test_the_examples_are_there(examples) -> None:
    assert list(examples) == ["lesson-sine", "lesson-xy", "bowl", "narrow-valley", "saddle",
                              "rosenbrock"]
    assert examples["lesson-sine"].expression == "e^2*sin(x)"
    assert examples["lesson-xy"].expression == "x*y + x^2"


def test_the_lessons_numbers(examples) -> None:
    sine = examples["lesson-sine"].function()
    # independent references: math.exp and the seed's text
    assert quantity_value(sine, "df/dx", {"x": 0.0}) == pytest.approx(E2, abs=1e-12)
    xy = examples["lesson-xy"].function()
    assert quantity_value(xy, "f", {"x": 3.0, "y": -3.0}) == 0.0
    assert quantity_value(xy, "df/dx", {"x": 3.0, "y": -3.0}) == 3.0
    assert quantity_value(xy, "df/dy", {"x": 3.0, "y": -3.0}) == 3.0


def test_every_check_holds_and_every_slip_is_a_slip(examples) -> None:
    for ex in examples.values():
        f = ex.function()
        for c in ex.checks:
            assert quantity_value(f, c.quantity, c.at) == pytest.approx(c.value, abs=1e-12), \
                (ex.id, c)
        for s in ex.slips:
            right = quantity_value(f, s.quantity, s.at)
            assert right == pytest.approx(s.correct, abs=1e-12), (ex.id, s)
            if s.claimed is not None:
                assert abs(s.claimed - right) > 1e-6  # what the original says is wrong
    slip = examples["lesson-xy"].slips[0]
    assert (slip.claimed, slip.correct, slip.at) == (9.0, 0.0, {"x": 3.0, "y": -3.0})


def test_every_example_runs_its_descent(examples) -> None:
    for ex in examples.values():
        d = Descent(ex.function(), ex.start, descent_config(ex.optimizer, ex.learning_rate))
        assert d.run(ex.steps) == ex.steps and d.stop is None, ex.id
        lo_hi = [ex.range[v] for v in d.variables]
        assert all(lo <= c <= hi for c, (lo, hi) in zip(d.start.point, lo_hi)), ex.id


def test_the_narrow_valley_zigzags_and_momentum_helps(examples) -> None:
    ex = examples["narrow-valley"]
    runs = {}
    for optimizer in ("gd", "momentum"):
        d = Descent(ex.function(), ex.start, descent_config(optimizer, ex.learning_rate))
        d.run(1000)
        runs[optimizer] = d
    ys = [p.point[1] for p in runs["gd"].path[:8]]
    assert all(a * b < 0 for a, b in itertools.pairwise(ys))  # across the valley at every step
    steps = {k: steps_to_within([p.value for p in d.path], 0.0, 1e-3) for k, d in runs.items()}
    assert steps["momentum"] is not None and steps["gd"] is not None
    assert steps["momentum"] * 2 < steps["gd"]


def test_rosenbrock_adam_beats_gd(examples) -> None:
    ex = examples["rosenbrock"]
    f = ex.function()
    gd = Descent(f, ex.start, descent_config("gd", ex.learning_rate))
    gd.run(ex.steps)
    adam = Descent(f, ex.start, descent_config("adam", 0.05))
    adam.run(ex.steps)
    assert adam.current.value < gd.current.value
    assert math.dist(adam.current.point, (1.0, 1.0)) < 0.05


def _raw() -> dict:
    return json.loads(default_path().read_text(encoding="utf-8"))


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r["examples"][0].update(expression="foo(x)"), "unknown function 'foo'"),
    (lambda r: r["examples"][0].update(expression="__import__('os')"), "'_'"),
    (lambda r: r["examples"][0].update(start={}), "start: must give a number for each of x"),
    (lambda r: r["examples"][1].update(start={"x": 1}), "start"),
    (lambda r: r["examples"][0].update(optimizer="sgd"), "optimizer"),
    (lambda r: r["examples"][0].update(learning_rate=0), "learning_rate"),
    (lambda r: r["examples"][0].update(steps=1.5), "steps"),
    (lambda r: r["examples"][0].update(colour="red"), "unknown field"),
    (lambda r: r["examples"][0].update(range={"x": [1, 0]}), "low < high"),
    (lambda r: r["examples"][0]["checks"][0].update(quantity="df/dy"), "quantity"),
    (lambda r: r["examples"][0]["checks"][0].update(value=float("nan")), "finite"),
    (lambda r: r["examples"][1].update(id="lesson-sine"), "used twice"),
    (lambda r: r.update(version=2), "version"),
    (lambda r: r.update(examples=[]), "non-empty"),
])
def test_a_bad_examples_file_is_refused(change, message: str) -> None:
    raw = copy.deepcopy(_raw())
    change(raw)
    with pytest.raises(ExampleError, match=message.replace("(", r"\(")):
        examples_from_dict(raw)


def test_bad_files(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ExampleError, match="not a JSON file"):
        load_examples(bad)
    with pytest.raises(ExampleError, match="cannot read"):
        load_examples(tmp_path / "missing.json")
