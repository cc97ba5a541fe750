"""The dispatcher against real servers on 127.0.0.1, on SQLite and MariaDB: e-mail through
an SMTP server (an account statement's bill_issued message), SMS through an HTTP gateway that has an outage (503, then down) and
recovers: nothing lost, attempts counted, back-off respected (the backend clock moves)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from opsmanager_desktop.db.models import ContactPreference, Customer, NotificationOutbox, Statement
from opsmanager_desktop.domain.errors import PermissionDenied
from opsmanager_desktop.domain.notifications import MAX_ATTEMPTS, backoff
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import bills, notifications, notify_dispatch, notify_templates
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.notify import queue_notification
from tests.helpers import admin_token, token_for
from tests.ledger_data import add_bill
from tests.notify_servers import (
    SMS_KEY,
    SMTP_PASSWORD,
    SMTP_USER,
    Gateway,
    Inbox,
    smtp_server,
)

T0 = datetime(2026, 12, 2, 8, 0)


@pytest.fixture
def clock(backend: Backend) -> Iterator[list[datetime]]:
    now = [T0]
    backend.clock = lambda: now[0]
    yield now


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    yield from smtp_server()


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    monkeypatch.setenv("OPSMANAGER_SMS_API_KEY", SMS_KEY)
    gw = Gateway()
    gw.start()
    yield gw
    gw.stop()


def _customer(backend: Backend, account_no: str, *, email: str = "", phone: str = "",
              channel: str | None = None) -> int:
    with backend.sessions.begin() as s:
        c = Customer(account_no=account_no, name=f"Name {account_no}", email=email,
                     phone=phone)
        s.add(c)
        s.flush()
        if channel:
            s.add(ContactPreference(customer_id=c.id, channel=channel, opted_out=False))
        return c.id


def _rows(backend: Backend) -> list[NotificationOutbox]:
    with backend.sessions() as s:
        return list(s.scalars(select(NotificationOutbox).order_by(NotificationOutbox.id)))


def test_email_through_a_real_smtp_server(backend: Backend, clock: list[datetime],
                                          smtp: tuple[int, Inbox],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    port, inbox = smtp
    monkeypatch.setenv("OPSMANAGER_SMTP_PASSWORD", SMTP_PASSWORD)
    admin = admin_token(backend)
    notify_templates.set_settings(backend, admin, {
        "notify.smtp_host": "127.0.0.1", "notify.smtp_port": str(port),
        "notify.smtp_user": SMTP_USER, "notify.smtp_from": "billing@power.example",
        "notify.smtp_starttls": "no"})
    # an account with two bills: one statement, one e-mail with the account's total
    number = add_bill(backend, "E1", "1234.50", due=None, status="GENERATED",
                      cycle="2026-11")
    add_bill(backend, "E1", "500.25", due=None, status="GENERATED", cycle="2026-11",
             utility="water")
    with backend.sessions.begin() as s:
        s.execute(Customer.__table__.update().where(Customer.account_no == "E1")
                  .values(email="e1@example.com"))
    officer = token_for(backend, Role.BILLING_OFFICER)
    bills.issue_bills(backend, officer, "2026-11", date(2026, 11, 20))
    with backend.sessions() as s:
        paper = s.scalars(select(Statement)).one()
    assert paper.total_due == Decimal("1734.75")
    seen: list[tuple[int, int]] = []
    result = notify_dispatch.send_due(backend, officer,
                                      progress=lambda d, t: seen.append((d, t)))
    assert (result.sent, result.retrying, result.failed) == (1, 0, 0) and seen == [(1, 1)]
    [mail] = inbox.messages
    subject = f"Your statement {paper.statement_no}"
    assert (mail["To"], mail["From"], mail["Subject"]) == (
        "e1@example.com", "billing@power.example", subject)
    text = mail.get_payload(decode=True).decode()
    assert "1,734.75" in text and "2026-12-04" in text and "Customer E1" in text
    assert "2 bill(s)" in text
    assert inbox.logins == [SMTP_USER]
    [row] = _rows(backend)
    assert (row.status, row.attempts, row.sent_at, row.subject) == ("SENT", 1, T0, subject)
    assert "1,734.75" in row.message
    # a template saved before statements, with bill placeholders, still renders: the
    # statement's first bill fills them (here a late bill's own second statement)
    notify_templates.set_template(backend, admin, "bill_issued", "EMAIL",
                                  "Bill {bill_no} is {amount}; pay {amount_payable}.",
                                  subject="Bill {bill_no}")
    late = add_bill(backend, "E1", "10.00", due=None, status="GENERATED", cycle="2026-11")
    bills.issue_bills(backend, officer, "2026-11", date(2026, 11, 21))
    assert notify_dispatch.send_due(backend, officer).sent == 1
    assert inbox.messages[-1]["Subject"] == f"Bill {late}"
    assert inbox.messages[-1].get_payload(decode=True).decode().strip() == (
        f"Bill {late} is 10.00; pay 1,744.75.")
    assert number not in inbox.messages[-1]["Subject"]
    assert "e1@example.com" in notify_templates.send_test_email(backend, admin,
                                                                "e1@example.com")
    assert inbox.messages[-1]["Subject"] == "Ops Manager test message"


def test_sms_outage_then_recovery_loses_nothing(backend: Backend, clock: list[datetime],
                                                gateway: Gateway) -> None:
    admin = admin_token(backend)
    notify_templates.set_settings(backend, admin, {"notify.sms_url": gateway.url,
                                                   "notify.sms_sender": "POWERCO"})
    ids = [_customer(backend, f"S{n}", phone=f"+23480000000{n}", email=f"s{n}@x.example",
                     channel="SMS") for n in range(3)]
    with backend.sessions.begin() as s:
        for cid in ids:
            queue_notification(s, "payment_received", cid, {"amount": "50.00",
                                                            "reference": "R-1"})
    sender = token_for(backend, Role.ACCOUNTS_OFFICER)

    gateway.status = 503
    first = notify_dispatch.send_due(backend, sender)
    assert (first.sent, first.retrying, first.failed) == (0, 3, 0)
    rows = _rows(backend)
    assert {(r.status, r.attempts, r.next_attempt_at) for r in rows} == {
        ("QUEUED", 1, T0 + backoff(1))}
    assert all("503" in r.last_error for r in rows)
    # not due yet: the back-off is respected, the gateway is not asked
    assert notify_dispatch.send_due(backend, sender).retrying == 0

    gateway.stop()  # the gateway is down altogether
    clock[0] = T0 + backoff(1)
    down = notify_dispatch.send_due(backend, sender)
    assert down.retrying == 3
    rows = _rows(backend)
    assert {(r.status, r.attempts, r.next_attempt_at) for r in rows} == {
        ("QUEUED", 2, clock[0] + backoff(2))}
    clock[0] += backoff(2) - timedelta(seconds=1)
    assert notify_dispatch.send_due(backend, sender).sent == 0

    gateway.status = 200
    gateway.start()
    clock[0] += timedelta(seconds=1)
    back = notify_dispatch.send_due(backend, sender)
    assert (back.sent, back.retrying, back.failed) == (3, 0, 0)
    assert sorted(m["to"] for m, _ in gateway.received) == [f"+23480000000{n}"
                                                             for n in range(3)]
    assert {key for _, key in gateway.received} == {SMS_KEY}
    assert all("50.00" in m["text"] and m["from"] == "POWERCO" for m, _ in gateway.received)
    assert {(r.status, r.attempts, r.last_error) for r in _rows(backend)} == {("SENT", 3, "")}


def test_failed_after_max_attempts_then_retried(backend: Backend, clock: list[datetime],
                                                gateway: Gateway) -> None:
    admin = admin_token(backend)
    notify_templates.set_settings(backend, admin, {"notify.sms_url": gateway.url})
    cid = _customer(backend, "F1", phone="+2348011111111")
    with backend.sessions.begin() as s:
        queue_notification(s, "reconnection", cid, {"date": "2026-12-02"})
    sender = token_for(backend, Role.SUPERVISOR)
    gateway.status = 503
    for attempt in range(1, MAX_ATTEMPTS + 1):
        result = notify_dispatch.send_due(backend, sender)
        assert (result.retrying, result.failed) == (
            (1, 0) if attempt < MAX_ATTEMPTS else (0, 1))
        clock[0] += backoff(attempt)
    [row] = _rows(backend)
    assert (row.status, row.attempts) == ("FAILED", MAX_ATTEMPTS)
    assert notify_dispatch.send_due(backend, sender).sent == 0  # FAILED waits for a person
    assert notifications.retry_failed(backend, sender) == 1
    gateway.status = 200
    assert notify_dispatch.send_due(backend, sender).sent == 1
    assert gateway.received[0][0]["text"].endswith("reconnected on 2026-12-02.")


def test_no_gateway_configured_waits_and_limit_and_cancel(backend: Backend,
                                                          clock: list[datetime]) -> None:
    ids = [_customer(backend, f"L{n}", phone=f"+23481{n:08d}") for n in range(5)]
    with backend.sessions.begin() as s:
        for cid in ids:
            queue_notification(s, "reconnection", cid, {})
    sender = token_for(backend, Role.BILLING_OFFICER)
    result = notify_dispatch.send_due(backend, sender, limit=2)
    assert result.retrying == 2
    assert "no SMS gateway is configured" in _rows(backend)[0].last_error
    calls = iter([False, True])
    stopped = notify_dispatch.send_due(backend, sender, cancelled=lambda: next(calls, True))
    assert stopped.cancelled and stopped.released == 2 and stopped.retrying == 1
    assert [r.status for r in _rows(backend)] == ["QUEUED"] * 5  # nothing left SENDING


def test_two_workstations_take_different_rows(backend: Backend, clock: list[datetime]) -> None:
    ids = [_customer(backend, f"W{n}", phone=f"+23482{n:08d}") for n in range(6)]
    with backend.sessions.begin() as s:
        for cid in ids:
            queue_notification(s, "reconnection", cid, {})
    sender = token_for(backend, Role.BILLING_OFFICER)
    if backend.is_mysql:
        # workstation A holds the first two rows locked in its claim transaction
        with backend.sessions.begin() as other:
            locked = list(other.scalars(select(NotificationOutbox.id).order_by(
                NotificationOutbox.id).limit(2).with_for_update()))
            b = notify_dispatch.claim_due(backend, sender, batch=10)
            assert not {r.id for r in b.rows} & set(locked) and len(b.rows) == 4
    else:
        a = notify_dispatch.claim_due(backend, sender, batch=3)
        b = notify_dispatch.claim_due(backend, sender, batch=10)
        assert len(a.rows) == len(b.rows) == 3 and not {r.id for r in a.rows} & {
            r.id for r in b.rows}
    # a claim left SENDING by a crashed workstation is taken back after STALE_CLAIM
    clock[0] += notify_dispatch.STALE_CLAIM + timedelta(seconds=1)
    again = notify_dispatch.claim_due(backend, sender, batch=10)
    assert len(again.rows) == 6


def test_rights(backend: Backend) -> None:
    field = token_for(backend, Role.FIELD_OFFICER)
    with pytest.raises(PermissionDenied):
        notify_dispatch.send_due(backend, field)
    with pytest.raises(PermissionDenied):
        notify_templates.send_test_email(backend, token_for(backend, Role.SUPERVISOR),
                                         "a@b.example")
