"""The user's settings: plain values in QSettings, with a version and a migration.

Stored keys (nothing pickled; the window layout is the QByteArray Qt's ``saveState`` and
``saveGeometry`` return, which QSettings stores as bytes):

- ``settings_version``: :data:`SETTINGS_VERSION`.
- ``theme``: "light" or "dark".
- ``digits``: significant digits in the derivations (:data:`~simulator.engine.limits.MIN_DIGITS`
  to :data:`~simulator.engine.limits.MAX_DIGITS`).
- ``recent_files``: JSON list of paths, most recent first (at most :data:`MAX_RECENT`).
- ``run/speed``: the run speed, one of :data:`simulator.app.speeds.SPEED_NAMES`.
- ``view/zoom``: the interface zoom (1.0 is 100%; :mod:`simulator.app.zoom`).
- ``window/geometry``, ``window/state``: the main window's geometry and dock layout.
- ``surface/state``: JSON object, the cost-surface view's settings (axes, random
  directions, seed, span, resolution, view...) with their own ``version``
  (:class:`simulator.app.surface.state.SurfaceState` reads and migrates it). It is an
  optional key, so adding it did not change :data:`SETTINGS_VERSION`: an older version
  drops it as unknown and keeps everything else.
- ``lesson/state``: JSON object, the lesson player's memory (the lesson open and each
  lesson's step, whether its questions are on, the start page at start, quiz mode) with its
  own ``version`` (:mod:`simulator.app.lessons.memory` reads it). Optional, like
  ``surface/state``.

Every reader validates what it finds and falls back to the default, so a hand-edited or
corrupt store cannot stop the app from starting. :func:`migrate` runs on every open: it
drops keys this version does not know and values from other versions it cannot read.

Versions: 1 had the docks of the first window (Data on the left, the derivation and the
inspector stacked on the right, the cost surface a tab behind the loss, 1167 px wide at
least). 2 is the classroom window (it fits 1024x768: the derivation beside the canvas,
the cost surface under it, the editing panels as tabs) and adds ``view/zoom``. Migrating
from 1 keeps the plain values and drops the window's geometry and dock layout, so an old
layout never brings the cramped window back.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from ..engine.limits import DEFAULT_DIGITS, MAX_DIGITS, MIN_DIGITS
from .speeds import DEFAULT_SPEED_NAME, SPEED_NAMES
from .zoom import DEFAULT_ZOOM, MAX_ZOOM, MIN_ZOOM

SETTINGS_VERSION = 2
MAX_RECENT = 8
THEMES: tuple[str, ...] = ("light", "dark")

KNOWN_KEYS: frozenset[str] = frozenset({
    "settings_version", "theme", "digits", "recent_files", "run/speed", "view/zoom",
    "window/geometry", "window/state", "surface/state", "lesson/state", "function/state",
})
#: Keys that describe the window's arrangement: dropped when the version changes.
LAYOUT_KEYS: tuple[str, ...] = ("window/geometry", "window/state")


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def migrate(store: QSettings | MemoryStore) -> None:
    """Bring ``store`` to :data:`SETTINGS_VERSION`.

    Unknown keys are removed. Settings written by another version keep only the plain
    values that still validate; their window layout is dropped (the docks may differ).
    """
    version = _as_int(store.value("settings_version"))
    for key in store.allKeys():
        if key not in KNOWN_KEYS:
            store.remove(key)
    if version != SETTINGS_VERSION:
        # Another version's docks: its layout is not restored (version 1's did not fit a
        # 1024x768 projector); every plain value below is kept if it still validates.
        for key in LAYOUT_KEYS:
            store.remove(key)
    # Drop values that do not validate, so that they are not carried forward.
    if store.contains("theme") and str(store.value("theme")) not in THEMES:
        store.remove("theme")
    digits = _as_int(store.value("digits"))
    if store.contains("digits") and (digits is None
                                     or not MIN_DIGITS <= digits <= MAX_DIGITS):
        store.remove("digits")
    if store.contains("run/speed") and str(store.value("run/speed")) not in SPEED_NAMES:
        store.remove("run/speed")
    if store.contains("view/zoom") and _parse_zoom(store.value("view/zoom")) is None:
        store.remove("view/zoom")
    if store.contains("recent_files") and _parse_recent(store.value("recent_files")) is None:
        store.remove("recent_files")
    for key in ("surface/state", "lesson/state", "function/state"):
        if store.contains(key) and _parse_object(store.value(key)) is None:
            store.remove(key)
    for key in ("window/geometry", "window/state"):
        if store.contains(key) and not isinstance(store.value(key), (QByteArray, bytes)):
            store.remove(key)
    store.setValue("settings_version", SETTINGS_VERSION)


def _parse_zoom(value: Any) -> float | None:
    """A stored zoom factor, or None when it is not one this version accepts."""
    try:
        zoom = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return zoom if MIN_ZOOM <= zoom <= MAX_ZOOM else None


def _parse_recent(value: Any) -> list[str] | None:
    if value is None:
        return []
    try:
        items = json.loads(str(value))
    except ValueError:
        return None
    if not isinstance(items, list) or not all(isinstance(p, str) for p in items):
        return None
    return items


def _parse_object(value: Any) -> dict[str, Any] | None:
    """A JSON object stored as text, or None when it is not one."""
    try:
        data = json.loads(str(value))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


class MemoryStore:
    """The part of the QSettings interface :class:`Settings` uses, kept in memory: for a
    window that must not read or write the user's settings (screenshots, the self-test)."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}

    def value(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    def setValue(self, key: str, value: Any) -> None:
        self._values[key] = value

    def contains(self, key: str) -> bool:
        return key in self._values

    def remove(self, key: str) -> None:
        self._values.pop(key, None)

    def allKeys(self) -> list[str]:
        return list(self._values)

    def sync(self) -> None:
        pass


class Settings:
    """Typed, validated access to the app's QSettings store (or a :class:`MemoryStore`)."""

    def __init__(self, store: QSettings | MemoryStore | None = None) -> None:
        self._store = store if store is not None else QSettings()
        migrate(self._store)

    @property
    def store(self) -> QSettings | MemoryStore:
        """The underlying QSettings."""
        return self._store

    def sync(self) -> None:
        """Write pending changes to disk."""
        self._store.sync()

    # --- plain values ------------------------------------------------------------------------

    @property
    def theme(self) -> str:
        """"light" or "dark"."""
        value = str(self._store.value("theme", "light"))
        return value if value in THEMES else "light"

    @theme.setter
    def theme(self, value: str) -> None:
        if value not in THEMES:
            raise ValueError(f"unknown theme '{value}'")
        self._store.setValue("theme", value)

    @property
    def digits(self) -> int:
        """Significant digits shown in derivations."""
        value = _as_int(self._store.value("digits", DEFAULT_DIGITS))
        return value if value is not None and MIN_DIGITS <= value <= MAX_DIGITS \
            else DEFAULT_DIGITS

    @digits.setter
    def digits(self, value: int) -> None:
        self._store.setValue("digits", max(MIN_DIGITS, min(MAX_DIGITS, int(value))))

    @property
    def speed(self) -> str:
        """The run speed: iterations per second ("1", "5", "20", "100") or "fast"."""
        value = str(self._store.value("run/speed", DEFAULT_SPEED_NAME))
        return value if value in SPEED_NAMES else DEFAULT_SPEED_NAME

    @speed.setter
    def speed(self, value: str) -> None:
        if value not in SPEED_NAMES:
            raise ValueError(f"unknown speed '{value}'")
        self._store.setValue("run/speed", value)

    @property
    def zoom(self) -> float:
        """The interface zoom (1.0 is 100%)."""
        value = _parse_zoom(self._store.value("view/zoom", DEFAULT_ZOOM))
        return DEFAULT_ZOOM if value is None else value

    @zoom.setter
    def zoom(self, value: float) -> None:
        self._store.setValue("view/zoom", float(min(MAX_ZOOM, max(MIN_ZOOM, value))))

    # --- recent files --------------------------------------------------------------------------

    @property
    def recent_files(self) -> list[str]:
        """Recently opened or saved files, most recent first."""
        items = _parse_recent(self._store.value("recent_files")) or []
        return items[:MAX_RECENT]

    @recent_files.setter
    def recent_files(self, paths: list[str]) -> None:
        unique: list[str] = []
        for p in paths:
            if p not in unique:
                unique.append(p)
        self._store.setValue("recent_files", json.dumps(unique[:MAX_RECENT]))

    def add_recent(self, path: str) -> None:
        """Put ``path`` first in the recent files."""
        self.recent_files = [path] + [p for p in self.recent_files if p != path]

    def remove_recent(self, path: str) -> None:
        """Forget ``path`` (e.g. it could not be opened)."""
        self.recent_files = [p for p in self.recent_files if p != path]

    # --- the cost-surface view ---------------------------------------------------------------

    @property
    def surface_state(self) -> dict[str, Any]:
        """The cost-surface view's saved settings (empty when there are none); the view
        checks each value."""
        return _parse_object(self._store.value("surface/state", "{}")) or {}

    @surface_state.setter
    def surface_state(self, value: dict[str, Any]) -> None:
        self._store.setValue("surface/state", json.dumps(value))

    # --- the lesson player ------------------------------------------------------------------

    @property
    def lesson_state(self) -> dict[str, Any]:
        """The lesson player's saved memory (empty when there is none); the player checks
        each value."""
        return _parse_object(self._store.value("lesson/state", "{}")) or {}

    @lesson_state.setter
    def lesson_state(self, value: dict[str, Any]) -> None:
        self._store.setValue("lesson/state", json.dumps(value))

    # --- the function lab ----------------------------------------------------------------------

    @property
    def function_state(self) -> dict[str, Any]:
        """The function lab's last expression and descent settings (empty when there are
        none); the lab checks each value as it checks a lesson's request."""
        return _parse_object(self._store.value("function/state", "{}")) or {}

    @function_state.setter
    def function_state(self, value: dict[str, Any]) -> None:
        self._store.setValue("function/state", json.dumps(value))

    # --- window layout -------------------------------------------------------------------------

    def _bytes(self, key: str) -> QByteArray | None:
        value = self._store.value(key)
        if isinstance(value, QByteArray) and not value.isEmpty():
            return value
        if isinstance(value, bytes) and value:
            return QByteArray(value)
        return None

    @property
    def geometry(self) -> QByteArray | None:
        """The main window's saved geometry."""
        return self._bytes("window/geometry")

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self._store.setValue("window/geometry", value)

    @property
    def window_state(self) -> QByteArray | None:
        """The main window's saved dock and toolbar layout."""
        return self._bytes("window/state")

    @window_state.setter
    def window_state(self, value: QByteArray) -> None:
        self._store.setValue("window/state", value)


__all__ = [
    "LAYOUT_KEYS",
    "MAX_RECENT",
    "SETTINGS_VERSION",
    "THEMES",
    "MemoryStore",
    "Settings",
    "migrate",
]
