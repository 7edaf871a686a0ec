"""Whether a widget can be seen now (a small helper the views and the window share)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def in_view(widget: QWidget) -> bool:
    """Whether ``widget`` can be seen now: shown, and not in a dock behind another tab (Qt
    keeps such a dock "visible", moved out of the window)."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


__all__ = ["in_view"]
