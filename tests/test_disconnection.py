"""Disconnection on both databases: each rule includes and excludes exactly, a draft keeps
what it found, approval makes tickets for the field teams (and notices), closing a ticket
cuts the connection off, refusals change nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from opsmanager_desktop.db.models import (
    AuditEntry,
    Connection,
    DisconnectionTicket,
    NotificationOutbox,
)
from opsmanager_desktop.domain.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import disconnection as dis
from opsmanager_desktop.services import disconnection_tickets as tickets
from opsmanager_desktop.services import teams
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import ListQuery
from tests import disconnection_data as data
from tests.helpers import token_for

ON = data.LIST_DATE
D = Decimal


def _rules(dw: data.DisWorld, **changes: object) -> None:
    values: dict[str, object] = {"min_outstanding": "100.00", "min_days_overdue": 30,
                                 "grace_days": 3, "exclude_open_complaints": True,
                                 "reconnection_fee": "250.00"}
    values.update(changes)
    dis.set_rules(dw.backend, dw.sup, **values)  # type: ignore[arg-type]


def _listed(dw: data.DisWorld, on: date = ON) -> dict[str, tuple[Decimal, int]]:
    page = dis.preview_list(dw.backend, dw.sup, on)
    return {r.meter_number: (r.outstanding, r.days_overdue) for r in page.rows}


def _meter(backend: Backend, conn_id: int) -> str:
    with backend.sessions() as s:
        return s.get_one(Connection, conn_id).meter_number


def test_each_rule_includes_and_excludes_exactly(backend: Backend) -> None:
    dw = data.make(backend)
    _rules(dw)
    due30 = ON - timedelta(days=30)
    conns = {name: data.connection(dw) for name in
             ("at_min", "below_min", "day_30", "day_29", "paid_in_grace", "paid_before",
              "complaint", "supply_complaint", "resolved_complaint", "two_bills",
              "not_yet_due")}
    data.bill(dw, conns["at_min"], "100.00", due30)
    data.bill(dw, conns["below_min"], "99.99", due30)
    data.bill(dw, conns["day_30"], "500.00", due30)
    data.bill(dw, conns["day_29"], "500.00", due30 + timedelta(days=1))
    data.bill(dw, conns["paid_in_grace"], "500.00", due30)
    data.payment(dw, conns["paid_in_grace"], ON - timedelta(days=2))  # 29, 30 or 31 Mar
    data.bill(dw, conns["paid_before"], "500.00", due30)
    data.payment(dw, conns["paid_before"], ON - timedelta(days=3))  # 28 Mar: outside
    for name, billing, status in (("complaint", True, "OPEN"),
                                  ("supply_complaint", False, "OPEN"),
                                  ("resolved_complaint", True, "RESOLVED")):
        data.bill(dw, conns[name], "500.00", due30)
        data.complaint(dw, conns[name], billing=billing, status=status)
    # 60.00 overdue for 40 days + 50.00 overdue for 10 days: 110.00, 40 days
    data.bill(dw, conns["two_bills"], "60.00", ON - timedelta(days=40))
    data.bill(dw, conns["two_bills"], "50.00", ON - timedelta(days=10))
    # a bill due on the list date itself is not overdue yet: only the old one counts
    data.bill(dw, conns["not_yet_due"], "90.00", ON - timedelta(days=45))
    data.bill(dw, conns["not_yet_due"], "900.00", ON, status="DUE")
    meters = {name: _meter(backend, c) for name, c in conns.items()}
    listed = _listed(dw)
    expected = {"at_min": (D("100.00"), 30), "day_30": (D("500.00"), 30),
                "paid_before": (D("500.00"), 30), "supply_complaint": (D("500.00"), 30),
                "resolved_complaint": (D("500.00"), 30), "two_bills": (D("110.00"), 40)}
    assert listed == {meters[n]: v for n, v in expected.items()}
    # the complaint rule switched off lists the customer with the open billing complaint
    _rules(dw, exclude_open_complaints=False)
    assert meters["complaint"] in _listed(dw)
    # no grace: the customer who paid two days ago is listed too
    _rules(dw, grace_days=0)
    assert meters["paid_in_grace"] in _listed(dw)


def test_only_active_connections_and_a_paid_bill_counts_nothing(backend: Backend) -> None:
    dw = data.make(backend)
    _rules(dw)
    active, cut, paid = (data.connection(dw) for _ in range(3))
    for c in (active, cut):
        data.bill(dw, c, "300.00", ON - timedelta(days=60))
    data.bill(dw, paid, "0.00", ON - timedelta(days=60), status="PAID")
    with backend.sessions.begin() as s:
        s.get_one(Connection, cut).status = "DISCONNECTED"
    assert set(_listed(dw)) == {_meter(backend, active)}


def test_draft_approve_tickets_notices_and_close(backend: Backend) -> None:
    dw = data.make(backend, crews=2)
    _rules(dw)
    routes = ["DT-01", "DT-02", "DT-03", "DT-04", None]
    conns = [data.connection(dw, transformer=r) for r in routes]
    for c in conns:
        data.bill(dw, c, "400.00", ON - timedelta(days=45))
    with backend.sessions.begin() as s:
        s.get_one(Connection, conns[0]).customer.email = "owner@example.com"
    draft = dis.create_list(backend, dw.sup, ON)
    assert (draft.status, draft.entries, draft.total_outstanding) == ("DRAFT", 5, D("2000.00"))
    # paid after the draft was made: approval leaves that one out
    data.payment(dw, conns[1], ON)
    entries = dis.list_entries(backend, dw.sup, draft.id, ListQuery(sort="transformer"))
    # both databases sort NULL first
    assert [e.transformer_code for e in entries.rows] == [None, "DT-01", "DT-02", "DT-03",
                                                          "DT-04"]
    approved = dis.approve_list(backend, dw.sup, draft.id)
    assert (approved.status, approved.tickets, approved.approved_by) == ("APPROVED", 4, "sup")
    page = tickets.list_tickets(backend, dw.field, ListQuery(sort="transformer", limit=50))
    by_dt = {t.transformer_code: t.team for t in page.rows}
    # transformers in order cut into one run per crew; no transformer: the first crew
    assert by_dt == {"DT-01": "CREW-A", "DT-03": "CREW-B", "DT-04": "CREW-B", None: "CREW-A"}
    assert tickets.list_tickets(backend, dw.sup, ListQuery(
        filters={"team": "crew-b", "kind": "disconnect", "status": "open"})).total == 2
    with backend.sessions() as s:
        # one notice per ticket; the customers without e-mail or phone get none
        notices = s.execute(select(NotificationOutbox.recipient,
                                   NotificationOutbox.values_json).where(
            NotificationOutbox.template == "disconnection_notice")).all()
        assert [(r, json.loads(v)) for r, v in notices] == [
            ("owner@example.com", {"amount": "400.00", "date": "2026-03-31"})]
    with pytest.raises(Conflict, match="only a draft"):
        dis.approve_list(backend, dw.sup, draft.id)
    # the approved connections are not listed again while their tickets are open
    assert _meter(backend, conns[0]) not in _listed(dw)

    first = page.rows[0]
    done = tickets.close_ticket(backend, dw.field, first.id, "disconnected")
    assert (done.status, done.outcome, done.executed_by) == ("CLOSED", "DISCONNECTED", "fo1")
    with backend.sessions() as s:
        cut = s.scalars(select(Connection).where(
            Connection.meter_number == first.meter_number)).one()
        assert cut.status == "DISCONNECTED"
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.entity == "connection", AuditEntry.action == "set_status")) == 1
    with pytest.raises(Conflict, match="already closed"):
        tickets.close_ticket(backend, dw.field, first.id, "disconnected")
    other = page.rows[1]
    with pytest.raises(ValidationError, match="reason"):
        tickets.close_ticket(backend, dw.field, other.id, "NOT_DISCONNECTED")
    with pytest.raises(ValidationError, match="outcome"):
        tickets.close_ticket(backend, dw.field, other.id, "RECONNECTED")
    kept = tickets.close_ticket(backend, dw.sup, other.id, "not_disconnected",
                                "customer paid on the spot", executed_by="fo1")
    assert (kept.outcome, kept.reason, kept.executed_by) == (
        "NOT_DISCONNECTED", "customer paid on the spot", "fo1")
    with backend.sessions() as s:
        assert s.scalars(select(Connection.status).where(
            Connection.meter_number == other.meter_number)).one() == "ACTIVE"


def test_a_closed_team_takes_no_work(backend: Backend) -> None:
    """Approval and assignment refuse a closed team alike (disconnection.open_team_id)."""
    dw = data.make(backend, crews=2)
    _rules(dw)
    data.bill(dw, data.connection(dw, transformer="DT-01"), "400.00", ON - timedelta(days=45))
    draft = dis.create_list(backend, dw.sup, ON)
    teams.close_team(backend, dw.sup, "CREW-B")
    with pytest.raises(Conflict, match="team 'CREW-B' is closed"):
        dis.approve_list(backend, dw.sup, draft.id, team="crew-b")
    dis.approve_list(backend, dw.sup, f"#{draft.id}", team="CREW-A")
    [ticket] = tickets.list_tickets(backend, dw.sup).rows
    with pytest.raises(Conflict, match="team 'CREW-B' is closed"):
        tickets.assign_ticket(backend, dw.sup, ticket.id, team="CREW-B")
    assert tickets.get_ticket(backend, dw.sup, ticket.id).team == "CREW-A"


def test_cancel_and_empty_lists(backend: Backend) -> None:
    dw = data.make(backend)
    draft = dis.create_list(backend, dw.sup, "2026-03-31")
    assert (draft.entries, draft.total_outstanding) == (0, D("0.00"))
    assert dis.cancel_list(backend, dw.sup, draft.id).status == "CANCELLED"
    with pytest.raises(Conflict):
        dis.approve_list(backend, dw.sup, draft.id)
    assert [r.status for r in dis.list_lists(backend, dw.field)] == ["CANCELLED"]


def test_rules_are_versioned_and_checked(backend: Backend) -> None:
    dw = data.make(backend)
    assert dis.get_rules(backend, dw.field).version is None  # built-in defaults
    _rules(dw, min_outstanding="1000.50")
    _rules(dw, reconnection_fee="300")
    shown = dis.get_rules(backend, dw.field)
    assert shown.rules.reconnection_fee == D("300.00") and shown.set_by == "sup"
    assert shown.rules.min_outstanding == D("100.00")
    first = shown.version
    for field, value in (("min_outstanding", "-1"), ("min_outstanding", "1.234"),
                         ("min_days_overdue", "0"), ("min_days_overdue", "ten"),
                         ("grace_days", "-2"), ("reconnection_fee", "abc")):
        with pytest.raises(ValidationError, match=field):
            _rules(dw, **{field: value})
    assert dis.get_rules(backend, dw.sup).version == first


def test_rights_and_bad_input(backend: Backend) -> None:
    dw = data.make(backend)
    officer = token_for(backend, Role.BILLING_OFFICER, "bo")
    consumer_free = token_for(backend, Role.ACCOUNTS_OFFICER, "ao")
    with pytest.raises(PermissionDenied):
        dis.create_list(backend, officer, ON)
    with pytest.raises(PermissionDenied):
        _rules(data.DisWorld(dw.world, dw.field, dw.field))
    with pytest.raises(PermissionDenied):
        tickets.close_ticket(backend, consumer_free, 1, "DISCONNECTED")
    with pytest.raises(PermissionDenied):  # the preview reads payments: supervisors only
        dis.preview_list(backend, officer, ON)
    assert dis.list_lists(backend, officer) == []  # the saved lists are for everyone
    with pytest.raises(ValidationError, match="date"):
        dis.preview_list(backend, dw.sup, "31/03/2026")
    with pytest.raises(NotFound, match="no disconnection list #999"):
        dis.approve_list(backend, dw.sup, 999)
    with pytest.raises(ValidationError, match="list"):
        dis.approve_list(backend, dw.sup, "abc")
    with pytest.raises(NotFound, match="no disconnection or reconnection ticket #12345"):
        tickets.close_ticket(backend, dw.field, "#12345", "DISCONNECTED")
    with pytest.raises(ValidationError, match="sort"):
        tickets.list_tickets(backend, dw.sup, ListQuery(sort="password"))
    with pytest.raises(ValidationError, match="kind"):
        tickets.list_tickets(backend, dw.sup, ListQuery(filters={"kind": "CUT"}))
    with backend.sessions() as s:
        assert s.scalar(select(func.count()).select_from(DisconnectionTicket)) == 0


def test_the_query_agrees_with_the_domain_rule(backend: Backend) -> None:
    """Random connections, bills, payments and complaints: the set-based list is exactly
    the connections domain/disconnection.eligible() lists, on several dates."""
    import random

    from opsmanager_desktop.domain.disconnection import Facts, Rules, eligible

    rng = random.Random(6)
    dw = data.make(backend)
    _rules(dw, min_outstanding="150.00", min_days_overdue=20, grace_days=5)
    rules = Rules(D("150.00"), 20, 5, True, D("250.00"))
    facts: dict[str, tuple[list[tuple[Decimal, date]], date | None, bool]] = {}
    for _ in range(18):
        conn = data.connection(dw)
        bills = []
        for _ in range(rng.randint(0, 3)):
            amount = D(rng.randint(0, 30000)) / 100
            due = ON - timedelta(days=rng.randint(-20, 60))
            data.bill(dw, conn, f"{amount:.2f}", due,
                      status="OVERDUE" if amount and due < ON else "DUE" if amount else "PAID")
            bills.append((amount, due))
        paid = ON - timedelta(days=rng.randint(-3, 15)) if rng.random() < 0.4 else None
        if paid is not None:
            data.payment(dw, conn, paid)
        complaint = rng.random() < 0.2
        if complaint:
            data.complaint(dw, conn)
        facts[_meter(backend, conn)] = (bills, paid, complaint)
    sizes = []
    for on in (ON - timedelta(days=10), ON, ON + timedelta(days=15)):
        expected = set()
        for meter, (bills, paid, complaint) in facts.items():
            overdue = [(a, d) for a, d in bills if a > 0 and d < on]
            fact = Facts(sum((a for a, _ in overdue), D("0.00")),
                         min((d for _, d in overdue), default=None), paid, complaint)
            if eligible(rules, fact, on):
                expected.add(meter)
        assert set(_listed(dw, on)) == expected, on
        sizes.append(len(expected))
    assert 0 < max(sizes) < len(facts)  # the sample lists some and leaves some out
