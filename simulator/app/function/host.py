"""The function lab inside the main window: a mode of the central area, an action to reach
it, and the nudge probe of the network's parameters.

:class:`FunctionLab` keeps the main window's change to a few lines: it puts whatever the
window's central widget is into a stack beside the Function view (made the first time it is
shown), and offers

- ``action``: View > Function lab (F4), checkable, switching between the
  network and the lab (which takes the whole window: the network's docks and toolbars are
  hidden while it is shown, and given back as they were, also when the window closes);
- ``nudge_action``: Train > Nudge probe... (the selected weight or bias, else w1);
- :meth:`open`: the API a lesson calls, showing the lab with an expression or example at a
  point, in a view mode, with a learning rate, an optimizer, a number of steps taken and
  the pirate on or off;
- ``set_dark`` (:class:`~simulator.app.coalesce.Themeable`) and the digits of the network's
  model, followed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QStackedWidget, QToolBar, QWidget
from shiboken6 import isValid

from ..model import LabModel
from ..selection import ParameterSel
from ..settings import Settings
from ..shortcuts import own_keys
from .model import FunctionLabModel
from .nudge import NetworkNudgeDialog, open_network_nudge
from .state import LabRequestError
from .view import FunctionView

log = logging.getLogger(__name__)

#: The keys of View > Function lab.
KEYS = ("F4",)  # Ctrl+1 ... Ctrl+8 go to the window's views


class FunctionLab(QObject):
    """The function lab as a mode of ``window``'s central area (see the module
    docstring). ``model`` is the network's model (for the nudge probe and the digits)."""

    shownChanged = Signal(bool)

    def __init__(self, window: QMainWindow, model: LabModel,
                 settings: Settings | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.network_model = model
        self.lab_model = FunctionLabModel(self)
        self._settings = settings  # where the lab's last expression is kept (None: nowhere)
        self.view: FunctionView | None = None
        self._dark = False
        self.stack = QStackedWidget()
        self.stack.setObjectName("centralStack")
        central = window.takeCentralWidget()
        self.network_page: QWidget = central if central is not None else QWidget()
        self.stack.addWidget(self.network_page)
        window.setCentralWidget(self.stack)

        self.action = QAction("&Function lab", window)
        self.action.setObjectName("functionLabAction")
        self.action.setCheckable(True)
        self.action.setShortcuts([QKeySequence(k) for k in KEYS])
        self.action.setToolTip(f"Gradient descent on a function you type, the chain rule as "
                               f"a graph, the nudge probe ({KEYS[0]}; again to go back)")
        self.action.setStatusTip("Switch between the network and the function lab")
        self.action.toggled.connect(self.set_shown)
        window.addAction(self.action)  # the keys work even when no menu shows it

        self.nudge_action = QAction("&Nudge probe...", window)
        self.nudge_action.setObjectName("nudgeProbeAction")
        self.nudge_action.setStatusTip("Nudge a weight or bias and compare the change of the "
                                       "loss with its gradient (a gradient check)")
        self.nudge_action.triggered.connect(lambda _c=False: self.open_nudge())
        model.settingsChanged.connect(self._follow_digits)
        self._follow_digits()
        self._hidden: list[QWidget] = []  # the panels the lab hid, shown again on leaving
        window.installEventFilter(self)

    # --- showing ----------------------------------------------------------------------------

    @property
    def shown(self) -> bool:
        """Whether the lab is the central area's page."""
        return self.view is not None and self.stack.currentWidget() is self.view

    def ensure_view(self) -> FunctionView:
        """The Function view (made on first use)."""
        if self.view is None:
            self.view = FunctionView(self.lab_model)
            # Space, Page Down, R... step the lab's descent here, not the hidden network.
            own_keys(self.view)
            self.view.set_dark(self._dark)
            self.stack.addWidget(self.view)
            self._restore_state()
        return self.view

    # --- what the lab keeps between sessions ------------------------------------------------

    def saved_state(self) -> dict[str, Any]:
        """The lab's expression and descent settings as plain values (for the settings)."""
        m = self.lab_model
        s = m.settings
        return {"expression": m.text if m.error is None else s.expression,
                "at": list(s.start), "learning_rate": s.learning_rate,
                "optimizer": s.optimizer, "pirate": s.pirate,
                "downhill_only": s.downhill_only, "seed": s.seed, "view": m.view_mode}

    def save_state(self) -> None:
        """Keep the lab's expression and settings for the next session (once the lab has
        been used: a lab never opened keeps what an earlier session left)."""
        if self._settings is not None and self.view is not None:
            self._settings.function_state = self.saved_state()

    def _restore_state(self) -> None:
        # The settings file is the user's to edit: every value goes through the lab's own
        # checks, and anything refused leaves the lab at its default, with nothing to undo.
        state = self._settings.function_state if self._settings is not None else {}
        if not state:
            return
        try:
            self.lab_model.open(state.get("expression"), at=state.get("at"),
                                view=state.get("view"),
                                learning_rate=state.get("learning_rate"),
                                optimizer=state.get("optimizer"), pirate=state.get("pirate"),
                                downhill_only=state.get("downhill_only"),
                                seed=state.get("seed"))
        except (LabRequestError, TypeError, ValueError) as exc:
            log.info("the function lab's saved state is not used: %s", exc)
        self.lab_model.undo_stack.clear()

    def set_shown(self, shown: bool) -> None:
        """Show the lab (True) or the network (False) in the central area. The lab takes
        the whole window (on a 1024 x 768 projector it needs it): the network's docks and
        toolbars are hidden while it is shown and come back as they were."""
        if shown and not self.shown:
            view = self.ensure_view()
            self._hidden = [w for w in self._panels() if w.isVisible()]
            for w in self._hidden:
                w.hide()
            self.stack.setCurrentWidget(view)
            view.setFocus()
        elif not shown and self.shown:
            self.lab_model.stop()
            self.save_state()
            self.stack.setCurrentWidget(self.network_page)
            self._restore_panels()
        if self.action.isChecked() != shown:
            self.action.blockSignals(True)
            self.action.setChecked(shown)
            self.action.blockSignals(False)
        self.shownChanged.emit(shown)

    def open(self, expression: str | None = None, *, example: str | None = None,
             at: Mapping[str, Any] | Sequence[Any] | None = None, view: str | None = None,
             learning_rate: float | None = None, optimizer: str | None = None,
             steps: int | None = None, pirate: bool | None = None,
             downhill_only: bool | None = None, seed: int | None = None,
             graph_step: int | None = None, run_steps: int | None = None) -> FunctionView:
        """Show the lab with an expression or a built-in example (see
        :meth:`FunctionLabModel.open <simulator.app.function.model.FunctionLabModel.open>`);
        a bad request raises :class:`~simulator.app.function.state.LabRequestError` and
        changes nothing (the lab is not shown)."""
        self.lab_model.open(expression, example=example, at=at, view=view,
                            learning_rate=learning_rate, optimizer=optimizer, steps=steps,
                            pirate=pirate, downhill_only=downhill_only, seed=seed,
                            graph_step=graph_step, run_steps=run_steps)
        self.set_shown(True)
        assert self.view is not None
        return self.view

    def _panels(self) -> list[QWidget]:
        """The window's docks and toolbars (the network's panels)."""
        window = self.window
        return [w for w in window.findChildren(QDockWidget) + window.findChildren(QToolBar)
                if w.parent() is window]

    def _restore_panels(self) -> None:
        for w in self._hidden:
            if isValid(w):
                w.show()
        self._hidden = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close and self.shown:
            # The window saves its layout as it closes: give it the network's panels back.
            self.set_shown(False)
        return False

    # --- the network's nudge probe -------------------------------------------------------------

    def open_nudge(self, name: str | None = None) -> NetworkNudgeDialog:
        """The nudge probe of a network parameter: ``name``, else the selected weight or
        bias, else the first parameter."""
        if name is None:
            sel = self.network_model.selection
            name = sel.name if isinstance(sel, ParameterSel) else None
        return open_network_nudge(self.window, self.network_model, name)

    # --- following the window ---------------------------------------------------------------------

    def set_dark(self, dark: bool) -> None:
        """Follow the window's theme."""
        self._dark = dark
        if self.view is not None:
            self.view.set_dark(dark)

    def _follow_digits(self) -> None:
        self.lab_model.set_digits(self.network_model.digits)

    def shutdown(self) -> None:
        """Stop the lab's run and background work (the window calls this on close)."""
        self.lab_model.shutdown()


__all__ = ["KEYS", "FunctionLab"]
