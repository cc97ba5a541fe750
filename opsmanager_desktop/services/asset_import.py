"""The network register from a file (CSV or XLSX): `kind,code,name,capacity_kva` and
optional `substation,location,latitude,longitude,installed_on,status`, one row per
substation (kind DSS) or transformer (kind DT; its substation on the register or on an
earlier row of the file). New assets only: a code already on the register is a problem of
its row. All-or-nothing unless skip_invalid (services/imports.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from opsmanager_desktop.db.models import Substation, Transformer
from opsmanager_desktop.domain.assets import AssetKind, AssetStatus, parse_kind, parse_status
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.assets import asset_fields
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.imports import (
    Cancelled,
    Problems,
    Progress,
    Row,
    read_table,
    run_import,
)

REQUIRED = ("kind", "code", "name", "capacity_kva")
OPTIONAL = ("substation", "location", "latitude", "longitude", "installed_on", "status")


@dataclass(frozen=True)
class AssetImportResult:
    rows: int
    substations: int
    transformers: int
    rejected: int
    rejects_path: Path | None


class _Run:
    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.seen: dict[tuple[AssetKind, str], str] = {}  # lower-case code -> as written
        self.added = {AssetKind.DSS: 0, AssetKind.DT: 0}

    def _existing(self, model: Any, codes: set[str]) -> dict[str, Any]:
        return {code.lower(): (i, code) for i, code in self.ctx.session.execute(
            select(model.id, model.code).where(func.lower(model.code).in_(sorted(codes))))}

    def check(self, rows: list[Row], problems: Problems) -> list[tuple[AssetKind, dict[str,
                                                                                  Any]]]:
        today = self.ctx.now.date()
        codes = {row["code"].lower() for row in rows} | {row["substation"].lower()
                                                          for row in rows}
        dss_known = self._existing(Substation, codes)
        dt_known = self._existing(Transformer, codes)
        items = []
        for row in rows:
            kind = parse_kind(row["kind"])
            if kind is None:
                problems.add(row, "kind", f"{row['kind']!r} is not DSS or DT"
                             if row["kind"] else "is required: DSS or DT")
            fields, found = asset_fields(row["code"], row["name"], row["location"],
                                         row["latitude"], row["longitude"],
                                         row["capacity_kva"], row["installed_on"], today,
                                         row.number)
            for p in found:
                problems.add(row, p.field, p.reason)
            status = parse_status(row["status"] or AssetStatus.OPERATIONAL.value)
            if status is None:
                problems.add(row, "status", f"{row['status']!r} is not an asset status")
            key = fields.code.lower()
            if kind is not None and fields.code:
                known = dss_known if kind is AssetKind.DSS else dt_known
                if key in known or (kind, key) in self.seen:
                    problems.add(row, "code", f"{fields.code} is already on the register"
                                 + ("" if key in known else " (an earlier row of this file)"))
            parent = row["substation"]
            if kind is AssetKind.DT:
                if not parent:
                    problems.add(row, "substation", "is required for a transformer")
                elif parent.lower() not in dss_known and \
                        (AssetKind.DSS, parent.lower()) not in self.seen:
                    problems.add(row, "substation", f"no substation {parent!r} on the "
                                 "register or on an earlier row")
            if problems.has(row) or kind is None or status is None:
                continue
            self.seen[(kind, key)] = fields.code
            values: dict[str, Any] = {
                "code": fields.code, "name": fields.name, "location": fields.location,
                "latitude": fields.latitude, "longitude": fields.longitude,
                "capacity_kva": fields.capacity_kva, "installed_on": fields.installed_on,
                "status": status.value, "created_at": self.ctx.now, "version": 1}
            if kind is AssetKind.DT:
                values["substation_code"] = parent.lower()
            items.append((kind, values))
        return items

    def write(self, items: Sequence[tuple[AssetKind, dict[str, Any]]]) -> None:
        session = self.ctx.session
        dss = [v for k, v in items if k is AssetKind.DSS]
        if dss:
            session.execute(insert(Substation), dss)
        dts = [dict(v) for k, v in items if k is AssetKind.DT]
        if dts:
            parents = {code.lower(): i for i, code in session.execute(
                select(Substation.id, Substation.code).where(func.lower(Substation.code).in_(
                    sorted({v["substation_code"] for v in dts}))))}
            for v in dts:
                v["substation_id"] = parents[v.pop("substation_code")]
            session.execute(insert(Transformer), dts)
        self.added[AssetKind.DSS] += len(dss)
        self.added[AssetKind.DT] += len(dts)


@service(Permission.ASSETS_MANAGE)
def import_assets(ctx: Ctx, path: str | Path, *, skip_invalid: bool = False,
                  rejects_path: str | Path | None = None, progress: Progress | None = None,
                  cancelled: Cancelled | None = None) -> AssetImportResult:
    table = read_table(path, REQUIRED, OPTIONAL)
    run = _Run(ctx)
    summary = run_import(table, run.check, run.write, skip_invalid=skip_invalid,
                         rejects_path=rejects_path, progress=progress, cancelled=cancelled)
    ctx.audit("network_register", Path(path).name[:64], "import", after={
        "file": str(path), "rows": summary.rows, "substations": run.added[AssetKind.DSS],
        "transformers": run.added[AssetKind.DT], "rejected": summary.rejected})
    return AssetImportResult(summary.rows, run.added[AssetKind.DSS],
                             run.added[AssetKind.DT], summary.rejected, summary.rejects_path)
