"""customers import: every check, all-or-nothing by default, rejects file with skip_invalid;
on SQLite and MariaDB."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from opsmanager_desktop.db.models import AuditEntry
from opsmanager_desktop.domain.errors import PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import customers
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.imports import ImportCancelled
from opsmanager_desktop.services.listing import ListQuery
from tests.helpers import token_for
from tests.test_customers_fixtures import World, make_world, row_counts, write_csv

HEADER = "account_no,name,address,phone,email,utility,meter_number,tariff_code,initial_reading\n"
GOOD = (
    "A1,Ann One,1 Main St,0801 111 1111,ann@example.com,electricity,E-1,DOM-1,100\n"
    "A1,Ann One,1 Main St,0801 111 1111,ann@example.com,water,W-1,WAT-1,\n"
    "A2,Bo Two,,,,Electricity,e-2,dom-1,0.5\n"
)


@pytest.fixture
def world(backend: Backend) -> World:
    return make_world(backend)


def _import(world: World, path: Path, **kw: object) -> customers.CustomerImportResult:
    return customers.import_customers(world.backend, world.officer, path, **kw)  # type: ignore[arg-type]


def test_good_file_creates_customers_with_their_connections(world: World,
                                                            tmp_path: Path) -> None:
    result = _import(world, write_csv(tmp_path / "c.csv", HEADER + GOOD, "utf-8-sig"))
    assert (result.rows, result.customers_created, result.connections_created,
            result.rejected, result.rejects_path) == (3, 2, 3, 0, None)
    a1 = customers.get_customer(world.backend, world.officer, "A1")
    assert [(c.utility, c.meter_number, c.tariff_code, c.initial_reading)
            for c in a1.connections] == [("electricity", "E-1", "DOM-1", Decimal("100.000")),
                                         ("water", "W-1", "WAT-1", Decimal("0.000"))]
    assert (a1.phone, a1.email, a1.address) == ("0801 111 1111", "ann@example.com",
                                                "1 Main St")
    a2 = customers.get_customer(world.backend, world.officer, "a2")
    assert a2.connections[0].meter_number == "E-2"
    with world.backend.sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity == "customer_import")).one()
    assert entry.username == "u_billing_officer" and '"customers": 2' in (entry.after or "")
    # the same file again creates nothing twice
    before = row_counts(world.backend)
    with pytest.raises(ValidationError, match="already exists"):
        _import(world, tmp_path / "c.csv")
    assert row_counts(world.backend) == before


BAD_ROWS = [
    ("A9,X,,,,gas,G-1,DOM-1,0", "utility", "not a known utility type"),
    ("A9,X,,,,electricity,E-9,NOPE,0", "tariff_code", "not a known tariff plan"),
    ("A9,X,,,,electricity,E-9,WAT-1,0", "tariff_code", "is for water, not electricity"),
    ("A9,X,,,,electricity,E-9,OLD-1,0", "tariff_code", "no longer offered"),
    ("A9,X,,,not-an-email,electricity,E-9,DOM-1,0", "email", "not an e-mail address"),
    ("A9,X,,phone?,,electricity,E-9,DOM-1,0", "phone", "not a phone number"),
    ("A9,X,,,,electricity,E-9,DOM-1,abc", "initial_reading", "not a number"),
    ("A9,X,,,,electricity,E-9,DOM-1,-5", "initial_reading", "negative"),
    ("A9,X,,,,electricity,E-9,DOM-1,1.2345", "initial_reading", "more than 3 decimal"),
    (",X,,,,electricity,E-9,DOM-1,0", "account_no", "is required"),
    ("A 9,X,,,,electricity,E-9,DOM-1,0", "account_no", "not a valid account number"),
    ("A9,,,,,electricity,E-9,DOM-1,0", "name", "is required"),
    ("A9,X,,,,electricity,,DOM-1,0", "meter_number", "is required"),
    ("A1,Ann One,1 Main St,0801 111 1111,ann@example.com,electricity,E-1,DOM-1,100",
     "meter_number", "repeats row 2"),
    ("A9,X,,,,electricity,E-1,DOM-1,0", "meter_number", "also on row 2 (account A1)"),
    ("A1,Someone Else,1 Main St,0801 111 1111,ann@example.com,electricity,E-9,DOM-1,0",
     "name", "differ from row 2"),
    ("A9,X,,,,electricity,E-9,DOM-1,0,surplus", "row", "header names 9 columns"),
]


@pytest.mark.parametrize("line,field,reason", BAD_ROWS)
def test_each_bad_row_refuses_the_whole_file(world: World, tmp_path: Path, line: str,
                                             field: str, reason: str) -> None:
    before = row_counts(world.backend)
    with pytest.raises(ValidationError) as err:
        _import(world, write_csv(tmp_path / "c.csv", HEADER + GOOD + line + "\n"))
    (problem,) = err.value.problems
    assert (problem.row, problem.field) == (5, field)
    assert reason in problem.reason, problem.reason
    assert row_counts(world.backend) == before


def test_meter_already_fitted_in_the_database(world: World, tmp_path: Path) -> None:
    world.customer("OLD", "E-2")
    before = row_counts(world.backend)
    with pytest.raises(ValidationError) as err:
        _import(world, write_csv(tmp_path / "c.csv", HEADER + GOOD))
    (problem,) = err.value.problems
    assert (problem.row, problem.field) == (4, "meter_number")
    assert "already fitted on an open electricity connection of account OLD" in problem.reason
    assert row_counts(world.backend) == before


def test_every_bad_row_listed(world: World, tmp_path: Path) -> None:
    lines = "".join(f"{line}\n" for line, _, _ in BAD_ROWS[:6])
    with pytest.raises(ValidationError) as err:
        _import(world, write_csv(tmp_path / "c.csv", HEADER + lines))
    assert [p.row for p in err.value.problems] == [2, 3, 4, 5, 6, 7]


def test_skip_invalid_imports_good_rows_and_writes_rejects(world: World,
                                                           tmp_path: Path) -> None:
    text = HEADER + GOOD + BAD_ROWS[0][0] + "\n" + BAD_ROWS[4][0] + "\n" + \
        "A3,Cy,,,,water,W-3,WAT-1,7\n"
    rejects = tmp_path / "out" / "rejected.csv"
    rejects.parent.mkdir()
    result = _import(world, write_csv(tmp_path / "c.csv", text), skip_invalid=True,
                     rejects_path=rejects)
    assert (result.customers_created, result.connections_created, result.rejected,
            result.rejects_path) == (3, 4, 2, rejects)
    with rejects.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == [*HEADER.strip().split(","), "error"]
    assert rows[1][5] == "gas" and rows[1][-1].startswith("utility:")
    assert rows[2][4] == "not-an-email" and rows[2][-1].startswith("email:")
    page = customers.list_customers(world.backend, world.officer, ListQuery(sort="account_no"))
    assert [r.account_no for r in page.rows] == ["A1", "A2", "A3"]


def test_rows_of_one_customer_may_be_far_apart(world: World, tmp_path: Path) -> None:
    """Chunks of the import are independent; a later row of an account created by an earlier
    chunk adds its connection to that customer."""
    lines = [f"C{i},N{i},,,,electricity,E{i},DOM-1,0" for i in range(6000)]
    lines.append("C1,N1,,,,water,W1,WAT-1,0")
    result = _import(world, write_csv(tmp_path / "c.csv", HEADER + "\n".join(lines) + "\n"))
    assert (result.customers_created, result.connections_created) == (6000, 6001)
    assert len(customers.get_customer(world.backend, world.officer, "C1").connections) == 2


def test_permission_progress_and_cancel(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", HEADER + GOOD)
    before = row_counts(world.backend)
    with pytest.raises(PermissionDenied):
        customers.import_customers(world.backend, token_for(world.backend, Role.SUPERVISOR),
                                   path)
    with pytest.raises(ImportCancelled):
        _import(world, path, cancelled=lambda: True)
    assert row_counts(world.backend) == before
    seen: list[tuple[int, int]] = []
    _import(world, path, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (3, 3)


def test_not_a_table(world: World, tmp_path: Path) -> None:
    png = tmp_path / "customers.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    with pytest.raises(ValidationError, match="PNG image"):
        _import(world, png)
    with pytest.raises(ValidationError, match="missing columns utility, meter_number"):
        _import(world, write_csv(tmp_path / "x.csv", "account_no,name,tariff_code\nA,B,C\n"))
