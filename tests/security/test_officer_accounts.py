"""Per-officer mode: every role does its day's work signed in to MariaDB as itself, under
the GRANTs derived from the permission matrix; accounts follow user management (created,
re-roled, locked, new password); the audit trail records the real database login."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pymysql
import pytest

from opsmanager_desktop.domain.errors import NotFound, NotSignedIn, PermissionDenied
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.domain.tariff import Slab, Tariff
from opsmanager_desktop.services import (
    auth,
    billing,
    bills,
    changes,
    customer_import,
    customers,
    cycles,
    distribution,
    distribution_query,
    dues,
    export,
    payment_import,
    payments,
    printing,
    reading_import,
    readings,
    reports,
    statements,
    tariffs,
    users,
    utilities,
)
from opsmanager_desktop.services.connections import NewConnection
from opsmanager_desktop.services.listing import ListQuery
from tests.helpers import PASSWORD
from tests.security.installation import Installation

pytestmark = pytest.mark.mysql
D = Decimal
PERIOD = "2026-10"
OFFICERS = {"bo": Role.BILLING_OFFICER, "ao": Role.ACCOUNTS_OFFICER,
            "sup": Role.SUPERVISOR, "fo": Role.FIELD_OFFICER, "sa": Role.SUPPORT_AGENT}


def test_a_business_day_under_the_database_grants(installation: Installation,
                                                  tmp_path: Path) -> None:
    inst = installation
    admin_b, admin = inst.sign_in("admin")
    for name, role in OFFICERS.items():
        users.add_user(admin_b, admin, name, role, PASSWORD)
    utilities.add_utility(admin_b, admin, "electricity", "Electricity", "kWh")
    tariffs.add_tariff(admin_b, admin, "DOM", "Domestic", "electricity",
                       Tariff.simple((Slab(D("100"), D("5.00")), Slab(None, D("10.00"))),
                                     D("50.00")), date(2020, 1, 1))
    cycles.open_cycle(admin_b, admin, PERIOD, 14)

    bo_b, bo = inst.sign_in("bo")
    for n, meter in ((1, "M1"), (2, "M2"), (3, "M3")):
        customers.create_customer(bo_b, bo, f"A{n:03d}", f"Customer {n}",
                                  connection=NewConnection("electricity", meter, "DOM",
                                                           D("1000"),
                                                           connected_on=date(2026, 10, 1)))
        readings.enter_reading(bo_b, bo, meter, "electricity", PERIOD, D(1000 + 100 * n),
                               date(2026, 10, 28))
    sup_b, sup = inst.sign_in("sup")
    assert readings.approve_readings(sup_b, sup, PERIOD) == 3
    run = billing.run_billing(bo_b, bo, PERIOD)
    assert run.bills_created == 3
    bills.issue_bills(bo_b, bo, PERIOD, date(2026, 11, 1))
    first = bills.list_bills(bo_b, bo, ListQuery(filters={"account": "A001"})).rows[0]
    bills.adjust_bill(bo_b, bo, first.bill_no, D("-10.00"), "meter fault credit")

    ao_b, ao = inst.sign_in("ao")
    paid = payments.record_payment(ao_b, ao, "A001", first.balance - D("10.00") + D("5.00"),
                                   "CASH", "R-1")
    assert paid.kept_as_credit == D("5.00")
    payments.record_payment(ao_b, ao, "A002", D("100.00"), "CHEQUE", "CHQ-9")
    payments.reverse_payment(ao_b, ao, "CHEQUE", "CHQ-9", "cheque returned")
    assert dues.dues(ao_b, ao, "A001").credit == D("5.00")
    assert dues.dues(ao_b, ao, "A002").outstanding > 0
    # a payment naming the account statement rather than a bill
    statement = statements.list_statements(ao_b, ao, ListQuery(filters={"account": "A002"}))
    named = payments.record_payment(ao_b, ao, "A002", D("1.00"), "BANK", "T-S1",
                                    bill_no=statement.rows[0].statement_no)
    assert named.payment.statement_no == statement.rows[0].statement_no
    assert len(reports.revenue(ao_b, ao, 2026)) == 12
    bills.mark_overdue(ao_b, ao, date(2027, 1, 1))
    assert reports.consumption(bo_b, bo, PERIOD)

    # the file imports, printing, distribution and exports under the same grants
    work = tmp_path
    (work / "customers.csv").write_text(
        "account_no,name,utility,meter_number,tariff_code,initial_reading,connected_on\n"
        "A010,Imported,electricity,M10,DOM,500,2026-10-01\n")
    customer_import.import_customers(bo_b, bo, work / "customers.csv")
    (work / "readings.csv").write_text("meter_number,utility,reading,read_at\n"
                                        "M10,electricity,650,2026-10-29\n")
    reading_import.import_readings(bo_b, bo, work / "readings.csv", PERIOD)
    (work / "payments.csv").write_text("reference,channel,account_no,amount,paid_at\n"
                                       "S-1,BANK,A003,12.50,2026-11-02\n")
    assert payment_import.import_payments(ao_b, ao, work / "payments.csv").posted == 1
    papers = printing.papers_to_print(sup_b, sup, printing.PrintSelection(cycle=PERIOD))
    job = printing.load_printable(sup_b, sup, papers.chunk(0, len(papers)))
    assert sum(len(s.sections) for s in job.statements) == 3
    distribution.record_delivery(sup_b, sup, first.bill_no, "handed_over",
                                 received_by="the customer")
    # a statement named instead of a bill: read through the statements grant
    second = bills.list_bills(bo_b, bo, ListQuery(filters={"account": "A002"})).rows[0]
    assert second.statement_no is not None
    assert distribution.record_delivery(sup_b, sup, second.statement_no, "handed_over",
                                        received_by="a neighbour").bills == (second.bill_no,)
    status = distribution_query.distribution_status(bo_b, bo, PERIOD)
    assert (status.statements, status.statements_distributed) == (3, 2)
    export.export(ao_b, ao, "payments", work / "payments.xlsx")
    export.export(bo_b, bo, "customers", work / "customers.csv.out.csv")

    for name in ("sa", "fo"):
        b, t = inst.sign_in(name)
        assert customers.list_customers(b, t).total == 4
    sa_b, sa = inst.sign_in("sa")
    assert bills.list_bills(sa_b, sa).total == 3

    users.add_user(admin_b, admin, "cons1", Role.CONSUMER, PASSWORD, account_no="A001")
    c_b, c = inst.sign_in("cons1")
    own = bills.list_bills(c_b, c)
    assert [r.account_no for r in own.rows] == ["A001"]
    assert bills.get_bill(c_b, c, first.bill_no).bill.bill_no == first.bill_no
    assert dues.dues(c_b, c, "A001").credit == D("5.00")
    assert [p.reference for p in payments.list_payments(c_b, c).rows] == ["R-1"]
    assert customers.get_customer(c_b, c, "A001").account_no == "A001"
    other = bills.list_bills(bo_b, bo, ListQuery(filters={"account": "A002"})).rows[0]
    with pytest.raises((NotFound, PermissionDenied)):
        bills.get_bill(c_b, c, other.bill_no)
    auth.sign_out(c_b, c)

    # the audit trail names the database login of each officer, whatever the program wrote
    with inst.raw("admin", database=inst.database) as conn, conn.cursor() as cur:
        cur.execute("SELECT DISTINCT username, SUBSTRING_INDEX(db_user, '@', 1) FROM audit_log")
        logins = dict(cur.fetchall())
    for name in ("admin", "bo", "ao", "sup", "cons1"):
        assert logins[name] == inst.account(name)


def test_accounts_follow_user_management(installation: Installation) -> None:
    inst = installation
    admin_b, admin = inst.sign_in("admin")
    users.add_user(admin_b, admin, "temp1", Role.SUPPORT_AGENT, PASSWORD)
    raw = inst.raw("temp1", database=inst.database)
    with raw.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM customers")
        with pytest.raises(pymysql.err.OperationalError) as refused:
            cur.execute("UPDATE customers SET name = 'x'")
        assert refused.value.args[0] == 1142

    # a role change takes the old rights away and gives the new ones
    users.update_user(admin_b, admin, "temp1", role=Role.BILLING_OFFICER)
    with inst.raw("temp1", database=inst.database) as conn, conn.cursor() as cur:
        cur.execute("SELECT CURRENT_ROLE()")
        assert cur.fetchone()[0] == f"{inst.namespace}_billing_officer"
        cur.execute("UPDATE customers SET address = address WHERE 1 = 0")

    # disabling locks the account and ends its open connections at once
    users.update_user(admin_b, admin, "temp1", is_active=False)
    with pytest.raises(pymysql.err.OperationalError), raw.cursor() as cur:
        cur.execute("SELECT 1")
    with pytest.raises(pymysql.err.OperationalError) as locked:
        inst.raw("temp1")
    assert locked.value.args[0] == 4151
    with pytest.raises(NotSignedIn, match="disabled"):
        inst.sign_in("temp1")

    users.update_user(admin_b, admin, "temp1", is_active=True)
    backend, token = inst.sign_in("temp1")
    # an officer's new password is their database password too
    auth.change_own_password(backend, token, PASSWORD, "another-horse-7")
    with pytest.raises(NotSignedIn, match="wrong"):
        inst.sign_in("temp1")
    backend, token = inst.sign_in("temp1", "another-horse-7")
    assert auth.whoami(backend, token).username == "temp1"
    users.reset_password(admin_b, admin, "temp1", "reset-horse-55")
    inst.sign_in("temp1", "reset-horse-55")


def test_a_token_never_runs_on_another_officers_connection(installation: Installation
                                                           ) -> None:
    inst = installation
    admin_b, admin = inst.sign_in("admin")
    users.add_user(admin_b, admin, "ws1", Role.SUPERVISOR, PASSWORD)
    workstation = inst.backend()
    first = auth.sign_in(workstation, "admin", PASSWORD).token
    auth.sign_in(workstation, "ws1", PASSWORD)
    with pytest.raises(NotSignedIn, match="signed in to the database as ws1"):
        users.list_users(workstation, first)


def test_an_officer_reads_the_change_counter_but_not_the_audit_log(
        installation: Installation) -> None:
    """Auto-refresh works under the officers' own logins: SELECT on audit_log.id alone
    gives the counter (services.changes.latest_change), not the entries."""
    inst = installation
    admin_b, admin = inst.sign_in("admin")
    for name, role in OFFICERS.items():
        users.add_user(admin_b, admin, f"{name}_rc", role, PASSWORD)
    for name in OFFICERS:
        backend, token = inst.sign_in(f"{name}_rc")
        before = changes.latest_change(backend, token)
        assert before > 0  # at least this officer's own sign-in entry
        utilities.add_utility(admin_b, admin, f"gas_{name}", f"Gas {name}", "m3")
        assert changes.latest_change(backend, token) > before  # another's write moved it
        with inst.raw(f"{name}_rc", database=inst.database) as conn, conn.cursor() as cur:
            cur.execute("SELECT MAX(id) FROM audit_log")
            with pytest.raises(pymysql.err.OperationalError) as refused:
                cur.execute("SELECT username, action FROM audit_log")
            assert refused.value.args[0] in (1142, 1143)
