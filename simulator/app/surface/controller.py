"""The surface view's controller: it observes the LabModel and says what to draw.

It owns no engine state and changes none. From the model's signals it keeps

- the *frame* (two named axes, or two random directions from a seed) and the slice being
  drawn: its grid is computed in the background (:mod:`.worker`), coalescing bursts of
  changes, coarse first when the full grid would take long, dropping stale results;
- the current point (the current parameters' coordinates and loss) and the negative
  gradient there, updated at once on every change;
- the training path so far (the parameters at each completed iteration), and the paths of
  an optimizer comparison.

When only the two axis parameters move (an edit of w5 while the axes are w5 and w6, or a
training step in a frozen-elsewhere network) the slice is unchanged and nothing is
recomputed; the range is kept unless the point leaves it (then it is recentred). Any other
change of the parameters, the data, the loss or the structure changes the slice and it is
recomputed. In random-directions mode the plane passes through the current parameters, so
every change of them recomputes it.

Views read :meth:`grid_view`, :meth:`point_view` and :meth:`path_views` when told by
``surfaceChanged``, ``pointChanged``, ``pathChanged`` and ``compareChanged``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from ...engine import surface as engine_surface
from ...engine.backprop import backward
from ...engine.network import ParamInfo
from ...engine.numbers import format_number
from ...engine.stepper import Stepper
from ...engine.surface import (
    AXES,
    DIRECTIONS,
    CompareJob,
    CompareResult,
    Frame,
    PointSet,
    SliceJob,
    SliceResult,
    SliceSpec,
    bilinear,
    losses_at,
    subsample,
)
from ...engine.surface.slices import COARSE_ABOVE_SECONDS
from ...engine.training import CancelFlag
from ..model import LabModel
from .worker import CompareRunnable, JobSignals, SliceRunnable

DEFAULT_RESOLUTION = 101
DEFAULT_COMPARE_STEPS = 50
DEBOUNCE_MS = 40  # a burst of changes closer together than this makes one computation
MAX_WAIT_MS = 250  # ... but a continuous stream (training, a long drag) still gets one this often
MIN_INTERVAL_S = 0.25  # at most about four background recomputes a second while values change
TRAINING_WINDOW_S = 0.5  # "training" = an iteration completed this recently
MAX_PATH_POINTS = 500  # a longer path is drawn through this many evenly spread iterations
MAX_RECOMPUTED_STEPS = 8  # a path point this far past a checkpoint is recomputed
MAX_STORED_PATH = 20_000  # beyond this, every other point of the older half is dropped
ARROW_FRACTION = 0.18  # the gradient arrow's length, as a share of the range
ARROW_SAMPLES = 16
LABEL_DIGITS = 4  # significant digits of the current values in the axis labels

TRAINING_PATH = "path"
OPTIMIZER_LABELS = {"gd": "GD", "sgd": "SGD", "momentum": "Momentum", "adam": "Adam"}
DIRECTION_LABELS = ("α", "β")

PATH_NOTE = ("The path's height is the loss on the slice shown: each past point's two "
             "coordinates with every other parameter at its current value, so the path lies "
             "on the surface (it is not the loss the network had at that iteration).")
DIRECTIONS_NOTE = ("Random directions: the plane through the current parameters spanned by "
                   "two random directions d1, d2 (filter-normalised as in Li et al. 2018, "
                   "drawn from the seed when the mode is switched on, the seed changes or the "
                   "network's shape changes). α and β are steps along d1 and d2; the path is "
                   "projected onto the plane (least squares). A training path is usually "
                   "almost orthogonal to two random directions, so its projection is short.")


@dataclass(frozen=True, eq=False)
class GridView:
    """A computed grid to draw: ``z[i, j]`` at (xs[i], ys[j]); +inf where not finite."""

    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray
    labels: tuple[str, str]
    z_label: str
    coarse: bool
    kind: str


@dataclass(frozen=True, eq=False)
class PointView:
    """The current point (u, v, loss), its labels, and the negative-gradient arrow (K, 3)
    (None when the gradient on the slice is zero or not finite)."""

    u: float
    v: float
    z: float
    labels: tuple[str, str]
    texts: tuple[str, str]
    arrow: np.ndarray | None
    gradient: tuple[float, float]


@dataclass(frozen=True, eq=False)
class PathView:
    """A path to draw: ``key`` ("path" or an optimizer name), its legend label, (N, 3)."""

    key: str
    label: str
    points: np.ndarray


class SurfaceController(QObject):
    """Observes a :class:`~simulator.app.model.LabModel`; computes what the views draw."""

    surfaceChanged = Signal()
    pointChanged = Signal()
    pathChanged = Signal()
    compareChanged = Signal()
    settingsChanged = Signal()
    statusChanged = Signal(str)
    busyChanged = Signal(bool)
    compareBusyChanged = Signal(bool)

    def __init__(self, model: LabModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        # settings
        self.axes: tuple[str, str] | None = None
        self._axis_keys: tuple[tuple[object, ...], tuple[object, ...]] | None = None
        self.random = False
        self.seed = 0
        self.manual_span: float | None = None  # None: automatic range
        self.resolution = DEFAULT_RESOLUTION
        self.compare_steps = DEFAULT_COMPARE_STEPS
        # slice state
        self.frame: Frame | None = None
        self._epoch = 0
        self._generation = 0
        self._drawn: SliceResult | None = None
        self._last_spec: SliceSpec | None = None
        self._ranges: tuple[tuple[float, float], tuple[float, float]] | None = None
        self._dirty = False
        self._urgent = False
        self._first_dirty: float | None = None
        self._last_submit = -math.inf
        self._running = False
        self._cancel = CancelFlag()
        self._seconds_per_point: float | None = None
        # counters, for tests and the benchmark
        self.jobs_started = 0
        self.results_accepted = 0
        # point, path, comparison
        self._point: PointView | None = None
        self._path_its: list[int] = []
        self._path_params: list[np.ndarray] = []
        self._stepper_ref: object | None = None
        self._last_history = -math.inf
        self._compare: dict[str, np.ndarray] = {}
        self._compare_epoch = 0
        self._compare_running = False
        self._compare_cancel = CancelFlag()
        self._zcache: dict[str, dict[int, float]] = {}
        self._zcache_centre: np.ndarray | None = None
        self.status = ""
        self._notes: dict[str, str] = {}
        self._closed = False

        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = JobSignals(self)
        self._signals.sliceResult.connect(self._on_slice_result)
        self._signals.compareResult.connect(self._on_compare_result)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer)

        model.structureChanged.connect(self._on_structure_changed)
        model.valuesChanged.connect(self._on_values_changed)
        model.historyChanged.connect(self._on_history_changed)
        self._on_structure_changed()

    # --- settings --------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        """The parameter names that can be axes."""
        return list(self.model.document.network.names)

    def set_axes(self, x: str, y: str) -> None:
        """Use parameters ``x`` and ``y`` as the axes (leaves random-directions mode)."""
        net = self.model.document.network
        engine_surface.check_axes(net, (x, y))
        if (x, y) == self.axes and not self.random:
            return
        self.axes = (x, y)
        self.random = False
        self._new_frame()

    def set_random(self, on: bool, seed: int | None = None) -> None:
        """Switch random-directions mode on or off (optionally with a new seed)."""
        changed = bool(on) != self.random or (seed is not None and seed != self.seed)
        if seed is not None:
            self.seed = int(seed)
        self.random = bool(on)
        if changed:
            self._new_frame()

    def set_seed(self, seed: int) -> None:
        """The seed of the random directions."""
        if int(seed) != self.seed:
            self.seed = int(seed)
            if self.random:
                self._new_frame()
            else:
                self.settingsChanged.emit()

    def set_span(self, span: float | None) -> None:
        """A manual half-width of the range around the current values (None: automatic)."""
        if span is not None:
            span = float(span)
            if not (math.isfinite(span) and span > 0):
                raise engine_surface.SurfaceError("the span must be greater than 0")
        if span != self.manual_span:
            self.manual_span = span
            self._new_slice_settings()

    def set_resolution(self, n: int) -> None:
        """Grid points per side (2 .. 1001; default 101)."""
        n = engine_surface.check_resolution(int(n))
        if n != self.resolution:
            self.resolution = n
            self._new_slice_settings()

    @property
    def span_in_use(self) -> tuple[float, float] | None:
        """The half-widths of the range now requested (x, y), for the span box."""
        if self._ranges is None:
            return None
        (x0, x1), (y0, y1) = self._ranges
        return (x1 - x0) / 2, (y1 - y0) / 2

    # --- the comparison of optimizers --------------------------------------------------------

    @property
    def compare_running(self) -> bool:
        """Whether a comparison is being computed."""
        return self._compare_running

    @property
    def compare_paths(self) -> dict[str, np.ndarray]:
        """Per optimizer, the parameters before and after each step (steps + 1, P)."""
        return dict(self._compare)

    def start_compare(self, steps: int | None = None) -> bool:
        """Run GD, SGD, momentum and Adam from the current parameters for ``steps`` steps in
        the background. Returns False if one is already running."""
        if self._closed or self._compare_running:
            return False
        if steps is not None:
            self.compare_steps = int(steps)
        doc = self.model.document
        spec = self._display_spec()
        job = CompareJob(self._compare_epoch, self.model.network, doc.data.inputs,
                         doc.data.targets, doc.loss, self.model.config, self.compare_steps,
                         spec, self._compare_cancel)
        self._note("compare", "")
        self._compare_running = True
        self.compareBusyChanged.emit(True)
        self._pool.start(CompareRunnable(job, self._signals))
        return True

    def clear_compare(self) -> None:
        """Forget the comparison's paths."""
        if self._compare:
            self._compare = {}
            for key in OPTIMIZER_LABELS:
                self._zcache.pop(key, None)
            self.compareChanged.emit()

    # --- what the views draw ---------------------------------------------------------------

    @property
    def drawn(self) -> SliceResult | None:
        """The result whose grid is drawn (None before the first one arrives)."""
        return self._drawn

    @property
    def busy(self) -> bool:
        """Whether a grid is being computed or waiting to be."""
        return self._running or self._dirty

    @property
    def training_active(self) -> bool:
        """Whether training moved on in the last half second (and nothing was edited
        since)."""
        return time.monotonic() - self._last_history < TRAINING_WINDOW_S

    @property
    def path_params(self) -> np.ndarray:
        """The training path so far: the parameters at each completed iteration (T, P)."""
        if not self._path_params:
            return np.zeros((0, self.model.params.size))
        return np.array(self._path_params)

    @property
    def path_iterations(self) -> list[int]:
        """The completed-iteration count of each point of :attr:`path_params`."""
        return list(self._path_its)

    def z_label(self) -> str:
        """What the height is: ``E (loss name)``."""
        return f"E ({self.model.document.loss})"

    def grid_view(self) -> GridView | None:
        """The drawn grid, or None before the first result."""
        result = self._drawn
        if result is None or result.z is None or self.frame is None:
            return None
        spec = result.spec
        return GridView(spec.xs, spec.ys, result.z, spec.frame.labels, self.z_label(),
                        result.coarse, spec.frame.kind)

    def point_view(self) -> PointView | None:
        """The current point and the gradient arrow (None without a frame)."""
        return self._point

    def path_views(self) -> list[PathView]:
        """The training path and the comparison's paths, placed on the drawn slice."""
        if self.frame is None or self._closed:
            return []
        views: list[PathView] = []
        if self._path_params:
            idx = subsample(len(self._path_params), MAX_PATH_POINTS)
            keys = np.asarray(self._path_its)[idx]
            rows = np.array([self._path_params[k] for k in idx])
            views.append(PathView(TRAINING_PATH, "training path",
                                  self._place(TRAINING_PATH, keys, rows)))
        for name, rows in self._compare.items():
            keys = np.arange(rows.shape[0])
            label = f"{OPTIMIZER_LABELS.get(name, name)} ({rows.shape[0] - 1} steps)"
            views.append(PathView(name, label, self._place(name, keys, rows)))
        return views

    # --- model signals ---------------------------------------------------------------------

    def _on_structure_changed(self) -> None:
        if self._closed:
            return
        net = self.model.document.network
        # Names are positional (adding a neuron renumbers the weights): follow each axis by
        # what it connects; fall back to the default axes when one is gone.
        axes = None
        if self._axis_keys is not None:
            by_key = {_param_key(info): info.name for info in net.infos}
            found = tuple(by_key.get(k) for k in self._axis_keys)
            if all(found) and found[0] != found[1]:
                axes = (str(found[0]), str(found[1]))
        if axes is None:
            try:
                axes = engine_surface.default_axes(net)
            except engine_surface.SurfaceError as exc:
                self._note("frame", str(exc))
        self.axes = axes
        self._compare_cancel.set()
        self._compare_cancel = CancelFlag()
        self._compare_epoch += 1
        self._compare = {}
        self._stepper_ref = None
        self._sync_path()
        self._new_frame()
        self.compareChanged.emit()

    def _on_values_changed(self) -> None:
        if self._closed:
            return
        path_changed = self._sync_path()
        self._update_point()
        self._check_slice()
        if path_changed:
            self.pathChanged.emit()

    def _on_history_changed(self) -> None:
        if self._closed:
            return
        if self._sync_path():
            self.pathChanged.emit()

    # --- the frame and the slice -------------------------------------------------------------

    def _new_frame(self) -> None:
        """The axes, the mode, the seed or the structure changed: a new frame."""
        net = self.model.network
        self.frame = None
        note = ""
        try:
            if self.random:
                d1, d2 = engine_surface.random_directions(net, self.seed)
                self.frame = Frame(DIRECTIONS, DIRECTION_LABELS, None, (d1, d2), self.seed)
                if not (d1.any() and d2.any()):
                    note = ("A random direction is zero (its weights are all 0), so the "
                            "surface does not change along it.")
            elif self.axes is not None:
                x, y = self.axes
                self.frame = Frame(AXES, (x, y), (net.index_of[x], net.index_of[y]))
            if self.axes is not None:
                self._axis_keys = (_param_key(net.info(self.axes[0])),
                                   _param_key(net.info(self.axes[1])))
            elif not self._notes.get("frame"):
                note = "The network needs at least two parameters for a surface."
        except ValueError as exc:
            note = str(exc)
        if self.frame is not None or note:
            self._note("frame", note)
        self._new_slice_settings(emit_settings=True)

    def _new_slice_settings(self, emit_settings: bool = True) -> None:
        """The frame, the range settings or the resolution changed: earlier results no
        longer fit; start again."""
        self._epoch += 1
        self._cancel.set()
        self._cancel = CancelFlag()
        self._drawn = None
        self._last_spec = None
        self._ranges = None
        self._zcache = {}
        self._zcache_centre = None
        self._note("compute", "")
        self._update_point()
        if emit_settings:
            self.settingsChanged.emit()
        self.surfaceChanged.emit()
        self.pathChanged.emit()
        self.compareChanged.emit()
        if self.frame is not None:
            self._request(urgent=True)

    def _check_slice(self) -> None:
        """After a change of values: recompute if the slice changed or the point left it."""
        if self.frame is None:
            return
        spec = self._last_spec
        params = self.model.params
        if spec is None or spec.centre.size != params.size:
            self._request()
            return
        if not self.frame.same_slice(params, spec.centre):
            self._request()
            return
        u, v = self.frame.coords(params, spec.centre)[0]
        if not (spec.xs[0] <= u <= spec.xs[-1] and spec.ys[0] <= v <= spec.ys[-1]):
            self._request()

    def _ranges_for(self, params: np.ndarray) -> tuple[tuple[float, float],
                                                        tuple[float, float]]:
        """The grid's ranges for a job at ``params``: kept while the point stays inside,
        recentred (per axis) when it leaves. Automatic ranges also take in the training path
        and the comparison's paths, so that they are drawn whole."""
        frame = self.frame
        assert frame is not None
        span = self.manual_span
        covered = self._path_extent(params) if span is None else None
        if frame.kind == DIRECTIONS:
            s = engine_surface.DEFAULT_DIRECTION_SPAN if span is None else span
            if covered is not None:
                (a0, a1), (b0, b1) = covered
                s = max(s, abs(a0), abs(a1), abs(b0), abs(b1))
            return engine_surface.auto_range(0.0, s), engine_surface.auto_range(0.0, s)
        assert frame.indices is not None
        point = (float(params[frame.indices[0]]), float(params[frame.indices[1]]))
        old = self._ranges
        ranges = []
        for k in range(2):
            value = point[k]
            if old is not None and old[k][0] <= value <= old[k][1]:
                ranges.append(old[k])
                continue
            lo, hi = engine_surface.auto_range(value, span)
            if covered is not None:
                lo, hi = min(lo, covered[k][0]), max(hi, covered[k][1])
            ranges.append((lo, hi))
        return ranges[0], ranges[1]

    def _path_extent(self, params: np.ndarray) -> tuple[tuple[float, float],
                                                         tuple[float, float]] | None:
        """The extent (with a 5% margin) of the training path and the comparison's paths on
        a slice through ``params`` (None when there are no finite points)."""
        frame = self.frame
        assert frame is not None
        rows = list(self._path_params) + [r for rows in self._compare.values() for r in rows]
        if not rows:
            return None
        uv = frame.coords(np.array(rows), params)
        uv = uv[np.isfinite(uv).all(axis=1)]
        if uv.size == 0:
            return None
        lo, hi = uv.min(axis=0), uv.max(axis=0)
        pad = 0.05 * np.maximum(hi - lo, 1e-12)
        return ((float(lo[0] - pad[0]), float(hi[0] + pad[0])),
                (float(lo[1] - pad[1]), float(hi[1] + pad[1])))

    def _paths_inside(self) -> bool:
        """Whether the paths lie inside the requested ranges (automatic ranges only)."""
        spec = self._last_spec
        if self.manual_span is not None or spec is None or self.frame is None:
            return True
        extent = self._path_extent(spec.centre)
        if extent is None:
            return True
        (x0, x1), (y0, y1) = extent
        return (spec.xs[0] <= x0 and x1 <= spec.xs[-1] and spec.ys[0] <= y0
                and y1 <= spec.ys[-1])

    # --- background jobs -----------------------------------------------------------------------

    def _request(self, urgent: bool = False) -> None:
        """Ask for a recompute: debounced, coalesced with any pending one."""
        if self._closed:
            return
        now = time.monotonic()
        if not self._dirty:
            self._first_dirty = now
            if not self._running:
                self.busyChanged.emit(True)
        self._dirty = True
        self._urgent = self._urgent or urgent
        if self._urgent:
            delay = 0
        else:
            waited = (now - (self._first_dirty or now)) * 1000
            delay = int(max(0, min(DEBOUNCE_MS, MAX_WAIT_MS - waited)))
        self._timer.start(delay)

    def _on_timer(self) -> None:
        if self._closed or not self._dirty or self._running:
            return  # a running job's end submits the pending request
        wait = MIN_INTERVAL_S - (time.monotonic() - self._last_submit)
        if not self._urgent and wait > 0:
            self._timer.start(int(wait * 1000) + 1)
            return
        self._submit()

    def _submit(self) -> None:
        self._dirty = False
        self._urgent = False
        self._first_dirty = None
        frame = self.frame
        if frame is None:
            self.busyChanged.emit(False)
            return
        doc = self.model.document
        net = self.model.network
        params = net.params
        try:
            self._ranges = self._ranges_for(params)
        except engine_surface.SurfaceError as exc:
            self._note("compute", str(exc))
            self.busyChanged.emit(False)
            return
        (x0, x1), (y0, y1) = self._ranges
        spec = SliceSpec(frame, params.copy(), np.linspace(x0, x1, self.resolution),
                         np.linspace(y0, y1, self.resolution))
        point_sets: dict[str, PointSet] = {}
        if self._path_params:
            idx = subsample(len(self._path_params), MAX_PATH_POINTS)
            point_sets[TRAINING_PATH] = PointSet(np.asarray(self._path_its)[idx],
                                                 np.array([self._path_params[k] for k in idx]))
        for name, rows in self._compare.items():
            point_sets[name] = PointSet(np.arange(rows.shape[0]), rows)
        estimate = None if self._seconds_per_point is None else \
            self._seconds_per_point * self.resolution ** 2
        self._generation += 1
        job = SliceJob(self._generation, self._epoch, spec, net, doc.data.inputs,
                       doc.data.targets, doc.loss, point_sets,
                       coarse_first=estimate is None or estimate > COARSE_ABOVE_SECONDS,
                       cancel=self._cancel)
        self._last_spec = spec
        self._last_submit = time.monotonic()
        self._running = True
        self.jobs_started += 1
        self._pool.start(SliceRunnable(job, self._signals))

    def _on_slice_result(self, result: SliceResult) -> None:
        if self._closed:
            return
        if result.final:
            self._running = False
        if result.epoch == self._epoch and not result.cancelled:
            if result.error:
                self._note("compute", f"The surface could not be computed: {result.error}")
            elif result.z is not None and (self._drawn is None
                                           or result.order > self._drawn.order):
                self._accept(result)
        if result.final:
            if self._dirty:
                self._on_timer()
            elif not self._running:
                self.busyChanged.emit(False)

    def _accept(self, result: SliceResult) -> None:
        self._drawn = result
        self.results_accepted += 1
        if not result.coarse and result.points_computed:
            self._seconds_per_point = result.seconds / result.points_computed
        self._note("compute", "")
        self._zcache = {name: dict(zip(np.asarray(keys).tolist(), np.asarray(z).tolist(),
                                                 strict=True))
                        for name, (keys, z) in result.point_z.items()}
        self._zcache_centre = result.spec.centre
        self._update_point(emit=False)
        self.surfaceChanged.emit()
        self.pointChanged.emit()
        self.pathChanged.emit()
        if self._compare:
            self.compareChanged.emit()

    def _on_compare_result(self, result: CompareResult) -> None:
        if self._closed:
            return
        self._compare_running = False
        self.compareBusyChanged.emit(False)
        if result.cancelled or result.epoch != self._compare_epoch:
            return
        if result.error:
            self._note("compare", f"The comparison failed: {result.error}")
            return
        self._compare = dict(result.paths)
        for name in OPTIMIZER_LABELS:
            self._zcache.pop(name, None)
        if result.spec is not None and result.spec.centre is self._zcache_centre:
            for name, (keys, z) in result.point_z.items():
                self._zcache[name] = dict(zip(np.asarray(keys).tolist(),
                                              np.asarray(z).tolist(), strict=True))
        if not self._paths_inside():  # widen the automatic range to show them whole
            self._ranges = None
            self._request(urgent=True)
        short = [OPTIMIZER_LABELS.get(n, n) for n, rows in self._compare.items()
                 if rows.shape[0] - 1 < self.compare_steps]
        if short:
            self._note("compare", f"Diverged early (stopped at the last finite state): "
                                  f"{', '.join(short)}.")
        self.compareChanged.emit()

    # --- point and path ----------------------------------------------------------------------

    def _display_spec(self) -> SliceSpec | None:
        """The slice the drawn picture belongs to (the requested one before any arrives)."""
        if self._drawn is not None:
            return self._drawn.spec
        return self._last_spec

    def _display_centre(self) -> np.ndarray:
        spec = self._display_spec()
        params = self.model.params
        if spec is not None and spec.centre.size == params.size:
            return spec.centre
        return params

    def _update_point(self, emit: bool = True) -> None:
        frame = self.frame
        if frame is None or self._closed:
            self._point = None
            if emit:
                self.pointChanged.emit()
            return
        doc = self.model.document
        net = self.model.network
        centre = self._display_centre()
        with np.errstate(all="ignore"):
            bp = backward(net, doc.data.inputs, doc.data.targets, doc.loss)
        loss = float(bp.loss) if math.isfinite(bp.loss) else math.inf
        u, v = (float(c) for c in frame.coords(net.params, centre)[0])
        gu, gv = frame.gradient(np.asarray(bp.grad))
        texts = (f"{frame.labels[0]} = {format_number(u, LABEL_DIGITS)}", f"{frame.labels[1]} = "
                 f"{format_number(v, LABEL_DIGITS)}")
        arrow = self._arrow(u, v, loss, gu, gv)
        self._point = PointView(u, v, loss, frame.labels, texts, arrow, (gu, gv))
        if emit:
            self.pointChanged.emit()

    def _arrow(self, u: float, v: float, z: float, gu: float, gv: float) -> np.ndarray | None:
        """The negative gradient from (u, v): a polyline whose height follows the drawn
        surface, starting at the point's height."""
        if not (math.isfinite(gu) and math.isfinite(gv)) or (gu == 0 and gv == 0):
            return None
        spec = self._display_spec()
        if spec is not None:
            wx = float(spec.xs[-1] - spec.xs[0])
            wy = float(spec.ys[-1] - spec.ys[0])
        else:
            wx = wy = 2.0
        scale = math.hypot(gu / wx, gv / wy)
        if scale == 0 or not math.isfinite(scale):
            return None
        t = ARROW_FRACTION / scale
        s = np.linspace(0.0, 1.0, ARROW_SAMPLES)
        us, vs = u - t * gu * s, v - t * gv * s
        if self._drawn is not None and self._drawn.z is not None and math.isfinite(z):
            sp = self._drawn.spec
            zs = bilinear(sp.xs, sp.ys, self._drawn.z, us, vs)
            zs = zs + (z - zs[0])
        else:
            zs = np.full(ARROW_SAMPLES, z)
        return np.column_stack([us, vs, zs])

    def _place(self, name: str, keys: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """(N, 3): a path's coordinates on the drawn slice and the loss there (cached per
        drawn result; missing heights are computed here, one forward pass each)."""
        frame = self.frame
        assert frame is not None
        centre = self._display_centre()
        if self._zcache_centre is not centre:
            self._zcache = {}
            self._zcache_centre = centre
        uv = frame.coords(rows, centre)
        cache = self._zcache.setdefault(name, {})
        keys_list = np.asarray(keys).tolist()
        missing = [k for k, key in enumerate(keys_list) if key not in cache]
        if missing:
            doc = self.model.document
            pts = frame.points(uv[missing], centre)
            zs = losses_at(self.model.document.network, doc.data.inputs, doc.data.targets,
                           doc.loss, pts)
            for k, zv in zip(missing, zs.tolist(), strict=True):
                cache[keys_list[k]] = zv
        z = np.array([cache[key] for key in keys_list])
        return np.column_stack([uv, z])

    def _sync_path(self) -> bool:
        """Bring the training path up to the stepper: rebuilt for a new stepper (an edit, an
        undo, a new document), else truncated (a step back) or extended (from the stepper's
        checkpoints). Returns whether it changed."""
        stepper = self.model.stepper
        n = stepper.completed_iterations
        current = self.model.params
        if stepper is not self._stepper_ref:  # an edit, an undo, a new document
            first = self._stepper_ref is None
            self._stepper_ref = stepper
            self._last_history = -math.inf  # not training: redraw the point at once
            self._path_its, self._path_params = [], []
            self._extend_path(stepper, 0, n)
            self._append(n, current)
            self._zcache.pop(TRAINING_PATH, None)
            if not first and self._compare:
                self._compare_epoch += 1
                self._compare_cancel.set()
                self._compare_cancel = CancelFlag()
                self.clear_compare()
            return True
        last = self._path_its[-1] if self._path_its else -1
        if n < last:
            keep = int(np.searchsorted(np.asarray(self._path_its), n, side="right"))
            del self._path_its[keep:], self._path_params[keep:]
            if not self._path_its or self._path_its[-1] != n:
                self._append(n, current)
            self._forget_z_after(n)
            return True
        if n == last:
            if np.array_equal(self._path_params[-1], current):
                return False
            self._path_params[-1] = current.copy()
            self._forget_z_after(n - 1)
            return True
        self._extend_path(stepper, last + 1, n)
        self._append(n, current)
        self._last_history = time.monotonic()  # training: the views throttle their redraws
        return True

    def _append(self, iteration: int, params: np.ndarray) -> None:
        self._path_its.append(int(iteration))
        self._path_params.append(np.array(params, dtype=np.float64))
        if len(self._path_its) > MAX_STORED_PATH:  # thin the older half (keep the start)
            half = len(self._path_its) // 2
            keep = [0] + list(range(2, half, 2)) + list(range(half, len(self._path_its)))
            self._path_its = [self._path_its[k] for k in keep]
            self._path_params = [self._path_params[k] for k in keep]

    def _extend_path(self, stepper: Stepper, first: int, stop: int) -> None:
        """Append the states of iterations first .. stop - 1 (at most 5000 of them, evenly
        spread, for a long jump) from the stepper's checkpoints. A state a few steps past
        the nearest checkpoint (a run started in the middle of an iteration records from the
        next one) is recomputed from it with the deterministic trainer, on copies."""
        if stop <= first:
            return
        history = stepper.history
        for i in np.unique(np.linspace(first, stop - 1, min(stop - first, 5000)).astype(int)):
            state = history.nearest(int(i))
            if state is None or i - state.iteration > MAX_RECOMPUTED_STEPS:
                continue
            while state.iteration < i:
                state = stepper.trainer.step(state, keep=True).after
            self._append(int(i), state.params)

    def _forget_z_after(self, iteration: int) -> None:
        cache = self._zcache.get(TRAINING_PATH)
        if cache:
            for key in [k for k in cache if k > iteration]:
                del cache[key]

    # --- status and shutdown -----------------------------------------------------------------

    def _note(self, key: str, text: str) -> None:
        """Set one part of the status line ("frame", "compute" or "compare")."""
        self._notes[key] = text
        status = " ".join(t for k in ("frame", "compute", "compare")
                          if (t := self._notes.get(k)))
        if status != self.status:
            self.status = status
            self.statusChanged.emit(status)

    def shutdown(self) -> None:
        """Stop: disconnect from the model, cancel and wait for the background jobs (so no
        result arrives for an object that is gone). Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._timer.stop()
        self._cancel.set()
        self._compare_cancel.set()
        for signal, slot in ((self.model.structureChanged, self._on_structure_changed),
                             (self.model.valuesChanged, self._on_values_changed),
                             (self.model.historyChanged, self._on_history_changed)):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):  # already gone with the model
                pass
        self._pool.clear()
        self._pool.waitForDone(30_000)

    @property
    def closed(self) -> bool:
        """Whether :meth:`shutdown` has run."""
        return self._closed


def _param_key(info: ParamInfo) -> tuple[object, ...]:
    """What a parameter connects (its name is only its position in the lesson's order)."""
    return info.kind, info.layer, info.target, info.source
