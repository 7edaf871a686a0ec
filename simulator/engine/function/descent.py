"""Gradient descent on a typed function, one step at a time, with the lesson's arithmetic.

The update is the network optimizers' own code (:func:`simulator.engine.optimizers.update`
with a :class:`~simulator.engine.optimizers.TrainingConfig`), applied to the point's
coordinates instead of a network's parameters, so GD, momentum and Adam follow exactly the
rules of the training view (PyTorch's):

- gd: ``p <- p - lr * g``;
- momentum: ``b <- g`` on the first step, then ``b <- mu * b + g``; ``p <- p - lr * b``;
- adam: ``m <- beta1 m + (1 - beta1) g``, ``v <- beta2 v + (1 - beta2) g^2``,
  ``p <- p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)``.

A :class:`Descent` keeps every step it took (:class:`DescentStep`: the point before and
after, the gradient, the learning rate, the optimizer's buffers), so stepping back is exact
(the earlier step is restored, not recomputed in reverse). A step that would leave a finite
value, gradient or the range of numbers (:data:`~simulator.engine.limits.MAX_ABS_VALUE`) is
not taken: the descent stops there with a :class:`DescentStop` message.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..limits import DEFAULT_DIGITS, MAX_ABS_VALUE
from ..numbers import format_bound, format_number
from ..optimizers import OptimizerError, OptimizerState, TrainingConfig, update
from .analysis import Function, Point

#: The optimizers a function's descent can use (plain GD is the lesson's; SGD has no
#: batches to draw here).
DESCENT_OPTIMIZERS: tuple[str, ...] = ("gd", "momentum", "adam")
#: The most steps one run may take (the command line's --steps, the view's Run).
MAX_DESCENT_STEPS = 100_000


@dataclass(frozen=True)
class PathPoint:
    """A point of a path, with f and its gradient there."""

    point: tuple[float, ...]
    value: float
    gradient: tuple[float, ...]


@dataclass(frozen=True)
class DescentStep:
    """One optimizer step: ``before`` -> ``after`` with ``after.point = before.point -
    learning_rate * direction`` (``direction`` is the gradient for gd, the momentum buffer
    b for momentum, m_hat / (sqrt(v_hat) + eps) for Adam). ``index`` counts from 1."""

    index: int
    before: PathPoint
    after: PathPoint
    learning_rate: float
    direction: tuple[float, ...]
    config: TrainingConfig
    state_before: OptimizerState
    state_after: OptimizerState

    @property
    def optimizer(self) -> str:
        """gd, momentum or adam."""
        return self.config.optimizer

    @property
    def length(self) -> float:
        """How far the step moved (Euclidean distance)."""
        return math.dist(self.before.point, self.after.point)

    def lines(self, variables: tuple[str, ...], digits: int = DEFAULT_DIGITS) -> list[str]:
        """The step's arithmetic, one line per rule and variable, as the lesson writes it:
        ``x <- x - lr * df/dx = 0 - 0.1 * 7.389 = -0.7389``."""
        fmt = lambda v: format_number(v, digits)
        par = lambda v: _paren(fmt(v))
        lr = fmt(self.learning_rate)
        c = self.config
        lines: list[str] = []
        for i, v in enumerate(variables):
            p0, p1, g = self.before.point[i], self.after.point[i], self.before.gradient[i]
            if c.optimizer == "gd":
                lines.append(f"{v} <- {v} - lr * df/d{v} = {fmt(p0)} - {lr} * {par(g)} = "
                             f"{fmt(p1)}")
            elif c.optimizer == "momentum":
                b1 = float(self.state_after.buffers["momentum_buffer"][i])
                old = self.state_before.buffers.get("momentum_buffer")
                if old is None:
                    lines.append(f"b_{v} <- df/d{v} = {fmt(b1)}")
                else:
                    lines.append(f"b_{v} <- {fmt(c.momentum)} * b_{v} + df/d{v} = "
                                 f"{fmt(c.momentum)} * {par(float(old[i]))} + {par(g)} = "
                                 f"{fmt(b1)}")
                lines.append(f"{v} <- {v} - lr * b_{v} = {fmt(p0)} - {lr} * {par(b1)} = "
                             f"{fmt(p1)}")
            else:
                t = self.state_after.step
                m = float(self.state_after.buffers["exp_avg"][i])
                s = float(self.state_after.buffers["exp_avg_sq"][i])
                m_old = self._old("exp_avg", i)
                s_old = self._old("exp_avg_sq", i)
                m_hat = m / (1.0 - c.beta1 ** t)
                s_hat = s / (1.0 - c.beta2 ** t)
                lines.append(f"m_{v} <- {fmt(c.beta1)} * m_{v} + {fmt(1 - c.beta1)} * df/d{v} "
                             f"= {fmt(c.beta1)} * {par(m_old)} + {fmt(1 - c.beta1)} * "
                             f"{par(g)} = {fmt(m)}")
                lines.append(f"v_{v} <- {fmt(c.beta2)} * v_{v} + {fmt(1 - c.beta2)} * "
                             f"(df/d{v})^2 = {fmt(c.beta2)} * {par(s_old)} + "
                             f"{fmt(1 - c.beta2)} * {par(g)}^2 = {fmt(s)}")
                lines.append(f"m_hat = m_{v} / (1 - {fmt(c.beta1)}^{t}) = {fmt(m_hat)};  "
                             f"v_hat = v_{v} / (1 - {fmt(c.beta2)}^{t}) = {fmt(s_hat)}")
                lines.append(f"{v} <- {v} - lr * m_hat / (sqrt(v_hat) + eps) = {fmt(p0)} - "
                             f"{lr} * {par(m_hat)} / (sqrt({fmt(s_hat)}) + {fmt(c.eps)}) = "
                             f"{fmt(p1)}")
        return lines

    def _old(self, key: str, i: int) -> float:
        buf = self.state_before.buffers.get(key)
        return 0.0 if buf is None else float(buf[i])


@dataclass(frozen=True)
class DescentStop:
    """Why the descent cannot go on: ``step`` (1-based) is the step that was not taken."""

    step: int
    message: str


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


def descent_config(optimizer: str = "gd", learning_rate: float = 0.1, momentum: float = 0.9,
                   beta1: float = 0.9, beta2: float = 0.999,
                   eps: float = 1e-8) -> TrainingConfig:
    """A validated optimizer configuration for a descent (OptimizerError if invalid); the
    defaults are the network optimizers' (PyTorch's)."""
    if optimizer not in DESCENT_OPTIMIZERS:
        raise OptimizerError(f"the optimizer must be one of {', '.join(DESCENT_OPTIMIZERS)}, "
                             f"not {optimizer!r}")
    return TrainingConfig(optimizer=optimizer, learning_rate=learning_rate, momentum=momentum,
                          beta1=beta1, beta2=beta2, eps=eps)


class Descent:
    """Gradient descent on ``function`` from ``start`` (see the module docstring).

    ``steps`` holds the steps taken; ``stop`` is set when the next step cannot be taken
    (cleared by :meth:`back`). ``path`` is the start followed by the point after each step.
    """

    def __init__(self, function: Function, start: Point, config: TrainingConfig) -> None:
        if config.optimizer not in DESCENT_OPTIMIZERS:
            raise OptimizerError(f"the optimizer must be one of "
                                 f"{', '.join(DESCENT_OPTIMIZERS)}, not {config.optimizer!r}")
        self.function = function
        self.config = config
        self.start = _path_point(function, function.point(start))
        self.steps: list[DescentStep] = []
        self.stop: DescentStop | None = self._problem(self.start, 1, at_start=True)

    @property
    def variables(self) -> tuple[str, ...]:
        """The function's variables (the coordinates of every point)."""
        return self.function.variables

    @property
    def current(self) -> PathPoint:
        """Where the descent stands."""
        return self.steps[-1].after if self.steps else self.start

    @property
    def path(self) -> list[PathPoint]:
        """The start and the point after each step."""
        return [self.start] + [s.after for s in self.steps]

    @property
    def points(self) -> np.ndarray:
        """The path's points, one row per point (for drawing)."""
        return np.array([p.point for p in self.path], dtype=np.float64).reshape(
            -1, len(self.variables))

    def step(self) -> DescentStep | None:
        """Take one step; None (and :attr:`stop` says why) if it cannot be taken."""
        if self.stop is not None:
            return None
        here = self.current
        state = self.steps[-1].state_after if self.steps else OptimizerState()
        p0 = np.array(here.point, dtype=np.float64)
        g = np.array(here.gradient, dtype=np.float64)
        with np.errstate(all="ignore"):
            p1, new_state = update(p0, g, None, self.config, state)
        index = len(self.steps) + 1
        bad = ~np.isfinite(p1) | (np.abs(p1) > MAX_ABS_VALUE)
        if bad.any():
            name = self.variables[int(np.argmax(bad))]
            self.stop = DescentStop(index, f"Gradient descent diverged at step {index}: {name} "
                                    f"would leave the range of numbers (|{name}| > "
                                    f"{format_bound(MAX_ABS_VALUE)}). Stopped at the last "
                                    "finite point; try a smaller learning rate.")
            return None
        after = _path_point(self.function, tuple(float(v) for v in p1))
        problem = self._problem(after, index)
        if problem is not None:
            self.stop = problem
            return None
        with np.errstate(all="ignore"):
            direction = tuple(float(v) for v in (p0 - p1) / self.config.learning_rate)
        taken = DescentStep(index, here, after, self.config.learning_rate, direction,
                            self.config, state.copy(), new_state)
        self.steps.append(taken)
        return taken

    def back(self) -> DescentStep | None:
        """Undo the last step exactly (None if there is none); clears :attr:`stop`."""
        self.stop = None
        if not self.steps:
            self.stop = self._problem(self.start, 1, at_start=True)
            return None
        removed = self.steps.pop()
        return removed

    def run(self, steps: int, cancel: Callable[[], bool] | None = None) -> int:
        """Take up to ``steps`` steps (at most :data:`MAX_DESCENT_STEPS`), stopping early at
        a :attr:`stop` or when ``cancel()`` is true; returns how many were taken."""
        taken = 0
        for _ in range(min(int(steps), MAX_DESCENT_STEPS)):
            if cancel is not None and cancel():
                break
            if self.step() is None:
                break
            taken += 1
        return taken

    def _problem(self, where: PathPoint, index: int, at_start: bool = False) -> DescentStop | None:
        f = self.function
        at = f.describe_point(where.point)
        if not math.isfinite(where.value):
            what = "too large (overflow)" if math.isinf(where.value) else "not defined"
        elif not all(math.isfinite(g) for g in where.gradient):
            what = None
        else:
            return None
        if at_start:
            reason = f"f is {what} there" if what else "the gradient is not a finite number there"
            return DescentStop(index, f"Cannot start at {at}: {reason}.")
        reason = f"f would be {what}" if what else "the gradient would not be a finite number"
        return DescentStop(index, f"Gradient descent stopped at step {index}: at {at} "
                           f"{reason}. Stopped at the last finite point.")


def _path_point(function: Function, point: tuple[float, ...]) -> PathPoint:
    value, gradient = function.value_and_gradient(point)
    return PathPoint(point, value, gradient)


__all__ = ["DESCENT_OPTIMIZERS", "MAX_DESCENT_STEPS", "Descent", "DescentStep", "DescentStop",
           "PathPoint", "descent_config"]
