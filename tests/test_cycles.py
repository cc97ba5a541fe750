"""Billing cycles, on SQLite and MariaDB."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from opsmanager_desktop.db.models import AuditEntry, BillingCycle
from opsmanager_desktop.domain.cycle import CycleStatus, Period
from opsmanager_desktop.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import cycles
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import ListQuery
from tests.helpers import admin_token, token_for


@pytest.mark.parametrize("period,first,last", [
    ("2026-01", date(2026, 1, 1), date(2026, 1, 31)),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),  # leap year
    ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
    (" 2026-12 ", date(2026, 12, 1), date(2026, 12, 31)),
])
def test_period_bounds(period: str, first: date, last: date) -> None:
    month = Period.parse(period)
    assert (month.first_day, month.last_day, str(month)) == (first, last, period.strip())


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-1", "26-01", "2026/01", "",
                                  "January", "0999-01"])
def test_bad_periods_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="period"):
        Period.parse(text)


def test_open_list_get(backend: Backend) -> None:
    admin = admin_token(backend)
    row = cycles.open_cycle(backend, admin, "2026-02")
    assert (row.period, row.start_date, row.end_date, row.due_days, row.status,
            row.estimation_enabled) == ("2026-02", date(2026, 2, 1), date(2026, 2, 28), 14,
                                        CycleStatus.OPEN, False)
    cycles.open_cycle(backend, admin, "2026-01", due_days=21, estimation=True)
    cycles.open_cycle(backend, admin, "2025-12")
    officer = token_for(backend, Role.FIELD_OFFICER)
    page = cycles.list_cycles(backend, officer)
    assert [c.period for c in page.rows] == ["2026-02", "2026-01", "2025-12"]
    assert page.total == 3
    oldest_first = cycles.list_cycles(backend, officer, ListQuery(sort="period"))
    assert [c.period for c in oldest_first.rows] == ["2025-12", "2026-01", "2026-02"]
    in_2026 = cycles.list_cycles(backend, officer, ListQuery(filters={"year": 2026}))
    assert in_2026.total == 2
    january = cycles.get_cycle(backend, officer, "2026-01")
    assert (january.due_days, january.estimation_enabled) == (21, True)
    with pytest.raises(ValidationError, match="year"):
        cycles.list_cycles(backend, officer, ListQuery(filters={"year": "20x6"}))


def test_duplicates_and_bad_input_refused(backend: Backend) -> None:
    admin = admin_token(backend)
    cycles.open_cycle(backend, admin, "2026-02")
    with pytest.raises(Conflict, match="billing cycle 2026-02 is already open"):
        cycles.open_cycle(backend, admin, "2026-02")
    with pytest.raises(ValidationError, match="period: '2026-13': the month must be 01 to 12"):
        cycles.open_cycle(backend, admin, "2026-13")
    with pytest.raises(ValidationError, match="due_days"):
        cycles.open_cycle(backend, admin, "2026-03", due_days=-1)
    with pytest.raises(ValidationError, match="due_days"):
        cycles.open_cycle(backend, admin, "2026-03", due_days=400)
    with backend.sessions() as s:
        assert s.scalar(select(func.count(BillingCycle.id))) == 1


def test_cycle_by_period_messages(backend: Backend) -> None:
    admin = admin_token(backend)
    cycles.open_cycle(backend, admin, "2026-02")
    with backend.sessions() as s:
        assert cycles.cycle_by_period(s, "2026-02").end_date == date(2026, 2, 28)
        with pytest.raises(NotFound, match="billing cycle 2026-03 is not open yet; an "
                           "administrator opens it with `cycles open 2026-03`"):
            cycles.cycle_by_period(s, "2026-03")
        with pytest.raises(ValidationError, match="cycle: '2026-3' is not a period"):
            cycles.cycle_by_period(s, "2026-3")


def test_estimation_and_close(backend: Backend) -> None:
    admin = admin_token(backend)
    cycles.open_cycle(backend, admin, "2026-02")
    assert cycles.set_estimation(backend, admin, "2026-02", True).estimation_enabled
    closed = cycles.close_cycle(backend, admin, "2026-02")
    assert closed.status is CycleStatus.CLOSED
    with pytest.raises(Conflict, match="billing cycle 2026-02 is closed"):
        cycles.set_estimation(backend, admin, "2026-02", False)
    with pytest.raises(Conflict, match="closed"):
        cycles.close_cycle(backend, admin, "2026-02")
    assert cycles.list_cycles(backend, admin, ListQuery(filters={"status": "closed"})).total == 1
    with backend.sessions() as s:
        actions = s.scalars(select(AuditEntry.action).where(
            AuditEntry.entity == "billing_cycle").order_by(AuditEntry.id)).all()
        assert actions == ["open", "set_estimation", "close"]


def test_only_admins_open_or_close(backend: Backend) -> None:
    admin = admin_token(backend)
    cycles.open_cycle(backend, admin, "2026-02")
    officer = token_for(backend, Role.BILLING_OFFICER)
    with pytest.raises(PermissionDenied):
        cycles.open_cycle(backend, officer, "2026-03")
    with pytest.raises(PermissionDenied):
        cycles.close_cycle(backend, officer, "2026-02")
    with pytest.raises(PermissionDenied):
        cycles.set_estimation(backend, officer, "2026-02", True)
    row = cycles.get_cycle(backend, officer, "2026-02")
    assert (row.status, row.estimation_enabled) == (CycleStatus.OPEN, False)
    assert cycles.list_cycles(backend, officer).total == 1
