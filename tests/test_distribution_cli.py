"""distribution commands in-process on both databases: output, JSON keys, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from opsmanager_desktop.cli.main import main
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services.backend import Backend
from tests.helpers import PASSWORD, token_for
from tests.test_distribution import HEADER, _world

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(backend: Backend, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Run:
    url = backend.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("OPSMANAGER_PASSWORD", PASSWORD)

    def run(*args: str, user: str = "bo", as_json: bool = True) -> tuple[int, str, str]:
        monkeypatch.setenv("OPSMANAGER_USER", user)
        capsys.readouterr()
        code = main(["--db", url, *(["--json"] if as_json else []), *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_distribution_commands(backend: Backend, run: Run, tmp_path: Path) -> None:
    _unused, nos = _world(backend)
    token_for(backend, Role.ACCOUNTS_OFFICER, "ao")
    token_for(backend, Role.SUPERVISOR, "sup")
    field = tmp_path / "field.csv"
    field.write_text(f"{HEADER}\n{nos[0]},handed over,2026-02-03 10:15,fo1,Mrs Ade,,,,\n"
                     f"{nos[1]},not delivered,2026-02-03 10:20,fo1,,,,,dog\n",
                     encoding="utf-8")
    code, out, err = run("distribution", "import", str(field))
    assert code == 0, err
    assert json.loads(out) == {"rows": 2, "recorded": 2, "duplicates": 0, "rejected": 0,
                               "rejects_path": None}
    code, out, err = run("distribution", "record", nos[2], "--status", "emailed", "--email",
                         "c@example.com", "--at", "2026-02-04 08:00", user="sup")
    assert code == 0, err
    assert json.loads(out)["status"] == "EMAILED"
    code, out, err = run("distribution", "status", "--cycle", "2026-01")
    assert code == 0, err
    assert json.loads(out) == {"cycle": "2026-01", "issued": 5, "not_issued": 0,
                               "handed_over": 1, "emailed": 1, "not_delivered": 1,
                               "no_record": 2, "distributed": 2, "pending": 3}
    code, out, err = run("distribution", "status", "--cycle", "2026-01", as_json=False)
    assert "2 of 5 issued bills distributed (40.0%)" in out
    code, out, err = run("distribution", "pending", "--cycle", "2026-01")
    assert code == 0, err
    pending = json.loads(out)
    assert [p["bill_no"] for p in pending] == [nos[1], nos[3], nos[4]]
    assert pending[0]["status"] == "NOT_DELIVERED" and pending[0]["reason"] == "dog"
    code, out, _err = run("distribution", "pending", "--cycle", "2026-01", "--route", "TR-1",
                          as_json=False)
    assert nos[1] in out and nos[4] not in out
    code, out, err = run("distribution", "history", nos[0])
    assert code == 0 and json.loads(out)[0]["received_by"] == "Mrs Ade"
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\n{nos[3]},handed over,2026-02-03 10:15,fo1,,,,,\n",
                   encoding="utf-8")
    code, _out, err = run("distribution", "import", str(bad))
    assert code == 2 and "row 2, received_by: is required" in err
    assert run("distribution", "status", "--cycle", "2026-01", user="ao")[0] == 3
    assert run("distribution", "record", "NOPE", "--status", "emailed", "--email",
               "a@b.cd")[0] == 4
    assert run("distribution", "record", nos[2], "--status", "emailed", "--email",
               "c@example.com", "--at", "2026-02-04 08:00")[0] == 5
