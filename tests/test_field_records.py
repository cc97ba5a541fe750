"""Enumerations and evaluations on both databases: recording, possible duplicates, the
supervisor's decision and its effects (customer created, existing one corrected, tariff
from the next cycle, penalty debit), refusals, all-or-nothing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from opsmanager_desktop.db.models import (
    AccountCharge,
    AuditEntry,
    Bill,
    BillingCycle,
    Connection,
    Customer,
    Enumeration,
    Evaluation,
    TariffPlan,
    TariffVersion,
)
from opsmanager_desktop.domain.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from opsmanager_desktop.domain.field_records import EnumerationKind, RecordStatus
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import enumerations as en
from opsmanager_desktop.services import evaluations as ev
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.billing import run_billing
from opsmanager_desktop.services.listing import ListQuery
from tests.billing_data import World, add_connections, make_world, open_cycle, readings_for
from tests.helpers import token_for

D = Decimal
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def _meter(backend: Backend, conn_id: int) -> tuple[str, str]:
    with backend.sessions() as s:
        c = s.get(Connection, conn_id)
        assert c is not None
        acc = s.scalar(select(Customer.account_no).where(Customer.id == c.customer_id))
        return c.meter_number, str(acc)


def _people(backend: Backend) -> tuple[str, str]:
    return (token_for(backend, Role.FIELD_OFFICER, "fo1"),
            token_for(backend, Role.SUPERVISOR, "sup"))


def test_new_enumeration_approved_creates_customer(backend: Backend) -> None:
    world = make_world(backend)
    fo, sup = _people(backend)
    detail = en.record_enumeration(backend, fo, en.NewEnumeration(
        "new", "Ada Obi", "Electricity", "m-900", address="4 Hill St", phone="+234 801 555 0101",
        email="ada@example.com", tariff_code="dom", transformer_code="DT-7",
        latitude=D("6.524379"), longitude=D("3.379206"), notes="found on survey"),
        photos=[("front.png", PNG)])
    rec = detail.record
    assert (rec.kind, rec.status, rec.meter_number, rec.tariff_code, rec.recorded_by) == (
        EnumerationKind.NEW, RecordStatus.PENDING, "M-900", "DOM", "fo1")
    assert detail.duplicates == () and len(detail.photos) == 1
    assert en.get_field_photo(backend, sup, detail.photos[0].id) == PNG
    [done] = en.approve_enumerations(backend, sup, rec.id, account_no="acc-77")
    assert (done.status, done.decided_by, done.account_no) == (
        RecordStatus.APPROVED, "sup", "ACC-77")
    with backend.sessions() as s:
        cust = s.scalars(select(Customer).where(Customer.account_no == "ACC-77")).one()
        conn = s.scalars(select(Connection).where(Connection.customer_id == cust.id)).one()
        assert (cust.name, cust.phone, conn.meter_number, conn.transformer_code,
                conn.tariff_plan_id) == ("Ada Obi", "+234 801 555 0101", "M-900", "DT-7",
                                         world.plans["DOM"])
        actions = set(s.scalars(select(AuditEntry.action).where(
            AuditEntry.entity.in_(("enumeration", "customer", "connection")))))
    assert {"record", "approve", "create"} <= actions
    with pytest.raises(Conflict, match="already approved"):
        en.approve_enumerations(backend, sup, rec.id)
    with pytest.raises(Conflict, match="already approved"):
        en.reject_enumerations(backend, sup, [rec.id], "late")


def test_duplicates_and_new_on_a_fitted_meter_refused(backend: Backend) -> None:
    world = make_world(backend)
    fo, sup = _people(backend)
    [cid] = add_connections(world, [("DOM", None, "0")])
    meter, acc = _meter(backend, cid)
    with backend.sessions.begin() as s:
        s.execute(Customer.__table__.update().where(Customer.account_no == acc)
                  .values(phone="0801 222 3333"))
    rec = en.record_enumeration(backend, fo, en.NewEnumeration(
        "NEW", "Someone", "electricity", meter, phone="0801 222 3333", tariff_code="DOM")).record
    dups = en.get_enumeration(backend, sup, rec.id).duplicates
    assert [(d.account_no, d.matched_by, d.meter_number) for d in dups] == [
        (acc, ("meter", "phone"), meter)]
    with pytest.raises(Conflict, match="already fitted"):
        en.approve_enumerations(backend, sup, rec.id)
    assert en.get_enumeration(backend, sup, rec.id).record.status is RecordStatus.PENDING
    [rej] = en.reject_enumerations(backend, sup, rec.id, "duplicate of " + acc)
    assert (rej.status, rej.reject_reason) == (RecordStatus.REJECTED, "duplicate of " + acc)


def test_update_enumeration_corrects_customer_and_connection(backend: Backend) -> None:
    world = make_world(backend)
    fo, sup = _people(backend)
    [cid] = add_connections(world, [("DOM", None, "0")])
    meter, acc = _meter(backend, cid)
    rec = en.record_enumeration(backend, fo, en.NewEnumeration(
        "update", "Renamed Person", "electricity", meter, account_no=acc,
        phone="0809 111 2222", tariff_code="COM", transformer_code="DT-9")).record
    assert [d.matched_by for d in en.get_enumeration(backend, sup, rec.id).duplicates] == [
        ("account", "meter")]
    en.approve_enumerations(backend, sup, [rec.id])
    with backend.sessions() as s:
        cust = s.scalars(select(Customer).where(Customer.account_no == acc)).one()
        conn = s.get(Connection, cid)
        assert conn is not None
        assert (cust.name, cust.phone, cust.address) == (
            "Renamed Person", "0809 111 2222", cust.address)
        assert cust.address  # a blank field keeps what is stored
        assert (conn.tariff_plan_id, conn.transformer_code) == (world.plans["COM"], "DT-9")


def test_bad_enumerations_name_the_field_and_write_nothing(backend: Backend) -> None:
    make_world(backend)
    fo, sup = _people(backend)
    with pytest.raises(ValidationError) as info:
        en.record_enumeration(backend, fo, en.NewEnumeration(
            "maybe", "", "gas", "", phone="abc", email="nope", latitude=D("91"),
            tariff_code="NOPE"))
    fields = {p.field for p in info.value.problems}
    assert {"kind", "name", "utility", "meter_number", "phone", "email", "latitude",
            "tariff_code"} <= fields
    with pytest.raises(ValidationError, match="account_no"):
        en.record_enumeration(backend, fo, en.NewEnumeration(
            "UPDATE", "X", "electricity", "M-1", account_no="NOPE-1"))
    with pytest.raises(ValidationError, match="tariff_code"):
        en.record_enumeration(backend, fo, en.NewEnumeration("NEW", "X", "electricity", "M-1"))
    with pytest.raises(ValidationError, match="reason"):
        en.reject_enumerations(backend, sup, [1], "  ")
    with pytest.raises(NotFound):
        en.approve_enumerations(backend, sup, [12345])
    with backend.sessions() as s:
        assert s.scalar(select(func.count(Enumeration.id))) == 0


def test_bulk_approval_is_all_or_nothing(backend: Backend) -> None:
    world = make_world(backend)
    fo, sup = _people(backend)
    [cid] = add_connections(world, [("DOM", None, "0")])
    meter, _acc = _meter(backend, cid)
    good = en.record_enumeration(backend, fo, en.NewEnumeration(
        "NEW", "Good", "electricity", "M-GOOD", tariff_code="DOM")).record
    clash = en.record_enumeration(backend, fo, en.NewEnumeration(
        "NEW", "Clash", "electricity", meter, tariff_code="DOM")).record
    with pytest.raises(Conflict):
        en.approve_enumerations(backend, sup, [good.id, clash.id])
    with backend.sessions() as s:
        assert s.scalar(select(func.count(Customer.id)).where(Customer.name == "Good")) == 0
    page = en.list_enumerations(backend, sup, ListQuery(filters={"status": "pending",
                                                                 "officer": "fo1"}))
    assert {r.id for r in page.rows} == {good.id, clash.id} and page.total == 2


def test_rights(backend: Backend) -> None:
    world = make_world(backend)
    fo, _sup = _people(backend)
    rec = en.record_enumeration(backend, fo, en.NewEnumeration(
        "NEW", "A", "electricity", "M-R1", tariff_code="DOM")).record
    with pytest.raises(PermissionDenied):
        en.approve_enumerations(backend, fo, rec.id)
    with pytest.raises(PermissionDenied):
        en.record_enumeration(backend, world.officer, en.NewEnumeration(
            "NEW", "A", "electricity", "M-R2", tariff_code="DOM"))
    ao = token_for(backend, Role.ACCOUNTS_OFFICER, "ao")
    with pytest.raises(PermissionDenied):
        en.list_enumerations(backend, ao)
    assert en.list_enumerations(backend, world.officer).total == 1


def _inspection(backend: Backend, world: World) -> tuple[int, str, str, str]:
    fo, sup = _people(backend)
    open_cycle(world, "2026-01")
    [cid] = add_connections(world, [("DOM", "150", "0")], "2026-01")
    meter, _acc = _meter(backend, cid)
    return cid, meter, fo, sup


def test_evaluation_tariff_from_next_cycle_and_penalty(backend: Backend) -> None:
    world = make_world(backend)
    cid, meter, fo, sup = _inspection(backend, world)
    rec = ev.record_evaluation(backend, fo, ev.NewEvaluation(
        meter, "electricity", "COM", "bypassed", inspected_at=datetime(2026, 1, 20, 10, 30),
        evidence="cable around the meter", estimated_loss=D("1234.50"), penalty=D("500.00")),
        photos=[("bypass.png", PNG)]).record
    assert (rec.tariff_found, rec.tariff_billed, rec.tariff_differs, rec.status) == (
        "COM", "DOM", True, RecordStatus.PENDING)
    [ok] = ev.approve_evaluations(backend, sup, rec.id)
    # 2026-01 is open: the change bills from 2026-02
    assert (ok.status, ok.effective_period, ok.tariff_applied_at) == (
        RecordStatus.APPROVED, "2026-02", None)
    with backend.sessions() as s:
        charge = s.scalars(select(AccountCharge)).one()
        assert (charge.connection_id, charge.amount, charge.source) == (
            cid, D("500.00"), "EVALUATION")
    run_billing(backend, world.officer, "2026-01")
    open_cycle(world, "2026-02")
    readings_for(world, "2026-02", {cid: "150"})
    with backend.sessions() as s:
        assert s.get(Connection, cid).tariff_plan_id == world.plans["DOM"]  # type: ignore[union-attr]
    run_billing(backend, world.officer, "2026-02")
    with backend.sessions() as s:
        billed = {period: (code, total) for period, code, total in s.execute(
            select(BillingCycle.period, TariffPlan.code, Bill.total)
            .join(BillingCycle, BillingCycle.id == Bill.cycle_id)
            .join(TariffVersion, TariffVersion.id == Bill.tariff_version_id)
            .join(TariffPlan, TariffPlan.id == TariffVersion.plan_id)
            .where(Bill.connection_id == cid))}
        assert s.get(Connection, cid).tariff_plan_id == world.plans["COM"]  # type: ignore[union-attr]
    # 150 units on DOM: 100x5 + 50x10 + 50 fixed + 10 % = 1155.00; on COM it differs
    assert billed["2026-01"] == ("DOM", D("1155.00"))
    assert billed["2026-02"][0] == "COM" and billed["2026-02"][1] != D("1155.00")
    detail = ev.get_evaluation(backend, sup, rec.id)
    assert detail.record.tariff_applied_at is not None and detail.current_tariff == "COM"
    with pytest.raises(Conflict, match="already approved"):
        ev.approve_evaluations(backend, sup, rec.id)


def test_evaluation_same_tariff_no_penalty_and_refusals(backend: Backend) -> None:
    world = make_world(backend)
    _cid, meter, fo, sup = _inspection(backend, world)
    rec = ev.record_evaluation(backend, fo, ev.NewEvaluation(
        meter, "electricity", "DOM", "ok")).record
    [ok] = ev.approve_evaluations(backend, sup, [rec.id])
    assert ok.effective_period is None
    with backend.sessions() as s:
        assert s.scalar(select(func.count(AccountCharge.id))) == 0
    with pytest.raises(ValidationError) as info:
        ev.record_evaluation(backend, fo, ev.NewEvaluation(
            "NOPE", "electricity", "WAT", "tampered", penalty=D("-1"),
            estimated_loss=D("1.234")))
    assert {p.field for p in info.value.problems} >= {
        "meter_number", "evidence", "penalty", "estimated_loss"}
    with pytest.raises(ValidationError, match="another utility"):
        ev.record_evaluation(backend, fo, ev.NewEvaluation(meter, "electricity", "WAT", "OK"))
    with pytest.raises(PermissionDenied):
        ev.approve_evaluations(backend, fo, rec.id)
    second = ev.record_evaluation(backend, fo, ev.NewEvaluation(
        meter, "electricity", "COM", "damaged", inspected_at=datetime(2026, 1, 5))).record
    [rej] = ev.reject_evaluations(backend, sup, second.id, "photo unreadable")
    assert rej.status is RecordStatus.REJECTED
    page = ev.list_evaluations(backend, sup, ListQuery(filters={"status": "REJECTED"}))
    assert [r.id for r in page.rows] == [second.id]
    with backend.sessions() as s:
        assert s.scalar(select(func.count(Evaluation.id))) == 2
