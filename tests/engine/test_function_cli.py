"""``backprop-lab function``: the JSON shape of issue 11, the lesson's text, and bad
input refused with exit status 2 and one line."""

from __future__ import annotations

import json
import math

import pytest

from simulator.__main__ import main as entry
from simulator.cli import COMMANDS


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = entry(["function", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_registered() -> None:
    assert "function" in COMMANDS


def test_json_at_a_point(capsys) -> None:
    status, out, err = run(capsys, "x*y + x^2", "--at", "x=3,y=-3", "--json")
    assert status == 0 and err == ""
    data = json.loads(out)
    assert data == {"expression": "x*y + x^2", "variables": ["x", "y"], "value": 0.0,
                    "gradient": {"x": 3.0, "y": 3.0},
                    "derivatives": {"x": "y + 2*x", "y": "x"}}


def test_json_with_a_path(capsys) -> None:
    status, out, _ = run(capsys, "e^2*sin(x)", "--at", "x=0", "--json", "--descend", "--lr",
                         "0.1", "--steps", "3")
    assert status == 0
    data = json.loads(out)
    assert set(data) == {"expression", "variables", "value", "gradient", "derivatives", "path"}
    assert data["derivatives"] == {"x": "e^2*cos(x)"}
    path = data["path"]
    assert len(path) == 4
    assert path[0] == {"point": {"x": 0.0}, "value": 0.0, "gradient": {"x": data["gradient"]["x"]}}
    x = 0.0
    for entry_ in path[1:]:
        x = x - 0.1 * math.exp(2) * math.cos(x)
        assert entry_["point"]["x"] == pytest.approx(x, abs=1e-12)
        assert set(entry_) == {"point", "value", "gradient"}


def test_json_optimizers_and_divergence(capsys) -> None:
    for optimizer in ("gd", "momentum", "adam"):
        status, out, _ = run(capsys, "x^2 + 10*y^2", "--at", "x=1,y=1", "--json", "--descend",
                             "--optimizer", optimizer, "--steps", "5", "--lr", "0.01")
        assert status == 0 and len(json.loads(out)["path"]) == 6
    status, out, _ = run(capsys, "x^2", "--at", "x=1", "--json", "--descend", "--lr", "1.5",
                         "--steps", "100")
    data = json.loads(out)
    assert status == 0 and "diverged" in data["stopped"]
    assert len(data["path"]) < 101


def test_text_as_the_lesson_writes_it(capsys) -> None:
    status, out, _ = run(capsys, "x*y + x^2", "--at", "x=3,y=-3")
    assert status == 0
    assert "f = 0\n" in out
    assert "df/dx = y + 2*x = 3\n" in out and "df/dy = x = 3\n" in out
    status, out, _ = run(capsys, "e^2*sin(x)", "--at", "x=0", "--descend", "--steps", "1",
                         "--digits", "4")
    assert "x <- x - lr * df/dx = 0 - 0.1 * 7.389 = -0.7389" in out


def test_expression_starting_with_a_minus(capsys) -> None:
    status, out, _ = run(capsys, "--at", "x=2", "--json", "--", "-x^2")
    assert status == 0 and json.loads(out)["value"] == -4.0


def test_non_finite_gradient_is_null(capsys) -> None:
    status, out, _ = run(capsys, "sqrt(x)", "--at", "x=0", "--json")
    assert status == 0 and json.loads(out)["gradient"] == {"x": None}


@pytest.mark.parametrize(("args", "words"), [
    (["foo(x)", "--at", "x=1"], "unknown function 'foo'"),
    (["__import__('os')", "--at", "x=1"], "'_'"),
    (["10^10^10"], "overflow"),
    (["x*y", "--at", "x=1"], "no value for y"),
    (["x*y"], "give the point with --at"),
    (["x", "--at", "x=1,z=2"], "z, which is not a variable"),
    (["x", "--at", "x=1,x=2"], "twice"),
    (["x", "--at", "x"], "name=value"),
    (["x", "--at", "x=abc"], "not a number"),
    (["x", "--at", "x=1e300"], "too large"),
    (["x", "--at", "x=1", "--lr", "0.1"], "go with --descend"),
    (["x", "--at", "x=1", "--descend", "--lr", "0"], "learning_rate"),
    (["x", "--at", "x=1", "--descend", "--lr", "nan"], "finite"),
    (["x", "--at", "x=1", "--descend", "--steps", "1000001"], "at most"),
    (["x", "--at", "x=1", "--descend", "--optimizer", "sgd"], "invalid choice"),
    (["3", "--descend"], "needs an expression with a variable"),
    (["log(x)", "--at", "x=-1"], "not defined"),
    (["x", "--at", "x=1", "--digits", "0"], "--digits"),
])
def test_bad_input_exits_2_with_one_line(capsys, args: list[str], words: str) -> None:
    status, out, err = run(capsys, *args)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert words in err
