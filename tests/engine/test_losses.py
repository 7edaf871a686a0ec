"""The losses against PyTorch's definitions, written out independently.

The reference functions below follow the formulas in the PyTorch documentation element by
element with ``math`` and plain loops; they never call the engine. ``torch`` itself is not
a dependency: the tests that compare against it directly skip when it is not installed.

- ``torch.nn.MSELoss()``: mean over all n*m elements of (o - t)^2.
- ``torch.nn.BCELoss()``: mean over all elements of -(t log o + (1 - t) log(1 - o)), each
  log clamped to be >= -100. Its backward: (o - t) / max((1 - o) o, 1e-12) / (n m).
- ``torch.nn.CrossEntropyLoss()`` with class-probability targets on logits x: mean over the
  n samples of -sum_c t_c log_softmax(x)_c. Its gradient on x: (softmax(x) sum_c t_c - t) / n.
- The lesson's E (``half_sse``): mean over samples of sum_j 1/2 (t_j - o_j)^2.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.engine.activations import softmax
from simulator.engine.backprop import backward, loss_value
from simulator.engine.losses import LOSS_NAMES, LOSSES
from simulator.engine.network import LayerSpec, Network

Rows = list[list[float]]


# --- reference definitions (plain Python) ----------------------------------------------------

def ref_half_sse(out: Rows, t: Rows) -> float:
    return sum(sum(0.5 * (tj - oj) ** 2 for oj, tj in zip(o, tt)) for o, tt in zip(out, t)) \
        / len(out)


def ref_mse(out: Rows, t: Rows) -> float:
    total, count = 0.0, 0
    for o, tt in zip(out, t):
        for oj, tj in zip(o, tt):
            total += (oj - tj) ** 2
            count += 1
    return total / count


def _clamped_log(x: float) -> float:
    return max(math.log(x), -100.0) if x > 0 else -100.0


def ref_bce(out: Rows, t: Rows) -> float:
    total, count = 0.0, 0
    for o, tt in zip(out, t):
        for oj, tj in zip(o, tt):
            total += -(tj * _clamped_log(oj) + (1 - tj) * _clamped_log(1 - oj))
            count += 1
    return total / count


def ref_bce_grad(out: Rows, t: Rows) -> Rows:
    n, m = len(out), len(out[0])
    return [[(oj - tj) / max((1 - oj) * oj, 1e-12) / (n * m) for oj, tj in zip(o, tt)]
            for o, tt in zip(out, t)]


def _log_softmax(x: list[float]) -> list[float]:
    top = max(x)
    lse = top + math.log(sum(math.exp(v - top) for v in x))
    return [v - lse for v in x]


def ref_cross_entropy(logits: Rows, t: Rows) -> float:
    return sum(-sum(tc * lc for tc, lc in zip(tt, _log_softmax(x)))
               for x, tt in zip(logits, t)) / len(logits)


def ref_cross_entropy_grad(logits: Rows, t: Rows) -> Rows:
    n = len(logits)
    grads = []
    for x, tt in zip(logits, t):
        p = [math.exp(v) for v in _log_softmax(x)]
        grads.append([(pc * sum(tt) - tc) / n for pc, tc in zip(p, tt)])
    return grads


def _engine(name: str, out: np.ndarray, t: np.ndarray, net: np.ndarray | None = None) -> float:
    return LOSSES[name].value(out, t, out if net is None else net)


# --- strategies ------------------------------------------------------------------------------

shapes = st.tuples(st.integers(1, 6), st.integers(1, 5))
seeds = st.integers(0, 2**32 - 1)


def _arrays(seed: int, shape: tuple[int, int]) -> tuple[np.random.Generator, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng, rng.uniform(-3, 3, shape)


# --- values ----------------------------------------------------------------------------------

@given(shapes, seeds)
def test_half_sse_is_the_lessons_error(shape: tuple[int, int], seed: int) -> None:
    rng, out = _arrays(seed, shape)
    t = rng.uniform(-3, 3, shape)
    assert _engine("half_sse", out, t) == pytest.approx(ref_half_sse(out.tolist(), t.tolist()),
                                                        rel=1e-13, abs=1e-15)


@given(shapes, seeds)
def test_mse_is_torch_mse_loss_mean(shape: tuple[int, int], seed: int) -> None:
    rng, out = _arrays(seed, shape)
    t = rng.uniform(-3, 3, shape)
    assert _engine("mse", out, t) == pytest.approx(ref_mse(out.tolist(), t.tolist()),
                                                   rel=1e-13, abs=1e-15)


@given(shapes, seeds, st.booleans())
def test_bce_is_torch_bce_loss(shape: tuple[int, int], seed: int, hard: bool) -> None:
    rng = np.random.default_rng(seed)
    out = rng.uniform(0, 1, shape)
    t = rng.uniform(0, 1, shape)
    if hard:
        t = np.round(t)
    assert _engine("binary_cross_entropy", out, t) == pytest.approx(
        ref_bce(out.tolist(), t.tolist()), rel=1e-13, abs=1e-15)


@given(shapes, seeds, st.booleans())
def test_cross_entropy_is_torch_cross_entropy_with_probabilities(shape: tuple[int, int],
                                                                  seed: int, hard: bool) -> None:
    rng, logits = _arrays(seed, shape)
    t = rng.uniform(0, 1, shape)
    if hard:
        t = np.eye(shape[1])[rng.integers(0, shape[1], shape[0])]
    t = t / t.sum(axis=1, keepdims=True)
    out = softmax(logits)
    assert _engine("cross_entropy", out, t, logits) == pytest.approx(
        ref_cross_entropy(logits.tolist(), t.tolist()), rel=1e-12, abs=1e-14)


def test_bce_clamps_the_log_at_minus_100_like_torch() -> None:
    out = np.array([[0.0, 1.0, 0.0, 1.0, 1e-300]])
    t = np.array([[1.0, 0.0, 0.0, 1.0, 1.0]])
    # -(1 * -100), -(1 * -100), 0, 0, -(log(1e-300) = -690.8 -> -100): mean of the five.
    expected = (100 + 100 + 0 + 0 + 100) / 5
    assert ref_bce(out.tolist(), t.tolist()) == pytest.approx(expected)
    assert _engine("binary_cross_entropy", out, t) == pytest.approx(expected, rel=1e-15)
    half = _engine("binary_cross_entropy", np.array([[0.0]]), np.array([[0.5]]))
    assert half == pytest.approx(50.0)


def test_bce_gradient_is_torchs_with_its_clamp() -> None:
    out = np.array([[0.3, 1e-14, 1.0 - 1e-13, 0.0], [0.9, 0.5, 1.0, 0.2]])
    t = np.array([[0.0, 1.0, 0.0, 1.0], [1.0, 0.25, 0.0, 0.2]])
    n = out.shape[0]
    got = LOSSES["binary_cross_entropy"].grad(out, t, out) / n  # per-sample de/dout, meaned
    np.testing.assert_allclose(got, ref_bce_grad(out.tolist(), t.tolist()), rtol=1e-14)
    assert np.isfinite(got).all()


@given(shapes, seeds)
def test_cross_entropy_gradient_on_the_logits(shape: tuple[int, int], seed: int) -> None:
    rng, logits = _arrays(seed, shape)
    t = rng.dirichlet(np.ones(shape[1]), shape[0])
    lf = LOSSES["cross_entropy"]
    assert lf.on_net
    got = lf.grad(softmax(logits), t, logits) / shape[0]
    np.testing.assert_allclose(got, ref_cross_entropy_grad(logits.tolist(), t.tolist()),
                               rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name,reference,grad", [
    ("half_sse", ref_half_sse, lambda o, t, n, m: (o - t) / n),
    ("mse", ref_mse, lambda o, t, n, m: 2 * (o - t) / (n * m)),
])
def test_squared_error_gradients(name: str, reference, grad) -> None:
    rng = np.random.default_rng(3)
    out, t = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    got = LOSSES[name].grad(out, t, out) / 4
    np.testing.assert_allclose(got, grad(out, t, 4, 3), rtol=1e-14)
    # and that is the derivative of the reference value (central differences)
    h = 1e-6
    for idx in np.ndindex(out.shape):
        up, down = out.copy(), out.copy()
        up[idx] += h
        down[idx] -= h
        fd = (reference(up.tolist(), t.tolist()) - reference(down.tolist(), t.tolist())) / (2 * h)
        assert fd == pytest.approx(got[idx], rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_terms_add_up_to_the_per_sample_loss(name: str) -> None:
    rng = np.random.default_rng(11)
    logits = rng.normal(size=(5, 3))
    out = softmax(logits)
    t = rng.dirichlet(np.ones(3), 5)
    lf = LOSSES[name]
    per_sample = lf.per_sample(out, t, logits)
    assert per_sample.shape == (5,)
    np.testing.assert_allclose(lf.terms(out, t, logits).sum(axis=1), per_sample, rtol=1e-14)
    assert lf.value(out, t, logits) == pytest.approx(per_sample.mean(), rel=1e-15)


def test_cross_entropy_is_stable_for_huge_logits() -> None:
    logits = np.array([[1000.0, 0.0, -1000.0], [-800.0, 800.0, 0.0]])
    t = np.array([[0.0, 1.0, 0.0], [0.5, 0.5, 0.0]])
    got = _engine("cross_entropy", softmax(logits), t, logits)
    assert got == pytest.approx(ref_cross_entropy(logits.tolist(), t.tolist()), rel=1e-15)
    assert got == pytest.approx((1000.0 + 0.5 * 1600.0) / 2)


# --- through a network -----------------------------------------------------------------------

def test_loss_value_of_a_network_uses_the_output_layers_net_for_cross_entropy() -> None:
    layers = [LayerSpec(3, "tanh", "neuron"), LayerSpec(3, "softmax", "neuron")]
    rng = np.random.default_rng(5)
    net = Network.create(2, layers, rng.normal(size=Network.count_parameters(2, layers)))
    X = rng.normal(size=(4, 2))
    T = rng.dirichlet(np.ones(3), 4)
    h = np.tanh(X @ net.weights[0].T + net.biases[0])
    logits = h @ net.weights[1].T + net.biases[1]
    expected = ref_cross_entropy(logits.tolist(), T.tolist())
    assert loss_value(net, X, T, "cross_entropy") == pytest.approx(expected, rel=1e-13)
    bp = backward(net, X, T, "cross_entropy")
    np.testing.assert_allclose(bp.delta[-1] / 4, ref_cross_entropy_grad(logits.tolist(),
                                                                        T.tolist()), rtol=1e-12)


# --- against torch itself, when it is installed -----------------------------------------------

def _torch_case(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(6, 4)) * 3
    probs = 1 / (1 + np.exp(-logits))
    t = rng.dirichlet(np.ones(4), 6)
    return logits, probs, t


def test_against_torch_mse() -> None:
    torch = pytest.importorskip("torch")
    logits, _, t = _torch_case()
    expected = torch.nn.MSELoss()(torch.tensor(logits), torch.tensor(t)).item()
    assert _engine("mse", logits, t) == pytest.approx(expected, rel=1e-12)


def test_against_torch_bce() -> None:
    torch = pytest.importorskip("torch")
    _, probs, t = _torch_case(1)
    probs[0, 0], probs[1, 1] = 0.0, 1.0  # the clamped logs
    x = torch.tensor(probs, requires_grad=True)
    value = torch.nn.BCELoss()(x, torch.tensor(t))
    value.backward()
    assert _engine("binary_cross_entropy", probs, t) == pytest.approx(value.item(), rel=1e-12)
    got = LOSSES["binary_cross_entropy"].grad(probs, t, probs) / probs.shape[0]
    np.testing.assert_allclose(got, x.grad.numpy(), rtol=1e-10)


def test_against_torch_cross_entropy_with_probabilities() -> None:
    torch = pytest.importorskip("torch")
    logits, _, t = _torch_case(2)
    x = torch.tensor(logits, requires_grad=True)
    value = torch.nn.CrossEntropyLoss()(x, torch.tensor(t))
    value.backward()
    assert _engine("cross_entropy", softmax(logits), t, logits) == pytest.approx(value.item(),
                                                                               rel=1e-12)
    got = LOSSES["cross_entropy"].grad(softmax(logits), t, logits) / logits.shape[0]
    np.testing.assert_allclose(got, x.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_against_torch_half_sse_is_half_the_summed_mse_per_sample() -> None:
    torch = pytest.importorskip("torch")
    logits, _, t = _torch_case(3)
    summed = torch.nn.MSELoss(reduction="sum")(torch.tensor(logits), torch.tensor(t)).item()
    assert _engine("half_sse", logits, t) == pytest.approx(0.5 * summed / logits.shape[0],
                                                           rel=1e-12)
