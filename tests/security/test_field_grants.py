"""Field records in per-officer mode on MariaDB: every step runs on the officer's own
database account, so a GRANT missing from db/security/privileges.py fails here (recording
and importing, approving NEW and UPDATE enumerations and an inspection with a penalty, and
the billing run that writes the tariff found)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.domain.tariff import Slab, Tariff
from opsmanager_desktop.services import (
    billing,
    customers,
    cycles,
    enumeration_import,
    enumerations,
    evaluations,
    readings,
    tariffs,
    users,
    utilities,
)
from opsmanager_desktop.services.connections import NewConnection, get_connection
from tests.helpers import PASSWORD
from tests.security.installation import Installation

pytestmark = pytest.mark.mysql
D = Decimal
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def test_field_records_under_the_database_grants(installation: Installation,
                                                 tmp_path: Path) -> None:
    inst = installation
    admin_b, admin = inst.sign_in("admin")
    for name, role in (("fbo", Role.BILLING_OFFICER), ("fsup", Role.SUPERVISOR),
                       ("ffo", Role.FIELD_OFFICER)):
        users.add_user(admin_b, admin, name, role, PASSWORD)
    utilities.add_utility(admin_b, admin, "electricity", "Electricity", "kWh")
    for code, rate in (("FDOM", "5.00"), ("FCOM", "9.00")):
        tariffs.add_tariff(admin_b, admin, code, code, "electricity",
                           Tariff.simple((Slab(None, D(rate)),), D("10.00")), date(2020, 1, 1))
    cycles.open_cycle(admin_b, admin, "2026-09", 14)
    bo_b, bo = inst.sign_in("fbo")
    customers.create_customer(bo_b, bo, "F001", "Field One", connection=NewConnection(
        "electricity", "FM1", "FDOM", D("0"), connected_on=date(2026, 9, 1)))
    fo_b, fo = inst.sign_in("ffo")
    en = enumerations
    new = en.record_enumeration(fo_b, fo, en.NewEnumeration(
        "NEW", "Found Person", "electricity", "FM2", tariff_code="FDOM",
        transformer_code="DT-1"), photos=[("p.png", PNG)]).record
    upd = en.record_enumeration(fo_b, fo, en.NewEnumeration(
        "UPDATE", "Field One Corrected", "electricity", "FM1", account_no="F001",
        phone="0801 555 0199", transformer_code="DT-2")).record
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("kind,name,utility,meter_number,recorded_at,tariff_code\n"
                     "new,Sheet Person,electricity,FM3,2026-09-03 10:00,FDOM\n",
                     encoding="utf-8")
    assert enumeration_import.import_enumerations(fo_b, fo, sheet).recorded == 1
    inspection = evaluations.record_evaluation(fo_b, fo, evaluations.NewEvaluation(
        "FM1", "electricity", "FCOM", "BYPASSED", evidence="cable",
        penalty=D("100.00"))).record
    sup_b, sup = inst.sign_in("fsup")
    assert en.get_enumeration(sup_b, sup, new.id).photos
    en.approve_enumerations(sup_b, sup, [new.id, upd.id])
    [ok] = evaluations.approve_evaluations(sup_b, sup, inspection.id)
    assert ok.effective_period == "2026-10"
    bo_b, bo = inst.sign_in("fbo")
    readings.enter_reading(bo_b, bo, "FM1", "electricity", "2026-09", D("100"),
                           date(2026, 9, 28))
    sup_b, sup = inst.sign_in("fsup")
    readings.approve_readings(sup_b, sup, "2026-09")
    bo_b, bo = inst.sign_in("fbo")
    billing.run_billing(bo_b, bo, "2026-09")
    assert get_connection(bo_b, bo, "FM1", "electricity").tariff_code == "FDOM"
    cycles.open_cycle(admin_b, admin, "2026-10", 14)
    billing.run_billing(bo_b, bo, "2026-10")
    row = get_connection(bo_b, bo, "FM1", "electricity")
    assert (row.tariff_code, row.transformer_code) == ("FCOM", "DT-2")
    assert customers.get_customer(bo_b, bo, "F001").name == "Field One Corrected"
