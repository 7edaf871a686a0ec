"""The function-lab benchmark compares like with like: its plain NumPy formulas are the
typed expressions (the timing itself is a script, benchmarks/bench_function.py)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from simulator.engine.function import parse_function

from . import _reference as ref


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "bench_function", ref.REPO / "benchmarks" / "bench_function.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_plain_formulas_are_the_typed_expressions(bench) -> None:
    xs, ys = bench.grid_axes()
    assert xs.shape == ys.shape == (201,)
    for text, formula in bench.SURFACES:
        grid = parse_function(text).grid(xs, ys)
        np.testing.assert_allclose(grid, bench.plain_grid(formula), rtol=1e-12, atol=1e-12)


def test_a_keystroke_does_the_views_work(bench) -> None:
    for text in bench.TYPED:
        for k in range(1, len(text) + 1):
            bench.keystroke(text[:k])  # no exception for any prefix
    lo, med = bench.measure(lambda: None, rounds=2, seconds=0.001)
    assert 0 <= lo <= med
