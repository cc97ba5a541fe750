"""utilities / tariffs / cycles commands, run in-process on SQLite and MariaDB."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from opsmanager_desktop.cli.main import main
from opsmanager_desktop.db.models import AuditEntry, BillingCycle, TariffPlan, TariffVersion
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services.backend import Backend
from tests.helpers import PASSWORD, admin_token, token_for


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


Run = Callable[..., Result]


@pytest.fixture
def run(backend: Backend, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Run:
    admin_token(backend)  # the first admin, password PASSWORD
    url = backend.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("OPSMANAGER_PASSWORD", PASSWORD)

    def run(*args: str, user: str = "admin") -> Result:
        monkeypatch.setenv("OPSMANAGER_USER", user)
        capsys.readouterr()
        code = main(["--db", url, "--json", *args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def count(backend: Backend, model: Any) -> int:
    with backend.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def changes_audited(backend: Backend) -> int:
    """Audit entries other than sign-ins (every CLI run signs in)."""
    with backend.sessions() as s:
        return int(s.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.entity != "session")) or 0)


def test_design_walkthrough(run: Run) -> None:
    added = run("utilities", "add", "electricity", "--name", "Electricity", "--unit", "kWh")
    assert added.code == 0 and added.json == {"code": "electricity", "name": "Electricity",
                                              "unit": "kWh", "active": True}
    assert run("utilities", "list").json == [added.json]
    tariff = run("tariffs", "add", "DOM-1", "--utility", "electricity", "--name", "Domestic",
                 "--fixed", "0", "--tax", "0", "--slab", "100:5", "--slab", ":10")
    assert tariff.code == 0, tariff.err
    assert tariff.json == {"code": "DOM-1", "version_id": tariff.json["version_id"],
                           "effective_from": "2000-01-01", "new_plan": True}
    flat = run("tariffs", "add", "FLAT-1", "--utility", "electricity", "--name", "Flat",
               "--fixed", "0", "--tax", "0", "--mode", "flat", "--slab", "100:5",
               "--slab", ":10", "--effective-from", "2026-01-01")
    assert flat.json["effective_from"] == "2026-01-01"
    tele = run("tariffs", "preview", "dom-1", "--units", "150").json
    assert (tele["energy"], tele["fixed"], tele["tax"], tele["total"]) == (
        "1000.00", "0.00", "0.00", "1000.00")
    assert [ln["amount"] for ln in tele["lines"]] == ["500.00", "500.00"]
    assert run("tariffs", "preview", "FLAT-1", "--units", "150").json["total"] == "1500.00"
    assert run("tariffs", "preview", "FLAT-1", "--units", "100").json["total"] == "500.00"
    listed = run("tariffs", "list").json
    assert [(p["code"], p["mode"], p["fixed_charge"], p["versions"]) for p in listed] == [
        ("DOM-1", "telescopic", "0.00", 1), ("FLAT-1", "flat", "0.00", 1)]
    shown = run("tariffs", "show", "DOM-1").json
    version = shown["versions"][0]
    assert (version["current"], version["fixed_charge"], version["taxes"]) == (True, "0.00", [])
    assert version["slabs"] == [{"up_to": "100.000", "rate": "5.0000"},
                                {"up_to": None, "rate": "10.0000"}]
    cycle = run("cycles", "open", "2026-02", "--due-days", "21", "--estimate")
    assert cycle.code == 0 and cycle.json == {
        "period": "2026-02", "start_date": "2026-02-01", "end_date": "2026-02-28",
        "due_days": 21, "status": "OPEN", "estimation": True}
    run("cycles", "open", "2026-03")
    assert [c["period"] for c in run("cycles", "list").json] == ["2026-03", "2026-02"]


def test_import_show_and_preview_with_taxes(run: Run, tmp_path: Path) -> None:
    run("utilities", "add", "electricity", "--name", "Electricity", "--unit", "kWh")
    path = tmp_path / "dom.json"
    path.write_text(json.dumps({
        "code": "DOM-1", "name": "Domestic", "utility": "electricity",
        "effective_from": "2026-01-01", "fixed_charge": "50.00", "fixed_charge_per_kw": "10",
        "taxes": [{"name": "Electricity duty", "percent": "5", "on": "energy"},
                  {"name": "VAT", "percent": "7.5", "on": "energy+fixed"}],
        "slabs": [{"up_to": "100", "rate": "5.00"}, {"up_to": None, "rate": "10.00"}]}))
    imported = run("tariffs", "import", str(path))
    assert imported.code == 0, imported.err
    preview = run("tariffs", "preview", "DOM-1", "--units", "150", "--kw", "2",
                  "--on", "2026-01-31").json
    assert [(ln["kind"], ln["amount"]) for ln in preview["lines"]] == [
        ("ENERGY", "500.00"), ("ENERGY", "500.00"), ("FIXED", "50.00"), ("FIXED", "20.00"),
        ("TAX", "50.00"), ("TAX", "80.25")]
    assert preview["total"] == "1200.25"
    shown = run("tariffs", "show", "DOM-1").json["versions"][0]
    assert shown["taxes"][1] == {"name": "VAT", "percent": "7.5000", "on": "energy+fixed"}
    early = run("tariffs", "preview", "DOM-1", "--units", "1", "--on", "2025-12-31")
    assert early.code == 2 and "no version in force on 2025-12-31" in early.err


def test_exit_codes_and_messages(run: Run, backend: Backend, tmp_path: Path) -> None:
    run("utilities", "add", "water", "--name", "Water", "--unit", "m3")
    bad = run("tariffs", "add", "W-1", "--utility", "water", "--name", "Water", "--fixed",
              "1", "--tax", "0", "--slab", "10:1", "--slab", "5:2")
    assert bad.code == 2
    assert "error: --slab 5:2: up to: 5 must be above the previous bound 10" in bad.err
    assert "error: --slab 5:2: up to: the last slab must be open-ended" in bad.err
    unknown = run("tariffs", "add", "W-1", "--utility", "gas", "--name", "Gas", "--fixed",
                  "1", "--tax", "0", "--slab", ":1")
    assert unknown.code == 2 and "utility: no utility type 'gas'" in unknown.err
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert run("tariffs", "import", str(broken)).code == 2
    assert run("tariffs", "show", "NOPE").code == 4
    assert run("tariffs", "preview", "NOPE", "--units", "1").code == 4
    assert run("cycles", "open", "2026-13").code == 2
    assert run("cycles", "open", "2026-02").code == 0
    dup = run("cycles", "open", "2026-02")
    assert dup.code == 5 and "already open" in dup.err
    assert run("utilities", "add", "water", "--name", "Water", "--unit", "m3").code == 5
    assert "Traceback" not in bad.err + unknown.err + dup.err
    with pytest.raises(SystemExit) as usage:
        run("cycles", "open", "2026-04", "--due-days", "soon")
    assert usage.value.code == 2
    assert count(backend, TariffPlan) == 0


def test_non_admin_refused_and_nothing_changes(run: Run, backend: Backend) -> None:
    token_for(backend, Role.BILLING_OFFICER, "bo")
    run("utilities", "add", "electricity", "--name", "Electricity", "--unit", "kWh")
    run("tariffs", "add", "DOM-1", "--utility", "electricity", "--name", "Domestic",
        "--fixed", "50", "--tax", "5", "--slab", "100:5", "--slab", ":10")
    before = [count(backend, m) for m in (TariffPlan, TariffVersion, BillingCycle)] \
        + [changes_audited(backend)]
    for args in (("tariffs", "add", "DOM-1", "--utility", "electricity", "--name", "X",
                  "--fixed", "1", "--tax", "0", "--slab", ":1", "--effective-from",
                  "2027-01-01"),
                 ("utilities", "add", "gas", "--name", "Gas", "--unit", "m3"),
                 ("cycles", "open", "2026-05"),
                 ("tariffs", "deactivate", "DOM-1")):
        refused = run(*args, user="bo")
        assert refused.code == 3, args
        assert "may not do this" in refused.err
    after = [count(backend, m) for m in (TariffPlan, TariffVersion, BillingCycle)] \
        + [changes_audited(backend)]
    assert after == before
    # reading and previewing are allowed to a billing officer
    assert run("tariffs", "preview", "DOM-1", "--units", "150", user="bo").json["total"] \
        == "1102.50"
    assert run("tariffs", "list", user="bo").code == 0


def test_text_output_is_readable(run: Run, backend: Backend,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    run("utilities", "add", "electricity", "--name", "Electricity", "--unit", "kWh")
    run("tariffs", "add", "DOM-1", "--utility", "electricity", "--name", "Domestic",
        "--fixed", "50", "--tax", "5", "--slab", "100:5", "--slab", ":10")
    url = backend.engine.url.render_as_string(hide_password=False)
    capsys.readouterr()
    assert main(["--db", url, "tariffs", "preview", "DOM-1", "--units", "1500"]) == 0
    out = capsys.readouterr().out
    assert "Energy 101+" in out and "Total" in out and "15,277.50" in out  # (500 + 14,000 + 50) x 1.05
    assert main(["--db", url, "tariffs", "show", "DOM-1"]) == 0
    assert "up to 100: 5 per unit" in capsys.readouterr().out
