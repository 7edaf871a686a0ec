"""Predict, then reveal: parsing predictions, grading at the displayed precision, and the
feedback that names the wrong factor (checked against the seed's numbers and slips, worked
out here from ../shared/seed-example.md, not from the engine)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.engine import document
from simulator.engine.edits import new_document, set_frozen, set_training
from simulator.engine.explain import explain_iteration
from simulator.engine.explanation import Explanation
from simulator.engine.quiz import (
    DIRECTIONS,
    SIGNS,
    Mistake,
    PredictionError,
    Question,
    Score,
    agrees,
    ask,
    choice_question,
    grade,
    parse_prediction,
    questions,
    save_score,
    typed_digits,
)
from simulator.engine.stepper import Iteration, plan_substeps
from simulator.engine.training import Trainer

from . import _reference as ref


def _explanations(doc: document.Document) -> dict[str, Explanation]:
    trainer = Trainer.for_document(doc)
    it = Iteration(trainer.step(trainer.initial_state()), tuple(plan_substeps(doc.network)))
    return {f"{s.stage} {s.target}": ex
            for s, ex in zip(it.substeps, explain_iteration(it, doc.training))}


@pytest.fixture(scope="module")
def reference() -> dict[str, Explanation]:
    return _explanations(document.load(ref.REFERENCE_JSON))


# --- parsing -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value", "digits"), [
    ("0.5384", 0.5384, 4), ("0,5384", 0.5384, 4), (" -0.07295 ", -0.07295, 4),
    (".5", 0.5, 1), ("5e-3", 0.005, 1), ("1.20E+2", 120.0, 3), ("0.0730", 0.073, 3),
    ("100", 100.0, 3), ("0", 0.0, 1), ("0.000", 0.0, 3), ("\u22120.5", -0.5, 1),
    ("7/12", 7 / 12, None), ("-7/12", -7 / 12, None), ("7 / -12", -7 / 12, None),
    ("-3/-4", 0.75, None), ("+2", 2.0, 1),
])
def test_parse_prediction(text: str, value: float, digits: int | None) -> None:
    p = parse_prediction(text)
    assert p.value == value and p.digits == digits


@pytest.mark.parametrize(("text", "says"), [
    ("", "nothing typed"), ("   ", "nothing typed"), ("abc", "is not a number"),
    ("1/0", "divides by zero"), ("1.5/2", "simple fraction"), ("1/2/3", "simple fraction"),
    ("2^3", "not a number"), ("1+2", "not a number"), ("sqrt(2)", "not a number"),
    ("e", "not a number"), ("pi", "not a number"), ("nan", "not a number"),
    ("inf", "not a number"), ("1e999", "finite"), ("1e13", "too large"),
    ("0x10", "not a number"), ("1_000", "not a number"), ("1,000.5", "not a number"),
    ("__import__('os').system('x')", "not a number"), ("1" * 200, "too long"),
    ("0.5.1", "not a number"), ("7/", "simple fraction"), ("--1", "not a number"),
])
def test_parse_prediction_refuses_with_one_clear_message(text: str, says: str) -> None:
    with pytest.raises(PredictionError) as info:
        parse_prediction(text)
    message = str(info.value)
    assert says in message and "\n" not in message


@given(st.text(max_size=40))
def test_parsing_any_text_gives_a_number_or_one_message(text: str) -> None:
    try:
        p = parse_prediction(text)
    except PredictionError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert math.isfinite(p.value)


def test_typed_digits() -> None:
    assert [typed_digits(t) for t in ("0.072952", "0,07295", "0.0730", "7.389", "-12")] == \
        [5, 4, 3, 4, 2]


# --- grading at the displayed precision -----------------------------------------------------

def _value_question(value: float, digits: int = 5) -> Question:
    return Question("value", "Predict q.", "q", value, digits=digits)


def test_fractions_and_decimal_commas_are_graded_at_the_displayed_precision() -> None:
    q = _value_question(7 / 12)  # shown as 0.58333
    for right in ("7/12", "0,58333", "0.58333", "0.583333", "0.5833", "0,583", "14/24"):
        assert grade(q, right).correct, right
    for wrong in ("0.58", "0.5834", "0.58334", "7/13", "-7/12", "0,6"):
        assert not grade(q, wrong).correct, wrong
    g = grade(q, "0.6")
    assert g.abs_error == pytest.approx(0.6 - 7 / 12)
    assert g.rel_error == pytest.approx((0.6 - 7 / 12) / (7 / 12))
    assert "0.58333" in g.message and "off by 0.017, or 2.9%" in g.message
    negative = _value_question(-7 / 12)
    assert grade(negative, "-7/12").correct and grade(negative, "7/-12").correct
    assert grade(negative, "-0,58333").correct and not grade(negative, "7/12").correct


def test_right_to_fewer_digits_is_said_so() -> None:
    q = _value_question(0.0729519972)
    assert grade(q, "0.072952").message == "Right: q = 0.072952."
    assert grade(q, "0.07295").message == "Right to the 4 digits you gave: q = 0.072952."
    assert not grade(q, "0.07").correct  # two digits are not a prediction of this value


def test_ten_digits_are_graded_at_ten() -> None:
    q = _value_question(ref.OUT_H[0], digits=10)
    assert grade(q, "0.5384240912").correct and grade(q, "0,538424091").correct
    assert not grade(q, "0.5384240913").correct


def test_a_zero_value() -> None:
    q = _value_question(0.0)
    assert grade(q, "0").correct and grade(q, "0/5").correct
    g = grade(q, "0.1")
    assert not g.correct and g.rel_error is None and g.abs_error == 0.1


def test_agrees_never_matches_a_non_finite_value() -> None:
    assert not agrees(parse_prediction("1"), math.nan, 5)


def test_grading_bad_text_raises_the_parsers_message() -> None:
    with pytest.raises(PredictionError, match="not a number"):
        grade(_value_question(1.0), "one")


# --- feedback that names the wrong factor (the seed's slips) ----------------------------------

def test_the_wrong_sign_of_the_update(reference: dict[str, Explanation]) -> None:
    q = ask(reference["update all"], "new w5")
    assert q.answer == pytest.approx(ref.UPDATED["w5"], abs=ref.TOL)
    assert grade(q, "0.1792705").correct and grade(q, "0,17927").correct
    g = grade(q, str(ref.SLIP_W5_UPDATE_WRONG_SIGN))  # the original's 0.1807289
    assert not g.correct and g.mistake is not None and g.mistake.kind == "update sign"
    assert "w5 + lr * dE/dw5" in g.message and "w5 - lr * dE/dw5 = 0.17927" in g.message
    # Forgetting the learning rate: 0.18 - 0.0729519972.
    g = grade(q, str(0.18 - ref.GRADIENTS["w5"]))
    assert g.mistake is not None and g.mistake.kind == "learning rate"


def test_the_rounded_out_h1_slip(reference: dict[str, Explanation]) -> None:
    q = ask(reference["backward w5"])
    assert q.quantity == "dE/dw5" and q.answer_text == "0.072952"
    g = grade(q, str(ref.SLIP_W5_GRADIENT_ROUNDED))  # 0.07289, from outH1 = 0.538
    assert not g.correct and g.mistake is not None and g.mistake.kind == "rounded early"
    assert "outH1 rounded to 0.538" in g.message
    # The independent reference: the seed's factors with outH1 rounded to 0.538.
    assert g.mistake.value == pytest.approx(ref.W5_DE_DOUT * ref.W5_DOUT_DNET * 0.538,
                                            rel=1e-9)


def test_a_missing_factor(reference: dict[str, Explanation]) -> None:
    q = ask(reference["backward w5"])
    forgot = ref.W5_DE_DOUT * ref.W5_DNET_DW  # dout/dnet forgotten
    g = grade(q, f"{forgot:.6f}".replace(".", ","))
    assert g.mistake is not None and g.mistake.kind == "missing factor"
    assert "doutY1/dnetY1 = outY1 * (1 - outY1)" in g.message


def test_a_forgotten_path_in_a_hidden_weights_sum(reference: dict[str, Explanation]) -> None:
    q = ask(reference["backward w1"])
    assert q.answer == pytest.approx(ref.GRADIENTS["w1"], abs=ref.TOL)
    out_h1 = ref.OUT_H[0]
    # Only Y1's path: dE/doutY1 * doutY1/dnetY1 * w5, times doutH1/dnetH1 and x1.
    only_y1 = ref.W5_DE_DOUT * ref.W5_DOUT_DNET * 0.18 * out_h1 * (1 - out_h1) * 0.95
    g = grade(q, f"{only_y1:.5g}")
    assert g.mistake is not None and g.mistake.kind == "forgotten path"
    assert "only one path of dE/doutH1" in g.message and "every path" in g.message
    # Only Y2's path.
    out_y2 = ref.OUT_Y[1]
    only_y2 = (out_y2 - 0.82) * out_y2 * (1 - out_y2) * 0.11 * out_h1 * (1 - out_h1) * 0.95
    g = grade(q, f"{only_y2:.5g}")
    assert g.mistake is not None and g.mistake.kind == "forgotten path"


def test_forward_mistakes(reference: dict[str, Explanation]) -> None:
    q = ask(reference["forward H1"])
    assert q.quantity == "outH1" and grade(q, "0.53842").correct
    g = grade(q, "0.154")  # netH1 given for outH1
    assert g.mistake is not None and g.mistake.kind == "activation"
    q = ask(reference["forward H1"], "netH1")
    g = grade(q, str(0.10 * 0.95 + 0.15 * 0.06))  # without the bias
    assert g.mistake is not None and "the bias b1" in g.message


def test_sign_and_direction(reference: dict[str, Explanation]) -> None:
    q = ask(reference["backward w5"], kind="sign")
    assert q.options == SIGNS and q.answer == "positive"
    assert grade(q, "positive").correct and grade(q, 0).correct
    g = grade(q, "Negative")
    assert not g.correct and "lowers w5" in g.message
    assert ask(reference["backward w3"], kind="sign").answer == "negative"
    down = ask(reference["update all"], "w5", kind="direction")
    assert down.options == DIRECTIONS and down.answer == "down"
    up = ask(reference["update all"], "new w4", kind="direction")
    assert up.answer == "up" and "0.0800003" in up.explanation
    g = grade(up, "down")
    assert not g.correct and "dE/dw4 = -0.000029927 is negative" in g.message
    with pytest.raises(ValueError, match="choose one of"):
        grade(up, "sideways")
    with pytest.raises(ValueError, match="choose one of the 3"):
        grade(up, 3)


def test_a_frozen_parameter_stays() -> None:
    doc = set_frozen(document.load(ref.REFERENCE_JSON), "w5", True)
    q = ask(_explanations(doc)["update all"], "w5", kind="direction")
    assert q.answer == "stays"


def test_choice_questions() -> None:
    q = choice_question("Which way does gradient descent move?", ["with the gradient",
                        "against the gradient"], 1, "Downhill: against it.",
                        feedback={0: "That is uphill."})
    assert grade(q, "against the gradient").correct and grade(q, 1).correct
    g = grade(q, 0)
    assert not g.correct and g.message == "Not quite: the answer is against the gradient. " \
        "That is uphill."
    with pytest.raises(ValueError):
        choice_question("?", ["only one"], 0)


def test_lesson_mistakes_come_first(reference: dict[str, Explanation]) -> None:
    q = ask(reference["update all"], "new w5").with_mistakes(
        [Mistake(0.1807289, "The original lesson's slip.")])
    assert grade(q, "0.1807289").message.endswith("The original lesson's slip.")


# --- any network works in quiz mode ------------------------------------------------------------

def _networks() -> list[document.Document]:
    reference = document.load(ref.REFERENCE_JSON)
    xor = new_document((2, 3, 1), "tanh", seed=3)  # a batch of 4: batch-mean gradients
    return [reference, xor,
            set_training(reference, optimizer="momentum", momentum=0.9),
            set_training(new_document((2, 2, 2, 1), "relu", seed=1), optimizer="adam"),
            set_frozen(reference, "w2", True)]


@pytest.mark.parametrize("index", range(5))
def test_every_substep_of_any_network_gives_questions_that_grade(index: int) -> None:
    doc = _networks()[index]
    for key, ex in _explanations(doc).items():
        asked = questions(ex)
        assert asked, key
        own = ask(ex) if not key.startswith("update") else None
        if own is not None:
            assert own.kind == "value" and own.value is not None
            if ex.value is not None:
                assert own.value == ex.value  # the sub-step's own result
        for q in asked:
            assert grade(q, q.answer_text if q.kind == "value" else q.answer).correct, \
                (key, q.prompt)
            for m in q.mistakes:
                if q.kind == "value":
                    assert isinstance(m.value, float)
                    g = grade(q, repr(m.value))
                    assert not g.correct, (key, q.quantity, m.kind)
                    assert g.mistake is not None and g.mistake.feedback in g.message
                else:
                    assert not grade(q, str(m.value)).correct


# --- the session's score -----------------------------------------------------------------------

def test_score_is_kept_in_memory_and_saved_only_when_asked(tmp_path: Path,
                                                           reference: dict[str, Explanation]
                                                           ) -> None:
    score = Score()
    assert score.summary() == "no questions answered yet"
    q = ask(reference["backward w5"])
    score.record(grade(q, "0.072952"))
    score.record(grade(q, "0.07289"))
    assert (score.right, score.asked, score.summary()) == (1, 2, "1 of 2 right")
    assert list(tmp_path.iterdir()) == []
    path = save_score(score, tmp_path / "score.json")
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["right"] == 1 and saved["asked"] == 2
    assert saved["answers"][1]["mistake"] == "rounded early"
    score.clear()
    assert score.asked == 0
