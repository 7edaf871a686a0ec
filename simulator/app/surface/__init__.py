"""The cost-surface panel: the loss over two parameters (or two random directions), in 3D
with pyqtgraph.opengl or as a contour map, with the current point, the training path, the
negative gradient and an optimizer comparison.

``SurfaceView(model)`` is the widget. ``ensure_pyopengl_platform()`` must run before
anything imports OpenGL (the main window calls it at startup); ``gl_available()`` says
whether the 3D view can be used. Importing this package does not import pyqtgraph.opengl.
"""

from __future__ import annotations

from .controller import SurfaceController
from .gl import ensure_pyopengl_platform, gl_available
from .view import VIEW_3D, VIEW_CONTOUR, SurfaceView

__all__ = [
           "VIEW_3D",
           "VIEW_CONTOUR",
           "SurfaceController",
           "SurfaceView",
           "ensure_pyopengl_platform",
           "gl_available",
]
