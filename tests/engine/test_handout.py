"""Handouts and worksheets: the seed lesson's numbers on paper, in every format.

The command is run as a user runs it (``python -m simulator handout ...`` in a subprocess,
which also keeps the PDF's Qt application out of this test process). Every number of the
tables in ../shared/seed-example.md is looked for at the digits the seed shows.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import pytest

from simulator.engine import document
from simulator.engine.explain import explain_iteration
from simulator.engine.explanation import COMPUTED, GIVEN, Group, Op, Token, equations
from simulator.engine.explanation_render import BLANK, MarkdownRenderer
from simulator.engine.handout import (
    HandoutError,
    build_handout,
    first_iteration,
    key_path,
    render_handout,
    write_handout,
)
from simulator.engine.numbers import format_number

from . import _reference as ref

REF = str(ref.REFERENCE_JSON)
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]\d+)?")

# The tables of ../shared/seed-example.md, as the seed writes them (its digits matter).
SEED_PARAMETERS = ["0.10", "0.15", "0.03", "0.08", "0.18", "0.06", "0.11", "0.26", "0.05",
                   "0.42"]
SEED_FORWARD = ["0.154", "0.5384240912", "0.0833", "0.5208129665", "0.5481651144",
                "0.6337097788", "0.6146380213", "0.6489980701"]
SEED_ERROR = ["0.1703585530", "0.0146208300", "0.1849793830"]
SEED_GRADIENTS = ["0.0047463957", "0.0002997724", "-0.0004738406", "-0.0000299268",
                  "0.0729519972", "0.0705658359", "-0.0209738620", "-0.0202878353",
                  "0.0044974264", "0.0965375363"]
SEED_UPDATED = ["0.0999525360", "0.1499970023", "0.0300047384", "0.0800002993",
                "0.1792704800", "0.0592943416", "0.1102097386", "0.2602028784",
                "0.0499550257", "0.4190346246"]
SEED_COMPUTED = SEED_FORWARD + SEED_ERROR + SEED_GRADIENTS + SEED_UPDATED
SEED_ALL = SEED_PARAMETERS + SEED_COMPUTED


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "error", "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYTHONPATH", None)
    return subprocess.run([sys.executable, "-m", "simulator", *args], capture_output=True,
                          text=True, cwd=ref.REPO, env=env, timeout=300)


def handout(tmp_path: Path, fmt: str, *extra: str, name: str = "") -> Path:
    out = tmp_path / (name or f"handout.{fmt}")
    proc = run("handout", REF, "--format", fmt, "--out", str(out), *extra)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return out


def fails(*args: str) -> str:
    proc = run(*args)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stderr.endswith("\n") and proc.stderr.count("\n") == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.stderr.strip()


def shown_at_seed_digits(text: str, seed: str) -> bool:
    """Whether a number of ``text``, rounded to the decimals ``seed`` is written with, reads
    exactly as ``seed`` (0.17035855300 for 0.1703585530; 0.1 for 0.10)."""
    places = Decimal(seed)
    for token in NUMBER.findall(text):
        value = Decimal(token)
        if value.quantize(places, rounding=ROUND_HALF_EVEN) == places \
                and (value < 0) == seed.startswith("-"):
            return True
    return False


def missing_seed_numbers(text: str, seeds: list[str]) -> list[str]:
    return [s for s in seeds if not shown_at_seed_digits(text, s)]


# --- the numbers in every format ---------------------------------------------------------------

@pytest.fixture(scope="module")
def markdown(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = handout(tmp_path_factory.mktemp("md"), "md", "--digits", "10")
    return out.read_text(encoding="utf-8")


def test_markdown_holds_every_number_of_the_seed_tables(markdown: str) -> None:
    assert not missing_seed_numbers(markdown, SEED_ALL)
    # The worked lines, as the lesson writes them.
    for line in ("outH1 = sigmoid(netH1) = sigmoid(0.154) = 0.5384240912",
                 "dE/dw5 = 0.5837097788 * 0.232121695 * 0.5384240912 = 0.0729519972",
                 "w5 = 0.18 - 0.01 * 0.0729519972 = 0.17927048"):
        assert line in markdown
    # The seed's slips are not repeated.
    assert "0.1807289" not in markdown and "0.07289" not in markdown


def test_the_check_itself_fails_on_a_wrong_number(markdown: str) -> None:
    assert shown_at_seed_digits("x = 0.53842409118", "0.5384240912")
    assert not shown_at_seed_digits("x = 0.5384240922", "0.5384240912")
    assert not shown_at_seed_digits("x = 0.0000299268", "-0.0000299268")
    broken = markdown.replace("0.5384240912", "0.5384240913")
    assert missing_seed_numbers(broken, SEED_ALL) == ["0.5384240912"]


def test_markdown_is_the_lessons_order_and_the_panels_trees(markdown: str) -> None:
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert headings == ["## Given", "## Forward pass", "## Error",
                        "## Backward pass (chain rule)", "## Update", "## Summary",
                        "## After the step"]
    # Every explanation of the iteration, rendered as the explain command renders it.
    doc = document.load(REF)
    _trainer, it = first_iteration(doc)
    for ex in explain_iteration(it, doc.training):
        assert MarkdownRenderer(10).render(ex) in markdown


def test_html_is_one_self_contained_file_with_every_number(tmp_path: Path) -> None:
    text = handout(tmp_path, "html", "--digits", "10").read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    for external in ("http:", "https:", "src=", "<link", "@import", "url(", "<script"):
        assert external not in text.lower()
    plain = re.sub(r"<[^>]+>", "", text)
    assert not missing_seed_numbers(plain, SEED_ALL)
    assert "∂<i>E</i>/∂<i>w</i><sub>5</sub>" in text and "out<sub>H1</sub>" in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) "
                    "is not installed")
def test_pdf_text_holds_every_number_of_the_seed_tables(tmp_path: Path) -> None:
    out = handout(tmp_path, "pdf", "--digits", "10")
    assert out.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    assert "Reference example: one training" in text
    assert not missing_seed_numbers(text, SEED_ALL)


def _compile_latex(tex: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                           tex.name], cwd=tex.parent, capture_output=True, text=True,
                          timeout=180)


needs_pdflatex = pytest.mark.skipif(shutil.which("pdflatex") is None,
                                    reason="pdflatex is not installed on this machine")


@needs_pdflatex
def test_latex_compiles_with_plain_pdflatex(tmp_path: Path) -> None:
    tex = handout(tmp_path, "tex", "--digits", "10")
    text = tex.read_text(encoding="utf-8")
    assert r"\frac{\partial {E}}{\partial {w_{5}}}" in text
    assert r"\sigma(" in text and r"\cdot" in text and "{\\mathrm{out}_{H1}}" in text
    assert not missing_seed_numbers(text, SEED_ALL)
    proc = _compile_latex(tex)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (tmp_path / "handout.pdf").stat().st_size > 10_000
    if shutil.which("pdftotext"):
        pdf_text = subprocess.run(["pdftotext", str(tmp_path / "handout.pdf"), "-"],
                                  capture_output=True, text=True, check=True).stdout
        assert "0.5384240912" in pdf_text


@needs_pdflatex
def test_latex_worksheet_and_an_unusual_network_compile(tmp_path: Path) -> None:
    """Softmax and cross-entropy (e^, log), Adam (hats, sqrt, Greek letters), input
    features (x1^2), several hidden layers (H1_2) and a name full of TeX's special
    characters: the file still compiles."""
    raw = json.loads(ref.REFERENCE_JSON.read_text(encoding="utf-8"))
    raw.update({"version": 2, "name": "R&D #1: 50% ~ {café}_ü \\ $x^2$",
                "features": ["x1", "x2", "x1^2"],
                "layers": [{"size": 3}, {"size": 2, "activation": "tanh", "bias": "neuron"},
                           {"size": 2, "activation": "relu", "bias": "none"},
                           {"size": 2, "activation": "softmax", "bias": "shared"}],
                "weights": [[[0.1, 0.2, -0.3], [0.4, -0.5, 0.6]], [[0.3, 0.2], [-0.1, 0.4]],
                            [[0.5, -0.2], [0.1, 0.3]]],
                "biases": [[0.1, -0.1], [], [0.05]], "loss": "cross_entropy",
                "training": {"optimizer": "adam", "learning_rate": 0.01, "batch_size": 2,
                             "seed": 0},
                "data": {"inputs": [[0.5, -0.2], [0.1, 0.9]],
                         "targets": [[1.0, 0.0], [0.0, 1.0]]}})
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    doc = document.load(path)
    written = write_handout(doc, "tex", tmp_path / "odd.tex", worksheet=True, digits=4)
    assert [p.name for p in written] == ["odd.tex", "odd-key.tex"]
    for tex in written:
        text = tex.read_text(encoding="utf-8")
        assert r"\hat{m}" in text and r"\beta_{1}" in text
        proc = _compile_latex(tex)
        assert proc.returncode == 0, (tex.name, proc.stdout[-3000:])
    assert r"\blank{}" in written[0].read_text(encoding="utf-8")
    assert r"\blank{}" not in written[1].read_text(encoding="utf-8")


# --- worksheets --------------------------------------------------------------------------------

def _answers(digits: int) -> set[str]:
    """The computed numbers of the reference handout as written, less those that also
    stand in the page as a given value (0.18 is w5 and the factor dnetY1/doutH1) or in a
    formula's literal text (the 1 of 1 - outY1 is the factor dnetY1/db2 too)."""
    made = build_handout(document.load(REF))
    numbers = made.numbers()
    computed = {format_number(n.value, digits) for n in numbers if n.role == COMPUTED}
    given = {format_number(n.value, digits) for n in numbers if n.role == GIVEN}
    literal: set[str] = set()
    for ex in made.explanations():
        for eq in equations(ex):
            literal.update(NUMBER.findall(" ".join(_op_texts(eq.formula + eq.numbers))))
    return computed - given - literal


def _op_texts(tokens: tuple[Token, ...]) -> list[str]:
    out: list[str] = []
    for token in tokens:
        if isinstance(token, Op):
            out.append(token.text)
        elif isinstance(token, Group):
            out += _op_texts(token.tokens)
    return out


@pytest.mark.parametrize("fmt", ["md", "html", "tex"])
def test_worksheet_holds_no_answer_and_its_key_holds_them_all(tmp_path: Path,
                                                              fmt: str) -> None:
    out = tmp_path / f"sheet.{fmt}"
    proc = run("handout", REF, "--format", fmt, "--worksheet", "--digits", "10",
               "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    key = tmp_path / f"sheet-key.{fmt}"
    assert proc.stdout.split() == [str(out), str(key)]
    sheet, answers = out.read_text(encoding="utf-8"), key.read_text(encoding="utf-8")
    answers_only = _answers(10)
    assert len(answers_only) >= 40
    sheet_numbers = set(NUMBER.findall(sheet))
    assert not sheet_numbers & answers_only
    assert not missing_seed_numbers(sheet, SEED_PARAMETERS)  # the given values stay
    assert missing_seed_numbers(sheet, SEED_COMPUTED) == SEED_COMPUTED
    assert "0.95" in sheet_numbers and "0.82" in sheet_numbers
    # One blank per computed number, and the key has every one of them.
    handout_numbers = build_handout(document.load(REF)).numbers()
    blanks = {"md": BLANK, "html": "<span class='blank'>", "tex": r"\blank{}"}[fmt]
    assert sheet.count(blanks) == sum(n.role == COMPUTED for n in handout_numbers)
    assert blanks not in answers
    assert answers_only <= set(NUMBER.findall(answers))
    assert not missing_seed_numbers(answers, SEED_ALL)
    assert "Worksheet: Reference example" in sheet and "Answer key: " in answers


def test_worksheet_of_the_pdf_kind_too(tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = handout(tmp_path, "pdf", "--worksheet", "--digits", "10", name="sheet.pdf")
    sheet = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                           check=True).stdout
    key = subprocess.run(["pdftotext", str(tmp_path / "sheet-key.pdf"), "-"],
                         capture_output=True, text=True, check=True).stdout
    assert missing_seed_numbers(sheet, SEED_COMPUTED) == SEED_COMPUTED
    assert not missing_seed_numbers(sheet, SEED_PARAMETERS)
    assert not missing_seed_numbers(key, SEED_ALL)


@pytest.mark.parametrize(("out", "key"), [("sheet.md", "sheet-key.md"), ("sheet", "sheet-key"),
                                          ("a.b.tex", "a.b-key.tex"),
                                          ("dir/x.pdf", "dir/x-key.pdf")])
def test_key_path(out: str, key: str) -> None:
    assert key_path(out) == Path(key)


def test_render_at_the_digits_asked_for() -> None:
    made = build_handout(document.load(REF))
    text = render_handout(made, "md", 4)
    assert "outH1 = sigmoid(netH1) = sigmoid(0.154) = 0.5384" in text
    assert "0.53842" not in text


# --- bad input ---------------------------------------------------------------------------------

def test_bad_input_exits_2_with_one_line(tmp_path: Path) -> None:
    out = str(tmp_path / "x.md")
    assert "no such file" in fails("handout", str(tmp_path / "none.json"), "--format", "md",
                                   "--out", out)
    assert "invalid choice" in fails("handout", REF, "--format", "docx", "--out", out)
    assert "digits" in fails("handout", REF, "--format", "md", "--digits", "0", "--out", out)
    assert "digits" in fails("handout", REF, "--format", "md", "--digits", "16", "--out", out)
    assert "required" in fails("handout", REF, "--format", "md")
    assert "--out" in fails("handout", REF, "--format", "md", "--out", "")
    assert "no such folder" in fails("handout", REF, "--format", "md", "--out",
                                     str(tmp_path / "missing" / "x.md"))
    assert "is a folder" in fails("handout", REF, "--format", "md", "--out", str(tmp_path))
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "backprop-lab", "version": 1, "layers": 3}', encoding="utf-8")
    assert "bad.json: weights: missing" in fails("handout", str(bad), "--format", "md",
                                                 "--out", out)
    assert list(tmp_path.iterdir()) == [bad]  # nothing was written


def test_a_diverging_iteration_is_refused_like_explain(tmp_path: Path) -> None:
    raw: dict[str, Any] = json.loads(ref.REFERENCE_JSON.read_text(encoding="utf-8"))
    for layer in raw["layers"][1:]:
        layer["activation"] = "linear"
    raw["data"]["inputs"] = [[1e6, 1e6]]
    raw["training"]["learning_rate"] = 1e6  # w1 would pass the limit after one step
    path = tmp_path / "big.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    proc = run("handout", str(path), "--format", "md", "--out", str(tmp_path / "x.md"))
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert "diverged at step 1" in proc.stderr
    assert not (tmp_path / "x.md").exists()
    with pytest.raises(HandoutError):
        build_handout(document.load(path))


def test_too_large_a_network_for_a_handout() -> None:
    from simulator.engine.edits import new_document

    doc = new_document((2, 40, 30, 1))
    with pytest.raises(HandoutError, match="at most 1,000"):
        build_handout(doc)


def test_write_handout_api_refuses_bad_arguments(tmp_path: Path) -> None:
    doc = document.load(REF)
    with pytest.raises(HandoutError, match="unknown format"):
        write_handout(doc, "docx", tmp_path / "x")
    with pytest.raises(HandoutError, match="digits"):
        write_handout(doc, "md", tmp_path / "x.md", digits=99)
    assert write_handout(doc, "md", tmp_path / "x.md") == [tmp_path / "x.md"]
    assert not list(tmp_path.glob(".*.tmp"))


def test_markdown_and_html_paths_load_no_qt(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from simulator.engine import document\n"
        "from simulator.engine.handout import write_handout\n"
        f"doc = document.load({REF!r})\n"
        f"for fmt in ('md', 'html', 'tex'):\n"
        f"    write_handout(doc, fmt, {str(tmp_path)!r} + '/x.' + fmt, worksheet=True)\n"
        "assert not [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ref.REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert len(list(tmp_path.iterdir())) == 6
