"""Tariff plans and versions in the database, on SQLite and MariaDB."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from opsmanager_desktop.db.models import (
    AuditEntry,
    Bill,
    Connection,
    Customer,
    TariffCategory,
    TariffPlan,
    TariffSlab,
    TariffVersion,
)
from opsmanager_desktop.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.domain.tariff import (
    Category,
    LineKind,
    Slab,
    SlabMode,
    Tariff,
    Tax,
    TaxBase,
    compute_charges,
)
from opsmanager_desktop.services import cycles, tariffs, utilities
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import ListQuery
from tests.helpers import admin_token, token_for

D = Decimal
TODAY = datetime(2026, 3, 15, 9, 30)
SIMPLE = Tariff.simple((Slab(D(100), D("5.00")), Slab(None, D("10.00"))), D("50.00"),
                       taxes=(Tax("VAT", D("7.5"), TaxBase.ENERGY_AND_FIXED),))
RICH = Tariff(SlabMode.FLAT, (
    Category(D(100), D("20.00"), (Slab(None, D("1.0000")),)),
    Category(None, D("40.00"), (Slab(D("200.5"), D("3.1250")), Slab(None, D("4.0000")))),
), fixed_charge_per_kw=D("12.50"), minimum_charge=D("0.10"), taxes=(
    Tax("Duty", D("5"), TaxBase.ENERGY), Tax("VAT", D("7.5"), TaxBase.ENERGY_AND_FIXED)))


@pytest.fixture
def admin(backend: Backend) -> str:
    backend.clock = lambda: TODAY
    token = admin_token(backend)
    utilities.add_utility(backend, token, "electricity", "Electricity", "kWh")
    utilities.add_utility(backend, token, "water", "Water", "m3")
    return token


def count(backend: Backend, model: Any) -> int:
    with backend.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_first_version_applies_to_every_cycle_and_later_ones_from_today(
        backend: Backend, admin: str) -> None:
    first = tariffs.add_tariff(backend, admin, "dom-1", "Domestic", "Electricity", SIMPLE)
    assert (first.code, first.effective_from, first.new_plan) == (
        "DOM-1", tariffs.FIRST_VERSION_FROM, True)
    second = tariffs.add_tariff(backend, admin, "DOM-1", "Domestic", "electricity", RICH,
                                uses_categories=True)
    assert (second.effective_from, second.new_plan, second.plan_id) == (
        date(2026, 3, 15), False, first.plan_id)
    with backend.sessions() as s:
        assert tariffs.version_in_force(s, first.plan_id, date(2026, 3, 14)).id \
            == first.version_id  # type: ignore[union-attr]
        assert tariffs.version_in_force(s, first.plan_id, date(2026, 3, 15)).id \
            == second.version_id  # type: ignore[union-attr]
        assert tariffs.version_in_force(s, first.plan_id, date(1999, 12, 31)) is None


def test_stored_versions_load_back_exactly(backend: Backend, admin: str) -> None:
    simple = tariffs.add_tariff(backend, admin, "DOM-1", "Domestic", "electricity", SIMPLE)
    rich = tariffs.add_tariff(backend, admin, "COM-1", "Commercial", "electricity", RICH,
                              date(2026, 1, 1))
    with backend.sessions() as s:
        assert tariffs.tariff_for_version(s, simple.version_id) == SIMPLE
        assert tariffs.tariff_for_version(s, rich.version_id) == RICH
        with pytest.raises(NotFound):
            tariffs.tariff_for_version(s, rich.version_id + 99)
        plain = s.get(TariffVersion, simple.version_id)
        assert plain is not None and not plain.uses_categories
        assert plain.fixed_charge == D("50.00")
        assert s.get(TariffVersion, rich.version_id).uses_categories  # type: ignore[union-attr]
    # cent-exact on both databases: 150 units telescopic + fixed + 7.5% VAT
    charges = tariffs.preview(backend, admin, "DOM-1", "150")
    assert (charges.energy, charges.fixed, charges.tax, charges.total) == (
        D("1000.00"), D("50.00"), D("78.75"), D("1128.75"))


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def counting(backend: Backend) -> Iterator[QueryCounter]:
    counter = QueryCounter()
    event.listen(backend.engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(backend.engine, "before_cursor_execute", counter)


def test_tariffs_in_force_for_all_plans_in_a_few_queries(backend: Backend, admin: str) -> None:
    added = {}
    for n in range(12):
        code = f"P-{n}"
        added[code] = [tariffs.add_tariff(backend, admin, code, f"Plan {n}", "electricity",
                                          SIMPLE if n % 2 else RICH, date(2025, 1, 1))]
        added[code].append(tariffs.add_tariff(
            backend, admin, code, f"Plan {n}", "electricity",
            Tariff.simple((Slab(None, D(n + 1)),)), date(2026, 2, 1)))
    tariffs.add_tariff(backend, admin, "LATER", "Later", "water", SIMPLE, date(2026, 6, 1))
    with backend.sessions() as s, counting(backend) as queries:
        january = tariffs.tariffs_in_force(s, date(2026, 1, 31))
        assert queries.count == 4, queries.statements
        february = tariffs.tariffs_in_force(s, date(2026, 2, 1))
    assert len(january) == len(february) == 12  # LATER is not in force yet
    for code, (old, new) in added.items():
        assert january[old.plan_id][0] == old.version_id
        assert january[old.plan_id][1] == (SIMPLE if int(code[2:]) % 2 else RICH)
        version_id, tariff = february[new.plan_id]
        assert version_id == new.version_id
        assert compute_charges(tariff, D(10)).energy == D(10) * (int(code[2:]) + 1)


def test_import_file_path_and_text(backend: Backend, admin: str, tmp_path: Path) -> None:
    data = {"code": "DOM-2", "name": "Domestic 2", "utility": "electricity",
            "effective_from": "2026-01-01", "mode": "flat", "fixed_charge_per_kw": "10",
            "minimum_charge": "25",
            "taxes": [{"name": "Duty", "percent": "5", "on": "energy"}],
            "categories": [
                {"up_to": "100", "fixed_charge": "20", "slabs": [{"up_to": None, "rate": "1"}]},
                {"up_to": None, "fixed_charge": "40", "slabs": [
                    {"up_to": "200", "rate": "3.00"}, {"up_to": None, "rate": 4.1}]}]}
    path = tmp_path / "dom2.json"
    path.write_text("\ufeff" + json.dumps(data), encoding="utf-8")  # a BOM is fine
    added = tariffs.import_tariff_file(backend, admin, path)
    assert (added.code, added.effective_from, added.new_plan) == ("DOM-2", date(2026, 1, 1),
                                                                  True)
    data["effective_from"] = "2026-04-01"
    data["slabs"] = [{"up_to": None, "rate": "2"}]
    data["fixed_charge"] = "5"
    del data["categories"]
    again = tariffs.import_tariff_file(backend, admin, text=json.dumps(data))
    assert not again.new_plan
    plan = tariffs.get_plan(backend, admin, "dom-2")
    assert [(v.effective_from, v.uses_categories, v.mode) for v in plan.versions] == [
        (date(2026, 1, 1), True, SlabMode.FLAT), (date(2026, 4, 1), False, SlabMode.FLAT)]
    assert plan.current is not None and plan.current.id == added.version_id
    first = plan.versions[0]
    assert first.categories[1].slabs == (Slab(D(200), D(3)), Slab(None, D("4.1")))
    assert first.taxes == (Tax("Duty", D(5), TaxBase.ENERGY),)
    assert (first.fixed_charge_per_kw, first.minimum_charge) == (D(10), D(25))
    assert plan.versions[1].tariff == Tariff.simple((Slab(None, D(2)),), D(5), SlabMode.FLAT,
                                                    (Tax("Duty", D(5), TaxBase.ENERGY),),
                                                    D(10), D(25))
    charges = tariffs.preview(backend, admin, "DOM-2", D(150), D(2), date(2026, 2, 28))
    assert [ln.kind for ln in charges.lines] == [LineKind.ENERGY, LineKind.FIXED,
                                                 LineKind.FIXED, LineKind.TAX]
    assert charges.total == D("450.00") + D("40.00") + D("20.00") + D("22.50")


@pytest.mark.parametrize("change,field,reason", [
    ({"utility": "gas"}, "utility", "no utility type 'gas'"),
    ({"slabs": [{"up_to": "10", "rate": "1"}]}, "slabs[0].up_to", "open-ended"),
    ({"slabs": [{"up_to": None, "rate": "-1"}]}, "slabs[0].rate", "negative"),
])
def test_bad_import_writes_nothing(backend: Backend, admin: str, change: dict[str, Any],
                                   field: str, reason: str) -> None:
    data = {"code": "X-1", "name": "X", "utility": "water", "fixed_charge": "1",
            "slabs": [{"up_to": None, "rate": "1"}], **change}
    before = (count(backend, TariffPlan), count(backend, TariffVersion),
              count(backend, AuditEntry))
    with pytest.raises(ValidationError) as caught:
        tariffs.import_tariff_file(backend, admin, text=json.dumps(data))
    assert any(p.field == field and reason in p.reason for p in caught.value.problems), \
        caught.value.problems
    assert (count(backend, TariffPlan), count(backend, TariffVersion),
            count(backend, AuditEntry)) == before


def test_missing_or_unreadable_file(backend: Backend, admin: str, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="does not exist"):
        tariffs.import_tariff_file(backend, admin, tmp_path / "nope.json")
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"name": "Tarif réduit"}'.encode("latin-1"))
    with pytest.raises(ValidationError, match="not UTF-8"):
        tariffs.import_tariff_file(backend, admin, latin)


def test_new_version_rules(backend: Backend, admin: str) -> None:
    tariffs.add_tariff(backend, admin, "DOM-1", "Domestic", "electricity", SIMPLE,
                       date(2026, 1, 1))
    with pytest.raises(Conflict, match="already has a version effective from 2026-01-01"):
        tariffs.add_tariff(backend, admin, "DOM-1", "Domestic", "electricity", RICH,
                           date(2026, 1, 1))
    with pytest.raises(ValidationError, match="utility: plan DOM-1 is for electricity, not water"):
        tariffs.add_tariff(backend, admin, "DOM-1", "Domestic", "water", SIMPLE,
                           date(2026, 2, 1))
    tariffs.add_tariff(backend, admin, "DOM-1", "Domestic (2026)", "electricity", SIMPLE,
                       date(2026, 2, 1))
    assert tariffs.get_plan(backend, admin, "DOM-1").name == "Domestic (2026)"
    tariffs.deactivate_plan(backend, admin, "DOM-1")
    with pytest.raises(Conflict, match="deactivated"):
        tariffs.add_tariff(backend, admin, "DOM-1", "Domestic", "electricity", SIMPLE,
                           date(2026, 3, 1))
    tariffs.reactivate_plan(backend, admin, "DOM-1")
    tariffs.add_tariff(backend, admin, "DOM-1", "Domestic", "electricity", SIMPLE,
                       date(2026, 3, 1))
    with backend.sessions() as s:
        actions = s.scalars(select(AuditEntry.action).where(
            AuditEntry.entity.in_(["tariff_plan", "tariff_version"])).order_by(AuditEntry.id))
        assert list(actions) == ["create", "create", "rename", "create", "deactivate",
                                 "reactivate", "rename", "create"]


def test_a_new_version_may_not_reach_into_a_billed_cycle(backend: Backend, admin: str) -> None:
    added = tariffs.add_tariff(backend, admin, "DOM-1", "Domestic", "electricity", SIMPLE)
    cycle = cycles.open_cycle(backend, admin, "2026-02")
    with backend.sessions.begin() as s:
        customer = Customer(account_no="A001", name="Ann")
        s.add(customer)
        s.flush()
        utility_id = s.scalar(select(TariffPlan.utility_type_id))
        connection = Connection(customer_id=customer.id, utility_type_id=utility_id,
                                meter_number="M1", active_meter="M1",
                                tariff_plan_id=added.plan_id)
        s.add(connection)
        s.flush()
        s.add(Bill(bill_no="B1", connection_id=connection.id, customer_id=customer.id,
                   cycle_id=cycle.id, tariff_version_id=added.version_id, units=D(150),
                   energy_charge=D("1000.00"), fixed_charge=D("50.00"), tax=D("78.75"),
                   total=D("1128.75"), balance=D("1128.75")))
    with pytest.raises(Conflict, match="cycle 2026-02 has already been billed with plan "
                       "DOM-1; a new version must take effect after 2026-02-28"):
        tariffs.add_tariff(backend, admin, "DOM-1", "Domestic", "electricity", RICH,
                           date(2026, 2, 28))
    later = tariffs.add_tariff(backend, admin, "DOM-1", "Domestic", "electricity", RICH,
                               date(2026, 3, 1))
    assert later.effective_from == date(2026, 3, 1)
    # another plan is not held back by DOM-1's bills
    tariffs.add_tariff(backend, admin, "COM-1", "Commercial", "electricity", SIMPLE)
    tariffs.add_tariff(backend, admin, "COM-1", "Commercial", "electricity", RICH,
                       date(2026, 2, 1))


def test_inactive_utility_and_invalid_input(backend: Backend, admin: str) -> None:
    utilities.deactivate_utility(backend, admin, "water")
    with pytest.raises(ValidationError, match="utility: utility type 'water' is deactivated"):
        tariffs.add_tariff(backend, admin, "W-1", "Water", "water", SIMPLE)
    with pytest.raises(ValidationError) as caught:
        tariffs.add_tariff(backend, admin, "bad code", "", "electricity", Tariff(
            SlabMode.FLAT, (Category(None, D(-1), (Slab(D(5), D(1)),)),)))
    assert {p.field for p in caught.value.problems} == {
        "code", "name", "fixed_charge", "slabs[0].up_to"}
    assert count(backend, TariffPlan) == 0


def test_preview_errors(backend: Backend, admin: str) -> None:
    tariffs.add_tariff(backend, admin, "DOM-1", "Domestic", "electricity", SIMPLE,
                       date(2026, 1, 1))
    with pytest.raises(NotFound, match="no tariff plan 'NOPE'"):
        tariffs.preview(backend, admin, "nope", 10)
    with pytest.raises(ValidationError, match="units: must not be negative"):
        tariffs.preview(backend, admin, "DOM-1", "-1")
    with pytest.raises(ValidationError, match="units: 'lots' is not a number"):
        tariffs.preview(backend, admin, "DOM-1", "lots")
    with pytest.raises(ValidationError, match="no version in force on 2025-12-31; its first "
                       "takes effect on 2026-01-01"):
        tariffs.preview(backend, admin, "DOM-1", 10, on=date(2025, 12, 31))
    assert tariffs.preview(backend, admin, "DOM-1", 100, on=date(2026, 1, 1)).energy \
        == D("500.00")


def test_list_plans(backend: Backend, admin: str) -> None:
    tariffs.add_tariff(backend, admin, "DOM-1", "Domestic", "electricity", SIMPLE)
    tariffs.add_tariff(backend, admin, "DOM-1", "Domestic", "electricity", RICH,
                       date(2026, 2, 1), uses_categories=True)
    tariffs.add_tariff(backend, admin, "DOM-1", "Domestic", "electricity", SIMPLE,
                       date(2026, 7, 1))
    tariffs.add_tariff(backend, admin, "W_1", "Water 100%", "water", SIMPLE)
    tariffs.add_tariff(backend, admin, "FUT", "Future", "water", SIMPLE, date(2027, 1, 1))
    tariffs.deactivate_plan(backend, admin, "FUT")
    page = tariffs.list_plans(backend, admin, ListQuery(sort="code"))
    assert page.total == 3
    dom, fut, wat = page.rows
    assert (dom.code, dom.utility, dom.mode, dom.effective_from, dom.fixed_charge,
            dom.uses_categories, dom.versions, dom.next_effective_from, dom.is_active) == (
        "DOM-1", "electricity", SlabMode.FLAT, date(2026, 2, 1), None, True, 3,
        date(2026, 7, 1), True)
    assert (fut.mode, fut.effective_from, fut.next_effective_from, fut.is_active) == (
        None, None, date(2027, 1, 1), False)
    assert (wat.fixed_charge, wat.versions, wat.mode) == (D("50.00"), 1, SlabMode.TELESCOPIC)

    def codes(query: ListQuery) -> list[str]:
        return [r.code for r in tariffs.list_plans(backend, admin, query).rows]

    # ties follow the id, in the same direction
    assert codes(ListQuery(sort="versions", descending=True)) == ["DOM-1", "FUT", "W_1"]
    assert codes(ListQuery(filters={"utility": "Water"}, sort="code")) == ["FUT", "W_1"]
    assert codes(ListQuery(filters={"active": True}, sort="code")) == ["DOM-1", "W_1"]
    assert codes(ListQuery(search="_")) == ["W_1"]  # LIKE wildcards are literal
    assert codes(ListQuery(search="100%")) == ["W_1"]
    with pytest.raises(ValidationError, match="cannot sort by"):
        codes(ListQuery(sort="rate"))


def test_permissions(backend: Backend, admin: str) -> None:
    tariffs.add_tariff(backend, admin, "DOM-1", "Domestic", "electricity", SIMPLE)
    officer = token_for(backend, Role.BILLING_OFFICER)
    before = count(backend, TariffVersion), count(backend, AuditEntry)
    with pytest.raises(PermissionDenied):
        tariffs.add_tariff(backend, officer, "DOM-1", "Domestic", "electricity", RICH,
                           date(2026, 5, 1))
    with pytest.raises(PermissionDenied):
        tariffs.deactivate_plan(backend, officer, "DOM-1")
    assert (count(backend, TariffVersion), count(backend, AuditEntry)) == before
    assert tariffs.preview(backend, officer, "DOM-1", 150).energy == D("1000.00")
    assert tariffs.list_plans(backend, officer).total == 1
    field = token_for(backend, Role.FIELD_OFFICER)
    with pytest.raises(PermissionDenied):
        tariffs.preview(backend, field, "DOM-1", 150)
    assert tariffs.get_plan(backend, field, "DOM-1").code == "DOM-1"


def test_rows_written_per_version(backend: Backend, admin: str) -> None:
    tariffs.add_tariff(backend, admin, "COM-1", "Commercial", "electricity", RICH)
    assert (count(backend, TariffCategory), count(backend, TariffSlab)) == (2, 3)
