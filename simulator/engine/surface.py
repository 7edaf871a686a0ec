"""The cost surface: the loss over a grid of two parameters, or of two random directions.

The surface is the loss over the current data with every other parameter held at its current
value. Its axes are either

- two named parameters (weights or biases), ``loss[i, j]`` being the loss with the first at
  ``x[i]`` and the second at ``y[j]`` (:func:`loss_grid`); or
- two random directions ``d1``, ``d2`` in parameter space, filter-normalised as in Li et al.
  2018, "Visualizing the Loss Landscape of Neural Nets" (:func:`random_directions`), with
  ``loss[i, j]`` the loss at ``params + x[i] * d1 + y[j] * d2``
  (:func:`loss_grid_directions`). A training path is drawn on it by projecting it onto the
  two directions (:func:`project_path`).

:func:`compare_optimizers` runs GD, SGD, momentum and Adam from the same start so that their
paths can be drawn on one surface; :func:`run_cli` is ``python -m simulator surface``.

How the grid is computed
------------------------
Everything is float64 and vectorised over grid points; arrays are laid out neurons first,
``(neurons, A, B, samples)``, where A is 1 or the number of grid rows and B is 1 or the number
of grid columns, so that a value that does not depend on a parameter is not repeated along
its axis (NumPy broadcasting does the rest).

1. The layers before the first varied parameter are computed once, by the engine's own
   forward pass. The earlier of the two parameters is put on the rows (the grid is
   transposed back at the end).
2. The *head* (:func:`_grid_head`, once per block of the grid, normally the whole grid)
   carries on layer by layer for as long as no value depends on both parameters: in the
   layer of a parameter only the neurons it feeds change (one neuron for a weight or a
   neuron's bias, all of them for a shared bias), at shape (…, rows, 1, …) or
   (…, 1, cols, …), i.e. once per row or per column; the next layer adds their
   contribution to the unchanged part. It stops at the first layer whose net input depends
   on both, and leaves that net input as a sum of such narrower terms.
3. The *tail* (:func:`_grid_tail`) takes the grid in chunks of about CHUNK_ELEMENTS values
   (about 1.3 MB, so a chunk stays in a core's cache), forms those sums, and runs the rest
   of the network and the loss per grid point: one matrix product per layer. Chunks are
   spread over a small thread pool (NumPy releases the GIL in its loops); each thread keeps
   scratch arrays that every operation writes into, since fresh arrays of a few hundred
   kilobytes per operation cost more in page faults than the arithmetic does. Matrix
   products are cut into pieces small enough that OpenBLAS does not start threads of its
   own on top of these.

For the benchmark's 2-8-8-1 network, w5/w6-like weights of the last layer leave only the
output neuron to the tail; two weights of the first layer leave the second hidden layer
and the output (the unavoidable part: 10201 x 200 x 8 tanh evaluations).

The activations and losses are those of :mod:`~simulator.engine.activations` and
:mod:`~simulator.engine.losses`. The common ones (sigmoid, tanh, relu, leaky relu, linear;
half_sse and mse) are applied in place by replicas that give the same values (the tests
check the activations bit for bit against the engine's); the others call the engine's
functions. The grid equals the plain per-point loop (:func:`loss_grid_loop`) within 1e-12
for losses of ordinary size: the only differences are the order in which a neuron's net
input and the mean over samples are summed.

Non-finite values
-----------------
Far from the current values a loss may overflow. The computation runs under
``np.errstate(all="ignore")`` so this is silent, and every grid point whose loss is not a
finite number (``inf`` or ``nan``) is returned as ``+inf``: it reads as "off the top" of the
surface. :class:`Surface`'s minimum and maximum ignore such points; the command line writes
them as ``null`` (JSON) or ``inf`` (CSV).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .activations import ACTIVATIONS, LEAKY_SLOPE
from .backprop import forward, loss_value
from .files import atomic_write
from .losses import LOSSES
from .network import Network, NetworkError, ParamInfo
from .optimizers import OPTIMIZER_NAMES, OptimizerError, TrainingConfig
from .training import Trainer

DEFAULT_RESOLUTION = 101
MIN_RESOLUTION = 2
MAX_RESOLUTION = 1001
DEFAULT_DIRECTION_SPAN = 1.0  # random directions: alpha, beta in [-1, 1] as in Li et al.
DIRECTION_AXES = ("alpha", "beta")  # axis names of a random-directions surface

#: Elements (float64) in the widest array of one chunk when one thread does the work:
#: ~1.3 MB, so that a chunk's working set stays in a core's L2 cache. With several threads
#: chunks are 4x larger: fewer NumPy calls, so less waiting for the GIL between them, which
#: costs more than the cache misses (measured on the 2-core benchmark machine). Memory use
#: is a few such arrays per thread.
CHUNK_ELEMENTS = 160_000
CHUNK_ELEMENTS_THREADED = 640_000
MAX_WORKERS = 4
#: Multiply-adds per BLAS call (OpenBLAS stays single-threaded up to 65536 * 4).
BLAS_BLOCK = 1 << 18
#: Elements of the per-row and per-column arrays computed once per block of the grid.
HEAD_ELEMENTS = 1 << 22
#: A thread keeps its scratch arrays for the next call up to this many elements.
KEEP_WORKSPACE_ELEMENTS = 1 << 22
_ELEMENTWISE = frozenset({"sigmoid", "tanh", "relu", "leaky_relu", "linear"})


class SurfaceError(ValueError):
    """Bad surface settings; the message is one line for the user."""


# --- settings and results ------------------------------------------------------------------

@dataclass(frozen=True)
class SurfaceSpec:
    """What to compute.

    ``axes`` names the two parameters (x and y), or is None for two random directions drawn
    from ``seed`` (then the ranges are in units of the filter-normalised directions).
    ``x_range`` and ``y_range`` are (low, high) with low < high; ``resolution`` is the
    number of grid values along x and along y (each from 2 to 1001).
    """

    axes: tuple[str, str] | None
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    resolution: tuple[int, int] = (DEFAULT_RESOLUTION, DEFAULT_RESOLUTION)
    seed: int = 0

    def __post_init__(self) -> None:
        if self.axes is not None:
            if len(self.axes) != 2 or not all(isinstance(a, str) for a in self.axes):
                raise SurfaceError("axes must be two parameter names")
            if self.axes[0] == self.axes[1]:
                raise SurfaceError(f"the two axes must be different parameters "
                                   f"(got {self.axes[0]} twice)")
            object.__setattr__(self, "axes", (self.axes[0], self.axes[1]))
        for label, rng in (("x", self.x_range), ("y", self.y_range)):
            object.__setattr__(self, f"{label}_range", check_range(rng, f"the {label} range"))
        res = tuple(self.resolution)
        if len(res) != 2:
            raise SurfaceError("resolution must be two grid sizes (x and y)")
        object.__setattr__(self, "resolution", (check_resolution(res[0]),
                                                check_resolution(res[1])))
        if (not isinstance(self.seed, (int, np.integer)) or isinstance(self.seed, bool)
                or self.seed < 0):
            raise SurfaceError(f"the seed must be a whole number of at least 0, "
                               f"not {self.seed!r}")

    @property
    def random(self) -> bool:
        """Whether the axes are random directions."""
        return self.axes is None

    @property
    def xs(self) -> np.ndarray:
        """The grid values along x."""
        return np.linspace(self.x_range[0], self.x_range[1], self.resolution[0])

    @property
    def ys(self) -> np.ndarray:
        """The grid values along y."""
        return np.linspace(self.y_range[0], self.y_range[1], self.resolution[1])


@dataclass(frozen=True, eq=False)
class Surface:
    """A computed surface. ``loss[i, j]`` is the loss at x = ``x[i]``, y = ``y[j]``.

    ``axes`` are the parameter names, or ``("alpha", "beta")`` for random directions (then
    ``directions`` holds d1 and d2). ``center`` is where the network is now (the current
    parameter values, or (0, 0)) and ``center_loss`` its loss there. Non-finite losses are
    ``+inf`` in ``loss``; ``min_loss``, ``max_loss`` and ``min_at`` (the (x, y) of the
    lowest grid point) only consider finite ones and are nan / None when there are none.
    The arrays are read-only.
    """

    axes: tuple[str, str]
    x: np.ndarray
    y: np.ndarray
    loss: np.ndarray
    center: tuple[float, float]
    center_loss: float
    min_loss: float
    max_loss: float
    min_at: tuple[float, float] | None
    directions: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def random(self) -> bool:
        """Whether the axes are random directions."""
        return self.directions is not None

    @property
    def finite_fraction(self) -> float:
        """The share of grid points whose loss is finite."""
        return float(np.isfinite(self.loss).mean())


def check_resolution(value: Any, what: str = "the grid size") -> int:
    """``value`` as a grid size from 2 to 1001, or :class:`SurfaceError`."""
    if (not isinstance(value, (int, np.integer)) or isinstance(value, bool)
            or not MIN_RESOLUTION <= value <= MAX_RESOLUTION):
        raise SurfaceError(f"{what} must be a whole number from {MIN_RESOLUTION} to "
                           f"{MAX_RESOLUTION}, not {value!r}")
    return int(value)


def check_range(value: Any, what: str = "the range") -> tuple[float, float]:
    """``value`` as a (low, high) pair of finite numbers with low < high."""
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise SurfaceError(f"{what} must be two numbers (low, high)") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise SurfaceError(f"{what} must be finite numbers, not {lo:g} to {hi:g}")
    if not lo < hi:
        raise SurfaceError(f"{what} is empty: {lo:g} to {hi:g} (the low end must be below "
                           "the high end)")
    return lo, hi


def default_span(value: float) -> float:
    """The automatic half-width around a parameter's value: ``max(1, 2 * |value|)``.

    So the range always holds 0 and ``-value`` (the parameter switched off, or with its sign
    flipped), and is at least [value - 1, value + 1] for small values.
    """
    return max(1.0, 2.0 * abs(float(value)))


def auto_range(value: float, span: float | None = None) -> tuple[float, float]:
    """``(value - span, value + span)``; ``span`` defaults to :func:`default_span`."""
    value = float(value)
    if not math.isfinite(value):
        raise SurfaceError(f"the current value {value!r} is not a finite number")
    if span is None:
        span = default_span(value)
    span = float(span)
    if not (math.isfinite(span) and span > 0):
        raise SurfaceError(f"the span must be a finite number greater than 0, not {span:g}")
    lo, hi = value - span, value + span
    if not lo < hi:  # span negligible next to value
        raise SurfaceError(f"the span {span:g} is too small next to the value {value:g}")
    return lo, hi


def default_axes(network: Network) -> tuple[str, str]:
    """The default axes: the first two weights of the last layer (w5 and w6 in the reference
    example). With fewer there, the next parameters in this order: the last layer's weights,
    its biases, then every other parameter in the lesson's order."""
    last = len(network.layers) - 1
    names = network.names
    order = ([names[i] for i in range(network.weight_slices[last].start,
                                      network.weight_slices[last].stop)]
             + [names[i] for i in range(network.bias_slices[last].start,
                                        network.bias_slices[last].stop)])
    order += [n for n in names if n not in order]
    if len(order) < 2:
        raise SurfaceError("the network has only one parameter; a surface needs two")
    return order[0], order[1]


def check_axes(network: Network, axes: Sequence[str]) -> tuple[str, str]:
    """Two distinct known parameter names, or :class:`SurfaceError` listing the known ones."""
    if len(axes) != 2:
        raise SurfaceError("give two parameter names for the axes")
    for name in axes:
        if name not in network.index_of:
            raise SurfaceError(f"unknown parameter '{name}' (known: "
                               f"{', '.join(network.names)})")
    if axes[0] == axes[1]:
        raise SurfaceError(f"the two axes must be different parameters (got {axes[0]} twice)")
    return axes[0], axes[1]


def make_spec(network: Network, axes: Sequence[str] | None = None, *,
              random: bool = False, span: float | None = None,
              x_range: Sequence[float] | None = None, y_range: Sequence[float] | None = None,
              resolution: int | tuple[int, int] = DEFAULT_RESOLUTION,
              seed: int = 0) -> SurfaceSpec:
    """A :class:`SurfaceSpec` with automatic ranges where none are given.

    For parameter axes (``axes`` or :func:`default_axes`) an automatic range is
    ``current value +- span`` (:func:`auto_range`; ``span`` None means
    :func:`default_span` per axis). For random directions (``random=True``) it is
    ``+- span`` around 0 with a default span of 1.
    """
    res = (resolution, resolution) if isinstance(resolution, (int, np.integer)) else \
        tuple(resolution)
    if random:
        s = DEFAULT_DIRECTION_SPAN if span is None else span
        xr = tuple(x_range) if x_range is not None else auto_range(0.0, s)
        yr = tuple(y_range) if y_range is not None else auto_range(0.0, s)
        return SurfaceSpec(None, xr, yr, res, seed)  # type: ignore[arg-type]
    names = check_axes(network, axes) if axes is not None else default_axes(network)
    xr = tuple(x_range) if x_range is not None else auto_range(network.get(names[0]), span)
    yr = tuple(y_range) if y_range is not None else auto_range(network.get(names[1]), span)
    return SurfaceSpec(names, xr, yr, res, seed)  # type: ignore[arg-type]


def compute(network: Network, inputs: np.ndarray, targets: np.ndarray, loss: str,
            spec: SurfaceSpec) -> Surface:
    """The :class:`Surface` that ``spec`` describes, over (inputs, targets)."""
    X, T = _data(network, inputs, targets, loss)
    xs, ys = spec.xs, spec.ys
    center_loss = loss_value(network, X, T, loss)
    directions = None
    if spec.axes is None:
        d1, d2 = random_directions(network, spec.seed)
        grid = loss_grid_directions(network, X, T, loss, d1, d2, xs, ys)
        axes: tuple[str, str] = DIRECTION_AXES
        center = (0.0, 0.0)
        directions = (_readonly(d1), _readonly(d2))
    else:
        axes = check_axes(network, spec.axes)
        grid = loss_grid(network, X, T, loss, axes[0], axes[1], xs, ys)
        center = (network.get(axes[0]), network.get(axes[1]))
    finite = np.isfinite(grid)
    if finite.any():
        masked = np.where(finite, grid, np.inf)
        i, j = np.unravel_index(int(np.argmin(masked)), grid.shape)
        lo, hi = float(masked[i, j]), float(grid[finite].max())
        min_at: tuple[float, float] | None = (float(xs[i]), float(ys[j]))
    else:
        lo = hi = math.nan
        min_at = None
    return Surface(axes, _readonly(xs), _readonly(ys), _readonly(grid), center,
                   float(center_loss) if math.isfinite(center_loss) else math.inf,
                   lo, hi, min_at, directions)


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64)
    a.setflags(write=False)
    return a


def _data(network: Network, inputs: Any, targets: Any, loss: str) -> tuple[np.ndarray,
                                                                           np.ndarray]:
    try:
        network.check_loss(loss)
    except NetworkError as exc:
        raise SurfaceError(str(exc)) from None
    X = np.ascontiguousarray(inputs, dtype=np.float64)
    T = np.ascontiguousarray(targets, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != network.input_size or X.shape[0] < 1:
        raise SurfaceError(f"the inputs must be a (samples, {network.input_size}) array, "
                           f"not {X.shape}")
    if T.shape != (X.shape[0], network.output_size):
        raise SurfaceError(f"the targets must be a ({X.shape[0]}, {network.output_size}) "
                           f"array, not {T.shape}")
    return X, T


def _values(values: Any, what: str) -> np.ndarray:
    v = np.ascontiguousarray(values, dtype=np.float64)
    if v.ndim != 1 or v.size < 1:
        raise SurfaceError(f"{what} must be a non-empty list of numbers")
    return v


# --- the plain per-point loops (the reference the vectorised grids must equal) -------------

def loss_grid_loop(network: Network, inputs: np.ndarray, targets: np.ndarray, loss: str,
                   p1: str, p2: str, xs: Sequence[float],
                   ys: Sequence[float]) -> np.ndarray:
    """:func:`loss_grid` the slow, obvious way: one engine forward pass per grid point."""
    X, T = _data(network, inputs, targets, loss)
    i1, i2 = (network.index_of[n] for n in check_axes(network, (p1, p2)))
    xs, ys = _values(xs, "xs"), _values(ys, "ys")
    out = np.empty((xs.size, ys.size))
    params = network.params.copy()
    for i, a in enumerate(xs):
        for j, b in enumerate(ys):
            params[i1], params[i2] = a, b
            out[i, j] = loss_value(network.with_params(params), X, T, loss)
    out[~np.isfinite(out)] = np.inf
    return out


def loss_grid_directions_loop(network: Network, inputs: np.ndarray, targets: np.ndarray,
                              loss: str, d1: np.ndarray, d2: np.ndarray,
                              alphas: Sequence[float], betas: Sequence[float]) -> np.ndarray:
    """:func:`loss_grid_directions` one engine forward pass per grid point."""
    X, T = _data(network, inputs, targets, loss)
    alphas, betas = _values(alphas, "alphas"), _values(betas, "betas")
    out = np.empty((alphas.size, betas.size))
    with np.errstate(all="ignore"):
        for i, a in enumerate(alphas):
            for j, b in enumerate(betas):
                p = network.params + a * d1 + b * d2
                out[i, j] = loss_value(network.with_params(p), X, T, loss)
    out[~np.isfinite(out)] = np.inf
    return out


# --- scratch space and threads -------------------------------------------------------------

class _Workspace:
    """Scratch arrays by name, reused from chunk to chunk and call to call (grown when a
    chunk needs more). Each thread has its own (a few chunk-sized arrays)."""

    def __init__(self) -> None:
        self._buffers: dict[str, np.ndarray] = {}

    def get(self, key: str, shape: tuple[int, ...], dtype: Any = np.float64) -> np.ndarray:
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


_local = threading.local()  # each thread's workspace, kept from call to call
_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


class _ThreadCheck:
    """Whether the worker threads lately had CPUs to themselves.

    After each threaded run of at least MIN_CHECK_SECONDS, the process's CPU time is
    compared with the wall time: threads that really ran side by side used well over one
    CPU-second per second. When they did not (other processes keep the CPUs busy), the
    threads only wait for each other (each NumPy call takes the GIL back, and a thread
    holding it may be descheduled): on the 2-core benchmark machine, with both cores kept
    busy by other processes, two threads have taken up to 30% longer than one, while with a
    core free they take about 35% less. So after a run without parallelism the default is
    one thread, and threads are tried again after RETRY_SECONDS."""

    MIN_CHECK_SECONDS = 0.005
    RETRY_SECONDS = 2.0
    MIN_SPEEDUP = 1.25  # CPU seconds per wall second that count as running side by side

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.parallel = True
        self.checked_at = -math.inf

    def threads_help(self) -> bool:
        with self.lock:
            return self.parallel or time.monotonic() - self.checked_at >= self.RETRY_SECONDS

    def record(self, wall: float, cpu: float) -> None:
        if wall < self.MIN_CHECK_SECONDS:
            return
        with self.lock:
            self.parallel = cpu >= self.MIN_SPEEDUP * wall
            self.checked_at = time.monotonic()


_thread_check = _ThreadCheck()


def worker_count() -> int:
    """Threads the grid computations use by default: the CPUs this process may run on (at
    most MAX_WORKERS), or 1 while the last threaded run showed that the threads did not
    get CPUs of their own (see :class:`_ThreadCheck`)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    n = max(1, min(MAX_WORKERS, cpus))
    if n > 1 and not _thread_check.threads_help():
        return 1
    return n


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="surface")
        return _pool


def _threads(workers: int | None) -> int:
    """The number of threads to use: ``workers``, or :func:`worker_count` when None."""
    return worker_count() if workers is None else max(1, int(workers))


def _run_chunks(chunks: list[tuple[int, int, int, int]],
                work: Callable[[tuple[int, int, int, int], _Workspace], None],
                workers: int) -> None:
    """Run ``work`` on every chunk, over ``workers`` threads (the calling one and pool
    threads) that each take the next chunk not yet taken, so that a thread slowed down by
    another process simply takes fewer."""
    n = min(workers, len(chunks))
    lock = threading.Lock()
    next_index = [0]

    def task() -> None:
        ws = getattr(_local, "workspace", None)
        if ws is None:
            ws = _local.workspace = _Workspace()
        try:
            with np.errstate(all="ignore"):
                while True:
                    with lock:
                        i = next_index[0]
                        next_index[0] += 1
                    if i >= len(chunks):
                        return
                    work(chunks[i], ws)
        finally:
            if ws.size > KEEP_WORKSPACE_ELEMENTS:  # do not hold on to a huge chunk's arrays
                _local.workspace = None

    wall, cpu = time.perf_counter(), time.process_time()
    futures = [_executor().submit(task) for _ in range(n - 1)]  # the caller is one more
    try:
        task()
    finally:
        for f in futures:
            f.result()
    if n > 1:
        _thread_check.record(time.perf_counter() - wall, time.process_time() - cpu)


def _chunks(nx: int, ny: int, per_point: int,
            threads: int = 1) -> list[tuple[int, int, int, int]]:
    """Cut an (nx, ny) grid into (row0, row1, col0, col1) blocks of about CHUNK_ELEMENTS
    elements (CHUNK_ELEMENTS_THREADED for several threads, but at least 4 blocks per
    thread when the grid allows), given ``per_point`` elements per grid point: whole rows
    when a row fits."""
    per_point = max(1, per_point)
    target = CHUNK_ELEMENTS if threads <= 1 else \
        max(CHUNK_ELEMENTS, min(CHUNK_ELEMENTS_THREADED, nx * ny * per_point // (4 * threads)))
    cols = max(1, min(ny, target // per_point))
    if cols < ny:  # a row is too big: cut it into equal column blocks
        blocks = -(-ny // cols)
        cols = -(-ny // blocks)
        return [(r, r + 1, c, min(ny, c + cols)) for r in range(nx) for c in range(0, ny, cols)]
    rows = max(1, min(nx, target // (per_point * ny)))
    blocks = -(-nx // rows)
    rows = -(-nx // blocks)
    return [(r, min(nx, r + rows), 0, ny) for r in range(0, nx, rows)]


# --- activations and losses applied in place --------------------------------------------
#
# Inside a chunk, arrays are laid out neuron-major, (neurons, A, B, samples): a layer is one
# matrix product W @ h with a long second dimension, a neuron's values are one contiguous
# block, and every inner loop runs over many samples.

def _activate(name: str, a: np.ndarray, ws: _Workspace, key: str) -> np.ndarray:
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


def _mean_loss(loss: str, out: np.ndarray, net: np.ndarray | None, T: np.ndarray,
               ws: _Workspace) -> np.ndarray:
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


def _matmul(W: np.ndarray, h: np.ndarray, out: np.ndarray | None = None,
            ws: _Workspace | None = None) -> np.ndarray:
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


# --- the grid over two parameters ----------------------------------------------------------

@dataclass
class _Varied:
    """One varied parameter of a layer: which grid axis gives its value, and where it is."""

    axis: int  # 0: the x values (rows), 1: the y values (columns)
    info: ParamInfo


@dataclass
class _LayerPlan:
    """A layer's weights (out, in) and bias (out, 1, 1, 1) with the varied entries set to
    zero, and those entries."""

    W: np.ndarray
    b: np.ndarray
    varied: list[_Varied] = field(default_factory=list)


@dataclass
class _Act:
    """Values of a layer's neurons over part of the grid, neurons first: ``base``
    (s, A, B, n) holds every neuron, except that each block ``(cols, arr)`` of ``over``
    replaces the neurons ``cols`` with ``arr`` (len(cols), A', B', n), whose grid
    dimensions are wider. A is 1 (does not depend on the row) or the number of rows, B
    likewise for columns."""

    base: np.ndarray
    over: list[tuple[list[int], np.ndarray]] = field(default_factory=list)

    def column(self, i: int) -> np.ndarray:
        """Neuron i's values, (A, B, n)."""
        for cols, arr in self.over:
            if i in cols:
                return arr[cols.index(i)]
        return self.base[i]

    def values(self) -> np.ndarray:
        """Every neuron as one array, at the widest grid dimensions of its parts."""
        if not self.over:
            return self.base
        shape = np.broadcast_shapes(self.base.shape, *(a.shape[1:] for _, a in self.over))
        out = np.empty((self.base.shape[0], *shape[1:]))
        np.copyto(out, self.base)
        for cols, arr in self.over:
            out[cols] = arr
        return out


@dataclass
class _Term:
    """A term of a lazy block's net input: ``arr`` (k, A, B, n or 1), times ``value``
    (1, A', B', 1) when that is given."""

    arr: np.ndarray
    value: np.ndarray | None = None


@dataclass
class _Lazy:
    """Layer ``layer`` is where the net input first depends on both parameters.

    Its neurons ``cols`` (in the order of ``blocks``) have net inputs that are sums of
    :class:`_Term` arrays, each depending on at most one parameter; the sums are formed
    chunk by chunk. ``act`` holds every other neuron's activated value. For the last layer,
    ``values`` is all of ``act`` as one array; otherwise ``W_lazy`` = W[:, cols] of the next
    layer and ``rest`` the rest of its net input (from the other neurons, plus the bias)."""

    layer: int
    cols: list[int]
    blocks: list[tuple[list[int], list[_Term]]]
    act: _Act
    values: np.ndarray | None = None
    W_lazy: np.ndarray | None = None
    rest: np.ndarray | None = None


def loss_grid(network: Network, inputs: np.ndarray, targets: np.ndarray, loss: str,
              p1: str, p2: str, xs: Sequence[float], ys: Sequence[float], *,
              workers: int | None = None) -> np.ndarray:
    """The loss with parameter ``p1`` at each of ``xs`` and ``p2`` at each of ``ys``.

    Returns ``loss[i, j]`` (len(xs), len(ys)), the loss at p1 = xs[i], p2 = ys[j] with every
    other parameter at its current value; non-finite losses are ``+inf``. Vectorised as
    described in the module documentation; equal to :func:`loss_grid_loop` within 1e-12.
    ``workers`` is the number of threads (default :func:`worker_count`).
    """
    X, T = _data(network, inputs, targets, loss)
    p1, p2 = check_axes(network, (p1, p2))
    xs, ys = _values(xs, "xs"), _values(ys, "ys")
    info1, info2 = network.info(p1), network.info(p2)
    if info2.layer < info1.layer:  # keep the earlier parameter on the rows
        return loss_grid(network, X, T, loss, p2, p1, ys, xs, workers=workers).T.copy()
    if xs.size == 1 or ys.size == 1:  # a grid dimension of 1 would read as "constant"
        grid = loss_grid(network, X, T, loss, p1, p2, np.repeat(xs, 2) if xs.size == 1 else xs,
                         np.repeat(ys, 2) if ys.size == 1 else ys, workers=workers)
        return grid[:xs.size, :ys.size].copy()

    L = len(network.layers)
    k0 = info1.layer
    with np.errstate(all="ignore"):
        prefix = np.ascontiguousarray(forward(network, X).outs[k0].T)
    plans: list[_LayerPlan] = []
    for k in range(L):
        W = network.weights[k].copy()
        b = np.broadcast_to(network.bias_value(k), (W.shape[0],)).copy()
        varied = []
        for axis, info in ((0, info1), (1, info2)):
            if info.layer != k:
                continue
            varied.append(_Varied(axis, info))
            if info.kind == "weight":
                W[info.target, info.source] = 0.0
            elif info.target < 0:
                b[:] = 0.0
            else:
                b[info.target] = 0.0
        plans.append(_LayerPlan(W, b.reshape(-1, 1, 1, 1), varied))
    n = X.shape[0]
    result = np.empty((xs.size, ys.size))
    acts = [layer.activation for layer in network.layers]
    keep_net = LOSSES[loss].on_net
    widest = max(network.sizes[k0:])
    tail_widest = max(network.sizes[k0 + 1:])

    for R0, R1, C0, C1 in _super_blocks(xs.size, ys.size, widest * n):
        vals = (xs[R0:R1].reshape(-1, 1, 1), ys[C0:C1].reshape(1, -1, 1))
        with np.errstate(all="ignore"):
            lazy = _grid_head(plans, acts, prefix, k0, vals, keep_net)

        def work(chunk: tuple[int, int, int, int], ws: _Workspace, R0: int = R0,
                 C0: int = C0, lazy: _Lazy = lazy) -> None:
            r0, r1, c0, c1 = chunk
            result[R0 + r0:R0 + r1, C0 + c0:C0 + c1] = _grid_tail(
                lazy, plans, acts, loss, keep_net, T, slice(r0, r1), slice(c0, c1), ws)

        threads = _threads(workers)
        _run_chunks(_chunks(R1 - R0, C1 - C0, tail_widest * n, threads), work, threads)
    result[~np.isfinite(result)] = np.inf
    return result


def _super_blocks(nx: int, ny: int, per_line: int) -> list[tuple[int, int, int, int]]:
    """Cut the grid into blocks whose per-row and per-column arrays stay within
    HEAD_ELEMENTS; each block has at least 2 rows and 2 columns (nx, ny >= 2)."""
    limit = max(4, HEAD_ELEMENTS // max(1, per_line))
    if nx + ny <= limit:
        return [(0, nx, 0, ny)]
    side = max(2, limit // 2)

    def cuts(total: int) -> list[tuple[int, int]]:
        parts = max(1, min(total // 2, -(-total // side)))
        edges = [round(i * total / parts) for i in range(parts + 1)]
        return list(zip(edges[:-1], edges[1:]))

    return [(r0, r1, c0, c1) for r0, r1 in cuts(nx) for c0, c1 in cuts(ny)]


def _slice(a: np.ndarray, rows: slice, cols: slice) -> np.ndarray:
    """The chunk's part of a (k, A, B, m) array (A or B of 1 broadcast)."""
    return a[:, rows if a.shape[1] != 1 else slice(None),
             cols if a.shape[2] != 1 else slice(None)]


def _fold(arrays: list[np.ndarray]) -> list[np.ndarray]:
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


def _grid_head(plans: list[_LayerPlan], acts: list[str], prefix: np.ndarray, k0: int,
               vals: tuple[np.ndarray, np.ndarray], keep_net: bool) -> _Lazy:
    """Run the layers from ``k0`` over a whole block of the grid for as long as nothing
    depends on both parameters, and describe the first layer where something does."""
    n = prefix.shape[1]
    full = (vals[0].shape[0], vals[1].shape[1])
    ws = _Workspace()
    h = _Act(prefix.reshape(-1, 1, 1, n))
    L = len(plans)
    for k in range(k0, L):
        plan = plans[k]
        W = plan.W
        n_out, n_in = W.shape
        # 1. The net input without this layer's varied parameters: W's columns times the
        #    input's blocks, each at its own grid dimensions.
        parts: list[np.ndarray] = []
        covered = {c for cols, _ in h.over for c in cols}
        keep = [c for c in range(n_in) if c not in covered]
        if keep:
            rest = _matmul(np.ascontiguousarray(W[:, keep]),
                           h.base if len(keep) == n_in else h.base[keep])
            parts.append(rest)
        for cols, arr in h.over:
            if len(cols) == 1:  # an outer product: BLAS is slow at inner size 1
                parts.append(W[:, cols[0]].reshape(-1, 1, 1, 1) * arr)
            else:
                parts.append(_matmul(np.ascontiguousarray(W[:, cols]), arr))
        parts = _fold(parts + [plan.b])
        blocks: list[tuple[list[int], list[_Term]]] = []
        if np.broadcast_shapes(*(p.shape for p in parts))[1:3] == full:
            # Every neuron's net input depends on both parameters (through the inputs).
            assert not plan.varied
            blocks = [(list(range(n_out)), [_Term(p) for p in parts])]
            act = _Act(np.zeros((n_out, 1, 1, n)))
        else:
            net = parts[0]
            for p in parts[1:]:
                net = net + p
            act, lazy_cols = _head_terms(_Act(net), plan, vals, h, full)
            if k == L - 1 and (not lazy_cols or acts[k] not in _ELEMENTWISE or keep_net):
                # The output neurons depend on one parameter each (they meet in the loss),
                # or the activation mixes them (softmax), or the loss needs their net
                # input: the whole output layer goes to the tail.
                for j in range(n_out):
                    if j not in lazy_cols:
                        lazy_cols[j] = [_Term(act.column(j)[None].copy())]
            blocks = _group_blocks(lazy_cols)
            _activate(acts[k], act.base, ws, "b")
            for cols, arr in act.over:
                _activate(acts[k], arr, ws, "o")
        if not blocks:
            h = act
            continue
        lazy_order = [c for cols, _ in blocks for c in cols]
        lazy = _Lazy(k, lazy_order, blocks, act)
        if k == L - 1:
            lazy.values = act.values()
        else:
            nxt = plans[k + 1]
            others = [c for c in range(n_out) if c not in set(lazy_order)]
            lazy.W_lazy = np.ascontiguousarray(nxt.W[:, lazy_order])
            terms = [nxt.b]
            if others:
                vals_all = act.values()
                terms.append(_matmul(np.ascontiguousarray(nxt.W[:, others]),
                                     np.ascontiguousarray(vals_all[others])))
            rest = terms[0]
            for t in terms[1:]:
                rest = rest + t
            lazy.rest = rest
        return lazy
    raise AssertionError("the grid never depended on both parameters")


def _head_terms(net: _Act, plan: _LayerPlan, vals: tuple[np.ndarray, np.ndarray], h: _Act,
                full: tuple[int, int]) -> tuple[_Act, dict[int, list[_Term]]]:
    """Add the varied parameters' terms to the net input ``net``: where the result is
    narrower than the grid it is computed (in place, or as override blocks), where it
    depends on both parameters it is left as terms for the tail."""
    base = net.base
    n_out = base.shape[0]
    terms: dict[int, list[_Term]] = {}
    for v in plan.varied:
        value = vals[v.axis][None]  # (1, rows, 1, 1) or (1, 1, cols, 1)
        info = v.info
        if info.kind == "weight":
            col = h.column(info.source)[None]
            if np.broadcast_shapes(value.shape[1:3], col.shape[1:3]) == full:
                terms.setdefault(info.target, []).append(_Term(col, value))
            else:
                terms.setdefault(info.target, []).append(_Term(value * col))
        else:
            for j in (range(n_out) if info.target < 0 else [info.target]):
                terms.setdefault(j, []).append(_Term(value))
    lazy: dict[int, list[_Term]] = {}
    eager: dict[tuple[int, ...], list[tuple[int, np.ndarray]]] = {}
    for j, ts in terms.items():
        own = base[j:j + 1].copy()
        dims = np.broadcast_shapes(own.shape[1:3], *(
            np.broadcast_shapes(t.arr.shape[1:3], t.value.shape[1:3]) if t.value is not None
            else t.arr.shape[1:3] for t in ts))
        if dims == full:
            adds = _fold([own] + [t.arr for t in ts if t.value is None])
            muls = [t for t in ts if t.value is not None]
            lazy[j] = [_Term(a) for a in adds] + muls
        else:
            value_j = own
            for t in ts:
                value_j = value_j + (t.arr if t.value is None else t.value * t.arr)
            value_j = np.broadcast_to(value_j, (1, *dims, base.shape[3]))
            eager.setdefault(dims, []).append((j, value_j))
    over = []
    for dims, items in eager.items():
        if dims == base.shape[1:3]:
            for j, value_j in items:
                base[j:j + 1] = value_j
        else:
            over.append(([j for j, _ in items], np.concatenate([v for _, v in items])))
    return _Act(base, over), lazy


def _group_blocks(lazy: dict[int, list[_Term]]) -> list[tuple[list[int], list[_Term]]]:
    """Lazy neurons whose terms have the same shapes, stacked into blocks."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    ordered: dict[int, list[_Term]] = {}
    for j, ts in sorted(lazy.items()):
        ts = sorted(ts, key=lambda t: (t.value is not None, t.arr.shape))
        ordered[j] = ts
        sig = tuple((t.arr.shape, None if t.value is None else (t.value.shape, id(t.value)))
                    for t in ts)
        groups.setdefault(sig, []).append(j)
    blocks = []
    for cols in groups.values():
        first = ordered[cols[0]]
        stacked = [_Term(np.concatenate([ordered[j][q].arr for j in cols]), t.value)
                   for q, t in enumerate(first)]
        blocks.append((cols, stacked))
    return blocks


def _sum_terms(out: np.ndarray, terms: list[_Term], rows: slice, cols: slice,
               ws: _Workspace) -> None:
    """``out`` = the sum of the chunk's part of ``terms``."""
    adds = [_slice(t.arr, rows, cols) for t in terms if t.value is None]
    muls = [(_slice(t.value, rows, cols), _slice(t.arr, rows, cols))
            for t in terms if t.value is not None]
    if len(adds) >= 2:
        np.add(adds[0], adds[1], out=out)
        adds = adds[2:]
    elif muls:
        np.multiply(muls[0][0], muls[0][1], out=out)
        muls = muls[1:]
    else:
        np.copyto(out, adds[0])
        adds = []
    for a in adds:
        out += a
    for value, a in muls:
        tmp = ws.get("sum.tmp", out.shape)
        np.multiply(value, a, out=tmp)
        out += tmp


def _grid_tail(lazy: _Lazy, plans: list[_LayerPlan], acts: list[str], loss: str,
               keep_net: bool, T: np.ndarray, rows: slice, cols: slice,
               ws: _Workspace) -> np.ndarray:
    """The loss over one chunk of the grid, from the lazy layer on."""
    k = lazy.layer
    n = lazy.act.base.shape[3]
    grid = (rows.stop - rows.start, cols.stop - cols.start)
    F = ws.get("F", (len(lazy.cols), *grid, n))
    q = 0
    for block_cols, terms in lazy.blocks:
        _sum_terms(F[q:q + len(block_cols)], terms, rows, cols, ws)
        q += len(block_cols)
    L = len(plans)
    if k == L - 1:
        assert lazy.values is not None
        m = lazy.values.shape[0]
        if lazy.cols == list(range(m)):
            net = F
        elif sorted(lazy.cols) == list(range(m)):  # all of them, grouped in another order
            net = ws.get("out", (m, *grid, n))
            net[lazy.cols] = F
        else:  # elementwise activation: the other neurons are activated already
            assert acts[k] in _ELEMENTWISE and not keep_net
            _activate(acts[k], F, ws, "act")
            out = ws.get("out", (m, *grid, n))
            np.copyto(out, _slice(lazy.values, rows, cols))
            out[lazy.cols] = F
            return _mean_loss(loss, out, None, T, ws)
    else:
        _activate(acts[k], F, ws, "act")
        assert lazy.W_lazy is not None and lazy.rest is not None
        k += 1
        net = ws.get(f"net{k}", (plans[k].W.shape[0], *grid, n))
        if len(lazy.cols) == 1:
            np.multiply(lazy.W_lazy.reshape(-1, 1, 1, 1), F[0], out=net)
        else:
            _matmul(lazy.W_lazy, F, net, ws)
        net += _slice(lazy.rest, rows, cols)
    while True:
        if k == L - 1:
            saved = net.copy() if keep_net else None
            _activate(acts[k], net, ws, f"act{k}")
            return _mean_loss(loss, net, saved, T, ws)
        _activate(acts[k], net, ws, f"act{k}")
        k += 1
        plan = plans[k]
        nxt = _matmul(plan.W, net, ws.get(f"net{k}", (plan.W.shape[0], *grid, n)), ws)
        nxt += plan.b
        net = nxt


# --- random directions ---------------------------------------------------------------------

def random_directions(network: Network, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two random directions in parameter space, filter-normalised (Li et al. 2018).

    Both are drawn together as standard normal vectors from ``default_rng(seed)``, so the
    same seed and network shape give the same directions. A "filter" of a fully connected
    layer is one neuron's incoming weights, a row of ``W[k]``: each row of a direction is
    rescaled to the norm of the corresponding weight row, so that a step of 1 along it is
    as large, neuron by neuron, as the weights themselves (a row of zero weights gets a zero
    direction). Bias entries are zero, as in the paper's setting that ignores biases (their
    scale is not comparable with the weights'), and so are frozen parameters; a row with
    frozen weights rescales its trainable entries to the norm of the whole weight row.
    """
    if (not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0):
        raise SurfaceError(f"the seed must be a whole number of at least 0, not {seed!r}")
    rng = np.random.default_rng(int(seed))
    raw = rng.standard_normal((2, network.params.size))
    mask = network.trainable_mask()
    dirs = []
    for d in raw:
        d = d * mask
        for sl in network.bias_slices:
            d[sl] = 0.0
        for k, sl in enumerate(network.weight_slices):
            rows = d[sl].reshape(network.weights[k].shape)
            w_norm = np.linalg.norm(network.weights[k], axis=1)
            d_norm = np.linalg.norm(rows, axis=1)
            scale = np.divide(w_norm, d_norm, out=np.zeros_like(w_norm), where=d_norm > 0)
            rows *= scale[:, None]
        dirs.append(d)
    return dirs[0], dirs[1]


def loss_grid_directions(network: Network, inputs: np.ndarray, targets: np.ndarray,
                         loss: str, d1: np.ndarray, d2: np.ndarray, alphas: Sequence[float],
                         betas: Sequence[float], *, workers: int | None = None) -> np.ndarray:
    """The loss at ``params + alphas[i] * d1 + betas[j] * d2``, as (len(alphas), len(betas)).

    Every parameter may move, so from the first layer in which d1 or d2 is not zero (the
    layers before it are computed once) every layer is computed per grid point, in chunks
    of grid points, by :func:`_directions_layer`: one small matrix product per point with
    that point's own weights ``W + alpha * D1 + beta * D2``. Non-finite losses are ``+inf``.
    """
    X, T = _data(network, inputs, targets, loss)
    alphas, betas = _values(alphas, "alphas"), _values(betas, "betas")
    P = network.params.size
    d1 = np.ascontiguousarray(d1, dtype=np.float64)
    d2 = np.ascontiguousarray(d2, dtype=np.float64)
    if d1.shape != (P,) or d2.shape != (P,):
        raise SurfaceError(f"the directions must have {P} values each (one per parameter)")
    if not (np.isfinite(d1).all() and np.isfinite(d2).all()):
        raise SurfaceError("the directions must be finite")
    L = len(network.layers)
    dn = (network.with_params(d1), network.with_params(d2))
    moving = [any(d.weights[k].any() or d.biases[k].any() for d in dn) for k in range(L)]
    result = np.empty((alphas.size, betas.size))
    if not any(moving):
        result[:] = loss_value(network, X, T, loss)
        result[~np.isfinite(result)] = np.inf
        return result
    k0 = moving.index(True)
    n = X.shape[0]
    with np.errstate(all="ignore"):
        prefix = np.ascontiguousarray(forward(network, X).outs[k0].T).reshape(-1, 1, 1, n)

    def bias(net: Network, k: int) -> np.ndarray:
        size = network.sizes[k + 1]
        return np.broadcast_to(net.bias_value(k), (size,)).reshape(-1, 1, 1, 1).copy()

    # Per layer: W, b and each direction's (D, db), None where that direction is zero there.
    layers = [(network.weights[k], bias(network, k),
               [(d.weights[k], bias(d, k)) if (d.weights[k].any() or d.biases[k].any())
                else None for d in dn]) for k in range(L)]
    acts = [layer.activation for layer in network.layers]
    keep_net = LOSSES[loss].on_net
    widest = max(network.sizes[k0:])

    def work(chunk: tuple[int, int, int, int], ws: _Workspace) -> None:
        r0, r1, c0, c1 = chunk
        a, b = alphas[r0:r1], betas[c0:c1]
        h = prefix
        for k in range(k0, L):
            net = _directions_layer(layers[k], h, a, b, ws, f"net{k}")
            if k == L - 1:
                saved = net.copy() if keep_net else None
                _activate(acts[k], net, ws, f"act{k}")
                result[r0:r1, c0:c1] = _mean_loss(loss, net, saved, T, ws)
            else:
                h = _activate(acts[k], net, ws, f"act{k}")

    threads = _threads(workers)
    _run_chunks(_chunks(alphas.size, betas.size, widest * n, threads), work, threads)
    result[~np.isfinite(result)] = np.inf
    return result


def _directions_layer(layer: tuple[np.ndarray, np.ndarray, list[Any]], h: np.ndarray,
                      a: np.ndarray, b: np.ndarray, ws: _Workspace, key: str) -> np.ndarray:
    """The net input of a layer whose weights move with the grid point: W + a D1 + b D2,
    for the input ``h`` (k, rows, cols, n), or (k, 1, 1, n) when it is the same for every
    point.

    Small layers use one matrix product per point with that point's own weights and bias,
    computed entry by entry as params + a * d1 + b * d2 is; large ones, whose per-point
    products OpenBLAS would thread, the sum W @ h + a (D1 @ h) + b (D2 @ h) of three
    blocked products (the same up to rounding)."""
    W, bias, dirs = layer
    m, k = W.shape
    grid = (a.size, b.size)
    G = grid[0] * grid[1]
    n = h.shape[3]
    shared = h.shape[1:3] == (1, 1)
    coefs = (a.reshape(-1, 1, 1, 1), b.reshape(1, -1, 1, 1))
    net = ws.get(key, (m, *grid, n))
    bg = np.broadcast_to(bias[:, 0, 0, 0], (*grid, m))
    for coef, d in zip(coefs, dirs):
        if d is not None:
            bg = bg + coef[..., 0] * d[1][:, 0, 0, 0]
    if m * k * n <= 1 << 16 and (m > 1 or k * n < 9216):
        Wg = np.broadcast_to(W, (*grid, m, k))
        for coef, d in zip(coefs, dirs):
            if d is not None:
                Wg = Wg + coef * d[0]
        hv = h.reshape(k, n) if shared else h.reshape(k, G, n).transpose(1, 0, 2)
        np.matmul(Wg.reshape(G, m, k), hv, out=net.reshape(m, G, n).transpose(1, 0, 2))
    elif shared:
        parts = [_matmul(W, h)]
        for coef, d in zip(coefs, dirs):
            if d is not None:
                parts.append(coef.reshape(1, *coef.shape[:2], 1) * _matmul(d[0], h))
        parts = _fold(parts)
        np.copyto(net, parts[0])
        for p in parts[1:]:
            net += p
    else:
        _matmul(W, h, net, ws)
        for coef, d, tag in zip(coefs, dirs, (".t1", ".t2")):
            if d is not None:
                t = _matmul(d[0], h, ws.get(key + tag, net.shape), ws)
                t *= coef.reshape(1, *coef.shape[:2], 1)
                net += t
    net += np.moveaxis(bg, -1, 0)[..., None]
    return net


def project_path(params_path: np.ndarray, center: np.ndarray, d1: np.ndarray,
                 d2: np.ndarray) -> np.ndarray:
    """The (alpha, beta) coordinates of each row of ``params_path`` (T, P) on the plane
    ``center + alpha * d1 + beta * d2``: the least-squares solution of
    ``[d1 d2] @ (alpha, beta) = p - center``, as in Li et al. (d1 and d2 need not be
    orthogonal). Returns (T, 2). With d1 and d2 parallel (or one of them zero) the
    minimum-norm solution is returned."""
    path = np.asarray(params_path, dtype=np.float64)
    if path.ndim == 1:
        path = path[None, :]
    c = np.asarray(center, dtype=np.float64)
    A = np.column_stack([np.asarray(d1, dtype=np.float64), np.asarray(d2, dtype=np.float64)])
    if path.shape[1:] != c.shape or A.shape[0] != c.size:
        raise SurfaceError("the path, the centre and the directions must have one value per "
                           "parameter")
    coords, *_ = np.linalg.lstsq(A, (path - c).T, rcond=None)
    return np.ascontiguousarray(coords.T)


def axis_path(network: Network, axes: Sequence[str], params_path: np.ndarray) -> np.ndarray:
    """The (x, y) coordinates of a path (T, P) on a surface over two named parameters."""
    p1, p2 = check_axes(network, axes)
    path = np.asarray(params_path, dtype=np.float64)
    return np.ascontiguousarray(path[:, [network.index_of[p1], network.index_of[p2]]])


# --- comparing optimizers ------------------------------------------------------------------

def compare_optimizers(network: Network, inputs: np.ndarray, targets: np.ndarray, loss: str,
                       base_config: TrainingConfig, steps: int,
                       optimizers: Iterable[str] = OPTIMIZER_NAMES,
                       configs: Mapping[str, TrainingConfig] | None = None
                       ) -> dict[str, np.ndarray]:
    """Run each optimizer from the network's current parameters for ``steps`` steps.

    Each uses ``base_config`` with its optimizer swapped in (its learning rate, batch size,
    seed and hyper-parameters otherwise), unless ``configs`` gives one for it. Returns, per
    optimizer, the parameters before and after every step, (steps + 1, P), starting with the
    current ones; a run that diverges stops at its last finite state, so its array is
    shorter. The steps are :class:`~simulator.engine.training.Trainer` steps exactly.
    """
    if (not isinstance(steps, (int, np.integer)) or isinstance(steps, bool) or steps < 0):
        raise SurfaceError(f"the number of steps must be a whole number of at least 0, "
                           f"not {steps!r}")
    X, T = _data(network, inputs, targets, loss)
    paths: dict[str, np.ndarray] = {}
    for name in optimizers:
        if name not in OPTIMIZER_NAMES:
            raise SurfaceError(f"unknown optimizer '{name}' (known: "
                               f"{', '.join(OPTIMIZER_NAMES)})")
        try:
            config = (configs or {}).get(name) or base_config.with_changes(optimizer=name)
        except OptimizerError as exc:
            raise SurfaceError(str(exc)) from None
        if config.optimizer != name:
            raise SurfaceError(f"the configuration given for {name} uses {config.optimizer}")
        trainer = Trainer(network, X, T, loss, config)
        state = trainer.initial_state()
        rows = [state.params.copy()]
        trainer.run(state, int(steps), record=lambda s: rows.append(s.params.copy()))
        paths[name] = np.array(rows)
    return paths


# --- command line --------------------------------------------------------------------------

def run_cli(doc: Any, args: argparse.Namespace) -> int:
    """``python -m simulator surface FILE --axes P1 P2 [--grid N] [--span S | --range XMIN
    XMAX YMIN YMAX] [--json | --csv OUT]``.

    Without --json or --csv, prints a short summary. --json prints
    ``{"axes": [P1, P2], "x": [...], "y": [...], "loss": [[...]]}`` with ``loss[i][j]`` at
    P1 = x[i], P2 = y[j] and non-finite losses as null. --csv writes one row per grid point,
    ``P1,P2,loss`` under a header naming the two parameters (``w5,w6,loss``), x varying
    slowest, non-finite losses as ``inf``; the file is replaced atomically. Bad input raises
    :class:`SurfaceError` with one line.
    """
    net = doc.network
    axes = check_axes(net, list(args.axes))
    grid = check_resolution(args.grid, "--grid")
    if getattr(args, "range", None) is not None:
        xr = check_range(args.range[0:2], "the x range (--range XMIN XMAX)")
        yr = check_range(args.range[2:4], "the y range (--range YMIN YMAX)")
        spec = make_spec(net, axes, x_range=xr, y_range=yr, resolution=grid)
    else:
        span = getattr(args, "span", None)
        if span is not None and not (math.isfinite(span) and span > 0):
            raise SurfaceError(f"--span must be a finite number greater than 0, not {span:g}")
        spec = make_spec(net, axes, span=span, resolution=grid)
    surface = compute(net, doc.data.inputs, doc.data.targets, doc.loss, spec)
    if getattr(args, "json", False):
        payload = {"axes": list(surface.axes), "x": surface.x.tolist(),
                   "y": surface.y.tolist(), "loss": _json_matrix(surface.loss)}
        sys.stdout.write(json.dumps(payload, allow_nan=False) + "\n")
    elif getattr(args, "csv", None):
        write_csv(surface, args.csv)
        print(f"wrote {surface.loss.size} grid points ({surface.x.size} x {surface.y.size}) "
              f"to {args.csv}")
    else:
        sys.stdout.write(summary(surface, doc.loss))
    return 0


def _json_matrix(loss: np.ndarray) -> list[list[float | None]]:
    return [[float(v) if math.isfinite(v) else None for v in row] for row in loss.tolist()]


def summary(surface: Surface, loss_name: str = "") -> str:
    """A few lines describing a surface, for the command line."""
    a, b = surface.axes
    lines = [f"loss surface{f' ({loss_name})' if loss_name else ''} over {a} and {b}, "
             f"{surface.x.size} x {surface.y.size} grid",
             f"  {a} from {surface.x[0]:.6g} to {surface.x[-1]:.6g}",
             f"  {b} from {surface.y[0]:.6g} to {surface.y[-1]:.6g}",
             f"  current point: {a} = {surface.center[0]:.10g}, {b} = {surface.center[1]:.10g},"
             f" loss {surface.center_loss:.10g}"]
    if surface.min_at is not None:
        lines.append(f"  lowest on the grid: loss {surface.min_loss:.10g} at "
                     f"{a} = {surface.min_at[0]:.10g}, {b} = {surface.min_at[1]:.10g}")
        lines.append(f"  highest on the grid: loss {surface.max_loss:.10g}")
    else:
        lines.append("  the loss is not a finite number anywhere on the grid")
    bad = surface.loss.size - int(np.isfinite(surface.loss).sum())
    if bad:
        lines.append(f"  {bad} grid point{'s' if bad != 1 else ''} with a non-finite loss")
    return "\n".join(lines) + "\n"


def write_csv(surface: Surface, path: str | os.PathLike[str]) -> None:
    """Write ``surface`` as CSV (``P1,P2,loss`` rows, x varying slowest), atomically."""
    a, b = surface.axes
    out: list[str] = [f"{a},{b},loss"]
    ys = [repr(float(v)) for v in surface.y]
    for xv, row in zip(surface.x.tolist(), surface.loss.tolist()):
        xs = repr(float(xv))
        out.extend(f"{xs},{yv},{v!r}" if math.isfinite(v) else f"{xs},{yv},inf"
                   for yv, v in zip(ys, row))
    data = ("\n".join(out) + "\n").encode("utf-8")
    try:
        atomic_write(path, data)
    except OSError as exc:
        raise SurfaceError(f"cannot write {path}: {exc.strerror or exc}") from None
