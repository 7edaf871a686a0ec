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
paths can be drawn on one surface. The command line (``python -m simulator surface``) is
:mod:`simulator.cli.surface`.

The package, by job (this module re-exports the public names):

- :mod:`.spec`: what to compute (:class:`SurfaceSpec`), what came out (:class:`Surface`),
  the input checks and the automatic ranges and axes;
- :mod:`.compute`: :func:`compute`, a spec to a surface;
- :mod:`.grid`: the vectorised grid over two parameters and its plain per-point loop;
- :mod:`.directions`: random directions, their grid and loop, and paths on a plane;
- :mod:`.kernels`: activations and losses in place, blocked matrix products, scratch arrays;
- :mod:`.pool`: the thread pool the grids are spread over;
- :mod:`.compare`: the optimizer comparison;
- :mod:`.slices`: slices (a frame, a centre, a grid) and the background jobs that compute
  them for the app;
- :mod:`.display`: numbers for drawing a slice (height range, interpolation, ticks).

Non-finite values
-----------------
Far from the current values a loss may overflow. The computation runs under
``np.errstate(all="ignore")`` so this is silent, and every grid point whose loss is not a
finite number (``inf`` or ``nan``) is returned as ``+inf``: it reads as "off the top" of the
surface. :class:`Surface`'s minimum and maximum ignore such points; the command line writes
them as ``null`` (JSON) or ``inf`` (CSV).
"""

from __future__ import annotations

from .compare import compare_optimizers
from .compute import compute
from .directions import (
    axis_path,
    loss_grid_directions,
    loss_grid_directions_loop,
    project_path,
    random_directions,
)
from .display import bilinear, finite_range, nice_ticks, subsample
from .grid import loss_grid, loss_grid_loop
from .pool import worker_count
from .slices import (
    AXES,
    DIRECTION_LABELS,
    DIRECTIONS,
    CompareJob,
    CompareResult,
    Frame,
    FrameKind,
    PointHeights,
    PointSet,
    SliceJob,
    SliceResult,
    SliceSpec,
    losses_at,
    run_compare,
    run_job,
)
from .spec import (
    DEFAULT_DIRECTION_SPAN,
    DEFAULT_RESOLUTION,
    DIRECTION_AXES,
    MAX_RESOLUTION,
    MIN_RESOLUTION,
    Range,
    Surface,
    SurfaceError,
    SurfaceSpec,
    auto_range,
    check_axes,
    check_range,
    check_resolution,
    check_seed,
    default_axes,
    default_span,
    make_spec,
)

__all__ = [
    "AXES",
    "DEFAULT_DIRECTION_SPAN",
    "DEFAULT_RESOLUTION",
    "DIRECTIONS",
    "DIRECTION_AXES",
    "DIRECTION_LABELS",
    "MAX_RESOLUTION",
    "MIN_RESOLUTION",
    "CompareJob",
    "CompareResult",
    "Frame",
    "FrameKind",
    "PointHeights",
    "PointSet",
    "Range",
    "SliceJob",
    "SliceResult",
    "SliceSpec",
    "Surface",
    "SurfaceError",
    "SurfaceSpec",
    "auto_range",
    "axis_path",
    "bilinear",
    "check_axes",
    "check_range",
    "check_resolution",
    "check_seed",
    "compare_optimizers",
    "compute",
    "default_axes",
    "default_span",
    "finite_range",
    "loss_grid",
    "loss_grid_directions",
    "loss_grid_directions_loop",
    "loss_grid_loop",
    "losses_at",
    "make_spec",
    "nice_ticks",
    "project_path",
    "random_directions",
    "run_compare",
    "run_job",
    "subsample",
    "worker_count",
]
