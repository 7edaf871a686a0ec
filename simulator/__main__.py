"""Entry point: ``backprop-lab`` / ``python -m simulator``.

``python -m simulator explain|train|surface ...`` runs a command-line tool; anything else
opens the window (``python -m simulator [FILE] [--screenshot OUT.png] [--steps N]``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to the command line or the desktop app; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    from .cli import COMMANDS

    if args and args[0] in COMMANDS:
        from .cli import main as cli_main

        return cli_main(args)
    from .app.main import main as app_main

    return app_main(args)


if __name__ == "__main__":
    sys.exit(main())
