"""Users page (administrators): list, search, filter by role and state, add, edit, reset."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.filter_bar import FilterBar
from opsmanager_desktop.gui.pages.base import ListPage
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.pages.user_dialogs import ResetPasswordDialog, UserDialog
from opsmanager_desktop.gui.table_model import Column, date_column
from opsmanager_desktop.services import users
from opsmanager_desktop.services.listing import ListQuery, Page
from opsmanager_desktop.services.users import UserRow


def _state(row: UserRow) -> str:
    if not row.is_active:
        return "Disabled"
    if row.locked_until is not None:
        return f"Locked until {row.locked_until:%H:%M}"
    if row.must_change_password:
        return "Must change password"
    return "Active"


class UsersPage(ListPage):
    noun = ("user", "users")
    search_placeholder = "Search username, full name or e-mail"
    default_sort = ("username", False)

    def row_key(self, row: Any) -> object:
        return row.username

    def make_columns(self) -> Sequence[Column[UserRow]]:
        return [
            Column("username", "Username", lambda r: r.username, "username", width=130),
            Column("full_name", "Full name", lambda r: r.full_name, "full_name", width=170),
            Column("role", "Role", lambda r: r.role, "role", width=135),
            Column("state", "State", _state, "is_active", width=165,
                   tooltip="Disabled users cannot sign in; a lock ends by itself"),
            Column("email", "E-mail", lambda r: r.email, width=190),
            Column("account", "Customer", lambda r: r.account_no, width=90),
            date_column("created", "Created", lambda r: r.created_at.date(), "created_at"),
        ]

    def fetch(self, query: ListQuery) -> Page[UserRow]:
        return users.list_users(self.ctx.backend, self.ctx.token, query)

    def setup_filters(self, bar: FilterBar) -> None:
        bar.add_choice("role", "Role", [("All roles", None)]
                       + [(role.label, role.value) for role in Role])
        bar.add_choice("active", "State", [("Active and disabled", None), ("Active", True),
                                           ("Disabled", False)])

    def setup_actions(self) -> None:
        self.add_action("Add user...", "add", self.add_user, shortcut="Ctrl+N",
                        permission=Permission.USERS_MANAGE)
        self.add_action("Edit...", "edit", self.edit_selected, needs_row=True,
                        permission=Permission.USERS_MANAGE, tip="Edit the selected user")
        self.add_action("Reset password...", "key", self.reset_selected, needs_row=True,
                        permission=Permission.USERS_MANAGE)

    def on_row_activated(self, row: Any) -> None:
        if self.ctx.can(Permission.USERS_MANAGE):
            self.edit_user(row)

    def add_user(self) -> UserDialog:
        dialog = UserDialog(self.ctx, None, self)
        dialog.on_session_ended = self.ctx.check_session
        dialog.accepted.connect(lambda: self._after_save(dialog, "added"))
        dialog.open()
        return dialog

    def _after_save(self, dialog: UserDialog, verb: str) -> None:
        self.refresh()
        row = dialog.result_value
        if isinstance(row, UserRow):
            self.notify(f"User {row.username} {verb} ({row.role.label}).")

    def edit_selected(self) -> UserDialog | None:
        row = self.selected()
        return self.edit_user(row) if row is not None else None

    def edit_user(self, row: UserRow) -> UserDialog:
        dialog = UserDialog(self.ctx, row, self)
        dialog.on_session_ended = self.ctx.check_session
        dialog.accepted.connect(lambda: self._after_save(dialog, "saved"))
        dialog.open()
        return dialog

    def reset_selected(self) -> ResetPasswordDialog | None:
        row = self.selected()
        if row is None:
            return None
        dialog = ResetPasswordDialog(self.ctx, row.username, self)
        dialog.on_session_ended = self.ctx.check_session
        dialog.accepted.connect(lambda: self._after_reset(row.username))
        dialog.open()
        return dialog

    def _after_reset(self, username: str) -> None:
        self.refresh()
        self.notify(f"Password of {username} reset: they choose a new one at the next "
                    "sign-in.")


def _make(ctx: AppContext) -> UsersPage:
    return UsersPage(ctx, PAGE)


PAGE = PageSpec("users", "Users", "users", Permission.USERS_VIEW, _make, order=10,
                description="Who may sign in, and with which role")
