"""Check-only previews of the reading and payment imports: the same problems as the real
import, the first rows with their problems, and nothing written."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from opsmanager_desktop.domain.errors import ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import payments, readings
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.payment_import import check_payments_file
from opsmanager_desktop.services.reading_import import check_readings_file
from tests.helpers import token_for
from tests.test_customers_fixtures import JAN, World, make_world, row_counts, write_csv


@pytest.fixture
def world(backend: Backend) -> World:
    w = make_world(backend)
    w.customer("A1", "M1", initial="100")
    w.customer("A2", "M2", initial="100")
    return w


def test_readings_preview_reports_like_the_import_and_writes_nothing(
        world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "jan.csv", "meter_number,utility,reading,read_at\n"
                     "M1,electricity,150,2026-01-28\n"
                     "M2,electricity,90,2026-01-28\n"
                     "M9,electricity,10,2026-01-28\n")
    before = row_counts(world.backend)
    done: list[tuple[int, int]] = []
    preview = check_readings_file(world.backend, world.officer, path, JAN,
                                  progress=lambda d, t: done.append((d, t)))
    assert (preview.rows, preview.valid, preview.skipped, preview.problem_rows) == (3, 1, 0, 2)
    assert not preview.ok and done[-1][0] == 3
    assert [(p.row, p.field) for p in preview.problems] == [(3, "reading"),
                                                             (4, "meter_number")]
    assert [r.row for r in preview.sample] == [2, 3, 4]
    assert preview.sample[0].problems == () and preview.sample[0].cells[0] == "M1"
    assert "M9" in preview.sample[2].problems[0]
    assert row_counts(world.backend) == before
    # the real import refuses the same rows with the same words
    with pytest.raises(ValidationError) as refused:
        readings.import_readings(world.backend, world.officer, path, JAN)
    assert list(refused.value.problems) == list(preview.problems)


def test_clean_readings_file_previews_ok_then_imports(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "jan.csv", "meter_number,utility,reading,read_at\n"
                     "M1,electricity,150,2026-01-28\nM2,electricity,100,2026-01-28\n")
    preview = check_readings_file(world.backend, world.officer, path, JAN, source="amr")
    assert preview.ok and (preview.rows, preview.valid) == (2, 2)
    assert preview.header == ("meter_number", "utility", "reading", "read_at")
    result = readings.import_readings(world.backend, world.officer, path, JAN, source="amr")
    assert result.imported == 2


def test_payments_preview_counts_duplicates_apart(world: World, tmp_path: Path) -> None:
    officer = token_for(world.backend, Role.ACCOUNTS_OFFICER)
    payments.record_payment(world.backend, officer, "A1", Decimal("10.00"), "CASH", "R1")
    path = write_csv(tmp_path / "bank.csv", "reference,channel,account_no,amount,paid_at\n"
                     "R1,cash,A1,10.00,2026-01-05\n"
                     "R2,bank,A2,25.50,2026-01-05\n"
                     "R3,bank,NOPE,5,2026-01-05\n")
    before = row_counts(world.backend)
    preview = check_payments_file(world.backend, officer, path)
    assert (preview.rows, preview.valid, preview.skipped, preview.problem_rows) == (3, 1, 1, 1)
    assert [r.skipped for r in preview.sample] == [True, False, False]
    assert [(p.row, p.field) for p in preview.problems] == [(4, "account_no")]
    assert row_counts(world.backend) == before
