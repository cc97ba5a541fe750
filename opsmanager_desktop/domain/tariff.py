"""The tariff calculator: units (and sanctioned load) in, bill lines out.

Every line is rounded half-up to cents; totals are sums of rounded lines (DESIGN.md 3).
A plain slab tariff is one open-ended category whose fixed charge is the tariff's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from opsmanager_desktop.domain.errors import FieldProblem, ValidationError
from opsmanager_desktop.domain.money import ZERO, format_money, round_money


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
    start = lower + 1 if lower == lower.to_integral_value() else lower
    if up_to is None:
        return f"{_fmt_units(start)}+"
    return f"{_fmt_units(start if lower else ZERO)}-{_fmt_units(up_to)}"


def _fmt_units(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _energy_lines(mode: SlabMode, slabs: tuple[Slab, ...], units: Decimal) -> list[Line]:
    if mode is SlabMode.FLAT:
        index = pick_band([s.up_to for s in slabs], units)
        slab = slabs[index]
        lower = slabs[index - 1].up_to or ZERO if index else ZERO
        label = f"Energy, all units at band {_band_label(lower, slab.up_to)}"
        return [Line(LineKind.ENERGY, label, round_money(units * slab.rate), units, slab.rate)]
    lines = []
    lower = ZERO
    for slab in slabs:
        top = units if slab.up_to is None else min(units, slab.up_to)
        quantity = top - lower
        if quantity > 0:
            lines.append(Line(LineKind.ENERGY, f"Energy {_band_label(lower, slab.up_to)}",
                              round_money(quantity * slab.rate), quantity, slab.rate))
        if slab.up_to is None or units <= slab.up_to:
            break
        lower = slab.up_to
    return lines


def compute_charges(tariff: Tariff, units: Decimal,
                    sanctioned_load_kw: Decimal = ZERO) -> Charges:
    if units < 0:
        raise ValidationError([FieldProblem("units", "must not be negative")])
    if sanctioned_load_kw < 0:
        raise ValidationError([FieldProblem("sanctioned load", "must not be negative")])
    category = tariff.categories[pick_band([c.up_to for c in tariff.categories], units)]
    lines = _energy_lines(tariff.mode, category.slabs, units)
    energy = sum((line.amount for line in lines), ZERO)
    if energy < tariff.minimum_charge:
        lines.append(Line(LineKind.MINIMUM,
                          f"Raised to the minimum charge of {format_money(tariff.minimum_charge)}",
                          tariff.minimum_charge - energy))
        energy = tariff.minimum_charge
    fixed_lines = []
    if category.fixed_charge:
        fixed_lines.append(Line(LineKind.FIXED, "Fixed charge", round_money(category.fixed_charge)))
    if tariff.fixed_charge_per_kw and sanctioned_load_kw:
        fixed_lines.append(Line(
            LineKind.FIXED, f"Fixed charge per kW ({_fmt_units(sanctioned_load_kw)} kW)",
            round_money(sanctioned_load_kw * tariff.fixed_charge_per_kw), sanctioned_load_kw,
            tariff.fixed_charge_per_kw))
    fixed = sum((line.amount for line in fixed_lines), ZERO)
    tax_lines = []
    for tax in tariff.taxes:
        base = energy if tax.on is TaxBase.ENERGY else energy + fixed
        tax_lines.append(Line(LineKind.TAX, f"{tax.name} {_fmt_units(tax.percent)}%",
                              round_money(base * tax.percent / 100), base, tax.percent))
    tax_total = sum((line.amount for line in tax_lines), ZERO)
    return Charges(units, (*lines, *fixed_lines, *tax_lines), energy, fixed, tax_total)


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
                previous = up_to
    return problems


def validate_tariff(tariff: Tariff) -> list[FieldProblem]:
    """Every rule a tariff must keep, each problem naming its field."""
    problems: list[FieldProblem] = []
    many = len(tariff.categories) > 1
    problems += _check_bands([c.up_to for c in tariff.categories], "categories", "category") \
        if many else []
    for ci, category in enumerate(tariff.categories):
        prefix = f"categories[{ci}].slabs" if many else "slabs"
        problems += _check_bands([s.up_to for s in category.slabs], prefix, "slab")
        for si, slab in enumerate(category.slabs):
            if slab.rate < 0:
                problems.append(FieldProblem(f"{prefix}[{si}].rate", "must not be negative"))
        if category.fixed_charge < 0:
            field = f"categories[{ci}].fixed_charge" if many else "fixed_charge"
            problems.append(FieldProblem(field, "must not be negative"))
    if tariff.fixed_charge_per_kw < 0:
        problems.append(FieldProblem("fixed_charge_per_kw", "must not be negative"))
    if tariff.minimum_charge < 0:
        problems.append(FieldProblem("minimum_charge", "must not be negative"))
    for ti, tax in enumerate(tariff.taxes):
        if tax.percent < 0 or tax.percent > 100:
            problems.append(FieldProblem(f"taxes[{ti}].percent", "must be between 0 and 100"))
        if not tax.name.strip():
            problems.append(FieldProblem(f"taxes[{ti}].name", "is required"))
    return problems
