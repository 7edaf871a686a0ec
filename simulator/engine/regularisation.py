"""The weight penalty of regularised training, part of the loss E.

    E = data loss + P,   P = l1 * sum |w| + (l2 / 2) * sum w^2

over every weight of the network; biases are left out (a bias shifts a neuron, it does not
make the function the network draws any more complicated). So dE/dw gains

    dP/dw = l1 * sign(w) + l2 * w        (sign(0) = 0, as NumPy's and PyTorch's sign)

and dE/db is unchanged. The penalty is part of the loss, so every optimizer sees the
gradient with it: Adam adapts the penalty's gradient like any other, as PyTorch's
``torch.optim.Adam(weight_decay=l2)`` does with its coupled L2 term, and unlike AdamW's
decoupled decay (which never enters the gradient). Unlike PyTorch's ``weight_decay`` the
penalty spares the biases and its value is part of E, so the loss curve, the error stage
and the cost surface all show the E that training minimises.

The network keeps its weights first in its flat parameter vector (see
:mod:`simulator.engine.network`), so the penalty acts on one contiguous slice,
``params[:network.weight_count]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .limits import MAX_L1, MAX_L2
from .network import Network

#: The penalty's name in E = E_data + P.
SYMBOL = "P"
#: How P is written.
FORMULA = "l1 * sum|w| + l2/2 * sum w^2"


class PenaltyError(ValueError):
    """A penalty strength out of range; the message is for the user."""


@dataclass(frozen=True, slots=True)
class PenaltyParts:
    """The penalty's value and what it is made of, for the error stage.

    ``abs_sum`` is sum |w| and ``square_sum`` sum w^2 over every weight; ``l1_value`` is
    l1 * abs_sum, ``l2_value`` is l2 / 2 * square_sum and ``value`` their sum, P.
    """

    l1: float
    l2: float
    abs_sum: float
    square_sum: float
    l1_value: float
    l2_value: float
    value: float


@dataclass(frozen=True, slots=True)
class PenaltyTerm:
    """The penalty's part of one weight's gradient, dP/dw = l1 * sign(w) + l2 * w.

    ``symbol`` is how the lesson writes it (``dP/dw5``), ``formula`` what it stands for with
    only the active parts (``l1*sign(w5) + l2*w5``, or ``l2*w5`` when l1 is 0);
    ``l1_part`` = l1 * sign(w), ``l2_part`` = l2 * w and ``value`` their sum.
    """

    parameter: str
    symbol: str
    formula: str
    weight: float
    l1: float
    l2: float
    l1_part: float
    l2_part: float
    value: float


@dataclass(frozen=True)
class Penalty:
    """The penalty strengths l1 and l2 (each from 0 to its limit in
    :mod:`~simulator.engine.limits`). ``Penalty()`` is no penalty at all."""

    l1: float = 0.0
    l2: float = 0.0

    def __post_init__(self) -> None:
        for name, value, limit in (("l1", self.l1, MAX_L1), ("l2", self.l2, MAX_L2)):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
                raise PenaltyError(f"{name} must be a number, not {value!r}")
            if not (math.isfinite(value) and 0.0 <= value <= limit):
                raise PenaltyError(f"{name} must be a number from 0 to {limit:g}, not {value!r}")
            object.__setattr__(self, name, float(value))

    @property
    def active(self) -> bool:
        """Whether there is any penalty (l1 or l2 above 0)."""
        return self.l1 != 0.0 or self.l2 != 0.0

    # --- values --------------------------------------------------------------------------------

    def value(self, weights: np.ndarray) -> float:
        """P of the flat ``weights`` (biases not included)."""
        return self.parts(weights).value

    def parts(self, weights: np.ndarray) -> PenaltyParts:
        """P of the flat ``weights`` and its parts."""
        w = np.asarray(weights, dtype=np.float64)
        abs_sum = float(np.abs(w).sum())
        square_sum = float(np.dot(w, w))
        l1_value = self.l1 * abs_sum
        l2_value = 0.5 * self.l2 * square_sum
        return PenaltyParts(self.l1, self.l2, abs_sum, square_sum, l1_value, l2_value,
                            l1_value + l2_value)

    def gradient(self, weights: np.ndarray) -> np.ndarray:
        """dP/dw of each of the flat ``weights``."""
        w = np.asarray(weights, dtype=np.float64)
        g = self.l2 * w
        if self.l1:
            g += self.l1 * np.sign(w)
        return g

    def add_to(self, weights: np.ndarray, grad: np.ndarray) -> float:
        """Add dP/dw to ``grad`` (the weights' slice of a gradient, changed in place) and
        return P. The backward pass's one call: a few vector operations."""
        value = 0.0
        if self.l2:
            value += 0.5 * self.l2 * float(np.dot(weights, weights))
            grad += self.l2 * weights
        if self.l1:
            value += self.l1 * float(np.abs(weights).sum())
            grad += self.l1 * np.sign(weights)
        return value

    def term(self, parameter: str, weight: float) -> PenaltyTerm:
        """The penalty's part of dE/d``parameter`` for a weight of value ``weight``."""
        w = float(weight)
        sign = float(np.sign(w))
        parts = []
        if self.l1:
            parts.append(f"l1*sign({parameter})")
        if self.l2:
            parts.append(f"l2*{parameter}")
        l1_part, l2_part = self.l1 * sign, self.l2 * w
        return PenaltyTerm(parameter, f"d{SYMBOL}/d{parameter}", " + ".join(parts) or "0", w,
                           self.l1, self.l2, l1_part, l2_part, l1_part + l2_part)

    # --- grids (the cost surface) -------------------------------------------------------------

    def axis_grid(self, weights: np.ndarray, index1: int | None, index2: int | None,
                  xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """P over a grid of two parameters, as ``grid[i, j]`` with the first parameter at
        ``xs[i]`` and the second at ``ys[j]`` (the layout of the surface's loss grid).

        ``weights`` are the network's flat weights at the centre; ``index1`` and ``index2``
        are the two parameters' places among them, or None for a bias (which P ignores).
        """
        w = np.array(weights, dtype=np.float64)
        xs = np.asarray(xs, dtype=np.float64)
        ys = np.asarray(ys, dtype=np.float64)
        for index in (index1, index2):
            if index is not None:
                w[index] = 0.0
        base = self.value(w)

        def along(index: int | None, values: np.ndarray) -> np.ndarray:
            if index is None:
                return np.zeros_like(values)
            return self.l1 * np.abs(values) + 0.5 * self.l2 * values * values

        return base + along(index1, xs)[:, None] + along(index2, ys)[None, :]

    def direction_grid(self, weights: np.ndarray, d1: np.ndarray, d2: np.ndarray,
                       alphas: np.ndarray, betas: np.ndarray) -> np.ndarray:
        """P at ``weights + alphas[i] * d1 + betas[j] * d2`` as ``grid[i, j]`` (the layout
        of the surface's random-direction grid); ``d1`` and ``d2`` are the directions'
        weight parts. One row of the grid at a time, so memory stays at len(betas) * the
        number of weights."""
        w = np.asarray(weights, dtype=np.float64)
        d1 = np.asarray(d1, dtype=np.float64)
        d2 = np.asarray(d2, dtype=np.float64)
        alphas = np.asarray(alphas, dtype=np.float64)
        betas = np.asarray(betas, dtype=np.float64)
        grid = np.empty((alphas.size, betas.size))
        if not self.active:
            grid[:] = 0.0
            return grid
        for i, a in enumerate(alphas):
            points = (w + a * d1)[None, :] + betas[:, None] * d2[None, :]
            row = np.zeros(betas.size)
            if self.l1:
                row += self.l1 * np.abs(points).sum(axis=1)
            if self.l2:
                row += 0.5 * self.l2 * np.einsum("ij,ij->i", points, points)
            grid[i] = row
        return grid


#: No penalty.
NO_PENALTY = Penalty()


def penalty_grid(network: Network, penalty: Penalty, xs: np.ndarray, ys: np.ndarray, *,
                 axes: tuple[str, str] | None = None,
                 directions: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """P over a cost-surface grid, to add to the data loss grid so that the surface shows
    the same E as training: over two named parameters (``axes``, ``grid[i, j]`` at
    p1 = xs[i], p2 = ys[j]) or along two directions in parameter space (``directions``,
    full parameter vectors; ``grid[i, j]`` at params + xs[i] * d1 + ys[j] * d2).

    Zeros when the penalty is off.
    """
    xs = np.asarray(xs, dtype=np.float64)
    ys = np.asarray(ys, dtype=np.float64)
    if not penalty.active:
        return np.zeros((xs.size, ys.size))
    nw = network.weight_count
    weights = network.params[:nw]
    if directions is not None:
        d1, d2 = directions
        return penalty.direction_grid(weights, np.asarray(d1)[:nw], np.asarray(d2)[:nw],
                                      xs, ys)
    if axes is None:
        raise ValueError("penalty_grid needs axes or directions")
    i1, i2 = (network.index_of[name] for name in axes)
    return penalty.axis_grid(weights, i1 if i1 < nw else None, i2 if i2 < nw else None,
                             xs, ys)
