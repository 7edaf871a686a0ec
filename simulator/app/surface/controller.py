"""The surface view's controller: it observes the LabModel and says what to draw.

It owns no engine state and changes none. What the user chose (axes, random directions and
seed, span, resolution...) is a :class:`~.state.SurfaceState`; from it and the model's
signals the controller keeps

- the *frame* (two named axes, or two random directions from a seed) and the slice being
  drawn: its grid is computed in the background by :class:`~.jobs.GridJobs` (coalescing
  bursts of changes, coarse first when the full grid would take long, dropping stale
  results);
- the current point (the current parameters' coordinates and loss) and the negative
  gradient there, updated at once on every change;
- the training path so far (:class:`~.path.TrainingPath`), and the paths of an optimizer
  comparison (:class:`~.jobs.CompareJobs`), with their heights on the drawn slice
  (:class:`~.path.SliceHeights`).

When only the two axis parameters move (an edit of w5 while the axes are w5 and w6, or a
training step in a frozen-elsewhere network) the slice is unchanged and nothing is
recomputed; the range is kept unless the point leaves it (then it is recentred). Any other
change of the parameters, the data, the loss or the structure changes the slice and it is
recomputed. In random-directions mode the plane passes through the current parameters, so
every change of them recomputes it.

The automatic range is chosen around what moves: the current point, where
:data:`LOOKAHEAD_STEPS` more steps of gradient descent at the current learning rate would
take it, the training path so far and every compared optimizer's path, with a margin
(:meth:`SurfaceController.auto_ranges`). At a small learning rate that is a small piece of
the surface, so that the path is drawn large enough to see; the range is kept while all
of it stays inside and is not far too wide (after a reset), and chosen again otherwise.

Views read :meth:`grid_view`, :meth:`point_view` and :meth:`path_views` when told by
``surfaceChanged``, ``pointChanged``, ``pathChanged`` and ``compareChanged``.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

import numpy as np
from PySide6.QtCore import QObject, QThreadPool, Signal

from ...engine import surface as engine_surface
from ...engine.network import ParamInfo
from ...engine.numbers import format_number
from ...engine.optimizers import OPTIMIZER_LABELS
from ...engine.surface import (
    DIRECTIONS,
    CompareJob,
    CompareResult,
    Frame,
    PointSet,
    Range,
    SliceJob,
    SliceResult,
    SliceSpec,
    bilinear,
    losses_at,
)
from ..model import LabModel
from .display import GridView, PathView, PointView
from .jobs import CompareJobs, GridJobs, JobTicket
from .path import TRAINING_PATH, SliceHeights, TrainingPath
from .state import SurfaceState

TRAINING_WINDOW_S = 0.5  # "training" = an iteration completed this recently
MAX_PATH_POINTS = 500  # a longer path is drawn through this many evenly spread iterations
ARROW_FRACTION = 0.18  # the gradient arrow's length, as a share of the range
ARROW_SAMPLES = 16
LABEL_DIGITS = 4  # significant digits of the current values in the axis labels
#: The automatic range takes in where this many more gradient-descent steps would go...
LOOKAHEAD_STEPS = 100
#: ...with this much room around what it takes in (a share of its extent)...
AUTO_MARGIN = 0.18
#: ...and at least this half-width (a share of max(1, |value|)) when nothing moves.
MIN_HALF_WIDTH = 0.01
#: A kept range is chosen again when it is this many times wider than needed.
TOO_WIDE = 4.0

#: The fields whose change makes a new frame (a new seed only in random-directions mode).
FRAME_FIELDS = frozenset({"axes", "random"})
#: The fields whose change keeps the frame but needs another grid.
GRID_FIELDS = frozenset({"span", "resolution"})


class SurfaceController(QObject):
    """Observes a :class:`~simulator.app.model.LabModel`; computes what the views draw.

    ``state`` holds the user's choices (a saved one may be given); change it directly or
    through the ``set_*`` methods, which also check the choice against the network.
    """

    surfaceChanged = Signal()
    pointChanged = Signal()
    pathChanged = Signal()
    compareChanged = Signal()
    frameChanged = Signal()  # other axes or directions, or other parameter names
    statusChanged = Signal(str)
    busyChanged = Signal(bool)
    compareBusyChanged = Signal(bool)

    def __init__(self, model: LabModel, parent: QObject | None = None,
                 state: SurfaceState | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.state = state if state is not None else SurfaceState()
        self.frame: Frame | None = None
        self._axis_keys: tuple[tuple[object, ...], tuple[object, ...]] | None = None
        self._drawn: SliceResult | None = None
        self._last_spec: SliceSpec | None = None  # the slice last asked for
        self._ranges: tuple[Range, Range] | None = None
        self._point: PointView | None = None
        self.path = TrainingPath()
        self._heights = SliceHeights()
        self._compare: dict[str, np.ndarray] = {}
        self.status = ""
        self._notes: dict[str, str] = {}
        self._own_change = False
        self._closed = False

        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self.jobs = GridJobs(self._pool, self._build_job, self)
        self.jobs.resultReady.connect(self._on_slice_result)
        self.jobs.busyChanged.connect(self.busyChanged)
        self.comparison = CompareJobs(self._pool, self)
        self.comparison.resultReady.connect(self._on_compare_result)
        self.comparison.busyChanged.connect(self.compareBusyChanged)

        self.state.connect(self._on_state_changed)
        model.structureChanged.connect(self._on_structure_changed)
        model.valuesChanged.connect(self._on_values_changed)
        model.historyChanged.connect(self._on_history_changed)
        # The weight penalty is part of the loss drawn (issue 12): a new one, a new surface.
        self._penalty = model.config.penalty
        model.trainingConfigChanged.connect(self._on_training_config_changed)
        self._on_structure_changed()

    # --- settings --------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        """The parameter names that can be axes."""
        return list(self.model.document.network.names)

    @property
    def axes(self) -> tuple[str, str] | None:
        """The two parameters on x and y (kept while random directions are shown)."""
        return self.state.axes

    def set_axes(self, x: str, y: str) -> None:
        """Use parameters ``x`` and ``y`` as the axes (leaves random-directions mode)."""
        engine_surface.check_axes(self.model.document.network, (x, y))
        with self.state.batch():
            self.state.axes = (x, y)
            self.state.random = False

    def set_random(self, on: bool, seed: int | None = None) -> None:
        """Switch random-directions mode on or off (optionally with a new seed)."""
        with self.state.batch():
            if seed is not None:
                self.state.seed = int(seed)
            self.state.random = bool(on)

    def set_seed(self, seed: int) -> None:
        """The seed of the random directions."""
        self.state.seed = int(seed)

    def set_span(self, span: float | None) -> None:
        """A manual half-width of the range around the current values (None: automatic)."""
        self.state.span = span

    def set_resolution(self, n: int) -> None:
        """Grid points per side (see :data:`~.state.RESOLUTION_LIMITS`; default 101)."""
        self.state.resolution = int(n)

    def _on_state_changed(self, changed: frozenset[str]) -> None:
        if self._closed or self._own_change:
            return
        if changed & FRAME_FIELDS or ("seed" in changed and self.state.random):
            self._new_frame()
        elif changed & GRID_FIELDS:
            self._new_slice_settings()

    @contextlib.contextmanager
    def _applying(self) -> Iterator[None]:
        """The controller changes the state itself and takes care of the consequences."""
        self._own_change = True
        try:
            yield
        finally:
            self._own_change = False

    # --- the comparison of optimizers --------------------------------------------------------

    @property
    def compare_running(self) -> bool:
        """Whether a comparison is being computed."""
        return self.comparison.running

    @property
    def compare_paths(self) -> dict[str, np.ndarray]:
        """Per optimizer, the parameters before and after each step (steps + 1, P)."""
        return dict(self._compare)

    def start_compare(self, steps: int | None = None) -> bool:
        """Run GD, SGD, momentum and Adam from the current parameters for ``steps`` steps in
        the background. Returns False if one is already running."""
        if self._closed or self.comparison.running:
            return False
        if steps is not None:
            self.state.compare_steps = int(steps)
        doc = self.model.document
        network, config = self.model.network, self.model.config
        steps_now, spec = self.state.compare_steps, self._display_spec()

        def build(ticket: JobTicket) -> CompareJob:
            return CompareJob(ticket.epoch, network, doc.data.inputs, doc.data.targets,
                              doc.loss, config, steps_now, spec, ticket.cancel)

        self._note("compare", "")
        return self.comparison.start(build)

    def clear_compare(self) -> None:
        """Forget the comparison's paths."""
        if self._compare:
            self._compare = {}
            for key in OPTIMIZER_LABELS:
                self._heights.forget(key)
            self.compareChanged.emit()

    def _drop_compare(self) -> None:
        """Cancel a running comparison and forget the paths (the start is gone)."""
        self.comparison.cancel()
        self.clear_compare()

    # --- what the views draw ---------------------------------------------------------------

    @property
    def drawn(self) -> SliceResult | None:
        """The result whose grid is drawn (None before the first one arrives)."""
        return self._drawn

    @property
    def busy(self) -> bool:
        """Whether a grid is being computed or waiting to be."""
        return self.jobs.busy

    @property
    def training_active(self) -> bool:
        """Whether training moved on in the last half second (and nothing was edited
        since)."""
        return self.path.advanced_within(TRAINING_WINDOW_S)

    @property
    def path_params(self) -> np.ndarray:
        """The training path so far: the parameters at each completed iteration (T, P)."""
        return self.path.rows(self.model.params.size)

    @property
    def path_iterations(self) -> list[int]:
        """The completed-iteration count of each point of :attr:`path_params`."""
        return list(self.path.iterations)

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
        if len(self.path):
            points = self.path.sample(MAX_PATH_POINTS)
            views.append(PathView(TRAINING_PATH, "training path",
                                  self._place(TRAINING_PATH, points)))
        for name, rows in self._compare.items():
            label = f"{OPTIMIZER_LABELS.get(name, name)} ({rows.shape[0] - 1} steps)"
            views.append(PathView(name, label,
                                  self._place(name, PointSet(np.arange(rows.shape[0]), rows))))
        return views

    # --- model signals ---------------------------------------------------------------------

    def _on_structure_changed(self) -> None:
        if self._closed:
            return
        axes = self._follow_axes()
        with self._applying():
            self.state.axes = axes
        self.comparison.cancel()
        self._compare = {}
        self.path.forget_stepper()
        self._sync_path()
        self._new_frame()
        self.compareChanged.emit()

    def _follow_axes(self) -> tuple[str, str] | None:
        """The axes for the network now. Names are positional (adding a neuron renumbers
        the weights): each axis is followed by what it connects; the chosen axes are kept
        when they exist (a restored state); else the default axes (None and a note when
        there are none)."""
        net = self.model.document.network
        if self._axis_keys is not None:
            by_key = {_param_key(info): info.name for info in net.infos}
            found = tuple(by_key.get(k) for k in self._axis_keys)
            if found[0] and found[1] and found[0] != found[1]:
                return str(found[0]), str(found[1])
        elif self.state.axes is not None:
            with contextlib.suppress(engine_surface.SurfaceError):
                return engine_surface.check_axes(net, self.state.axes)
        try:
            return engine_surface.default_axes(net)
        except engine_surface.SurfaceError as exc:
            self._note("frame", str(exc))
            return None

    def _on_values_changed(self) -> None:
        if self._closed:
            return
        path_changed = self._sync_path()
        self._update_point()
        self._check_slice()
        if path_changed:
            self.pathChanged.emit()

    def _on_training_config_changed(self) -> None:
        penalty = self.model.config.penalty
        if not self._closed and penalty != self._penalty:
            self._penalty = penalty
            self._new_slice_settings()

    def _on_history_changed(self) -> None:
        if self._closed:
            return
        if self._sync_path():
            self.pathChanged.emit()

    def _sync_path(self) -> bool:
        """Bring the training path up to the stepper; returns whether it changed. A new
        stepper (an edit, an undo) also ends the comparison: its start is gone."""
        change = self.path.sync(self.model.stepper, self.model.params)
        if change.stale_after is not None:
            self._heights.forget_after(TRAINING_PATH, change.stale_after)
        if change.restarted and self._compare:
            self._drop_compare()
        return change.changed

    # --- the frame and the slice -------------------------------------------------------------

    def _new_frame(self) -> None:
        """The axes, the mode, the seed or the structure changed: a new frame."""
        net = self.model.network
        state = self.state
        self.frame = None
        note = ""
        try:
            if state.random:
                self.frame = Frame.of_directions(net, state.seed)
                assert self.frame.directions is not None
                d1, d2 = self.frame.directions
                if not (d1.any() and d2.any()):
                    note = ("A random direction is zero (its weights are all 0), so the "
                            "surface does not change along it.")
            elif state.axes is not None:
                self.frame = Frame.of_axes(net, state.axes)
            if state.axes is not None:
                self._axis_keys = (_param_key(net.info(state.axes[0])),
                                   _param_key(net.info(state.axes[1])))
            elif not self._notes.get("frame"):
                note = "The network needs at least two parameters for a surface."
        except ValueError as exc:
            note = str(exc)
        if self.frame is not None or note:
            self._note("frame", note)
        self.frameChanged.emit()
        self._new_slice_settings()

    def _new_slice_settings(self) -> None:
        """The frame, the range settings or the resolution changed: earlier results no
        longer fit; start again."""
        self.jobs.restart()
        self._drawn = None
        self._last_spec = None
        self._ranges = None
        self._heights.use_centre(None)
        self._note("compute", "")
        self._update_point()
        self.surfaceChanged.emit()
        self.pathChanged.emit()
        self.compareChanged.emit()
        if self.frame is not None:
            self.jobs.request(urgent=True)

    def _check_slice(self) -> None:
        """After a change of values: recompute if the slice changed or the point left it."""
        if self.frame is None:
            return
        spec = self._last_spec
        params = self.model.params
        if spec is None or spec.centre.size != params.size:
            self.jobs.request()
            return
        if not self.frame.same_slice(params, spec.centre):
            self.jobs.request()
            return
        u, v = self.frame.coords(params, spec.centre)[0]
        left = not (spec.xs[0] <= u <= spec.xs[-1] and spec.ys[0] <= v <= spec.ys[-1])
        if left or not self._paths_inside():  # or the paths outgrew the automatic range
            self.jobs.request()

    def _ranges_for(self, params: np.ndarray) -> tuple[Range, Range]:
        """The grid's ranges for a job at ``params``. A manual span: value +- span, kept while
        the point stays inside, recentred (per axis) when it leaves. Automatic: around what
        moves (:meth:`auto_ranges`), kept while it fits. Random directions: +-1 (or the
        span), widened to take in the paths."""
        frame = self.frame
        assert frame is not None
        span = self.state.span
        if frame.kind == DIRECTIONS:
            s = engine_surface.DEFAULT_DIRECTION_SPAN if span is None else span
            covered = self._path_extent(params) if span is None else None
            if covered is not None:
                (a0, a1), (b0, b1) = covered
                s = max(s, abs(a0), abs(a1), abs(b0), abs(b1))
            return engine_surface.auto_range(0.0, s), engine_surface.auto_range(0.0, s)
        assert frame.indices is not None
        point = (float(params[frame.indices[0]]), float(params[frame.indices[1]]))
        old = self._ranges
        if span is None:
            ideal = self.auto_ranges(params)
            if old is not None and all(_fits(old[k], ideal[k]) for k in range(2)):
                return old
            return ideal
        ranges = []
        for k in range(2):
            value = point[k]
            if old is not None and old[k][0] <= value <= old[k][1]:
                ranges.append(old[k])
                continue
            ranges.append(engine_surface.auto_range(value, span))
        return ranges[0], ranges[1]

    def auto_ranges(self, params: np.ndarray | None = None) -> tuple[Range, Range]:
        """The automatic range of each axis (parameter frames): what it must show is the
        current value, where :data:`LOOKAHEAD_STEPS` more gradient-descent steps at the
        current learning rate would take it, the training path and the compared paths;
        the range is that, with :data:`AUTO_MARGIN` of its extent on each side (at least
        :data:`MIN_HALF_WIDTH` of max(1, |value|) either way)."""
        frame = self.frame
        assert frame is not None and frame.indices is not None
        params = self.model.params if params is None else params
        values = [float(params[i]) for i in frame.indices]
        shown: list[list[float]] = [[v] for v in values]
        point = self._point
        rate = float(self.model.config.learning_rate)
        if point is not None and all(math.isfinite(g) for g in point.gradient):
            for k in range(2):
                shown[k].append(values[k] - LOOKAHEAD_STEPS * rate * point.gradient[k])
        extent = self._path_extent(params, margin=0.0)
        if extent is not None:
            for k in range(2):
                shown[k] += list(extent[k])
        ranges = []
        for k in range(2):
            lo, hi = min(shown[k]), max(shown[k])
            pad = max(AUTO_MARGIN * (hi - lo), MIN_HALF_WIDTH * max(1.0, abs(values[k])))
            ranges.append((lo - pad, hi + pad))
        return ranges[0], ranges[1]

    def _path_extent(self, params: np.ndarray, margin: float = 0.05
                     ) -> tuple[Range, Range] | None:
        """The extent (with a ``margin`` share of it on each side) of the training path and
        the comparison's paths on a slice through ``params`` (None when there are no finite
        points)."""
        frame = self.frame
        assert frame is not None
        rows = list(self.path.params) + [r for rows in self._compare.values() for r in rows]
        if not rows:
            return None
        uv = frame.coords(np.array(rows), params)
        uv = uv[np.isfinite(uv).all(axis=1)]
        if uv.size == 0:
            return None
        lo, hi = uv.min(axis=0), uv.max(axis=0)
        pad = margin * np.maximum(hi - lo, 1e-12)
        return ((float(lo[0] - pad[0]), float(hi[0] + pad[0])),
                (float(lo[1] - pad[1]), float(hi[1] + pad[1])))

    def _paths_inside(self) -> bool:
        """Whether the paths lie inside the requested ranges (automatic ranges only)."""
        spec = self._last_spec
        if self.state.span is not None or spec is None or self.frame is None:
            return True
        if self.frame.kind != DIRECTIONS:
            ideal = self.auto_ranges(spec.centre)
            return _fits(((spec.xs[0], spec.xs[-1])), ideal[0]) and _fits(
                (spec.ys[0], spec.ys[-1]), ideal[1])
        extent = self._path_extent(spec.centre)
        if extent is None:
            return True
        (x0, x1), (y0, y1) = extent
        return (spec.xs[0] <= x0 and x1 <= spec.xs[-1] and spec.ys[0] <= y0
                and y1 <= spec.ys[-1])

    # --- background jobs ---------------------------------------------------------------------

    def _build_job(self, ticket: JobTicket) -> SliceJob | None:
        """The grid job for the model's current state (None without a frame, or with a note
        when the range cannot be made)."""
        frame = self.frame
        if frame is None:
            return None
        doc = self.model.document
        net = self.model.network
        params = net.params
        try:
            self._ranges = self._ranges_for(params)
        except engine_surface.SurfaceError as exc:
            self._note("compute", str(exc))
            return None
        (x0, x1), (y0, y1) = self._ranges
        n = self.state.resolution
        spec = SliceSpec(frame, params.copy(), np.linspace(x0, x1, n), np.linspace(y0, y1, n))
        point_sets: dict[str, PointSet] = {}
        if len(self.path):
            point_sets[TRAINING_PATH] = self.path.sample(MAX_PATH_POINTS)
        for name, rows in self._compare.items():
            point_sets[name] = PointSet(np.arange(rows.shape[0]), rows)
        self._last_spec = spec
        return SliceJob(ticket.generation, ticket.epoch, spec, net, doc.data.inputs,
                        doc.data.targets, doc.loss, point_sets,
                        coarse_first=self.jobs.worth_a_coarse_pass(n * n),
                        cancel=ticket.cancel, penalty=doc.training.penalty)

    def _on_slice_result(self, result: SliceResult) -> None:
        if self._closed:
            return
        if result.error:
            self._note("compute", f"The surface could not be computed: {result.error}")
        elif result.z is not None and (self._drawn is None
                                       or result.order > self._drawn.order):
            self._accept(result)

    def _accept(self, result: SliceResult) -> None:
        self._drawn = result
        self._note("compute", "")
        self._heights.use_centre(result.spec.centre)
        self._heights.load(result.point_z)
        self._update_point(emit=False)
        self.surfaceChanged.emit()
        self.pointChanged.emit()
        self.pathChanged.emit()
        if self._compare:
            self.compareChanged.emit()

    def _on_compare_result(self, result: CompareResult) -> None:
        if self._closed:
            return
        if result.error:
            self._note("compare", f"The comparison failed: {result.error}")
            return
        self._compare = dict(result.paths)
        for name in OPTIMIZER_LABELS:
            self._heights.forget(name)
        if result.spec is not None and result.spec.centre is self._heights.centre:
            self._heights.load(result.point_z)
        if not self._paths_inside():  # widen the automatic range to show them whole
            self._ranges = None
            self.jobs.request(urgent=True)
        short = [OPTIMIZER_LABELS.get(n, n) for n, rows in self._compare.items()
                 if rows.shape[0] - 1 < self.state.compare_steps]
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
        net = self.model.network
        centre = self._display_centre()
        try:
            # The network's inputs (its input features applied) and the weight penalty:
            # the point's loss and gradient are those of the E the surface draws.
            bp = self.model.whole_data_gradient()
        except engine_surface.SurfaceError:
            self._point = None  # data that does not fit: the frame's status says why
            if emit:
                self.pointChanged.emit()
            return
        loss = float(bp.loss) if math.isfinite(bp.loss) else math.inf
        u, v = (float(c) for c in frame.coords(net.params, centre)[0])
        gu, gv = frame.gradient(np.asarray(bp.grad))
        texts = (f"{frame.labels[0]} = {format_number(u, LABEL_DIGITS)}",
                 f"{frame.labels[1]} = {format_number(v, LABEL_DIGITS)}")
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

    def _place(self, name: str, points: PointSet) -> np.ndarray:
        """(N, 3): a path's coordinates on the drawn slice and the loss there (cached per
        drawn result; missing heights are computed here, one forward pass each)."""
        frame = self.frame
        assert frame is not None
        centre = self._display_centre()
        self._heights.use_centre(centre)
        uv = frame.coords(points.params, centre)
        doc = self.model.document

        def compute(missing: list[int]) -> np.ndarray:
            return losses_at(doc.network, doc.data.inputs, doc.data.targets, doc.loss,
                             frame.points(uv[missing], centre),
                             penalty=doc.training.penalty)

        z = self._heights.heights(name, points.keys, compute)
        return np.column_stack([uv, z])

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
        """Stop: disconnect from the model and the state, cancel and wait for the background
        jobs (so no result arrives for an object that is gone). Idempotent."""
        if self._closed:
            return
        self._closed = True
        self.jobs.shutdown()
        self.comparison.shutdown()
        self.state.disconnect(self._on_state_changed)
        for signal, slot in ((self.model.structureChanged, self._on_structure_changed),
                             (self.model.valuesChanged, self._on_values_changed),
                             (self.model.historyChanged, self._on_history_changed),
                             (self.model.trainingConfigChanged,
                              self._on_training_config_changed)):
            with contextlib.suppress(RuntimeError, TypeError):  # already gone with the model
                signal.disconnect(slot)
        self._pool.clear()
        self._pool.waitForDone(30_000)

    @property
    def closed(self) -> bool:
        """Whether :meth:`shutdown` has run."""
        return self._closed


def _fits(kept: Range, needed: Range) -> bool:
    """Whether a kept range still does: it holds the needed one and is not
    :data:`TOO_WIDE` times wider."""
    return (kept[0] <= needed[0] and needed[1] <= kept[1]
            and (kept[1] - kept[0]) <= TOO_WIDE * (needed[1] - needed[0]))


def _param_key(info: ParamInfo) -> tuple[object, ...]:
    """What a parameter connects (its name is only its position in the lesson's order)."""
    return info.kind, info.layer, info.target, info.source


__all__ = ["SurfaceController"]
