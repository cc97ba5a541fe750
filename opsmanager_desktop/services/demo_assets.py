"""Demo network for the demo database (services/demo.py calls `add_network` at its end):
three substations, a transformer per about 40 electricity connections (each connection
gets its DT's code), a reading of every DT's meter in every cycle, set so the energy
balance shows losses from healthy (3 %) to theft-grade (35 %), one DT left unread in the
last cycle, maintenance schedules with some services logged and some overdue.

Written in bulk inside the demo's transaction; nothing here is a rule of the product.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, insert, select, update

from opsmanager_desktop.db.models import (
    Bill,
    BillingCycle,
    Connection,
    DtReading,
    MaintenanceLog,
    MaintenanceSchedule,
    Substation,
    Transformer,
    UtilityType,
)
from opsmanager_desktop.domain.assets import add_months
from opsmanager_desktop.services.core import Ctx

PER_DT = 40
SUBSTATIONS = (("DSS-CEN", "Central 33/11 kV", "Marina road", "6.451400", "3.388800"),
               ("DSS-NTH", "North 33/11 kV", "Ikorodu road", "6.602100", "3.351500"),
               ("DSS-EST", "East 33/11 kV", "Lekki expressway", "6.440600", "3.474100"))
AREAS = ("Market", "School", "Church", "Clinic", "Estate", "Junction", "Park", "Garage")
KVA = (Decimal(200), Decimal(300), Decimal(500), Decimal(630))


def add_network(ctx: Ctx, seed: int = 1) -> int:
    """Returns the number of transformers added."""
    s, rng, now = ctx.session, random.Random(seed * 7919), ctx.now
    electric = list(s.scalars(
        select(Connection.id).join(UtilityType, UtilityType.id == Connection.utility_type_id)
        .where(UtilityType.code == "electricity").order_by(Connection.id)))
    if not electric:
        return 0
    dss_ids = []
    for code, name, place, lat, lon in SUBSTATIONS:
        dss = Substation(code=code, name=name, location=place, latitude=Decimal(lat),
                         longitude=Decimal(lon), capacity_kva=Decimal(15000),
                         installed_on=now.date() - timedelta(days=rng.randint(2000, 6000)),
                         status="OPERATIONAL", created_at=now)
        s.add(dss)
        s.flush()
        dss_ids.append(dss.id)
    count = max(1, len(electric) // PER_DT)
    dts: list[dict[str, Any]] = []
    for n in range(count):
        status = "FAULTY" if n == 3 else "UNDER_MAINTENANCE" if n == 5 else "OPERATIONAL"
        dts.append({"code": f"DT-{n + 1:03d}", "name": f"{AREAS[n % len(AREAS)]} "
                    f"{n // len(AREAS) + 1}", "substation_id": dss_ids[n % len(dss_ids)],
                    "location": f"{AREAS[n % len(AREAS)]} street", "latitude": None,
                    "longitude": None, "capacity_kva": rng.choice(KVA),
                    "installed_on": now.date() - timedelta(days=rng.randint(400, 5000)),
                    "status": status, "created_at": now, "version": 1})
    s.execute(insert(Transformer), dts)
    for n, chunk in enumerate(range(0, len(electric), PER_DT)):
        code = f"DT-{min(n, count - 1) + 1:03d}"
        s.execute(update(Connection).where(Connection.id.in_(electric[chunk:chunk + PER_DT]))
                  .values(transformer_code=code))
    ids = dict(s.execute(select(Transformer.code, Transformer.id)).all())
    _readings(ctx, rng, ids)
    _maintenance(ctx, rng, ids, dss_ids)
    return count


def _readings(ctx: Ctx, rng: random.Random, ids: dict[str, int]) -> None:
    s = ctx.session
    cycles = list(s.execute(select(BillingCycle.id, BillingCycle.end_date)
                            .order_by(BillingCycle.period)))
    billed: dict[tuple[int, str], Decimal] = {
        (cycle_id, code or ""): units for cycle_id, code, units in s.execute(
            select(Bill.cycle_id, Connection.transformer_code, func.sum(Bill.units))
            .join(Connection, Connection.id == Bill.connection_id)
            .where(Connection.transformer_code.is_not(None))
            .group_by(Bill.cycle_id, Connection.transformer_code))}
    # a few DTs lose a lot (bypassed meters, illegal connections): the balance shows them
    loss = {code: Decimal(rng.choice((3, 4, 5, 6, 8, 9, 12, 15, 22, 35))) for code in ids}
    register = {code: Decimal(rng.randint(10_000, 900_000)) for code in ids}
    rows = []
    for index, (cycle_id, end) in enumerate(cycles):
        for code, t_id in ids.items():
            if index == len(cycles) - 1 and code == "DT-002":
                continue  # the meter reader missed it: shown with no percent
            sold = billed.get((cycle_id, code), Decimal(0))
            spread = loss[code] + Decimal(rng.randint(-10, 10)) / 10
            taken = (sold * 100 / (100 - spread)).quantize(Decimal(1), ROUND_HALF_UP)
            rows.append({"transformer_id": t_id, "cycle_id": cycle_id,
                         "previous_reading": register[code],
                         "current_reading": register[code] + taken, "units": taken,
                         "read_at": min(end, ctx.now.date()), "source": "IMPORT",
                         "entered_by": ctx.username, "entered_at": ctx.now})
            register[code] += taken
    if rows:
        s.execute(insert(DtReading), rows)


def _maintenance(ctx: Ctx, rng: random.Random, ids: dict[str, int],
                 dss_ids: list[int]) -> None:
    s, today = ctx.session, ctx.now.date()
    schedules, logs = [], []
    for n, t_id in enumerate(ids.values()):
        months = 6 if n % 2 else 12
        start = today - timedelta(days=rng.randint(200, 500))
        schedules.append({"substation_id": None, "transformer_id": t_id,
                          "interval_months": months,
                          "starts_on": start, "created_by": ctx.username,
                          "created_at": ctx.now})
        if n % 3:  # two in three serviced since; the rest fall overdue
            done = today - timedelta(days=rng.randint(10, 150))
            logs.append({"substation_id": None, "transformer_id": t_id, "done_on": done,
                         "work_done": rng.choice(("Oil topped up, silica gel changed",
                                                  "Fuses replaced, earthing checked",
                                                  "Bushings cleaned, oil sample taken")),
                         "done_by": ctx.username, "next_due": add_months(done, months),
                         "recorded_by": ctx.username, "recorded_at": ctx.now})
    for dss_id in dss_ids:
        schedules.append({"substation_id": dss_id, "transformer_id": None,
                          "interval_months": 12,
                          "starts_on": today - timedelta(days=300), "created_by": ctx.username,
                          "created_at": ctx.now})
    s.execute(insert(MaintenanceSchedule), schedules)
    if logs:
        s.execute(insert(MaintenanceLog), logs)
