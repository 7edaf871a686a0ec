"""The command line: one module per command, a thin layer over the engine.

Each command module has ``add_parser(subparsers)`` (which sets ``func``) and its
``cmd_*`` function; :data:`COMMANDS` lists them. Bad input of any kind exits with status 2
and one clear line on stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import numpy as np

from . import explain, function, handout, surface, train
from .common import Parser, UsageError

#: The command modules, in the order ``--help`` lists them.
_MODULES = (explain, train, surface, function, handout)
COMMANDS = tuple(m.__name__.rsplit(".", 1)[-1] for m in _MODULES)


def build_parser() -> Parser:
    """The parser of the command-line tools."""
    parser = Parser(prog="backprop-lab", description="Backprop Lab command-line tools.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for module in _MODULES:
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command-line tool; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(args_list)
        with np.errstate(all="ignore"):
            return int(args.func(args))
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


__all__ = ["COMMANDS", "UsageError", "build_parser", "main"]
