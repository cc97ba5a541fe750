"""A known data set for the analytics, workbook and chart tests: bills of January and
February 2026 in two utilities, payments (one reversed), and the figures they make."""

from __future__ import annotations

from datetime import date

from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.reports.figures import AnalyticsFilter
from opsmanager_desktop.services import payments
from opsmanager_desktop.services.backend import Backend
from tests.helpers import token_for
from tests.ledger_data import add_bill

JAN_FEB = AnalyticsFilter("2026-01", "2026-02")
AS_OF = date(2026, 3, 15)


def known(backend: Backend) -> str:
    """Returns an accounts officer's token. Figures: revenue January 75.00, February
    25.30; January billed 180.00 (4 issued bills), collected 95.30; open on 15 March 2026:
    A001's 74.70 + 10.00 (31-60 days) and 200.00 (0-30 days)."""
    add_bill(backend, "A001", "100.00", due=date(2026, 2, 1), units="100")
    add_bill(backend, "A002", "50.00", due=date(2026, 2, 1), units="150")
    add_bill(backend, "A003", "30.00", due=None, status="GENERATED", units="0.5")
    add_bill(backend, "A001", "10.00", due=date(2026, 2, 1), utility="water", units="10.001")
    add_bill(backend, "A002", "20.00", due=date(2026, 2, 1), utility="water", units="20")
    add_bill(backend, "A001", "200.00", due=date(2026, 3, 1), cycle="2026-02", units="999")
    ao = token_for(backend, Role.ACCOUNTS_OFFICER)
    pay = payments.record_payment
    pay(backend, ao, "A002", "75.00", "CASH", "E1", date(2026, 1, 20))  # 50 + 20 + 5 credit
    pay(backend, ao, "A001", "25.00", "CASH", "E2", date(2026, 2, 10))  # on the January bill
    pay(backend, ao, "A001", "0.10", "BANK", "E3", date(2026, 2, 11))
    pay(backend, ao, "A001", "0.20", "BANK", "E4", date(2026, 2, 11))
    pay(backend, ao, "A001", "40.00", "CHEQUE", "E5", date(2026, 2, 12))
    payments.reverse_payment(backend, ao, "CHEQUE", "E5", "bounced")
    return ao
