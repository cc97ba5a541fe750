"""teams add/list/assign/close: the crews and queues work is assigned to."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from opsmanager_desktop.cli.app import CliApp
from opsmanager_desktop.services import teams


def register(commands: Any) -> None:
    parser = commands.add_parser("teams", help="staff teams: field crews, support queues")
    cmds = parser.add_subparsers(dest="teams_command", required=True)
    add = cmds.add_parser("add", help="a new team (supervisor, admin)")
    add.add_argument("code")
    add.add_argument("--name", required=True)
    add.add_argument("--kind", default="FIELD", help="FIELD (default), SUPPORT or OFFICE")
    add.set_defaults(handler=teams_add)
    lst = cmds.add_parser("list", help="teams with their members")
    lst.add_argument("--include-closed", action="store_true")
    lst.set_defaults(handler=teams_list)
    assign = cmds.add_parser("assign", help="place a person in a team (moves them)")
    assign.add_argument("username")
    group = assign.add_mutually_exclusive_group(required=True)
    group.add_argument("--team", help="team code")
    group.add_argument("--none", action="store_true", help="take the person out of their team")
    assign.set_defaults(handler=teams_assign)
    close = cmds.add_parser("close", help="no new work goes to a closed team")
    close.add_argument("code")
    close.set_defaults(handler=teams_close)


def _team_json(row: teams.TeamRow) -> dict[str, Any]:
    data = asdict(row)
    data["members"] = list(row.members)
    del data["id"]
    return data


def teams_add(app: CliApp, args: argparse.Namespace) -> int:
    row = teams.add_team(app.backend, app.token(), args.code, args.name, kind=args.kind)
    app.emit(_team_json(row), f"Team {row.code!r} added.")
    return 0


def teams_list(app: CliApp, args: argparse.Namespace) -> int:
    rows = teams.list_teams(app.backend, app.token(), include_closed=args.include_closed)
    app.emit([_team_json(r) for r in rows])
    return 0


def teams_assign(app: CliApp, args: argparse.Namespace) -> int:
    row = teams.set_team(app.backend, app.token(), args.username,
                         None if args.none else args.team)
    where = f"in team {row.team_code!r}" if row.team_code else "in no team"
    app.emit(asdict(row), f"{row.username} is now {where}.")
    return 0


def teams_close(app: CliApp, args: argparse.Namespace) -> int:
    row = teams.close_team(app.backend, app.token(), args.code)
    app.emit(_team_json(row), f"Team {row.code!r} closed.")
    return 0
