"""``backprop-lab --self-test`` from the source tree (the frozen one: test_frozen_bundle.py).

Run in a subprocess: the self-test makes its own QApplication and exits.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _self_test(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items()
            if not k.startswith(("QT_", "PYOPENGL_", "BACKPROP_LAB_"))}
    full.update(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path),
                BACKPROP_LAB_SELF_TEST_TIMEOUT="150")
    full.update(env)
    return subprocess.run([sys.executable, "-m", "simulator", "--self-test"], cwd=REPO_ROOT,
                          env=full, capture_output=True, text=True, timeout=180, check=False)


def test_self_test_passes_with_the_2d_fallback(tmp_path):
    log = tmp_path / "self-test.log"
    result = _self_test(tmp_path, BACKPROP_LAB_SELF_TEST_LOG=str(log))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "self-test: OK"
    assert any("one iteration done" in line for line in lines)
    assert any("2-D fallback" in line for line in lines)
    assert log.read_text(encoding="utf-8").splitlines() == lines


def test_self_test_reports_a_missing_example(tmp_path):
    result = _self_test(tmp_path, BACKPROP_LAB_RESOURCES=str(tmp_path / "nowhere"))
    assert result.returncode == 1
    last = result.stdout.splitlines()[-1]
    assert last.startswith("self-test: FAILED: example not found:"), result.stdout
