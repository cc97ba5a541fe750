"""Two workstations at once: the same billing run gives one set of bills; two officers
editing one customer: the second is told to reload; deadlocks and lock wait timeouts are
retried as whole transactions."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import Customer
from opsmanager_desktop.domain.errors import Conflict
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import auth, billing, customers
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.core import run_in_transaction
from tests.billing_data import add_connections, make_world, open_cycle
from tests.concurrency.conftest import run_processes
from tests.helpers import PASSWORD, token_for
from tests.ledger_data import add_customer

pytestmark = pytest.mark.mysql
PERIOD = "2026-01"
CONNECTIONS = 240


def _billing_worker(i: int, queue: Any, barrier: Any, url: str) -> None:
    backend = Backend.from_url(url, client=f"workstation-{i}")
    token = auth.sign_in(backend, "bo", PASSWORD).token
    barrier.wait()
    try:
        result = billing.run_billing(backend, token, PERIOD, chunk_size=8)
        queue.put((i, ("ran", result.bills_created, result.skipped_existing)))
    except Conflict as exc:
        queue.put((i, ("refused", str(exc), 0)))
    backend.dispose()


def test_two_workstations_start_the_same_billing_run(mysql_url: str) -> None:
    backend = Backend.from_url(mysql_url)
    world = make_world(backend)
    open_cycle(world, PERIOD)
    rng = random.Random(5)
    add_connections(world, [(rng.choice(["DOM", "COM", "WAT"]), str(rng.randint(0, 500)),
                             "3") for _ in range(CONNECTIONS)], PERIOD)
    backend.dispose()
    outcomes = run_processes(_billing_worker, [(mysql_url,), (mysql_url,)])
    kinds = sorted(o[0] for o in outcomes)
    print(f"\ntwo workstations, one cycle: {kinds}")
    created = sum(o[1] for o in outcomes if o[0] == "ran")
    assert created == CONNECTIONS
    # either the second was refused while the first ran, or it started after and found
    # every bill made (it creates none)
    assert kinds in (["ran", "refused"], ["ran", "ran"])
    if kinds == ["ran", "refused"]:
        refusal = next(o[1] for o in outcomes if o[0] == "refused")
        assert "is being billed by bo" in refusal
    engine = create_engine(mysql_url)
    with engine.connect() as conn:
        per_connection = conn.execute(text(
            "SELECT connection_id, COUNT(*) FROM bills GROUP BY connection_id")).all()
        lines_without_bill = conn.execute(text(
            "SELECT COUNT(*) FROM bill_lines l LEFT JOIN bills b ON b.id = l.bill_id "
            "WHERE b.id IS NULL")).scalar()
    engine.dispose()
    assert len(per_connection) == CONNECTIONS
    assert {n for _c, n in per_connection} == {1}
    assert lines_without_bill == 0


def _edit_worker(i: int, queue: Any, barrier: Any, url: str) -> None:
    backend = Backend.from_url(url)
    token = auth.sign_in(backend, f"officer{i}", PASSWORD).token
    opened = customers.get_customer(backend, token, "E001")
    barrier.wait()
    try:
        customers.update_customer(backend, token, "E001", opened.version,
                                  address=f"{i} typed by officer {i}")
        queue.put((i, "saved"))
    except Conflict as exc:
        queue.put((i, f"conflict: {exc}"))
    backend.dispose()


def test_two_officers_edit_one_customer_the_second_is_told_to_reload(mysql_url: str
                                                                     ) -> None:
    backend = Backend.from_url(mysql_url)
    bo = token_for(backend, Role.BILLING_OFFICER, "officer0")
    token_for(backend, Role.BILLING_OFFICER, "officer1")
    customers.create_customer(backend, bo, "E001", "Edited Twice", address="old address")
    backend.dispose()
    outcomes = run_processes(_edit_worker, [(mysql_url,), (mysql_url,)])
    assert sorted(o[:8] for o in outcomes) == ["conflict", "saved"]
    loser = next(o for o in outcomes if o.startswith("conflict"))
    assert "reload" in loser
    winner = outcomes.index("saved")
    backend = Backend.from_url(mysql_url)
    token = auth.sign_in(backend, "officer0", PASSWORD).token
    saved = customers.get_customer(backend, token, "E001")
    backend.dispose()
    assert saved.address == f"{winner} typed by officer {winner}"


def _lock_in_order(backend: Backend, first: int, second: int, barrier: threading.Barrier,
                   attempts: Counter[str], name: str) -> None:
    def body(session: Session, _now: datetime) -> None:
        attempts[name] += 1
        # a write before the deadlock: redone, not half-kept, when the whole transaction
        # runs again
        session.execute(update(Customer).where(Customer.id == first)
                        .values(name=Customer.name + "+"))
        session.execute(select(Customer.id).where(Customer.id == first).with_for_update())
        if attempts[name] == 1:
            barrier.wait(timeout=10)
        session.execute(select(Customer.id).where(Customer.id == second).with_for_update())
    run_in_transaction(backend, False, body)


def test_a_deadlock_is_retried_as_a_whole_transaction(mysql_url: str) -> None:
    backend = Backend.from_url(mysql_url)
    a, b = add_customer(backend, "D1", "A"), add_customer(backend, "D2", "B")
    barrier = threading.Barrier(2)
    attempts: Counter[str] = Counter()
    errors: list[BaseException] = []

    def go(first: int, second: int, name: str) -> None:
        try:
            _lock_in_order(backend, first, second, barrier, attempts, name)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(a, b, "ab")),
               threading.Thread(target=go, args=(b, a, "ba"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sum(attempts.values()) == 3  # one of the two was the deadlock victim, rerun
    with backend.sessions() as s:
        names = sorted(s.scalars(select(Customer.name).where(Customer.id.in_([a, b]))))
    backend.dispose()
    assert names == ["A+", "B+"]


def test_a_lock_wait_timeout_is_retried(mysql_url: str) -> None:
    backend = Backend.from_url(mysql_url)
    row = add_customer(backend, "W1", "Waited")
    holding = threading.Event()
    attempts: list[int] = []

    def hold(session: Session, _now: datetime) -> None:
        session.execute(select(Customer.id).where(Customer.id == row).with_for_update())
        holding.set()
        threading.Event().wait(1.6)

    def wait_for_it(session: Session, _now: datetime) -> str:
        attempts.append(1)
        session.execute(text("SET SESSION innodb_lock_wait_timeout = 1"))
        session.execute(update(Customer).where(Customer.id == row)
                        .values(name="changed after the wait"))
        return "done"

    holder = threading.Thread(target=lambda: run_in_transaction(backend, False, hold))
    holder.start()
    assert holding.wait(10)
    assert run_in_transaction(backend, False, wait_for_it) == "done"
    holder.join(10)
    with backend.sessions() as s:
        s.execute(text("SET SESSION innodb_lock_wait_timeout = 50"))
        assert s.scalar(select(Customer.name).where(Customer.id == row)) == \
            "changed after the wait"
    backend.dispose()
    assert len(attempts) >= 2  # the first attempt timed out (1205) and was run again
