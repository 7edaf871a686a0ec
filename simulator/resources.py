"""Where the app's bundled files (``resources/``: examples, icons) live.

Two layouts are supported:

* a source checkout (or an editable install): ``resources/`` sits in the repository
  root, the parent of the ``simulator`` package;
* a PyInstaller bundle: ``packaging/backprop-lab.spec`` copies ``resources/`` into the
  bundle's data folder, ``sys._MEIPASS`` (``_internal/`` next to the executable in a
  one-folder build; ``Contents/Frameworks`` inside the macOS .app, where PyInstaller
  links data files to ``Contents/Resources``).

The ``BACKPROP_LAB_RESOURCES`` environment variable, if set, overrides both (useful
for a non-editable wheel install, which does not ship ``resources/``).

This module must not import Qt: the command line uses it too.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["ICON_SIZES", "example_path", "icon_path", "resource_path", "resources_dir"]

#: Environment variable naming a ``resources/`` folder to use instead of the default.
ENV_VAR = "BACKPROP_LAB_RESOURCES"

#: Sizes (pixels) of the PNG icons in ``resources/icons`` (made by packaging/make_icons.py).
ICON_SIZES: tuple[int, ...] = (16, 24, 32, 48, 64, 128, 256, 512)

_ICON_NAME = "backprop-lab"


def resources_dir() -> Path:
    """The ``resources/`` folder: ``$BACKPROP_LAB_RESOURCES``, the bundle's or the checkout's.

    The folder is not checked for existence (see :func:`resource_path`).
    """
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "resources"
    # simulator/resources.py -> simulator/ -> repository root
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """The path of ``resources/<parts...>``, e.g. ``resource_path("icons", "x.svg")``.

    The returned path may not exist (a missing file is the caller's error to report).
    Absolute parts and ``..`` are refused so that a name cannot leave ``resources/``.
    """
    for part in parts:
        pieces = Path(part).parts
        if Path(part).is_absolute() or ".." in pieces:
            raise ValueError(f"resource path parts must be relative and stay inside "
                             f"resources/: {part!r}")
    return resources_dir().joinpath(*parts)


def example_path(name: str) -> Path:
    """The bundled example document ``resources/examples/<name>``.

    ``name`` may omit the ``.json`` suffix: ``example_path("reference")`` is
    ``resources/examples/reference.json``.
    """
    if not name.endswith(".json"):
        name += ".json"
    return resource_path("examples", name)


def icon_path(size: int | None = None) -> Path:
    """The app icon: the SVG (``size=None``) or the ``size`` x ``size`` PNG.

    ``size`` must be one of :data:`ICON_SIZES`.
    """
    if size is None:
        return resource_path("icons", f"{_ICON_NAME}.svg")
    if size not in ICON_SIZES:
        raise ValueError(f"no {size}px icon; sizes: {', '.join(map(str, ICON_SIZES))}")
    return resource_path("icons", f"{_ICON_NAME}-{size}.png")
