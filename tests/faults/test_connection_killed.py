"""The database drops the connection in the middle of recording a payment (KILL CONNECTION
from another session, at a statement hypothesis picks, or as the COMMIT is sent): the
officer gets "nothing was changed", the payment exists once or not at all, and sending it
again with its key posts it exactly once. A reply lost after the commit is the other
half: the retry finds the payment already posted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pymysql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event, text

from opsmanager_desktop.domain.errors import Unavailable
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import payments
from opsmanager_desktop.services.backend import Backend
from tests.concurrency.ledger_check import ledger_anomalies
from tests.conftest import MYSQL_SERVER, empty_tables
from tests.helpers import token_for
from tests.ledger_data import add_bill
from tests.security.installation import root_connection

pytestmark = pytest.mark.mysql
SENT: dict[str, Decimal] = {}
TALLY = {"attempts": 0, "killed": 0, "posted_before_kill": 0}


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    print(f"\npayments sent: {TALLY['attempts']}, connection killed mid-way: "
          f"{TALLY['killed']}, each posted exactly once after the retry")


class Killer:
    """Kills the backend's own connection from the server side at statement `at`."""

    def __init__(self, engine: Engine) -> None:
        self.at: int | None = None
        self.count = 0
        self.fired = False
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "commit", self._commit)

    def arm(self, at: int | None) -> None:
        self.at, self.count, self.fired = at, 0, False

    def _kill(self, conn: Any) -> None:
        thread_id = conn.connection.dbapi_connection.thread_id()
        with root_connection() as root, root.cursor() as cur:
            cur.execute(f"KILL CONNECTION {int(thread_id)}")
        self.fired = True

    def _before(self, conn: Any, *_args: Any) -> None:
        self.count += 1
        if self.at is not None and not self.fired and self.count == self.at:
            self._kill(conn)

    def _commit(self, conn: Any) -> None:
        if self.at == 0 and not self.fired:  # 0: as the COMMIT is sent
            self._kill(conn)


@pytest.fixture
def world(mysql_engine: Engine) -> Iterator[tuple[Backend, str, Killer]]:
    empty_tables(mysql_engine)
    backend = Backend.from_url(f"{MYSQL_SERVER}/{mysql_engine.url.database}")
    token = token_for(backend, Role.ACCOUNTS_OFFICER, "ao")
    for n in range(3):
        add_bill(backend, "K001", f"{40 + n}.00", due=date(2026, 1 + n, 5))
    SENT.clear()
    killer = Killer(backend.engine)
    yield backend, token, killer
    backend.dispose()


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(at=st.integers(0, 16), amount=st.decimals("0.01", "150.00", places=2),
       name_bill=st.booleans())
def test_a_killed_connection_posts_nothing_and_the_retry_posts_once(
        world: tuple[Backend, str, Killer], at: int, amount: Decimal, name_bill: bool) -> None:
    backend, token, killer = world
    reference = f"K-{len(SENT) + 1}"
    SENT[reference] = amount
    bill_no = None
    if name_bill:
        with backend.sessions() as s:
            bill_no = s.scalar(text("SELECT MIN(bill_no) FROM bills"))
    killer.arm(at)
    TALLY["attempts"] += 1
    try:
        first = payments.record_payment(backend, token, "K001", amount, "BANK", reference,
                                        bill_no=bill_no)
        killed = False
    except Unavailable as exc:
        assert "nothing was changed" in str(exc)
        killed = True
    killer.arm(None)
    with backend.sessions() as s:
        count = s.scalar(text("SELECT COUNT(*) FROM payments WHERE reference = :r"),
                         {"r": reference})
    if killed:
        TALLY["killed"] += 1
        assert count == 0  # the transaction died with its connection
    else:
        assert count == 1 and not first.already_recorded
    again = payments.record_payment(backend, token, "K001", amount, "BANK", reference,
                                    bill_no=bill_no)
    assert again.already_recorded is not killed
    assert ledger_anomalies(backend.engine, SENT) == []


def test_a_reply_lost_after_the_commit_is_retried_safely(
        world: tuple[Backend, str, Killer]) -> None:
    backend, token, _killer = world
    posted = payments.record_payment(backend, token, "K001", Decimal("10.00"), "POS", "L-1")
    # the workstation never heard back and sends it again, maybe twice
    for _ in range(2):
        retry = payments.record_payment(backend, token, "K001", Decimal("10.00"), "POS", "L-1")
        assert retry.already_recorded and retry.payment.id == posted.payment.id
    assert ledger_anomalies(backend.engine, {"L-1": Decimal("10.00")}) == []


def test_kill_really_drops_the_connection(world: tuple[Backend, str, Killer]) -> None:
    """The fault injected above is real: the server closes the session."""
    backend, _token, killer = world
    killer.arm(1)
    with pytest.raises(Exception) as lost, backend.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    killer.arm(None)
    orig = getattr(lost.value, "orig", None)
    assert isinstance(orig, pymysql.err.OperationalError) and orig.args[0] in (
        2006, 2013, 1927)
