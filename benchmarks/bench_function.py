"""Benchmark of the function lab's engine: a 201 x 201 surface, and the work per keystroke.

Run it as a script (it is not a test)::

    python benchmarks/bench_function.py [--rounds 7] [--seconds 0.2] [--strict]

1. **Surface**: ``Function.grid`` of a typed two-variable function over a 201 x 201 grid
   (the cost surface's resolution), beside the same formula written straight in NumPy over
   the same broadcast grid. Target (issue 11): under 10 ms.
2. **Keystroke**: a view re-renders after every typed character, so the script types
   expressions one character at a time and times, per prefix, what the view asks of the
   engine: ``parse_function`` (which refuses most prefixes, quickly), the value and
   gradient at the point, the symbolic derivatives (simplified, written out and parsed
   back) and, for two variables, the 201 x 201 grid. The symbolic part is also shown
   alone. Target: well under the view's 50 ms per character.
3. **Worst cases** (informational, not a target): the longest and deepest accepted
   expressions, and a derivative too big to write out (refused by the algebra's bounds):
   what one keystroke can cost at most.

Each figure is ``rounds`` rounds of as many calls as fit in ``seconds``, timed with
time.perf_counter with the garbage collector off; min and median per call are shown. The
exit status is 0, or with --strict 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from simulator.engine.function import ExpressionError, parse_function  # noqa: E402

N = 201
SURFACE_TARGET_MS = 10.0
KEYSTROKE_TARGET_MS = 50.0


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


#: (expression, the same formula in plain NumPy over x (column) and y (row))
SURFACES: list[tuple[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = [
    ("x*y + x^2", lambda x, y: x * y + x ** 2),
    ("(1 - x)^2 + 100*(y - x^2)^2", lambda x, y: (1 - x) ** 2 + 100 * (y - x ** 2) ** 2),
    ("sin(x)*exp(-(x^2 + y^2)/4) + 0.1*x",
     lambda x, y: np.sin(x) * np.exp(-(x ** 2 + y ** 2) / 4) + 0.1 * x),
    ("sigmoid(3*x - y)*tanh(y) + log(1 + x^2)",
     lambda x, y: _sigmoid(3 * x - y) * np.tanh(y) + np.log(1 + x ** 2)),
]

TYPED = [
    "x*y + x^2",
    "(1 - x)^2 + 100*(y - x^2)^2",
    "e^2*sin(x)",
    "sigmoid(w*x + b)*(1 - sigmoid(w*x + b))",
]

WORST = [
    ("longest sum (4000 characters)", "x" + "+x*y" * 999),
    ("deepest nesting (199 calls)", "sin(" * 199 + "x" + ")" * 199),
    ("derivative too big to write", "*".join(f"sin(x+{k})" for k in range(1, 200))),
]


def grid_axes() -> tuple[np.ndarray, np.ndarray]:
    """The grid's coordinates: -2..2 by -1..3 at N x N points."""
    return np.linspace(-2.0, 2.0, N), np.linspace(-1.0, 3.0, N)


def plain_grid(formula: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """The formula over the grid, in plain NumPy (same layout as Function.grid)."""
    xs, ys = grid_axes()
    with np.errstate(all="ignore"):
        return np.array(np.broadcast_to(formula(xs[:, None], ys[None, :]), (N, N)))


def measure(fn: Callable[[], object], rounds: int, seconds: float) -> tuple[float, float]:
    """(min, median) seconds per call over ``rounds`` rounds."""
    fn()
    per_call: list[float] = []
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            n, start = 0, time.perf_counter()
            while True:
                fn()
                n += 1
                elapsed = time.perf_counter() - start
                if elapsed >= seconds:
                    break
            per_call.append(elapsed / n)
    finally:
        if gc_was:
            gc.enable()
    return min(per_call), statistics.median(per_call)


def keystroke(text: str, with_grid: bool = True) -> None:
    """What a view asks of the engine after one typed character."""
    try:
        f = parse_function(text)
    except ExpressionError as exc:
        exc.pointer()
        return
    point = [0.5] * len(f.variables)
    f.value_and_gradient(point)
    _ = f.derivatives
    if with_grid and len(f.variables) >= 2:
        xs, ys = grid_axes()
        f.grid(xs, ys, fixed=dict.fromkeys(f.variables[2:], 0.5))


def symbolic_only(text: str) -> None:
    """Parse and the symbolic derivatives only (no numbers)."""
    try:
        f = parse_function(text)
    except ExpressionError:
        return
    _ = f.derivatives


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:8.3f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.2)
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, "
          f"{platform.machine()}, grid {N} x {N}")
    missed = []

    print("\n1. Surface: Function.grid over 201 x 201 (min / median per grid)")
    xs, ys = grid_axes()
    for text, formula in SURFACES:
        f = parse_function(text)
        ours = f.grid(xs, ys)
        np.testing.assert_allclose(ours, plain_grid(formula), rtol=1e-12, atol=1e-12)
        lo, med = measure(lambda f=f: f.grid(xs, ys), args.rounds, args.seconds)
        plo, pmed = measure(lambda formula=formula: plain_grid(formula), args.rounds,
                            args.seconds)
        flag = "" if lo * 1e3 < SURFACE_TARGET_MS else "  MISSED"
        if flag:
            missed.append(text)
        print(f"  {text:42s} {ms(lo)} / {ms(med)}   plain NumPy {ms(plo)} / {ms(pmed)}{flag}")

    print("\n2. Keystroke: typing each expression one character at a time")
    print("   (per character: parse, value and gradient, derivatives, 201 x 201 grid)")
    for text in TYPED:
        prefixes = [text[:k] for k in range(1, len(text) + 1)]
        times = []
        sym = []
        for p in prefixes:
            times.append(measure(lambda p=p: keystroke(p), 3, args.seconds / 10)[0])
            sym.append(measure(lambda p=p: symbolic_only(p), 3, args.seconds / 10)[0])
        worst = max(times)
        flag = "" if worst * 1e3 < KEYSTROKE_TARGET_MS else "  MISSED"
        if flag:
            missed.append(text)
        print(f"  {text:42s} median {ms(statistics.median(times))}, worst {ms(worst)};"
              f" symbolic alone median {ms(statistics.median(sym))}, worst {ms(max(sym))}"
              f"{flag}")
        f = parse_function(text)
        print(f"    -> {', '.join(f'{d.label} = {d.text}' for d in f.derivatives.values())}")

    print("\n3. Worst cases (one keystroke each, without the grid; informational: the longest"
          "\n   and deepest inputs the parser accepts, which a view should not recompute on"
          "\n   the GUI thread for every character)")
    for label, text in WORST:
        lo, med = measure(lambda text=text: keystroke(text, with_grid=False), 3,
                          args.seconds)
        f = parse_function(text)
        note = "; ".join(d.text[:30] + ("..." if len(d.text) > 30 else "") if d.text
                         else str(d.problem) for d in f.derivatives.values())
        print(f"  {label:42s} {ms(lo)} / {ms(med)}   ({note})")

    if missed:
        print(f"\nTargets missed: {', '.join(missed)}")
        return 1 if args.strict else 0
    print(f"\nAll targets met (surface < {SURFACE_TARGET_MS:g} ms, keystroke < "
          f"{KEYSTROKE_TARGET_MS:g} ms).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
