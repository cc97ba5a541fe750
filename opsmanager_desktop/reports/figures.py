"""The figures the analytics services compute and the charts, workbooks and report pack
show: plain frozen data (the database sums them; nothing here computes money)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class AnalyticsFilter:
    """Period (billing months, YYYY-MM, inclusive), utility type code, tariff plan code;
    None means all."""

    from_period: str | None = None
    to_period: str | None = None
    utility: str | None = None
    tariff: str | None = None

    def describe(self) -> str:
        period = f"{self.from_period or '...'} to {self.to_period or '...'}"
        parts = [period, f"utility {self.utility}" if self.utility else "all utilities",
                 f"tariff {self.tariff}" if self.tariff else "all tariffs"]
        return ", ".join(parts)


@dataclass(frozen=True)
class RevenuePoint:
    month: str  # YYYY-MM
    collected: Decimal


@dataclass(frozen=True)
class CollectionPoint:
    cycle: str
    bills: int
    billed: Decimal  # issued bills' totals with adjustments
    collected: Decimal  # paid on those bills
    outstanding: Decimal  # their balances today
    efficiency: Decimal | None  # collected / billed, 4 decimals; None when nothing billed


@dataclass(frozen=True)
class ConsumptionPoint:
    cycle: str
    utility: str
    unit: str
    connections: int
    total_units: Decimal
    average_units: Decimal


@dataclass(frozen=True)
class TariffConsumption:
    utility: str
    unit: str
    tariff: str
    tariff_name: str
    bills: int
    total_units: Decimal
    average_units: Decimal  # per bill
    billed: Decimal


@dataclass(frozen=True)
class AgeingRow:
    bucket: str  # 0-30, 31-60, 61-90, 90+ (days past due)
    bills: int
    amount: Decimal


@dataclass(frozen=True)
class Defaulter:
    account_no: str
    name: str
    overdue_bills: int
    overdue_amount: Decimal
    oldest_due: date
    days_overdue: int  # since the oldest overdue bill fell due


@dataclass(frozen=True)
class Dashboard:
    """Everything the Analytics page and the report pack show, computed in one go. The
    money figures are None for a role that may see consumption only."""

    filter: AnalyticsFilter
    as_of: date
    revenue: list[RevenuePoint] | None
    collection: list[CollectionPoint] | None
    consumption: list[ConsumptionPoint]
    by_tariff: list[TariffConsumption]
    ageing: list[AgeingRow] | None
    defaulters: list[Defaulter] | None
