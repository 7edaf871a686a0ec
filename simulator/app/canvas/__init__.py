"""The network canvas: the diagram the student edits and steps through.

:class:`NetworkCanvas` is the view; :mod:`.layout` is its pure geometry, :mod:`.items` its
graphics items, :mod:`.content` builds and updates them, :mod:`.editor` is the inline value
editor, :mod:`.menus` the context menu and :mod:`.style` the palettes.
"""

from .view import NetworkCanvas

__all__ = ["NetworkCanvas"]
