"""db backup / db restore: a round trip loses nothing (row counts and money checksums), a
file that is not a backup is refused, and only an admin may do either."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from opsmanager_desktop.cli.main import main
from opsmanager_desktop.db.base import Base
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import payments
from opsmanager_desktop.services.backend import Backend
from tests.helpers import PASSWORD, admin_token, token_for
from tests.ledger_data import add_bill, assert_ledger_consistent

MONEY = {"bills": ("total", "adjustments", "amount_paid", "balance", "energy_charge", "tax"),
         "payments": ("amount",), "payment_allocations": ("amount",), "customers": ("credit",),
         "bill_lines": ("amount",)}


def _state(backend: Backend) -> dict[str, object]:
    out: dict[str, object] = {}
    with backend.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            out[table.name] = conn.execute(select(func.count()).select_from(table)).scalar()
        for table, columns in MONEY.items():
            for column in columns:
                out[f"{table}.{column}"] = conn.execute(
                    text(f"SELECT SUM({column}) FROM {table}")).scalar()
        out["triggers"] = conn.execute(text(
            "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()"
            if backend.is_mysql else "SELECT COUNT(*) FROM sqlite_master WHERE type='trigger'"
        )).scalar()
    return out


def _cli(backend: Backend, *args: str) -> int:
    url = backend.engine.url.render_as_string(hide_password=False)
    return main(["--db", url, "--user", "admin", *args])


def _money_day(backend: Backend, tag: str) -> None:
    ao = token_for(backend, Role.ACCOUNTS_OFFICER)
    for n in range(6):
        add_bill(backend, f"{tag}{n}", f"{100 + n}.{n}5", due=date(2026, 2, 1))
        payments.record_payment(backend, ao, f"{tag}{n}", Decimal(f"{40 + n}.10"), "CASH",
                                f"{tag}-{n}")
    payments.record_payment(backend, ao, f"{tag}0", Decimal("500.00"), "BANK", f"{tag}-x")
    payments.reverse_payment(backend, ao, "CASH", f"{tag}-1", "bounced")


def test_backup_and_restore_lose_nothing(backend: Backend, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSMANAGER_PASSWORD", PASSWORD)
    admin_token(backend)
    _money_day(backend, "K")
    assert_ledger_consistent(backend)
    file = tmp_path / "backup.bin"
    assert _cli(backend, "db", "backup", "--out", str(file)) == 0
    assert file.stat().st_size > 0
    saved = _state(backend)  # as the backup holds it (with the backup's own sign-in)

    _money_day(backend, "L")  # life goes on, then the backup is put back
    assert _state(backend) != saved
    assert _cli(backend, "db", "restore", str(file)) == 0
    restored = _state(backend)
    assert restored.pop("audit_log") == saved.pop("audit_log") + 1  # "restored" entry
    assert restored == saved
    assert_ledger_consistent(backend)
    # the append-only guards came back with the data
    ao = token_for(backend, Role.ACCOUNTS_OFFICER)
    payments.record_payment(backend, ao, "K2", Decimal("1.00"), "CASH", "after-restore")


def test_refused_inputs(backend: Backend, tmp_path: Path,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSMANAGER_PASSWORD", PASSWORD)
    admin_token(backend)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a backup at all")
    assert _cli(backend, "db", "restore", str(junk)) == 2
    assert _cli(backend, "db", "restore", str(tmp_path / "missing")) == 2
    existing = tmp_path / "exists"
    existing.write_text("x")
    assert _cli(backend, "db", "backup", "--out", str(existing)) == 2
    token_for(backend, Role.ACCOUNTS_OFFICER, "acc")
    url = backend.engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "--user", "acc", "db", "backup", "--out",
                 str(tmp_path / "b")]) == 3
    assert not (tmp_path / "b").exists()
