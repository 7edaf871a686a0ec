"""Benchmark of the Function view: a typed character until the view has re-rendered, and the
201 x 201 surface.

Run it as a script (it is not a test)::

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_function_view.py      # no OpenGL
    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb \\
        python benchmarks/bench_function_view.py                           # with the 3D view

1. **Keystroke**: the script types expressions into the Function view's field one key at a
   time (QTest.keyClick, as a student types) and times, per key, from the key press until
   the view has re-rendered and painted (the debounce timer, the parse, the model's update,
   the redraw of the numbers and of the plot shown, and a synchronous repaint), in each
   view the expression can be shown in (the 3D surface only where OpenGL works). Target
   (issue 11): under 50 ms.
2. **Surface**: the model's 201 x 201 grid of a typed two-variable function (the engine's
   ``Function.grid`` over the plot range), target under 10 ms; and, for information, the
   whole surface redraw of the plot shown (image, colour bar and contour lines; for the 3D
   view the mesh's update, its OpenGL paint coming later).

Keystrokes are reported by what the key did (refused, a new function with the same
variables, new variables) as median / 95th percentile / worst; the surface as min / median
per call; all with time.perf_counter. The machine's other load shows in the worst figures,
so the target is read on the median and the 95th percentile. The exit status is 0, or
with --strict 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

KEYSTROKE_TARGET_MS = 50.0
SURFACE_TARGET_MS = 10.0

TYPED_2D = ["x*y + x^2", "(1 - x)^2 + 100*(y - x^2)^2", "sin(x)*exp(-(x^2 + y^2)/4) + 0.1*x"]
TYPED_1D = ["e^2*sin(x)", "x^4 - 3*x^2 + x"]


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:7.2f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="typing rounds per expression")
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args(argv)

    from simulator.app.gl_platform import ensure_pyopengl_platform

    ensure_pyopengl_platform()
    import numpy as np
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from simulator.app.function import FunctionLabModel, FunctionView
    from simulator.app.function.plots import SURFACE_RESOLUTION
    from simulator.app.surface import gl_available

    gl_ok, reason = gl_available()
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, Qt platform "
          f"{QApplication.platformName()}, OpenGL: {'yes' if gl_ok else 'no (' + reason + ')'}")
    view = FunctionView(FunctionLabModel())
    view.resize(1024, 700)
    view.show()
    app.processEvents()
    model = view.model
    edit = view.field.edit
    missed: list[str] = []

    def settle() -> None:
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            app.processEvents()
            if not view.field.pending and not view.redraw_pending:
                return

    def type_expression(text: str) -> dict[str, list[float]]:
        """Per key, by kind: press -> re-rendered and painted."""
        edit.setFocus()
        edit.clear()
        model.set_text("x")  # a neutral start for every round
        settle()
        times: dict[str, list[float]] = {"refused": [], "same variables": [],
                                         "new variables": []}
        for k, char in enumerate(text):
            before = model.variables
            t0 = time.perf_counter()
            QTest.keyClick(edit, char)
            while view.field.pending or view.redraw_pending \
                    or model.text != text[:k + 1]:
                app.processEvents()
            view.repaint()  # paint now, synchronously (what the screen shows)
            kind = "refused" if model.error is not None else \
                "same variables" if model.variables == before else "new variables"
            times[kind].append(time.perf_counter() - t0)
        return times

    modes_2d = ["contour", "graph"] + (["surface"] if gl_ok else [])
    print("\n1. Keystroke: key press -> re-rendered and painted, every key of the expressions"
          "\n   typed from the start, by what the key did: refused (the text does not parse"
          "\n   yet: the message and the underline), same variables (a new function: numbers,"
          "\n   plot), new variables (also the start fields, and the plot's kind may change)."
          "\n   keys / median / 95th percentile / worst")
    pooled: dict[str, list[float]] = {}
    for mode, texts in [(m, TYPED_2D) for m in modes_2d] + [("curve", TYPED_1D)]:
        model.set_text(texts[0])
        model.set_view_mode(mode)
        settle()
        by_kind: dict[str, list[float]] = {}
        gc.collect()
        for text in texts:
            for _ in range(args.rounds):
                for kind, times in type_expression(text).items():
                    by_kind.setdefault(kind, []).extend(times)
        for kind, times in by_kind.items():
            if not times:
                continue
            pooled.setdefault(kind, []).extend(times)
            p95 = float(np.percentile(times, 95))
            flag = "" if statistics.median(times) * 1e3 < KEYSTROKE_TARGET_MS \
                and p95 * 1e3 < KEYSTROKE_TARGET_MS else "  MISSED"
            if flag:
                missed.append(f"keystroke {mode} ({kind})")
            print(f"  {mode:8s} {kind:15s} {len(times):4d} {ms(statistics.median(times))} / "
                  f"{ms(p95)} / {ms(max(times))}{flag}")
    every = [t for times in pooled.values() for t in times]
    print(f"  all views, all keys: {len(every)} keys, median {ms(statistics.median(every))}, "
          f"95th percentile {ms(float(np.percentile(every, 95)))}, "
          f"{sum(t * 1e3 < KEYSTROKE_TARGET_MS for t in every) / len(every):.1%} under "
          f"{KEYSTROKE_TARGET_MS:g} ms")
    print(f"  (the debounce, {view.field._timer.interval()} ms, is part of every figure; the "
          "target is met when the median and the 95th percentile are under it)")

    print("\n2. Surface: 201 x 201 (min / median per call)")
    for text in TYPED_2D:
        model.set_text(text)
        model.set_view_mode("contour")
        settle()
        grid_times = []
        for _ in range(30):
            t0 = time.perf_counter()
            model.surface_grid(SURFACE_RESOLUTION)
            grid_times.append(time.perf_counter() - t0)
        lo = min(grid_times)
        flag = "" if lo * 1e3 < SURFACE_TARGET_MS else "  MISSED"
        if flag:
            missed.append(f"surface {text}")
        redraws = {}
        for mode in ["contour"] + (["surface"] if gl_ok else []):
            model.set_view_mode(mode)
            settle()
            times = []
            for _ in range(10):
                view.surface._grid_keys.clear()  # the whole grid again
                t0 = time.perf_counter()
                view.surface.show_model(model, {"grid", "point", "paths"})
                view.repaint()
                times.append(time.perf_counter() - t0)
            redraws[mode] = statistics.median(times)
        extra = ", ".join(f"{m} redraw {ms(t).strip()}" for m, t in redraws.items())
        if "surface" in redraws:
            extra += " (3D: the items' update; OpenGL paints later, in the keystroke figures)"
        print(f"  {text:38s} grid {ms(lo)} / {ms(statistics.median(grid_times))}{flag}   "
              f"({extra})")

    view.shutdown()
    view.close()
    app.processEvents()
    if missed:
        print(f"\nTargets missed: {', '.join(missed)}")
        return 1 if args.strict else 0
    print(f"\nAll targets met (keystroke < {KEYSTROKE_TARGET_MS:g} ms, surface < "
          f"{SURFACE_TARGET_MS:g} ms).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
