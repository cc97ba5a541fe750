"""Printable statements built by hand, for the drawing tests that need no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from opsmanager_desktop.domain.statement import StatementFigures
from opsmanager_desktop.reports.printable import (
    PaperKind,
    PrintableBill,
    PrintableStatement,
    PrintLine,
)

D = Decimal

BILL = PrintableBill(
    bill_no="202601-00000001", status="DUE", utility="Electricity", unit="kWh",
    meter_number="M1", transformer="TR-1", tariff_code="DOM", tariff_name="Domestic",
    previous_read_on=date(2025, 12, 28), read_on=date(2026, 1, 28),
    previous_reading=D("100"), current_reading=D("250"), units=D("150"), is_estimated=False,
    lines=(PrintLine("ENERGY", "Energy 0-100", D("100"), D("5"), D("500.00")),
           PrintLine("ENERGY", "Energy 101+", D("50"), D("10"), D("500.00")),
           PrintLine("FIXED", "Fixed charge", None, D("50.00"), D("50.00")),
           PrintLine("TAX", "Duty 5%", D("1000.00"), D("5"), D("50.00")),
           PrintLine("TAX", "VAT 7.5%", D("1100.00"), D("7.5"), D("82.50"))),
    adjustments=(), total=D("1182.50"))

WATER = replace(BILL, bill_no="202601-00000002", utility="Water", unit="m3",
                meter_number="W1", transformer=None, tariff_code="WAT", tariff_name="Water",
                units=D("12"), lines=(PrintLine("ENERGY", "Water", D("12"), D("1.25"),
                                                D("15.00")),
                                      PrintLine("FIXED", "Fixed charge", None, D("3.00"),
                                                D("3.00"))),
                total=D("18.00"))


def statement(sections: tuple[PrintableBill, ...] = (BILL,), *,
              previous: str = "300.00", payments: str = "300.00",
              number: str | None = "S202601-00000001",
              kind: PaperKind = PaperKind.STATEMENT) -> PrintableStatement:
    """A statement of these bills whose summary adds up: previous - payments + charges."""
    charges = sum((s.total for s in sections), D("0.00"))
    due = D(previous) - D(payments) + charges
    return PrintableStatement(
        kind=kind, statement_no=number, cycle="2026-01", cycle_start=date(2026, 1, 1),
        cycle_end=date(2026, 1, 31), account_no="A1", customer_name="Ada",
        address="1 Road", route="TR-1", issue_date=date(2026, 2, 1),
        due_date=date(2026, 2, 15),
        figures=StatementFigures(D(previous), D(payments), D("0.00"), D("0.00"), charges,
                                 due),
        previous_issue=date(2026, 1, 2), as_at=date(2026, 2, 1), sections=sections)


def connections(count: int) -> tuple[PrintableBill, ...]:
    """`count` bills, electricity and water in turn, numbered 1, 2, ..."""
    return tuple(replace(BILL if i % 2 == 0 else WATER, bill_no=f"202601-{i + 1:08d}")
                 for i in range(count))
