"""Optimizers with PyTorch's update rules, acting on a network's flat parameter vector.

- ``gd`` and ``sgd``: ``p <- p - lr * g`` (gd uses the whole data set as one batch).
- ``momentum``: as ``torch.optim.SGD(momentum=mu)`` with no dampening and no Nesterov:
  ``b <- g`` on the first step, then ``b <- mu * b + g``; ``p <- p - lr * b``.
- ``adam``: as ``torch.optim.Adam``: ``m <- beta1 m + (1 - beta1) g``,
  ``v <- beta2 v + (1 - beta2) g^2``, ``p <- p - lr * (m / (1 - beta1^t)) /
  (sqrt(v / (1 - beta2^t)) + eps)``.

Frozen parameters are kept out: their gradient is masked to zero before the rule sees it and
the update leaves them untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .limits import MAX_L1, MAX_L2
from .regularisation import Penalty

OPTIMIZER_NAMES: tuple[str, ...] = ("gd", "sgd", "momentum", "adam")
#: Short names for legends, menus and messages (the one home of these labels).
OPTIMIZER_LABELS: dict[str, str] = {"gd": "GD", "sgd": "SGD", "momentum": "Momentum",
                                    "adam": "Adam"}
#: What each optimizer does, in a phrase, for choosers and tooltips.
OPTIMIZER_DESCRIPTIONS: dict[str, str] = {
    "gd": "Gradient descent: the whole data set per step",
    "sgd": "Stochastic gradient descent: one mini-batch per step",
    "momentum": "Gradient descent with momentum",
    "adam": "Adam: per-parameter step sizes from running averages",
}


class OptimizerError(ValueError):
    """Bad optimizer settings; the message is for the user."""


@dataclass(frozen=True)
class TrainingConfig:
    """How to train: the optimizer, its hyper-parameters, the batch size, the seed, and the
    weight penalty's strengths ``l1`` and ``l2`` (see :mod:`~simulator.engine.regularisation`;
    0 for none)."""

    optimizer: str = "gd"
    learning_rate: float = 0.01
    batch_size: int = 1
    seed: int = 0
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    l1: float = 0.0
    l2: float = 0.0

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZER_NAMES:
            raise OptimizerError(f"unknown optimizer '{self.optimizer}' "
                                 f"(known: {', '.join(OPTIMIZER_NAMES)})")
        checks = [
            ("learning_rate", np.isfinite(self.learning_rate) and self.learning_rate > 0,
             "a finite number greater than 0"),
            ("batch_size", isinstance(self.batch_size, (int, np.integer))
             and not isinstance(self.batch_size, bool) and self.batch_size >= 1,
             "a whole number of at least 1"),
            ("seed", isinstance(self.seed, (int, np.integer)) and not isinstance(self.seed, bool)
             and 0 <= self.seed < 2**63, "a whole number from 0 to 2^63 - 1"),
            ("momentum", np.isfinite(self.momentum) and 0 <= self.momentum < 1,
             "a number from 0 up to (not including) 1"),
            ("beta1", np.isfinite(self.beta1) and 0 <= self.beta1 < 1,
             "a number from 0 up to (not including) 1"),
            ("beta2", np.isfinite(self.beta2) and 0 <= self.beta2 < 1,
             "a number from 0 up to (not including) 1"),
            ("eps", np.isfinite(self.eps) and self.eps > 0, "a finite number greater than 0"),
            ("l1", _in_range(self.l1, MAX_L1), f"a number from 0 to {MAX_L1:g}"),
            ("l2", _in_range(self.l2, MAX_L2), f"a number from 0 to {MAX_L2:g}"),
        ]
        for name, ok, what in checks:
            if not ok:
                raise OptimizerError(f"{name} must be {what}, not {getattr(self, name)!r}")

    def with_changes(self, **changes: Any) -> TrainingConfig:
        """A copy with some fields changed (validated)."""
        return replace(self, **changes)

    @property
    def penalty(self) -> Penalty:
        """The weight penalty these settings ask for."""
        return Penalty(self.l1, self.l2)

    @property
    def hyper_parameters(self) -> dict[str, float]:
        """The hyper-parameters the chosen optimizer uses, besides the learning rate."""
        if self.optimizer == "momentum":
            return {"momentum": self.momentum}
        if self.optimizer == "adam":
            return {"beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}
        return {}


def _in_range(value: object, limit: float) -> bool:
    return (isinstance(value, (int, float, np.floating)) and not isinstance(value, bool)
            and bool(np.isfinite(value)) and 0.0 <= float(value) <= limit)


@dataclass
class OptimizerState:
    """What an optimizer carries between steps: the step count and its buffers."""

    step: int = 0
    buffers: dict[str, np.ndarray] = field(default_factory=dict)

    def copy(self) -> OptimizerState:
        """A deep copy."""
        return OptimizerState(self.step, {k: v.copy() for k, v in self.buffers.items()})


def update(params: np.ndarray, grad: np.ndarray, mask: np.ndarray | None,
           config: TrainingConfig, state: OptimizerState) -> tuple[np.ndarray, OptimizerState]:
    """One optimizer step. Returns the new parameters and state; the inputs are not changed.

    ``mask`` is 1.0 for trainable parameters and 0.0 for frozen ones; None means all are
    trainable (the same numbers as a mask of ones, without multiplying by it).
    """
    g = grad if mask is None else grad * mask
    lr = config.learning_rate
    step = state.step + 1
    buffers = dict(state.buffers)
    if config.optimizer in ("gd", "sgd"):
        delta = lr * g
    elif config.optimizer == "momentum":
        b = g.copy() if "momentum_buffer" not in buffers else \
            config.momentum * buffers["momentum_buffer"] + g
        buffers["momentum_buffer"] = b
        delta = lr * b
    else:  # adam
        m = buffers.get("exp_avg", np.zeros_like(g))
        v = buffers.get("exp_avg_sq", np.zeros_like(g))
        m = config.beta1 * m + (1.0 - config.beta1) * g
        v = config.beta2 * v + (1.0 - config.beta2) * g * g
        buffers["exp_avg"], buffers["exp_avg_sq"] = m, v
        m_hat, v_hat = _adam_hats(m, v, config, step)
        delta = lr * m_hat / (np.sqrt(v_hat) + config.eps)
    new_params = params - (delta if mask is None else delta * mask)
    return new_params, OptimizerState(step, buffers)


def _adam_hats(m: np.ndarray, v: np.ndarray, config: TrainingConfig,
               step: int) -> tuple[np.ndarray, np.ndarray]:
    """Adam's bias-corrected averages m_hat and v_hat after ``step`` steps."""
    return m / (1.0 - config.beta1 ** step), v / (1.0 - config.beta2 ** step)


# --- the update rules as the lesson writes them -------------------------------------------------

@dataclass(frozen=True)
class UpdateStep:
    """One assignment of an update rule, for one parameter p: ``target <- template``.

    The template names quantities in braces: ``{p}`` the parameter, ``{g}`` its gradient
    dE/dp, ``{lr}`` the learning rate, ``{t}`` the step count, the hyper-parameters
    (``{momentum}``, ``{beta1}``, ``{beta2}``, ``{eps}``) and the optimizer's buffers
    (``{b}``, ``{m}``, ``{v}``) and corrected averages (``{m_hat}``, ``{v_hat}``). As in a
    program, a name on the right means its value before the assignments of this step
    that come earlier in the rule, and after them once it has been assigned.
    """

    target: str
    template: str


#: Each optimizer's update rule, in the order :func:`update` computes it: the one home of
#: the formulas, written out by :func:`update_formula` and by the explanations.
UPDATE_RULES: dict[str, tuple[UpdateStep, ...]] = {
    "gd": (UpdateStep("p", "{p} - {lr} * {g}"),),
    "sgd": (UpdateStep("p", "{p} - {lr} * {g}"),),
    "momentum": (UpdateStep("b", "{momentum} * {b} + {g}"),
                 UpdateStep("p", "{p} - {lr} * {b}")),
    "adam": (UpdateStep("m", "{beta1} * {m} + (1 - {beta1}) * {g}"),
             UpdateStep("v", "{beta2} * {v} + (1 - {beta2}) * ({g})^2"),
             UpdateStep("m_hat", "{m} / (1 - {beta1}^{t})"),
             UpdateStep("v_hat", "{v} / (1 - {beta2}^{t})"),
             UpdateStep("p", "{p} - {lr} * {m_hat} / (sqrt({v_hat}) + {eps})")),
}

#: The optimizers' buffers by the name the rules give them (see :data:`UPDATE_RULES`).
BUFFER_NAMES: dict[str, str] = {"b": "momentum_buffer", "m": "exp_avg", "v": "exp_avg_sq"}

#: How the rules' generic quantities are written in text.
_GENERIC_SYMBOLS: dict[str, str] = {"g": "dE/dp"}


def update_formula(config: TrainingConfig) -> str:
    """The update rule as the lesson writes it for one parameter p, e.g.
    "b <- momentum * b + dE/dp;  p <- p - lr * b"."""
    names = _TemplateNames()
    return ";  ".join(f"{s.target} <- {s.template.format_map(names)}"
                      for s in UPDATE_RULES[config.optimizer])


class _TemplateNames(dict[str, str]):
    """Fills a rule's template with the quantities' own names."""

    def __missing__(self, key: str) -> str:
        return _GENERIC_SYMBOLS.get(key, key)


def update_quantities(config: TrainingConfig, grad: np.ndarray, before: OptimizerState,
                      after: OptimizerState) -> dict[str, np.ndarray]:
    """The per-parameter values of the rule's quantities in one step from ``before`` to
    ``after`` (the optimizer states around it), for explaining the step.

    Keys: ``g`` (the gradient), each buffer assigned by the rule both before (``"b"``,
    zero before the first step, as :func:`update` starts it) and after (``"new b"``), and
    ``m_hat``/``v_hat`` for Adam, computed as :func:`update` computes them.
    """
    values: dict[str, np.ndarray] = {"g": np.asarray(grad, dtype=np.float64)}
    zeros = np.zeros_like(values["g"])
    for name, buffer in BUFFER_NAMES.items():
        if buffer in after.buffers:
            values[name] = before.buffers.get(buffer, zeros)
            values[f"new {name}"] = after.buffers[buffer]
    if config.optimizer == "adam":
        values["new m_hat"], values["new v_hat"] = _adam_hats(
            after.buffers["exp_avg"], after.buffers["exp_avg_sq"], config, after.step)
    return values
