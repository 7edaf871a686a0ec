"""simulator.resources finds resources/ in a checkout, in a bundle and via the override."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from simulator import resources
from simulator.resources import ICON_SIZES, example_path, icon_path, resource_path, resources_dir

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_override(monkeypatch):
    monkeypatch.delenv(resources.ENV_VAR, raising=False)


def test_checkout_layout_is_the_repository_resources_folder():
    assert resources_dir() == REPO_ROOT / "resources"
    expected = REPO_ROOT / "resources" / "examples" / "reference.json"
    assert resource_path("examples", "reference.json") == expected


def test_example_path_adds_json_suffix_and_the_reference_example_exists():
    assert example_path("reference") == example_path("reference.json")
    assert example_path("reference").is_file()


def test_icons_exist_for_every_size_and_the_svg():
    assert icon_path().is_file()
    assert icon_path().suffix == ".svg"
    for size in ICON_SIZES:
        path = icon_path(size)
        assert path.is_file(), path
        # PNG signature, then the IHDR width and height (big-endian).
        head = path.read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(head[16:20], "big") == size
        assert int.from_bytes(head[20:24], "big") == size
    with pytest.raises(ValueError, match="no 17px icon"):
        icon_path(17)


def test_frozen_layout_uses_meipass(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources_dir() == tmp_path / "resources"
    assert example_path("xor") == tmp_path / "resources" / "examples" / "xor.json"
    assert icon_path(32) == tmp_path / "resources" / "icons" / "backprop-lab-32.png"


def test_environment_override_wins(monkeypatch, tmp_path):
    monkeypatch.setenv(resources.ENV_VAR, str(tmp_path))
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", "/nonexistent", raising=False)
    assert resource_path("icons") == tmp_path / "icons"


@pytest.mark.parametrize("bad", ["/etc/passwd", "../pyproject.toml", "examples/../../x"])
def test_parts_cannot_leave_the_resources_folder(bad):
    with pytest.raises(ValueError):
        resource_path(bad)


def test_resources_module_does_not_import_qt():
    # The command line uses it; importing it must not pull in a Qt binding.
    import subprocess

    code = ("import sys, simulator.resources; "
            "sys.exit(any(m.split('.')[0] in ('PySide6', 'shiboken6') for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, timeout=60)
    assert result.returncode == 0
