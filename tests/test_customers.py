"""Customers and connections services on SQLite and MariaDB."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from opsmanager_desktop.db.models import AuditEntry, Connection, MeterReplacement
from opsmanager_desktop.domain.customers import ConnectionStatus
from opsmanager_desktop.domain.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import connections, customers
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.connections import NewConnection
from opsmanager_desktop.services.listing import ListQuery
from tests.helpers import token_for
from tests.test_customers_fixtures import World, make_world, row_counts


@pytest.fixture
def world(backend: Backend) -> World:
    return make_world(backend)


def test_create_with_first_connection_and_get(world: World) -> None:
    detail = world.customer("a-001", "m-100", initial="12.5", address="1 Main St",
                            phone="+234 801 234 5678", email="ann@example.com")
    assert detail.account_no == "A-001"  # stored upper case: one spelling on both databases
    got = customers.get_customer(world.backend, world.officer, "A-001")
    assert got == detail
    (conn,) = got.connections
    assert (conn.utility, conn.meter_number, conn.tariff_code, conn.status) == (
        "electricity", "M-100", "DOM-1", ConnectionStatus.ACTIVE)
    assert conn.initial_reading == Decimal("12.500")
    with world.backend.sessions() as s:
        actions = s.scalars(select(AuditEntry.action).where(
            AuditEntry.entity.in_(["customer", "connection"]))).all()
    assert sorted(actions) == ["create", "create"]


def test_create_without_connection_then_add(world: World) -> None:
    world.customer("A1")
    row = connections.add_connection(world.backend, world.officer, "a1",
                                     NewConnection("water", "W1", "wat-1"))
    assert (row.account_no, row.utility, row.tariff_code) == ("A1", "water", "WAT-1")


@pytest.mark.parametrize("fields,field", [
    ({"account_no": "", "name": "X"}, "account_no"),
    ({"account_no": "A 1", "name": "X"}, "account_no"),
    ({"account_no": "A1", "name": "  "}, "name"),
    ({"account_no": "A1", "name": "X", "email": "not-mail"}, "email"),
    ({"account_no": "A1", "name": "X", "phone": "call me"}, "phone"),
    ({"account_no": "A1", "name": "X" * 121}, "name"),
])
def test_create_refuses_bad_fields(world: World, fields: dict[str, str], field: str) -> None:
    before = row_counts(world.backend)
    fields = dict(fields)
    account, name = fields.pop("account_no"), fields.pop("name")
    with pytest.raises(ValidationError) as err:
        customers.create_customer(world.backend, world.officer, account, name, **fields)
    assert err.value.problems[0].field == field
    assert row_counts(world.backend) == before


@pytest.mark.parametrize("spec,field", [
    (NewConnection("gas", "M1", "DOM-1"), "utility"),
    (NewConnection("electricity", "M1", "NOPE"), "tariff_code"),
    (NewConnection("electricity", "M1", "WAT-1"), "tariff_code"),  # another utility's plan
    (NewConnection("electricity", "M1", "OLD-1"), "tariff_code"),  # withdrawn
    (NewConnection("electricity", "M 1", "DOM-1"), "meter_number"),
    (NewConnection("electricity", "M1", "DOM-1", Decimal("-1")), "initial_reading"),
    (NewConnection("electricity", "M1", "DOM-1", Decimal("1.0001")), "initial_reading"),
    (NewConnection("electricity", "M1", "DOM-1", sanctioned_load_kw=Decimal("-2")),
     "sanctioned_load_kw"),
    (NewConnection("electricity", "M1", "DOM-1", connected_on=date(2999, 1, 1)),
     "connected_on"),  # its readings would be refused until then
])
def test_connection_checks(world: World, spec: NewConnection, field: str) -> None:
    before = row_counts(world.backend)
    with pytest.raises(ValidationError) as err:
        customers.create_customer(world.backend, world.officer, "A1", "Ann", connection=spec)
    assert field in {p.field for p in err.value.problems}
    assert row_counts(world.backend) == before  # the customer is not half-created


def test_meter_unique_among_open_connections_of_a_utility(world: World) -> None:
    world.customer("A1", "M1")
    with pytest.raises(Conflict, match=r"already fitted.*A1"):
        world.customer("A2", "m1")
    world.customer("A3", "M1", utility="water", tariff="WAT-1")  # another utility: fine
    connections.set_status(world.backend, world.officer, "M1", "electricity", "CLOSED")
    world.customer("A4", "M1")  # a closed connection frees its meter number


def test_duplicate_account_refused(world: World) -> None:
    world.customer("A1")
    with pytest.raises(Conflict, match="already exists"):
        world.customer("a1")


def test_update_with_stale_version_tells_second_writer_to_reload(world: World) -> None:
    first = world.customer("A1", name="Ann")
    updated = customers.update_customer(world.backend, world.officer, "A1", first.version,
                                        name="Ann Other", phone="0801 234 567")
    assert (updated.name, updated.phone, updated.version) == ("Ann Other", "0801 234 567",
                                                              first.version + 1)
    with pytest.raises(Conflict, match="reload"):
        customers.update_customer(world.backend, world.officer, "A1", first.version,
                                  email="x@example.com")
    assert customers.get_customer(world.backend, world.officer, "A1").email == ""


def test_update_validates(world: World) -> None:
    first = world.customer("A1")
    with pytest.raises(ValidationError, match="email"):
        customers.update_customer(world.backend, world.officer, "A1", first.version,
                                  email="nope")
    with pytest.raises(NotFound):
        customers.update_customer(world.backend, world.officer, "ZZ", 1, name="x")


def test_list_search_prefix_and_sort(world: World) -> None:
    world.customer("A100", "MTR-1", name="Zed Alpha", phone="0801000001")
    world.customer("A200", "MTR-2", name="Bea Beta", phone="0902000002")
    world.customer("B300", "XYZ-9", name="Cid Gamma", phone="0801000003")

    def search(text: str, **kw: object) -> list[str]:
        page = customers.list_customers(world.backend, world.officer,
                                        ListQuery(search=text, sort="account_no", **kw))  # type: ignore[arg-type]
        return [r.account_no for r in page.rows]

    assert search("a") == ["A100", "A200"]  # account prefix, any case
    assert search("bea") == ["A200"]  # name prefix
    assert search("0801") == ["A100", "B300"]  # phone prefix
    assert search("xyz") == ["B300"]  # meter number prefix
    assert search("Alpha") == []  # prefix search, not "contains"
    assert search("%") == []  # LIKE wildcards are literal
    page = customers.list_customers(world.backend, world.officer,
                                    ListQuery(sort="name", descending=True, limit=2))
    assert [r.name for r in page.rows] == ["Zed Alpha", "Cid Gamma"]
    assert page.total == 3
    assert page.rows[0].connections == 1 and page.rows[0].meter_numbers == ("MTR-1",)
    with pytest.raises(ValidationError, match="sort"):
        customers.list_customers(world.backend, world.officer, ListQuery(sort="credit; --"))


def test_permissions(world: World) -> None:
    world.customer("A1", "M1")
    before = row_counts(world.backend)
    for role in (Role.ACCOUNTS_OFFICER, Role.SUPERVISOR, Role.ADMIN, Role.FIELD_OFFICER):
        token = token_for(world.backend, role)
        assert customers.get_customer(world.backend, token, "A1").account_no == "A1"
        with pytest.raises(PermissionDenied):
            customers.create_customer(world.backend, token, "A9", "X")
        with pytest.raises(PermissionDenied):
            connections.set_load(world.backend, token, "M1", "electricity", "5")
    consumer = token_for(world.backend, Role.CONSUMER, "c1", account_no="A1")
    assert customers.get_customer(world.backend, consumer, "A1").account_no == "A1"
    world.customer("A2")
    with pytest.raises(PermissionDenied):
        customers.get_customer(world.backend, consumer, "A2")
    with pytest.raises(PermissionDenied):
        customers.list_customers(world.backend, consumer)
    assert row_counts(world.backend)["customers"] == before["customers"] + 1


def test_status_transitions(world: World) -> None:
    world.customer("A1", "M1")
    row = connections.set_status(world.backend, world.officer, "M1", "electricity",
                                 "disconnected")
    assert row.status is ConnectionStatus.DISCONNECTED
    with pytest.raises(Conflict, match="already"):
        connections.set_status(world.backend, world.officer, "M1", "electricity",
                               "DISCONNECTED")
    connections.set_status(world.backend, world.officer, "M1", "electricity", "ACTIVE")
    with pytest.raises(Conflict, match="reload"):
        connections.set_status(world.backend, world.officer, "M1", "electricity", "CLOSED",
                               version=row.version)
    closed = connections.set_status(world.backend, world.officer, "M1", "electricity",
                                    "CLOSED")
    assert closed.status is ConnectionStatus.CLOSED
    with world.backend.sessions() as s:
        assert s.scalar(select(Connection.active_meter)) is None
    with pytest.raises(NotFound):  # a closed connection is no longer found by its meter
        connections.set_status(world.backend, world.officer, "M1", "electricity", "ACTIVE")
    with pytest.raises(ValidationError, match="status"):
        world.customer("A2", "M2")
        connections.set_status(world.backend, world.officer, "M2", "electricity", "GONE")


def test_set_load_and_change_tariff(world: World) -> None:
    world.customer("A1", "M1")
    row = connections.set_load(world.backend, world.officer, "m1", "ELECTRICITY", "7.5")
    assert row.sanctioned_load_kw == Decimal("7.500")
    for bad in ("-1", "abc", "1.0001"):
        with pytest.raises(ValidationError):
            connections.set_load(world.backend, world.officer, "M1", "electricity", bad)
    with pytest.raises(NotFound):
        connections.set_load(world.backend, world.officer, "NOPE", "electricity", "1")
    row = connections.change_tariff(world.backend, world.officer, "M1", "electricity", "com-1")
    assert row.tariff_code == "COM-1"
    for code, reason in (("WAT-1", "another utility"), ("OLD-1", "no longer"),
                         ("COM-1", "already"), ("XX", "no tariff")):
        with pytest.raises(ValidationError, match=reason):
            connections.change_tariff(world.backend, world.officer, "M1", "electricity", code)


def test_replace_meter(world: World) -> None:
    world.customer("A1", "OLD", initial="100")
    world.customer("A2", "TAKEN")
    world.reading("OLD", "2026-01", "150")
    args = {"replaced_on": date(2026, 2, 10)}
    with pytest.raises(ValidationError, match="below"):
        connections.replace_meter(world.backend, world.officer, "OLD", "electricity",
                                  old_final="140", new_meter="NEW", new_initial="0", **args)
    with pytest.raises(Conflict, match="A2"):
        connections.replace_meter(world.backend, world.officer, "OLD", "electricity",
                                  old_final="170", new_meter="TAKEN", new_initial="0", **args)
    with pytest.raises(ValidationError, match="before the meter's last reading"):
        connections.replace_meter(world.backend, world.officer, "OLD", "electricity",
                                  old_final="170", new_meter="NEW", new_initial="0",
                                  replaced_on=date(2026, 1, 2))
    row = connections.replace_meter(world.backend, world.officer, "OLD", "electricity",
                                    old_final="170", new_meter="new", new_initial="5", **args)
    assert row.meter_number == "NEW"
    with world.backend.sessions() as s:
        rep = s.scalars(select(MeterReplacement)).one()
    assert (rep.old_meter_number, rep.old_previous_reading, rep.old_final_reading,
            rep.new_initial_reading, rep.reading_id) == (
        "OLD", Decimal("150.000"), Decimal("170.000"), Decimal("5.000"), None)
    world.customer("A3", "OLD")  # the old number is free again


def test_list_connections(world: World) -> None:
    world.customer("A1", "M1")
    world.customer("A2", "M2", utility="water", tariff="WAT-1")
    connections.set_status(world.backend, world.officer, "M2", "water", "DISCONNECTED")
    page = connections.list_connections(world.backend, world.officer,
                                        ListQuery(filters={"utility": "water"}))
    assert [r.meter_number for r in page.rows] == ["M2"]
    page = connections.list_connections(world.backend, world.officer,
                                        ListQuery(search="a1", sort="meter_number"))
    assert [r.account_no for r in page.rows] == ["A1"]
    page = connections.list_connections(world.backend, world.officer,
                                        ListQuery(filters={"status": "disconnected"}))
    assert [r.meter_number for r in page.rows] == ["M2"]


def test_search_reads_indexes_not_tables(sqlite_backend: Backend) -> None:
    """Prefix search and paging stay index lookups (what keeps them fast on a million
    customers); checked on SQLite, whose planner does not switch plans on tiny tables."""
    from sqlalchemy import event

    world = make_world(sqlite_backend)
    world.customer("A1", "M1", name="Ann")
    statements: list[tuple[str, object]] = []

    def capture(_c: object, _cur: object, statement: str, params: object, *_: object) -> None:
        if statement.startswith("SELECT") and "customers" in statement:
            statements.append((statement, params))

    event.listen(sqlite_backend.engine, "before_cursor_execute", capture)
    try:
        for query in (ListQuery(search="a1"), ListQuery(search="ann", sort="name"),
                      ListQuery(search="m1"), ListQuery(sort="account_no", offset=10)):
            customers.list_customers(sqlite_backend, world.officer, query)
    finally:
        event.remove(sqlite_backend.engine, "before_cursor_execute", capture)
    assert len(statements) >= 4
    with sqlite_backend.engine.connect() as conn:
        for statement, params in statements:
            details = [row[3] for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, params)]  # type: ignore[arg-type]
            assert not [d for d in details if _is_table_scan(d)], (statement, details)
        # the check does see a scan when there is one: e-mail is not indexed
        assert any(_is_table_scan(row[3]) for row in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT id FROM customers WHERE email LIKE 'x%'"))


def _is_table_scan(detail: str) -> bool:
    return detail.startswith("SCAN") and "INDEX" not in detail and "anon" not in detail \
        and "SUBQUERY" not in detail
