"""The tariff file (JSON, docs/design.md section 5) and the `--slab UPTO:RATE` options, read into a
domain Tariff plus the plan's code, name, utility and effective date.

Everything wrong is reported at once, each problem naming its field as the file spells it
(`slabs[1].up_to`, `taxes[0].on`, ...). Numbers are read exactly: JSON floats become
Decimal (never a binary float), strings and integers are taken as written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from opsmanager_desktop.domain.codes import code_problems, plan_code, utility_code
from opsmanager_desktop.domain.errors import FieldProblem, ValidationError
from opsmanager_desktop.domain.money import D
from opsmanager_desktop.domain.tariff import (
    MONEY_ZERO,
    Category,
    Slab,
    SlabMode,
    Tariff,
    Tax,
    TaxBase,
    validate_tariff,
)

NAME_MAX = 120
TAX_NAME_MAX = 80
_TOP_KEYS = ("code", "name", "utility", "effective_from", "mode", "fixed_charge",
             "fixed_charge_per_kw", "minimum_charge", "taxes", "slabs", "categories")
_SLAB_KEYS = ("up_to", "rate")
_CATEGORY_KEYS = ("up_to", "fixed_charge", "slabs")
_TAX_KEYS = ("name", "percent", "on")
_MISSING = object()


@dataclass(frozen=True)
class TariffSpec:
    """A tariff as written in a file: what to store, under which plan, from when."""

    code: str
    name: str
    utility: str
    effective_from: date | None  # None: the service's default
    tariff: Tariff
    uses_categories: bool


class _Reader:
    """Collects problems while reading; every getter returns a usable placeholder on error
    so the rest of the file is still checked."""

    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []
        # lists whose bounds could not be read: their band checks would only add noise
        self.broken_lists: set[str] = set()

    def fail(self, field: str, reason: str) -> None:
        self.problems.append(FieldProblem(field, reason))

    def obj(self, value: object, field: str, keys: Sequence[str]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(field, f"must be an object with {', '.join(keys)}")
            return None
        for key in value:
            if key not in keys:
                where = f"{field}.{key}" if field else str(key)
                self.fail(where, f"unknown field; expected one of {', '.join(keys)}")
        return value

    def number(self, value: object, field: str, *, what: str = "a number") -> Decimal | None:
        if value is _MISSING or value is None:
            self.fail(field, f"is required ({what})")
            return None
        try:
            return D(value)
        except ValueError as exc:
            self.fail(field, str(exc))
            return None

    def optional_number(self, data: dict[str, Any], key: str, field: str) -> Decimal:
        value = data.get(key)
        if value is None:
            return MONEY_ZERO
        return self.number(value, field) or MONEY_ZERO

    def text(self, value: object, field: str, max_len: int) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(field, "is required (text)")
            return ""
        if len(value.strip()) > max_len:
            self.fail(field, f"may have at most {max_len} characters")
        return value.strip()

    def slabs(self, value: object, field: str) -> tuple[Slab, ...]:
        if not isinstance(value, list):
            self.fail(field, "must be a list of {up_to, rate}; the last has up_to null")
            return ()
        slabs = []
        for index, item in enumerate(value):
            where = f"{field}[{index}]"
            data = self.obj(item, where, _SLAB_KEYS)
            if data is None:
                self.broken_lists.add(field)
                slabs.append(Slab(None, MONEY_ZERO))
                continue
            slabs.append(Slab(self.bound(data, where, field), self.number(
                data.get("rate", _MISSING), f"{where}.rate", what="the price per unit")
                or MONEY_ZERO))
        return tuple(slabs)

    def bound(self, data: dict[str, Any], where: str, list_field: str) -> Decimal | None:
        if "up_to" not in data:
            self.fail(f"{where}.up_to", "is required: the band's upper bound in units, or "
                      "null for the open-ended last band")
            self.broken_lists.add(list_field)
            return None
        if data["up_to"] is None:
            return None
        up_to = self.number(data["up_to"], f"{where}.up_to")
        if up_to is None:
            self.broken_lists.add(list_field)
        return up_to

    def categories(self, value: object) -> tuple[Category, ...]:
        if not isinstance(value, list):
            self.fail("categories", "must be a list of {up_to, fixed_charge, slabs}")
            return ()
        categories = []
        for index, item in enumerate(value):
            where = f"categories[{index}]"
            data = self.obj(item, where, _CATEGORY_KEYS)
            if data is None:
                self.broken_lists.add("categories")
                categories.append(Category(None, MONEY_ZERO, ()))
                continue
            up_to = self.bound(data, where, "categories")
            fixed = self.number(data.get("fixed_charge", _MISSING), f"{where}.fixed_charge",
                                what="an amount per cycle, 0 if none")
            categories.append(Category(up_to, fixed or MONEY_ZERO,
                                       self.slabs(data.get("slabs"), f"{where}.slabs")))
        return tuple(categories)

    def taxes(self, value: object) -> tuple[Tax, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail("taxes", "must be a list of {name, percent, on}")
            return ()
        taxes = []
        for index, item in enumerate(value):
            where = f"taxes[{index}]"
            data = self.obj(item, where, _TAX_KEYS)
            if data is None:
                continue
            name = self.text(data.get("name"), f"{where}.name", TAX_NAME_MAX)
            percent = self.number(data.get("percent", _MISSING), f"{where}.percent",
                                  what="a percentage such as 7.5")
            on = parse_tax_base(data.get("on"), f"{where}.on", self.problems)
            taxes.append(Tax(name or "?", percent or MONEY_ZERO, on))
        return tuple(taxes)


def parse_mode(value: object, field: str = "mode") -> SlabMode:
    if value is None:
        return SlabMode.TELESCOPIC
    if isinstance(value, str):
        try:
            return SlabMode(value.strip().lower())
        except ValueError:
            pass
    raise ValidationError([_mode_problem(value, field)])


def _mode_problem(value: object, field: str) -> FieldProblem:
    return FieldProblem(field, f"{value!r} is not a slab mode; use "
                        + " or ".join(m.value for m in SlabMode))


def parse_tax_base(value: object, field: str, problems: list[FieldProblem]) -> TaxBase:
    choices = " or ".join(f'"{b.value}"' for b in TaxBase)
    if value is None:
        problems.append(FieldProblem(field, f"is required: what the tax is a percent of, "
                                     f"{choices}"))
        return TaxBase.ENERGY_AND_FIXED
    if isinstance(value, str):
        try:
            return TaxBase(value.replace(" ", "").lower())
        except ValueError:
            pass
    problems.append(FieldProblem(field, f"{value!r} is not a tax base; use {choices}"))
    return TaxBase.ENERGY_AND_FIXED


def _reject_constant(name: str) -> str:
    # NaN/Infinity are not JSON numbers; pass them on as text so D() refuses them by name
    return name


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} appears twice in one object")
        result[key] = value
    return result


def parse_tariff_json(text: str) -> TariffSpec:
    """Read a tariff file's text; raises ValidationError naming every problem."""
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant,
                          object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise ValidationError([FieldProblem(
            "file", f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})")]
        ) from None
    except ValueError as exc:
        raise ValidationError([FieldProblem("file", f"is not a usable tariff file: {exc}")]) \
            from None
    return parse_tariff_data(data)


def parse_tariff_data(data: object) -> TariffSpec:
    """Read an already-decoded tariff file (a dict); raises ValidationError."""
    if not isinstance(data, dict):
        raise ValidationError([FieldProblem(
            "file", "must hold one JSON object {code, name, utility, slabs or categories, ...}")])
    reader = _Reader()
    reader.obj(data, "", _TOP_KEYS)
    reader.problems += code_problems("code", data.get("code"))
    code = plan_code(data["code"]) if isinstance(data.get("code"), str) else ""
    name = reader.text(data.get("name"), "name", NAME_MAX)
    reader.problems += code_problems("utility", data.get("utility"))
    utility = utility_code(data["utility"]) if isinstance(data.get("utility"), str) else ""
    effective_from = _date(data.get("effective_from"), "effective_from", reader)
    mode = SlabMode.TELESCOPIC
    try:
        mode = parse_mode(data.get("mode"))
    except ValidationError as exc:
        reader.problems += exc.problems
    has_slabs, has_categories = data.get("slabs") is not None, \
        data.get("categories") is not None
    uses_categories = has_categories and not has_slabs
    per_kw = reader.optional_number(data, "fixed_charge_per_kw", "fixed_charge_per_kw")
    minimum = reader.optional_number(data, "minimum_charge", "minimum_charge")
    taxes = reader.taxes(data.get("taxes"))
    categories: tuple[Category, ...] = ()
    if has_slabs and has_categories:
        reader.fail("categories", "give either slabs or categories, not both")
    elif not has_slabs and not has_categories:
        reader.fail("slabs", "either slabs (one slab table) or categories is required")
    elif uses_categories:
        if reader.optional_number(data, "fixed_charge", "fixed_charge") != 0:
            reader.fail("fixed_charge", "with categories each category has its own "
                        "fixed_charge; leave this one out")
        categories = reader.categories(data["categories"])
    else:
        fixed = reader.number(data.get("fixed_charge", _MISSING), "fixed_charge",
                              what="the fixed charge per cycle, 0 if none")
        categories = (Category(None, fixed or MONEY_ZERO,
                               reader.slabs(data["slabs"], "slabs")),)
    tariff = Tariff(mode, categories, per_kw, minimum, taxes)
    problems = reader.problems + _rule_problems(tariff, uses_categories, reader)
    if problems:
        raise ValidationError(problems)
    return TariffSpec(code, name, utility, effective_from, tariff, uses_categories)


def _rule_problems(tariff: Tariff, uses_categories: bool,
                   reader: _Reader) -> list[FieldProblem]:
    """The tariff rules, minus what reading already reported (no echo of the same field)."""
    if not tariff.categories:
        return []
    seen = {p.field for p in reader.problems}
    broken = [re.compile(re.escape(name) + r"(\[\d+\]\.up_to)?") for name in reader.broken_lists]
    return [p for p in validate_tariff(tariff, categories=uses_categories)
            if p.field not in seen and not any(b.fullmatch(p.field) for b in broken)]


def _date(value: object, field: str, reader: _Reader) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    reader.fail(field, f"{value!r} is not a date; write it as YYYY-MM-DD")
    return None


def parse_slab_option(text: str) -> Slab:
    """`100:5` is up to 100 units at 5; `:10` is the open-ended last band at 10."""
    bound, colon, rate = text.partition(":")
    if not colon:
        raise ValidationError([FieldProblem(
            f"--slab {text}", "write UPTO:RATE (e.g. 100:5.00), or :RATE for the open-ended "
            "last band")])
    problems = []
    up_to = None
    if bound.strip():
        try:
            up_to = D(bound)
        except ValueError as exc:
            problems.append(FieldProblem(f"--slab {text}", f"upper bound: {exc}"))
    try:
        price = D(rate)
    except ValueError as exc:
        problems.append(FieldProblem(f"--slab {text}", f"rate: {exc}"))
        price = MONEY_ZERO
    if problems:
        raise ValidationError(problems)
    return Slab(up_to, price)


_OPTION_NAMES = {"fixed_charge": "--fixed", "taxes[0].percent": "--tax", "slabs": "--slab"}


def tariff_from_options(*, fixed: str, tax: str | None, mode: str | None,
                        slabs: Sequence[str]) -> Tariff:
    """The `tariffs add` form: one slab table, one fixed charge, at most one tax (on energy +
    fixed, as docs/design.md section 3 says). Problems name the option that was wrong."""
    problems: list[FieldProblem] = []
    parsed: list[Slab] = []
    unreadable: set[int] = set()
    for index, text in enumerate(slabs):
        try:
            parsed.append(parse_slab_option(text))
        except ValidationError as exc:
            problems += exc.problems
            unreadable.add(index)
            parsed.append(Slab(None, MONEY_ZERO))  # keeps the other slabs' positions
    values: dict[str, Decimal] = {}
    for option, value in (("--fixed", fixed), ("--tax", tax or "0")):
        try:
            values[option] = D(value)
        except ValueError as exc:
            problems.append(FieldProblem(option, str(exc)))
    try:
        slab_mode = parse_mode(mode, "--mode")
    except ValidationError as exc:
        problems += exc.problems
        slab_mode = SlabMode.TELESCOPIC
    tax_percent = values.get("--tax", MONEY_ZERO)
    taxes = (Tax("Tax", tax_percent, TaxBase.ENERGY_AND_FIXED),) if tax_percent else ()
    tariff = Tariff.simple(tuple(parsed), values.get("--fixed", MONEY_ZERO), slab_mode, taxes)
    seen = {p.field for p in problems}
    for problem in validate_tariff(tariff, categories=False):
        renamed = _option_problem(problem, slabs)
        band = re.fullmatch(r"slabs\[(\d+)\]\.(up_to|rate)", problem.field)
        # an unreadable slab stands in as a placeholder: say nothing more about it, nor
        # about the band order it took part in
        noise = band is not None and (int(band.group(1)) in unreadable or (
            bool(unreadable) and band.group(2) == "up_to"))
        if renamed.field not in seen and not noise and not (problem.field == "slabs" and slabs):
            problems.append(renamed)
    if problems:
        raise ValidationError(problems)
    return tariff


def _option_problem(problem: FieldProblem, slabs: Sequence[str]) -> FieldProblem:
    match = re.fullmatch(r"slabs\[(\d+)\]\.(up_to|rate)", problem.field)
    if match:
        text = slabs[int(match.group(1))]
        reason = problem.reason.replace("open-ended (null)", "open-ended (:RATE)")
        return FieldProblem(f"--slab {text}", f"{match.group(2).replace('_', ' ')}: {reason}")
    return FieldProblem(_OPTION_NAMES.get(problem.field, problem.field), problem.reason)
