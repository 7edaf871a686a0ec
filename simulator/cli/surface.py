"""``surface``: the loss over a grid of two parameters (JSON, CSV or a summary)."""

from __future__ import annotations

import argparse
from typing import Any

from .common import UsageError, load_document


def cmd_surface(args: argparse.Namespace) -> int:
    """Run ``surface``."""
    from ..engine import surface  # imported here: only this command needs it

    doc = load_document(args.file)
    try:
        return surface.run_cli(doc, args)
    except surface.SurfaceError as exc:
        raise UsageError(f"surface: {exc}") from None


def add_parser(sub: Any) -> None:
    """Register ``surface`` on the sub-command parsers."""
    p = sub.add_parser("surface", help="the loss over a grid of two parameters")
    p.add_argument("file")
    p.add_argument("--axes", nargs=2, metavar=("P1", "P2"), required=True)
    p.add_argument("--grid", type=int, default=101)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--span", type=float, help="half-width of the range around each value")
    group.add_argument("--range", nargs=4, type=float, metavar=("XMIN", "XMAX", "YMIN", "YMAX"))
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true")
    out.add_argument("--csv", metavar="OUT")
    p.set_defaults(func=cmd_surface)
