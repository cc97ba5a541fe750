"""Issuing, overdue marking, adjustments, lists and the bill detail, on both databases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from opsmanager_desktop.db.models import AuditEntry, Bill, BillAdjustment, BillingCycle
from opsmanager_desktop.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import bills, payments
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.billing import run_billing
from opsmanager_desktop.services.listing import ListQuery
from tests.billing_data import World, add_connections, make_world, open_cycle
from tests.helpers import token_for
from tests.ledger_data import assert_ledger_consistent

D = Decimal


def _billed(backend: Backend, specs: list[tuple[str, str | None, str]],
            period: str = "2026-01", *, world: World | None = None,
            account_no: str | None = None) -> tuple[World, list[int]]:
    world = world or make_world(backend)
    open_cycle(world, period)
    ids = add_connections(world, specs, period, account_no=account_no)
    run_billing(backend, world.officer, period)
    return world, ids


def _bill(backend: Backend, connection_id: int, period: str = "2026-01") -> Bill:
    with backend.sessions() as s:
        return s.scalars(select(Bill).join(BillingCycle, BillingCycle.id == Bill.cycle_id)
                         .where(Bill.connection_id == connection_id,
                                BillingCycle.period == period)).one()


def test_issue_sets_dates_and_only_generated_bills_move(backend: Backend) -> None:
    world, ids = _billed(backend, [("DOM", "150", "0"), ("DOM", "20", "0")])
    result = bills.issue_bills(backend, world.officer, "2026-01", "2026-02-03")
    assert (result.issued, result.issue_date, result.due_date) == (
        2, date(2026, 2, 3), date(2026, 2, 17))
    bill = _bill(backend, ids[0])
    assert (bill.status, bill.issue_date, bill.due_date) == ("DUE", date(2026, 2, 3),
                                                             date(2026, 2, 17))
    again = bills.issue_bills(backend, world.officer, "2026-01", "2026-02-05")
    assert again.issued == 0
    assert _bill(backend, ids[0]).issue_date == date(2026, 2, 3)
    with pytest.raises(ValidationError, match="before cycle 2026-01 begins"):
        bills.issue_bills(backend, world.officer, "2026-01", "2025-12-31")
    with pytest.raises(PermissionDenied):
        bills.issue_bills(backend, token_for(backend, Role.ACCOUNTS_OFFICER), "2026-01")


def test_a_bill_with_nothing_to_pay_is_paid_on_issue(backend: Backend) -> None:
    world = make_world(backend)
    open_cycle(world, "2026-01")
    # water is FLAT with a fixed 3.00: zero units still owe 3.00; a zero bill needs a
    # tariff without fixed charge, so credit a bill down to zero before issue instead
    world, ids = _billed(backend, [("WAT", "0", "0")], "2026-02", world=world)
    bill = _bill(backend, ids[0], "2026-02")
    bills.adjust_bill(backend, world.officer, bill.bill_no, -bill.balance, "meter fault")
    result = bills.issue_bills(backend, world.officer, "2026-02", "2026-03-02")
    assert result.paid_on_issue == 1
    after = _bill(backend, ids[0], "2026-02")
    assert (after.status, after.balance, after.paid_at) == ("PAID", D("0.00"),
                                                            date(2026, 3, 2))


def test_issue_applies_the_accounts_credit_first(backend: Backend) -> None:
    world = make_world(backend)
    open_cycle(world, "2026-01")
    ids = add_connections(world, [("DOM", "150", "0"), ("DOM", "10", "0")], "2026-01",
                          account_no="C-1")
    other = add_connections(world, [("DOM", "150", "0")], "2026-01")
    ao = token_for(backend, Role.ACCOUNTS_OFFICER)
    paid = payments.record_payment(backend, ao, "C-1", "1200.00", "BANK", "ADV-1",
                                   date(2026, 1, 20))
    assert paid.account_credit == D("1200.00")
    run_billing(backend, world.officer, "2026-01")
    result = bills.issue_bills(backend, world.officer, "2026-01", "2026-02-01")
    # 1155.00 + (10 x 5 + 50) x 1.1 = 110.00: 1200 covers the first, 45 of the second
    assert result.credit_applied == D("1200.00")
    assert result.paid_on_issue == 1
    first, second = _bill(backend, ids[0]), _bill(backend, ids[1])
    assert (first.status, first.balance) == ("PAID", D("0.00"))
    assert (second.status, second.amount_paid, second.balance) == ("DUE", D("45.00"),
                                                                   D("65.00"))
    assert _bill(backend, other[0]).amount_paid == D("0.00")
    assert_ledger_consistent(backend)


def test_mark_overdue(backend: Backend) -> None:
    world, ids = _billed(backend, [("DOM", "150", "0"), ("DOM", "20", "0"),
                                   ("DOM", "30", "0")])
    bills.issue_bills(backend, world.officer, "2026-01", "2026-02-01")  # due 2026-02-15
    ao = token_for(backend, Role.ACCOUNTS_OFFICER)
    paid_off = _bill(backend, ids[1])
    payments.record_payment(backend, ao, _account(backend, ids[1]), str(paid_off.balance),
                            "CASH", "R-1", date(2026, 2, 5), paid_off.bill_no)
    part = _bill(backend, ids[2])
    payments.record_payment(backend, ao, _account(backend, ids[2]), "10.00", "CASH", "R-2",
                            date(2026, 2, 5), part.bill_no)
    assert bills.mark_overdue(backend, ao, "2026-02-15").marked == 0  # due that day: not yet
    result = bills.mark_overdue(backend, world.officer, date(2026, 2, 16))
    assert result.marked == 2
    assert [_bill(backend, i).status for i in ids] == ["OVERDUE", "PAID", "OVERDUE"]
    assert bills.mark_overdue(backend, ao, "2026-03-01").marked == 0  # nothing twice
    with backend.sessions() as s:
        assert len(s.scalars(select(AuditEntry).where(
            AuditEntry.action == "mark_overdue")).all()) == 1
    # paying an overdue bill in full makes it PAID (the payments' side of the lifecycle)
    payments.record_payment(backend, ao, _account(backend, ids[0]), "1155.00", "CASH", "R-3",
                            date(2026, 3, 2))
    assert _bill(backend, ids[0]).status == "PAID"
    assert_ledger_consistent(backend)


def _account(backend: Backend, connection_id: int) -> str:
    from opsmanager_desktop.db.models import Connection, Customer

    with backend.sessions() as s:
        return s.scalar(select(Customer.account_no).join(
            Connection, Connection.customer_id == Customer.id)
            .where(Connection.id == connection_id)) or ""


def test_adjustments(backend: Backend) -> None:
    world, ids = _billed(backend, [("DOM", "150", "0")])
    bill_no = _bill(backend, ids[0]).bill_no
    ao = token_for(backend, Role.ACCOUNTS_OFFICER)
    debit = bills.adjust_bill(backend, world.officer, bill_no, "12.50", "late fee")
    assert (debit.bill.adjustments, debit.bill.balance, debit.bill.status) == (
        D("12.50"), D("1167.50"), "GENERATED")
    bills.issue_bills(backend, world.officer, "2026-01", "2026-02-01")
    credit = bills.adjust_bill(backend, ao, bill_no, D("-67.50"), "  wrong reading  ")
    assert (credit.bill.balance, credit.reason) == (D("1100.00"), "wrong reading")
    with pytest.raises(ValidationError, match=r"more than the balance 1,100\.00"):
        bills.adjust_bill(backend, ao, bill_no, "-1100.01", "too much")
    for amount, reason, message in (("0", "x", "must not be zero"),
                                    ("1.005", "x", "more than 2 decimal"),
                                    ("abc", "x", "not a number"),
                                    ("5", "   ", "reason")):
        with pytest.raises(ValidationError, match=message):
            bills.adjust_bill(backend, ao, bill_no, amount, reason)
    with pytest.raises(NotFound):
        bills.adjust_bill(backend, ao, "NOPE", "5", "x")
    settled = bills.adjust_bill(backend, ao, bill_no, "-1100.00", "goodwill")
    assert (settled.bill.status, settled.bill.balance) == ("PAID", D("0.00"))
    with pytest.raises(Conflict, match="paid and cannot be adjusted"):
        bills.adjust_bill(backend, ao, bill_no, "5", "x")
    with pytest.raises(PermissionDenied):
        bills.adjust_bill(backend, token_for(backend, Role.SUPERVISOR), bill_no, "5", "x")
    with backend.sessions() as s:
        rows = s.scalars(select(BillAdjustment.amount).order_by(BillAdjustment.id)).all()
        assert rows == [D("12.50"), D("-67.50"), D("-1100.00")]
        assert len(s.scalars(select(AuditEntry).where(AuditEntry.action == "adjust")).all()) == 3
    assert_ledger_consistent(backend)


def test_list_filters_sorts_and_consumer_sees_only_own(backend: Backend) -> None:
    world = make_world(backend)
    open_cycle(world, "2026-01")
    open_cycle(world, "2026-02")
    mine = add_connections(world, [("DOM", "150", "0"), ("WAT", "12", "0")], "2026-01",
                           account_no="OWN-1")
    add_connections(world, [("COM", "80", "2"), ("DOM", "5", "0")], "2026-01")
    run_billing(backend, world.officer, "2026-01")
    bills.issue_bills(backend, world.officer, "2026-01", "2026-02-01")
    from tests.billing_data import readings_for

    readings_for(world, "2026-02", {mine[0]: "40"})
    run_billing(backend, world.officer, "2026-02")
    officer = world.officer

    def numbers(**filters: object) -> list[str]:
        page = bills.list_bills(backend, officer, ListQuery(sort="bill_no", filters=filters))
        return [r.bill_no for r in page.rows]

    assert len(numbers()) == 5
    assert len(numbers(cycle="2026-01")) == 4
    assert numbers(cycle="2026-02") == [f"202602-{mine[0]:08d}"]
    assert len(numbers(account="OWN-1")) == 3
    assert len(numbers(status="due")) == 4
    assert len(numbers(utility="water")) == 1
    assert len(numbers(issued_from="2026-02-01", issued_to="2026-02-01")) == 4
    assert numbers(open_only=True) == numbers(status="DUE")
    page = bills.list_bills(backend, officer, ListQuery(sort="total", descending=True))
    totals = [r.total for r in page.rows]
    assert totals == sorted(totals, reverse=True) and page.total == 5
    assert bills.list_bills(backend, officer, ListQuery(search="OWN")).total == 3
    with pytest.raises(ValidationError, match="not a bill status"):
        numbers(status="LOST")
    with pytest.raises(ValidationError, match="cannot filter bills by colour"):
        numbers(colour="red")
    with pytest.raises(ValidationError, match="cannot sort by"):
        bills.list_bills(backend, officer, ListQuery(sort="password"))
    consumer = token_for(backend, Role.CONSUMER, "con", account_no="OWN-1")
    own = bills.list_bills(backend, consumer, ListQuery())
    # the February bill is still GENERATED (the office's draft): the consumer sees the two
    # issued ones only, and cannot open the draft by its number either
    assert own.total == 2 and {r.account_no for r in own.rows} == {"OWN-1"}
    assert all(r.status != "GENERATED" for r in own.rows)
    with pytest.raises(NotFound):
        bills.get_bill(backend, consumer, f"202602-{mine[0]:08d}")
    # asking for someone else's account shows nothing rather than their bills
    other_account = _account(backend, mine[0] + 2)
    assert bills.list_bills(backend, consumer,
                            ListQuery(filters={"account": other_account})).total == 0
    with pytest.raises(PermissionDenied):
        bills.list_bills(backend, token_for(backend, Role.FIELD_OFFICER), ListQuery())


def test_bill_detail_for_printing(backend: Backend) -> None:
    world = make_world(backend)
    open_cycle(world, "2026-01")
    open_cycle(world, "2026-02")
    ids = add_connections(world, [("DOM", "150", "0")], "2026-01", account_no="P-1")
    run_billing(backend, world.officer, "2026-01")
    bills.issue_bills(backend, world.officer, "2026-01", "2026-02-02")
    ao = token_for(backend, Role.ACCOUNTS_OFFICER)
    payments.record_payment(backend, ao, "P-1", "1000.00", "BANK", "T-1", date(2026, 2, 10))
    from tests.billing_data import readings_for

    readings_for(world, "2026-02", {ids[0]: "20"})
    run_billing(backend, world.officer, "2026-02")
    bills.issue_bills(backend, world.officer, "2026-02", "2026-03-02")
    feb = _bill(backend, ids[0], "2026-02")
    detail = bills.get_bill(backend, world.officer, feb.bill_no)
    assert [ln.kind for ln in detail.lines] == ["ENERGY", "FIXED", "TAX"]
    assert detail.lines[0].quantity == D("20.000") and detail.lines[0].rate == D("5.0000")
    assert detail.reading is not None and detail.reading.units == D("20.000")
    assert (detail.tariff.plan_code, detail.customer.account_no) == ("DOM", "P-1")
    # payments count since the previous statement, January's
    assert detail.last_bill_no == detail.statement_no.replace("202602", "202601")
    # brought forward 1155.00, paid 1000.00 since, current 20 x 5 + 50 + 15 = 165.00
    assert (detail.previous_balance, detail.payments_since_last_bill,
            detail.current_charges, detail.total_due) == (
        D("1155.00"), D("1000.00"), D("165.00"), D("320.00"))
    assert detail.as_at == date(2026, 3, 2)
    consumer = token_for(backend, Role.CONSUMER, "con", account_no="P-1")
    assert bills.get_bill(backend, consumer, feb.bill_no).bill.bill_no == feb.bill_no
    stranger = add_connections(world, [("DOM", "1", "0")], "2026-02", account_no="Q-1")
    run_billing(backend, world.officer, "2026-02")
    with pytest.raises(NotFound):
        bills.get_bill(backend, consumer, _bill(backend, stranger[0], "2026-02").bill_no)
