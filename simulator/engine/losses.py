"""Loss functions with PyTorch's definitions.

Every loss here is a mean over samples of a per-sample loss ``e_s``; the batch loss is
``E = mean_s e_s`` and ``dE/dp = mean_s de_s/dp``. The per-sample losses are:

- ``half_sse``: ``sum_j 1/2 (t_j - out_j)^2``, the reference lesson's E.
- ``mse``: ``mean_j (t_j - out_j)^2``, so that the batch loss is ``torch.nn.MSELoss()``
  (mean over all elements).
- ``binary_cross_entropy``: ``mean_j -(t_j log out_j + (1 - t_j) log(1 - out_j))`` with
  each log clamped at -100 as ``torch.nn.BCELoss`` does.
- ``cross_entropy``: ``-sum_j t_j log softmax(net)_j`` on the output layer's net input, as
  ``torch.nn.CrossEntropyLoss`` with class-probability targets. It needs a softmax output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LOG_CLAMP = -100.0  # torch.nn.BCELoss clamps log outputs to be >= -100
BCE_GRAD_EPS = 1e-12  # torch's BCELoss backward clamps (1 - o) * o to be >= 1e-12

# np.add.reduce, typed by hand: NumPy's stubs hide reduce's plain overload from mypy.
_add_reduce: Callable[..., np.ndarray] = np.add.reduce


def _clamped_log(x: np.ndarray) -> np.ndarray:
    safe = np.where(x > 0.0, x, 1.0)
    return np.where(x > 0.0, np.maximum(np.log(safe), LOG_CLAMP), LOG_CLAMP)


def log_softmax(net: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax in the stable form net - max - log(sum(exp(net - max)))."""
    shifted = net - net.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _half_sse(out: np.ndarray, t: np.ndarray, net: np.ndarray) -> np.ndarray:
    d = t - out
    return 0.5 * _add_reduce(d * d, axis=1)


def _half_sse_terms(out: np.ndarray, t: np.ndarray, net: np.ndarray) -> np.ndarray:
    d = t - out
    return 0.5 * d * d


def _half_sse_grad(out: np.ndarray, t: np.ndarray, net: np.ndarray) -> np.ndarray:
    return out - t


# (Dividing by m = 1 changes nothing, so one output skips that division.)

def _mse_terms(out: np.ndarray, t: np.ndarray, net: np.ndarray) -> np.ndarray:
    d = t - out
    m = out.shape[1]
    return d * d if m == 1 else d * d / m


def _mse(out: np.ndarray, t: np.ndarray, net: np.ndarray) -> np.ndarray:
    return _add_reduce(_mse_terms(out, t, net), axis=1)


def _mse_grad(out: np.ndarray, t: np.ndarray, net: np.ndarray) -> np.ndarray:
    m = out.shape[1]
    g = 2.0 * (out - t)
    return g if m == 1 else g / m


def _bce_terms(out: np.ndarray, t: np.ndarray, net: np.ndarray) -> np.ndarray:
    return -(t * _clamped_log(out) + (1.0 - t) * _clamped_log(1.0 - out)) / out.shape[1]


def _bce(out: np.ndarray, t: np.ndarray, net: np.ndarray) -> np.ndarray:
    return _bce_terms(out, t, net).sum(axis=1)


def _bce_grad(out: np.ndarray, t: np.ndarray, net: np.ndarray) -> np.ndarray:
    return (out - t) / np.maximum((1.0 - out) * out, BCE_GRAD_EPS) / out.shape[1]


def _ce_terms(out: np.ndarray, t: np.ndarray, net: np.ndarray) -> np.ndarray:
    return -t * log_softmax(net)


def _ce(out: np.ndarray, t: np.ndarray, net: np.ndarray) -> np.ndarray:
    return _ce_terms(out, t, net).sum(axis=1)


def _ce_grad_net(out: np.ndarray, t: np.ndarray, net: np.ndarray) -> np.ndarray:
    # d/dnet_j of -sum_i t_i (net_i - logsumexp(net)) = softmax_j * sum_i t_i - t_j
    return out * t.sum(axis=1, keepdims=True) - t


@dataclass(frozen=True)
class Loss:
    """A loss: per-sample value, per-output terms, and its derivative.

    ``grad`` is de_s/dout for ordinary losses; for ``cross_entropy`` (``on_net`` is True)
    it is de_s/dnet of the softmax output layer, as the two are fused.
    """

    name: str
    per_sample: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    terms: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    term_formula: str  # one output's term of e_s, with {t}, {out}, {m} placeholders
    grad_formula: str  # de_s/dout (or de_s/dnet), same placeholders
    on_net: bool = False
    title: str = ""

    def value(self, out: np.ndarray, targets: np.ndarray, net: np.ndarray) -> float:
        """The batch loss: the mean over samples of the per-sample loss."""
        return float(self.per_sample(out, targets, net).mean())


LOSSES: dict[str, Loss] = {
    "half_sse": Loss("half_sse", _half_sse, _half_sse_terms, _half_sse_grad,
                     "0.5 * ({t} - {out})^2", "({out} - {t})",
                     title="half sum of squared errors"),
    "mse": Loss("mse", _mse, _mse_terms, _mse_grad,
                "({t} - {out})^2 / {m}", "2 * ({out} - {t}) / {m}",
                title="mean squared error"),
    "binary_cross_entropy": Loss(
        "binary_cross_entropy", _bce, _bce_terms, _bce_grad,
        "-({t} * log({out}) + (1 - {t}) * log(1 - {out})) / {m}",
        "({out} - {t}) / ({out} * (1 - {out})) / {m}",
        title="binary cross-entropy"),
    "cross_entropy": Loss("cross_entropy", _ce, _ce_terms, _ce_grad_net,
                          "-{t} * log({out})", "{out} - {t}", on_net=True,
                          title="cross-entropy"),
}

LOSS_NAMES: tuple[str, ...] = tuple(LOSSES)
