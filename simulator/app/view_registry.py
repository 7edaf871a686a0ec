"""The views of the main window, each described once: the one place a view is registered.

A :class:`ViewSpec` says how to make the view, what it is called, where it goes in the
default layouts (its *group*), the key that shows it, and whether presenter mode keeps it.
The main window makes a dock for every spec of :func:`builtin_views` (in that order) and
for any spec given to :meth:`simulator.app.main_window.MainWindow.add_view` later; it tells
every view that has ``set_dark`` (:class:`~simulator.app.coalesce.Themeable`),
``set_throttled`` (:class:`~simulator.app.coalesce.Throttleable`, when ``throttle`` is set)
or ``set_zoom`` (:class:`~simulator.app.zoom.Zoomable`) about the theme, runs and the zoom.

Adding a view is one entry here (or one ``add_view`` call)::

    ViewSpec("weights", "Weights", lambda model, settings: WeightsView(model),
             group=PLOTS, shortcut="Ctrl+Shift+9")

A key another view or action already has is refused (``ValueError``).

Groups (see :mod:`simulator.app.window_layout`): :data:`LESSON` (the derivation, beside
the canvas, full height), :data:`EDIT` (panels that edit the document: tabs behind the
derivation on a small screen, a column of their own on a large one) and :data:`PLOTS`
(under the canvas: the first one shown, the others as tabs or side by side).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from .model import LabModel
    from .settings import Settings

LESSON, EDIT, PLOTS = "lesson", "edit", "plots"
GROUPS: tuple[str, ...] = (LESSON, EDIT, PLOTS)

#: Makes a view for the window's model and settings.
ViewFactory = Callable[["LabModel", "Settings"], QWidget]


@dataclass(frozen=True)
class ViewSpec:
    """One view of the main window.

    - ``key``: its name in ``MainWindow.views`` and ``MainWindow.docks`` (and the dock's
      object name, ``<key>Dock``, which the saved layout refers to);
    - ``title``: the dock's title and the View menu's entry;
    - ``make(model, settings)``: builds the widget;
    - ``group``: :data:`LESSON`, :data:`EDIT` or :data:`PLOTS`;
    - ``shortcut``: the key that shows the view and gives it the focus ("" for none);
    - ``lazy``: build it only when its dock is first shown (a view that needs OpenGL);
    - ``presenter``: presenter mode keeps it on screen;
    - ``throttle``: it spaces its redraws out while training runs (``set_throttled``).
    """

    key: str
    title: str
    make: ViewFactory
    group: str
    shortcut: str = ""
    lazy: bool = False
    presenter: bool = False
    throttle: bool = False

    def __post_init__(self) -> None:
        if self.group not in GROUPS:
            raise ValueError(f"unknown group '{self.group}' (known: {', '.join(GROUPS)})")


def _derivation(model: LabModel, settings: Settings) -> QWidget:
    from .derivation_panel import DerivationPanel

    return DerivationPanel(model)


def _inspector(model: LabModel, settings: Settings) -> QWidget:
    from .inspector import Inspector

    return Inspector(model)


def _data(model: LabModel, settings: Settings) -> QWidget:
    from .data_panel import DataPanel

    return DataPanel(model)


def _surface(model: LabModel, settings: Settings) -> QWidget:
    from .gl_platform import ensure_pyopengl_platform

    ensure_pyopengl_platform()
    from .surface import SurfaceView  # imported late: it may bring in OpenGL

    return SurfaceView(model, settings=settings)  # starts from, and saves, its state


def _loss(model: LabModel, settings: Settings) -> QWidget:
    from .loss_plot import LossPlot

    return LossPlot(model)


def builtin_views() -> list[ViewSpec]:
    """The views every window has, in the order their docks are made (within a group,
    the first is the one shown in front)."""
    return [
        ViewSpec("derivation", "Derivation", _derivation, LESSON, "Ctrl+2", presenter=True,
                 throttle=True),
        ViewSpec("inspector", "Inspector", _inspector, EDIT, "Ctrl+6", throttle=True),
        ViewSpec("data", "Data", _data, EDIT, "Ctrl+5", throttle=True),
        ViewSpec("surface", "Cost surface", _surface, PLOTS, "Ctrl+3", lazy=True,
                 presenter=True, throttle=True),
        ViewSpec("loss", "Loss", _loss, PLOTS, "Ctrl+4", presenter=True, throttle=True),
    ]


#: The key that puts the focus on the canvas (it is the central view, not a dock).
CANVAS_SHORTCUT = "Ctrl+1"

__all__ = ["CANVAS_SHORTCUT", "EDIT", "GROUPS", "LESSON", "PLOTS", "ViewFactory", "ViewSpec",
           "builtin_views"]
