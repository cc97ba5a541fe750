"""The field crews' file of executed tickets: `ticket,outcome,executed_at` and optional
`reason,executed_by` (CSV or XLSX), e.g. exported from a handheld at the end of the day.

The import pattern of services/imports.py: the whole file is checked first (ticket known,
outcome fits its kind, a 'not done' has its reason, time not in the future, officer known,
the connection can change status), every bad row reported by row and column, nothing
written unless all rows are good (or, with skip_invalid, the good rows written and the bad
ones copied to a rejects file). A ticket already closed with the same outcome, in the
database or earlier in the file, is a duplicate: counted, not an error, so the same file
imported twice closes nothing twice; closed with another outcome, it is an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from opsmanager_desktop.db.models import Connection, DisconnectionTicket
from opsmanager_desktop.domain.customers import ConnectionStatus, status_change_problem
from opsmanager_desktop.domain.disconnection import (
    Outcome,
    TicketKind,
    TicketStatus,
    close_problems,
)
from opsmanager_desktop.domain.errors import Conflict
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.disconnection_tickets import close_one
from opsmanager_desktop.services.distribution import known_users, normalize_time
from opsmanager_desktop.services.file_import import FileKind, datetime_cell, import_file
from opsmanager_desktop.services.imports import (
    Cancelled,
    Problems,
    Progress,
    Row,
)

REQUIRED = ("ticket", "outcome", "executed_at")
OPTIONAL = ("reason", "executed_by")
CHUNK = 500
IN_LIST_MAX = 900
FILE = FileKind(REQUIRED, OPTIONAL, CHUNK, "disconnection_tickets", "closed")


@dataclass(frozen=True)
class TicketImportResult:
    rows: int
    closed: int
    duplicates: int
    rejected: int
    rejects_path: Path | None


@dataclass(frozen=True)
class _Close:
    ticket_id: int
    outcome: Outcome
    reason: str
    when: datetime
    executed_by: str


class _Run:
    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.seen: dict[int, Outcome] = {}
        self.duplicates = 0
        self.written = 0  # tickets closed

    def _tickets(self, ids: set[int]) -> dict[int, tuple[DisconnectionTicket, str]]:
        t = DisconnectionTicket
        found: dict[int, tuple[DisconnectionTicket, str]] = {}
        wanted = sorted(ids)
        for i in range(0, len(wanted), IN_LIST_MAX):
            for ticket, status in self.ctx.session.execute(
                    select(t, Connection.status)
                    .join(Connection, Connection.id == t.connection_id)
                    .where(t.id.in_(wanted[i:i + IN_LIST_MAX]))):
                found[ticket.id] = (ticket, status)
        return found

    def check(self, rows: list[Row], problems: Problems) -> list[_Close]:
        now = normalize_time(self.ctx.now)
        numbers: dict[int, int] = {}
        for row in rows:
            text = row["ticket"].lstrip("#")
            if not text.isdigit() or int(text) < 1:
                problems.add(row, "ticket", f"{row['ticket']!r} is not a ticket number"
                             if row["ticket"] else "is required")
            else:
                numbers[row.number] = int(text)
        tickets = self._tickets(set(numbers.values()))
        users = known_users(self.ctx.session, {row["executed_by"] for row in rows})
        items: list[_Close] = []
        for row in rows:
            when = datetime_cell(row, "executed_at", problems)
            number = numbers.get(row.number)
            if number is None:
                continue
            if number not in tickets:
                problems.add(row, "ticket", f"no disconnection or reconnection ticket "
                             f"#{number}")
                continue
            ticket, connection_status = tickets[number]
            chosen, found = close_problems(TicketKind(ticket.kind), row["outcome"],
                                           row["reason"])
            for problem in found:
                problems.add(row, problem.field, problem.reason)
            officer = row["executed_by"]
            if officer and officer not in users:
                problems.add(row, "executed_by", f"no user {officer!r}")
            if when is not None and when > now:
                problems.add(row, "executed_at", "is in the future")
            if chosen is None or when is None or problems.has(row):
                continue
            done = ticket.status == TicketStatus.CLOSED.value
            if (done and ticket.outcome == chosen.value) or self.seen.get(number) is chosen:
                self.duplicates += 1
                continue
            if done or number in self.seen:
                problems.add(row, "outcome", f"ticket #{number} was already closed as "
                             f"{ticket.outcome or self.seen[number].value}")
                continue
            if chosen in (Outcome.DISCONNECTED, Outcome.RECONNECTED):
                new = (ConnectionStatus.DISCONNECTED if chosen is Outcome.DISCONNECTED
                       else ConnectionStatus.ACTIVE)
                refused = status_change_problem(ConnectionStatus(connection_status), new)
                if refused:
                    problems.add(row, "outcome", refused)
                    continue
            self.seen[number] = chosen
            items.append(_Close(number, chosen, row["reason"], when,
                                officer or self.ctx.username))
        return items

    def write(self, items: Sequence[_Close]) -> None:
        session = self.ctx.session
        for item in items:
            ticket = session.scalars(select(DisconnectionTicket).where(
                DisconnectionTicket.id == item.ticket_id).with_for_update()).one()
            problem = close_one(self.ctx, ticket, item.outcome, item.reason, item.when,
                                item.executed_by)
            if problem:  # changed by someone else since the check: the whole import stops
                raise Conflict(problem)
        self.written += len(items)


@service(Permission.DISCONNECTION_EXECUTE)
def import_executed(ctx: Ctx, path: str | Path, *, skip_invalid: bool = False,
                    rejects_path: str | Path | None = None, progress: Progress | None = None,
                    cancelled: Cancelled | None = None) -> TicketImportResult:
    """Close the tickets a field file reports (see the module docstring)."""
    return import_file(ctx, path, FILE, _Run(ctx), TicketImportResult,
                       skip_invalid=skip_invalid, rejects_path=rejects_path,
                       progress=progress, cancelled=cancelled)
