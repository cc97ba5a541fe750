"""Icons (resources/icons/*.svg), the logo and the style sheet (resources/style.qss).

Everything is found through `opsmanager_desktop.resources_path.resource()`, so it works in
a source checkout and in an installed wheel alike. `icon("users")` returns an empty icon
(never raises) when a name is missing, so a page written before its icon still opens.
Icons are 24x24 line drawings in one colour (#3b4a5a) drawn for this program.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from opsmanager_desktop.resources_path import resource


@cache
def icon(name: str) -> QIcon:
    path = resource("icons", f"{name}.svg")
    return QIcon(str(path)) if path.exists() else QIcon()


def app_icon() -> QIcon:
    return icon("logo")


def style_sheet() -> str:
    """resources/style.qss with {icons} replaced by the icon folder (arrows of combos and
    spin boxes are images; a style sheet cannot name a path relative to itself)."""
    path = resource("style.qss")
    if not path.exists():
        return ""
    folder = resource("icons").as_posix()
    return path.read_text(encoding="utf-8").replace("{icons}", folder)


def apply_style(app: QApplication) -> None:
    app.setStyle("Fusion")  # the same look on Windows, macOS and Linux
    app.setStyleSheet(style_sheet())
    app.setWindowIcon(app_icon())
