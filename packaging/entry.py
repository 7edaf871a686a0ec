"""The frozen app's entry script (PyInstaller runs this file as ``__main__``).

``simulator/__main__.py`` uses relative imports, so it cannot be the script itself. It
dispatches like ``python -m simulator``: command-line tools, ``--self-test`` and the app.
"""

from __future__ import annotations

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from simulator.__main__ import main

    sys.exit(main())
