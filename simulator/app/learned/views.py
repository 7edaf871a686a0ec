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
from ..visibility import in_view
from ..window_layout import bring_to_front
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
        self.thumbnails.shares_plane = lambda: (self.boundary.mode == "plane"
                                                and in_view(self.boundary))
        self.health_marks = HealthOverlay(model, canvas, self)
        self._docks: dict[str, QDockWidget] = {}
        self._applied = self._applies()
        model.structureChanged.connect(self._on_structure_changed)
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

    def set_docks(self, boundary: QDockWidget, health: QDockWidget,
                  plots_front: QDockWidget | None = None) -> None:
        """The docks the window put the two views in (raised when asked for), and the
        dock in front of the plots' tabs otherwise (the cost surface): see
        :meth:`show_what_applies`."""
        self._docks = {"boundary": boundary, "health": health}
        if plots_front is not None:
            self._docks["plots_front"] = plots_front

    def _applies(self) -> bool:
        return self.model.plane_applies() or self.model.curve_applies()

    def show_what_applies(self) -> None:
        """Bring the decision boundary to the front of its tabs for a document with data
        to draw it over (XOR, a spiral, a sine), and the plots' first tab back for one
        without (the reference lesson's single sample); a dock the user closed stays
        closed. The window calls this after arranging its docks; a new document whose
        kind differs calls it again."""
        self._applied = self._applies()
        dock = self._docks.get("boundary" if self._applied else "plots_front")
        if dock is not None and not dock.isHidden():
            bring_to_front(dock)

    def _on_structure_changed(self) -> None:
        if self._applies() != self._applied:
            self.show_what_applies()

    def _raise(self, key: str) -> None:
        dock = self._docks.get(key)
        if dock is not None:
            bring_to_front(dock)

    def show_large(self, neuron: str | None) -> None:
        """Show a neuron's picture large in the decision-boundary view (None: the
        boundary itself)."""
        self.boundary.show_neuron(neuron)
        self._raise("boundary")

    def show_health(self) -> None:
        """Bring the Training health panel forward."""
        self._raise("health")


__all__ = ["LearnedViews"]
