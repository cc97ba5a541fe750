"""The complaint/ticket flow as a pure table: unit cases and properties over every path."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsmanager_desktop.domain import complaints as flow
from opsmanager_desktop.domain.complaints import TRANSITIONS, WorkStatus
from opsmanager_desktop.domain.errors import Conflict, ValidationError

S = WorkStatus
NOTE = "done"


def test_the_main_path_and_its_side_roads() -> None:
    for old, new in [(S.OPEN, S.ASSIGNED), (S.ASSIGNED, S.IN_PROGRESS),
                     (S.IN_PROGRESS, S.RESOLVED), (S.RESOLVED, S.CLOSED),
                     (S.ASSIGNED, S.INFO_NEEDED), (S.IN_PROGRESS, S.INFO_NEEDED),
                     (S.INFO_NEEDED, S.IN_PROGRESS), (S.RESOLVED, S.IN_PROGRESS)]:
        flow.check_move(old, new, NOTE)
    for old, new in [(S.OPEN, S.CLOSED), (S.OPEN, S.IN_PROGRESS), (S.IN_PROGRESS, S.CLOSED),
                     (S.INFO_NEEDED, S.RESOLVED), (S.CLOSED, S.IN_PROGRESS),
                     (S.CLOSED, S.OPEN), (S.RESOLVED, S.OPEN), (S.OPEN, S.OPEN)]:
        with pytest.raises(Conflict):
            flow.check_move(old, new, NOTE)


@pytest.mark.parametrize(("old", "new", "needed"), [
    (S.IN_PROGRESS, S.RESOLVED, True), (S.ASSIGNED, S.INFO_NEEDED, True),
    (S.RESOLVED, S.IN_PROGRESS, True), (S.ASSIGNED, S.IN_PROGRESS, False),
    (S.INFO_NEEDED, S.IN_PROGRESS, False), (S.RESOLVED, S.CLOSED, False)])
def test_notes(old: WorkStatus, new: WorkStatus, needed: bool) -> None:
    assert flow.note_required(old, new) is needed
    if needed:
        with pytest.raises(ValidationError, match="note"):
            flow.check_move(old, new, "  ")
    else:
        flow.check_move(old, new, "")
    with pytest.raises(ValidationError, match="at most"):
        flow.check_move(old, new, "x" * (flow.NOTE_MAX + 1))


def test_every_status_is_reachable_and_closed_is_final() -> None:
    assert flow.reachable() == frozenset(WorkStatus)
    assert TRANSITIONS[S.CLOSED] == frozenset()
    assert {s for s, nxt in TRANSITIONS.items() if S.CLOSED in nxt} == {S.RESOLVED}


def test_due_and_overdue() -> None:
    made = datetime(2026, 3, 1, 8, 0)
    due = flow.due_at(made, 24)
    assert due == datetime(2026, 3, 2, 8, 0)
    assert not flow.is_overdue(S.IN_PROGRESS, due, due)
    assert flow.is_overdue(S.IN_PROGRESS, due, due + timedelta(seconds=1))
    assert flow.is_overdue(S.INFO_NEEDED, due, due + timedelta(days=9))
    assert not flow.is_overdue(S.RESOLVED, due, due + timedelta(days=9))
    assert not flow.is_overdue(S.CLOSED, due, due + timedelta(days=9))


def test_assignment_and_parsing() -> None:
    assert flow.status_after_assignment(S.OPEN) is S.ASSIGNED
    assert flow.status_after_assignment(S.INFO_NEEDED) is S.INFO_NEEDED
    for done in (S.RESOLVED, S.CLOSED):
        with pytest.raises(Conflict):
            flow.check_assignable(done)
    assert flow.parse_status("in progress") is S.IN_PROGRESS
    assert flow.parse_status("info-needed") is S.INFO_NEEDED
    assert flow.parse_status("nope") is None


@given(st.lists(st.sampled_from(list(WorkStatus)), max_size=30))
def test_any_walk_reaches_closed_only_through_resolved(steps: list[WorkStatus]) -> None:
    """Feed any sequence of wanted moves; the accepted ones never skip RESOLVED before
    CLOSED and nothing leaves CLOSED."""
    status, accepted = S.OPEN, [S.OPEN]
    for wanted in steps:
        try:
            flow.check_move(status, wanted, NOTE)
        except Conflict:
            assert wanted not in TRANSITIONS[status]
            continue
        assert wanted in TRANSITIONS[status]
        status = wanted
        accepted.append(status)
    for before, after in itertools.pairwise(accepted):
        if after is S.CLOSED:
            assert before is S.RESOLVED
        assert before is not S.CLOSED
        if after is S.RESOLVED:
            assert before is S.IN_PROGRESS


@given(st.sampled_from(list(WorkStatus)), st.sampled_from(list(WorkStatus)),
       st.text(max_size=5))
def test_check_move_agrees_with_the_table(old: WorkStatus, new: WorkStatus,
                                          note: str) -> None:
    try:
        flow.check_move(old, new, note)
        outcome = "ok"
    except Conflict:
        outcome = "conflict"
    except ValidationError:
        outcome = "note"
    if new not in TRANSITIONS[old]:
        assert outcome == "conflict"
    elif flow.note_required(old, new) and not note.strip():
        assert outcome == "note"
    else:
        assert outcome == "ok"
