"""Benchmark of the cost-surface grid: the vectorised grid against a plain per-point loop.

Run it as a script (it is not a test)::

    python benchmarks/bench_surface.py [--rounds 15] [--loop-rounds 3] [--grid 101]

The network is 2-8-8-1 (tanh hidden layers, sigmoid output, a bias per neuron, Xavier
initialisation with seed 1), the loss half_sse, the data 200 samples of the "circle" set
(``datasets.make("circle", n=200)``), the grid 101 x 101 around the current values
(``auto_range``). In one run it times, for each surface:

- "first layer": w1 and w2, two weights of the first layer. Every layer is recomputed per
  grid point: 10201 points x 200 samples through 8 + 8 + 1 neurons (of which the first
  layer needs only the one neuron the two weights feed).
- "first layer, 2 neurons": w1 and w3, first-layer weights of two different neurons.
- "last layer": w81 and w82, the first two weights of the last layer (the default axes):
  only the output neuron is recomputed.
- "random directions": two filter-normalised random directions (seed 0), every parameter
  moving.

each four ways: the vectorised grid with the default number of threads
(``surface.worker_count()``: 2 here, or 1 for 2 s after a threaded run in which the
threads did not get a CPU each),
with one thread, with two, and the plain per-point loop (``loss_grid_loop``: one engine
``loss_value`` per point). Before timing, each vectorised grid is checked against the loop
(within 1e-12).
Times are the minimum over the rounds (the least disturbed estimate; the median of the
default runs is shown too); the vectorised variants alternate round by round, so that all
meet the same disturbances. The targets of the surface issue, checked for the first-layer and
last-layer surfaces: at most 40 ms, and at least 6x faster than the loop. The load average
and the share of idle CPU time during the run are printed, since other processes on a
2-core machine change the numbers (the threads need the second core).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from simulator.engine import surface  # noqa: E402
from simulator.engine.datasets import make  # noqa: E402
from simulator.engine.initializers import initialize  # noqa: E402
from simulator.engine.network import LayerSpec, Network  # noqa: E402

TARGET_MS = 40.0
TARGET_RATIO = 6.0
LOSS = "half_sse"


def network() -> Network:
    """The 2-8-8-1 benchmark network."""
    net = Network.create(2, [LayerSpec(8, "tanh"), LayerSpec(8, "tanh"),
                             LayerSpec(1, "sigmoid")])
    return net.with_params(initialize(net, "xavier", seed=1))


def timed(fn: Callable[[], object], rounds: int) -> tuple[float, float]:
    """(minimum, median) wall time of ``fn`` in seconds over ``rounds`` calls."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def load() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def cpu_ticks() -> tuple[int, int] | None:
    """(idle, total) CPU ticks since boot over all CPUs (Linux), or None."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = [int(v) for v in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return fields[3] + fields[4], sum(fields[:8])


def idle_share(start: tuple[int, int] | None) -> str:
    """How much of the machine's CPU time was idle since ``start`` (other processes busy
    the rest, with this one)."""
    end = cpu_ticks()
    if start is None or end is None or end[1] <= start[1]:
        return "n/a"
    return f"{100.0 * (end[0] - start[0]) / (end[1] - start[1]):.0f}%"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15,
                        help="rounds of the vectorised grid")
    parser.add_argument("--loop-rounds", type=int, default=3, help="rounds of the loop")
    parser.add_argument("--grid", type=int, default=101)
    args = parser.parse_args(argv)

    net = network()
    data = make("circle", n=200)
    X, T = data.inputs, data.targets
    n = args.grid
    d1, d2 = surface.random_directions(net, 0)
    unit = np.linspace(-1.0, 1.0, n)

    def axes_case(p1: str, p2: str) -> tuple[Callable[..., np.ndarray],
                                             Callable[[], np.ndarray]]:
        xs = np.linspace(*surface.auto_range(net.get(p1)), n)
        ys = np.linspace(*surface.auto_range(net.get(p2)), n)

        def grid(workers: int | None = None) -> np.ndarray:
            return surface.loss_grid(net, X, T, LOSS, p1, p2, xs, ys, workers=workers)

        def loop() -> np.ndarray:
            return surface.loss_grid_loop(net, X, T, LOSS, p1, p2, xs, ys)
        return grid, loop

    def directions_grid(workers: int | None = None) -> np.ndarray:
        return surface.loss_grid_directions(net, X, T, LOSS, d1, d2, unit, unit,
                                            workers=workers)

    def directions_loop() -> np.ndarray:
        return surface.loss_grid_directions_loop(net, X, T, LOSS, d1, d2, unit, unit)

    cases: list[tuple[str, bool, Callable[..., np.ndarray], Callable[[], np.ndarray]]] = [
        ("first layer (w1, w2)", True, *axes_case("w1", "w2")),
        ("first layer, 2 neurons (w1, w3)", False, *axes_case("w1", "w3")),
        ("last layer (w81, w82)", True, *axes_case("w81", "w82")),
        ("random directions", False, directions_grid, directions_loop),
    ]

    print(f"Backprop Lab surface benchmark: 2-8-8-1 (tanh, tanh, sigmoid), {LOSS}, "
          f"{X.shape[0]} samples (circle), {n} x {n} grid")
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, {os.cpu_count()} CPUs, "
          f"up to {surface.worker_count()} threads by default; load average before: {load()}")
    print()
    ticks = cpu_ticks()
    header = (f"{'surface':32} {'default':>13} {'1 thread':>9} {'2 threads':>9} {'loop':>7} "
              f"{'ratio':>6} {'max |grid-loop|':>15}")
    print(header)
    print(f"{'':32} {'min/median ms':>13} {'min ms':>9} {'min ms':>9} {'ms':>7}")
    print("-" * len(header))
    verdicts: list[tuple[str, bool, bool]] = []
    for label, checked, grid, loop in cases:
        reference = loop()
        result = grid()
        diff = float(np.max(np.abs(result - reference)))
        if not diff <= 1e-12:
            print(f"{label}: the grid differs from the loop by {diff:g}", file=sys.stderr)
            return 1
        runs: dict[int | None, list[float]] = {None: [], 1: [], 2: []}
        for workers in runs:  # warm the thread pool and the scratch arrays
            grid(workers)
        for _ in range(args.rounds):  # interleaved, so that all meet the same disturbances
            for workers, times in runs.items():
                times.append(timed(partial(grid, workers), 1)[0])
        t_min, t_med = min(runs[None]), statistics.median(runs[None])
        loop_min, _ = timed(loop, args.loop_rounds)
        ratio = loop_min / t_min
        print(f"{label:32} {t_min * 1e3:6.1f}/{t_med * 1e3:<6.1f} {min(runs[1]) * 1e3:9.1f} "
              f"{min(runs[2]) * 1e3:9.1f} {loop_min * 1e3:7.0f} {ratio:5.1f}x {diff:15.1e}")
        if checked:
            verdicts.append((label, t_min * 1e3 <= TARGET_MS, ratio >= TARGET_RATIO))
    print()
    print(f"load average after: {load()}; CPU idle during the run: {idle_share(ticks)} "
          f"of {os.cpu_count()} CPUs (this benchmark keeps one busy on its own)")
    print(f"targets (default threads): at most {TARGET_MS:g} ms and at least "
          f"{TARGET_RATIO:g}x the loop")
    for label, fast, ratio_ok in verdicts:
        print(f"  {label:32} time {'met' if fast else 'NOT met'}, "
              f"ratio {'met' if ratio_ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
