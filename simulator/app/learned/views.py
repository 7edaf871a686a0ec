"""The views of what the network learned, made and wired together for the main window.

:class:`LearnedViews` makes the decision-boundary view and the Training health panel (the
window puts them in docks), the neurons' pictures and the health marks on the canvas, and
the View menu's toggle for the pictures; it connects a click on a picture to the boundary
view (the neuron shown large) and a click on the health banner to the health panel. The
window registers the docks (:meth:`set_docks`) and tells the views about the theme and
about runs through :attr:`themeable` and :attr:`throttleable`, as for its other views.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget

from ..canvas import NetworkCanvas
from ..coalesce import Themeable, Throttleable
from ..model import LabModel
from .boundary_view import DecisionBoundaryView
from .health_overlay import HealthOverlay
from .health_view import HealthView
from .thumbnails import NeuronThumbnails


class LearnedViews(QObject):
    """The decision boundary, the health panel and the canvas overlays (see the module)."""

    def __init__(self, model: LabModel, canvas: NetworkCanvas,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.boundary = DecisionBoundaryView(model)
        self.health = HealthView(model)
        self.thumbnails = NeuronThumbnails(model, canvas, self)
        self.health_marks = HealthOverlay(model, canvas, self)
        self._docks: dict[str, QDockWidget] = {}
        self.thumbnails_action = QAction("Neuron &pictures on the canvas", self)
        self.thumbnails_action.setCheckable(True)
        self.thumbnails_action.setChecked(self.thumbnails.enabled)
        self.thumbnails_action.setStatusTip("Draw each hidden and output neuron's output "
                                            "over the input plane inside its circle")
        self.thumbnails_action.toggled.connect(self.thumbnails.set_enabled)
        self.thumbnails.clicked.connect(self.show_large)
        self.health_marks.bannerClicked.connect(self.show_health)
        #: The views that follow the theme, and those that space redraws out during runs.
        self.themeable: list[Themeable] = [self.boundary, self.health, self.thumbnails]
        self.throttleable: list[Throttleable] = [self.boundary, self.health, self.thumbnails,
                                                 self.health_marks]

    def set_docks(self, boundary: QDockWidget, health: QDockWidget) -> None:
        """The docks the window put the two views in (raised when asked for)."""
        self._docks = {"boundary": boundary, "health": health}

    def _raise(self, key: str) -> None:
        dock = self._docks.get(key)
        if dock is not None:
            dock.show()
            dock.raise_()

    def show_large(self, neuron: str | None) -> None:
        """Show a neuron's picture large in the decision-boundary view (None: the
        boundary itself)."""
        self.boundary.show_neuron(neuron)
        self._raise("boundary")

    def show_health(self) -> None:
        """Bring the Training health panel forward."""
        self._raise("health")


__all__ = ["LearnedViews"]
