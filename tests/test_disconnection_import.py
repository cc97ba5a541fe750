"""The field file of executed tickets on both databases: all-or-nothing with row and column
messages, duplicates counted not closed twice, --skip-invalid with a rejects file."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from opsmanager_desktop.db.models import Connection
from opsmanager_desktop.domain.errors import PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import disconnection as dis
from opsmanager_desktop.services import disconnection_import as imp
from opsmanager_desktop.services import disconnection_tickets as tickets
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import ListQuery
from tests import disconnection_data as data
from tests.helpers import token_for

HEADER = "ticket,outcome,executed_at,reason,executed_by"


def _tickets(dw: data.DisWorld, n: int = 3) -> list[int]:
    for _ in range(n):
        data.bill(dw, data.connection(dw), "800.00", data.LIST_DATE - timedelta(days=60))
    listed = dis.create_list(dw.backend, dw.sup, data.LIST_DATE)
    dis.approve_list(dw.backend, dw.sup, listed.id)
    return [t.id for t in tickets.list_tickets(dw.backend, dw.sup, ListQuery(sort="id")).rows]


def _statuses(backend: Backend) -> list[str]:
    with backend.sessions() as s:
        return list(s.scalars(select(Connection.status).order_by(Connection.id)))


def test_import_all_or_nothing_then_duplicates(backend: Backend, tmp_path: Path) -> None:
    dw = data.make(backend)
    ids = _tickets(dw)
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\n{ids[0]},DISCONNECTED,2026-03-31 09:00,,fo1\n"
                   f"{ids[1]},NOT_DISCONNECTED,2026-03-31 09:30,,fo1\n"
                   f"{ids[2]},RECONNECTED,2026-03-31 10:00,,ghost\n"
                   "abc,DISCONNECTED,2099-01-01 10:00,,\n"
                   "999,DISCONNECTED,yesterday,,\n", encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        imp.import_executed(backend, dw.field, bad)
    found = {(p.row, p.field) for p in caught.value.problems}
    assert found == {(3, "reason"), (4, "outcome"), (4, "executed_by"), (5, "ticket"),
                     (6, "ticket"), (6, "executed_at")}
    assert _statuses(backend) == ["ACTIVE"] * 3  # nothing written

    rejects = tmp_path / "rejects.csv"
    result = imp.import_executed(backend, dw.field, bad, skip_invalid=True,
                                 rejects_path=rejects)
    assert (result.rows, result.closed, result.rejected) == (5, 1, 4)
    with rejects.open(encoding="utf-8-sig") as f:
        assert len(list(csv.reader(f))) == 5  # header + the 4 bad rows
    assert _statuses(backend).count("DISCONNECTED") == 1

    good = tmp_path / "good.csv"
    good.write_text(f"{HEADER}\n{ids[0]},disconnected,2026-03-31 09:00,,fo1\n"
                    f"{ids[1]},not_disconnected,2026-03-31 09:30,access denied,fo1\n"
                    f"{ids[2]},DISCONNECTED,2026-03-31 10:00,,\n", encoding="utf-8")
    result = imp.import_executed(backend, dw.sup, good)
    assert (result.closed, result.duplicates, result.rejected) == (2, 1, 0)
    again = imp.import_executed(backend, dw.sup, good)
    assert (again.closed, again.duplicates) == (0, 3)
    rows = {t.id: t for t in tickets.list_tickets(backend, dw.sup, ListQuery()).rows}
    assert (rows[ids[1]].outcome, rows[ids[1]].reason) == ("NOT_DISCONNECTED", "access denied")
    assert rows[ids[2]].executed_by == "sup"  # no officer named: whoever imported it
    assert _statuses(backend).count("DISCONNECTED") == 2

    other = tmp_path / "other.csv"
    other.write_text(f"{HEADER}\n{ids[1]},DISCONNECTED,2026-03-31 11:00,,\n",
                     encoding="utf-8")
    with pytest.raises(ValidationError, match="already closed as NOT_DISCONNECTED"):
        imp.import_executed(backend, dw.sup, other)


def test_import_rights(backend: Backend, tmp_path: Path) -> None:
    data.make(backend)
    file = tmp_path / "f.csv"
    file.write_text(f"{HEADER}\n", encoding="utf-8")
    with pytest.raises(PermissionDenied):
        imp.import_executed(backend, token_for(backend, Role.BILLING_OFFICER, "bo"), file)
