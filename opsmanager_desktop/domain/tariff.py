"""The tariff calculator: units (and sanctioned load) in, bill lines out.

Every line is rounded half-up to cents; totals are sums of rounded lines (docs/design.md 3).
A plain slab tariff is one open-ended category whose fixed charge is the tariff's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from opsmanager_desktop.domain.errors import FieldProblem, ValidationError
from opsmanager_desktop.domain.money import (
    ZERO,
    format_money,
    has_at_most_places,
    round_money,
)

MONEY_ZERO = Decimal("0.00")


class SlabMode(StrEnum):
    TELESCOPIC = "telescopic"
    FLAT = "flat"


class TaxBase(StrEnum):
    ENERGY = "energy"
    ENERGY_AND_FIXED = "energy+fixed"


class LineKind(StrEnum):
    ENERGY = "ENERGY"
    MINIMUM = "MINIMUM"
    FIXED = "FIXED"
    TAX = "TAX"


@dataclass(frozen=True)
class Slab:
    up_to: Decimal | None  # None: open-ended (the last band)
    rate: Decimal


@dataclass(frozen=True)
class Category:
    up_to: Decimal | None
    fixed_charge: Decimal
    slabs: tuple[Slab, ...]


@dataclass(frozen=True)
class Tax:
    name: str
    percent: Decimal
    on: TaxBase = TaxBase.ENERGY_AND_FIXED


@dataclass(frozen=True)
class Tariff:
    mode: SlabMode
    categories: tuple[Category, ...]
    fixed_charge_per_kw: Decimal = ZERO
    minimum_charge: Decimal = ZERO
    taxes: tuple[Tax, ...] = ()

    @classmethod
    def simple(cls, slabs: tuple[Slab, ...], fixed_charge: Decimal = ZERO,
               mode: SlabMode = SlabMode.TELESCOPIC, taxes: tuple[Tax, ...] = (),
               fixed_charge_per_kw: Decimal = ZERO, minimum_charge: Decimal = ZERO) -> Tariff:
        return cls(mode, (Category(None, fixed_charge, slabs),), fixed_charge_per_kw,
                   minimum_charge, taxes)


@dataclass(frozen=True)
class Line:
    kind: LineKind
    description: str
    amount: Decimal
    quantity: Decimal | None = None
    rate: Decimal | None = None


@dataclass(frozen=True)
class Charges:
    units: Decimal
    lines: tuple[Line, ...]
    energy: Decimal
    fixed: Decimal
    tax: Decimal

    @property
    def total(self) -> Decimal:
        return self.energy + self.fixed + self.tax


def pick_band(bounds: list[Decimal | None], units: Decimal) -> int:
    """Index of the band `units` falls in; a count exactly on a bound is in the lower band."""
    for index, up_to in enumerate(bounds):
        if up_to is None or units <= up_to:
            return index
    return len(bounds) - 1


def _band_label(lower: Decimal, up_to: Decimal | None) -> str:
    """Bills print whole-unit bands the usual way: 0-100, 101-200, 201+."""
    start = lower + 1 if lower and lower == lower.to_integral_value() else lower
    if up_to is None:
        return f"{_fmt_units(start)}+" if lower else "all units"
    return f"{_fmt_units(start)}-{_fmt_units(up_to)}"


def _fmt_units(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _energy_lines(mode: SlabMode, slabs: tuple[Slab, ...], units: Decimal) -> list[Line]:
    if mode is SlabMode.FLAT:
        index = pick_band([s.up_to for s in slabs], units)
        slab = slabs[index]
        lower = (slabs[index - 1].up_to or ZERO) if index else ZERO
        band = _band_label(lower, slab.up_to)
        label = "Energy, all units" if band == "all units" else f"Energy, all units at {band}"
        return [Line(LineKind.ENERGY, label, round_money(units * slab.rate), units, slab.rate)]
    lines = []
    lower = ZERO
    for slab in slabs:
        top = units if slab.up_to is None else min(units, slab.up_to)
        quantity = top - lower
        if quantity > 0:
            band = _band_label(lower, slab.up_to)
            lines.append(Line(LineKind.ENERGY, "Energy" if band == "all units" else
                              f"Energy {band}", round_money(quantity * slab.rate), quantity,
                              slab.rate))
        if slab.up_to is None or units <= slab.up_to:
            break
        lower = slab.up_to
    return lines


def _total(lines: list[Line]) -> Decimal:
    # start from 0.00 so an empty sum still prints with two decimals
    return sum((line.amount for line in lines), MONEY_ZERO)


def compute_charges(tariff: Tariff, units: Decimal,
                    sanctioned_load_kw: Decimal = ZERO) -> Charges:
    if units < 0:
        raise ValidationError([FieldProblem("units", "must not be negative")])
    if sanctioned_load_kw < 0:
        raise ValidationError([FieldProblem("sanctioned load", "must not be negative")])
    if not tariff.categories or not all(c.slabs for c in tariff.categories):
        raise ValidationError([FieldProblem("tariff", "has no slab table to price units")])
    category = tariff.categories[pick_band([c.up_to for c in tariff.categories], units)]
    lines = _energy_lines(tariff.mode, category.slabs, units)
    energy = _total(lines)
    minimum = round_money(tariff.minimum_charge)
    if energy < minimum:
        lines.append(Line(LineKind.MINIMUM,
                          f"Raised to the minimum charge of {format_money(minimum)}",
                          minimum - energy))
        energy = minimum
    fixed_lines = []
    if category.fixed_charge:
        fixed_lines.append(Line(LineKind.FIXED, "Fixed charge", round_money(category.fixed_charge)))
    if tariff.fixed_charge_per_kw and sanctioned_load_kw:
        fixed_lines.append(Line(
            LineKind.FIXED, f"Fixed charge per kW ({_fmt_units(sanctioned_load_kw)} kW)",
            round_money(sanctioned_load_kw * tariff.fixed_charge_per_kw), sanctioned_load_kw,
            tariff.fixed_charge_per_kw))
    fixed = _total(fixed_lines)
    tax_lines = []
    for tax in tariff.taxes:
        base = energy if tax.on is TaxBase.ENERGY else energy + fixed
        tax_lines.append(Line(LineKind.TAX, f"{tax.name} {_fmt_units(tax.percent)}%",
                              round_money(base * tax.percent / 100), base, tax.percent))
    return Charges(units, (*lines, *fixed_lines, *tax_lines), energy, fixed, _total(tax_lines))


# What the database can hold (DECIMAL(14,2) money, (12,4) rates, (14,3) units, (7,4) percent):
# checked here so a bad tariff is refused with a message, not by a database error.
MONEY_PLACES, RATE_PLACES, UNIT_PLACES, PERCENT_PLACES = 2, 4, 3, 4
MAX_MONEY = Decimal("999999999999.99")
MAX_RATE = Decimal("99999999.9999")
MAX_UNITS = Decimal("99999999999.999")


def _number_problems(field: str, value: Decimal, places: int, maximum: Decimal,
                     what: str) -> list[FieldProblem]:
    if value < 0:
        return [FieldProblem(field, "must not be negative")]
    if value > maximum:
        return [FieldProblem(field, f"{_fmt_units(value)} is too large (at most "
                             f"{_fmt_units(maximum)})")]
    if not has_at_most_places(value, places):
        return [FieldProblem(field, f"{what} may have at most {places} decimal places, "
                             f"not {_fmt_units(value)}")]
    return []


def _check_bands(bounds: list[Decimal | None], field: str, what: str) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if not bounds:
        return [FieldProblem(field, f"at least one {what} is required")]
    previous = ZERO
    for index, up_to in enumerate(bounds):
        last = index == len(bounds) - 1
        where = f"{field}[{index}].up_to"
        if up_to is None and not last:
            problems.append(FieldProblem(where, f"only the last {what} may be open-ended "
                                         "(null); give this one an upper bound"))
        elif up_to is not None and last:
            problems.append(FieldProblem(where, f"the last {what} must be open-ended (null) so "
                                         "every unit count has a band"))
        if up_to is not None:
            if up_to <= previous:
                problems.append(FieldProblem(
                    where, f"{_fmt_units(up_to)} must be above the previous bound "
                    f"{_fmt_units(previous)} (bands must not overlap or go backwards)"))
            else:
                problems += _number_problems(where, up_to, UNIT_PLACES, MAX_UNITS, "a bound")
                previous = up_to
    return problems


def validate_tariff(tariff: Tariff, *, categories: bool | None = None) -> list[FieldProblem]:
    """Every rule a tariff must keep, each problem naming its field as the tariff file does.

    `categories` says whether the tariff was written with categories (field names
    `categories[i].slabs[j]...`) or as plain slabs (`slabs[j]...`); by default a tariff with
    more than one category is taken as written with categories.
    """
    problems: list[FieldProblem] = []
    many = len(tariff.categories) > 1 if categories is None else categories
    if many:
        problems += _check_bands([c.up_to for c in tariff.categories], "categories", "category")
    elif not tariff.categories:
        problems.append(FieldProblem("slabs", "at least one slab is required"))
    elif len(tariff.categories) > 1 or tariff.categories[0].up_to is not None:
        problems.append(FieldProblem("slabs", "a plain slab tariff has exactly one open-ended "
                                     "slab table; use categories for more"))
    for ci, category in enumerate(tariff.categories):
        prefix = f"categories[{ci}].slabs" if many else "slabs"
        problems += _check_bands([s.up_to for s in category.slabs], prefix, "slab")
        for si, slab in enumerate(category.slabs):
            problems += _number_problems(f"{prefix}[{si}].rate", slab.rate, RATE_PLACES,
                                         MAX_RATE, "a rate")
        field = f"categories[{ci}].fixed_charge" if many else "fixed_charge"
        problems += _number_problems(field, category.fixed_charge, MONEY_PLACES, MAX_MONEY,
                                     "money")
    problems += _number_problems("fixed_charge_per_kw", tariff.fixed_charge_per_kw,
                                 MONEY_PLACES, MAX_MONEY, "money")
    problems += _number_problems("minimum_charge", tariff.minimum_charge, MONEY_PLACES,
                                 MAX_MONEY, "money")
    for ti, tax in enumerate(tariff.taxes):
        if tax.percent < 0 or tax.percent > 100:
            problems.append(FieldProblem(f"taxes[{ti}].percent", "must be between 0 and 100"))
        elif not has_at_most_places(tax.percent, PERCENT_PLACES):
            problems.append(FieldProblem(f"taxes[{ti}].percent", "may have at most "
                                         f"{PERCENT_PLACES} decimal places"))
        if not tax.name.strip():
            problems.append(FieldProblem(f"taxes[{ti}].name", "is required"))
    return problems
