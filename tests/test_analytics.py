"""Analytics figures from a known data set, to the cent, on both databases, with filters."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from opsmanager_desktop.domain.errors import NotFound, PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.reports.figures import AnalyticsFilter
from opsmanager_desktop.services import analytics, bills, reports
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.billing import run_billing
from tests.analytics_data import AS_OF, JAN_FEB, known
from tests.billing_data import add_connections, make_world, open_cycle
from tests.helpers import token_for

D = Decimal


def test_revenue_per_month_with_and_without_a_utility(backend: Backend) -> None:
    ao = known(backend)
    months = analytics.revenue_by_month(backend, ao, AnalyticsFilter("2025-12", "2026-03"))
    assert [(m.month, m.collected) for m in months] == [
        ("2025-12", D("0.00")), ("2026-01", D("75.00")), ("2026-02", D("25.30")),
        ("2026-03", D("0.00"))]
    assert str(months[0].collected) == "0.00"
    electricity = analytics.revenue_by_month(
        backend, ao, AnalyticsFilter("2026-01", "2026-02", utility="Electricity"))
    water = analytics.revenue_by_month(backend, ao, AnalyticsFilter("2026-01", "2026-02",
                                                                    utility="water"))
    # money applied to each utility's bills; January's 5.00 of credit belongs to none
    assert [m.collected for m in electricity] == [D("50.00"), D("25.30")]
    assert [m.collected for m in water] == [D("20.00"), D("0.00")]
    # the same as the year report without filters
    year = {r.month: r.collected for r in reports.revenue(backend, ao, 2026)}
    assert year["2026-01"] == months[1].collected and year["2026-02"] == months[2].collected


def test_billed_vs_collected_per_cycle(backend: Backend) -> None:
    ao = known(backend)
    rows = analytics.billed_vs_collected(backend, ao, JAN_FEB)
    assert [(r.cycle, r.bills, r.billed, r.collected, r.outstanding, r.efficiency)
            for r in rows] == [
        ("2026-01", 4, D("180.00"), D("95.30"), D("84.70"), D("0.5294")),
        ("2026-02", 1, D("200.00"), D("0.00"), D("200.00"), D("0.0000"))]
    electricity = analytics.billed_vs_collected(
        backend, ao, AnalyticsFilter("2026-01", "2026-01", utility="electricity"))
    assert [(r.bills, r.billed, r.collected, r.efficiency) for r in electricity] == [
        (2, D("150.00"), D("75.30"), D("0.5020"))]
    same = reports.collection_efficiency(backend, ao, "2026-01", "2026-02")
    assert [(r.cycle, r.billed, r.collected, r.ratio) for r in same] == \
        [(r.cycle, r.billed, r.collected, r.efficiency) for r in rows]


def test_consumption_over_cycles_and_by_tariff(backend: Backend) -> None:
    known(backend)
    bo = token_for(backend, Role.BILLING_OFFICER)
    rows = analytics.consumption_over_cycles(backend, bo, JAN_FEB)
    assert [(r.cycle, r.utility, r.unit, r.connections, r.total_units, r.average_units)
            for r in rows] == [
        ("2026-01", "electricity", "kWh", 3, D("250.500"), D("83.500")),
        ("2026-01", "water", "m3", 2, D("30.001"), D("15.001")),  # 15.0005 half-up
        ("2026-02", "electricity", "kWh", 1, D("999.000"), D("999.000"))]
    by_tariff = analytics.consumption_by_tariff(backend, bo, JAN_FEB)
    assert [(r.utility, r.bills, r.total_units, r.average_units, r.billed)
            for r in by_tariff] == [
        ("electricity", 4, D("1249.500"), D("312.375"), D("380.00")),
        ("water", 2, D("30.001"), D("15.001"), D("30.00"))]
    only_feb = analytics.consumption_over_cycles(backend, bo, AnalyticsFilter("2026-02",
                                                                              "2026-02"))
    assert [r.cycle for r in only_feb] == ["2026-02"]


def test_ageing_and_top_defaulters(backend: Backend) -> None:
    ao = known(backend)
    ageing = analytics.ageing_of_dues(backend, ao, None, AS_OF)
    assert [(a.bucket, a.bills, a.amount) for a in ageing] == [
        ("0-30", 1, D("200.00")), ("31-60", 2, D("84.70")), ("61-90", 0, D("0.00")),
        ("90+", 0, D("0.00"))]
    same = reports.ageing(backend, ao, AS_OF)
    assert [(b.bucket, b.bills, b.amount) for b in same.buckets] == \
        [(a.bucket, a.bills, a.amount) for a in ageing]
    water = analytics.ageing_of_dues(backend, ao, AnalyticsFilter(utility="water"), AS_OF)
    assert [a.amount for a in water] == [D("0.00"), D("10.00"), D("0.00"), D("0.00")]
    [top] = analytics.top_defaulters(backend, ao, None, AS_OF)
    assert (top.account_no, top.overdue_bills, top.overdue_amount, top.oldest_due,
            top.days_overdue) == ("A001", 3, D("284.70"), date(2026, 2, 1), 42)
    assert analytics.top_defaulters(backend, ao, None, date(2026, 2, 1)) == []


def test_tariff_filter_and_dashboard(backend: Backend) -> None:
    world = make_world(backend)
    open_cycle(world, "2026-01")
    add_connections(world, [("DOM", "150", "0"), ("DOM", "50", "0"), ("COM", "300", "5")],
                    "2026-01")
    run_billing(backend, world.officer, "2026-01")
    bills.issue_bills(backend, world.officer, "2026-01", "2026-02-01")
    ao = token_for(backend, Role.ACCOUNTS_OFFICER)
    dom = analytics.consumption_by_tariff(backend, ao, AnalyticsFilter("2026-01", "2026-01",
                                                                       tariff="dom"))
    assert [(r.tariff, r.tariff_name, r.bills, r.total_units, r.billed) for r in dom] == [
        ("DOM", "Domestic", 2, D("200.000"), D("1155.00") + D("330.00"))]
    board = analytics.dashboard(backend, ao, AnalyticsFilter("2026-01", "2026-01"), AS_OF)
    assert board.collection is not None and board.collection[0].bills == 3
    assert board.revenue is not None and len(board.revenue) == 1
    assert {r.tariff for r in board.by_tariff} == {"DOM", "COM"}
    # a billing officer sees consumption, not money
    consumption_only = analytics.dashboard(backend, world.officer,
                                           AnalyticsFilter("2026-01", "2026-01"))
    assert consumption_only.revenue is None and consumption_only.defaulters is None
    assert consumption_only.consumption == board.consumption


def test_filters_and_permissions(backend: Backend) -> None:
    ao = known(backend)
    bo = token_for(backend, Role.BILLING_OFFICER)
    with pytest.raises(ValidationError, match="after"):
        analytics.revenue_by_month(backend, ao, AnalyticsFilter("2026-05", "2026-01"))
    with pytest.raises(ValidationError, match="from_period: '2026-13': the month"):
        analytics.revenue_by_month(backend, ao, AnalyticsFilter("2026-13"))
    with pytest.raises(ValidationError, match="YYYY-MM"):
        analytics.revenue_by_month(backend, ao, AnalyticsFilter(to_period="March"))
    with pytest.raises(NotFound, match="no utility type 'gas'"):
        analytics.revenue_by_month(backend, ao, AnalyticsFilter(utility="gas"))
    with pytest.raises(NotFound, match="no tariff plan 'NONE'"):
        analytics.consumption_over_cycles(backend, bo, AnalyticsFilter(tariff="none"))
    # no period: the twelve months up to this one
    assert len(analytics.revenue_by_month(backend, ao)) == 12
    for fn in (analytics.revenue_by_month, analytics.billed_vs_collected,
               analytics.ageing_of_dues, analytics.top_defaulters):
        with pytest.raises(PermissionDenied):
            fn(backend, bo)
    for role in (Role.SUPERVISOR, Role.FIELD_OFFICER, Role.SUPPORT_AGENT):
        with pytest.raises(PermissionDenied):
            analytics.dashboard(backend, token_for(backend, role))
