"""What a printed bill shows, as plain data a worker process can receive (picklable)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


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
    """One bill with its statement figures (the same as services.bills.get_bill's)."""

    bill_no: str
    status: str
    cycle: str
    cycle_start: date
    cycle_end: date
    account_no: str
    customer_name: str
    address: str
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
    lines: tuple[PrintLine, ...]
    current_charges: Decimal
    previous_balance: Decimal
    payments_since_last_bill: Decimal
    last_bill_issued: date | None
    total_due: Decimal
    issue_date: date | None
    due_date: date | None

    @property
    def payment_reference(self) -> str:
        """What a payer quotes (the settlement file's bill_no column): the bill number."""
        return self.bill_no
