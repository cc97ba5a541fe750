"""What complaints and support tickets share: numbers, assignment, status moves with their
history rows, who may move an item, and the queue filters. The rules themselves are in
domain/complaints.py; this module applies them to either table, so both follow one rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import (
    Complaint,
    ComplaintHistory,
    SupportTicket,
    SupportTicketHistory,
    Team,
    TeamMember,
    User,
)
from opsmanager_desktop.domain import complaints as flow
from opsmanager_desktop.domain.complaints import WorkStatus
from opsmanager_desktop.domain.errors import (
    Conflict,
    FieldProblem,
    NotFound,
    PermissionDenied,
    ValidationError,
    invalid,
)
from opsmanager_desktop.domain.permissions import MATRIX, Permission
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services.core import Ctx
from opsmanager_desktop.services.teams import team_by_code


@dataclass(frozen=True)
class ItemKind:
    model: Any      # Complaint | SupportTicket
    history: Any    # ComplaintHistory | SupportTicketHistory
    history_fk: str
    prefix: str
    noun: str       # "complaint" | "ticket": messages and audit entity


COMPLAINT = ItemKind(Complaint, ComplaintHistory, "complaint_id", "CMP", "complaint")
TICKET = ItemKind(SupportTicket, SupportTicketHistory, "ticket_id", "TKT", "ticket")


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    status: str
    note: str
    author: str
    assigned_to: str | None
    team: str | None


def whole_seconds(value: datetime) -> datetime:
    """A MySQL DATETIME keeps no fraction: store what both databases give back alike."""
    return value.replace(microsecond=0, tzinfo=None)


def number_of(kind: ItemKind, item_id: int) -> str:
    return f"{kind.prefix}-{item_id:06d}"


def parse_number(kind: ItemKind, text: str) -> int | None:
    match = re.fullmatch(rf"(?:{kind.prefix}-?)?0*(\d{{1,9}})", text.strip(), re.IGNORECASE)
    return int(match.group(1)) if match else None


def load(session: Session, kind: ItemKind, number: str, *, lock: bool = False) -> Any:
    item_id = parse_number(kind, str(number))
    item = None if item_id is None else session.get(kind.model, item_id,
                                                    with_for_update=lock or None)
    if item is None:
        raise NotFound(f"no {kind.noun} {number!r}; numbers look like {kind.prefix}-000123")
    return item


def step_row(kind: ItemKind, item: Any, author: str, at: datetime, note: str = "") -> Any:
    """One history row: the item's status and assignment after this step."""
    return kind.history(**{kind.history_fk: item.id}, status=item.status, note=note.strip(),
                        author=author, at=at, assigned_to=item.assigned_to,
                        team_id=item.team_id)


def record_step(session: Session, kind: ItemKind, item: Any, author: str, at: datetime,
                note: str = "") -> None:
    session.add(step_row(kind, item, author, at, note))


def add_new(session: Session, kind: ItemKind, item: Any, author: str, at: datetime,
            note: str) -> None:
    """A new item with its first history row (flushed first: the row needs the id)."""
    session.add(item)
    session.flush()
    record_step(session, kind, item, author, at, note)
    session.flush()


def history(session: Session, kind: ItemKind, item_id: int) -> tuple[HistoryRow, ...]:
    h = kind.history
    rows = session.execute(
        select(h.at, h.status, h.note, h.author, h.assigned_to, Team.code)
        .outerjoin(Team, Team.id == h.team_id)
        .where(getattr(h, kind.history_fk) == item_id).order_by(h.id))
    return tuple(HistoryRow(*r) for r in rows)


def progress(session: Session, kind: ItemKind, item: Any) -> dict[str, Any]:
    """What a detail shows beyond the list row: when the item was resolved and closed (by
    whom), and every step it took."""
    return {"resolved_at": item.resolved_at, "closed_at": item.closed_at,
            "closed_by": item.closed_by, "history": history(session, kind, item.id)}


def is_overdue(item: Any, now: datetime) -> bool:
    return flow.is_overdue(WorkStatus(item.status), item.due_at, now)


def is_supervisor(role: Role) -> bool:
    return role in MATRIX[Permission.COMPLAINTS_ASSIGN]


def team_id_of(session: Session, username: str) -> int | None:
    return session.scalar(select(TeamMember.team_id).join(User, User.id == TeamMember.user_id)
                          .where(User.username == username))


def check_may_work(ctx: Ctx, kind: ItemKind, item: Any) -> None:
    """The assignee, a member of the team an item waits with (nobody named yet), or a
    supervisor moves an item; anyone else is refused."""
    if is_supervisor(ctx.role) or item.assigned_to == ctx.username:
        return
    if item.assigned_to is None and item.team_id is not None \
            and team_id_of(ctx.session, ctx.username) == item.team_id:
        return
    holder = item.assigned_to or "nobody yet"
    raise PermissionDenied(f"only the person it is assigned to ({holder}), their team or a "
                           f"supervisor moves this {kind.noun}")


def check_channel(channel: str, problems: list[FieldProblem]) -> str:
    """How the item came in, upper case; a problem added when it is not a known channel."""
    if channel.strip().upper() not in flow.CHANNELS:
        problems.append(FieldProblem("channel", f"{channel!r} is not a channel; use one of "
                                     + ", ".join(flow.CHANNELS)))
    return channel.strip().upper()


def _check_note(note: str) -> None:
    if len(note.strip()) > flow.NOTE_MAX:
        raise invalid("note", f"may have at most {flow.NOTE_MAX} characters")


def assign(ctx: Ctx, kind: ItemKind, number: str, assignee: str | None, team: str | None,
           note: str = "") -> int:
    """Give an item to a person (and their team) or to a team's queue; OPEN becomes
    ASSIGNED, other statuses stay. The item's id."""
    item = load(ctx.session, kind, number, lock=True)  # two steps at once: one waits
    flow.check_assignable(WorkStatus(item.status))
    _check_note(note)
    assignee = (assignee or "").strip() or None
    team = (team or "").strip() or None
    if assignee is None and team is None:
        raise ValidationError([FieldProblem("assignee", "name a person or a team")])
    team_id = None
    if team is not None:
        found = team_by_code(ctx.session, team)
        if not found.is_active:
            raise Conflict(f"team {found.code!r} is closed; choose another")
        team_id = found.id
    if assignee is not None:
        user = ctx.session.scalars(select(User).where(User.username == assignee)).first()
        if user is None or not user.is_active:
            raise NotFound(f"no active user {assignee!r}")
        if Role(user.role) not in MATRIX[Permission.COMPLAINTS_WORK]:
            raise invalid("assignee", f"{assignee} is a {Role(user.role).label} and does not "
                          "work complaints or tickets; choose a supervisor, field officer or "
                          "support agent")
        if team_id is None:
            team_id = team_id_of(ctx.session, assignee)
    before = {"status": item.status, "assigned_to": item.assigned_to, "team_id": item.team_id}
    item.assigned_to, item.team_id = assignee, team_id
    item.status = flow.status_after_assignment(WorkStatus(item.status)).value
    now = whole_seconds(ctx.now)
    record_step(ctx.session, kind, item, ctx.username, now, note)
    ctx.session.flush()
    ctx.audit(kind.noun, number_of(kind, item.id), "assign", before=before,
              after={"status": item.status, "assigned_to": assignee, "team_id": team_id})
    return int(item.id)


def move(ctx: Ctx, kind: ItemKind, number: str, status: str, note: str = "") -> int:
    """Move an item on to `status` (who may: check_may_work); the item's id."""
    item = load(ctx.session, kind, number, lock=True)
    target = flow.parse_status(status)
    if target is None:
        raise invalid("status", f"{status!r} is not a status; use one of "
                      + ", ".join(s.value for s in WorkStatus))
    if target is WorkStatus.ASSIGNED:
        raise Conflict(f"a {kind.noun} becomes ASSIGNED when a supervisor assigns it")
    check_may_work(ctx, kind, item)
    old = WorkStatus(item.status)
    flow.check_move(old, target, note)
    now = whole_seconds(ctx.now)
    before = {"status": item.status}
    if item.assigned_to is None:
        item.assigned_to = ctx.username  # a team member who takes the item from the queue
    if target is WorkStatus.RESOLVED:
        item.resolved_at = now
    elif flow.is_reopen(old, target):
        item.resolved_at = None
    elif target is WorkStatus.CLOSED:
        item.closed_at, item.closed_by = now, ctx.username
    item.status = target.value
    record_step(ctx.session, kind, item, ctx.username, now, note)
    ctx.session.flush()
    ctx.audit(kind.noun, number_of(kind, item.id), "move", before=before,
              after={"status": item.status, "note": note.strip()})
    return int(item.id)


def queue_conditions(ctx: Ctx, kind: ItemKind, filters: dict[str, Any]) -> list[Any]:
    """WHERE terms for the filters both lists share: status, assignee, team, overdue only,
    my queue, unassigned."""
    m = kind.model
    terms: list[Any] = []
    status = filters.get("status")
    if status:
        wanted = [status] if isinstance(status, str) else list(status)
        parsed = [flow.parse_status(s) for s in wanted]
        if any(p is None for p in parsed):
            raise invalid("status", "use one of " + ", ".join(s.value for s in WorkStatus))
        terms.append(m.status.in_([p.value for p in parsed if p is not None]))
    if filters.get("assignee"):
        terms.append(m.assigned_to == str(filters["assignee"]).strip())
    if filters.get("team"):
        terms.append(m.team_id == team_by_code(ctx.session, str(filters["team"])).id)
    if filters.get("overdue"):
        terms.append(and_(m.status.in_([s.value for s in flow.ACTIVE]),
                          m.due_at < whole_seconds(ctx.now)))
    if filters.get("mine"):
        my_team = team_id_of(ctx.session, ctx.username)
        terms.append(or_(m.assigned_to == ctx.username,
                         and_(m.assigned_to.is_(None), m.team_id == my_team)
                         if my_team is not None else false()))
    if filters.get("unassigned"):
        terms.append(and_(m.assigned_to.is_(None), m.team_id.is_(None)))
    if filters.get("active"):
        terms.append(m.status.in_([s.value for s in flow.ACTIVE]))
    return terms


def search_terms(kind: ItemKind, text: str, terms: list[Any]) -> Any:
    """A queue's search: any of the area's own text terms, or the item whose number the
    text reads as (CMP-000123, TKT-123 or just 123)."""
    item_id = parse_number(kind, text)
    if item_id is not None:
        terms = [*terms, kind.model.id == item_id]
    return or_(*terms)


def parse_when(value: datetime | str | None, now: datetime, field: str) -> datetime:
    """A time given by the caller (not in the future), or now."""
    if value is None or value == "":
        return whole_seconds(now)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise invalid(field, f"{value!r} is not a date and time; write it as "
                          "YYYY-MM-DD HH:MM") from None
    when = whole_seconds(value)
    if when > whole_seconds(now):
        raise invalid(field, "is in the future")
    return when
