"""The year's report workbook: open it back and check its numeric cells, formats, frozen
header and totals, on both databases."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from opsmanager_desktop.domain.errors import PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import report_workbooks
from opsmanager_desktop.services.backend import Backend
from tests.analytics_data import known
from tests.helpers import token_for

D = Decimal


def _rows(sheet: Any) -> dict[str, list[Any]]:
    """Data rows (under the header of row 4) by their first cell."""
    return {str(r[0]): list(r[1:]) for r in sheet.iter_rows(min_row=5, values_only=True)
            if r[0] is not None}


def _money(value: object) -> Decimal:
    assert isinstance(value, int | float), f"{value!r} is not a number"
    return D(str(value)).quantize(D("0.01"))


def test_year_workbook_holds_the_figures(backend: Backend, tmp_path: Path) -> None:
    ao = known(backend)
    out = tmp_path / "reports-2026.xlsx"
    result = report_workbooks.year_workbook(backend, ao, 2026, out)
    assert result.sheets == ("Revenue by month", "Billed vs collected", "Ageing",
                             "Top defaulters", "Consumption", "By tariff")
    book = load_workbook(out)
    revenue = book["Revenue by month"]
    assert revenue["A1"].value == "Reports 2026: revenue collected per month"
    assert revenue["A1"].font.bold and revenue["A4"].font.bold
    assert revenue.freeze_panes == "A5" and revenue.auto_filter.ref == "A4:B16"
    rows = _rows(revenue)
    assert list(rows)[:12] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert _money(rows["2026-01"][0]) == D("75.00")
    assert _money(rows["2026-02"][0]) == D("25.30")
    assert _money(rows["2026-03"][0]) == D("0.00")
    assert _money(rows["Total"][0]) == D("100.30")
    assert revenue["B5"].number_format == "#,##0.00"
    cycles = _rows(book["Billed vs collected"])
    bills, billed, collected, still_open, efficiency = cycles["2026-01"]
    assert (bills, _money(billed), _money(collected), _money(still_open)) == (
        4, D("180.00"), D("95.30"), D("84.70"))
    assert efficiency == pytest.approx(0.5294)
    assert book["Billed vs collected"]["F5"].number_format == "0.00%"
    assert _money(cycles["Total"][1]) == D("380.00")
    ageing = _rows(book["Ageing"])  # as of today: every open bill is months past due
    assert ageing["90+"][0] == 3 and _money(ageing["90+"][1]) == D("284.70")
    assert _money(ageing["Total"][1]) == D("284.70")
    [defaulter] = [r for k, r in _rows(book["Top defaulters"]).items() if k == "A001"]
    assert defaulter[0] == "Customer A001" and _money(defaulter[2]) == D("284.70")
    assert book["Top defaulters"]["E5"].number_format == "yyyy-mm-dd"
    consumption = list(book["Consumption"].iter_rows(min_row=5, values_only=True))
    assert consumption[0][:5] == ("2026-01", "electricity", "kWh", 3, 250.5)
    assert book["Consumption"]["E5"].number_format == "#,##0.000"
    tariffs = _rows(book["By tariff"])
    assert tariffs["electricity"][3] == 4 and _money(tariffs["electricity"][6]) == D("380.00")
    assert _money(tariffs["Total"][6]) == D("410.00")
    for sheet in book.worksheets:
        assert sheet.column_dimensions["A"].width >= 8


def test_workbook_refusals_leave_no_file(backend: Backend, tmp_path: Path) -> None:
    ao = known(backend)
    with pytest.raises(PermissionDenied):
        report_workbooks.year_workbook(backend, token_for(backend, Role.BILLING_OFFICER),
                                       2026, tmp_path / "a.xlsx")
    with pytest.raises(ValidationError, match=r"must end in \.xlsx"):
        report_workbooks.year_workbook(backend, ao, 2026, tmp_path / "a.csv")
    with pytest.raises(ValidationError, match="is not a year"):
        report_workbooks.year_workbook(backend, ao, 26, tmp_path / "a.xlsx")
    with pytest.raises(ValidationError, match="does not exist"):
        report_workbooks.year_workbook(backend, ao, 2026, tmp_path / "no" / "a.xlsx")
    assert not list(tmp_path.iterdir())
