"""The record bookkeeping enumerations and evaluations share (services/field_common.py):
a record stored with its photos and audit row, found or not found by id, rejected with its
audit row, and the officer and time checks, each in its own kind's words."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from opsmanager_desktop.db.models import AuditEntry, Connection, FieldPhoto
from opsmanager_desktop.domain.errors import NotFound, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import enumerations as en
from opsmanager_desktop.services import evaluations as ev
from opsmanager_desktop.services.backend import Backend
from tests.billing_data import add_connections, make_world, open_cycle
from tests.helpers import token_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def test_record_and_reject_in_each_kind_s_words(backend: Backend) -> None:
    world = make_world(backend)
    fo = token_for(backend, Role.FIELD_OFFICER, "fo1")
    sup = token_for(backend, Role.SUPERVISOR, "sup")
    open_cycle(world, "2026-01")
    [cid] = add_connections(world, [("DOM", "150", "0")], "2026-01")
    with backend.sessions() as s:
        meter = s.scalar(select(Connection.meter_number).where(Connection.id == cid))
    enum = en.record_enumeration(backend, fo, en.NewEnumeration(
        "new", "Ada Obi", "Electricity", "m-900", tariff_code="dom"),
        photos=[("front.png", PNG)]).record
    insp = ev.record_evaluation(backend, fo, ev.NewEvaluation(
        str(meter), "electricity", "DOM", "ok"), photos=[("a.png", PNG), ("b.png", PNG)]
        ).record
    en.reject_enumerations(backend, sup, enum.id, "seen twice")
    ev.reject_evaluations(backend, sup, [insp.id], "wrong meter")
    with backend.sessions() as s:
        audits = [(a.entity, a.entity_id, a.action, a.username) for a in s.scalars(
            select(AuditEntry).where(AuditEntry.entity.in_(("enumeration", "evaluation")))
            .order_by(AuditEntry.id))]
        photos = s.execute(select(FieldPhoto.enumeration_id, FieldPhoto.evaluation_id)
                           .order_by(FieldPhoto.id)).all()
    assert audits == [("enumeration", str(enum.id), "record", "fo1"),
                      ("evaluation", str(insp.id), "record", "fo1"),
                      ("enumeration", str(enum.id), "reject", "sup"),
                      ("evaluation", str(insp.id), "reject", "sup")]
    assert [tuple(p) for p in photos] == [(enum.id, None), (None, insp.id), (None, insp.id)]
    rejected = ev.get_evaluation(backend, sup, insp.id).record
    assert (rejected.status.value, rejected.decided_by, rejected.reject_reason) == (
        "REJECTED", "sup", "wrong meter")
    with pytest.raises(NotFound, match=r"^no enumeration 999$"):
        en.get_enumeration(backend, sup, 999)
    with pytest.raises(NotFound, match=r"^no evaluation 999$"):
        ev.reject_evaluations(backend, sup, 999, "gone")
    with pytest.raises(ValidationError) as info:
        ev.record_evaluation(backend, sup, ev.NewEvaluation(
            str(meter), "electricity", "DOM", "ok", recorded_by="nobody",
            inspected_at=datetime(2099, 1, 1, 8, 0)))
    assert {(p.field, p.reason) for p in info.value.problems} == {
        ("officer", "no user 'nobody'; name the officer by user name"),
        ("inspected_at", "2099-01-01 08:00 is in the future")}
