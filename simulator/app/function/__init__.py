"""The function lab in the window: gradient descent on a function the student types, the
pirate beside it, the chain rule as a computational graph, and the nudge probe (here and on
the network's parameters).

The modules, by job: :mod:`.state` (the settings, the view modes, the checks of a request),
:mod:`.model` (the one Qt-side model: expression, point, descent, pirate, undo),
:mod:`.commands` (its undo commands), :mod:`.jobs` (background work), :mod:`.view` (the
Function view), :mod:`.expression_field`, :mod:`.plots` (the curve, and the cost-surface
views fed with the function's grid), :mod:`.info` (the numbers as text), :mod:`.graph_layout`,
:mod:`.graph_text` and :mod:`.graph_view` (the chain rule as a graph), :mod:`.nudge` (the
nudge probe) and :mod:`.host` (the lab inside the main window, and a lesson's API).

Importing this package does not import pyqtgraph.opengl (the 3D view is made when first
shown, where OpenGL works).
"""

from __future__ import annotations

from .host import FunctionLab
from .model import FunctionLabModel
from .nudge import NetworkNudgeDialog, open_network_nudge
from .state import (
    VIEW_CONTOUR,
    VIEW_CURVE,
    VIEW_GRAPH,
    VIEW_MODES,
    VIEW_SURFACE,
    LabRequestError,
    LabSettings,
)
from .view import FunctionView

__all__ = [
    "VIEW_CONTOUR",
    "VIEW_CURVE",
    "VIEW_GRAPH",
    "VIEW_MODES",
    "VIEW_SURFACE",
    "FunctionLab",
    "FunctionLabModel",
    "FunctionView",
    "LabRequestError",
    "LabSettings",
    "NetworkNudgeDialog",
    "open_network_nudge",
]
