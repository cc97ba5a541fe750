"""Staff teams, on SQLite and MariaDB: crews and queues that work is assigned to."""

from __future__ import annotations

import pytest

from opsmanager_desktop.cli.main import main
from opsmanager_desktop.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import teams
from opsmanager_desktop.services.backend import Backend
from tests.helpers import PASSWORD, admin_token, token_for


def test_teams_members_and_moves(backend: Backend) -> None:
    supervisor = token_for(backend, Role.SUPERVISOR)
    token_for(backend, Role.FIELD_OFFICER, "fo_ade")
    token_for(backend, Role.SUPPORT_AGENT, "sa_bola")
    north = teams.add_team(backend, supervisor, "crew-north", "North crew")
    assert (north.code, north.kind, north.members) == ("CREW-NORTH", "FIELD", ())
    teams.add_team(backend, supervisor, "desk", "Front desk", kind="support")
    teams.set_team(backend, supervisor, "fo_ade", "crew-north")
    moved = teams.set_team(backend, supervisor, "sa_bola", "CREW-NORTH")
    assert moved.team_code == "CREW-NORTH"
    moved = teams.set_team(backend, supervisor, "sa_bola", "desk")  # a person is in one team
    listed = {t.code: t.members for t in teams.list_teams(backend, supervisor)}
    assert listed == {"CREW-NORTH": ("fo_ade",), "DESK": ("sa_bola",)}
    out = teams.set_team(backend, supervisor, "fo_ade", None)
    assert out.team_code is None
    staff = {m.username: m.team_code for m in teams.list_staff(
        backend, token_for(backend, Role.FIELD_OFFICER, "fo_ade"))}
    assert staff["sa_bola"] == "DESK" and staff["fo_ade"] is None and "admin" in staff


def test_bad_input_and_rights(backend: Backend) -> None:
    supervisor = token_for(backend, Role.SUPERVISOR)
    with pytest.raises(ValidationError) as caught:
        teams.add_team(backend, supervisor, "two words", "", kind="navy")
    assert {p.field for p in caught.value.problems} == {"code", "name", "kind"}
    teams.add_team(backend, supervisor, "a1", "Crew A1")
    with pytest.raises(Conflict, match="already exists"):
        teams.add_team(backend, supervisor, "A1", "Again")
    with pytest.raises(NotFound, match="no team 'zz'"):
        teams.set_team(backend, supervisor, "admin", "zz")
    with pytest.raises(NotFound, match="no user"):
        teams.set_team(backend, supervisor, "ghost", "a1")
    teams.close_team(backend, supervisor, "a1")
    with pytest.raises(Conflict, match="closed"):
        teams.set_team(backend, supervisor, "admin", "a1")
    with pytest.raises(PermissionDenied):
        teams.add_team(backend, token_for(backend, Role.FIELD_OFFICER), "b1", "Crew B1")
    assert [t.code for t in teams.list_teams(backend, supervisor, include_closed=True)] == ["A1"]


def test_cli(backend: Backend, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> None:
    admin_token(backend)
    token_for(backend, Role.FIELD_OFFICER, "fo_1")
    url = backend.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("OPSMANAGER_PASSWORD", PASSWORD)
    monkeypatch.setenv("OPSMANAGER_USER", "admin")
    assert main(["--db", url, "teams", "add", "crew-1", "--name", "Crew one"]) == 0
    assert main(["--db", url, "teams", "assign", "fo_1", "--team", "crew-1"]) == 0
    capsys.readouterr()
    assert main(["--db", url, "--json", "teams", "list"]) == 0
    assert '"members": [\n      "fo_1"\n    ]' in capsys.readouterr().out
    assert main(["--db", url, "teams", "add", "bad code", "--name", "x"]) == 2
    assert "code" in capsys.readouterr().err
