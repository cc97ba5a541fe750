"""queue_notification and the set-based bill queueing, on SQLite and MariaDB: the channel
rule in SQL agrees with domain.notifications.choose_channel for every combination."""

from __future__ import annotations

import itertools
import json
from datetime import date

import pytest
from sqlalchemy import select

from opsmanager_desktop.db.models import Bill, ContactPreference, Customer, NotificationOutbox
from opsmanager_desktop.domain.notifications import choose_channel
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.notify import queue_for_bills, queue_notification
from tests.ledger_data import add_bill

COMBOS = list(itertools.product([None, "EMAIL", "SMS", "NONE"], [False, True],
                                ["", "a@example.com"], ["", "+2348000000001"]))


def test_channel_rule_sql_matches_domain(backend: Backend) -> None:
    ids = []
    with backend.sessions.begin() as s:
        for n, (pref, out, email, phone) in enumerate(COMBOS):
            c = Customer(account_no=f"N{n:03d}", name=f"Cust {n}", email=email, phone=phone)
            s.add(c)
            s.flush()
            ids.append(c.id)
            if pref is not None:
                s.add(ContactPreference(customer_id=c.id, channel=pref, opted_out=out,
                                        opted_out_on=date(2026, 1, 1) if out else None))
            elif out:
                s.add(ContactPreference(customer_id=c.id, channel="EMAIL", opted_out=True))
    with backend.sessions.begin() as s:
        for cid in ids:
            queue_notification(s, "payment_received", cid, {"amount": "10.00"})
    with backend.sessions() as s:
        got = {r.customer_id: (r.channel, r.recipient, r.values_json)
               for r in s.scalars(select(NotificationOutbox))}
    for cid, (pref, out, email, phone) in zip(ids, COMBOS, strict=True):
        expected = choose_channel(pref if pref is not None else None, out, email, phone)
        if expected is None:
            assert cid not in got
        else:
            channel, recipient, values = got[cid]
            assert channel == expected.value
            assert recipient == (email if channel == "EMAIL" else phone)
            assert json.loads(values) == {"amount": "10.00"}


def test_rolled_back_caller_queues_nothing_and_bad_template(backend: Backend) -> None:
    with backend.sessions.begin() as s:
        c = Customer(account_no="R1", name="R", email="r@example.com")
        s.add(c)
        s.flush()
        cid = c.id
    with pytest.raises(RuntimeError), backend.sessions.begin() as s:
        queue_notification(s, "bill_issued", cid, {})
        raise RuntimeError("the caller's transaction fails")
    with backend.sessions() as s:
        assert s.scalars(select(NotificationOutbox)).all() == []
        with pytest.raises(ValueError, match="no notification template 'hello'"):
            queue_notification(s, "hello", cid, {})


def test_queue_for_bills_one_statement(backend: Backend) -> None:
    for n in range(5):
        add_bill(backend, f"QB{n}", "12.50", due=date(2026, 2, 1), status="GENERATED")
    with backend.sessions.begin() as s:
        s.execute(Customer.__table__.update().where(Customer.account_no != "QB4")
                  .values(email="x@example.com"))
    with backend.sessions.begin() as s:
        queued = queue_for_bills(s, "bill_issued", select(Bill.id).where(
            Bill.status == "GENERATED"), queued_by="tester")
    assert queued == 4  # QB4 has neither e-mail nor phone
    with backend.sessions() as s:
        rows = s.scalars(select(NotificationOutbox)).all()
        assert {(r.template, r.channel, r.status, r.attempts, r.queued_by) for r in rows} == {
            ("bill_issued", "EMAIL", "QUEUED", 0, "tester")}
        assert all(r.bill_id is not None and r.next_attempt_at is None for r in rows)
