"""The tariff calculator (domain/tariff.py) against docs/design.md section 3, by example and by
property."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsmanager_desktop.domain.errors import ValidationError
from opsmanager_desktop.domain.tariff import (
    Category,
    LineKind,
    Slab,
    SlabMode,
    Tariff,
    Tax,
    TaxBase,
    compute_charges,
    validate_tariff,
)

D = Decimal
TWO_BANDS = (Slab(D(100), D("5.00")), Slab(None, D("10.00")))


def test_design_example_telescopic_150_units() -> None:
    charges = compute_charges(Tariff.simple(TWO_BANDS), D(150))
    assert [(ln.quantity, ln.rate, ln.amount) for ln in charges.lines] == [
        (D(100), D(5), D("500.00")), (D(50), D(10), D("500.00"))]
    assert charges.energy == D("1000.00")
    assert str(charges.total) == "1000.00"


def test_design_example_flat_150_units() -> None:
    charges = compute_charges(Tariff.simple(TWO_BANDS, mode=SlabMode.FLAT), D(150))
    assert len(charges.lines) == 1
    assert charges.lines[0].quantity == D(150) and charges.lines[0].rate == D(10)
    assert str(charges.total) == "1500.00"


@pytest.mark.parametrize("mode", list(SlabMode))
def test_units_on_a_bound_are_all_in_the_lower_band(mode: SlabMode) -> None:
    charges = compute_charges(Tariff.simple(TWO_BANDS, mode=mode), D(100))
    assert [ln.rate for ln in charges.lines] == [D(5)]
    assert charges.total == D("500.00")


def test_just_over_a_bound_reaches_the_next_band() -> None:
    tele = compute_charges(Tariff.simple(TWO_BANDS), D("100.001"))
    assert tele.energy == D("500.01")  # 100 x 5 + 0.001 x 10 = 500.01
    flat = compute_charges(Tariff.simple(TWO_BANDS, mode=SlabMode.FLAT), D("100.001"))
    assert flat.energy == D("1000.01")


def test_zero_units_and_empty_sums_print_two_decimals() -> None:
    charges = compute_charges(Tariff.simple(TWO_BANDS), D(0))
    assert charges.lines == ()
    assert [str(charges.energy), str(charges.fixed), str(charges.tax),
            str(charges.total)] == ["0.00"] * 4


def test_band_labels_read_like_a_bill() -> None:
    three = (Slab(D(100), D(1)), Slab(D(200), D(2)), Slab(None, D(3)))
    labels = [ln.description for ln in compute_charges(Tariff.simple(three), D(250)).lines]
    assert labels == ["Energy 0-100", "Energy 101-200", "Energy 201+"]
    one = compute_charges(Tariff.simple((Slab(None, D(2)),)), D(7))
    assert one.lines[0].description == "Energy"


# Telangana-style domestic: the month's total picks the category and its own table
CATEGORIES = Tariff(SlabMode.TELESCOPIC, (
    Category(D(100), D(20), (Slab(D(50), D("1.95")), Slab(None, D("3.10")))),
    Category(D(200), D(30), (Slab(D(100), D("3.40")), Slab(None, D("4.80")))),
    Category(None, D(50), (Slab(D(200), D("5.10")), Slab(None, D("7.70")))),
))


@pytest.mark.parametrize("units,energy,fixed", [
    (D(80), D("97.50") + D("93.00"), D("20.00")),      # 50x1.95 + 30x3.10
    (D(100), D("97.50") + D("155.00"), D("20.00")),    # on the bound: first category
    (D(150), D("340.00") + D("240.00"), D("30.00")),   # 100x3.40 + 50x4.80
    (D(250), D("1020.00") + D("385.00"), D("50.00")),  # 200x5.10 + 50x7.70
])
def test_categories_pick_table_and_fixed_charge(units: Decimal, energy: Decimal,
                                                fixed: Decimal) -> None:
    charges = compute_charges(CATEGORIES, units)
    assert (charges.energy, charges.fixed) == (energy, fixed)


def test_fixed_per_kw_beside_the_flat_fixed_charge() -> None:
    tariff = Tariff.simple(TWO_BANDS, fixed_charge=D(50), fixed_charge_per_kw=D("12.50"))
    charges = compute_charges(tariff, D(10), sanctioned_load_kw=D("3.5"))
    fixed = [ln for ln in charges.lines if ln.kind is LineKind.FIXED]
    assert [ln.amount for ln in fixed] == [D("50.00"), D("43.75")]
    assert charges.fixed == D("93.75")
    assert compute_charges(tariff, D(10)).fixed == D("50.00")  # no load: no per-kW line


def test_minimum_charge_raises_energy() -> None:
    tariff = Tariff.simple(TWO_BANDS, fixed_charge=D(10), minimum_charge=D(100))
    low = compute_charges(tariff, D(4))  # 20.00 of energy, raised by 80.00
    assert [(ln.kind, ln.amount) for ln in low.lines[:2]] == [
        (LineKind.ENERGY, D("20.00")), (LineKind.MINIMUM, D("80.00"))]
    assert low.energy == D("100.00") and low.total == D("110.00")
    high = compute_charges(tariff, D(30))
    assert high.energy == D("150.00")
    assert all(ln.kind is not LineKind.MINIMUM for ln in high.lines)


def test_several_taxes_on_both_bases() -> None:
    tariff = Tariff.simple(TWO_BANDS, fixed_charge=D(50), taxes=(
        Tax("Electricity duty", D(5), TaxBase.ENERGY),
        Tax("VAT", D("7.5"), TaxBase.ENERGY_AND_FIXED)))
    charges = compute_charges(tariff, D(150))
    taxes = [(ln.description, ln.quantity, ln.amount) for ln in charges.lines
             if ln.kind is LineKind.TAX]
    assert taxes == [("Electricity duty 5%", D("1000.00"), D("50.00")),
                     ("VAT 7.5%", D("1050.00"), D("78.75"))]
    assert charges.total == D("1000.00") + D("50.00") + D("128.75")


def test_each_line_rounded_half_up_and_totals_are_sums_of_lines() -> None:
    # 0.5 x 0.0125 = 0.00625 -> 0.01 (half-up); 1 x 0.0250 = 0.025 -> 0.03 (half-up)
    tariff = Tariff.simple((Slab(D("0.5"), D("0.0125")), Slab(None, D("0.0250"))),
                           taxes=(Tax("T", D("10"), TaxBase.ENERGY),))
    charges = compute_charges(tariff, D("1.5"))
    assert [ln.amount for ln in charges.lines] == [D("0.01"), D("0.03"), D("0.00")]
    assert charges.energy == D("0.04")  # not round(0.03125) = 0.03
    half = compute_charges(Tariff.simple((Slab(None, D("0.0010")),)), D(5))
    assert half.energy == D("0.01")  # 0.005 rounds up, never to even


def test_negative_units_or_load_refused() -> None:
    with pytest.raises(ValidationError, match="units: must not be negative"):
        compute_charges(Tariff.simple(TWO_BANDS), D(-1))
    with pytest.raises(ValidationError, match="load"):
        compute_charges(Tariff.simple(TWO_BANDS), D(1), D(-1))


def test_validate_names_each_problem() -> None:
    bad = Tariff.simple((Slab(D(100), D(-1)), Slab(D(50), D("1.00001")), Slab(D(300), D(1))),
                        fixed_charge=D("1.001"), taxes=(Tax(" ", D(101)),))
    fields = {p.field for p in validate_tariff(bad)}
    assert fields == {"slabs[0].rate", "slabs[1].up_to", "slabs[1].rate", "slabs[2].up_to",
                      "fixed_charge", "taxes[0].percent", "taxes[0].name"}
    assert validate_tariff(CATEGORIES) == []
    assert [p.field for p in validate_tariff(Tariff(SlabMode.FLAT, ()))] == ["slabs"]
    bounded_single = Tariff(SlabMode.FLAT, (Category(D(5), D(0), (Slab(None, D(1)),)),))
    assert [p.field for p in validate_tariff(bounded_single)] == ["slabs"]
    assert [p.field for p in validate_tariff(bounded_single, categories=True)] == [
        "categories[0].up_to"]


# --- properties ---------------------------------------------------------------------------

rates = st.decimals(min_value=0, max_value=500, places=4)
units_st = st.decimals(min_value=0, max_value=100_000, places=3)
money = st.decimals(min_value=0, max_value=10_000, places=2)
percents = st.decimals(min_value=0, max_value=100, places=4)


@st.composite
def slab_tables(draw: st.DrawFn, rate: st.SearchStrategy[Decimal] = rates,
                bound: st.SearchStrategy[Decimal] | None = None) -> tuple[Slab, ...]:
    if bound is None:
        bound = st.decimals(min_value="0.001", max_value=50_000, places=3)
    bounds = sorted(set(draw(st.lists(bound, max_size=5))))
    return tuple(Slab(b, draw(rate)) for b in [*bounds, None])


@st.composite
def tariffs(draw: st.DrawFn, mode: SlabMode | None = None) -> Tariff:
    taxes = tuple(Tax(f"T{i}", draw(percents), draw(st.sampled_from(list(TaxBase))))
                  for i in range(draw(st.integers(0, 3))))
    return Tariff.simple(draw(slab_tables()), draw(money),
                         mode or draw(st.sampled_from(list(SlabMode))), taxes,
                         draw(money), draw(st.one_of(st.just(Decimal(0)), money)))


@settings(max_examples=300)
@given(tariffs(SlabMode.TELESCOPIC), units_st, units_st,
       st.decimals(min_value=0, max_value=100, places=3))
def test_telescopic_total_never_falls_as_units_rise(tariff: Tariff, a: Decimal, b: Decimal,
                                                    kw: Decimal) -> None:
    low, high = sorted((a, b))
    assert compute_charges(tariff, low, kw).total <= compute_charges(tariff, high, kw).total


@settings(max_examples=300)
@given(tariffs(), units_st, st.decimals(min_value=0, max_value=100, places=3))
def test_lines_add_up_and_every_amount_has_two_decimals(tariff: Tariff, units: Decimal,
                                                        kw: Decimal) -> None:
    charges = compute_charges(tariff, units, kw)

    def total(*kinds: LineKind) -> Decimal:
        return sum((ln.amount for ln in charges.lines if ln.kind in kinds), Decimal("0.00"))

    assert total(LineKind.ENERGY, LineKind.MINIMUM) == charges.energy
    assert total(LineKind.FIXED) == charges.fixed
    assert total(LineKind.TAX) == charges.tax
    assert sum((ln.amount for ln in charges.lines), Decimal("0.00")) == charges.total
    for amount in [*(ln.amount for ln in charges.lines), charges.energy, charges.fixed,
                   charges.tax, charges.total]:
        assert amount.as_tuple().exponent == -2, amount
    assert compute_charges(tariff, units, kw) == charges  # the same input, the same bill


@st.composite
def rising_rates(draw: st.DrawFn, rate: st.SearchStrategy[Decimal],
                 bound: st.SearchStrategy[Decimal]) -> tuple[Slab, ...]:
    table = draw(slab_tables(rate, bound))
    ordered = sorted(s.rate for s in table)
    return tuple(Slab(s.up_to, r) for s, r in zip(table, ordered, strict=True))


@settings(max_examples=300)
@given(rising_rates(st.decimals(min_value=0, max_value=50, places=2),
                    st.integers(1, 5000).map(Decimal)), st.integers(0, 20_000).map(Decimal))
def test_flat_costs_at_least_telescopic_when_rates_rise(table: tuple[Slab, ...],
                                                        units: Decimal) -> None:
    # whole units and cent rates: no line needs rounding, so the rule holds exactly
    flat = compute_charges(Tariff.simple(table, mode=SlabMode.FLAT), units)
    tele = compute_charges(Tariff.simple(table), units)
    assert flat.energy >= tele.energy


@settings(max_examples=300)
@given(rising_rates(rates, st.decimals(min_value="0.001", max_value=5000, places=3)),
       units_st)
def test_flat_vs_telescopic_with_rounding(table: tuple[Slab, ...], units: Decimal) -> None:
    # with sub-cent amounts each telescopic line may round up by half a cent, so flat can
    # fall below telescopic, but never by more than that rounding
    flat = compute_charges(Tariff.simple(table, mode=SlabMode.FLAT), units)
    tele = compute_charges(Tariff.simple(table), units)
    lines = len(tele.lines)
    assert flat.energy >= tele.energy - Decimal("0.005") * (lines + 1)
