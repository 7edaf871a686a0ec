"""The function lab's parser: the grammar, its precedence, and the refusal of everything
else (a security boundary): each hostile input gets one message that points at it, fast."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.engine.function import ExpressionError, parse_function
from simulator.engine.function.parse import parse, tokenize
from simulator.engine.function.tree import BinaryOp, Call, Constant, Negate, Number, Variable
from simulator.engine.limits import MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LENGTH

from . import _function_exprs as gen
from ._reference import REPO


def value(text: str, **point: float) -> float:
    fn = parse_function(text)
    return fn.value({v: point[v] for v in fn.variables})


# --- the grammar ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "python"), [
    # Python's precedence, which the grammar documents: an independent reference
    ("-x^2", "-x**2"),
    ("-x**2", "-x**2"),
    ("2^-x*3", "2**-x*3"),
    ("2^3^2", "2**3**2"),
    ("-2^-2", "-2**-2"),
    ("x/y/3", "x/y/3"),
    ("x-y-3", "x-y-3"),
    ("x*-y", "x*-y"),
    ("x - -y", "x - -y"),
    ("--x", "--x"),
    ("+x - +y", "+x - +y"),
    ("2*x^2/4", "2*x**2/4"),
    ("x^y^0.5", "x**y**0.5"),
    ("-(x + y)^2", "-(x + y)**2"),
    ("1e-3*x + .5 + 5. + 2.5E+1", "1e-3*x + .5 + 5. + 2.5E+1"),
])
def test_precedence_is_pythons(text: str, python: str) -> None:
    x, y = 1.7, 2.3
    # Python evaluates the reference text (written here, not typed by anyone).
    expected = eval(python, {"__builtins__": {}}, {"x": x, "y": y})
    assert value(text, x=x, y=y) == pytest.approx(expected, rel=1e-15)


def test_trees_and_spans() -> None:
    text = "e^2 * sin( x )"
    tree = parse(text)
    assert isinstance(tree, BinaryOp) and tree.op == "*"
    assert tree.span == (0, len(text))
    left, right = tree.left, tree.right
    assert isinstance(left, BinaryOp) and left.op == "^"
    assert isinstance(left.left, Constant) and left.left.name == "e"
    assert isinstance(left.right, Number) and left.right.value == 2.0
    assert isinstance(right, Call) and right.function == "sin"
    assert text[right.span[0]:right.span[1]] == "sin( x )"
    assert isinstance(right.argument, Variable)
    assert text[slice(*right.argument.span)] == "x"
    neg = parse("-(x)")
    assert isinstance(neg, Negate) and neg.span == (0, 4)
    assert parse("(x + 1)").span == (0, 7)  # parentheses belong to what they enclose


def test_power_written_both_ways_and_unicode_signs() -> None:
    assert value("x**3", x=2.0) == value("x^3", x=2.0) == 8.0
    assert value("3 \u2212 x \u00d7 2 \u00b7 y", x=1.0, y=2.0) == -1.0  # − × · from the lesson
    assert value("x\u00a0+\n\t1", x=1.0) == 2.0  # a no-break space, a new line, a tab


def test_numbers_are_exact_and_checked() -> None:
    n = parse("0.1")
    assert isinstance(n, Number)
    assert n.value == 0.1 and str(n.exact) == "1/10"
    n = parse("2.5e-3")
    assert isinstance(n, Number) and str(n.exact) == "1/400"
    assert isinstance(parse("0e99999"), Number)  # zero with a big exponent: no big power
    assert value("1e308") == 1e308


def test_variables_in_order_of_first_appearance() -> None:
    assert parse_function("y*x + z - x").variables == ("y", "x", "z")
    assert parse_function("rate * time_1 + rate").variables == ("rate", "time_1")
    assert parse_function("2 + pi").variables == ()


@given(gen.trees(), st.booleans(), st.booleans(), st.sampled_from(["", " ", "  "]))
def test_generated_text_means_the_generated_tree(tree, minimal, star, space) -> None:
    text = gen.to_text(tree, minimal=minimal, star_star=star, space=space)
    try:
        fn = parse_function(text)
    except ExpressionError as exc:
        # only a constant part that is not a finite number is refused (tested below)
        assert any(w in exc.message
                   for w in ("overflow", "divides by zero", "not a real", "infinite"))
        return
    assert list(fn.variables) == gen.variables(tree)
    point = {"x": 0.7, "y": 1.3}
    try:
        expected = gen.evaluate(tree, point)
    except gen.Undefined:
        return
    got = fn.value({v: point[v] for v in fn.variables})
    # NumPy's and the math module's last bits may differ (more after sin of 2^(pi^e));
    # a text read with another precedence differs by far more
    assert got == pytest.approx(expected, rel=1e-7, abs=1e-7), text


# --- refusals ------------------------------------------------------------------------------

HOSTILE = [
    # (text, a word of the message, the offending fragment it points at)
    ("__import__('os').system('ls')", "'_'", "__import__"),
    ("x.__class__", "attribute", "."),
    ("(x).real", "attribute", "."),
    ("x[0]", "subscript", "["),
    ("[i for i in x]", "list", "["),
    ("{x}", "brace", "{"),
    ("'abc'", "string", "'"),
    ('"x"', "string", '"'),
    ("lambda x: x", "lambda", "lambda"),
    ("x for x in y", "comprehension", "for"),
    ("x if y else 0", "keyword", "if"),
    ("import os", "keyword", "import"),
    ("foo(x)", "unknown function 'foo'", "foo("),
    ("eval(x)", "unknown function 'eval'", "eval("),
    ("x(2)", "unknown function 'x'", "x("),
    ("e(2)", "constant", "e("),
    ("sin(x, y)", "','", ","),
    ("sin x", "function", "sin"),
    ("sin()", "argument", "sin()"),
    ("()", "empty", "()"),
    ("2x", "operator is missing", "x"),
    ("x y", "operator is missing", "y"),
    ("2e", "operator is missing", "e"),
    ("(x)(y)", "operator is missing", "("),
    ("x +", "ends too soon", ""),
    ("* x", "needs", "*"),
    ("x + * y", "cannot follow", "*"),
    ("(x", "never closed", "("),
    ("sin(x", "never closed", "sin("),
    ("x)", "no matching", ")"),
    ("x // 2", "//", "//"),
    ("x % 2", "%", "%"),
    ("x == 2", "=", "="),
    ("f = x^2", "=", "="),
    ("x @ y", "@", "@"),
    ("x; y", ";", ";"),
    ("x\\y", "\\", "\\"),
    ("|x|", "abs", "|"),
    ("1.2.3", "decimal point", "1.2."),
    ("x\x00", "not part", "\x00"),
    ("caf\u00e9", "letters", "\u00e9"),
    ("", "type an expression", ""),
    ("   ", "type an expression", ""),
    ("1e400", "too large", "1e400"),
    ("1e-400", "too small", "1e-400"),
    ("1" * 41, "too long", "1" * 41),
    ("a" * 33, "too long", "a" * 33),
    ("10^10^10", "overflow", "10^10^10"),
    ("x + 10^10^10", "overflow", "10^10^10"),
    ("2^(2^(2^(2^(2^9))))", "overflow", "(2^(2^(2^9)))"),  # the innermost overflow
    ("exp(1000)*x", "overflow", "exp(1000)"),
    ("1/0 + x", "divides by zero", "1/0"),
    ("log(-1)*x", "not a real number", "log(-1)"),
    ("log(0)*x", "infinite", "log(0)"),
    ("sqrt(-2) + x", "not a real number", "sqrt(-2)"),
]


@pytest.mark.parametrize(("text", "word", "fragment"), HOSTILE)
def test_hostile_input_is_refused_with_a_pointer(text: str, word: str, fragment: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_function(text)
    err = info.value
    assert word.lower() in err.message.lower()
    assert text[err.start:err.end] == fragment
    line = str(err)
    assert "\n" not in line
    assert ("at the end" in line) if err.start >= len(text) else f"column {err.start + 1}" in line
    shown, caret = err.pointer().split("\n")
    assert caret.index("^") == err.start  # short texts are shown whole, caret under it
    assert shown.rstrip() == "".join(c if c.isprintable() else " " for c in text).rstrip()


def test_limits_of_length_and_depth() -> None:
    # exactly at the limits: accepted (a long sum is long, not deep)
    long_sum = parse_function("x" + "+x" * ((MAX_EXPRESSION_LENGTH - 1) // 2))
    assert long_sum.value([1.0]) == (MAX_EXPRESSION_LENGTH - 1) // 2 + 1
    assert long_sum.derivatives["x"].text == str((MAX_EXPRESSION_LENGTH - 1) // 2 + 1)
    parse_function("(" * (MAX_EXPRESSION_DEPTH - 1) + "x" + ")" * (MAX_EXPRESSION_DEPTH - 1))
    parse_function("-" * (MAX_EXPRESSION_DEPTH - 1) + "x")
    # beyond: refused, pointing at where the limit is crossed
    with pytest.raises(ExpressionError, match="too long"):
        parse_function("x" * 10 + "+x" * MAX_EXPRESSION_LENGTH)
    with pytest.raises(ExpressionError, match="nested more than") as info:
        parse_function("(" * 1000 + "x" + ")" * 1000)
    assert info.value.start == MAX_EXPRESSION_DEPTH  # the first parenthesis too many
    with pytest.raises(ExpressionError, match="nested"):
        parse_function("-" * 1000 + "x")
    with pytest.raises(ExpressionError, match="nested"):
        parse_function("sin(" * 250 + "x" + ")" * 250)
    with pytest.raises(ExpressionError, match="nested"):
        parse_function("x" + "^x" * 1500)


def test_tokens_cover_the_text() -> None:
    tokens = tokenize("sin(x)**2 + 1e-3")
    assert [t.text for t in tokens] == ["sin", "(", "x", ")", "**", "2", "+", "1e-3", ""]
    assert [t.op for t in tokens if t.kind == "op"] == ["^", "+"]


HARD = [
    "10^10^10^10^10",
    "(" * 100000 + "x",
    "-" * 100000 + "x",
    "x" + "^x" * 50000,
    "9" * 100000,
    "x*" * 50000 + "x",
    "sin(" * 50000 + "x",
    "1e999999999",
    "0e999999999*x",
    "0." + "0" * 38 + "1e-290*x",
    "x" + "+(x" * 1999,
    "(((2*x)^1000)^1000)^1000",
    "((((x + 1)^1000)^1000)^1000)^1000 + (2*x)^(10^300)",
]


def test_hard_inputs_are_refused_quickly_in_a_fresh_process() -> None:
    # A subprocess with a timeout: a hang or a crash (RecursionError, MemoryError, a
    # segfault) fails the test; no timing assertion that could flake.
    script = textwrap.dedent("""
        import sys
        from simulator.engine.function import ExpressionError, parse_function
        for text in HARD:
            try:
                fn = parse_function(text)
                fn.value([1.0] * len(fn.variables))
                fn.derivatives
            except ExpressionError as exc:
                assert "\\n" not in str(exc)
        print("done")
    """)
    code = f"HARD = {HARD!r}\n{script}"
    result = subprocess.run([sys.executable, "-"], input=code, cwd=REPO, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "done"


@pytest.mark.parametrize("text", HARD)
def test_each_hard_input_is_refused_or_computed(text: str) -> None:
    try:
        fn = parse_function(text)
    except ExpressionError as exc:
        assert exc.message
        return
    # what is accepted computes without trouble
    v = fn.value([1.0] * len(fn.variables))
    assert isinstance(v, float)
    for d in fn.derivatives.values():
        assert d.text is not None or d.problem


ALPHABET = "xy e pi 0123456789 . + - * / ^ ( ) sin cos exp log sqrt tanh sigmoid abs _ , [ ] ' \t"


@given(st.text(alphabet=sorted(set(ALPHABET)), max_size=60))
def test_any_text_is_parsed_or_refused_cleanly(text: str) -> None:
    try:
        f = parse_function(text)
    except ExpressionError as exc:
        assert 0 <= exc.start <= exc.end <= len(text)
        assert "\n" not in str(exc) and exc.message
        return
    value = f.value([0.7] * len(f.variables))
    assert isinstance(value, float)
    for d in f.derivatives.values():
        if d.text is None:
            assert d.problem
        else:
            parse_function(d.text)
