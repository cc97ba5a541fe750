"""Reference data and small builders for the customer, connection and reading tests (no
tests here). Reference data goes through Engineer T's services, as an admin would make it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from opsmanager_desktop.cli.main import main
from opsmanager_desktop.db.base import Base
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.domain.tariff import Slab, Tariff
from opsmanager_desktop.services import customers, cycles, readings, tariffs, utilities
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.connections import NewConnection
from tests.helpers import PASSWORD, admin_token, token_for

PERIODS = ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06")
JAN, FEB, MAR, APR = PERIODS[:4]
# the world's connections began before its first cycle, whatever day the tests run on (a
# reading dated before its connection is refused: decision 40)
CONNECTED = date(2025, 12, 1)


@dataclass
class World:
    backend: Backend
    admin: str
    officer: str  # billing officer
    supervisor: str

    def customer(self, account: str, meter: str | None = None, *, utility: str = "electricity",
                 tariff: str = "DOM-1", initial: str = "0", name: str = "Ann Example",
                 connected_on: date = CONNECTED, **fields: Any) -> customers.CustomerDetail:
        connection = NewConnection(utility, meter, tariff, Decimal(initial),
                                   connected_on=connected_on) if meter else None
        return customers.create_customer(self.backend, self.officer, account, name,
                                         connection=connection, **fields)

    def reading(self, meter: str, period: str, value: str, *, day: int = 28,
                utility: str = "electricity", approve: bool = True) -> readings.ReadingRow:
        year, month = (int(x) for x in period.split("-"))
        row = readings.enter_reading(self.backend, self.officer, meter, utility, period,
                                     Decimal(value), date(year, month, day))
        if approve:
            readings.approve_readings(self.backend, self.supervisor, period, [row.id])
        return row


def make_world(backend: Backend) -> World:
    admin = admin_token(backend)
    utilities.add_utility(backend, admin, "electricity", "Electricity", "kWh")
    utilities.add_utility(backend, admin, "water", "Water", "m3")
    slabs = (Slab(Decimal("100"), Decimal("5.00")), Slab(None, Decimal("10.00")))
    tariffs.add_tariff(backend, admin, "DOM-1", "Domestic", "electricity", Tariff.simple(slabs))
    tariffs.add_tariff(backend, admin, "COM-1", "Commercial", "electricity",
                       Tariff.simple(slabs))
    tariffs.add_tariff(backend, admin, "WAT-1", "Water domestic", "water", Tariff.simple(slabs))
    tariffs.add_tariff(backend, admin, "OLD-1", "Withdrawn", "electricity", Tariff.simple(slabs))
    tariffs.deactivate_plan(backend, admin, "OLD-1")
    for period in PERIODS:
        cycles.open_cycle(backend, admin, period)
    return World(backend, admin, token_for(backend, Role.BILLING_OFFICER),
                 token_for(backend, Role.SUPERVISOR))


def row_counts(backend: Backend) -> dict[str, int]:
    """Rows of every table but the audit log and sessions (sign-ins write those)."""
    skip = {"audit_log", "user_sessions", "users"}
    with backend.sessions() as session:
        return {t.name: int(session.scalar(select(func.count()).select_from(t)) or 0)
                for t in Base.metadata.sorted_tables if t.name not in skip}


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


CliRun = Callable[..., CliResult]


def cli_runner(backend: Backend, monkeypatch: pytest.MonkeyPatch,
               capsys: pytest.CaptureFixture[str]) -> CliRun:
    url = backend.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("OPSMANAGER_PASSWORD", PASSWORD)

    def run(*args: str, user: str = "u_billing_officer", json_out: bool = True) -> CliResult:
        monkeypatch.setenv("OPSMANAGER_USER", user)
        capsys.readouterr()
        code = main(["--db", url, *(["--json"] if json_out else []), *args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
