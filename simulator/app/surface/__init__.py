"""The cost-surface panel: the loss over two parameters (or two random directions), in 3D
with pyqtgraph.opengl or as a contour map, with the current point, the training path, the
negative gradient and an optimizer comparison.

``SurfaceView(model, settings=...)`` is the widget. ``ensure_pyopengl_platform()`` must run
before anything imports OpenGL (the main window calls it at startup); ``gl_available()`` says
whether the 3D view can be used. Importing this package does not import pyqtgraph.opengl.

The modules, by job: :mod:`.state` (the user's choices, saved), :mod:`.controller` (what to
draw, from the model and the state), :mod:`.jobs` (the background grids and comparisons),
:mod:`.path` (the training path and the paths' heights), :mod:`.display` (the values the
views draw), :mod:`.view` (the panel), :mod:`.view3d` and :mod:`.contour` (the two views),
:mod:`.legend`, :mod:`.style` and :mod:`.gl`.
"""

from __future__ import annotations

from .controller import SurfaceController
from .gl import ensure_pyopengl_platform, gl_available
from .state import VIEW_3D, VIEW_CONTOUR, SurfaceState
from .view import SurfaceView

__all__ = [
    "VIEW_3D",
    "VIEW_CONTOUR",
    "SurfaceController",
    "SurfaceState",
    "SurfaceView",
    "ensure_pyopengl_platform",
    "gl_available",
]
