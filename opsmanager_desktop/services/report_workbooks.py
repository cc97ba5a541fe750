"""Report files for a year: the Excel workbook (`reports workbook`) and the PDF report pack
of charts and tables (`reports pack`), from the analytics figures (services/analytics.py).

The file is written under a temporary name beside the target and moved into place when
it is complete: a refused or failed report leaves no half-written file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from opsmanager_desktop.domain.errors import invalid
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.reports.figures import AnalyticsFilter, Dashboard
from opsmanager_desktop.reports.pack import write_pack
from opsmanager_desktop.reports.workbooks import write_year_workbook
from opsmanager_desktop.services import analytics
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.print_data import company_of


@dataclass(frozen=True)
class WorkbookResult:
    path: Path
    sheets: tuple[str, ...]


@dataclass(frozen=True)
class PackResult:
    path: Path
    pages: int


def check_target(out: object, suffix: str) -> Path:
    if not isinstance(out, str | Path) or not str(out).strip():
        raise invalid("out", f"give the file to write, ending in {suffix}")
    path = Path(out)
    if path.suffix.lower() != suffix:
        raise invalid("out", f"{path.name}: the file name must end in {suffix}")
    if not path.parent.is_dir():
        raise invalid("out", f"the folder {path.parent} does not exist")
    return path


def _year_dashboard(ctx: Ctx, year: object, flt: AnalyticsFilter | None = None) -> Dashboard:
    checked = analytics.check_filter(ctx.session, analytics.year_filter(year, flt),
                                     ctx.now.date())
    session, today = ctx.session, ctx.now.date()
    return Dashboard(checked, today, analytics.revenue_of(session, checked),
                     analytics.collection_of(session, checked),
                     analytics.consumption_of(session, checked),
                     analytics.by_tariff_of(session, checked),
                     analytics.ageing_rows(session, checked, today),
                     analytics.defaulters_of(session, checked, today))


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.part")


@service(Permission.REPORTS_FINANCIAL, readonly=True)
def year_workbook(ctx: Ctx, year: int, out: str | Path) -> WorkbookResult:
    """Revenue by month, billed vs collected per cycle, ageing, top defaulters and
    consumption by utility and tariff for `year`, one formatted sheet each."""
    path = check_target(out, ".xlsx")
    dashboard = _year_dashboard(ctx, year)
    part = _temporary(path)
    try:
        sheets = write_year_workbook(dashboard, part, f"Reports {year}")
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return WorkbookResult(path, tuple(sheets))


@service(Permission.REPORTS_FINANCIAL, readonly=True)
def year_pack(ctx: Ctx, year: int, out: str | Path, *, utility: str | None = None,
              tariff: str | None = None) -> PackResult:
    """The year's charts with their tables as a PDF for management."""
    path = check_target(out, ".pdf")
    dashboard = _year_dashboard(ctx, year, AnalyticsFilter(utility=utility, tariff=tariff))
    return PackResult(path, save_pack(dashboard, path, f"Management report {year}",
                                      company_of(ctx.session).name))


def save_pack(dashboard: Dashboard, path: Path, title: str, company: str = "") -> int:
    """A pack from figures already computed (the Analytics page's), written safely."""
    part = _temporary(path)
    try:
        pages = write_pack(dashboard, part, title, company)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return pages
