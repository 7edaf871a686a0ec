"""Issue 13, finding 9: a seeded fuzzer of documents and of the command line.

Thousands of mutations of example documents (type swaps, huge and long numbers, deep
nesting, unicode and control characters, duplicate keys, missing and extra fields, NaN and
Infinity, broken JSON) must each end one of two ways:

- a :class:`DocumentError` whose message is one printable line, or
- a document that saves and reloads bit for bit (the round-trip guarantee), whose first
  training iteration either shows only finite numbers or is refused with a divergence.

Never another exception, never a NumPy warning (the suite turns warnings into errors). The
command line (explain, train, surface) on mutated files must exit 0, 1 or 2, print at most
one line on stderr for 1 and 2, and let no exception escape.

Every case is reproducible from its index (``random.Random(SEED * 1_000_003 + index)``).
A longer run by hand::

    BACKPROP_FUZZ_N=100000 BACKPROP_FUZZ_CLI_N=3000 .venv/bin/python -m pytest -q -s \\
        tests/engine/test_document_fuzz.py

(``BACKPROP_FUZZ_SEED`` picks another seed.) With ``-s`` each test prints its tally.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import random
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from simulator import cli
from simulator.engine import document, edits, limits
from simulator.engine.datasets import Dataset
from simulator.engine.document import Document, DocumentError
from simulator.engine.network import LayerSpec, Network
from simulator.engine.optimizers import TrainingConfig
from simulator.engine.stepper import Stepper
from simulator.engine.training import Trainer

from . import _reference as ref

FUZZ_N = int(os.environ.get("BACKPROP_FUZZ_N", "3000"))
CLI_FUZZ_N = int(os.environ.get("BACKPROP_FUZZ_CLI_N", "300"))
SUBPROCESS_N = int(os.environ.get("BACKPROP_FUZZ_SUBPROCESS_N", "6"))
SEED = int(os.environ.get("BACKPROP_FUZZ_SEED", "13"))


# --- the corpus: example documents ------------------------------------------------------------

def _corpus() -> list[str]:
    docs: list[Document] = []
    xor = edits.new_document((2, 2, 1), seed=1)
    docs.append(edits.set_training(xor, optimizer="momentum", momentum=0.5, batch_size=2))
    wide = edits.new_document((3, 4, 2), activation="tanh", seed=2)
    wide = edits.set_layer(wide, 2, activation="softmax", bias="shared")
    rng = np.random.default_rng(0)
    data = Dataset(rng.normal(size=(5, 3)), np.eye(2)[[0, 1, 1, 0, 1]],
                   rng.normal(size=(2, 3)), np.eye(2)[[1, 0]],
                   input_names=("a", "b \u00e9", "c"), target_names=("yes", "no"))
    wide = edits.set_loss(edits.set_data(wide, data, {"kind": "csv", "path": "/tmp/x.csv",
                                                      "seed": 4, "test_fraction": 0.25,
                                                      "input_columns": [0, 1, 2],
                                                      "target_columns": ["yes", "no"]}),
                          "cross_entropy")
    docs.append(edits.set_training(wide, optimizer="adam", beta2=0.99, eps=1e-6,
                                   learning_rate=0.05, seed=limits.MAX_SEED))
    deep = edits.new_document((2, 3, 3, 3, 1), activation="relu", bias="none", seed=3)
    deep = edits.set_frozen(edits.set_frozen(deep, "w1", True), "w7", True)
    deep = edits.set_data(deep, Dataset(rng.uniform(-1e3, 1e3, (6, 2)), rng.normal(size=(6, 1))),
                          {"kind": "circle", "n": 6, "noise": 0.1, "seed": 0, "one_hot": False,
                           "extra": {"nested": [1, 2.5, None, True, "x"]}})
    docs.append(edits.set_training(edits.set_name(deep, "Deep \u2603"),
                                   learning_rate=limits.MAX_LEARNING_RATE, optimizer="sgd"))
    # Training diverges at step 2 (a parameter would pass the limit).
    docs.append(edits.set_training(edits.new_document((2, 2, 1), activation="linear"),
                                   learning_rate=1e5))
    # The first iteration's forward pass passes the limit (net inputs 4e24, 1.6e37, ...).
    specs = [LayerSpec(4, "linear", "none")] * 9 + [LayerSpec(1, "linear", "none")]
    net = Network.create(4, specs, np.full(Network.count_parameters(4, specs), 1e12))
    docs.append(Document(net, "mse", TrainingConfig("gd", learning_rate=1e-8),
                         Dataset(np.full((2, 4), 1e12), np.zeros((2, 1)))))
    texts = [ref.REFERENCE_JSON.read_text(encoding="utf-8")] + [d.to_json() for d in docs]
    for text in texts:  # every seed document is good
        document.loads(text)
    return texts


CORPUS = _corpus()

# --- values and mutations ---------------------------------------------------------------------

RAW = "\ue000RAW{}\ue000"  # a placeholder string replaced by raw JSON text after dumping
NAMES = ["sigmoid", "softmax", "tanh", "relu", "linear", "half_sse", "mse", "cross_entropy",
         "binary_cross_entropy", "gd", "sgd", "momentum", "adam", "neuron", "shared", "none",
         "w1", "w2", "b1", "H1", "backprop-lab", "kind", "circle", "csv"]
KEYS = ["format", "version", "name", "layers", "weights", "biases", "frozen", "loss",
        "training", "data", "size", "activation", "bias", "optimizer", "learning_rate",
        "batch_size", "seed", "momentum", "beta1", "beta2", "eps", "inputs", "targets",
        "test_inputs", "test_targets", "source", "input_names", "target_names", "n", "noise",
        "one_hot", "path", "test_fraction", "input_columns", "target_columns",
        "new\nline", "\u202e", "\ud800", "", "x" * 300, "nul\x00"]
EDGE_NUMBERS: list[Any] = [
    0, 1, -1, 2, 64, 65, 0.0, -0.0, 0.5, 1.0, 1e-8, 1e-9, 1e-12, 1e-13, 0.999999, 0.9999999,
    1e6, 1e6 + 1, 1e12, -1e12, 10**12 + 1, 1e13, 1e100, 1e300, -1e300, 5e-324, 2.2250738585e-308,
    100_000, 100_001, 2**31 - 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63), 10**29, 10**30,
    10**31,
]
TEXTS = ["", " ", "text", "\n", "a\x00b", "\t", "\x1b[31mred", "\u202eevil", "\u2028", "é",
         "\U0001f600" * 3, "x" * 257, "y" * 5000, "\udc80", "0.5", "1e400"]


def _raw(text: str) -> str:
    return RAW.format(text)


def _raw_numbers(rng: random.Random) -> str:
    return rng.choice([
        "9" * rng.choice([31, 40, 400, 4300, 4301, 5001]),
        "-" + "9" * rng.choice([31, 400, 5001]),
        "1e400", "-1e400", "1e-400", "NaN", "Infinity", "-Infinity",
        "0." + "0" * 400 + "1", "1" + "0" * 300 + ".5", "123456789" * 50 + "e-300",
        "1E12", "-0", "0e0", "1.0e+12",
    ])


def _deep(rng: random.Random) -> str:
    depth = rng.choice([2, 7, 8, 9, 50, 900, 1_000, 5_000, 200_000])
    if rng.random() < 0.5:
        return "[" * depth + rng.choice(["1", "", "NaN", '"x"']) + "]" * depth
    return '{"a": ' * depth + "1" + "}" * depth


def random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if roll < 0.25:
        return rng.choice(EDGE_NUMBERS)
    if roll < 0.40:
        return rng.choice(TEXTS + NAMES)
    if roll < 0.52:
        return rng.choice([True, False, None, [], {}, [1, 2], {"a": 1}, [[0.1, 0.2]],
                           [{"size": 2}], {"size": 2, "activation": "sigmoid", "bias": "none"}])
    if roll < 0.72:
        return _raw(_raw_numbers(rng))
    if roll < 0.80:
        return _raw(_deep(rng))
    if roll < 0.90 and depth < 3:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if depth < 3:
        return {rng.choice(KEYS): random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    return rng.random() * 10 ** rng.randint(-5, 15)


def _locations(node: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in the tree, iteratively."""
    stack = [node]
    while stack:
        obj = stack.pop()
        items = obj.items() if isinstance(obj, dict) else enumerate(obj) \
            if isinstance(obj, list) else ()
        for k, v in items:
            out.append((obj, k))
            if isinstance(v, (dict, list)):
                stack.append(v)
    return out


def mutate_tree(tree: Any, rng: random.Random) -> str:
    """One structural mutation; returns its name."""
    places = _locations(tree, [])
    container, key = rng.choice(places)
    roll = rng.random()
    if roll < 0.40:
        container[key] = random_value(rng)
        return "replace"
    if roll < 0.55:
        del container[key]
        return "delete"
    if roll < 0.65:
        target = container[key]
        if isinstance(target, dict):
            target[rng.choice(KEYS)] = random_value(rng)
            return "add-key"
        if isinstance(target, list):
            if target and rng.random() < 0.5:
                target.append(rng.choice(target))
            else:
                target.insert(rng.randint(0, len(target)), random_value(rng))
            return "add-element"
        container[key] = [target]
        return "wrap-list"
    if roll < 0.72:
        target = container[key]
        if isinstance(target, list) and target:
            del target[rng.randrange(len(target)):]
            return "truncate-list"
        container[key] = {"value": target}
        return "wrap-object"
    if roll < 0.85:  # a number nudged to an edge, or a name to another name
        value = container[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            container[key] = rng.choice([value * 10 ** rng.randint(1, 15), -value,
                                         value + 1e-9, float(value), int(value) * 2**40])
        else:
            container[key] = rng.choice(NAMES + TEXTS)
        return "nudge"
    if roll < 0.93 and isinstance(container, dict):  # the same key twice (in the text)
        container[key + "\ue001dup"] = random_value(rng) if rng.random() < 0.5 else container[key]
        return "duplicate-key"
    container[key] = _raw(_deep(rng))
    return "deep"


def dump(tree: Any, rng: random.Random) -> str:
    text = json.dumps(tree, indent=rng.choice([None, 1]), ensure_ascii=rng.random() < 0.5)
    text = re.sub('"\ue000RAW(.*?)\ue000"', lambda m: json.loads(f'"{m.group(1)}"'), text,
                  flags=re.DOTALL)
    return re.sub('\ue001dup"', '"', text)


def mutate_text(text: str, rng: random.Random) -> str:
    """A small edit of the JSON text itself (most break its syntax)."""
    if not text:
        return text
    roll = rng.random()
    i = rng.randrange(len(text))
    if roll < 0.3:
        return text[:i] + text[i + 1:]
    if roll < 0.6:
        return text[:i] + rng.choice('{}[],:"\\0-.eE \n\x00\x7f\u00e9') + text[i:]
    if roll < 0.75:
        return text[:i]
    if roll < 0.85:
        return "\ufeff" + text if rng.random() < 0.5 else text + rng.choice(["\n", " x", "{}"])
    # a number token replaced by a raw one
    numbers = [m.span() for m in re.finditer(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", text)]
    if not numbers:
        return text
    a, b = rng.choice(numbers)
    return text[:a] + _raw_numbers(rng) + text[b:]


@dataclass
class Case:
    """One fuzzed document."""

    index: int
    text: str
    steps: list[str] = field(default_factory=list)

    def describe(self) -> str:
        snippet = self.text if len(self.text) < 300 else self.text[:300] + "..."
        return f"case {self.index} ({', '.join(self.steps)}): {snippet!r}"


CACHED_CASES = 3000  # the first ones are kept (two tests use them); a long run makes the rest


def make_case(index: int) -> Case:
    """The fuzzed document number ``index``."""
    return _cached_case(index) if index < CACHED_CASES else _make_case(index)


@functools.cache
def _cached_case(index: int) -> Case:
    return _make_case(index)


def _make_case(index: int) -> Case:
    rng = random.Random(SEED * 1_000_003 + index)
    base = rng.choice(CORPUS)
    case = Case(index, base)
    if rng.random() < 0.85:
        tree = json.loads(base)
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            case.steps.append(mutate_tree(tree, rng))
        case.text = dump(tree, rng)
    if rng.random() < 0.25:
        case.text = mutate_text(case.text, rng)
        case.steps.append("text")
    return case


# --- the properties ---------------------------------------------------------------------------

def _check_message(message: str) -> None:
    assert message.isprintable(), f"not one printable line: {message!r}"
    assert len(message) < 2000, f"message of {len(message)} characters"


def _check_training(doc: Document) -> None:
    """The first iteration shows only finite numbers, or is refused before it is shown."""
    trainer = Trainer(doc.network, doc.data.inputs, doc.data.targets, doc.loss, doc.training)
    stepper = Stepper(trainer)
    if stepper.step() is None:
        assert stepper.divergence is not None and stepper.cursor == -1
        _check_message(stepper.divergence.message)
        return
    bp = stepper.iteration.backward
    shown = [*bp.forward.nets, *bp.forward.outs, *bp.delta, bp.grad, bp.per_sample_loss]
    assert all(np.isfinite(a).all() for a in shown)
    result = stepper.run(5)
    assert np.abs(stepper.params).max() <= limits.MAX_ABS_VALUE
    assert all(np.isfinite(result.losses))
    trained = doc.with_changes(network=doc.network.with_params(stepper.params))
    assert document.loads(trained.to_json()).to_json() == trained.to_json()


def check_case(case: Case, folder: Path, tally: dict[str, int]) -> None:
    rng = random.Random(case.index)
    try:
        if rng.random() < 0.1:  # through a file, sometimes with bytes that are not UTF-8
            path = folder / "fuzz.json"
            data = case.text.encode("utf-8", "surrogatepass")
            if rng.random() < 0.2:
                data = data[: len(data) // 2] + b"\xff" + data[len(data) // 2:]
            path.write_bytes(data)
            doc = document.load(path)
        else:
            doc = document.loads(case.text)
    except DocumentError as exc:
        _check_message(str(exc))
        tally["refused"] += 1
        return
    tally["loaded"] += 1
    saved = doc.to_json()
    again = document.loads(saved)
    assert again.to_json() == saved, "saves, but does not reload bit for bit"
    if rng.random() < 0.3:
        _check_training(doc)
        tally["trained"] += 1


def test_fuzzed_documents_load_with_one_clear_error_or_round_trip(tmp_path: Path) -> None:
    tally = {"refused": 0, "loaded": 0, "trained": 0}
    failures: list[str] = []
    for index in range(FUZZ_N):
        case = make_case(index)
        try:
            check_case(case, tmp_path, tally)
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {str(exc)[:300]} in {case.describe()}")
    print(f"\nfuzzed documents: {FUZZ_N} tried, {tally['refused']} refused with one line, "
          f"{tally['loaded']} loaded and round-tripped ({tally['trained']} also trained), "
          f"{len(failures)} uncaught")
    assert not failures, f"{len(failures)} failures; the first ones:\n" + "\n".join(failures[:8])
    # The mix shows the fuzzer reaches both outcomes (not only broken JSON).
    assert tally["loaded"] > FUZZ_N * 0.05 and tally["refused"] > FUZZ_N * 0.3


def test_the_mutations_cover_what_the_issue_lists() -> None:
    """Within the CI run, each kind of input the issue names appears."""
    texts = [make_case(i).text for i in range(CACHED_CASES)]
    joined = "\n".join(texts)
    assert "9" * 401 in joined and "9" * 5001 in joined  # 400- and 5,001-digit numbers
    assert "NaN" in joined and "Infinity" in joined
    assert "[" * 1000 in joined or '{"a": ' * 1000 in joined  # deep nesting
    assert "\\n" in joined and "\\u202e" in joined.lower()  # control characters
    assert any(re.search(r'"(\w+)": [^,{}]*, "\1": ', t) for t in texts)  # duplicate keys


# --- the command line -------------------------------------------------------------------------

def _cli_args(rng: random.Random, path: str, out: str) -> list[str]:
    command = rng.choice(["explain", "train", "surface"])
    args = [command, path]
    if command == "explain":
        args += rng.choice([[], ["--json"], ["--format", "markdown"], ["--digits", "3"],
                            ["--digits", "0"], ["--digits", "9" * 30], ["--format", "x"]])
    elif command == "train":
        args += ["--steps", rng.choice(["0", "1", "7", "40", "-1", "x", "9" * 5001])]
        args += rng.choice([[], ["--json"], ["--out", out], ["--out", ""], ["--json", "--out",
                                                                             out]])
    else:
        names = ["w1", "w2", "b1", "w3", "zz", "w1"]
        args += ["--axes", rng.choice(names), rng.choice(names), "--grid",
                 rng.choice(["5", "3", "1", "0", "x"])]
        args += rng.choice([[], ["--json"], ["--span", "0.5"], ["--span", "nan"],
                            ["--range", "0", "1", "0", "1"], ["--range", "1", "0", "0", "inf"]])
    if rng.random() < 0.05:
        args.append(rng.choice(["--bogus", "\x1b[31m", "--steps"]))
    return args


def run_cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(args)
    return status, out.getvalue(), err.getvalue()


def _check_cli(status: int, stderr: str) -> None:
    assert status in (0, 1, 2), status
    assert "Traceback" not in stderr
    if status:
        assert stderr.endswith("\n") and stderr.count("\n") == 1, repr(stderr[:500])
        _check_message(stderr[:-1])
    else:
        assert stderr == "", repr(stderr[:500])


def test_fuzzed_command_lines_exit_0_1_or_2_with_one_line(tmp_path: Path) -> None:
    tally = {0: 0, 1: 0, 2: 0}
    failures: list[str] = []
    path, out = tmp_path / "doc.json", str(tmp_path / "out.json")
    for index in range(CLI_FUZZ_N):
        rng = random.Random(index)
        # Half the runs on a good document, so that the arguments are what is fuzzed.
        case = make_case(10_000_000 + index) if rng.random() < 0.5 else \
            Case(-1, rng.choice(CORPUS))
        path.write_bytes(case.text.encode("utf-8", "surrogatepass"))
        args = _cli_args(rng, str(path), out)
        try:
            status, _stdout, stderr = run_cli(args)
            _check_cli(status, stderr)
            tally[status] += 1
            if status == 0 and "--out" in args and args[args.index("--out") + 1]:
                document.load(out)  # what train saved reopens
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {str(exc)[:300]} for {args[:1] + args[2:]}"
                            f" on {case.describe()}")
    print(f"\nfuzzed command lines: {CLI_FUZZ_N} run, exit 0: {tally[0]}, 1: {tally[1]}, "
          f"2: {tally[2]}, {len(failures)} uncaught")
    assert not failures, f"{len(failures)} failures; the first ones:\n" + "\n".join(failures[:8])
    assert tally[0] > 0 and tally[1] > 0 and tally[2] > 0


def test_fuzzed_command_lines_in_a_real_process(tmp_path: Path) -> None:
    """A few runs as a user runs them: no traceback, warnings as errors."""
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    env.pop("PYTHONPATH", None)
    for index in range(SUBPROCESS_N):
        case = make_case(20_000_000 + index)
        path = tmp_path / f"doc{index}.json"
        path.write_bytes(case.text.encode("utf-8", "surrogatepass"))
        args = _cli_args(random.Random(index), str(path), str(tmp_path / "out.json"))
        proc = subprocess.run([sys.executable, "-m", "simulator", *args], capture_output=True,
                              text=True, timeout=120, cwd=ref.REPO, env=env,
                              errors="backslashreplace")
        _check_cli(proc.returncode, proc.stderr)


def test_a_case_is_reproducible_from_its_index() -> None:
    assert make_case(42).text == make_case(42).text
    assert make_case(42).text != make_case(43).text

