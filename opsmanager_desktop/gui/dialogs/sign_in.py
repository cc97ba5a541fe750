"""Sign-in, first administrator and password change: the dialogs before the main window.

Messages come from services.auth as they are (wrong password, locked for 15 minutes,
disabled); the dialogs only add the typed-twice check of a new password.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from opsmanager_desktop.domain.errors import NotSignedIn
from opsmanager_desktop.gui.forms import FormDialog, password_edit
from opsmanager_desktop.gui.icons import app_icon
from opsmanager_desktop.gui.pages.user_dialogs import check_repeat
from opsmanager_desktop.gui.tasks import Job
from opsmanager_desktop.services import auth
from opsmanager_desktop.services.auth import SignedIn
from opsmanager_desktop.services.backend import Backend


def brand_header(subtitle: str) -> QWidget:
    header = QWidget()
    row = QHBoxLayout(header)
    row.setContentsMargins(0, 0, 0, 8)
    logo = QLabel()
    logo.setPixmap(app_icon().pixmap(48, 48))
    row.addWidget(logo)
    texts = QVBoxLayout()
    texts.setSpacing(0)
    title = QLabel("Ops Manager Desktop")
    title.setObjectName("signInHeader")
    texts.addWidget(title)
    sub = QLabel(subtitle)
    sub.setObjectName("pageSubtitle")
    sub.setWordWrap(True)
    texts.addWidget(sub)
    row.addLayout(texts, 1)
    return header


class SignInDialog(FormDialog):
    settings_requested = Signal()

    def __init__(self, backend: Backend, parent: QWidget | None = None,
                 username: str = "") -> None:
        super().__init__(parent, "Sign in - Ops Manager Desktop", ok_text="Sign in")
        self.setObjectName("signInDialog")
        self.backend = backend
        self.body.insertWidget(0, brand_header("Sign in with your user name and password."))
        self.username = self.add_field("Username", QLineEdit(username), "username")
        self.password = self.add_field("Password", password_edit(), "password")
        database = QHBoxLayout()
        self.database_label = QLabel(f"Database: {backend.describe()}")
        self.database_label.setObjectName("hint")
        self.database_label.setWordWrap(True)
        self.database_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        database.addWidget(self.database_label, 1)
        change = QPushButton("Change...")
        change.setAutoDefault(False)
        change.setToolTip("Choose another database (Settings)")
        change.clicked.connect(self.settings_requested)
        database.addWidget(change)
        self.body.addLayout(database)
        (self.password if username else self.username).setFocus()
        self.setMinimumWidth(460)

    def collect(self) -> tuple[str, str]:
        return self.username.text().strip(), self.password.text()

    def submit(self, values: tuple[str, str], job: Job) -> SignedIn:
        return auth.sign_in(self.backend, *values)

    def _on_failed(self, exc: BaseException) -> None:
        self.errors.show(exc)
        if isinstance(exc, NotSignedIn):
            self.password.selectAll()
            self.password.setFocus()


class FirstRunDialog(FormDialog):
    """No user exists yet: create the first administrator (and sign them in)."""

    def __init__(self, backend: Backend, demo_available: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, "First start - Ops Manager Desktop",
                         ok_text="Create administrator")
        self.setObjectName("firstRunDialog")
        self.backend = backend
        self.demo_available = demo_available
        self.body.insertWidget(0, brand_header(
            "Welcome. This database has no users yet: create the first administrator. "
            "Nothing else can be done until one exists."))
        self.username = self.add_field("Username", QLineEdit("admin"), "username")
        self.full_name = self.add_field("Full name", QLineEdit(), "full name")
        self.password = self.add_field("Password", password_edit("at least 10 characters"),
                                       "password")
        self.repeat = self.add_field("Repeat password", password_edit(), "repeat password")
        self.demo = QCheckBox("Load demo data to try the program out: about 1,000 customers\n"
                              "with a year of readings, bills and payments")
        self.demo.setVisible(demo_available)
        if demo_available:
            self.form.addRow(self.demo)
        self.database_label = QLabel(f"Database: {backend.describe()}")
        self.database_label.setObjectName("hint")
        self.database_label.setWordWrap(True)
        self.body.addWidget(self.database_label)
        self.full_name.setFocus()
        self.setMinimumWidth(540)

    def collect(self) -> dict[str, Any]:
        check_repeat(self.password.text(), self.repeat.text())
        return {"username": self.username.text().strip(), "password": self.password.text(),
                "full_name": self.full_name.text().strip()}

    def submit(self, values: dict[str, Any], job: Job) -> SignedIn:
        auth.create_first_admin(self.backend, values["username"], values["password"],
                                values["full_name"])
        return auth.sign_in(self.backend, values["username"], values["password"])

    @property
    def wants_demo(self) -> bool:
        # not isVisible(): it is read after the dialog has closed
        return self.demo_available and self.demo.isChecked()


class ChangePasswordDialog(FormDialog):
    def __init__(self, backend: Backend, token: str, forced: bool,
                 parent: QWidget | None = None) -> None:
        intro = ("Your password was set by an administrator. Choose your own password "
                 "before you go on." if forced else "Choose a new password.")
        super().__init__(parent, "Change password", ok_text="Change password", intro=intro)
        self.setObjectName("changePasswordDialog")
        self.backend = backend
        self.token = token
        self.current = self.add_field("Current password", password_edit(),
                                      "current password")
        self.new = self.add_field("New password", password_edit("at least 10 characters"),
                                  "new password", "password")
        self.repeat = self.add_field("Repeat new password", password_edit(),
                                     "repeat password")
        self.setMinimumWidth(460)

    def collect(self) -> tuple[str, str]:
        check_repeat(self.new.text(), self.repeat.text())
        return self.current.text(), self.new.text()

    def submit(self, values: tuple[str, str], job: Job) -> None:
        auth.change_own_password(self.backend, self.token, *values)
