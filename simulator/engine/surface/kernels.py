"""The numeric kernels of the grids: activations and losses applied in place, blocked
matrix products, and the scratch arrays they write into.

Inside a chunk of the grid, arrays are laid out neuron-major, ``(neurons, A, B, samples)``
with A and B the chunk's rows and columns (or 1 where a value does not depend on them): a
layer is one matrix product ``W @ h`` with a long second dimension, a neuron's values are
one contiguous block, and every inner loop runs over many samples.

The common activations (sigmoid, tanh, relu, leaky relu, linear) and losses (half_sse,
mse) are replicas of :mod:`~simulator.engine.activations` and
:mod:`~simulator.engine.losses` that perform the same floating-point operations (the tests
check the activations bit for bit); the others call the engine's own functions.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..activations import ACTIVATIONS, LEAKY_SLOPE
from ..losses import LOSSES

#: Multiply-adds per BLAS call (OpenBLAS stays single-threaded up to 65536 * 4).
BLAS_BLOCK = 1 << 18
#: The activations :func:`activate` applies in place, neuron by neuron (the others mix
#: neurons, like softmax).
ELEMENTWISE = frozenset({"sigmoid", "tanh", "relu", "leaky_relu", "linear"})


class Workspace:
    """Scratch arrays by name, reused from chunk to chunk and call to call (grown when a
    chunk needs more). Each thread has its own (a few chunk-sized arrays): fresh arrays of a
    few hundred kilobytes per operation cost more in page faults than the arithmetic."""

    def __init__(self) -> None:
        self._buffers: dict[str, np.ndarray] = {}

    def get(self, key: str, shape: tuple[int, ...], dtype: Any = np.float64) -> np.ndarray:
        """An uninitialised array of ``shape`` kept under ``key``."""
        size = math.prod(shape)
        buf = self._buffers.get(key)
        if buf is None or buf.size < size or buf.dtype != dtype:
            buf = np.empty(max(size, 1), dtype=dtype)
            self._buffers[key] = buf
        return buf[:size].reshape(shape)

    @property
    def size(self) -> int:
        """Elements held."""
        return sum(b.size for b in self._buffers.values())


def activate(name: str, a: np.ndarray, ws: Workspace, key: str) -> np.ndarray:
    """Apply activation ``name`` in place to ``a`` (neurons first; the same floating-point
    operations as the engine's function)."""
    if name == "tanh":
        np.tanh(a, out=a)
    elif name == "sigmoid":
        # activations.sigmoid: z = exp(-|net|); where(net >= 0, 1 / (1 + z), z / (1 + z)).
        # Here the numerator is max(net >= 0, z): 1 where net >= 0 (z <= 1 there), z where
        # net < 0 (nan stays nan). The same divisions, without a masked selection (slow on
        # random masks).
        z = ws.get(key + ".z", a.shape)
        np.abs(a, out=z)
        np.negative(z, out=z)
        np.exp(z, out=z)
        np.greater_equal(a, 0.0, out=a)
        np.maximum(a, z, out=a)
        np.add(1.0, z, out=z)
        np.divide(a, z, out=a)
    elif name == "relu":
        np.maximum(a, 0.0, out=a)
    elif name == "leaky_relu":
        # activations._leaky_relu: where(net > 0, net, LEAKY_SLOPE * net), which is
        # max(net, LEAKY_SLOPE * net) for a slope below 1 (nan stays nan).
        z = ws.get(key + ".z", a.shape)
        np.multiply(LEAKY_SLOPE, a, out=z)
        np.maximum(a, z, out=a)
    elif name == "linear":
        pass
    else:  # softmax and anything new: the engine's own function, neurons last
        m = a.shape[0]
        flat = np.moveaxis(a, 0, -1).reshape(-1, m)
        a[...] = np.moveaxis(ACTIVATIONS[name].fn(flat).reshape(*a.shape[1:], m), -1, 0)
    return a


def mean_loss(loss: str, out: np.ndarray, net: np.ndarray | None, T: np.ndarray,
              ws: Workspace) -> np.ndarray:
    """The batch loss per grid point. ``out`` is (m, rows, cols, n) and may be overwritten;
    ``net`` (same shape) is only needed by losses on the net input; ``T`` is (n, m)."""
    m, rows, cols, n = out.shape
    if loss in ("half_sse", "mse"):
        # losses._half_sse: 0.5 * ((t - out)^2).sum(axis=1); _mse: ((t - out)^2 / m).sum(...)
        np.subtract(T.T.reshape(m, 1, 1, n), out, out=out)
        np.multiply(out, out, out=out)
        if loss == "mse":
            np.divide(out, m, out=out)
        per_sample = out[0] if m == 1 else out.sum(axis=0)
        if loss == "half_sse":
            np.multiply(0.5, per_sample, out=per_sample)
    else:
        flat_out = np.moveaxis(out, 0, -1).reshape(-1, m)
        flat_net = flat_out if net is None else np.moveaxis(net, 0, -1).reshape(-1, m)
        flat_t = np.broadcast_to(T, (rows, cols, n, m)).reshape(-1, m)
        per_sample = LOSSES[loss].per_sample(flat_out, flat_t, flat_net).reshape(rows, cols, n)
    return per_sample.mean(axis=-1)


def matmul(W: np.ndarray, h: np.ndarray, out: np.ndarray | None = None,
           ws: Workspace | None = None) -> np.ndarray:
    """``W @ h`` over the neuron axis of h (neurons, A, B, n), as 2-D products.

    Long products are cut into pieces of at most BLAS_BLOCK multiply-adds, below the size
    at which OpenBLAS starts threads of its own: those would compete with the grid's worker
    threads (and, on a busy machine, spin on a core that another process needs). NumPy
    gives a one-row W to gemv, which OpenBLAS threads much earlier, so a one-row product is
    made a two-row one (W twice) and its first row kept."""
    h2 = np.ascontiguousarray(h).reshape(h.shape[0], -1)
    m, k = W.shape
    if out is None:
        out = np.empty((m, *h.shape[1:]))
    out2 = out.reshape(m, -1)
    total = h2.shape[1]
    if m == 1:
        W2 = np.concatenate([W, W])
        step = max(256, BLAS_BLOCK // (2 * k))
        shape = (2, min(step, total))
        tmp = np.empty(shape) if ws is None else ws.get("matmul.pad", shape)
        for start in range(0, total, step):
            stop = min(total, start + step)
            part = tmp[:, :stop - start]
            np.matmul(W2, h2[:, start:stop], out=part)
            out2[0, start:stop] = part[0]
        return out
    step = max(256, BLAS_BLOCK // (m * k))
    if total <= step:
        np.matmul(W, h2, out=out2)
    else:
        for start in range(0, total, step):
            np.matmul(W, h2[:, start:start + step], out=out2[:, start:start + step])
    return out


def fold(arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Add together the arrays whose shapes broadcast into another's (new arrays)."""
    out: list[np.ndarray] = []
    for a in sorted(arrays, key=lambda a: -a.size):
        for idx, o in enumerate(out):
            if np.broadcast_shapes(o.shape, a.shape) == o.shape:
                out[idx] = o + a
                break
        else:
            out.append(a)
    return out


def chunk_part(a: np.ndarray, rows: slice, cols: slice) -> np.ndarray:
    """The chunk's part of a (k, A, B, m) array (an A or B of 1 is broadcast, not cut)."""
    return a[:, rows if a.shape[1] != 1 else slice(None),
             cols if a.shape[2] != 1 else slice(None)]
