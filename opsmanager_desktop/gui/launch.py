"""`opsmanager` with no command: the desktop program.

launch_gui builds the QApplication, logging (to the user's data folder), the style, and the
AppController that resolves the database URL (--db, else OPSMANAGER_DB, else the URL saved
in QSettings, else the local SQLite file), creates or upgrades the schema and leads to the
main window. An unreachable database ends in the Settings dialog, never in a traceback.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from opsmanager_desktop import __version__
from opsmanager_desktop.config import data_dir
from opsmanager_desktop.gui.app_controller import AppController
from opsmanager_desktop.gui.errors import install_excepthook, setup_logging
from opsmanager_desktop.gui.icons import apply_style
from opsmanager_desktop.gui.settings_store import AppSettings
from opsmanager_desktop.gui.smoke import start_smoke_run


def make_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Ops Manager Desktop")
    app.setOrganizationName("OpsManager")
    app.setApplicationVersion(__version__)
    # the controller decides when the program ends: between two dialogs (sign-in accepted,
    # main window not shown yet) no window is visible and Qt must not quit then
    app.setQuitOnLastWindowClosed(False)
    apply_style(app)
    return app


def launch_gui(db_url: str | None = None) -> int:
    app = make_application()
    setup_logging(data_dir() / "logs")
    install_excepthook()
    controller = AppController(AppSettings(), cli_url=db_url)
    controller.finished.connect(app.exit)
    smoke = start_smoke_run(app, controller)  # None unless OPSMANAGER_SMOKE_EXIT_MS is set
    controller.start()
    code = int(app.exec())
    return smoke.result(code) if smoke is not None else code
