"""Benchmark of what the network learned (issue 12), live in the app.

Run it as a script (it is not a test), under Xvfb as the app runs on a projector's laptop
(software OpenGL)::

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python benchmarks/bench_learned.py [--seconds 4] [--size 1024x768]

(with QT_QPA_PLATFORM=offscreen there is no window system: the figures are lower bounds).

Part 1, the model's reads (no window): on a 2-8-8-2 tanh network on make("spiral", n=200)
with a 30 % test split, the cost of what a redraw reads from the model when training has
moved (``accuracy``, ``health``, ``plane_values`` on the 100x100 plane) and when it has not
(each is computed once per position, so every other view's read in the same redraw is a
lookup).

Part 2, the running app: the real main window (``--size``, 1600x1000 by default, the
user's settings untouched)
with the same network (Adam, batches of 20, the spiral's 140 training samples), its
decision-boundary view and every neuron's picture on the canvas shown, during a Fast run.
It counts the decision boundary's redraws (a new 100x100 image each) and the pictures'
redraws (all 18 of them each time) per second, the paints of the boundary's plot, the
iterations per second, and the event latency (bench_app's probe: an input-like event
every 10 ms, timed from its arrival).

Targets (from the issue): the decision boundary (100x100) and every neuron's picture
redrawn at least 20 times a second during a Fast run; every event answered within 50 ms.
The machine's load average is printed before and after (the figures depend on it).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_app import LatencyProbe, PaintCounter, wait  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

TARGET_REDRAWS = 20.0
TARGET_LATENCY_S = 0.050


def spiral_document():
    """The benchmark's network: 2-8-8-2 tanh on the spiral (200 samples, 30 % test)."""
    from simulator.engine import datasets, edits

    source = {"kind": "spiral", "n": 200, "test_fraction": 0.3, "one_hot": True}
    data = datasets.make("spiral", n=200, test_fraction=0.3, one_hot=True)
    doc = edits.fit_to_data(edits.new_document((2, 8, 8, 2), "tanh"), data, source)
    doc = edits.set_training(doc, optimizer="adam", learning_rate=0.01, batch_size=20)
    return edits.set_name(doc, "2-8-8-2 tanh on spiral(200)")


def load() -> str:
    """The load average and the number of cores, as a line."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "load average: not available"
    return (f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min) on "
            f"{os.cpu_count()} cores")


def time_reads(repeats: int = 200) -> None:
    """Part 1: the model's reads, computed (training moved) and looked up."""
    from simulator.app.model import LabModel

    model = LabModel(spiral_document())
    costs: dict[str, list[float]] = {"accuracy": [], "health": [], "plane_values": [],
                                     "all three, again": []}
    for _ in range(repeats):
        model.run_iterations(1)  # a new position: nothing kept
        for name in ("accuracy", "health", "plane_values"):
            t = time.perf_counter()
            getattr(model, name)()
            costs[name].append(time.perf_counter() - t)
        t = time.perf_counter()
        model.accuracy()
        model.health()
        model.plane_values()
        costs["all three, again"].append(time.perf_counter() - t)
    print("Part 1: the model's reads after each iteration (median of "
          f"{repeats}; a second read at the same position is a lookup)")
    for name, values in costs.items():
        print(f"  {name:<18} {statistics.median(values) * 1000:7.3f} ms")


def run_app(seconds: float, size: tuple[int, int] = (1600, 1000)) -> bool:
    """Part 2: a Fast run in the main window; returns whether the targets are met."""
    from simulator.app.main import freeze_startup_objects, share_the_gil
    from simulator.app.main_window import MainWindow
    from simulator.app.model import LabModel

    model = LabModel(spiral_document())
    window = MainWindow(model, persist=False)
    window.set_confirm_on_close(False)
    window.resize(*size)
    window.show()
    window.docks["boundary"].show()
    window.docks["boundary"].raise_()
    wait(QApplication.instance(), 0.5)  # type: ignore[arg-type]
    share_the_gil()
    freeze_startup_objects()
    boundary = window.learned.boundary
    thumbnails = window.learned.thumbnails
    assert boundary.mode == "plane" and len(thumbnails.items()) == 18
    counts = {"boundary": 0, "pictures": 0}
    draw_boundary, draw_pictures = boundary._draw_plane, thumbnails._draw
    spent = {"boundary": 0.0, "pictures": 0.0}

    def counted_boundary() -> None:
        t = time.perf_counter()
        draw_boundary()
        spent["boundary"] += time.perf_counter() - t
        counts["boundary"] += 1

    def counted_pictures() -> None:
        t = time.perf_counter()
        draw_pictures()
        spent["pictures"] += time.perf_counter() - t
        counts["pictures"] += 1

    boundary._draw_plane = counted_boundary  # type: ignore[method-assign]
    # (the pacer holds a weak reference to the method: hand it one to the counter)
    thumbnails._redrawer._redraw = lambda: counted_pictures
    paints = PaintCounter(boundary.plot_widget.viewport())
    probe = LatencyProbe()
    ticks = [0]
    window.runner.progress.connect(lambda *_: ticks.__setitem__(0, ticks[0] + 1))
    app = QApplication.instance()
    window.runner.set_speed(None)
    wait(app, 0.2)  # type: ignore[arg-type]
    counts.update(boundary=0, pictures=0)
    spent.update(boundary=0.0, pictures=0.0)
    paints.count = 0
    ticks[0] = 0
    before = model.stepper.completed_iterations
    probe.start()
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    window.runner.start()
    wait(app, seconds)  # type: ignore[arg-type]
    window.runner.pause()
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    probe.stop()
    done = model.stepper.completed_iterations - before
    boundary_rate = counts["boundary"] / elapsed
    pictures_rate = counts["pictures"] / elapsed
    worst = max(probe.lags) if probe.lags else float("nan")
    p95 = statistics.quantiles(probe.lags, n=20)[-1] if len(probe.lags) > 1 else worst
    print(f"Part 2: a Fast run of {elapsed:.1f} s in the main window "
          f"({window.width()}x{window.height()}, {app.platformName()})")  # type: ignore[union-attr]
    print(f"  CPU time the app got:          {cpu / elapsed * 100:9.0f} % of one core "
          f"(the rest went to other processes or to waiting)")
    print(f"  iterations/s:                  {done / elapsed:10,.0f}")
    print(f"  runner ticks/s:                {ticks[0] / elapsed:10.1f}")
    print(f"  decision boundary redraws/s:   {boundary_rate:10.1f}  "
          f"({spent['boundary'] / max(1, counts['boundary']) * 1000:.2f} ms each)")
    print(f"  all 18 pictures redraws/s:     {pictures_rate:10.1f}  "
          f"({spent['pictures'] / max(1, counts['pictures']) * 1000:.2f} ms each)")
    print(f"  boundary plot paints/s:        {paints.count / elapsed:10.1f}")
    print(f"  event latency max / p95:       {worst * 1000:7.1f} / {p95 * 1000:.1f} ms")
    window.close()
    window.deleteLater()
    wait(app, 0.1)  # type: ignore[arg-type]
    checks = [
        (f"the decision boundary redrawn >= {TARGET_REDRAWS:g} times a second",
         boundary_rate >= TARGET_REDRAWS, f"{boundary_rate:.1f}/s"),
        (f"every neuron's picture redrawn >= {TARGET_REDRAWS:g} times a second",
         pictures_rate >= TARGET_REDRAWS, f"{pictures_rate:.1f}/s"),
        (f"every event answered within {TARGET_LATENCY_S * 1000:g} ms",
         worst <= TARGET_LATENCY_S, f"worst {worst * 1000:.1f} ms"),
    ]
    print()
    for text, ok, figure in checks:
        print(f"[{'met' if ok else 'MISSED'}] {text}: {figure}")
    return all(ok for _t, ok, _f in checks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="length of the run")
    parser.add_argument("--size", default="1600x1000", help="the window's size, WxH")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    settings_dir = tempfile.mkdtemp(prefix="bench-learned-settings-")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setStyle("Fusion")
    app.setOrganizationName("BackpropLabBench")
    print(f"Backprop Lab: what the network learned, live. Python "
          f"{platform.python_version()}; before: {load()}")
    time_reads()
    ok = run_app(args.seconds, (width, height))
    print(f"after: {load()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
