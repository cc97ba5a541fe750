"""Add/edit a user and reset a password: thin forms over services.users."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QWidget

from opsmanager_desktop.domain.errors import invalid
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.forms import FormDialog, password_edit
from opsmanager_desktop.gui.tasks import Job
from opsmanager_desktop.services import users
from opsmanager_desktop.services.users import UserRow


def role_combo() -> QComboBox:
    combo = QComboBox()
    for role in Role:
        combo.addItem(role.label, role.value)
    return combo


def check_repeat(password: str, repeat: str) -> None:
    """Typing the password twice guards against a typo; the policy itself is the service's."""
    if password != repeat:
        raise invalid("repeat password", "does not match the password typed above")


class UserDialog(FormDialog):
    """Add a user (row is None) or edit one."""

    def __init__(self, ctx: AppContext, row: UserRow | None = None,
                 parent: QWidget | None = None) -> None:
        adding = row is None
        super().__init__(parent, "Add user" if row is None else f"Edit user {row.username}",
                         ok_text="Add user" if adding else "Save")
        self.setObjectName("userDialog")
        self.ctx = ctx
        self.row = row
        self.username = self.add_field("Username", QLineEdit(), "username")
        self.full_name = self.add_field("Full name", QLineEdit(), "full name", "full_name")
        self.email = self.add_field("E-mail", QLineEdit(), "email", "e-mail")
        self.role = self.add_field("Role", role_combo(), "role")
        self.account = self.add_field("Customer account", QLineEdit(), "customer",
                                      "account", "account_no")
        self.account.setPlaceholderText("consumers only: their account number")
        self.active = QCheckBox("Active (may sign in)")
        self.password: QLineEdit | None = None
        self.repeat: QLineEdit | None = None
        if adding:
            self.password = self.add_field("Password", password_edit(), "password")
            self.repeat = self.add_field("Repeat password", password_edit(), "repeat password")
            self.username.setFocus()
        else:
            assert row is not None
            self.username.setText(row.username)
            self.username.setReadOnly(True)
            self.full_name.setText(row.full_name)
            self.email.setText(row.email)
            self.role.setCurrentIndex(self.role.findData(row.role.value))
            self.account.setText(row.account_no or "")
            self.active.setChecked(row.is_active)
            self.add_field("", self.active, "active", "is_active")
            self.full_name.setFocus()
        self.setMinimumWidth(460)

    def collect(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "username": self.username.text().strip(),
            "full_name": self.full_name.text(),
            "email": self.email.text().strip(),
            "role": Role(self.role.currentData()),
            "account_no": self.account.text().strip() or None,
        }
        if self.password is not None and self.repeat is not None:
            check_repeat(self.password.text(), self.repeat.text())
            values["password"] = self.password.text()
        else:
            values["is_active"] = self.active.isChecked()
        return values

    def submit(self, values: dict[str, Any], job: Job) -> UserRow:
        backend, token = self.ctx.backend, self.ctx.token
        if self.row is None:
            return users.add_user(backend, token, values["username"], values["role"],
                                  values["password"], full_name=values["full_name"],
                                  email=values["email"], account_no=values["account_no"])
        return users.update_user(backend, token, self.row.username, version=self.row.version,
                                 role=values["role"], full_name=values["full_name"],
                                 email=values["email"], is_active=values["is_active"],
                                 account_no=values["account_no"])


class ResetPasswordDialog(FormDialog):
    def __init__(self, ctx: AppContext, username: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, f"Reset password of {username}", ok_text="Reset password",
                         intro=f"Give {username} a temporary password. They will have to "
                               "choose their own at the next sign-in; a lock after failed "
                               "sign-ins is lifted.")
        self.setObjectName("resetPasswordDialog")
        self.ctx = ctx
        self.username = username
        self.password = self.add_field("Temporary password", password_edit(),
                                       "password", "new password")
        self.repeat = self.add_field("Repeat password", password_edit(), "repeat password")
        self.setMinimumWidth(440)

    def collect(self) -> str:
        check_repeat(self.password.text(), self.repeat.text())
        return self.password.text()

    def submit(self, values: str, job: Job) -> None:
        users.reset_password(self.ctx.backend, self.ctx.token, self.username, values)
