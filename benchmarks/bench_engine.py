"""Benchmark of one training iteration of the engine, against a plain NumPy loop.

Run it as a script (it is not a test)::

    python benchmarks/bench_engine.py [--rounds 7] [--seconds 0.2]

For two networks it times one training iteration four ways, in the same run:

- "with one derivation": ``Trainer.step(state)`` (keeping the network for the explanations)
  plus the chain-rule derivation of one parameter, ``bp.derivation(name)``: what the app
  does when it shows a backward sub-step or a clicked parameter (it shows one derivation at
  a time). The parameter is the network's first weight, whose derivation runs through every
  layer and so has the most factors.
- "with all derivations": ``Trainer.step(state)`` plus ``bp.derivation(name)`` of every
  parameter (:func:`every_derivation`): the derivations ``explain`` writes for a whole
  iteration, and the most a student stepping through every backward sub-step asks for.
- "without derivations": ``Trainer.step(state, keep=False)``: what a fast run does per step.
- "plain NumPy": the same iteration written straight in NumPy below, with nothing but the
  arithmetic: forward pass, the loss (which a training loop reports, as the engine does),
  backward pass and gradient-descent update.

The networks are the reference lesson (2-2-2, sigmoid, shared biases, half squared error,
one sample, resources/examples/reference.json) and a 2-8-8-1 network (tanh hidden layers,
sigmoid output, a bias per neuron, mean squared error) on 200 samples, full batch (gd).

Each measurement is ``rounds`` rounds of as many iterations as fit in ``seconds``, timed
with time.perf_counter with the garbage collector off; the rounds of the four ways are
interleaved, so that a change in the machine's load hits them alike. The table shows the
per-iteration minimum and median over the rounds; the ratios use the minima (the least
disturbed estimate of the cost). The targets of the engine issue:

- the reference network's iteration with one derivation takes under 50 us;
- the 2-8-8-1 iteration (a training step, without derivations) takes at most 1.3x the plain
  loop.

Then, for issue 12 (what the network learned), the costs of its new engine pieces, each
against the step it rides on (same rounds, interleaved):

- a reference iteration with a weight penalty (l1 = l2 = 0.001) against without (the
  penalty's own cost; without one the step takes the unchanged path);
- on a 2-8-8-2 network (tanh, softmax output, cross-entropy) on the spiral, 200 samples: the
  training-health check at one redraw, i.e. :func:`health_pass` (a forward and backward pass
  over the training set) plus :func:`check_health`, and the check alone on a given pass;
  target: well under a millisecond, so it can run at every redraw of a fast run;
- the same network's outputs over a 100 x 100 input plane (:func:`plane_values`: the
  decision boundary and every neuron's picture in one forward pass);
- 200 stepper iterations with a test split (test loss sampled every 10th iteration and at
  the end) against the same without a test split.

(Until the architecture issue, "with derivations" timed a bulk path, ``bp.derivations()``,
that gathered every number of every derivation at once; nothing in the app used it, so it
was removed and the benchmark times the path the app takes.)

Before timing, the script checks that the plain loop and the engine compute the same loss
and new parameters, so the comparison is of the same work. The exit status is 0, or with
--strict 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import gc
import os
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

from simulator.engine import datasets, document, edits  # noqa: E402
from simulator.engine.backprop import BackwardPass, Derivation  # noqa: E402
from simulator.engine.boundary import plane_for, plane_values  # noqa: E402
from simulator.engine.health import check_health, health_pass  # noqa: E402
from simulator.engine.network import LayerSpec, Network  # noqa: E402
from simulator.engine.optimizers import TrainingConfig  # noqa: E402
from simulator.engine.stepper import Stepper  # noqa: E402
from simulator.engine.training import Trainer  # noqa: E402

REFERENCE_TARGET_US = 50.0
RATIO_TARGET = 1.3
#: A health check at a redraw (pass + checks, 2-8-8-2 on 200 samples) must stay under this.
HEALTH_TARGET_US = 1000.0


# --- plain NumPy loops ------------------------------------------------------------------------

def plain_reference_step(p: np.ndarray, x: np.ndarray, t: np.ndarray,
                         lr: float) -> tuple[float, np.ndarray]:
    """One gd step of the 2-2-2 sigmoid network with shared biases and half_sse, by hand:
    the loss before the step (as a training loop reports it) and the new parameters.

    ``p`` is [w1..w8, b1, b2]; x is (1, 2), t is (1, 2).
    """
    W1 = p[0:4].reshape(2, 2)
    W2 = p[4:8].reshape(2, 2)
    h = 1.0 / (1.0 + np.exp(-(x @ W1.T + p[8])))
    y = 1.0 / (1.0 + np.exp(-(h @ W2.T + p[9])))
    loss = float(0.5 * ((t - y) ** 2).sum() / x.shape[0])
    d_y = (y - t) * y * (1.0 - y)
    d_h = (d_y @ W2) * h * (1.0 - h)
    n = x.shape[0]
    grad = np.empty(10)
    grad[0:4] = (d_h.T @ x).ravel() / n
    grad[4:8] = (d_y.T @ h).ravel() / n
    grad[8] = d_h.sum() / n
    grad[9] = d_y.sum() / n
    return loss, p - lr * grad


def plain_2881_step(p: np.ndarray, X: np.ndarray, T: np.ndarray,
                    lr: float) -> tuple[float, np.ndarray]:
    """One gd step of 2-8-8-1 (tanh, tanh, sigmoid; a bias per neuron; mse), by hand: the
    loss before the step and the new parameters.

    ``p`` is [W1 (8x2), W2 (8x8), W3 (1x8), b1 (8), b2 (8), b3 (1)] flat.
    """
    W1 = p[0:16].reshape(8, 2)
    W2 = p[16:80].reshape(8, 8)
    W3 = p[80:88].reshape(1, 8)
    b1, b2, b3 = p[88:96], p[96:104], p[104:105]
    h1 = np.tanh(X @ W1.T + b1)
    h2 = np.tanh(h1 @ W2.T + b2)
    y = 1.0 / (1.0 + np.exp(-(h2 @ W3.T + b3)))
    loss = float(((y - T) ** 2).mean())
    n = X.shape[0]
    d3 = 2.0 * (y - T) * y * (1.0 - y)  # mse over one output
    d2 = (d3 @ W3) * (1.0 - h2 * h2)
    d1 = (d2 @ W2) * (1.0 - h1 * h1)
    grad = np.concatenate([(d1.T @ X).ravel(), (d2.T @ h1).ravel(), (d3.T @ h2).ravel(),
                           d1.sum(axis=0), d2.sum(axis=0), d3.sum(axis=0)]) / n
    return loss, p - lr * grad


# --- timing -----------------------------------------------------------------------------------

def measure(fns: dict[str, Callable[[], object]], rounds: int,
            seconds: float) -> dict[str, tuple[float, float]]:
    """Per-call (minimum, median) in seconds of each function, over ``rounds`` rounds of
    ~``seconds`` each. The rounds of the functions are interleaved, so that a change in the
    machine's load during the run affects them alike and their ratios stay meaningful."""
    counts = {}
    for label, fn in fns.items():
        for _ in range(50):  # warm up caches and lazy imports
            fn()
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 4:
            fn()
            n += 1
        counts[label] = max(10, n * 4)
    times: dict[str, list[float]] = {label: [] for label in fns}
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            for label, fn in fns.items():
                per_round = counts[label]
                t0 = time.perf_counter()
                for _ in range(per_round):
                    fn()
                times[label].append((time.perf_counter() - t0) / per_round)
    finally:
        if gc_was_enabled:
            gc.enable()
    return {label: (min(t), statistics.median(t)) for label, t in times.items()}


def us(seconds: float) -> str:
    return f"{seconds * 1e6:9.2f} us"


Plain = Callable[[np.ndarray], tuple[float, np.ndarray]]


def networks() -> list[tuple[str, Trainer, Plain]]:
    """The benchmarked networks: (title, trainer, plain loop on a parameter vector)."""
    doc = document.load(ROOT / "resources" / "examples" / "reference.json")
    ref_trainer = Trainer(doc.network, doc.data.inputs, doc.data.targets, doc.loss,
                          doc.training)
    x, t, lr = ref_trainer.inputs, ref_trainer.targets, doc.training.learning_rate

    rng = np.random.default_rng(0)
    layers = [LayerSpec(8, "tanh", "neuron"), LayerSpec(8, "tanh", "neuron"),
              LayerSpec(1, "sigmoid", "neuron")]
    net = Network.create(2, layers, rng.uniform(-0.5, 0.5, Network.count_parameters(2, layers)))
    X = rng.uniform(-1.0, 1.0, (200, 2))
    T = (X[:, :1] * X[:, 1:] > 0).astype(np.float64)  # quadrants
    big_trainer = Trainer(net, X, T, "mse", TrainingConfig("gd", learning_rate=0.1))
    return [
        ("Reference network 2-2-2, 1 sample (gd)", ref_trainer,
         lambda p: plain_reference_step(p, x, t, lr)),
        ("2-8-8-1 network, 200 samples, full batch (gd)", big_trainer,
         lambda p: plain_2881_step(p, X, T, 0.1)),
    ]


def same_work(trainer: Trainer, plain: Plain) -> bool:
    """Whether the plain loop reports the engine's loss and new parameters."""
    state = trainer.initial_state()
    step = trainer.step(state, keep=False)
    plain_loss, plain_after = plain(state.params)
    return bool(np.allclose(step.after.params, plain_after, rtol=1e-12, atol=1e-15)
                and np.isclose(step.loss, plain_loss, rtol=1e-12, atol=0.0))


def every_derivation(bp: BackwardPass) -> dict[str, Derivation]:
    """Every parameter's derivation, by name, one by one as a view asks for them."""
    return {name: bp.derivation(name) for name in bp.network.names}


def workloads(trainer: Trainer, plain: Plain) -> dict[str, Callable[[], object]]:
    """The four ways of doing one iteration that :func:`bench` times, by label."""
    state = trainer.initial_state()
    deepest = trainer.network.names[0]  # a first-layer weight: the longest chain

    def with_one_derivation() -> Derivation:
        return trainer.step(state).backward.derivation(deepest)

    def with_all_derivations() -> dict[str, Derivation]:
        return every_derivation(trainer.step(state).backward)

    def without_derivations() -> object:
        return trainer.step(state, keep=False)

    def plain_loop() -> object:
        return plain(state.params)

    return {"with one derivation": with_one_derivation,
            "with all derivations": with_all_derivations,
            "without derivations": without_derivations,
            "plain NumPy": plain_loop}


def bench(name: str, trainer: Trainer, plain: Plain, rounds: int,
          seconds: float) -> dict[str, tuple[float, float]]:
    """Time the four ways for one network and print its table."""
    if not same_work(trainer, plain):
        raise SystemExit(f"{name}: the plain loop does not compute the engine's step")
    results = measure(workloads(trainer, plain), rounds, seconds)
    plain_min = results["plain NumPy"][0]
    print(f"\n{name}")
    print(f"  {'iteration':<22}{'min':>12}{'median':>12}{'x plain (min)':>16}")
    for label, (lo, med) in results.items():
        print(f"  {label:<22}{us(lo):>12}{us(med):>12}{lo / plain_min:>15.2f}x")
    return results


def learned_workloads() -> dict[str, Callable[[], object]]:
    """The issue-12 costs :func:`bench_learned` times, by label (see the module's text)."""
    doc = document.load(ROOT / "resources" / "examples" / "reference.json")
    plain = Trainer.for_document(doc)
    penalised = Trainer.for_document(edits.set_training(doc, l1=0.001, l2=0.001))
    state = plain.initial_state()

    spiral = datasets.make("spiral", n=250, seed=0, test_fraction=0.2, one_hot=True)
    big = edits.fit_to_data(edits.new_document((2, 8, 8, 2), activation="tanh"), spiral)
    big = edits.set_training(edits.set_loss(edits.set_layer(big, 3, activation="softmax"),
                                            "cross_entropy"), learning_rate=0.3)
    trainer = Trainer.for_document(big)
    params = trainer.network.params
    bp = health_pass(trainer, params)
    losses = list(np.linspace(1.0, 0.5, 200))
    plane = plane_for(spiral, resolution=100)
    no_test = Trainer(big.network, spiral.inputs, spiral.targets, big.loss, big.training)

    def health_at_a_redraw() -> object:
        return check_health(health_pass(trainer, params), losses, 200)

    def stepper_run(t: Trainer) -> Callable[[], object]:
        def run() -> object:
            return Stepper(t).run(200)
        return run

    return {"reference step": lambda: plain.step(state, keep=False),
            "reference step, l1 and l2": lambda: penalised.step(state, keep=False),
            "health check (pass + checks)": health_at_a_redraw,
            "health checks alone": lambda: check_health(bp, losses, 200),
            "plane 100x100, all layers": lambda: plane_values(big.network, plane),
            "200 iterations, no test": stepper_run(no_test),
            "200 iterations, test sampled": stepper_run(trainer)}


def bench_learned(rounds: int, seconds: float) -> dict[str, tuple[float, float]]:
    """Time the issue-12 workloads and print their table."""
    results = measure(learned_workloads(), rounds, seconds)
    print("\nIssue 12 (what the network learned); 2-8-8-2 tanh/softmax on the spiral, "
          "200 training samples")
    print(f"  {'work':<32}{'min':>12}{'median':>12}")
    for label, (lo, med) in results.items():
        print(f"  {label:<32}{us(lo):>12}{us(med):>12}")
    ref_ratio = results["reference step, l1 and l2"][0] / results["reference step"][0]
    test_ratio = (results["200 iterations, test sampled"][0]
                  / results["200 iterations, no test"][0])
    print(f"  the penalty costs the reference step {100 * (ref_ratio - 1):+.0f} %; "
          f"sampling the test loss costs a run {100 * (test_ratio - 1):+.0f} %")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="rounds per measurement")
    parser.add_argument("--seconds", type=float, default=0.2, help="length of one round")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)

    print(f"Python {platform.python_version()}, NumPy {np.__version__}, "
          f"{platform.machine()} {platform.system()}, {os.cpu_count()} CPUs; "
          f"{args.rounds} rounds of ~{args.seconds:g} s each")
    (ref_name, ref_trainer, ref_plain), (big_name, big_trainer, big_plain) = networks()
    ref = bench(ref_name, ref_trainer, ref_plain, args.rounds, args.seconds)
    big = bench(big_name, big_trainer, big_plain, args.rounds, args.seconds)
    learned = bench_learned(args.rounds, args.seconds)

    ref_us = ref["with one derivation"][0] * 1e6
    ratio = big["without derivations"][0] / big["plain NumPy"][0]
    ok_ref = ref_us < REFERENCE_TARGET_US
    ok_ratio = ratio <= RATIO_TARGET
    health_us = learned["health check (pass + checks)"][0] * 1e6
    ok_health = health_us < HEALTH_TARGET_US
    print("\nTargets")
    print(f"  reference iteration with one derivation < {REFERENCE_TARGET_US:g} us: "
          f"{ref_us:.2f} us  {'MET' if ok_ref else 'NOT MET'}")
    print(f"  2-8-8-1 iteration <= {RATIO_TARGET:g}x the plain loop: "
          f"{ratio:.2f}x  {'MET' if ok_ratio else 'NOT MET'}")
    print(f"  health check at a redraw (2-8-8-2, 200 samples) < {HEALTH_TARGET_US:g} us: "
          f"{health_us:.1f} us  {'MET' if ok_health else 'NOT MET'}")
    return 0 if (ok_ref and ok_ratio and ok_health) or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
