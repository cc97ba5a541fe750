"""The work-item flow shared by complaints and support tickets: statuses, the only moves
that exist, which moves need a note, and when an item is overdue.

OPEN -> ASSIGNED -> IN_PROGRESS -> RESOLVED -> CLOSED; INFO_NEEDED from ASSIGNED or
IN_PROGRESS, back to IN_PROGRESS when the information arrives; RESOLVED -> IN_PROGRESS
reopens. Nothing reaches CLOSED without passing RESOLVED, and CLOSED is final.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from opsmanager_desktop.domain.errors import Conflict, invalid


class WorkStatus(StrEnum):
    OPEN = "OPEN"
    ASSIGNED = "ASSIGNED"
    IN_PROGRESS = "IN_PROGRESS"
    INFO_NEEDED = "INFO_NEEDED"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


S = WorkStatus

# moves by the person working the item; ASSIGNED is reached by assignment (see below)
TRANSITIONS: dict[WorkStatus, frozenset[WorkStatus]] = {
    S.OPEN: frozenset({S.ASSIGNED}),
    S.ASSIGNED: frozenset({S.IN_PROGRESS, S.INFO_NEEDED}),
    S.IN_PROGRESS: frozenset({S.INFO_NEEDED, S.RESOLVED}),
    S.INFO_NEEDED: frozenset({S.IN_PROGRESS}),
    S.RESOLVED: frozenset({S.CLOSED, S.IN_PROGRESS}),
    S.CLOSED: frozenset(),
}

# the item is finished (for overdue purposes) once it is resolved
DONE = frozenset({S.RESOLVED, S.CLOSED})
# statuses whose item still waits for work ("open" in queues and the disconnection rule)
ACTIVE = frozenset(set(WorkStatus) - DONE)
# (re)assignment is allowed while the item is not done; from OPEN it moves it to ASSIGNED
ASSIGNABLE = ACTIVE

CHANNELS = ("DESK", "PHONE", "FIELD", "EMAIL")
TICKET_KINDS = ("BILLING_QUESTION", "ACCOUNT_CHANGE", "CONNECTION_REQUEST", "OTHER")
NOTE_MAX = 1000
DUE_HOURS_MAX = 24 * 90

# a ticket's due time by its kind (tickets have no category table: four fixed kinds)
TICKET_DUE_HOURS = {"BILLING_QUESTION": 48, "ACCOUNT_CHANGE": 72, "CONNECTION_REQUEST": 120,
                    "OTHER": 72}

# the categories a new database starts with (migration 0006 seeds a copy):
# code, name, due hours, billing complaint, sub-categories (code, name)
DEFAULT_CATEGORIES: tuple[tuple[str, str, int, bool, tuple[tuple[str, str], ...]], ...] = (
    ("BILLING", "Billing", 72, True, (("WRONG_BILL", "Wrong bill"),
                                      ("ESTIMATED_BILL", "Estimated bill"),
                                      ("PAYMENT_NOT_POSTED", "Payment not posted"))),
    ("SUPPLY", "Supply", 24, False, (("NO_POWER", "No power"), ("LOW_VOLTAGE", "Low voltage"),
                                     ("WATER_OUTAGE", "Water outage"))),
    ("METER", "Meter", 120, False, (("FAULTY_METER", "Faulty meter"),
                                    ("METER_NOT_READ", "Meter not read"))),
    ("SERVICE", "Service", 72, False, (("STAFF_CONDUCT", "Staff conduct"), ("DELAY", "Delay"))),
)


def is_reopen(old: WorkStatus, new: WorkStatus) -> bool:
    return old is S.RESOLVED and new is S.IN_PROGRESS


def note_required(old: WorkStatus, new: WorkStatus) -> bool:
    """Resolving, asking for information and reopening must say why."""
    return new in (S.RESOLVED, S.INFO_NEEDED) or is_reopen(old, new)


def parse_status(text: str) -> WorkStatus | None:
    key = text.strip().upper().replace(" ", "_").replace("-", "_")
    try:
        return WorkStatus(key)
    except ValueError:
        return None


def check_move(old: WorkStatus, new: WorkStatus, note: str) -> None:
    """Raise Conflict for a move the flow does not have, ValidationError for a missing or
    over-long note."""
    if new not in TRANSITIONS[old]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[old])) or "none (it is final)"
        raise Conflict(f"an item that is {old.value} cannot move to {new.value}; "
                       f"allowed: {allowed}")
    if note_required(old, new) and not note.strip():
        what = "reopening" if is_reopen(old, new) else f"moving to {new.value}"
        raise invalid("note", f"is required when {what}: say what was done or what is needed")
    if len(note.strip()) > NOTE_MAX:
        raise invalid("note", f"may have at most {NOTE_MAX} characters")


def check_assignable(status: WorkStatus) -> None:
    if status not in ASSIGNABLE:
        raise Conflict(f"a {status.value} item is not assigned again; reopen it first")


def status_after_assignment(status: WorkStatus) -> WorkStatus:
    return S.ASSIGNED if status is S.OPEN else status


def due_at(created_at: datetime, due_hours: int) -> datetime:
    return created_at + timedelta(hours=due_hours)


def is_overdue(status: WorkStatus, due: datetime, now: datetime) -> bool:
    return status not in DONE and now > due


def reachable(start: WorkStatus = S.OPEN) -> frozenset[WorkStatus]:
    seen = {start}
    frontier = [start]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return frozenset(seen)
