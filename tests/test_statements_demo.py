"""The demo's statements add up, and a cycle issued on top of the demo through the
services gives every account a statement whose total due, on screen and on paper, is what
`dues` says (issue 13)."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import func, select

from opsmanager_desktop.db.models import Bill, Customer, Statement
from opsmanager_desktop.domain.money import format_money
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import billing, bills, cycles, dues, printing, statements
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.demo import generate_demo
from opsmanager_desktop.services.listing import ListQuery
from tests.helpers import admin_token, token_for
from tests.ledger_data import assert_ledger_consistent

NOW = datetime(2026, 3, 15, 10, 0)


def _print_cycle(backend: Backend, token: str, out: Path) -> Path:
    result = printing.print_statements(backend, token, printing.PrintSelection(cycle="2026-03"),
                                       out)
    assert result.statements > 0 and result.files == (out,)
    return out


def _chain_adds_up(backend: Backend) -> int:
    """Each statement's own arithmetic, its bills, and the balance brought forward from the
    account's previous statement. Returns how many accounts have several connections."""
    with backend.sessions() as s:
        rows = s.execute(select(Statement).order_by(Statement.customer_id, Statement.id)
                         ).scalars().all()
        charges = {r[0]: (r[1], r[2]) for r in s.execute(
            select(Bill.statement_id, func.count(), func.sum(Bill.total))
            .where(Bill.statement_id.is_not(None)).group_by(Bill.statement_id))}
    previous: dict[int, Decimal] = {}
    several = set()
    for st in rows:
        assert (st.previous_balance - st.payments + st.reversals + st.adjustments
                + st.current_charges) == st.total_due, st.statement_no
        assert charges[st.id] == (st.bills, st.current_charges), st.statement_no
        if st.customer_id in previous:
            assert st.previous_balance == previous[st.customer_id], st.statement_no
        previous[st.customer_id] = st.total_due
        if st.bills > 1:
            several.add(st.customer_id)
    return len(several)


def _printed_totals(path: Path) -> dict[str, str]:
    """Each statement's printed total due (or credit), by its number; a statement may run
    onto further pages, its summary on the last."""
    pages: dict[str, list[str]] = defaultdict(list)
    for page in PdfReader(str(path)).pages:
        text = page.extract_text()
        number = re.search(r"S\d{6}-\d{8}(?:-\d+)?", text)
        assert number is not None, text[:200]
        pages[number.group(0)].append(text)
    totals = {}
    for number, texts in pages.items():
        found = re.search(r"(?:Total due|In credit)\s*(-?[\d,]+\.\d\d(?: CR)?)", texts[-1])
        assert found is not None, (number, texts[-1][-400:])
        totals[number] = found.group(1)
    return totals


def test_a_cycle_issued_on_the_demo_matches_dues_for_every_account(backend: Backend,
                                                                   tmp_path: Path) -> None:
    backend.clock = lambda: NOW
    admin = admin_token(backend)
    result = generate_demo(backend, admin, 60, seed=3)
    assert _chain_adds_up(backend) > 10  # most demo accounts have two connections
    cycles.open_cycle(backend, admin, "2026-03", 14, True)  # readings estimated
    bo = token_for(backend, Role.BILLING_OFFICER, "bo")
    run = billing.run_billing(backend, bo, "2026-03")
    assert run.bills_created + run.estimated > 0
    issued = bills.issue_bills(backend, bo, "2026-03", NOW.date())
    assert issued.statements == result.customers
    ao = token_for(backend, Role.ACCOUNTS_OFFICER, "ao")
    page = statements.list_statements(backend, ao, ListQuery(limit=1000,
                                                             filters={"cycle": "2026-03"}))
    assert len(page.rows) == result.customers
    printed = _printed_totals(_print_cycle(backend, bo, tmp_path / "cycle.pdf"))
    assert set(printed) == {row.statement_no for row in page.rows}
    several = 0
    for row in page.rows:
        owed = dues.dues(backend, ao, row.account_no)
        assert row.total_due == owed.outstanding - owed.credit, (row, owed)
        position = owed.outstanding - owed.credit
        on_paper = format_money(position) if position >= 0 else f"{format_money(-position)} CR"
        assert printed[row.statement_no] == on_paper, (row.statement_no, owed)
        detail = statements.get_statement(backend, ao, row.statement_no)
        assert sum((b.total for b in detail.bills), Decimal("0.00")) == row.current_charges
        assert {b.statement_no for b in detail.bills} == {row.statement_no}
        several += len(detail.bills) > 1
    assert several > 10
    _chain_adds_up(backend)
    assert_ledger_consistent(backend)
    with backend.sessions() as s:  # every issued bill of the cycle is on a statement
        assert s.scalar(select(func.count()).select_from(Bill).join(
            Customer, Customer.id == Bill.customer_id).where(
            Bill.status != "GENERATED", Bill.statement_id.is_(None))) == 0
