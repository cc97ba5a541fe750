"""About: version, database, Qt and Python versions.

The form is static, so it is drawn in Qt Designer (ui/about.ui) and loaded with QUiLoader;
this module only fills in the values. Other forms are built in code (see gui/forms.py).
"""

from __future__ import annotations

import platform

import PySide6
from PySide6.QtCore import QFile, QIODevice, qVersion
from PySide6.QtUiTools import QUiLoader
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from opsmanager_desktop import __version__
from opsmanager_desktop.gui.icons import app_icon
from opsmanager_desktop.resources_path import ui_form


def load_form(name: str, parent: QWidget | None = None) -> QWidget:
    """A widget built from ui/<name> (raises FileNotFoundError if the form is missing)."""
    path = ui_form(name)
    file = QFile(str(path))
    if not file.open(QIODevice.OpenModeFlag.ReadOnly):
        raise FileNotFoundError(str(path))
    try:
        widget = QUiLoader().load(file, parent)
    finally:
        file.close()
    if widget is None:
        raise FileNotFoundError(str(path))
    return widget


class AboutDialog(QDialog):
    def __init__(self, database: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About Ops Manager Desktop")
        layout = QVBoxLayout(self)
        self.form = load_form("about.ui", self)
        layout.addWidget(self.form)
        logo = self.form.findChild(QLabel, "logoLabel")
        if logo is not None:
            logo.setPixmap(app_icon().pixmap(72, 72))
        self.version_label = self.form.findChild(QLabel, "versionLabel")
        if self.version_label is not None:
            self.version_label.setText(f"Version {__version__}")
        details = self.form.findChild(QLabel, "detailsLabel")
        if details is not None:
            details.setText(
                f"Database: {database}\n"
                f"Qt {qVersion()}, PySide6 {PySide6.__version__}, "
                f"Python {platform.python_version()} on {platform.system()}")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)
