"""The slice the surface view shows, and the background job that computes it (no Qt here).

A *slice* is the loss over a plane in parameter space that passes through ``centre``:

- ``"axes"``: two named parameters vary over ``xs`` and ``ys``; every other parameter is held
  at its value in ``centre``. A parameter vector's coordinates are simply its two values.
- ``"directions"``: the plane ``centre + alpha * d1 + beta * d2`` over two random,
  filter-normalised directions (Li et al. 2018). A parameter vector's coordinates are its
  least-squares projection onto the plane (:func:`simulator.engine.surface.project_path`).
  The centre is the current parameters when the job was made, so the current point sits at
  (0, 0) and the path so far is projected onto the plane through it.

The grids come from :mod:`simulator.engine.surface` (:func:`loss_grid`,
:func:`loss_grid_directions`); this module only cuts them into row blocks (so a job can be
cancelled between blocks), makes a coarse first pass when asked, and evaluates the loss at
the points of paths placed on the slice (one engine forward pass per point).

The height of a path point is the loss *on the slice*: the point's two coordinates with
every other parameter at the slice's centre. So the path lies on the drawn surface; it is not
the loss the network had at that iteration (the other parameters were different then).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ...engine import surface as engine_surface
from ...engine.backprop import loss_value
from ...engine.network import Network
from ...engine.training import CancelFlag

AXES = "axes"
DIRECTIONS = "directions"

COARSE_SIZE = 26  # points per side of the coarse first pass
COARSE_ABOVE_SECONDS = 0.05  # make a coarse pass first when the full grid would take longer
ROW_BLOCKS = 8  # a full grid is computed in this many row blocks (cancel checks between them)


@dataclass(frozen=True, eq=False)
class Frame:
    """What fixes the slice's coordinates: named axes or two directions.

    A change of frame (other axes, other directions, other structure) makes every earlier
    result incompatible; a change of centre or range does not.
    """

    kind: str  # AXES or DIRECTIONS
    labels: tuple[str, str]
    indices: tuple[int, int] | None = None  # flat indices of the axis parameters (AXES)
    directions: tuple[np.ndarray, np.ndarray] | None = None  # d1, d2 (DIRECTIONS)
    seed: int = 0

    def coords(self, params: np.ndarray, centre: np.ndarray) -> np.ndarray:
        """The (T, 2) slice coordinates of parameter vectors ``params`` (T, P) or (P,)."""
        rows = np.atleast_2d(np.asarray(params, dtype=np.float64))
        if self.kind == AXES:
            assert self.indices is not None
            return np.ascontiguousarray(rows[:, list(self.indices)])
        assert self.directions is not None
        d1, d2 = self.directions
        return engine_surface.project_path(rows, centre, d1, d2)

    def points(self, uv: np.ndarray, centre: np.ndarray) -> np.ndarray:
        """The (T, P) parameter vectors on the slice through ``centre`` at coordinates uv."""
        uv = np.atleast_2d(np.asarray(uv, dtype=np.float64))
        rows = np.repeat(np.asarray(centre, dtype=np.float64)[None, :], uv.shape[0], axis=0)
        if self.kind == AXES:
            assert self.indices is not None
            rows[:, self.indices[0]] = uv[:, 0]
            rows[:, self.indices[1]] = uv[:, 1]
        else:
            assert self.directions is not None
            d1, d2 = self.directions
            rows += uv[:, :1] * d1[None, :] + uv[:, 1:2] * d2[None, :]
        return rows

    def same_slice(self, params: np.ndarray, centre: np.ndarray) -> bool:
        """Whether ``params`` lies on the slice through ``centre`` (so no recompute is needed
        when the parameters move to it)."""
        if self.kind == AXES:
            assert self.indices is not None
            mask = np.ones(params.size, dtype=bool)
            mask[list(self.indices)] = False
            return bool(np.array_equal(params[mask], centre[mask]))
        return bool(np.array_equal(params, centre))

    def gradient(self, grad: np.ndarray) -> tuple[float, float]:
        """The gradient of the loss on the slice, with respect to its two coordinates."""
        if self.kind == AXES:
            assert self.indices is not None
            return float(grad[self.indices[0]]), float(grad[self.indices[1]])
        assert self.directions is not None
        d1, d2 = self.directions
        return float(grad @ d1), float(grad @ d2)


@dataclass(frozen=True, eq=False)
class SliceSpec:
    """One slice to compute: a frame, the centre it passes through, and the grid."""

    frame: Frame
    centre: np.ndarray
    xs: np.ndarray
    ys: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """(len(xs), len(ys))."""
        return int(self.xs.size), int(self.ys.size)


@dataclass(frozen=True, eq=False)
class SliceJob:
    """A background computation: the grid of ``spec`` and the slice heights of some paths.

    Everything here is a snapshot taken on the GUI thread; the job never reads the model.
    ``point_sets`` maps a path's name to (keys, params): keys label the rows (iterations or
    steps) so the results can be cached by them.
    """

    generation: int
    epoch: int
    spec: SliceSpec
    network: Network  # holds the centre's parameters
    inputs: np.ndarray
    targets: np.ndarray
    loss: str
    point_sets: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    coarse_first: bool = False
    cancel: CancelFlag = field(default_factory=CancelFlag)


@dataclass(frozen=True, eq=False)
class SliceResult:
    """What a job produced. ``z`` has the spec's full shape even for a coarse pass (then it
    is interpolated from the coarse grid); non-finite losses are ``+inf``."""

    generation: int
    epoch: int
    spec: SliceSpec
    z: np.ndarray | None
    coarse: bool = False
    final: bool = True
    point_z: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    seconds: float = 0.0
    points_computed: int = 0
    error: str = ""
    cancelled: bool = False

    @property
    def order(self) -> tuple[int, int]:
        """Sorts results: later generations first, and a full pass after its coarse one."""
        return self.generation, 0 if self.coarse else 1


def grid_block(job: SliceJob, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The loss over ``xs`` x ``ys`` on the job's slice (the engine's vectorised grids)."""
    frame = job.spec.frame
    if frame.kind == AXES:
        a, b = frame.labels
        return engine_surface.loss_grid(job.network, job.inputs, job.targets, job.loss, a, b,
                                         xs, ys)
    assert frame.directions is not None
    d1, d2 = frame.directions
    return engine_surface.loss_grid_directions(job.network, job.inputs, job.targets, job.loss,
                                               d1, d2, xs, ys)


def coarse_indices(n: int, size: int = COARSE_SIZE) -> np.ndarray:
    """Indices of about ``size`` grid values spread evenly over 0 .. n - 1 (both ends kept)."""
    if n <= size:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, size)).astype(int))


def upsample(zc: np.ndarray, ix: np.ndarray, iy: np.ndarray, nx: int, ny: int) -> np.ndarray:
    """Bilinear interpolation of a coarse grid (on indices ix, iy) onto the full nx x ny
    index grid, for display only; +inf stays +inf where it touches a cell."""
    finite = np.where(np.isfinite(zc), zc, np.nan)
    tmp = np.empty((nx, zc.shape[1]))
    full_x = np.arange(nx)
    for c in range(zc.shape[1]):
        tmp[:, c] = np.interp(full_x, ix, finite[:, c])
    out = np.empty((nx, ny))
    full_y = np.arange(ny)
    for r in range(nx):
        out[r] = np.interp(full_y, iy, tmp[r])
    out[~np.isfinite(out)] = np.inf
    return out


def losses_at(network: Network, inputs: np.ndarray, targets: np.ndarray, loss: str,
              rows: np.ndarray, cancel: CancelFlag | None = None) -> np.ndarray:
    """The loss at each parameter vector of ``rows`` (T, P): one engine forward pass each.
    Non-finite losses are ``+inf`` (as in the grids)."""
    rows = np.atleast_2d(rows)
    out = np.empty(rows.shape[0])
    scratch = network.copy()
    with np.errstate(all="ignore"):
        for k, row in enumerate(rows):
            if cancel is not None and k % 64 == 0 and cancel.is_set():
                out[k:] = np.inf  # the caller drops a cancelled job's results
                break
            scratch.params[:] = row
            out[k] = loss_value(scratch, inputs, targets, loss)
    out[~np.isfinite(out)] = np.inf
    return out


def slice_heights(job: SliceJob) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """For each of the job's point sets: (keys, z) with z the loss on the job's slice at the
    set's slice coordinates."""
    spec = job.spec
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, (keys, params) in job.point_sets.items():
        if job.cancel.is_set():
            break
        uv = spec.frame.coords(params, spec.centre)
        rows = spec.frame.points(uv, spec.centre)
        out[name] = (keys, losses_at(job.network, job.inputs, job.targets, job.loss, rows,
                                     job.cancel))
    return out


def run_job(job: SliceJob, emit: Callable[[SliceResult], None]) -> None:
    """Compute ``job``, calling ``emit`` with a coarse result first when asked (and when the
    full grid will take long enough to be worth it), then the full one. Stops early (and
    emits a cancelled result) when the job's cancel flag is set. Never raises: errors are
    reported in the result."""
    spec = job.spec
    nx, ny = spec.shape
    start = time.perf_counter()
    computed = 0
    try:
        if job.coarse_first and (nx > COARSE_SIZE or ny > COARSE_SIZE):
            ix, iy = coarse_indices(nx), coarse_indices(ny)
            t0 = time.perf_counter()
            zc = grid_block(job, spec.xs[ix], spec.ys[iy])
            computed += zc.size
            per_point = (time.perf_counter() - t0) / max(1, zc.size)
            if job.cancel.is_set():
                emit(_cancelled(job, start, computed))
                return
            if per_point * nx * ny > COARSE_ABOVE_SECONDS:
                emit(SliceResult(job.generation, job.epoch, spec, upsample(zc, ix, iy, nx, ny),
                                 coarse=True, final=False,
                                 seconds=time.perf_counter() - start,
                                 points_computed=computed))
        z = np.empty((nx, ny))
        edges = np.unique(np.linspace(0, nx, min(ROW_BLOCKS, nx) + 1).astype(int))
        for r0, r1 in zip(edges[:-1], edges[1:], strict=True):
            if job.cancel.is_set():
                emit(_cancelled(job, start, computed))
                return
            z[r0:r1] = grid_block(job, spec.xs[r0:r1], spec.ys)
            computed += (r1 - r0) * ny
        heights = slice_heights(job)
        if job.cancel.is_set():
            emit(_cancelled(job, start, computed))
            return
        emit(SliceResult(job.generation, job.epoch, spec, z, point_z=heights,
                         seconds=time.perf_counter() - start, points_computed=computed))
    except Exception as exc:  # reported to the user, never raised in the worker thread
        message = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
        emit(SliceResult(job.generation, job.epoch, spec, None, error=message,
                         seconds=time.perf_counter() - start, points_computed=computed))


def _cancelled(job: SliceJob, start: float, computed: int) -> SliceResult:
    return SliceResult(job.generation, job.epoch, job.spec, None, cancelled=True,
                       seconds=time.perf_counter() - start, points_computed=computed)


# --- display helpers -----------------------------------------------------------------------

def finite_range(z: np.ndarray) -> tuple[float, float]:
    """(min, max) of the finite values of ``z``; (0, 1) when there are none; widened a
    little when they are all equal."""
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return 0.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    if not hi > lo:
        pad = max(abs(lo) * 1e-6, 1e-12)
        lo, hi = lo - pad, hi + pad
    return lo, hi


def bilinear(xs: np.ndarray, ys: np.ndarray, z: np.ndarray, u: np.ndarray,
             v: np.ndarray) -> np.ndarray:
    """``z`` (on the grid xs x ys) interpolated at points (u, v), clamped to the grid; for
    drawing things on the drawn surface. Non-finite grid values are taken as the largest
    finite one."""
    lo, hi = finite_range(z)
    zz = np.where(np.isfinite(z), z, hi)
    fx = np.clip(np.interp(u, xs, np.arange(xs.size)), 0, xs.size - 1)
    fy = np.clip(np.interp(v, ys, np.arange(ys.size)), 0, ys.size - 1)
    i0 = np.minimum(np.floor(fx).astype(int), max(xs.size - 2, 0))
    j0 = np.minimum(np.floor(fy).astype(int), max(ys.size - 2, 0))
    i1 = np.minimum(i0 + 1, xs.size - 1)
    j1 = np.minimum(j0 + 1, ys.size - 1)
    tx, ty = fx - i0, fy - j0
    return ((1 - tx) * (1 - ty) * zz[i0, j0] + tx * (1 - ty) * zz[i1, j0]
            + (1 - tx) * ty * zz[i0, j1] + tx * ty * zz[i1, j1])


def subsample(n: int, limit: int) -> np.ndarray:
    """At most about ``limit`` indices of 0 .. n - 1: every stride-th one (the stride a power
    of two) and always the last. As n grows the chosen indices stay the same until the
    stride doubles, so heights cached by index stay useful while training runs."""
    if n <= limit:
        return np.arange(n)
    stride = 1
    while -(-n // stride) > limit - 1:
        stride *= 2
    idx = np.arange(0, n, stride)
    return idx if idx[-1] == n - 1 else np.append(idx, n - 1)


def nice_ticks(lo: float, hi: float, target: int = 4) -> np.ndarray:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) inside lo .. hi,
    about ``target`` of them."""
    span = hi - lo
    if not (math.isfinite(span) and span > 0):
        return np.array([lo])
    raw = span / max(1, target)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = 10 * mag
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if span / (m * mag) <= target:
            step = m * mag
            break
    first = math.ceil(lo / step - 1e-9) * step
    ticks = np.arange(first, hi + step * 1e-9, step)
    ticks[np.abs(ticks) < step * 1e-9] = 0.0
    return ticks


def format_value(value: float, digits: int = 4) -> str:
    """A number for an axis label: ``digits`` significant digits, no trailing noise."""
    if not math.isfinite(value):
        return "inf" if value > 0 else ("-inf" if value < 0 else "nan")
    return f"{value:.{digits}g}"
