"""Waiting for the cost-surface view, shared by the offscreen and the OpenGL tests."""

from __future__ import annotations

import numpy as np

from simulator.app.model import LabModel
from simulator.app.surface import SurfaceView
from simulator.engine import document as doc_io
from simulator.resources import example_path


def reference_model() -> LabModel:
    """A model holding the reference lesson."""
    return LabModel(document=doc_io.load(example_path("reference.json")))


def settled(view: SurfaceView) -> bool:
    """The grid for the current parameters has arrived and nothing is pending."""
    c = view.controller
    drawn = c.drawn
    return (drawn is not None and not drawn.coarse and not c.busy
            and np.array_equal(drawn.spec.centre, view.model.params)
            and not view.redraw_pending)


def wait_settled(qtbot, view: SurfaceView) -> None:
    """Wait (up to 10 s) until :func:`settled`."""
    qtbot.waitUntil(lambda: settled(view), timeout=10_000)
