"""Complaints and support tickets on both databases: the flow with its history, due and
overdue, assignment rights, queues, bad input, categories, the billing-complaint query
the disconnection rules use."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from opsmanager_desktop.db.models import Customer
from opsmanager_desktop.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import complaints, support_tickets
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.complaint_queries import (
    has_open_billing_complaint,
    open_billing_complaint_customers,
)
from opsmanager_desktop.services.listing import ListQuery
from tests.complaints_data import START, make_desk
from tests.helpers import token_for


def _numbers(page: object) -> list[str]:
    return [r.number for r in page.rows]  # type: ignore[attr-defined]


def test_full_flow_keeps_every_step(backend: Backend) -> None:
    desk = make_desk(backend)
    c = complaints.log_complaint(backend, desk.agent, desk.accounts[0].lower(), "billing",
                                 "Bill shows 900 units, meter says 90",
                                 subcategory="wrong_bill", meter_number=desk.meters[0],
                                 channel="phone")
    assert c.number == f"CMP-{c.id:06d}" and c.status == "OPEN" and len(c.history) == 1
    assert (c.category, c.subcategory, c.channel) == ("BILLING", "WRONG_BILL", "PHONE")
    assert c.meter_number == desk.meters[0] and c.logged_by == "agent1"
    assert c.created_at == START and c.due_at == START + timedelta(hours=72)
    n = c.number
    c = complaints.assign_complaint(backend, desk.sup, n, assignee="agent1", note="yours")
    assert (c.status, c.assigned_to, c.team) == ("ASSIGNED", "agent1", "DESK")
    c = complaints.move_complaint(backend, desk.agent, n, "in_progress")
    c = complaints.move_complaint(backend, desk.agent, n, "INFO_NEEDED", "photo of the meter")
    c = complaints.move_complaint(backend, desk.agent, n, "IN_PROGRESS", "photo received")
    c = complaints.move_complaint(backend, desk.agent, n, "RESOLVED", "bill corrected")
    assert c.resolved_at == START
    c = complaints.move_complaint(backend, desk.agent, n, "IN_PROGRESS", "customer disagrees")
    assert c.resolved_at is None
    c = complaints.move_complaint(backend, desk.agent, n, "RESOLVED", "credit applied")
    c = complaints.move_complaint(backend, desk.sup, n, "CLOSED")
    assert (c.status, c.closed_by, c.closed_at) == ("CLOSED", "sup1", START)
    steps = [(h.status, h.author, h.note) for h in complaints.get_complaint(
        backend, desk.agent, n).history]
    assert steps == [
        ("OPEN", "agent1", "logged"), ("ASSIGNED", "sup1", "yours"),
        ("IN_PROGRESS", "agent1", ""), ("INFO_NEEDED", "agent1", "photo of the meter"),
        ("IN_PROGRESS", "agent1", "photo received"), ("RESOLVED", "agent1", "bill corrected"),
        ("IN_PROGRESS", "agent1", "customer disagrees"),
        ("RESOLVED", "agent1", "credit applied"), ("CLOSED", "sup1", "")]
    with pytest.raises(Conflict, match="CLOSED cannot move"):
        complaints.move_complaint(backend, desk.sup, n, "IN_PROGRESS", "again")
    with pytest.raises(Conflict, match="reopen"):
        complaints.assign_complaint(backend, desk.sup, n, assignee="agent2")


def test_notes_required_and_no_skipping(backend: Backend) -> None:
    desk = make_desk(backend)
    n = complaints.log_complaint(backend, desk.agent, desk.accounts[0], "SUPPLY",
                                 "No power since morning").number
    with pytest.raises(Conflict, match="supervisor assigns"):
        complaints.move_complaint(backend, desk.sup, n, "ASSIGNED")
    with pytest.raises(Conflict, match="OPEN cannot move to IN_PROGRESS"):
        complaints.move_complaint(backend, desk.sup, n, "IN_PROGRESS")
    complaints.assign_complaint(backend, desk.sup, n, team="CREW")
    with pytest.raises(Conflict, match="allowed: INFO_NEEDED, IN_PROGRESS"):
        complaints.move_complaint(backend, desk.field, n, "RESOLVED", "done")
    complaints.move_complaint(backend, desk.field, n, "IN_PROGRESS")
    with pytest.raises(ValidationError, match="note: is required when moving to RESOLVED"):
        complaints.move_complaint(backend, desk.field, n, "RESOLVED", "   ")
    with pytest.raises(ValidationError, match="note: is required when moving to INFO_NEEDED"):
        complaints.move_complaint(backend, desk.field, n, "INFO_NEEDED")
    with pytest.raises(Conflict, match="IN_PROGRESS cannot move to CLOSED"):
        complaints.move_complaint(backend, desk.sup, n, "CLOSED")
    complaints.move_complaint(backend, desk.field, n, "RESOLVED", "fuse replaced")
    with pytest.raises(ValidationError, match="required when reopening"):
        complaints.move_complaint(backend, desk.field, n, "IN_PROGRESS")
    with pytest.raises(ValidationError, match="status"):
        complaints.move_complaint(backend, desk.field, n, "DONE")
    detail = complaints.get_complaint(backend, desk.sup, n)
    assert [h.status for h in detail.history] == ["OPEN", "ASSIGNED", "IN_PROGRESS",
                                                  "RESOLVED"]
    # the field officer took it from the team queue by starting it
    assert detail.history[2].assigned_to == "fo1" and detail.assigned_to == "fo1"


def test_assignment_rights(backend: Backend) -> None:
    desk = make_desk(backend)
    n = complaints.log_complaint(backend, desk.agent, desk.accounts[1], "METER",
                                 "Meter display blank").number
    with pytest.raises(PermissionDenied):
        complaints.assign_complaint(backend, desk.agent, n, assignee="agent1")
    complaints.assign_complaint(backend, desk.sup, n, assignee="agent2")
    with pytest.raises(PermissionDenied, match="agent2"):
        complaints.move_complaint(backend, desk.agent, n, "IN_PROGRESS")
    with pytest.raises(PermissionDenied):  # a billing officer does not work complaints
        complaints.move_complaint(backend, desk.billing, n, "IN_PROGRESS")
    assert complaints.move_complaint(backend, desk.agent2, n, "IN_PROGRESS").status \
        == "IN_PROGRESS"
    with pytest.raises(ValidationError, match="does not work complaints"):
        complaints.assign_complaint(backend, desk.sup, n, assignee="bo")
    with pytest.raises(NotFound):
        complaints.assign_complaint(backend, desk.sup, n, assignee="nobody")
    with pytest.raises(NotFound):
        complaints.assign_complaint(backend, desk.sup, n, team="NOTEAM")
    with pytest.raises(ValidationError, match="name a person or a team"):
        complaints.assign_complaint(backend, desk.sup, n)
    # reassigned while in progress: the status stays, the new holder works it
    c = complaints.assign_complaint(backend, desk.sup, n, assignee="agent1", note="agent2 off")
    assert (c.status, c.assigned_to) == ("IN_PROGRESS", "agent1")


def test_due_and_overdue_follow_the_clock(backend: Backend) -> None:
    desk = make_desk(backend)
    supply = complaints.log_complaint(backend, desk.agent, desk.accounts[0], "SUPPLY",
                                      "Low voltage", subcategory="LOW_VOLTAGE").number
    meter = complaints.log_complaint(backend, desk.agent, desk.accounts[1], "METER",
                                     "Not read for 3 months").number
    done = complaints.log_complaint(backend, desk.agent, desk.accounts[1], "SUPPLY",
                                    "Outage").number
    complaints.assign_complaint(backend, desk.sup, done, assignee="agent1")
    complaints.move_complaint(backend, desk.agent, done, "IN_PROGRESS")
    complaints.move_complaint(backend, desk.agent, done, "RESOLVED", "restored")
    overdue = ListQuery(filters={"overdue": True})
    assert complaints.list_complaints(backend, desk.sup, overdue).total == 0
    desk.at(START + timedelta(hours=24, seconds=1))
    sup = token_for(backend, Role.SUPERVISOR, "sup1")
    page = complaints.list_complaints(backend, sup, overdue)
    assert _numbers(page) == [supply] and page.rows[0].overdue
    every = {r.number: r.overdue for r in complaints.list_complaints(backend, sup).rows}
    assert every == {supply: True, meter: False, done: False}
    desk.at(START + timedelta(hours=121))
    sup = token_for(backend, Role.SUPERVISOR, "sup1")
    assert set(_numbers(complaints.list_complaints(backend, sup, overdue))) == {supply, meter}


def test_queues_and_filters(backend: Backend) -> None:
    desk = make_desk(backend)
    a = complaints.log_complaint(backend, desk.agent, desk.accounts[0], "BILLING", "x").number
    b = complaints.log_complaint(backend, desk.agent, desk.accounts[1], "SERVICE", "y").number
    c = complaints.log_complaint(backend, desk.agent, desk.accounts[1], "SUPPLY", "z").number
    complaints.assign_complaint(backend, desk.sup, a, assignee="agent1")
    complaints.assign_complaint(backend, desk.sup, b, team="DESK")

    def q(token: str, **filters: object) -> list[str]:
        return sorted(_numbers(complaints.list_complaints(
            backend, token, ListQuery(filters=filters))))

    assert q(desk.agent, mine=True) == [a, b]  # mine and my team's waiting one
    assert q(desk.agent2, mine=True) == []  # agent2 is in no team
    assert q(desk.sup, unassigned=True) == [c]
    assert q(desk.sup, team="desk") == [a, b]
    assert q(desk.sup, assignee="agent1") == [a]
    assert q(desk.sup, category="billing") == [a]
    assert q(desk.sup, status="OPEN") == [c]
    assert q(desk.sup, status=["OPEN", "ASSIGNED"]) == [a, b, c]
    assert _numbers(complaints.list_complaints(backend, desk.sup, ListQuery(search=b))) == [b]
    with pytest.raises(ValidationError):
        q(desk.sup, status="SOMETHING")
    with pytest.raises(ValidationError, match="cannot sort"):
        complaints.list_complaints(backend, desk.sup, ListQuery(sort="description; DROP"))


def test_bad_input_is_refused_with_the_field(backend: Backend) -> None:
    desk = make_desk(backend)
    acc = desk.accounts[0]
    with pytest.raises(ValidationError, match=r"category.*use one of BILLING"):
        complaints.log_complaint(backend, desk.agent, acc, "WEATHER", "x")
    with pytest.raises(ValidationError, match=r"subcategory.*not a sub-category of METER"):
        complaints.log_complaint(backend, desk.agent, acc, "METER", "x", subcategory="NO_POWER")
    with pytest.raises(ValidationError, match="description: is required"):
        complaints.log_complaint(backend, desk.agent, acc, "METER", "  ")
    with pytest.raises(ValidationError, match="channel"):
        complaints.log_complaint(backend, desk.agent, acc, "METER", "x", channel="FAX")
    with pytest.raises(NotFound, match="no customer account"):
        complaints.log_complaint(backend, desk.agent, "NOPE", "METER", "x")
    with pytest.raises(ValidationError, match="has no meter"):
        complaints.log_complaint(backend, desk.agent, acc, "METER", "x", meter_number="ZZZ")
    with pytest.raises(ValidationError, match="logged_at: is in the future"):
        complaints.log_complaint(backend, desk.agent, acc, "METER", "x",
                                 logged_at=START + timedelta(hours=1))
    with pytest.raises(NotFound, match="CMP-000123"):
        complaints.get_complaint(backend, desk.agent, "CMP-99999")
    with pytest.raises(PermissionDenied):  # an admin does not log complaints
        complaints.log_complaint(backend, token_for(backend, Role.ADMIN), acc, "METER", "x")
    assert complaints.list_complaints(backend, desk.sup).total == 0


def test_categories_are_kept_by_supervisors(backend: Backend) -> None:
    desk = make_desk(backend)
    codes = [c.code for c in complaints.list_categories(backend, desk.agent)]
    assert codes == ["BILLING", "METER", "SERVICE", "SUPPLY"]
    billing = next(c for c in complaints.list_categories(backend, desk.agent)
                   if c.code == "BILLING")
    assert billing.is_billing and billing.due_hours == 72
    assert [s for s, _ in billing.subcategories] == ["ESTIMATED_BILL", "PAYMENT_NOT_POSTED",
                                                     "WRONG_BILL"]
    row = complaints.save_category(backend, desk.sup, "theft", "Theft report", 12,
                                   subcategories=[("bypass", "Meter bypass")])
    assert (row.code, row.due_hours, row.subcategories) == ("THEFT", 12,
                                                            (("BYPASS", "Meter bypass"),))
    c = complaints.log_complaint(backend, desk.agent, desk.accounts[0], "THEFT", "neighbour",
                                 subcategory="BYPASS")
    assert c.due_at == START + timedelta(hours=12)
    with pytest.raises(PermissionDenied):
        complaints.save_category(backend, desk.agent, "X", "X", 5)
    with pytest.raises(ValidationError, match="due_hours"):
        complaints.save_category(backend, desk.sup, "X", "X", 0)
    complaints.save_category(backend, desk.sup, "THEFT", "Theft report", 12, is_active=False)
    assert "THEFT" not in [c.code for c in complaints.list_categories(backend, desk.agent)]
    with pytest.raises(ValidationError):
        complaints.log_complaint(backend, desk.agent, desk.accounts[0], "THEFT", "again")


def test_open_billing_complaint_query(backend: Backend) -> None:
    desk = make_desk(backend)
    with backend.sessions() as s:
        ids = {a: s.scalar(select(Customer.id).where(Customer.account_no == a))
               for a in desk.accounts}
    first, second = desk.accounts
    n = complaints.log_complaint(backend, desk.agent, first, "BILLING", "wrong").number
    complaints.log_complaint(backend, desk.agent, second, "SUPPLY", "no power")

    def state() -> tuple[bool, bool, set[int]]:
        with backend.sessions() as s:
            return (has_open_billing_complaint(s, ids[first]),
                    has_open_billing_complaint(s, ids[second]),
                    set(s.scalars(select(Customer.id).where(
                        Customer.id.in_(open_billing_complaint_customers())))))

    assert state() == (True, False, {ids[first]})
    complaints.assign_complaint(backend, desk.sup, n, assignee="agent1")
    complaints.move_complaint(backend, desk.agent, n, "IN_PROGRESS")
    assert state()[0]
    complaints.move_complaint(backend, desk.agent, n, "RESOLVED", "corrected")
    assert state() == (False, False, set())
    complaints.move_complaint(backend, desk.agent, n, "IN_PROGRESS", "reopened")
    assert state()[0]


def test_tickets_share_the_flow_and_queues(backend: Backend) -> None:
    desk = make_desk(backend)
    t = support_tickets.open_ticket(backend, desk.agent, "billing question",
                                    "Why is my bill higher?", account_no=desk.accounts[0])
    assert t.number == f"TKT-{t.id:06d}" and t.kind == "BILLING_QUESTION"
    assert t.due_at == START + timedelta(hours=48) and t.account_no == desk.accounts[0]
    walk_in = support_tickets.open_ticket(backend, desk.agent2, "CONNECTION_REQUEST",
                                          "New connection at plot 7", contact="J. Banda",
                                          channel="EMAIL")
    assert walk_in.account_no is None and walk_in.contact == "J. Banda"
    with pytest.raises(ValidationError, match="contact"):
        support_tickets.open_ticket(backend, desk.agent, "OTHER", "Who am I")
    with pytest.raises(ValidationError, match="kind"):
        support_tickets.open_ticket(backend, desk.agent, "RANT", "x", contact="y")
    with pytest.raises(PermissionDenied):
        support_tickets.assign_ticket(backend, desk.agent, t.number, assignee="agent1")
    support_tickets.assign_ticket(backend, desk.sup, t.number, team="DESK")
    mine = support_tickets.list_tickets(backend, desk.agent, ListQuery(filters={"mine": True}))
    assert [r.number for r in mine.rows] == [t.number]
    unassigned = support_tickets.list_tickets(backend, desk.agent,
                                              ListQuery(filters={"unassigned": True}))
    assert [r.number for r in unassigned.rows] == [walk_in.number]
    with pytest.raises(PermissionDenied):  # agent2 is not in the DESK team
        support_tickets.move_ticket(backend, desk.agent2, t.number, "IN_PROGRESS")
    support_tickets.move_ticket(backend, desk.agent, t.number, "IN_PROGRESS")
    with pytest.raises(ValidationError, match="note"):
        support_tickets.move_ticket(backend, desk.agent, t.number, "RESOLVED")
    support_tickets.move_ticket(backend, desk.agent, t.number, "RESOLVED", "explained tariff")
    done = support_tickets.move_ticket(backend, desk.agent, t.number, "CLOSED")
    assert (done.status, done.closed_by) == ("CLOSED", "agent1")
    assert [(h.status, h.author) for h in done.history] == [
        ("OPEN", "agent1"), ("ASSIGNED", "sup1"), ("IN_PROGRESS", "agent1"),
        ("RESOLVED", "agent1"), ("CLOSED", "agent1")]
    desk.at(START + timedelta(hours=121))
    agent = token_for(backend, Role.SUPPORT_AGENT, "agent1")
    overdue = support_tickets.list_tickets(backend, agent, ListQuery(filters={"overdue": True}))
    assert [r.number for r in overdue.rows] == [walk_in.number]


def test_queues_search_by_number_or_their_own_text(backend: Backend) -> None:
    """One search rule for both queues (services/work_items.search_terms): a number in any
    spelling finds the item, other text the area's own columns."""
    desk = make_desk(backend)
    acc = desk.accounts[0]
    c = complaints.log_complaint(backend, desk.agent, acc, "METER", "Meter blank")
    complaints.log_complaint(backend, desk.agent, desk.accounts[1], "METER", "Meter stuck")
    t = support_tickets.open_ticket(backend, desk.agent, "OTHER", "Opening hours?",
                                    contact="J. Banda")
    support_tickets.open_ticket(backend, desk.agent, "OTHER", "Payment points",
                                account_no=acc)

    def cmp(text: str) -> list[str]:
        return _numbers(complaints.list_complaints(backend, desk.sup, ListQuery(search=text)))

    def tkt(text: str) -> list[str]:
        return _numbers(support_tickets.list_tickets(backend, desk.sup, ListQuery(search=text)))

    assert cmp(c.number) == cmp(c.number.lower()) == cmp(f"cmp{c.id}") == [c.number]
    assert cmp(acc.lower()) == [c.number]  # the account, whatever the case
    assert tkt(t.number) == tkt(f"TKT{t.id}") == [t.number]
    assert tkt("banda") == tkt("opening") == [t.number]  # contact, subject
    assert tkt("CMP-000001") == [] and cmp("TKT-000001") == []  # each its own numbers
