"""Light and dark themes: one QPalette for the whole app, plus a few derived colours.

Views that draw their own colours (the canvas, the derivation panel's HTML) read them from
the application palette, or are told with ``set_dark``; they re-read on a PaletteChange.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

Role = QPalette.ColorRole
Group = QPalette.ColorGroup


def dark_palette() -> QPalette:
    """A calm dark palette with enough contrast for a projector."""
    p = QPalette()
    window = QColor(37, 39, 43)
    base = QColor(28, 30, 33)
    text = QColor(230, 232, 235)
    muted = QColor(140, 145, 152)
    accent = QColor(66, 140, 230)
    for group in (Group.Active, Group.Inactive):
        p.setColor(group, Role.Window, window)
        p.setColor(group, Role.WindowText, text)
        p.setColor(group, Role.Base, base)
        p.setColor(group, Role.AlternateBase, QColor(44, 47, 52))
        p.setColor(group, Role.ToolTipBase, QColor(50, 53, 58))
        p.setColor(group, Role.ToolTipText, text)
        p.setColor(group, Role.PlaceholderText, muted)
        p.setColor(group, Role.Text, text)
        p.setColor(group, Role.Button, QColor(48, 51, 56))
        p.setColor(group, Role.ButtonText, text)
        p.setColor(group, Role.BrightText, QColor(255, 90, 90))
        p.setColor(group, Role.Light, QColor(70, 74, 80))
        p.setColor(group, Role.Midlight, QColor(58, 61, 67))
        p.setColor(group, Role.Mid, QColor(44, 47, 52))
        p.setColor(group, Role.Dark, QColor(20, 21, 23))
        p.setColor(group, Role.Shadow, QColor(0, 0, 0))
        p.setColor(group, Role.Highlight, accent)
        p.setColor(group, Role.HighlightedText, QColor(255, 255, 255))
        p.setColor(group, Role.Link, QColor(110, 170, 255))
        p.setColor(group, Role.LinkVisited, QColor(170, 140, 255))
    p.setColor(Group.Disabled, Role.Window, window)
    p.setColor(Group.Disabled, Role.Base, base)
    p.setColor(Group.Disabled, Role.Button, QColor(44, 47, 52))
    for role in (Role.WindowText, Role.Text, Role.ButtonText, Role.PlaceholderText):
        p.setColor(Group.Disabled, role, QColor(105, 109, 115))
    p.setColor(Group.Disabled, Role.Highlight, QColor(70, 74, 80))
    p.setColor(Group.Disabled, Role.HighlightedText, QColor(160, 160, 160))
    return p


def light_palette() -> QPalette:
    """The style's own light palette."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app.style().standardPalette()
    return QPalette()


def apply_theme(dark: bool) -> None:
    """Set the application palette (every widget is told by a PaletteChange event)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    app.setPalette(dark_palette() if dark else light_palette())


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether ``palette`` (the application's by default) has a dark window colour."""
    if palette is None:
        palette = QGuiApplication.palette()
    return palette.color(Role.Window).lightness() < 128


def muted_text(palette: QPalette) -> QColor:
    """Text colour for secondary lines: half way between the text and the background."""
    a, b = palette.color(Role.Text), palette.color(Role.Base)
    return QColor((a.red() + b.red()) // 2, (a.green() + b.green()) // 2,
                  (a.blue() + b.blue()) // 2)


def accent(palette: QPalette) -> QColor:
    """The colour for results and the current stage."""
    return palette.color(Role.Highlight)


def warning_colors(palette: QPalette) -> tuple[QColor, QColor]:
    """(background, text) for a warning banner that reads well in both themes."""
    if is_dark(palette):
        return QColor(110, 35, 35), QColor(255, 228, 228)
    return QColor(253, 228, 228), QColor(140, 20, 20)


def monospace_font(point_size: float | None = None) -> QFont:
    """The system's fixed-width font, optionally at ``point_size``."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    if point_size is not None:
        font.setPointSizeF(point_size)
    return font


__all__ = [
    "accent",
    "apply_theme",
    "dark_palette",
    "is_dark",
    "light_palette",
    "monospace_font",
    "muted_text",
    "warning_colors",
]
