"""The customers import preview: the same checks as the import, nothing written; and the
read-only lists behind the customer history and the audit log page."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from opsmanager_desktop.domain.errors import PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import adjustments, audit_log, customers, own_account
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.customer_import import check_customers_file
from opsmanager_desktop.services.listing import ListQuery
from tests.helpers import token_for
from tests.ledger_data import add_bill
from tests.test_customers_fixtures import World, make_world, row_counts, write_csv

HEADER = "account_no,name,address,phone,email,utility,meter_number,tariff_code,initial_reading\n"
ROWS = (
    "A1,Ann One,1 Main St,0801 111 1111,ann@example.com,electricity,E-1,DOM-1,100\n"
    "A1,Ann One,1 Main St,0801 111 1111,ann@example.com,water,W-1,WAT-1,\n"
    "A2,Bo Two,,not a phone,,electricity,E-2,DOM-1,0\n"
    "A3,Cy Three,,,,gas,E-3,DOM-1,-4\n"
    "A4,Di Four,,,,electricity,E-1,DOM-1,0\n"
)


@pytest.fixture
def world(backend: Backend) -> World:
    return make_world(backend)


def test_preview_lists_every_problem_and_writes_nothing(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", HEADER + ROWS)
    before = row_counts(world.backend)
    preview = check_customers_file(world.backend, world.officer, path)
    assert row_counts(world.backend) == before
    assert (preview.rows, preview.valid, preview.problem_rows, preview.ok) == (5, 2, 3, False)
    assert preview.header[:2] == ("account_no", "name")
    by_row = {r.row: r.problems for r in preview.sample}
    assert sorted(by_row) == [2, 3, 4, 5, 6]
    assert by_row[2] == by_row[3] == ()
    assert any(p.startswith("phone:") for p in by_row[4])
    assert any(p.startswith("utility:") for p in by_row[5])
    assert any(p.startswith("initial_reading:") for p in by_row[5])
    assert any("meter_number: meter E-1 is also on row 2" in p for p in by_row[6])
    # the import itself refuses the same rows
    with pytest.raises(ValidationError) as refused:
        customers.import_customers(world.backend, world.officer, path)
    assert {p.row for p in refused.value.problems} == {4, 5, 6}


def test_preview_is_for_those_who_may_import(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", HEADER + ROWS)
    with pytest.raises(PermissionDenied):
        check_customers_file(world.backend, world.supervisor, path)
    with pytest.raises(ValidationError, match="missing column"):
        check_customers_file(world.backend, world.officer,
                                write_csv(tmp_path / "h.csv", "account_no,name\nA9,X\n"))


def test_adjustments_and_own_account(backend: Backend) -> None:
    number = add_bill(backend, "OWN-1", "120.00", due=date(2026, 1, 20))
    add_bill(backend, "OTHER-1", "80.00", due=date(2026, 1, 20))
    officer = token_for(backend, Role.ACCOUNTS_OFFICER)
    from opsmanager_desktop.services import bills

    bills.adjust_bill(backend, officer, number, "-20.10", "meter misread")
    rows = adjustments.list_adjustments(backend, officer, ListQuery(filters={"account": "own-1"}))
    assert [(r.bill_no, r.amount, r.reason) for r in rows.rows] == [
        (number, Decimal("-20.10"), "meter misread")]
    consumer = token_for(backend, Role.CONSUMER, account_no="OWN-1")
    assert adjustments.list_adjustments(backend, consumer).total == 1
    mine = own_account.my_account(backend, consumer)
    assert (mine.customer.account_no, mine.outstanding, mine.open_bills) == (
        "OWN-1", Decimal("99.90"), 1)
    other = token_for(backend, Role.CONSUMER, "c2", account_no="OTHER-1")
    assert adjustments.list_adjustments(backend, other).rows == []
    with pytest.raises(PermissionDenied):
        own_account.my_account(backend, officer)


def test_audit_log_list_filters_and_detail(backend: Backend) -> None:
    officer = token_for(backend, Role.BILLING_OFFICER)
    customers.create_customer(backend, officer, "AU-1", "Audit One")
    detail = customers.get_customer(backend, officer, "AU-1")
    customers.update_customer(backend, officer, "AU-1", detail.version, name="Audit Uno",
                              phone="0801 222 3333")
    admin = token_for(backend, Role.ADMIN)
    page = audit_log.list_audit(backend, admin, ListQuery(
        sort="id", descending=True, filters={"entity": "customer", "user": "u_billing_officer"}))
    assert [r.action for r in page.rows] == ["update", "create"]
    update = page.rows[0]
    assert update.changed == ("name", "phone", "version")
    entry = audit_log.get_audit_entry(backend, admin, update.id)
    name = next(f for f in entry.fields if f.field == "name")
    assert (name.before, name.after, name.changed) == ("Audit One", "Audit Uno", True)
    assert audit_log.list_audit(backend, admin, ListQuery(search="AU")).total == 0  # ids
    today = backend.now().date()
    assert audit_log.list_audit(backend, admin, ListQuery(filters={
        "date_from": today + timedelta(days=1)})).total == 0
    assert audit_log.list_audit(backend, admin, ListQuery(filters={
        "date_to": today, "action": "update"})).total == 1
    choices = audit_log.audit_choices(backend, admin)
    assert "customer" in choices.entities and "update" in choices.actions
    assert "u_billing_officer" in choices.users
    with pytest.raises(ValidationError):
        audit_log.list_audit(backend, admin, ListQuery(filters={"colour": "red"}))
    with pytest.raises(PermissionDenied):
        audit_log.list_audit(backend, officer)
    assert isinstance(update.at, datetime)
