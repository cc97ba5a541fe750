"""Network assets on SQLite and MariaDB: the DSS/DT register (versions, statuses, connection
counts, codes not on the register), maintenance schedules, logs and overdue, DT readings
(entry and file import) and the DT energy balance of a cycle."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, update

from opsmanager_desktop.db.models import AuditEntry, Connection, DtReading
from opsmanager_desktop.domain.assets import AssetStatus
from opsmanager_desktop.domain.energy_balance import NO_READING
from opsmanager_desktop.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import assets, dt_readings, energy_balance, maintenance
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.billing import run_billing
from opsmanager_desktop.services.listing import ListQuery
from tests.billing_data import World, add_connections, make_world, open_cycle
from tests.helpers import token_for

D = Decimal


def _register(backend: Backend) -> str:
    sup = token_for(backend, Role.SUPERVISOR, "sup")
    assets.add_substation(backend, sup, "DSS-N", "North 33/11kV", "15000",
                          location="Ring road", latitude="6.5", longitude="3.35",
                          installed_on="2015-03-01")
    assets.add_substation(backend, sup, "DSS-S", "South", "7500")
    for code, dss, kva in (("TR-1", "DSS-N", "500"), ("TR-2", "DSS-N", "300"),
                           ("TR-3", "DSS-S", "200")):
        assets.add_transformer(backend, sup, code, f"Transformer {code}", dss, kva)
    return sup


def _routes(backend: Backend, world: World, routes: list[str | None], units: list[str]
            ) -> list[int]:
    ids = add_connections(world, [("DOM", u, "0") for u in units], "2026-01")
    with backend.sessions.begin() as s:
        for conn, route in zip(ids, routes, strict=True):
            s.execute(update(Connection).where(Connection.id == conn)
                      .values(transformer_code=route))
    return ids


def test_register_versions_statuses_and_counts(backend: Backend) -> None:
    world = make_world(backend)
    open_cycle(world, "2026-01")
    sup = _register(backend)
    _routes(backend, world, ["TR-1", "TR-1", "TR-2", "TR-9", "TR-9", None], ["1"] * 6)
    page = assets.list_transformers(backend, sup, ListQuery())
    assert [(r.code, r.substation, r.connections) for r in page.rows] == [
        ("TR-1", "DSS-N", 2), ("TR-2", "DSS-N", 1), ("TR-3", "DSS-S", 0)]
    assert page.total == 3
    only = assets.list_transformers(backend, sup, ListQuery(filters={"substation": "dss-s"}))
    assert [r.code for r in only.rows] == ["TR-3"]
    assert [u.__dict__ for u in assets.unregistered_codes(backend, sup)] == [
        {"transformer_code": "TR-9", "connections": 2}]
    dss = {s.code: s for s in assets.list_substations(backend, sup)}
    assert (dss["DSS-N"].transformers, dss["DSS-N"].latitude) == (2, D("6.500000"))

    tr1 = assets.get_transformer(backend, sup, "tr-1")
    moved = assets.update_transformer(backend, sup, "TR-1", version=tr1.version,
                                      name="Market square", substation="DSS-S",
                                      capacity_kva="630")
    assert (moved.substation, moved.capacity_kva, moved.version) == ("DSS-S", D("630.000"),
                                                                     tr1.version + 1)
    with pytest.raises(Conflict, match="reload"):  # the editor showed the old version
        assets.update_transformer(backend, sup, "TR-1", version=tr1.version, name="x",
                                  substation="DSS-S", capacity_kva="1")
    faulty = assets.set_transformer_status(backend, sup, "TR-1", "faulty",
                                           version=moved.version)
    assert faulty.status is AssetStatus.FAULTY
    faulty_only = assets.list_transformers(backend, sup, ListQuery(filters={"status": "FAULTY"}))
    assert [r.code for r in faulty_only.rows] == ["TR-1"]
    assert [r.code for r in assets.list_transformers(
        backend, sup, ListQuery(search="Market")).rows] == ["TR-1"]
    with pytest.raises(Conflict, match=r"still feeds transformers in service .*TR-1"):
        assets.set_substation_status(backend, sup, "DSS-S", "decommissioned")
    for code in ("TR-1", "TR-3"):
        assets.set_transformer_status(backend, sup, code, AssetStatus.DECOMMISSIONED)
    assert assets.set_substation_status(backend, sup, "DSS-S", "decommissioned"
                                        ).status is AssetStatus.DECOMMISSIONED
    with pytest.raises(Conflict, match="decommissioned"):
        assets.add_transformer(backend, sup, "TR-4", "New", "DSS-S", "100")
    with backend.sessions() as s:
        actions = set(s.execute(select(AuditEntry.entity, AuditEntry.action)))
    assert {("transformer", "update"), ("transformer", "set_status"),
            ("substation", "set_status"), ("substation", "create")} <= actions


def test_bad_input_names_fields(backend: Backend) -> None:
    sup = token_for(backend, Role.SUPERVISOR, "sup")
    with pytest.raises(ValidationError) as caught:
        assets.add_substation(backend, sup, "bad code", "", "-5", latitude="95",
                              installed_on="2999-01-01")
    assert {p.field for p in caught.value.problems} == {
        "code", "name", "capacity_kva", "latitude", "longitude", "installed_on"}
    with pytest.raises(ValidationError, match="capacity_kva: 'lots' is not a number"):
        assets.add_substation(backend, sup, "D1", "One", "lots")
    with pytest.raises(ValidationError, match="status: 'broken' is not an asset status"):
        assets.add_substation(backend, sup, "D1", "One", "10", status="broken")
    # a set-status call checks the status first, even for a code no asset has
    for set_status in (assets.set_substation_status, assets.set_transformer_status):
        with pytest.raises(ValidationError, match="status: 'broken' is not an asset status"):
            set_status(backend, sup, "NOWHERE", "broken")
    assets.add_substation(backend, sup, "D1", "One", "10")
    with pytest.raises(Conflict, match="already exists"):
        assets.add_substation(backend, sup, "d1", "Again", "10")
    with pytest.raises(NotFound, match="no substation 'D2'"):
        assets.add_transformer(backend, sup, "T1", "T", "D2", "10")
    with pytest.raises(ValidationError, match="substation: is required"):
        assets.add_transformer(backend, sup, "T1", "T", " ", "10")
    with pytest.raises(ValidationError, match="interval_months"):
        maintenance.set_schedule(backend, sup, "dss", "D1", "0")
    with pytest.raises(ValidationError, match="kind"):
        maintenance.set_schedule(backend, sup, "pole", "D1", "6")


def test_rights(backend: Backend) -> None:
    fo = token_for(backend, Role.FIELD_OFFICER, "fo")
    with pytest.raises(PermissionDenied):
        assets.add_substation(backend, fo, "D1", "One", "10")
    bo = token_for(backend, Role.BILLING_OFFICER, "bo")
    with pytest.raises(PermissionDenied):
        maintenance.log_maintenance(backend, bo, "dss", "D1", "oil")
    with pytest.raises(PermissionDenied):
        dt_readings.add_dt_reading(backend, fo, "T1", "2026-01", "10")
    assert assets.list_transformers(backend, fo, ListQuery()).total == 0


def test_maintenance_schedule_log_and_overdue(backend: Backend) -> None:
    sup = token_for(backend, Role.SUPERVISOR, "sup")
    fo = token_for(backend, Role.FIELD_OFFICER, "fo")
    assets.add_substation(backend, sup, "D1", "One", "1000")
    assets.add_transformer(backend, sup, "T1", "T one", "D1", "100")
    assets.add_transformer(backend, sup, "T2", "T two", "D1", "100")
    maintenance.set_schedule(backend, sup, "dss", "D1", 12, starts_on="2025-01-15")
    maintenance.set_schedule(backend, sup, "DT", "T1", "6", starts_on="2026-01-31")
    maintenance.set_schedule(backend, sup, "DT", "T2", "3", starts_on="2026-06-01")
    logged = maintenance.log_maintenance(backend, fo, "dt", "T1", "Oil topped up, bushings "
                                         "cleaned", done_on="2026-02-28")
    assert (logged.done_by, logged.next_due) == ("fo", date(2026, 8, 28))
    overdue = maintenance.overdue_maintenance(backend, fo, as_of="2026-09-01")
    assert [(o.kind.value, o.code, o.due, o.days_overdue) for o in overdue] == [
        ("DSS", "D1", date(2026, 1, 15), 229), ("DT", "T1", date(2026, 8, 28), 4)]
    assets.set_transformer_status(backend, sup, "T1", "decommissioned")
    assert [o.code for o in maintenance.overdue_maintenance(
        backend, fo, as_of="2026-09-02")] == ["D1", "T2"]
    history = maintenance.maintenance_history(backend, fo, "dt", "T1")
    assert history.schedule is not None and history.schedule.next_due == date(2026, 8, 28)
    assert [h.work_done for h in history.logs] == ["Oil topped up, bushings cleaned"]
    with pytest.raises(ValidationError) as caught:
        maintenance.log_maintenance(backend, fo, "dt", "T2", " ", done_on="2999-01-01",
                                    done_by="ghost")
    assert {p.field for p in caught.value.problems} == {"work_done", "done_on", "done_by"}


def _balance_world(backend: Backend) -> tuple[World, str]:
    world = make_world(backend)
    open_cycle(world, "2026-01")
    sup = _register(backend)
    _routes(backend, world, ["TR-1", "TR-1", "TR-2", "TR-3"], ["100", "200", "50", "10"])
    water = add_connections(world, [("WAT", "999", "0")], "2026-01")  # not electricity
    with backend.sessions.begin() as s:
        s.execute(update(Connection).where(Connection.id == water[0])
                  .values(transformer_code="TR-1"))
    run_billing(backend, world.officer, "2026-01")
    return world, sup


def test_dt_readings_and_energy_balance(backend: Backend) -> None:
    world, sup = _balance_world(backend)
    bo = world.officer
    first = dt_readings.add_dt_reading(backend, bo, "tr-1", "2026-01", "1400", previous="1000")
    assert (first.transformer, first.units, first.read_at) == ("TR-1", D("400.000"),
                                                               date(2026, 1, 31))
    with pytest.raises(Conflict, match="already has a reading"):
        dt_readings.add_dt_reading(backend, bo, "TR-1", "2026-01", "1500")
    with pytest.raises(ValidationError, match="previous: this DT has no earlier reading"):
        dt_readings.add_dt_reading(backend, bo, "TR-2", "2026-01", "80")
    with pytest.raises(ValidationError, match=r"reading: 40\.5 is below the previous"):
        dt_readings.add_dt_reading(backend, bo, "TR-2", "2026-01", "40.5", previous="41")
    dt_readings.add_dt_reading(backend, bo, "TR-2", "2026-01", "50", previous="0")
    rows = energy_balance.energy_balance(backend, sup, "2026-01")
    got = [(r.transformer, r.input_kwh, r.billed_kwh, r.bills, r.loss_kwh, r.loss_percent)
           for r in rows]
    assert got == [("TR-1", D("400.000"), D("300.000"), 2, D("100.000"), D("25.00")),
                   ("TR-2", D("50.000"), D("50.000"), 1, D("0.000"), D("0.00")),
                   ("TR-3", None, D("10.000"), 1, None, None)]
    assert rows[-1].reason == NO_READING
    latest = energy_balance.latest_balance(backend, sup, "TR-1")
    assert latest is not None and latest.loss_percent == D("25.00")
    assert energy_balance.latest_balance(backend, sup, "TR-3") is None
    # the next cycle's previous reading defaults to this one's current
    open_cycle(world, "2026-02")
    second = dt_readings.add_dt_reading(backend, bo, "TR-1", "2026-02", "1700.5")
    assert (second.previous_reading, second.units) == (D("1400.000"), D("300.500"))
    assert energy_balance.balance_cycles(backend, sup) == ["2026-02", "2026-01"]


def _csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_dt_reading_import_all_or_nothing(backend: Backend, tmp_path: Path) -> None:
    world, sup = _balance_world(backend)
    bo = world.officer
    bad = _csv(tmp_path / "dt.csv", ["transformer,reading,previous,read_at",
                                     "TR-1,1400,1000,2026-01-30",
                                     "TR-2,abc,0,",
                                     "TR-9,10,0,",
                                     "TR-3,5,9,",
                                     "TR-1,1500,1400,"])
    with pytest.raises(ValidationError) as caught:
        dt_readings.import_dt_readings(backend, bo, bad, "2026-01")
    where = {(p.row, p.field) for p in caught.value.problems}
    assert where == {(3, "reading"), (4, "transformer"), (5, "reading"), (6, "transformer")}
    with backend.sessions() as s:
        assert s.scalar(select(func.count()).select_from(DtReading)) == 0
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in (("transformer", "reading", "previous"), ("TR-1", "1400", "1000"),
                 ("TR-2", "55", "0")):
        sheet.append(line)
    book.save(tmp_path / "dt.xlsx")
    result = dt_readings.import_dt_readings(backend, bo, tmp_path / "dt.xlsx", "2026-01")
    assert (result.rows, result.recorded, result.rejected) == (2, 2, 0)
    assert [(r.transformer, r.units, r.source) for r in dt_readings.list_dt_readings(
        backend, sup, "2026-01")] == [("TR-1", D("400.000"), "IMPORT"),
                                      ("TR-2", D("55.000"), "IMPORT")]
    skipped = dt_readings.import_dt_readings(
        backend, bo, _csv(tmp_path / "again.csv", ["transformer,reading,previous",
                                                   "TR-3,20,0", "TR-1,1,0"]),
        "2026-01", skip_invalid=True, rejects_path=tmp_path / "rejects.csv")
    assert (skipped.recorded, skipped.rejected) == (1, 1)
    assert "already has a reading" in (tmp_path / "rejects.csv").read_text(encoding="utf-8")
