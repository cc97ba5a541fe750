"""Tariff versions in the database <-> domain Tariffs (not services: helpers that run inside
the caller's transaction; services/tariffs.py re-exports the public ones).

A version's rules are stored as rows: categories (a plain-slab version has exactly one,
open-ended, whose fixed charge is the version's), their slabs, and the taxes. Versions are
never edited once written, so a loaded Tariff may be cached by version id for as long as the
caller likes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import (
    TariffCategory,
    TariffPlan,
    TariffSlab,
    TariffTax,
    TariffVersion,
)
from opsmanager_desktop.domain.codes import plan_code
from opsmanager_desktop.domain.errors import NotFound
from opsmanager_desktop.domain.tariff import (
    MONEY_ZERO,
    Category,
    Slab,
    SlabMode,
    Tariff,
    Tax,
    TaxBase,
)


def plan_by_code(session: Session, code: str) -> TariffPlan:
    """The tariff plan with this code (any case), or NotFound naming it."""
    plan = session.scalars(select(TariffPlan).where(TariffPlan.code == plan_code(code))).first()
    if plan is None:
        raise NotFound(f"no tariff plan {plan_code(code)!r}; see `tariffs list`")
    return plan


def store_version(session: Session, plan: TariffPlan, tariff: Tariff, effective_from: date,
                  uses_categories: bool, now: datetime) -> TariffVersion:
    """Write one version's rows (the tariff must already be valid)."""
    plain_fixed = tariff.categories[0].fixed_charge if not uses_categories else MONEY_ZERO
    version = TariffVersion(
        plan_id=plan.id, effective_from=effective_from, mode=tariff.mode.value,
        fixed_charge=plain_fixed, fixed_charge_per_kw=tariff.fixed_charge_per_kw,
        minimum_charge=tariff.minimum_charge, uses_categories=uses_categories, created_at=now)
    version.categories = [
        TariffCategory(seq=ci, up_to=category.up_to, fixed_charge=category.fixed_charge,
                       slabs=[TariffSlab(seq=si, up_to=slab.up_to, rate=slab.rate)
                              for si, slab in enumerate(category.slabs)])
        for ci, category in enumerate(tariff.categories)]
    version.taxes = [TariffTax(seq=ti, name=tax.name, percent=tax.percent, base=tax.on.value)
                     for ti, tax in enumerate(tariff.taxes)]
    session.add(version)
    session.flush()
    return version


def load_tariffs(session: Session, which: Any) -> dict[int, Tariff]:
    """Tariffs of the versions matching `which` (a condition on TariffVersion), by version
    id, in four queries whatever their number."""
    return {vid: tariff for vid, (_, tariff) in _load(session, which).items()}


def _load(session: Session, which: Any) -> dict[int, tuple[int, Tariff]]:
    """version id -> (plan id, Tariff) of the versions matching `which`."""
    versions = session.execute(select(
        TariffVersion.id, TariffVersion.plan_id, TariffVersion.mode,
        TariffVersion.fixed_charge_per_kw, TariffVersion.minimum_charge).where(which)).all()
    if not versions:
        return {}
    slabs: dict[int, list[Slab]] = defaultdict(list)
    for category_id, up_to, rate in session.execute(
            select(TariffSlab.category_id, TariffSlab.up_to, TariffSlab.rate)
            .join(TariffCategory, TariffCategory.id == TariffSlab.category_id)
            .join(TariffVersion, TariffVersion.id == TariffCategory.version_id)
            .where(which).order_by(TariffSlab.category_id, TariffSlab.seq)):
        slabs[category_id].append(Slab(up_to, rate))
    categories: dict[int, list[Category]] = defaultdict(list)
    for category_id, version_id, up_to, fixed in session.execute(
            select(TariffCategory.id, TariffCategory.version_id, TariffCategory.up_to,
                   TariffCategory.fixed_charge)
            .join(TariffVersion, TariffVersion.id == TariffCategory.version_id)
            .where(which).order_by(TariffCategory.version_id, TariffCategory.seq)):
        categories[version_id].append(Category(up_to, fixed, tuple(slabs[category_id])))
    taxes: dict[int, list[Tax]] = defaultdict(list)
    for version_id, name, percent, base in session.execute(
            select(TariffTax.version_id, TariffTax.name, TariffTax.percent, TariffTax.base)
            .join(TariffVersion, TariffVersion.id == TariffTax.version_id)
            .where(which).order_by(TariffTax.version_id, TariffTax.seq)):
        taxes[version_id].append(Tax(name, percent, TaxBase(base)))
    return {vid: (plan_id, Tariff(SlabMode(mode), tuple(categories[vid]), per_kw, minimum,
                                  tuple(taxes[vid])))
            for vid, plan_id, mode, per_kw, minimum in versions}


def _in_force_ids(on: date) -> Any:
    """Ids of the version in force on `on` of every plan, as a subquery."""
    newest = select(TariffVersion.plan_id, func.max(TariffVersion.effective_from).label("eff")) \
        .where(TariffVersion.effective_from <= on).group_by(TariffVersion.plan_id) \
        .subquery("newest")
    return select(TariffVersion.id).join(newest, and_(
        TariffVersion.plan_id == newest.c.plan_id, TariffVersion.effective_from == newest.c.eff))


def version_in_force(session: Session, plan_id: int, on: date) -> TariffVersion | None:
    """The plan's version with the greatest effective_from <= on (None: not in force yet)."""
    return session.scalars(select(TariffVersion).where(
        TariffVersion.plan_id == plan_id, TariffVersion.effective_from <= on)
        .order_by(TariffVersion.effective_from.desc()).limit(1)).first()


def tariff_for_version(session: Session, version_id: int) -> Tariff:
    """One stored version as the domain Tariff; NotFound if there is no such version."""
    tariff = load_tariffs(session, TariffVersion.id == version_id).get(version_id)
    if tariff is None:
        raise NotFound(f"no tariff version #{version_id}")
    return tariff


def tariffs_in_force(session: Session, on: date) -> dict[int, tuple[int, Tariff]]:
    """plan_id -> (version_id, Tariff) of every plan (active or not: existing connections
    still bill) that has a version in force on `on`. Four queries in all."""
    loaded = _load(session, TariffVersion.id.in_(_in_force_ids(on)))
    return {plan_id: (version_id, tariff)
            for version_id, (plan_id, tariff) in loaded.items()}
