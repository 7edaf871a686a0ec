"""The engine benchmark compares like with like: its plain NumPy loops compute the engine's
step (the timing itself is a script, benchmarks/bench_engine.py, not a test)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from . import _reference as ref


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "bench_engine", ref.REPO / "benchmarks" / "bench_engine.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_plain_loops_do_the_engines_work(bench) -> None:
    nets = bench.networks()
    assert len(nets) == 2
    for name, trainer, plain in nets:
        assert bench.same_work(trainer, plain), name
        # and over several steps, not just the first
        state = trainer.initial_state()
        p = state.params
        for _ in range(5):
            result = trainer.step(state, keep=False)
            loss, p = plain(p)
            assert loss == pytest.approx(result.loss, rel=1e-12)
            np.testing.assert_allclose(p, result.after.params, rtol=1e-12, atol=1e-15)
            state = result.after


def test_the_derivation_workloads_build_what_a_view_shows(bench) -> None:
    for name, trainer, plain in bench.networks():
        work = bench.workloads(trainer, plain)
        assert list(work) == ["with one derivation", "with all derivations",
                              "without derivations", "plain NumPy"], name
        one = work["with one derivation"]()
        assert one.parameter == trainer.network.names[0]
        assert len(one.terms) >= 1
        every = work["with all derivations"]()
        assert list(every) == trainer.network.names
        bp = trainer.step(trainer.initial_state()).backward
        for pname, d in every.items():
            assert d.parameter == pname and d.gradient == bp.gradient(pname)


def test_measure_reports_min_and_median(bench) -> None:
    calls = []
    result = bench.measure({"a": lambda: calls.append(1)}, rounds=3, seconds=0.01)
    lo, med = result["a"]
    assert 0 < lo <= med
    assert len(calls) > 50
