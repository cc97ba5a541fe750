"""Distribution by statement, on both databases: one paper per account per cycle, so a
record or a field file row may name a statement, and the event is recorded for each of its
bills (duplicates judged per bill); a cycle's statements counted and listed by the status
their bills give them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from opsmanager_desktop.db.models import Bill, BillDelivery, Connection, Customer, Statement
from opsmanager_desktop.domain.distribution import DeliveryStatus
from opsmanager_desktop.domain.errors import Conflict, NotFound, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import bills, distribution, distribution_import
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.billing import run_billing
from opsmanager_desktop.services.distribution_query import (
    distribution_status,
    list_distribution,
    list_statement_distribution,
)
from opsmanager_desktop.services.listing import ListQuery
from tests.billing_data import add_connections, make_world, open_cycle
from tests.helpers import token_for
from tests.test_distribution import HEADER


@dataclass
class Papers:
    officer: str
    two: str  # the statement of AC-TWO: an electricity bill (route TR-9) and a water bill
    two_bills: list[str]
    one: str  # the statement of AC-ONE: one bill on TR-1
    one_bill: str


def make_papers(backend: Backend) -> Papers:
    """Cycle 2026-01 issued on 1 Feb 2026: AC-TWO's two bills on one statement, AC-ONE's
    one; a field officer `fo1`."""
    world = make_world(backend)
    open_cycle(world, "2026-01")
    two = add_connections(world, [("DOM", "10", "0"), ("WAT", "5", "0")], "2026-01",
                          account_no="AC-TWO")
    one = add_connections(world, [("DOM", "20", "0")], "2026-01", account_no="AC-ONE")
    with backend.sessions.begin() as s:
        for conn, route in ((two[0], "TR-9"), (one[0], "TR-1")):
            s.execute(update(Connection).where(Connection.id == conn)
                      .values(transformer_code=route))
        s.execute(update(Customer).where(Customer.account_no == "AC-TWO")
                  .values(email="two@example.com"))
    run_billing(backend, world.officer, "2026-01")
    assert bills.issue_bills(backend, world.officer, "2026-01", "2026-02-01").statements == 2
    token_for(backend, Role.FIELD_OFFICER, "fo1")
    with backend.sessions() as s:
        rows = s.execute(select(Customer.account_no, Statement.statement_no, Bill.bill_no)
                         .join(Statement, Statement.id == Bill.statement_id)
                         .join(Customer, Customer.id == Bill.customer_id)
                         .order_by(Bill.id)).all()
    papers = {r.account_no: r.statement_no for r in rows}
    numbers = {a: [r.bill_no for r in rows if r.account_no == a] for a in papers}
    return Papers(world.officer, papers["AC-TWO"], numbers["AC-TWO"], papers["AC-ONE"],
                  numbers["AC-ONE"][0])


def _events(backend: Backend) -> int:
    with backend.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(BillDelivery)) or 0)


def test_a_statement_is_recorded_for_each_of_its_bills(backend: Backend) -> None:
    p = make_papers(backend)
    done = distribution.record_delivery(backend, p.officer, p.two.lower(), "handed over",
                                        occurred_at="2026-02-03 10:00", officer="fo1",
                                        received_by="Mrs Ade")
    assert done.bills == tuple(p.two_bills) and done.bill_no == p.two_bills[0]
    assert (done.statement_no, done.officer, done.source) == (p.two, "fo1", "MANUAL")
    history = distribution.delivery_history(backend, p.officer, p.two)
    assert [(h.bill_no, h.status, h.statement_no) for h in history] == [
        (n, DeliveryStatus.HANDED_OVER, p.two) for n in p.two_bills]
    assert len(distribution.delivery_history(backend, p.officer, p.two_bills[1])) == 1
    with pytest.raises(Conflict, match=f"statement {p.two} was already recorded"):
        distribution.record_delivery(backend, p.officer, p.two, "handed_over",
                                     occurred_at="2026-02-03 10:00", officer="fo1",
                                     received_by="Mrs Ade")
    # one bill of it e-mailed alone first: the statement's record adds the other only
    distribution.record_delivery(backend, p.officer, p.two_bills[1], "emailed",
                                 occurred_at="2026-02-04 09:00")
    again = distribution.record_delivery(backend, p.officer, p.two, "emailed",
                                         occurred_at="2026-02-04 09:00")
    assert again.bills == (p.two_bills[0],) and again.email == "two@example.com"
    assert _events(backend) == 4
    with pytest.raises(NotFound, match="no bill or statement 'S209912-00000001'"):
        distribution.record_delivery(backend, p.officer, "S209912-00000001", "emailed",
                                     email="a@b.cd")
    with pytest.raises(ValidationError, match="before the bill was issued"):
        distribution.record_delivery(backend, p.officer, p.one, "not delivered",
                                     occurred_at="2026-01-20 10:00", reason="locked")
    assert _events(backend) == 4  # refused records write nothing


def test_a_cycle_counted_and_listed_in_statements(backend: Backend) -> None:
    p = make_papers(backend)
    bo = p.officer
    summary = distribution_status(backend, bo, "2026-01")
    assert (summary.issued, summary.statements, summary.statements_no_record,
            summary.statements_distributed) == (3, 2, 2, 0)
    # per bill: the statement stays pending until each of its bills is delivered
    distribution.record_delivery(backend, bo, p.two_bills[0], "handed_over",
                                 occurred_at="2026-02-03 10:00", received_by="x")
    assert distribution_status(backend, bo, "2026-01").statements_pending == 2
    distribution.record_delivery(backend, bo, p.two_bills[1], "emailed",
                                 occurred_at="2026-02-03 11:00")
    distribution.record_delivery(backend, bo, p.one, "not_delivered",
                                 occurred_at="2026-02-03 12:00", reason="gate locked")
    summary = distribution_status(backend, bo, "2026-01")
    assert (summary.distributed, summary.pending, summary.statements_distributed,
            summary.statements_not_delivered, summary.statements_no_record,
            summary.statements_pending) == (2, 1, 1, 1, 0, 1)
    every = list_statement_distribution(backend, bo, ListQuery(filters={"cycle": "2026-01"}))
    # walking order: TR-1, then TR-9 (the water bill has no route: its electricity's)
    assert [(r.statement_no, r.bills, r.transformer, r.status, r.reason)
            for r in every.rows] == [(p.one, 1, "TR-1", "NOT_DELIVERED", "gate locked"),
                                     (p.two, 2, "TR-9", "DISTRIBUTED", "")]
    assert every.total == 2 and every.rows[0].account_no == "AC-ONE"
    for status, expected in (("pending", [p.one]), ("distributed", [p.two]),
                             ("no_record", []), ("not_delivered", [p.one])):
        page = list_statement_distribution(backend, bo, ListQuery(
            filters={"cycle": "2026-01", "status": status}))
        assert [r.statement_no for r in page.rows] == expected, status
    route = list_statement_distribution(backend, bo, ListQuery(
        search=p.two[:8], filters={"cycle": "2026-01", "transformer": "TR-9"}))
    assert [r.statement_no for r in route.rows] == [p.two]
    rows = list_distribution(backend, bo, ListQuery(sort="bill_no",
                                                    filters={"cycle": "2026-01"})).rows
    assert {(r.bill_no, r.statement_no, r.statement_bills) for r in rows} == {
        *((n, p.two, 2) for n in p.two_bills), (p.one_bill, p.one, 1)}
    found = list_distribution(backend, bo, ListQuery(search=p.two.lower(),
                                                     filters={"cycle": "2026-01"}))
    assert sorted(r.bill_no for r in found.rows) == sorted(p.two_bills)
    with pytest.raises(ValidationError, match="choose the billing cycle whose statements"):
        list_statement_distribution(backend, bo, ListQuery())


def test_field_file_rows_name_statements_or_bills(backend: Backend, tmp_path: Path) -> None:
    p = make_papers(backend)
    good = tmp_path / "field.csv"
    good.write_text("\n".join([
        HEADER, f"{p.two},handed over,2026-02-03 10:15,fo1,Mrs Ade,,,,",
        f"{p.one_bill},not delivered,2026-02-03 10:40,fo1,,,,,gate locked"]) + "\n",
        encoding="utf-8")
    result = distribution_import.import_deliveries(backend, p.officer, good)
    # the counts are the bills' events: the statement's row is one for each of its bills
    assert (result.rows, result.recorded, result.duplicates) == (2, 3, 0)
    again = distribution_import.import_deliveries(backend, p.officer, good)
    assert (again.recorded, again.duplicates) == (0, 3)
    assert [h.source for h in distribution.delivery_history(backend, p.officer, p.two)] \
        == ["IMPORT", "IMPORT"]
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([
        HEADER, "S209912-00000001,emailed,2026-02-03 10:15,,,,,a@b.cd,",
        f"{p.one},handed over,2026-01-30 10:15,fo1,Mr B,,,,",
        f"{p.two},emailed,2026-02-05 08:00,,,,,,"]) + "\n", encoding="utf-8")
    with pytest.raises(ValidationError) as refused:
        distribution_import.import_deliveries(backend, p.officer, bad)
    assert {(f.row, f.field) for f in refused.value.problems} == {(2, "bill_no"),
                                                                 (3, "occurred_at")}
    assert "no bill or statement 'S209912-00000001'" in str(refused.value)
    assert _events(backend) == 3
    partial = distribution_import.import_deliveries(backend, p.officer, bad,
                                                    skip_invalid=True,
                                                    rejects_path=tmp_path / "rejects.csv")
    # the third row: e-mailed to the account's address, for both bills of the statement
    assert (partial.recorded, partial.rejected) == (2, 2)
    emailed = [h for h in distribution.delivery_history(backend, p.officer, p.two)
               if h.status is DeliveryStatus.EMAILED]
    assert {(h.bill_no, h.email) for h in emailed} == {(n, "two@example.com")
                                                      for n in p.two_bills}
