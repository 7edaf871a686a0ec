"""What the lesson player needs of the main window, as a protocol.

The player is made by the main window and drives it (opens documents, arranges docks,
enters the function lab); naming the window's class here would make ``main_window`` and
``lessons.player`` import each other. :class:`LessonHost` lists exactly what the player
reads and calls, so the dependency points one way and mypy still checks every use.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QSize
from PySide6.QtGui import QAction, QScreen
from PySide6.QtWidgets import QDockWidget, QMenuBar, QWidget

from ..function import FunctionLab
from ..model import LabModel
from ..presenter import PresenterMode
from ..runner import Runner
from ..settings import Settings
from ..view_registry import ViewSpec


class LessonHost(Protocol):
    """The main window as the lesson player sees it (see :class:`~..main_window.MainWindow`)."""

    model: LabModel
    settings: Settings
    runner: Runner
    presenter: PresenterMode
    function_lab: FunctionLab
    docks: dict[str, QDockWidget]
    views: dict[str, QWidget]
    state_version: int
    step_hook: Callable[[bool], bool] | None
    open_action: QAction

    def add_view(self, spec: ViewSpec) -> QDockWidget: ...
    def focus_canvas(self) -> None: ...
    def zoom_to_fit(self) -> None: ...
    def show_message(self, text: str, timeout_ms: int = 6000) -> None: ...
    def maybe_save(self) -> bool: ...
    def open_path(self, path: str | Path, example: bool = False) -> bool: ...

    # the QMainWindow side
    def addAction(self, action: QAction) -> None: ...
    def menuBar(self) -> QMenuBar: ...
    def screen(self) -> QScreen: ...
    def size(self) -> QSize: ...
    def resize(self, size: QSize) -> None: ...
    def width(self) -> int: ...
    def height(self) -> int: ...
    def hide(self) -> None: ...
    def isVisible(self) -> bool: ...
    def isMaximized(self) -> bool: ...
    def isFullScreen(self) -> bool: ...


__all__ = ["LessonHost"]
