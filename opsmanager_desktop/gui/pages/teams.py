"""Teams page: the staff with the team each is in (services.teams); supervisors and admins
form teams (field crews, support queues), place people in them and close old ones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.filter_bar import FilterBar
from opsmanager_desktop.gui.forms import FormDialog
from opsmanager_desktop.gui.pages.base import ListPage
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.table_model import Column
from opsmanager_desktop.gui.tasks import Job
from opsmanager_desktop.services import teams
from opsmanager_desktop.services.listing import ListQuery, Page
from opsmanager_desktop.services.teams import TEAM_KINDS, MemberRow, TeamRow

NO_TEAM = "-"  # the filter value for people in no team


class NewTeamDialog(FormDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, "New team", ok_text="Add team",
                         intro="A field crew or a support queue. Complaints, tickets and "
                               "disconnection work can be assigned to it.")
        self.setObjectName("newTeamDialog")
        self.ctx = ctx
        self.code = self.add_field("Code", QLineEdit(), "code")
        self.code.setPlaceholderText("e.g. CREW-NORTH")
        self.name = self.add_field("Name", QLineEdit(), "name")
        self.kind = self.add_field("Kind", QComboBox(), "kind")
        for kind in TEAM_KINDS:
            self.kind.addItem(kind.capitalize(), kind)
        self.setMinimumWidth(420)

    def collect(self) -> tuple[str, str, str]:
        return self.code.text(), self.name.text(), str(self.kind.currentData())

    def submit(self, values: tuple[str, str, str], job: Job) -> TeamRow:
        code, name, kind = values
        return teams.add_team(self.ctx.backend, self.ctx.token, code, name, kind=kind)


class SetTeamDialog(FormDialog):
    def __init__(self, ctx: AppContext, member: MemberRow, options: list[TeamRow],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, "Set team", ok_text="Save",
                         intro=f"The team {member.full_name or member.username} works in. "
                               "A person is in one team at most.")
        self.setObjectName("setTeamDialog")
        self.ctx = ctx
        self.username = member.username
        self.team = self.add_field("Team", QComboBox(), "team", "code")
        self.team.addItem("No team", None)
        for row in options:
            self.team.addItem(f"{row.code} - {row.name}", row.code)
        index = self.team.findData(member.team_code)
        self.team.setCurrentIndex(max(index, 0))
        self.setMinimumWidth(400)

    def collect(self) -> str | None:
        data = self.team.currentData()
        return None if data is None else str(data)

    def submit(self, values: str | None, job: Job) -> MemberRow:
        return teams.set_team(self.ctx.backend, self.ctx.token, self.username, values)


class TeamsPage(ListPage):
    noun = ("person", "people")
    search_placeholder = "Search username or name"
    default_sort = ("team", False)

    def row_key(self, row: Any) -> object:
        return row.username

    def make_columns(self) -> Sequence[Column[MemberRow]]:
        return [
            Column("team", "Team", lambda r: r.team_code or "", "team", width=140),
            Column("username", "Username", lambda r: r.username, "username", width=140),
            Column("name", "Name", lambda r: r.full_name, "name", width=200),
            Column("role", "Role", lambda r: Role(r.role).label, "role", width=150),
        ]

    def fetch(self, query: ListQuery) -> Page[MemberRow]:
        # staff lists are short (hundreds): filter and sort here, page the result
        rows = teams.list_staff(self.ctx.backend, self.ctx.token)
        text = query.search.strip().lower()
        if text:
            rows = [r for r in rows if text in r.username.lower() or text in r.full_name.lower()]
        team = (query.filters or {}).get("team")
        if team:
            rows = [r for r in rows if (r.team_code or NO_TEAM) == team]
        keys = {"team": lambda r: (r.team_code is None, r.team_code or "", r.username),
                "username": lambda r: r.username, "name": lambda r: r.full_name.lower(),
                "role": lambda r: r.role}
        rows.sort(key=keys.get(query.sort, keys["team"]), reverse=query.descending)
        return Page(rows[query.offset:query.offset + query.limit], len(rows), query.offset)

    def setup_filters(self, bar: FilterBar) -> None:
        self.team_combo = bar.add_choice("team", "Team", self._team_options())
        self.team_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)

    def _team_options(self) -> list[tuple[str, Any]]:
        options: list[tuple[str, Any]] = [("All teams", None), ("In no team", NO_TEAM)]
        try:
            options += [(f"{t.code} - {t.name}", t.code)
                        for t in teams.list_teams(self.ctx.backend, self.ctx.token)]
        except Exception as exc:  # an outage: the banner says so, the page stays
            self.handle_error(exc)
        return options

    def _reload_team_choices(self) -> None:
        """A new team joins the filter; the chosen one stays chosen."""
        current = self.team_combo.currentData()
        self.team_combo.blockSignals(True)
        self.team_combo.clear()
        for text, value in self._team_options():
            self.team_combo.addItem(text, value)
        self.team_combo.setCurrentIndex(max(self.team_combo.findData(current), 0))
        self.team_combo.blockSignals(False)

    def setup_actions(self) -> None:
        self.add_action("New team...", "add", self.new_team, shortcut="Ctrl+N",
                        permission=Permission.TEAMS_MANAGE)
        self.add_action("Set team...", "edit", self.set_team, needs_row=True,
                        shortcut="Ctrl+E", permission=Permission.TEAMS_MANAGE,
                        tip="Place the selected person in a team, or take them out")

    def new_team(self) -> NewTeamDialog:
        dialog = NewTeamDialog(self.ctx, self)
        dialog.on_session_ended = self.ctx.check_session
        dialog.accepted.connect(lambda: self._done(f"Team {dialog.result_value.code} added."))
        dialog.open()
        return dialog

    def set_team(self) -> SetTeamDialog | None:
        row = self.selected()
        if not isinstance(row, MemberRow):
            return None
        options = teams.list_teams(self.ctx.backend, self.ctx.token)
        dialog = SetTeamDialog(self.ctx, row, options, self)
        dialog.on_session_ended = self.ctx.check_session
        dialog.accepted.connect(lambda: self._done(
            f"{row.username} is now in {dialog.result_value.team_code or 'no team'}."))
        dialog.open()
        return dialog

    def _done(self, text: str) -> None:
        self.notify(text)
        self._reload_team_choices()
        self.refresh()


def _make(ctx: AppContext) -> TeamsPage:
    return TeamsPage(ctx, PAGE)


PAGE = PageSpec("teams", "Teams", "users", Permission.TEAMS_MANAGE, _make, order=105,
                description="Field crews and support queues, and who works in each")
