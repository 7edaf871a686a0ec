"""simulator.engine (and simulator.cli) must import without any Qt binding.

The check runs in a fresh interpreter in which every import of a Qt binding or
of pyqtgraph raises ImportError, then imports simulator.engine, every module
below it, and simulator.cli with every module below it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

CHECK = textwrap.dedent(
    """
    import importlib
    import importlib.abc
    import pkgutil
    import sys

    BLOCKED = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph")

    class QtBlocker(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"Qt-free code imported {name!r}")
            return None

    sys.meta_path.insert(0, QtBlocker())

    import simulator.engine

    def onerror(name):
        raise

    for info in pkgutil.walk_packages(
        simulator.engine.__path__, "simulator.engine.", onerror=onerror
    ):
        importlib.import_module(info.name)

    if WITH_CLI:
        import simulator.cli
        for info in pkgutil.walk_packages(simulator.cli.__path__, "simulator.cli.",
                                          onerror=onerror):
            importlib.import_module(info.name)

    loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    if loaded:
        sys.exit(f"Qt modules were loaded: {loaded}")
    """
)


def test_engine_and_cli_import_without_qt():
    # the command line is a package (simulator/cli/): every module of it is imported
    with_cli = (REPO_ROOT / "simulator" / "cli" / "__init__.py").exists()
    assert with_cli, "simulator/cli/ moved: point this test at the command line again"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    result = subprocess.run(
        [sys.executable, "-c", f"WITH_CLI = {with_cli!r}\n" + CHECK],
        check=False,
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, (
        "simulator.engine/simulator.cli must not depend on Qt or pyqtgraph:\n"
        + result.stdout
        + result.stderr
    )
