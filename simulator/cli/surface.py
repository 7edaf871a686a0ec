"""``surface``: the loss over a grid of two parameters (JSON, CSV or a summary).

``python -m simulator surface FILE --axes P1 P2 [--grid N] [--span S | --range XMIN XMAX
YMIN YMAX] [--json | --csv OUT]``

The loss is the one training minimises: the document's input features are applied to the
data, and its weight penalty (the training settings' l1 and l2) is part of it.

Without --json or --csv, prints a short summary. --json prints
``{"axes": [P1, P2], "x": [...], "y": [...], "loss": [[...]]}`` with ``loss[i][j]`` at
P1 = x[i], P2 = y[j] and non-finite losses as null. --csv writes one row per grid point,
``P1,P2,loss`` under a header naming the two parameters (``w5,w6,loss``), x varying
slowest, non-finite losses as ``inf``; the file is replaced atomically.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from typing import TYPE_CHECKING, Any

import numpy as np

from ..engine.files import atomic_write
from ..engine.numbers import format_number
from .common import UsageError, load_document

if TYPE_CHECKING:  # the surface package is imported only when this command runs
    from ..engine.document import Document
    from ..engine.surface import Surface

DEFAULT_GRID = 101  # simulator.engine.surface.DEFAULT_RESOLUTION (checked by a test)

#: Significant digits of the summary: the range ends, and the points and losses.
RANGE_DIGITS = 6
VALUE_DIGITS = 10


def cmd_surface(args: argparse.Namespace) -> int:
    """Run ``surface``."""
    from ..engine.surface import SurfaceError

    doc = load_document(args.file)
    try:
        return run(doc, args)
    except SurfaceError as exc:
        raise UsageError(f"surface: {exc}") from None


def run(doc: Document, args: argparse.Namespace) -> int:
    """Compute the surface ``args`` ask for over ``doc`` and print or write it. Bad input
    raises :class:`~simulator.engine.surface.SurfaceError` with one line."""
    from ..engine.surface import (
        SurfaceError,
        check_axes,
        check_range,
        check_resolution,
        compute,
        make_spec,
    )

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
    penalty = doc.training.penalty
    surface = compute(net, doc.data.inputs, doc.data.targets, doc.loss, spec, penalty)
    if getattr(args, "json", False):
        payload = {"axes": list(surface.axes), "x": surface.x.tolist(),
                   "y": surface.y.tolist(), "loss": json_matrix(surface.loss)}
        sys.stdout.write(json.dumps(payload, allow_nan=False) + "\n")
    elif getattr(args, "csv", None):
        try:
            write_csv(surface, args.csv)
        except OSError as exc:
            raise SurfaceError(f"cannot write {args.csv}: {exc.strerror or exc}") from None
        print(f"wrote {surface.loss.size} grid points ({surface.x.size} x {surface.y.size}) "
              f"to {args.csv}")
    else:
        what = doc.loss
        if penalty.active:
            what += (f" + weight penalty, l1 = {format_number(penalty.l1)}, "
                     f"l2 = {format_number(penalty.l2)}")
        sys.stdout.write(summary(surface, what))
    return 0


def json_matrix(loss: np.ndarray) -> list[list[float | None]]:
    """The loss grid as nested lists for JSON, non-finite values as None (null)."""
    return [[float(v) if math.isfinite(v) else None for v in row] for row in loss.tolist()]


def summary(surface: Surface, loss_name: str = "") -> str:
    """A few lines describing a surface."""
    a, b = surface.axes

    def r(v: float) -> str:
        return format_number(v, RANGE_DIGITS)

    def v(x: float) -> str:
        return format_number(x, VALUE_DIGITS)

    lines = [f"loss surface{f' ({loss_name})' if loss_name else ''} over {a} and {b}, "
             f"{surface.x.size} x {surface.y.size} grid",
             f"  {a} from {r(surface.x[0])} to {r(surface.x[-1])}",
             f"  {b} from {r(surface.y[0])} to {r(surface.y[-1])}",
             f"  current point: {a} = {v(surface.center[0])}, {b} = {v(surface.center[1])},"
             f" loss {v(surface.center_loss)}"]
    if surface.min_at is not None:
        lines.append(f"  lowest on the grid: loss {v(surface.min_loss)} at "
                     f"{a} = {v(surface.min_at[0])}, {b} = {v(surface.min_at[1])}")
        lines.append(f"  highest on the grid: loss {v(surface.max_loss)}")
    else:
        lines.append("  the loss is not a finite number anywhere on the grid")
    bad = surface.loss.size - int(np.isfinite(surface.loss).sum())
    if bad:
        lines.append(f"  {bad} grid point{'s' if bad != 1 else ''} with a non-finite loss")
    return "\n".join(lines) + "\n"


def write_csv(surface: Surface, path: str | os.PathLike[str]) -> None:
    """Write ``surface`` as CSV (``P1,P2,loss`` rows, x varying slowest), atomically (an
    OSError when it cannot be written). The numbers are written exactly (``repr``), so that
    they read back bit for bit."""
    a, b = surface.axes
    out: list[str] = [f"{a},{b},loss"]
    ys = [repr(float(v)) for v in surface.y]
    for xv, row in zip(surface.x.tolist(), surface.loss.tolist()):
        xs = repr(float(xv))
        out.extend(f"{xs},{yv},{v!r}" if math.isfinite(v) else f"{xs},{yv},inf"
                   for yv, v in zip(ys, row))
    data = ("\n".join(out) + "\n").encode("utf-8")
    atomic_write(path, data)


def add_parser(sub: Any) -> None:
    """Register ``surface`` on the sub-command parsers."""
    p = sub.add_parser("surface", help="the loss over a grid of two parameters")
    p.add_argument("file")
    p.add_argument("--axes", nargs=2, metavar=("P1", "P2"), required=True)
    p.add_argument("--grid", type=int, default=DEFAULT_GRID)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--span", type=float, help="half-width of the range around each value")
    group.add_argument("--range", nargs=4, type=float, metavar=("XMIN", "XMAX", "YMIN", "YMAX"))
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true")
    out.add_argument("--csv", metavar="OUT")
    p.set_defaults(func=cmd_surface)
