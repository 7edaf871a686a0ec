"""Numbers that show the change: an update never reads "0.15 - 0.01 * 0.00029977 = 0.15"."""

from __future__ import annotations

import re

import pytest

from simulator.engine import document, edits
from simulator.engine.explain import explain_parameter, explain_substep
from simulator.engine.explanation_render import change_digits, render_markdown, render_text
from simulator.engine.numbers import format_number
from simulator.engine.stepper import Stepper
from simulator.engine.training import Trainer

from . import _reference as ref

UPDATE_LINE = re.compile(r"^\s*(\w+) = (-?[\d.e+-]+) - .* = (-?[\d.e+-]+)$")


def _stepper(optimizer: str = "gd") -> tuple[Stepper, object]:
    doc = document.load(ref.REFERENCE_JSON)
    if optimizer != "gd":
        doc = edits.set_training(doc, optimizer=optimizer)
    return Stepper(Trainer(doc.network, doc.data.inputs, doc.data.targets, doc.loss,
                           doc.training)), doc.training


@pytest.mark.parametrize("old,new,digits,wanted", [
    (0.15, 0.1499970023, 5, 6),     # "0.15" and "0.149997"
    (0.08, 0.08000029927, 5, 6),    # "0.08" and "0.0800003"
    (0.18, 0.17927048, 5, 5),       # already different
    (0.5, 0.5, 5, 5),               # no change: nothing to show
    (1.0, float("nan"), 5, 5),
])
def test_change_digits(old: float, new: float, digits: int, wanted: int) -> None:
    d = change_digits(old, new, digits)
    assert d == wanted
    if old != new and d > digits and new == new:
        assert format_number(old, d) != format_number(new, d)
        assert format_number(old, d - 1) == format_number(new, d - 1)


@pytest.mark.parametrize("digits", [2, 3, 5])
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_the_update_shows_every_parameter_moving(digits: int, optimizer: str) -> None:
    stepper, config = _stepper(optimizer)
    stepper.finish_iteration()
    stepper.finish_iteration()  # momentum and Adam have buffers by now
    it = stepper.iteration
    before = dict(zip(it.backward.network.names, it.step.before.params.tolist()))
    after = dict(zip(it.backward.network.names, it.step.after.params.tolist()))
    text = render_text(explain_substep(it, it.substeps[-1], config), digits)
    seen = set()
    for line in text.splitlines():
        match = UPDATE_LINE.match(line)
        if match is None or match.group(1) not in before:
            continue
        name, old_text, new_text = match.groups()
        seen.add(name)
        assert old_text != new_text, line
        # what is written is the old and the new value, rounded (not something else)
        assert float(old_text) == pytest.approx(before[name], rel=1e-1 ** (digits - 1))
        assert float(new_text) == pytest.approx(after[name], rel=1e-1 ** (digits - 1))
    assert seen == set(before)


def test_the_seed_numbers_still_read_as_in_the_worked_example() -> None:
    stepper, config = _stepper()
    it = stepper.iteration
    ex = explain_parameter(it, "w5", config)
    text = render_text(ex, 10)
    assert "dE/dw5 = 0.5837097788 * 0.232121695 * 0.5384240912 = 0.0729519972" in text
    assert "w5 = 0.18 - 0.01 * 0.0729519972 = 0.17927048" in text
    update = render_text(explain_substep(it, it.substeps[-1], config), 5)
    assert "w5 = 0.18 - 0.01 * 0.072952 = 0.17927" in update
    assert "w2 = 0.15 - 0.01 * 0.00029977 = 0.149997" in update
    assert "w4 = 0.08 - 0.01 * (-0.000029927) = 0.0800003" in update
    assert render_markdown(explain_substep(it, it.substeps[-1], config), 5).count(
        "0.149997") == 1
