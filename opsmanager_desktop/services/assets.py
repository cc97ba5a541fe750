"""The network register: distribution substations (DSS) and their distribution transformers
(DTs). Admins and supervisors add and edit them; every officer reads them.

Codes keep the spelling they are given (connections already carry DT codes as field teams
wrote them) and are unique whatever the case. A connection belongs to the DT whose code is
its `transformer_code` (compared as stored, so the index serves it: MariaDB's collation
ignores case, SQLite does not, so a DT is registered with the spelling its connections
carry); codes on connections that no DT on the register has are listed by
`unregistered_codes`. Edits carry the version the editor showed: a change saved by someone
else in between is refused with "reload".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import Connection, Substation, Transformer
from opsmanager_desktop.domain.assets import (
    STATUS_CHOICES,
    AssetFields,
    AssetStatus,
    asset_problems,
    parse_status,
)
from opsmanager_desktop.domain.errors import Conflict, FieldProblem, NotFound, ValidationError
from opsmanager_desktop.domain.money import D
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.audit import snapshot
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.listing import (
    ListQuery,
    Page,
    chosen_filters,
    prefix_pattern,
    run_page,
)

Value = str | Decimal | None


@dataclass(frozen=True)
class SubstationRow:
    id: int
    code: str
    name: str
    location: str
    latitude: Decimal | None
    longitude: Decimal | None
    capacity_kva: Decimal
    installed_on: date | None
    status: AssetStatus
    transformers: int
    version: int


@dataclass(frozen=True)
class TransformerRow:
    id: int
    code: str
    name: str
    substation: str
    substation_name: str
    location: str
    latitude: Decimal | None
    longitude: Decimal | None
    capacity_kva: Decimal
    installed_on: date | None
    status: AssetStatus
    connections: int
    version: int


@dataclass(frozen=True)
class UnregisteredCode:
    transformer_code: str
    connections: int


def parse_decimal(value: Value, field: str, problems: list[FieldProblem],
                  row: int | None = None) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return D(value)
    except ValueError as exc:
        problems.append(FieldProblem(field, str(exc), row))
        return None


def parse_date(value: date | str | None, field: str, problems: list[FieldProblem],
               row: int | None = None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        problems.append(FieldProblem(field, f"{value!r} is not a date; write it as "
                                     "YYYY-MM-DD", row))
        return None


def asset_fields(code: str, name: str, location: str, latitude: Value, longitude: Value,
                 capacity_kva: Value, installed_on: date | str | None, today: date,
                 row: int | None = None) -> tuple[AssetFields, list[FieldProblem]]:
    """Parse and check what a DSS or DT form (or import row) gives; capacity is required."""
    problems: list[FieldProblem] = []
    capacity = parse_decimal(capacity_kva, "capacity_kva", problems, row)
    if capacity is None and not problems:
        problems.append(FieldProblem("capacity_kva", "is required", row))
    fields = AssetFields(str(code or "").strip(), str(name or "").strip(),
                         str(location or "").strip(),
                         parse_decimal(latitude, "latitude", problems, row),
                         parse_decimal(longitude, "longitude", problems, row), capacity,
                         parse_date(installed_on, "installed_on", problems, row))
    return fields, problems + asset_problems(fields, today, row)


def _status(value: object, problems: list[FieldProblem], row: int | None = None
            ) -> AssetStatus | None:
    chosen = parse_status(value)
    if chosen is None:
        problems.append(FieldProblem("status", f"{value!r} is not an asset status; use one "
                                     f"of {STATUS_CHOICES}", row))
    return chosen


def _chosen_status(value: object) -> AssetStatus:
    """The status a set-status call asks for, checked before the asset is looked up."""
    problems: list[FieldProblem] = []
    chosen = _status(value, problems)
    if problems or chosen is None:
        raise ValidationError(problems)
    return chosen


def _record_status(ctx: Ctx, entity: str, asset: Substation | Transformer,
                   chosen: AssetStatus) -> None:
    before = {"status": asset.status}
    asset.status = chosen.value
    ctx.session.flush()
    ctx.audit(entity, asset.id, "set_status", before=before, after={"status": chosen.value})


def substation_by_code(session: Session, code: str) -> Substation:
    found = session.scalars(select(Substation).where(
        func.lower(Substation.code) == str(code).strip().lower())).first()
    if found is None:
        raise NotFound(f"no substation {code!r}; add it with `assets dss add CODE ...`")
    return found


def transformer_by_code(session: Session, code: str) -> Transformer:
    found = session.scalars(select(Transformer).where(
        func.lower(Transformer.code) == str(code).strip().lower())).first()
    if found is None:
        raise NotFound(f"no distribution transformer {code!r}; add it with "
                       "`assets dt add CODE --dss DSS ...`")
    return found


def _taken(session: Session, model: Any, code: str) -> bool:
    return session.scalar(select(model.id).where(
        func.lower(model.code) == code.lower())) is not None


def _dss_row(session: Session, s: Substation) -> SubstationRow:
    count = session.scalar(select(func.count()).select_from(Transformer).where(
        Transformer.substation_id == s.id)) or 0
    return SubstationRow(s.id, s.code, s.name, s.location, s.latitude, s.longitude,
                         s.capacity_kva, s.installed_on, AssetStatus(s.status), int(count),
                         s.version)


def _connections_count() -> Any:
    return (select(func.count()).select_from(Connection)
            .where(Connection.transformer_code == Transformer.code)
            .correlate(Transformer).scalar_subquery())


def _dt_select() -> Any:
    return (select(Transformer, Substation.code.label("dss_code"),
                   Substation.name.label("dss_name"), _connections_count().label("n"))
            .join(Substation, Substation.id == Transformer.substation_id))


def _dt_row(r: Any) -> TransformerRow:
    t = r[0]
    return TransformerRow(t.id, t.code, t.name, r.dss_code, r.dss_name, t.location,
                          t.latitude, t.longitude, t.capacity_kva, t.installed_on,
                          AssetStatus(t.status), int(r.n or 0), t.version)


def dt_row(session: Session, transformer_id: int) -> TransformerRow:
    return _dt_row(session.execute(_dt_select().where(Transformer.id == transformer_id)).one())


def _check_version(kind: str, code: str, version: int | None, current: int) -> None:
    if version is not None and version != current:
        raise Conflict(f"{kind} {code!r} was changed by someone else; reload it and make "
                       "your change again")


def _apply(obj: Any, f: AssetFields) -> None:
    obj.name, obj.location = f.name, f.location
    obj.latitude, obj.longitude = f.latitude, f.longitude
    obj.capacity_kva, obj.installed_on = f.capacity_kva, f.installed_on


@service(Permission.ASSETS_MANAGE)
def add_substation(ctx: Ctx, code: str, name: str, capacity_kva: Value, *,
                   location: str = "", latitude: Value = None, longitude: Value = None,
                   installed_on: date | str | None = None,
                   status: str | AssetStatus = AssetStatus.OPERATIONAL) -> SubstationRow:
    fields, problems = asset_fields(code, name, location, latitude, longitude, capacity_kva,
                                    installed_on, ctx.now.date())
    chosen = _status(status, problems)
    if problems:
        raise ValidationError(problems)
    if _taken(ctx.session, Substation, fields.code):
        raise Conflict(f"a substation {fields.code!r} already exists")
    dss = Substation(code=fields.code, status=(chosen or AssetStatus.OPERATIONAL).value,
                     created_at=ctx.now)
    _apply(dss, fields)
    ctx.session.add(dss)
    ctx.session.flush()
    ctx.audit("substation", dss.id, "create", after=snapshot(dss))
    return _dss_row(ctx.session, dss)


@service(Permission.ASSETS_MANAGE)
def update_substation(ctx: Ctx, code: str, *, version: int | None, name: str,
                      capacity_kva: Value, location: str = "", latitude: Value = None,
                      longitude: Value = None,
                      installed_on: date | str | None = None) -> SubstationRow:
    """Edit a substation's details (its code stays: DTs and files name it)."""
    dss = substation_by_code(ctx.session, code)
    _check_version("substation", dss.code, version, dss.version)
    fields, problems = asset_fields(dss.code, name, location, latitude, longitude,
                                    capacity_kva, installed_on, ctx.now.date())
    if problems:
        raise ValidationError(problems)
    before = snapshot(dss)
    _apply(dss, fields)
    ctx.session.flush()
    ctx.audit("substation", dss.id, "update", before=before, after=snapshot(dss))
    return _dss_row(ctx.session, dss)


@service(Permission.ASSETS_MANAGE)
def set_substation_status(ctx: Ctx, code: str, status: str | AssetStatus, *,
                          version: int | None = None) -> SubstationRow:
    """A substation is decommissioned only when none of its DTs is still in service."""
    chosen = _chosen_status(status)
    dss = substation_by_code(ctx.session, code)
    _check_version("substation", dss.code, version, dss.version)
    if chosen is AssetStatus.DECOMMISSIONED:
        live = ctx.session.scalars(select(Transformer.code).where(
            Transformer.substation_id == dss.id,
            Transformer.status != AssetStatus.DECOMMISSIONED.value)
            .order_by(Transformer.code).limit(6)).all()
        if live:
            raise Conflict(f"substation {dss.code!r} still feeds transformers in service "
                           f"({', '.join(live[:5])}{', ...' if len(live) > 5 else ''}); "
                           "decommission or move them first")
    _record_status(ctx, "substation", dss, chosen)
    return _dss_row(ctx.session, dss)


@service(Permission.ASSETS_VIEW, readonly=True)
def list_substations(ctx: Ctx) -> list[SubstationRow]:
    """Every substation by code with its DT count: tens, not thousands, so no paging."""
    counts = dict(ctx.session.execute(select(Transformer.substation_id, func.count())
                                      .group_by(Transformer.substation_id)).all())
    return [SubstationRow(s.id, s.code, s.name, s.location, s.latitude, s.longitude,
                          s.capacity_kva, s.installed_on, AssetStatus(s.status),
                          int(counts.get(s.id, 0)), s.version)
            for s in ctx.session.scalars(select(Substation).order_by(Substation.code))]


@service(Permission.ASSETS_MANAGE)
def add_transformer(ctx: Ctx, code: str, name: str, substation: str, capacity_kva: Value, *,
                    location: str = "", latitude: Value = None, longitude: Value = None,
                    installed_on: date | str | None = None,
                    status: str | AssetStatus = AssetStatus.OPERATIONAL) -> TransformerRow:
    fields, problems = asset_fields(code, name, location, latitude, longitude, capacity_kva,
                                    installed_on, ctx.now.date())
    chosen = _status(status, problems)
    if not str(substation or "").strip():
        problems.append(FieldProblem("substation", "is required"))
    if problems:
        raise ValidationError(problems)
    dss = substation_by_code(ctx.session, substation)
    if dss.status == AssetStatus.DECOMMISSIONED.value:
        raise Conflict(f"substation {dss.code!r} is decommissioned")
    if _taken(ctx.session, Transformer, fields.code):
        raise Conflict(f"a distribution transformer {fields.code!r} already exists")
    dt = Transformer(code=fields.code, substation_id=dss.id,
                     status=(chosen or AssetStatus.OPERATIONAL).value, created_at=ctx.now)
    _apply(dt, fields)
    ctx.session.add(dt)
    ctx.session.flush()
    ctx.audit("transformer", dt.id, "create", after=snapshot(dt))
    return dt_row(ctx.session, dt.id)


@service(Permission.ASSETS_MANAGE)
def update_transformer(ctx: Ctx, code: str, *, version: int | None, name: str,
                       substation: str, capacity_kva: Value, location: str = "",
                       latitude: Value = None, longitude: Value = None,
                       installed_on: date | str | None = None) -> TransformerRow:
    """Edit a DT's details or move it to another substation (its code stays: connections
    name it)."""
    dt = transformer_by_code(ctx.session, code)
    _check_version("transformer", dt.code, version, dt.version)
    fields, problems = asset_fields(dt.code, name, location, latitude, longitude,
                                    capacity_kva, installed_on, ctx.now.date())
    if problems:
        raise ValidationError(problems)
    dss = substation_by_code(ctx.session, substation)
    if dss.id != dt.substation_id and dss.status == AssetStatus.DECOMMISSIONED.value:
        raise Conflict(f"substation {dss.code!r} is decommissioned")
    before = snapshot(dt)
    _apply(dt, fields)
    dt.substation_id = dss.id
    ctx.session.flush()
    ctx.audit("transformer", dt.id, "update", before=before, after=snapshot(dt))
    return dt_row(ctx.session, dt.id)


@service(Permission.ASSETS_MANAGE)
def set_transformer_status(ctx: Ctx, code: str, status: str | AssetStatus, *,
                           version: int | None = None) -> TransformerRow:
    chosen = _chosen_status(status)
    dt = transformer_by_code(ctx.session, code)
    _check_version("transformer", dt.code, version, dt.version)
    _record_status(ctx, "transformer", dt, chosen)
    return dt_row(ctx.session, dt.id)


_SORT = {"code": Transformer.code, "name": Transformer.name, "substation": Substation.code,
         "capacity_kva": Transformer.capacity_kva, "installed_on": Transformer.installed_on,
         "status": Transformer.status}
_FILTERS = frozenset({"substation", "status"})


@service(Permission.ASSETS_VIEW, readonly=True)
def list_transformers(ctx: Ctx, query: ListQuery = ListQuery()) -> Page[TransformerRow]:
    """DTs with their substation and connection count. Filters: substation (code), status;
    search: the start of the code or name."""
    filters = chosen_filters(query, _FILTERS, "transformers")
    stmt = _dt_select()
    if "substation" in filters:
        stmt = stmt.where(func.lower(Substation.code) == str(filters["substation"]).lower())
    if "status" in filters:
        problems: list[FieldProblem] = []
        chosen = _status(filters["status"], problems)
        if chosen is None:
            raise ValidationError(problems)
        stmt = stmt.where(Transformer.status == chosen.value)
    if query.search.strip():
        pattern = prefix_pattern(query.search.strip())
        stmt = stmt.where(or_(Transformer.code.like(pattern, escape="\\"),
                              Transformer.name.like(pattern, escape="\\")))
    if not query.sort:
        stmt = stmt.order_by(Transformer.code)
    return run_page(ctx.session, stmt, query, _SORT, Transformer.id, _dt_row)


@service(Permission.ASSETS_VIEW, readonly=True)
def get_transformer(ctx: Ctx, code: str) -> TransformerRow:
    return dt_row(ctx.session, transformer_by_code(ctx.session, code).id)


@service(Permission.ASSETS_VIEW, readonly=True)
def unregistered_codes(ctx: Ctx) -> list[UnregisteredCode]:
    """Transformer codes carried by connections that no DT on the register has, with how
    many connections carry each (one grouped read over the transformer_code index)."""
    registered = select(Transformer.id).where(Transformer.code == Connection.transformer_code)
    rows = ctx.session.execute(
        select(Connection.transformer_code, func.count())
        .where(Connection.transformer_code.is_not(None), Connection.transformer_code != "",
               ~registered.exists())
        .group_by(Connection.transformer_code).order_by(Connection.transformer_code))
    return [UnregisteredCode(code or "", int(n)) for code, n in rows]
