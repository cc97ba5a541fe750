"""Utility types (electricity, water, ...): admins manage them, every officer reads them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import TariffPlan, UtilityType
from opsmanager_desktop.domain.codes import code_problems, utility_code
from opsmanager_desktop.domain.errors import Conflict, FieldProblem, NotFound, ValidationError
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.audit import snapshot
from opsmanager_desktop.services.core import Ctx, service

NAME_MAX = 80
UNIT_MAX = 16


@dataclass(frozen=True)
class UtilityRow:
    id: int
    code: str
    name: str
    unit: str
    is_active: bool
    version: int


def _row(utility: UtilityType) -> UtilityRow:
    return UtilityRow(utility.id, utility.code, utility.name, utility.unit, utility.is_active,
                      utility.version)


def utility_by_code(session: Session, code: str) -> UtilityType:
    """The utility type with this code (any case), or NotFound naming it."""
    utility = session.scalars(select(UtilityType).where(
        UtilityType.code == utility_code(code))).first()
    if utility is None:
        raise NotFound(f"no utility type {code!r}; an administrator adds it with "
                       f"`utilities add {utility_code(code) or 'CODE'} --name NAME --unit UNIT`")
    return utility


def _text_problems(field: str, value: str, max_len: int) -> list[FieldProblem]:
    if not value.strip():
        return [FieldProblem(field, "is required")]
    if len(value.strip()) > max_len:
        return [FieldProblem(field, f"may have at most {max_len} characters")]
    return []


@service(Permission.UTILITIES_MANAGE)
def add_utility(ctx: Ctx, code: str, name: str, unit: str) -> UtilityRow:
    problems = code_problems("code", code) + _text_problems("name", name, NAME_MAX) \
        + _text_problems("unit", unit, UNIT_MAX)
    if problems:
        raise ValidationError(problems)
    code = utility_code(code)
    if ctx.session.scalar(select(UtilityType.id).where(UtilityType.code == code)) is not None:
        raise Conflict(f"a utility type {code!r} already exists")
    utility = UtilityType(code=code, name=name.strip(), unit=unit.strip(), is_active=True)
    ctx.session.add(utility)
    ctx.session.flush()
    ctx.audit("utility_type", utility.id, "create", after=snapshot(utility))
    return _row(utility)


@service(Permission.REFERENCE_VIEW, readonly=True)
def list_utilities(ctx: Ctx, *, include_inactive: bool = True) -> list[UtilityRow]:
    """All utility types by code: a short list, so no paging."""
    stmt = select(UtilityType).order_by(UtilityType.code)
    if not include_inactive:
        stmt = stmt.where(UtilityType.is_active.is_(True))
    return [_row(u) for u in ctx.session.scalars(stmt)]


@service(Permission.UTILITIES_MANAGE)
def update_utility(ctx: Ctx, code: str, *, version: int | None = None, name: str | None = None,
                   unit: str | None = None, is_active: bool | None = None) -> UtilityRow:
    """Rename, change the unit, or (de)activate. `version` (from the row the editor showed)
    refuses the change if someone else saved in between."""
    utility = utility_by_code(ctx.session, code)
    if version is not None and version != utility.version:
        raise Conflict(f"utility type {utility.code!r} was changed by someone else; reload it "
                       "and make your change again")
    problems = (_text_problems("name", name, NAME_MAX) if name is not None else []) \
        + (_text_problems("unit", unit, UNIT_MAX) if unit is not None else [])
    if problems:
        raise ValidationError(problems)
    before = snapshot(utility)
    if name is not None:
        utility.name = name.strip()
    if unit is not None:
        utility.unit = unit.strip()
    if is_active is False and utility.is_active:
        _check_unused(ctx, utility)
    if is_active is not None:
        utility.is_active = is_active
    ctx.session.flush()
    ctx.audit("utility_type", utility.id, "update", before=before, after=snapshot(utility))
    return _row(utility)


def _check_unused(ctx: Ctx, utility: UtilityType) -> None:
    plans = ctx.session.scalars(select(TariffPlan.code).where(
        TariffPlan.utility_type_id == utility.id, TariffPlan.is_active.is_(True))
        .order_by(TariffPlan.code).limit(6)).all()
    if plans:
        shown = ", ".join(plans[:5]) + (", ..." if len(plans) > 5 else "")
        raise Conflict(f"utility type {utility.code!r} still has active tariff plans "
                       f"({shown}); deactivate them first")


@service(Permission.UTILITIES_MANAGE)
def deactivate_utility(ctx: Ctx, code: str) -> UtilityRow:
    """No new tariff plans or connections on it; existing data stays."""
    utility = utility_by_code(ctx.session, code)
    if not utility.is_active:
        return _row(utility)
    _check_unused(ctx, utility)
    before = snapshot(utility)
    utility.is_active = False
    ctx.session.flush()
    ctx.audit("utility_type", utility.id, "deactivate", before=before, after=snapshot(utility))
    return _row(utility)
