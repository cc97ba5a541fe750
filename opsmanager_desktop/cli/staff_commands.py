"""staff performance: the ranked figures per person and team for a period (supervisor,
admin), as a table, JSON, or a file (.xlsx / .pdf)."""

from __future__ import annotations

import argparse
from typing import Any

from opsmanager_desktop.cli.app import CliApp
from opsmanager_desktop.cli.payment_commands import parse_date
from opsmanager_desktop.domain.errors import invalid
from opsmanager_desktop.reports.staff_performance import columns_for, text_of
from opsmanager_desktop.services import staff_performance as perf
from opsmanager_desktop.services.staff_performance import PerformanceRow, StaffPerformance


def register(commands: Any) -> None:
    parser = commands.add_parser("staff", help="staff performance")
    cmds = parser.add_subparsers(dest="staff_command", required=True)
    show = cmds.add_parser(
        "performance", help="readings, bills distributed, field records, cases closed on "
        "time and disconnections per person and team, ranked (supervisor, admin)")
    show.add_argument("--from", dest="date_from", required=True, metavar="DATE",
                      help="first day, YYYY-MM-DD (included)")
    show.add_argument("--to", dest="date_to", required=True, metavar="DATE",
                      help="last day, YYYY-MM-DD (included)")
    show.add_argument("--team", metavar="CODE", help="only this team's members")
    show.add_argument("--teams", action="store_true",
                      help="show the per-team table (text output; JSON has both)")
    show.add_argument("--out", metavar="FILE", help="write FILE.xlsx or FILE.pdf instead")
    show.set_defaults(handler=staff_performance)


def _row_json(row: PerformanceRow, *, team_row: bool) -> dict[str, Any]:
    m = row.metrics
    data: dict[str, Any] = {"rank": row.rank, "team" if team_row else "username": row.key,
                            "name": row.name}
    if team_row:
        data["people"] = row.people
    else:
        data["team"] = row.team
    data.update({
        "readings": m.readings, "readings_approved": m.readings_approved,
        "readings_rejected": m.readings_rejected, "approval_rate": m.approval_rate,
        "bills_distributed": m.bills_distributed, "enumerations": m.enumerations,
        "enumerations_approved": m.enumerations_approved, "evaluations": m.evaluations,
        "evaluations_approved": m.evaluations_approved,
        "complaints_on_time": m.complaints_on_time, "complaints_late": m.complaints_late,
        "tickets_on_time": m.tickets_on_time, "tickets_late": m.tickets_late,
        "disconnections": m.disconnections, "reconnections": m.reconnections,
        "score": row.score})
    return data


def _as_json(result: StaffPerformance) -> dict[str, Any]:
    return {"from": result.period.date_from, "to": result.period.date_to,
            "team": result.team, "sources": list(result.sources),
            "people": [_row_json(r, team_row=False) for r in result.people],
            "teams": [_row_json(r, team_row=True) for r in result.teams]}


def _text_table(result: StaffPerformance, teams: bool) -> list[dict[str, str]]:
    columns = columns_for(result.sources, teams=teams)
    rows = result.teams if teams else result.people
    return [{c.title: text_of(c, c.value(r)) for c in columns} for r in rows]


def staff_performance(app: CliApp, args: argparse.Namespace) -> int:
    date_from = parse_date(args.date_from, "from")
    date_to = parse_date(args.date_to, "to")
    if date_from is None or date_to is None:  # argparse requires both
        raise invalid("from", "give the period with --from and --to")
    if args.out:
        done = perf.performance_report(app.backend, app.token(), date_from, date_to, args.out,
                                       team=args.team)
        app.emit({"file": str(done.path), "pages": done.pages, "people": done.people,
                  "teams": done.teams},
                 f"Staff performance {date_from} to {date_to} written to {done.path} "
                 f"({done.people} people, {done.teams} teams).")
        return 0
    result = perf.staff_performance(app.backend, app.token(), date_from, date_to,
                                    team=args.team)
    if app.json:
        app.emit(_as_json(result))
    else:
        app.emit(_text_table(result, args.teams))
    return 0
