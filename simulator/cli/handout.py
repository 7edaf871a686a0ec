"""``handout``: the worked example of one training iteration as a handout or worksheet file
(HTML, Markdown, LaTeX or PDF)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..engine.handout import HANDOUT_FORMATS, HandoutError, check_digits, write_handout
from ..engine.limits import DEFAULT_DIGITS, MAX_DIGITS, MIN_DIGITS
from .common import UsageError, first_step_problem, load_document


def cmd_handout(args: argparse.Namespace) -> int:
    """Run ``handout``."""
    if not args.out:
        raise UsageError("handout: --out needs a file name")
    try:
        check_digits(args.digits)
    except HandoutError as exc:
        raise UsageError(f"handout: --{exc}") from None
    doc = load_document(args.file)
    if (problem := first_step_problem(doc)) is not None:
        print(problem, file=sys.stderr)
        return 1
    try:
        written = write_handout(doc, args.format, args.out, worksheet=args.worksheet,
                                digits=args.digits)
    except HandoutError as exc:
        raise UsageError(f"handout: {exc}") from None
    for path in written:
        print(path)
    return 0


def add_parser(sub: Any) -> None:
    """Register ``handout`` on the sub-command parsers."""
    p = sub.add_parser("handout", help="write the worked example of one training iteration "
                                       "as a handout or worksheet (html, md, tex, pdf)")
    p.add_argument("file")
    p.add_argument("--format", choices=HANDOUT_FORMATS, required=True)
    p.add_argument("--worksheet", action="store_true",
                   help="blanks where the computed numbers go, and an answer key beside it "
                        "(OUT with -key before the suffix)")
    p.add_argument("--digits", type=int, default=DEFAULT_DIGITS,
                   help=f"significant digits, {MIN_DIGITS} to {MAX_DIGITS} "
                        f"(default {DEFAULT_DIGITS})")
    p.add_argument("--out", required=True, help="the file to write")
    p.set_defaults(func=cmd_handout)
