"""Going around the program: plain PyMySQL as each role's officer tries what the role must
not do. Every attempt is refused by the database itself, and nothing changes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pymysql
import pytest

from opsmanager_desktop.db.security import procedures
from opsmanager_desktop.db.security.options import own_schema
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.domain.tariff import Slab, Tariff
from opsmanager_desktop.services import (
    billing,
    bills,
    customers,
    cycles,
    payments,
    readings,
    tariffs,
    users,
    utilities,
)
from opsmanager_desktop.services.connections import NewConnection
from tests.helpers import PASSWORD
from tests.security.installation import Installation, root_connection

pytestmark = pytest.mark.mysql
D = Decimal
ROLE_USERS = {Role.ADMIN: "admin", Role.BILLING_OFFICER: "bo", Role.ACCOUNTS_OFFICER: "ao",
              Role.SUPERVISOR: "sup", Role.FIELD_OFFICER: "fo", Role.SUPPORT_AGENT: "sa",
              Role.CONSUMER: "cons"}
# what "refused" looks like: no privilege on the table, column, routine or schema; a guard
# trigger's SIGNAL; a view's CHECK OPTION
REFUSALS = {1044, 1142, 1143, 1370, 1644, 1369, 1227}


@dataclass
class World:
    inst: Installation
    admin_id: int
    other_bill_id: int
    other_customer_id: int


@pytest.fixture(scope="module")
def world(installation: Installation) -> World:
    inst = installation
    admin_b, admin = inst.sign_in("admin")
    utilities.add_utility(admin_b, admin, "electricity", "Electricity", "kWh")
    tariffs.add_tariff(admin_b, admin, "DOM", "Domestic", "electricity",
                       Tariff.simple((Slab(None, D("5.00")),), D("10.00")), date(2020, 1, 1))
    cycles.open_cycle(admin_b, admin, "2026-10", 14)
    for role, name in ROLE_USERS.items():
        if role not in (Role.ADMIN, Role.CONSUMER):
            users.add_user(admin_b, admin, name, role, PASSWORD)
    bo_b, bo = inst.sign_in("bo")
    for n in (1, 2):
        customers.create_customer(bo_b, bo, f"A{n:03d}", f"Customer {n}",
                                  connection=NewConnection("electricity", f"M{n}", "DOM",
                                                           connected_on=date(2026, 10, 1)))
        readings.enter_reading(bo_b, bo, f"M{n}", "electricity", "2026-10", D(50 * n),
                               date(2026, 10, 28))
    sup_b, sup = inst.sign_in("sup")
    readings.approve_readings(sup_b, sup, "2026-10")
    billing.run_billing(bo_b, bo, "2026-10")
    bills.issue_bills(bo_b, bo, "2026-10", date(2026, 11, 1))
    ao_b, ao = inst.sign_in("ao")
    payments.record_payment(ao_b, ao, "A001", D("20.00"), "CASH", "C-1")
    payments.record_payment(ao_b, ao, "A002", D("30.00"), "CASH", "C-2")
    users.add_user(admin_b, admin, "cons", Role.CONSUMER, PASSWORD, account_no="A001")
    with root_connection(inst.database) as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM users WHERE username = 'admin'")
        admin_id = cur.fetchone()[0]
        cur.execute("SELECT b.id, b.customer_id FROM bills b JOIN customers c "
                    "ON c.id = b.customer_id WHERE c.account_no = 'A002'")
        bill_id, customer_id = cur.fetchone()
    return World(inst, admin_id, bill_id, customer_id)


def _fingerprint(inst: Installation) -> tuple[object, ...]:
    with root_connection(inst.database) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT (SELECT COUNT(*) FROM payments), (SELECT SUM(amount) FROM payments),"
            " (SELECT COUNT(*) FROM payment_allocations), (SELECT COUNT(*) FROM audit_log),"
            " (SELECT COUNT(*) FROM bills), (SELECT SUM(total) FROM bills),"
            " (SELECT SUM(balance) FROM bills), (SELECT GROUP_CONCAT(role ORDER BY id)"
            " FROM users), (SELECT GROUP_CONCAT(password_hash ORDER BY id) FROM users),"
            " (SELECT COUNT(*) FROM user_sessions), (SELECT SUM(credit) FROM customers)")
        return tuple(cur.fetchone())


EVERY_ROLE = [
    "UPDATE payments SET amount = 0.01",
    "DELETE FROM payments",
    "UPDATE payment_allocations SET amount = 0",
    "DELETE FROM payment_allocations",
    "DELETE FROM payment_reversals",
    "UPDATE audit_log SET action = 'nothing'",
    "DELETE FROM audit_log",
    "UPDATE bills SET total = 0",
    "UPDATE bills SET energy_charge = 0",
    "DELETE FROM bills",
    # a statement says what the customer was told: written once at issue, never changed
    "UPDATE statements SET total_due = 0",
    "UPDATE statements SET statement_no = 'S000000-00000000'",
    "DELETE FROM statements",
    "DELETE FROM customers",
    "DROP TABLE payments",
    "CREATE USER 'intruder'@'%' IDENTIFIED BY 'x'",
]
NOT_ADMIN = [
    "UPDATE users SET password_hash = 'x' WHERE username = 'admin'",
    "UPDATE users SET role = 'admin'",
    "UPDATE users SET is_active = 0 WHERE username = 'admin'",
    "INSERT INTO user_sessions (id, user_id, created_at, expires_at, client) VALUES "
    "('forged', {admin_id}, NOW(), NOW(), 'x')",
    "UPDATE user_sessions SET ended_at = NOW()",
    "CALL {ns}_account_ensure('bo', 'pw-of-my-choice', 'admin')",
    "INSERT INTO users (username, full_name, email, role, password_hash, is_active,"
    " must_change_password, failed_attempts, created_at, version) VALUES"
    " ('evil', '', '', 'admin', 'x', 1, 0, 0, NOW(), 1)",
    "UPDATE tariff_plans SET name = 'x'",
    "INSERT INTO billing_cycles (period, start_date, end_date, due_days, status,"
    " estimation_enabled, created_at) VALUES ('2030-01', '2030-01-01', '2030-01-31', 14,"
    " 'OPEN', 0, NOW())",
]
PER_ROLE: dict[Role, list[str]] = {
    Role.ADMIN: [
        "INSERT INTO bills (bill_no) VALUES ('X-1')",
        "INSERT INTO payments (customer_id, amount, channel, reference, paid_at, "
        "recorded_by, recorded_at) VALUES ({other_customer_id}, 1, 'CASH', 'A-X', "
        "CURDATE(), 'admin', NOW())",
        "UPDATE meter_readings SET status = 'APPROVED'",
        "UPDATE customers SET credit = 1000",
        "CALL {ns}_account_ensure('root', 'x', 'admin')",
    ],
    Role.BILLING_OFFICER: [
        "INSERT INTO payments (customer_id, amount, channel, reference, paid_at, "
        "recorded_by, recorded_at) VALUES ({other_customer_id}, 1, 'CASH', 'B-X', "
        "CURDATE(), 'bo', NOW())",
        "INSERT INTO payment_reversals (payment_id, reason, reversed_by, reversed_at) "
        "SELECT id, 'x', 'bo', NOW() FROM payments LIMIT 1",
        "SELECT * FROM audit_log",
    ],
    Role.ACCOUNTS_OFFICER: [
        "INSERT INTO statements (statement_no, customer_id) VALUES ('S-AO', 1)",
        "UPDATE bills SET statement_id = NULL",
        "INSERT INTO bills (bill_no, connection_id, customer_id, cycle_id, "
        "tariff_version_id, units, energy_charge, fixed_charge, tax, total, adjustments, "
        "amount_paid, balance, status, is_estimated, generated_at) SELECT CONCAT(bill_no, "
        "'X'), connection_id, customer_id, cycle_id, tariff_version_id, units, "
        "energy_charge, fixed_charge, tax, total, 0, 0, total, 'DUE', 0, NOW() FROM bills",
        "INSERT INTO bill_lines (bill_id, seq, kind, description, amount) VALUES "
        "({other_bill_id}, 99, 'TAX', 'x', 1)",
        "UPDATE meter_readings SET current_reading = 0",
        "UPDATE customers SET name = 'x'",
        "SELECT * FROM reading_photos",
    ],
    # supervisors raise charges (pending rows) but never touch a bill's money
    Role.SUPERVISOR: [
        "INSERT INTO bills (bill_no) VALUES ('S-1')",
        "UPDATE bills SET status = 'PAID'",
        "UPDATE account_charges SET bill_id = {other_bill_id}",
        "UPDATE customers SET credit = 1000",
        "INSERT INTO payments (customer_id, amount, channel, reference, paid_at, "
        "recorded_by, recorded_at) VALUES (1, 1, 'CASH', 'S-X', CURDATE(), 'sup', NOW())",
        "INSERT INTO meter_readings (connection_id) VALUES (1)",
        "INSERT INTO statements (statement_no, customer_id) VALUES ('S-FAKE', "
        "{other_customer_id})",
        "UPDATE bills SET statement_id = NULL",
    ],
    # field officers deliver bills (they read them) but see no payment and change no money
    Role.FIELD_OFFICER: [
        "UPDATE customers SET phone = '1'",
        "SELECT * FROM payments",
        "UPDATE bills SET status = 'PAID'",
        "INSERT INTO bill_adjustments (bill_id, amount, reason, created_by, created_at) "
        "VALUES ({other_bill_id}, -5, 'x', 'fo', NOW())",
        "INSERT INTO account_charges (customer_id, connection_id, amount, reason, source, "
        "source_ref, created_by, created_at) VALUES (1, 1, -5, 'x', 'X', '', 'fo', NOW())",
        "UPDATE meter_readings SET status = 'APPROVED'",
    ],
    Role.SUPPORT_AGENT: [
        "UPDATE customers SET email = 'x@y.z'",
        "SELECT * FROM reading_photos",
        "INSERT INTO bill_adjustments (bill_id, amount, reason, created_by, created_at) "
        "VALUES ({other_bill_id}, -5, 'x', 'sa', NOW())",
        "UPDATE bills SET status = 'PAID'",
    ],
    Role.CONSUMER: [
        "SELECT * FROM {db}.bills",
        "SELECT * FROM {db}.customers",
        "SELECT * FROM {db}.payments",
        "SELECT * FROM {db}.users",
        "USE {db}",
        "INSERT INTO bills (bill_no) VALUES ('C-1')",
        "UPDATE bills SET balance = 0",
        "UPDATE customers SET credit = 1000",
        "INSERT INTO payments (customer_id, amount, channel, reference, paid_at, "
        "recorded_by, recorded_at) VALUES (1, 1, 'CASH', 'C-X', CURDATE(), 'cons', NOW())",
        "SELECT * FROM audit_log",
        "SELECT * FROM {db}.statements",
        "INSERT INTO statements (statement_no, customer_id) VALUES ('S-FAKE', 1)",
    ],
}


def _attempts(role: Role) -> list[str]:
    extra = [] if role is Role.ADMIN else NOT_ADMIN
    if role is Role.CONSUMER:  # tables of the main schema, named in full
        return PER_ROLE[role] + [s.replace("UPDATE users", "UPDATE {db}.users")
                                 .replace("INSERT INTO user_sessions",
                                          "INSERT INTO {db}.user_sessions")
                                 .replace("UPDATE user_sessions", "UPDATE {db}.user_sessions")
                                 .replace("CALL ", "CALL {db}.")
                                 for s in EVERY_ROLE + extra]
    return EVERY_ROLE + extra + PER_ROLE[role]


def _connect(world: World, role: Role) -> pymysql.Connection:  # type: ignore[type-arg]
    database = own_schema(world.inst.database) if role is Role.CONSUMER else world.inst.database
    return world.inst.raw(ROLE_USERS[role], database=database)


@pytest.fixture(scope="module")
def tally() -> Iterator[dict[str, int]]:
    counts = {"attempted": 0, "refused": 0}
    yield counts
    print(f"\nhostile statements attempted: {counts['attempted']}, "
          f"refused by the database: {counts['refused']}")


@pytest.mark.parametrize("role", list(Role))
def test_what_a_role_must_not_do_is_refused_by_the_database(
        world: World, role: Role, tally: dict[str, int]) -> None:
    before = _fingerprint(world.inst)
    names = {"ns": world.inst.namespace, "db": world.inst.database,
             "admin_id": world.admin_id, "other_bill_id": world.other_bill_id,
             "other_customer_id": world.other_customer_id}
    accepted = []
    with _connect(world, role) as conn:
        for template in _attempts(role):
            statement = template.format(**names)
            tally["attempted"] += 1
            try:
                with conn.cursor() as cur:
                    cur.execute(statement)
                    if statement.startswith("SELECT"):
                        cur.fetchall()
                accepted.append(statement)
            except pymysql.err.MySQLError as exc:
                assert exc.args[0] in REFUSALS, (statement, exc)
                tally["refused"] += 1
    assert accepted == []
    assert _fingerprint(world.inst) == before


def test_even_the_schema_owner_cannot_change_money_or_the_audit_log(world: World) -> None:
    before = _fingerprint(world.inst)
    with root_connection(world.inst.database) as conn:
        for statement in ("UPDATE payments SET amount = amount + 1",
                          "DELETE FROM payments", "UPDATE payment_allocations SET amount = 0",
                          "DELETE FROM audit_log", "UPDATE audit_log SET username = 'x'"):
            with pytest.raises(pymysql.err.OperationalError) as refused, conn.cursor() as cur:
                cur.execute(statement)
            assert refused.value.args[0] == 1644
            assert "refused:" in refused.value.args[1]
    assert _fingerprint(world.inst) == before


def test_a_consumer_sees_only_their_own_rows(world: World) -> None:
    with _connect(world, Role.CONSUMER) as conn, conn.cursor() as cur:
        cur.execute("SELECT DISTINCT customer_id FROM bills")
        mine = {r[0] for r in cur.fetchall()}
        assert len(mine) == 1 and world.other_customer_id not in mine
        cur.execute("SELECT COUNT(*) FROM bills WHERE id = %s", (world.other_bill_id,))
        assert cur.fetchone()[0] == 0
        cur.execute("SELECT COUNT(*) FROM payments WHERE customer_id = %s",
                    (world.other_customer_id,))
        assert cur.fetchone()[0] == 0
        cur.execute("SELECT COUNT(*), MIN(username) FROM users")
        assert cur.fetchone() == (1, "cons")
        cur.execute("SELECT COUNT(*) FROM customers")
        assert cur.fetchone()[0] == 1
        cur.execute("SELECT COUNT(*) FROM payment_allocations a JOIN payments p "
                    "ON p.id = a.payment_id WHERE p.customer_id <> %s", (min(mine),))
        assert cur.fetchone()[0] == 0
        # a session row for someone else: the guard trigger (and the view's CHECK OPTION)
        with pytest.raises(pymysql.err.MySQLError) as refused:
            cur.execute("INSERT INTO user_sessions (id, user_id, created_at, expires_at, "
                        "client) VALUES ('x', %s, NOW(), NOW(), '')", (world.admin_id,))
        assert refused.value.args[0] in (1369, 1644)


def test_procedures_touch_only_program_users_of_the_namespace(world: World) -> None:
    name = procedures.procedure_name(world.inst.namespace, procedures.LOCK)
    with world.inst.raw("admin", database=world.inst.database) as conn, conn.cursor() as cur:
        for victim in ("root", "nobody-here", "x'; DROP USER root; --"):
            with pytest.raises(pymysql.err.OperationalError) as refused:
                cur.execute(f"CALL `{name}`(%s)", (victim,))
            assert refused.value.args[0] == 1644
    with root_connection() as conn, conn.cursor() as cur:  # root is not locked out
        cur.execute("SELECT COUNT(*) FROM mysql.user WHERE User = 'root'")
        assert cur.fetchone()[0] >= 1
