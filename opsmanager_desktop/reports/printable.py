"""What a printed statement shows, as plain data a worker process can receive (picklable):
the account, its summary and one section per bill (docs/decisions.md 42)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from opsmanager_desktop.domain.statement import NO_MONEY, StatementFigures


@dataclass(frozen=True)
class Company:
    name: str
    address: str = ""
    contact: str = ""  # phone, e-mail, web: one line under the address


@dataclass(frozen=True)
class PrintLine:
    kind: str  # ENERGY | MINIMUM | FIXED | TAX | ADJUSTMENT
    description: str
    quantity: Decimal | None
    rate: Decimal | None
    amount: Decimal


@dataclass(frozen=True)
class PrintableBill:
    """One connection's bill: a section of its statement."""

    bill_no: str
    status: str
    utility: str  # the utility type's name, e.g. Electricity
    unit: str  # kWh, m3
    meter_number: str
    transformer: str | None
    tariff_code: str
    tariff_name: str
    previous_read_on: date | None
    read_on: date | None
    previous_reading: Decimal | None
    current_reading: Decimal | None
    units: Decimal
    is_estimated: bool
    lines: tuple[PrintLine, ...]  # its charges (the bill's total)
    adjustments: tuple[PrintLine, ...]  # counted in the summary's adjustments
    total: Decimal


class PaperKind(StrEnum):
    STATEMENT = "STATEMENT"  # issued: the stored statement, figures as first told
    DRAFT = "DRAFT"  # bills not issued yet: what their statement would say if issued now
    # bills issued before statements existed: the account's figures as at today
    EARLIER = "EARLIER"


@dataclass(frozen=True)
class PrintableStatement:
    kind: PaperKind
    statement_no: str | None  # None: a draft or bills issued before statements
    cycle: str
    cycle_start: date
    cycle_end: date
    account_no: str
    customer_name: str
    address: str
    route: str | None  # the transformer the statement is walked by
    issue_date: date | None
    due_date: date | None
    figures: StatementFigures
    previous_issue: date | None  # the previous statement's: "payments since"
    as_at: date  # the day the figures hold (the issue date, or today)
    sections: tuple[PrintableBill, ...]

    @property
    def payment_reference(self) -> str:
        """What a payer quotes: the statement number; a bill number for bills issued before
        statements (the settlement file's bill_no); none yet for a draft."""
        if self.statement_no is not None:
            return self.statement_no
        return "" if self.kind is PaperKind.DRAFT else self.sections[0].bill_no

    @property
    def paid(self) -> bool:
        return all(s.status == "PAID" for s in self.sections)

    @property
    def overdue(self) -> bool:
        return any(s.status == "OVERDUE" for s in self.sections)

    @property
    def estimated(self) -> bool:
        return any(s.is_estimated for s in self.sections)

    @property
    def amount_payable(self) -> Decimal:
        """The slip's amount: the total due, nothing when in credit or already paid."""
        return NO_MONEY if self.paid else self.figures.amount_payable
