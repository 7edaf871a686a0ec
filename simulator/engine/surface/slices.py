"""Slices of the loss, and the background jobs that compute them for the app (no Qt here).

A *slice* is the loss over a plane in parameter space that passes through ``centre``:

- ``"axes"``: two named parameters vary over ``xs`` and ``ys``; every other parameter is held
  at its value in ``centre``. A parameter vector's coordinates are simply its two values.
- ``"directions"``: the plane ``centre + alpha * d1 + beta * d2`` over two random,
  filter-normalised directions (Li et al. 2018). A parameter vector's coordinates are its
  least-squares projection onto the plane (:func:`~.directions.project_path`).

A :class:`Frame` fixes the coordinates; a :class:`SliceSpec` adds the centre and the grid.
The grids themselves come from :func:`~.grid.loss_grid` and
:func:`~.directions.loss_grid_directions`; a :class:`SliceJob` (:func:`run_job`) only cuts
them into row blocks (so that it can be cancelled between blocks), makes a coarse first pass
when asked, and evaluates the loss at the points of paths placed on the slice (one engine
forward pass per point). A :class:`CompareJob` (:func:`run_compare`) runs the optimizer
comparison and places its paths on a slice.

The height of a path point is the loss *on the slice*: the point's two coordinates with
every other parameter at the slice's centre. So the path lies on the drawn surface; it is not
the loss the network had at that iteration (the other parameters were different then).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ..backprop import loss_value
from ..network import Network
from ..optimizers import TrainingConfig
from ..regularisation import Penalty
from ..training import CancelFlag
from .compare import compare_optimizers
from .directions import loss_grid_directions, project_path, random_directions
from .grid import loss_grid
from .spec import check_axes, check_data

FrameKind = Literal["axes", "directions"]
AXES: FrameKind = "axes"
DIRECTIONS: FrameKind = "directions"
DIRECTION_LABELS = ("α", "β")  # how the views label the two random directions

COARSE_SIZE = 26  # points per side of the coarse first pass
COARSE_ABOVE_SECONDS = 0.05  # make a coarse pass first when the full grid would take longer
ROW_BLOCKS = 8  # a full grid is computed in this many row blocks (cancel checks between them)


@dataclass(frozen=True, eq=False)
class Frame:
    """What fixes a slice's coordinates: two named axes, or two directions.

    A change of frame (other axes, other directions, other structure) makes every earlier
    result incompatible; a change of centre or range does not. Make one with
    :meth:`of_axes` or :meth:`of_directions`.
    """

    kind: FrameKind
    labels: tuple[str, str]
    indices: tuple[int, int] | None = None  # flat indices of the axis parameters (AXES)
    directions: tuple[np.ndarray, np.ndarray] | None = None  # d1, d2 (DIRECTIONS)
    seed: int = 0

    @classmethod
    def of_axes(cls, network: Network, axes: tuple[str, str]) -> Frame:
        """The frame of two named parameters of ``network`` (checked)."""
        x, y = check_axes(network, axes)
        return cls(AXES, (x, y), (network.index_of[x], network.index_of[y]))

    @classmethod
    def of_directions(cls, network: Network, seed: int) -> Frame:
        """The frame of the two random directions drawn from ``seed`` for ``network``."""
        d1, d2 = random_directions(network, seed)
        return cls(DIRECTIONS, DIRECTION_LABELS, None, (d1, d2), seed)

    def coords(self, params: ArrayLike, centre: np.ndarray) -> np.ndarray:
        """The (T, 2) slice coordinates of parameter vectors ``params`` (T, P) or (P,)."""
        rows = np.atleast_2d(np.asarray(params, dtype=np.float64))
        if self.kind == AXES:
            assert self.indices is not None
            return np.ascontiguousarray(rows[:, list(self.indices)])
        assert self.directions is not None
        d1, d2 = self.directions
        return project_path(rows, centre, d1, d2)

    def points(self, uv: ArrayLike, centre: np.ndarray) -> np.ndarray:
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

    def grid(self, network: Network, inputs: ArrayLike, targets: ArrayLike, loss: str,
             xs: ArrayLike, ys: ArrayLike, penalty: Penalty | None = None) -> np.ndarray:
        """The loss (E, with ``penalty``) over ``xs`` x ``ys`` on the slice through
        ``network``'s parameters (the engine's vectorised grids); ``inputs`` are the data's
        inputs."""
        if self.kind == AXES:
            a, b = self.labels
            return loss_grid(network, inputs, targets, loss, a, b, xs, ys, penalty=penalty)
        assert self.directions is not None
        d1, d2 = self.directions
        return loss_grid_directions(network, inputs, targets, loss, d1, d2, xs, ys,
                                    penalty=penalty)


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


class PointSet(NamedTuple):
    """Points of a path to place on a slice: ``params`` (T, P), each row labelled by its key
    in ``keys`` (T,) (an iteration or a step number) so that heights can be cached by it."""

    keys: np.ndarray
    params: np.ndarray


class PointHeights(NamedTuple):
    """The heights ``z`` (T,) on a slice of the points labelled ``keys`` (T,)."""

    keys: np.ndarray
    z: np.ndarray


@dataclass(frozen=True, eq=False)
class SliceJob:
    """A background computation: the grid of ``spec`` and the slice heights of some paths.

    Everything here is a snapshot taken on the GUI thread; the job never reads the model.
    ``generation`` numbers the jobs, ``epoch`` the settings they belong to (results of an
    older epoch are dropped). ``inputs`` are the data's inputs (the network's features are
    applied in the engine); ``penalty`` is the document's weight penalty, so that the
    surface and the paths' heights are of the E training minimises.
    """

    generation: int
    epoch: int
    spec: SliceSpec
    network: Network  # holds the centre's parameters
    inputs: np.ndarray
    targets: np.ndarray
    loss: str
    point_sets: dict[str, PointSet] = field(default_factory=dict)
    coarse_first: bool = False
    cancel: CancelFlag = field(default_factory=CancelFlag)
    penalty: Penalty | None = None


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
    point_z: dict[str, PointHeights] = field(default_factory=dict)
    seconds: float = 0.0
    points_computed: int = 0
    error: str = ""
    cancelled: bool = False

    @property
    def order(self) -> tuple[int, int]:
        """Sorts results: later generations first, and a full pass after its coarse one."""
        return self.generation, 0 if self.coarse else 1


@dataclass(frozen=True, eq=False)
class CompareJob:
    """Run GD, SGD, momentum and Adam from the same start (a snapshot)."""

    epoch: int
    network: Network
    inputs: np.ndarray
    targets: np.ndarray
    loss: str
    config: TrainingConfig
    steps: int
    spec: SliceSpec | None = None  # the drawn slice: the paths' heights are computed on it
    cancel: CancelFlag = field(default_factory=CancelFlag)


@dataclass(frozen=True, eq=False)
class CompareResult:
    """Per optimizer, the parameters before and after every step, (steps + 1, P), and
    their heights on ``spec`` (keys = step numbers)."""

    epoch: int
    paths: dict[str, np.ndarray]
    spec: SliceSpec | None = None
    point_z: dict[str, PointHeights] = field(default_factory=dict)
    seconds: float = 0.0
    error: str = ""
    cancelled: bool = False


# --- computing -----------------------------------------------------------------------------

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


def losses_at(network: Network, inputs: ArrayLike, targets: ArrayLike, loss: str,
              rows: np.ndarray, cancel: CancelFlag | None = None,
              penalty: Penalty | None = None) -> np.ndarray:
    """The loss (E, with ``penalty``) at each parameter vector of ``rows`` (T, P): one
    engine forward pass each; ``inputs`` are the data's inputs. Non-finite losses are
    ``+inf`` (as in the grids)."""
    X, T = check_data(network, inputs, targets, loss)
    rows = np.atleast_2d(rows)
    out = np.empty(rows.shape[0])
    scratch = network.copy()
    with np.errstate(all="ignore"):
        for k, row in enumerate(rows):
            if cancel is not None and k % 64 == 0 and cancel.is_set():
                out[k:] = np.inf  # the caller drops a cancelled job's results
                break
            scratch.params[:] = row
            out[k] = loss_value(scratch, X, T, loss, penalty)
    out[~np.isfinite(out)] = np.inf
    return out


def slice_heights(spec: SliceSpec, network: Network, inputs: np.ndarray, targets: np.ndarray,
                  loss: str, point_sets: dict[str, PointSet],
                  cancel: CancelFlag, penalty: Penalty | None = None
                  ) -> dict[str, PointHeights]:
    """For each point set: its heights on the slice ``spec`` (the loss, E with ``penalty``,
    at its slice coordinates, every other parameter at the slice's centre). ``network``
    gives the structure."""
    out: dict[str, PointHeights] = {}
    for name, points in point_sets.items():
        if cancel.is_set():
            break
        uv = spec.frame.coords(points.params, spec.centre)
        rows = spec.frame.points(uv, spec.centre)
        out[name] = PointHeights(points.keys, losses_at(network, inputs, targets, loss, rows,
                                                        cancel, penalty))
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

    def grid(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        return spec.frame.grid(job.network, job.inputs, job.targets, job.loss, xs, ys,
                               job.penalty)

    try:
        if job.coarse_first and (nx > COARSE_SIZE or ny > COARSE_SIZE):
            ix, iy = coarse_indices(nx), coarse_indices(ny)
            t0 = time.perf_counter()
            zc = grid(spec.xs[ix], spec.ys[iy])
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
        for r0, r1 in itertools.pairwise(edges.tolist()):
            if job.cancel.is_set():
                emit(_cancelled(job, start, computed))
                return
            z[r0:r1] = grid(spec.xs[r0:r1], spec.ys)
            computed += (r1 - r0) * ny
        heights = slice_heights(spec, job.network, job.inputs, job.targets, job.loss,
                                job.point_sets, job.cancel, job.penalty)
        if job.cancel.is_set():
            emit(_cancelled(job, start, computed))
            return
        emit(SliceResult(job.generation, job.epoch, spec, z, point_z=heights,
                         seconds=time.perf_counter() - start, points_computed=computed))
    except Exception as exc:  # reported to the user, never raised in the worker thread
        emit(SliceResult(job.generation, job.epoch, spec, None, error=_message(exc),
                         seconds=time.perf_counter() - start, points_computed=computed))


def _cancelled(job: SliceJob, start: float, computed: int) -> SliceResult:
    return SliceResult(job.generation, job.epoch, job.spec, None, cancelled=True,
                       seconds=time.perf_counter() - start, points_computed=computed)


def run_compare(job: CompareJob) -> CompareResult:
    """Run ``job`` with :func:`~.compare.compare_optimizers` and place the paths on the
    job's slice (when it still fits the network). Never raises: errors are reported in the
    result."""
    start = time.perf_counter()
    if job.cancel.is_set():
        return CompareResult(job.epoch, {}, cancelled=True)
    try:
        paths = compare_optimizers(job.network, job.inputs, job.targets, job.loss, job.config,
                                   job.steps)
        heights: dict[str, PointHeights] = {}
        spec = job.spec
        if spec is not None and spec.centre.size == job.network.params.size:
            sets = {name: PointSet(np.arange(rows.shape[0]), rows)
                    for name, rows in paths.items()}
            heights = slice_heights(spec, job.network, job.inputs, job.targets, job.loss,
                                    sets, job.cancel, job.config.penalty)
        return CompareResult(job.epoch, paths, spec, heights, time.perf_counter() - start,
                             cancelled=job.cancel.is_set())
    except Exception as exc:  # reported to the user, never raised in the worker thread
        return CompareResult(job.epoch, {}, seconds=time.perf_counter() - start,
                             error=_message(exc))


def _message(exc: Exception) -> str:
    """An exception as one line for the status bar (a ValueError's message is for users)."""
    return str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
