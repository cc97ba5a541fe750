"""Tariff plans and their versions: admins add them (from options or a tariff file), officers
list, inspect and preview them. The billing run uses the helpers re-exported below."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from opsmanager_desktop.db.models import Bill, BillingCycle, TariffPlan, TariffVersion, UtilityType
from opsmanager_desktop.domain.codes import code_problems, plan_code
from opsmanager_desktop.domain.errors import (
    Conflict,
    FieldProblem,
    NotFound,
    ValidationError,
    invalid,
)
from opsmanager_desktop.domain.money import D
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.domain.tariff import (
    Category,
    Charges,
    SlabMode,
    Tariff,
    Tax,
    compute_charges,
    validate_tariff,
)
from opsmanager_desktop.domain.tariff_file import NAME_MAX, TariffSpec, parse_tariff_json
from opsmanager_desktop.services.audit import snapshot
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.listing import ListQuery, Page, like_pattern, run_page
from opsmanager_desktop.services.tariff_store import load_tariffs, store_version
from opsmanager_desktop.services.tariff_store import plan_by_code as plan_by_code
from opsmanager_desktop.services.tariff_store import tariff_for_version as tariff_for_version
from opsmanager_desktop.services.tariff_store import tariffs_in_force as tariffs_in_force
from opsmanager_desktop.services.tariff_store import version_in_force as version_in_force
from opsmanager_desktop.services.utilities import utility_by_code

# A plan's first version, given no date, applies to every cycle, however old: setting up the
# system and billing last month must not fail for want of a tariff "in force".
FIRST_VERSION_FROM = date(2000, 1, 1)
MAX_FILE_BYTES = 1_000_000


@dataclass(frozen=True)
class AddedTariff:
    code: str
    plan_id: int
    version_id: int
    effective_from: date
    new_plan: bool


@dataclass(frozen=True)
class TariffPlanRow:
    id: int
    code: str
    name: str
    utility: str
    mode: SlabMode | None  # None: no version in force yet (see next_effective_from)
    effective_from: date | None  # of the version in force today
    fixed_charge: Decimal | None  # None when the charge comes from the consumption category
    uses_categories: bool | None
    versions: int
    next_effective_from: date | None  # a later version already entered
    is_active: bool


@dataclass(frozen=True)
class VersionDetail:
    id: int
    effective_from: date
    mode: SlabMode
    fixed_charge: Decimal  # of a plain-slab version; 0 with categories
    fixed_charge_per_kw: Decimal
    minimum_charge: Decimal
    uses_categories: bool
    categories: tuple[Category, ...]  # a plain-slab version has one, open-ended
    taxes: tuple[Tax, ...]
    is_current: bool
    created_at: datetime

    @property
    def tariff(self) -> Tariff:
        return Tariff(self.mode, self.categories, self.fixed_charge_per_kw, self.minimum_charge,
                      self.taxes)


@dataclass(frozen=True)
class PlanDetail:
    id: int
    code: str
    name: str
    utility: str
    utility_name: str
    unit: str
    is_active: bool
    created_at: datetime
    versions: tuple[VersionDetail, ...]  # oldest first

    @property
    def current(self) -> VersionDetail | None:
        return next((v for v in self.versions if v.is_current), None)


def _add(ctx: Ctx, spec: TariffSpec) -> AddedTariff:
    problems = code_problems("code", spec.code)
    if not spec.name.strip():
        problems.append(FieldProblem("name", "is required"))
    elif len(spec.name.strip()) > NAME_MAX:
        problems.append(FieldProblem("name", f"may have at most {NAME_MAX} characters"))
    problems += validate_tariff(spec.tariff, categories=spec.uses_categories)
    if problems:
        raise ValidationError(problems)
    try:
        utility = utility_by_code(ctx.session, spec.utility)
    except NotFound as exc:
        raise invalid("utility", str(exc)) from None
    if not utility.is_active:
        raise invalid("utility", f"utility type {utility.code!r} is deactivated")
    code = plan_code(spec.code)
    plan = ctx.session.scalars(select(TariffPlan).where(TariffPlan.code == code)).first()
    new_plan = plan is None
    if plan is None:
        plan = TariffPlan(code=code, name=spec.name.strip(), utility_type_id=utility.id,
                          is_active=True, created_at=ctx.now)
        ctx.session.add(plan)
        ctx.session.flush()
        ctx.audit("tariff_plan", plan.id, "create", after=snapshot(plan))
        effective_from = spec.effective_from or FIRST_VERSION_FROM
    else:
        effective_from = spec.effective_from or ctx.now.date()
        _check_new_version(ctx, plan, utility, effective_from)
        if plan.name != spec.name.strip():
            before = snapshot(plan)
            plan.name = spec.name.strip()
            ctx.audit("tariff_plan", plan.id, "rename", before=before, after=snapshot(plan))
    version = store_version(ctx.session, plan, spec.tariff, effective_from,
                            spec.uses_categories, ctx.now)
    ctx.audit("tariff_version", version.id, "create", after={
        **snapshot(version), "plan": code, "tariff": repr(spec.tariff)})
    return AddedTariff(code, plan.id, version.id, effective_from, new_plan)


def _check_new_version(ctx: Ctx, plan: TariffPlan, utility: UtilityType,
                       effective_from: date) -> None:
    if plan.utility_type_id != utility.id:
        current = ctx.session.get(UtilityType, plan.utility_type_id)
        raise invalid("utility", f"plan {plan.code} is for {current.code if current else '?'}"
                      f", not {utility.code}; a plan keeps its utility type")
    if not plan.is_active:
        raise Conflict(f"tariff plan {plan.code} is deactivated; reactivate it before adding "
                       "a version")
    if ctx.session.scalar(select(TariffVersion.id).where(
            TariffVersion.plan_id == plan.id,
            TariffVersion.effective_from == effective_from)) is not None:
        raise Conflict(f"tariff plan {plan.code} already has a version effective from "
                       f"{effective_from.isoformat()}; versions are never changed, give the "
                       "new one another date")
    # a cycle bills with the version in force on its last day: a version that would change
    # that for a cycle already billed under this plan would split the cycle's bills
    billed = ctx.session.execute(
        select(BillingCycle.period, BillingCycle.end_date)
        .where(BillingCycle.end_date >= effective_from, exists(
            select(Bill.id).where(Bill.cycle_id == BillingCycle.id, Bill.tariff_version_id.in_(
                select(TariffVersion.id).where(TariffVersion.plan_id == plan.id)))))
        .order_by(BillingCycle.end_date.desc()).limit(1)).first()
    if billed is not None:
        raise Conflict(f"cycle {billed.period} has already been billed with plan {plan.code}; "
                       f"a new version must take effect after {billed.end_date.isoformat()}")


@service(Permission.TARIFFS_MANAGE)
def add_tariff(ctx: Ctx, code: str, name: str, utility: str, tariff: Tariff,
               effective_from: date | None = None, *,
               uses_categories: bool | None = None) -> AddedTariff:
    """A new plan with its first version, or a new version of an existing plan.

    Without `effective_from`, a first version applies from FIRST_VERSION_FROM (every cycle)
    and a later one from today. `uses_categories` defaults to "more than one category".
    """
    if not isinstance(tariff, Tariff):
        raise invalid("tariff", "a tariff (slabs or categories) is required")
    categories = len(tariff.categories) > 1 if uses_categories is None else uses_categories
    return _add(ctx, TariffSpec(code, name, utility, effective_from, tariff, categories))


@service(Permission.TARIFFS_MANAGE)
def import_tariff_file(ctx: Ctx, path: str | Path | None = None, *,
                       text: str | None = None) -> AddedTariff:
    """A plan or new version from a tariff file (docs/design.md section 5): the file's path, or
    its text. The whole file is checked before anything is written."""
    if text is None:
        if path is None:
            raise invalid("file", "give the tariff file's path or its text")
        text = _read_text(Path(path))
    return _add(ctx, parse_tariff_json(text))


def _read_text(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise invalid("file", f"{path} is too large for a tariff file")
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise invalid("file", f"{path} does not exist") from None
    except UnicodeDecodeError:
        raise invalid("file", f"{path} is not UTF-8 text") from None
    except OSError as exc:
        raise invalid("file", f"cannot read {path}: {exc.strerror}") from None


_current_eff = select(TariffVersion.plan_id, func.max(TariffVersion.effective_from).label("eff"))
_current = aliased(TariffVersion, name="cur")


@service(Permission.REFERENCE_VIEW, readonly=True)
def list_plans(ctx: Ctx, query: ListQuery = ListQuery()) -> Page[TariffPlanRow]:
    """Plans with the version in force today; search on code and name; filters:
    utility (code), active (bool)."""
    today = ctx.now.date()
    newest = _current_eff.where(TariffVersion.effective_from <= today) \
        .group_by(TariffVersion.plan_id).subquery("newest")
    counts = select(TariffVersion.plan_id, func.count().label("n")) \
        .group_by(TariffVersion.plan_id).subquery("counts")
    later = select(TariffVersion.plan_id, func.min(TariffVersion.effective_from).label("nxt")) \
        .where(TariffVersion.effective_from > today).group_by(TariffVersion.plan_id) \
        .subquery("later")
    stmt = (
        select(TariffPlan.id, TariffPlan.code, TariffPlan.name, UtilityType.code, _current.mode,
               _current.effective_from, _current.fixed_charge, _current.uses_categories,
               func.coalesce(counts.c.n, 0), later.c.nxt, TariffPlan.is_active)
        .join(UtilityType, UtilityType.id == TariffPlan.utility_type_id)
        .outerjoin(newest, newest.c.plan_id == TariffPlan.id)
        .outerjoin(_current, and_(_current.plan_id == TariffPlan.id,
                                  _current.effective_from == newest.c.eff))
        .outerjoin(counts, counts.c.plan_id == TariffPlan.id)
        .outerjoin(later, later.c.plan_id == TariffPlan.id))
    if query.search:
        pattern = like_pattern(query.search)
        stmt = stmt.where(or_(TariffPlan.code.like(pattern, escape="\\"),
                              TariffPlan.name.like(pattern, escape="\\")))
    filters = query.filters or {}
    if filters.get("utility"):
        stmt = stmt.where(UtilityType.code == str(filters["utility"]).strip().lower())
    if filters.get("active") is not None:
        stmt = stmt.where(TariffPlan.is_active.is_(bool(filters["active"])))
    sort = {"code": TariffPlan.code, "name": TariffPlan.name, "utility": UtilityType.code,
            "mode": _current.mode, "effective_from": _current.effective_from,
            "fixed_charge": _current.fixed_charge, "versions": counts.c.n,
            "active": TariffPlan.is_active}
    return run_page(ctx.session, stmt, query, sort, TariffPlan.id, _plan_row)


def _plan_row(r: Any) -> TariffPlanRow:
    (plan_id, code, name, utility, mode, effective_from, fixed, categories, versions, nxt,
     active) = r
    return TariffPlanRow(
        plan_id, code, name, utility, SlabMode(mode) if mode else None, effective_from,
        None if categories or mode is None else fixed, categories, int(versions), nxt,
        bool(active))


@service(Permission.REFERENCE_VIEW, readonly=True)
def get_plan(ctx: Ctx, code: str) -> PlanDetail:
    """The plan with every version's slabs, categories and taxes, oldest version first."""
    plan = plan_by_code(ctx.session, code)
    utility = ctx.session.get(UtilityType, plan.utility_type_id)
    assert utility is not None  # a foreign key
    rows = ctx.session.scalars(select(TariffVersion).where(TariffVersion.plan_id == plan.id)
                               .order_by(TariffVersion.effective_from)).all()
    tariffs = load_tariffs(ctx.session, TariffVersion.plan_id == plan.id)
    today = ctx.now.date()
    in_force = [v.id for v in rows if v.effective_from <= today]  # rows are oldest first
    current = in_force[-1] if in_force else None
    versions = tuple(
        VersionDetail(v.id, v.effective_from, SlabMode(v.mode), v.fixed_charge,
                      v.fixed_charge_per_kw, v.minimum_charge, v.uses_categories,
                      tariffs[v.id].categories, tariffs[v.id].taxes, v.id == current,
                      v.created_at)
        for v in rows)
    return PlanDetail(plan.id, plan.code, plan.name, utility.code, utility.name, utility.unit,
                      plan.is_active, plan.created_at, versions)


def _quantity(value: object, field: str) -> Decimal:
    try:
        number = D(value)
    except ValueError as exc:
        raise invalid(field, str(exc)) from None
    if number < 0:
        raise invalid(field, "must not be negative")
    return number


@service(Permission.TARIFF_PREVIEW, readonly=True)
def preview(ctx: Ctx, code: str, units: Decimal | str | int,
            sanctioned_load_kw: Decimal | str | int = 0, on: date | None = None) -> Charges:
    """What `units` would cost under the plan's version in force on `on` (default today)."""
    amount = _quantity(units, "units")
    load = _quantity(sanctioned_load_kw, "sanctioned_load_kw")
    plan = plan_by_code(ctx.session, code)
    day = on or ctx.now.date()
    version = version_in_force(ctx.session, plan.id, day)
    if version is None:
        first = ctx.session.scalar(select(func.min(TariffVersion.effective_from)).where(
            TariffVersion.plan_id == plan.id))
        raise invalid("on", f"plan {plan.code} has no version in force on {day.isoformat()}"
                      + (f"; its first takes effect on {first.isoformat()}" if first else ""))
    tariff = load_tariffs(ctx.session, TariffVersion.id == version.id)[version.id]
    return compute_charges(tariff, amount, load)


def _set_active(ctx: Ctx, code: str, active: bool) -> None:
    plan = plan_by_code(ctx.session, code)
    if plan.is_active == active:
        return
    if active:
        utility = ctx.session.get(UtilityType, plan.utility_type_id)
        if utility is not None and not utility.is_active:
            raise Conflict(f"utility type {utility.code!r} is deactivated; reactivate it first")
    before = snapshot(plan)
    plan.is_active = active
    ctx.session.flush()
    ctx.audit("tariff_plan", plan.id, "reactivate" if active else "deactivate",
              before=before, after=snapshot(plan))


@service(Permission.TARIFFS_MANAGE)
def deactivate_plan(ctx: Ctx, code: str) -> None:
    """No new connections may choose the plan; connections already on it still bill with it
    until they are moved."""
    _set_active(ctx, code, False)


@service(Permission.TARIFFS_MANAGE)
def reactivate_plan(ctx: Ctx, code: str) -> None:
    _set_active(ctx, code, True)
