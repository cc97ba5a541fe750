"""The database side of the permission matrix (no server needed) and the append-only
triggers (both databases)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete, text, update

from opsmanager_desktop.db.base import Base
from opsmanager_desktop.db.models import AuditEntry, Customer, Payment, PaymentAllocation
from opsmanager_desktop.db.security.append_only import APPEND_ONLY_TABLES
from opsmanager_desktop.db.security.grants import build_plan, role_grants
from opsmanager_desktop.db.security.options import SecurityOptionError, split_url
from opsmanager_desktop.db.security.own_schema import view_names
from opsmanager_desktop.db.security.privileges import (
    NEEDS,
    TableGrant,
    missing_permissions,
    role_table_grants,
)
from opsmanager_desktop.domain.errors import PermissionDenied
from opsmanager_desktop.domain.permissions import MATRIX, Permission
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services.audit import write_audit
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.core import run_in_transaction

TABLES = {t.name for t in Base.metadata.sorted_tables}


def test_every_permission_maps_to_existing_tables() -> None:
    assert missing_permissions() == [], "add the new permission to db/security/privileges.py"
    assert set(NEEDS) == set(Permission)
    for permission, tables in NEEDS.items():
        assert set(tables) <= TABLES, permission
    assert set(view_names()) <= TABLES


@pytest.mark.parametrize("role", list(Role))
def test_no_role_may_change_money_history_or_the_audit_log(role: Role) -> None:
    for table, grant in role_table_grants(role).items():
        if table in APPEND_ONLY_TABLES:
            assert not grant.privileges & {"UPDATE", "DELETE"}, (role, table)
    statements = role_grants("opsm", "db", role)
    for statement in statements:
        for table in APPEND_ONLY_TABLES:
            if f"`{table}`" in statement:
                assert "UPDATE" not in statement and "DELETE" not in statement


def test_grants_follow_the_matrix() -> None:
    """One source, two enforcers: take a right away in the matrix and the GRANT goes."""
    ao = role_table_grants(Role.ACCOUNTS_OFFICER)
    assert "INSERT" in ao["payments"].privileges
    assert ao["customers"].update_columns == {"credit"}
    narrowed = dict(MATRIX)
    narrowed[Permission.PAYMENTS_RECORD] = frozenset()
    after = role_table_grants(Role.ACCOUNTS_OFFICER, narrowed)
    assert "INSERT" not in after["payments"].privileges
    assert role_table_grants(Role.CONSUMER) == {}
    bo = role_table_grants(Role.BILLING_OFFICER)
    assert "payments" not in bo or bo["payments"].privileges == {"SELECT"}
    assert bo["bills"].update_columns is not None
    assert not {"total", "energy_charge", "tax"} & bo["bills"].update_columns


def test_the_plan_is_a_script_a_dba_can_read() -> None:
    plan = build_plan("opsm", "opsmanager")
    script = plan.script()
    assert "CREATE ROLE IF NOT EXISTS `opsm_accounts_officer`" in script
    assert "GRANT SELECT, INSERT ON `opsmanager`.`payments` TO `opsm_accounts_officer`" in script
    assert "DELIMITER //" in script
    assert "`opsmanager_own`.`bills`" in script
    assert len(plan.statements()) > 100


def test_security_url_parameters() -> None:
    url, options = split_url("mysql://db.example/opsm?accounts=officer&namespace=prod1"
                             "&tls=required&ssl_ca=/etc/ca.pem")
    assert options.officer_accounts and options.require_tls and options.namespace == "prod1"
    assert "accounts" not in url and "ssl_ca=" in url
    assert split_url("sqlite:///x.db")[1].officer_accounts is False
    for bad in ("mysql://h/d?accounts=everyone", "mysql://h/d?namespace=Bad-Name",
                "mysql://h/d?tls=maybe", "sqlite:///x.db?accounts=officer"):
        with pytest.raises(SecurityOptionError):
            split_url(bad)


def _seed_payment(backend: Backend) -> None:
    with backend.sessions.begin() as s:
        customer = Customer(account_no="T1", name="T")
        s.add(customer)
        s.flush()
        payment = Payment(customer_id=customer.id, amount=Decimal("5.00"), channel="CASH",
                          reference="T-1", paid_at=date(2026, 1, 1), recorded_by="x")
        s.add(payment)
        s.flush()
        s.add(PaymentAllocation(payment_id=payment.id, amount=Decimal("5.00")))
        write_audit(s, at=payment.recorded_at, username="x", entity="payment",
                    entity_id=payment.id, action="record")


@pytest.mark.parametrize("statement", [
    update(Payment).values(amount=Decimal("1.00")), delete(Payment),
    update(PaymentAllocation).values(amount=Decimal("0.00")), delete(PaymentAllocation),
    update(AuditEntry).values(action="x"), delete(AuditEntry)])
def test_append_only_tables_refuse_change_on_both_databases(backend: Backend,
                                                             statement: object) -> None:
    _seed_payment(backend)
    with pytest.raises(PermissionDenied, match="refused"):
        run_in_transaction(backend, False,
                           lambda session, _now: session.execute(statement))  # type: ignore[call-overload]
    with backend.sessions() as s:
        assert s.scalar(text("SELECT SUM(amount) FROM payments")) in (5, Decimal("5.00"), 500)
        assert s.scalar(text("SELECT COUNT(*) FROM audit_log")) == 1


def test_audit_entries_record_the_database_login(backend: Backend) -> None:
    _seed_payment(backend)
    with backend.sessions() as s:
        db_user = s.scalar(text("SELECT db_user FROM audit_log"))
    if backend.is_mysql:
        assert db_user and "@" in db_user  # USER(): account@host, set by the trigger
    else:
        assert db_user == ""


def test_a_column_select_is_granted_as_such_and_a_full_select_wins() -> None:
    """Officers read audit_log.id alone (the change counter of auto-refresh); the audit
    viewer's full SELECT is not narrowed by it."""
    grant = TableGrant()
    grant.add("SELECT(id) INSERT")
    assert grant.privileges == {"SELECT", "INSERT"} and grant.select_columns == {"id"}
    grant.add("SELECT(action)")
    assert grant.columns("SELECT") == {"id", "action"}
    grant.add("SELECT")
    assert grant.columns("SELECT") is None
    officer = [s for s in role_grants("opsm", "db", Role.BILLING_OFFICER) if "`audit_log`" in s]
    assert officer == ["GRANT SELECT (id), INSERT ON `db`.`audit_log` TO `opsm_billing_officer`"]
    admin = [s for s in role_grants("opsm", "db", Role.ADMIN) if "`audit_log`" in s]
    assert admin == ["GRANT SELECT, INSERT ON `db`.`audit_log` TO `opsm_admin`"]
