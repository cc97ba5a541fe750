"""`opsmanager db grants` prints the plan; `--apply` (a DBA's connection, an admin signed
in) installs it and the admin's own database account; from then on officers sign in as
themselves."""

from __future__ import annotations

import uuid

import pytest

from opsmanager_desktop.cli.main import main
from opsmanager_desktop.db.engine import make_engine
from opsmanager_desktop.db.migrate import upgrade
from opsmanager_desktop.services import auth, users
from opsmanager_desktop.services.backend import Backend
from tests.helpers import PASSWORD
from tests.security.installation import Installation, root_connection

pytestmark = pytest.mark.mysql


def test_print_the_plan_without_a_database(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", "mysql://dbhost/opsmanager", "db", "grants", "--namespace",
                 "prod"]) == 0
    out = capsys.readouterr().out
    assert "CREATE ROLE IF NOT EXISTS `prod_billing_officer`" in out
    assert "ON `opsmanager`.`payments` TO `prod_accounts_officer`" in out


def test_apply_then_sign_in_as_yourself(installation: Installation,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    del installation  # only for the server check; this test makes its own database
    tag = uuid.uuid4().hex[:8]
    inst = Installation(f"opsm_cli_{tag}", f"c{tag}")
    with root_connection() as conn, conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{inst.database}` CHARACTER SET utf8mb4")
    try:
        engine = make_engine(inst.owner_url)
        upgrade(engine)
        engine.dispose()
        monkeypatch.setenv("OPSMANAGER_PASSWORD", PASSWORD)
        owner = Backend.from_url(inst.owner_url)
        auth.create_first_admin(owner, "boss", PASSWORD)
        owner.dispose()
        assert main(["--db", inst.owner_url, "--user", "boss", "--json", "db", "grants",
                     "--apply", "--namespace", inst.namespace]) == 0
        backend, token = inst.sign_in("boss")
        users.add_user(backend, token, "clerk", users.Role.ACCOUNTS_OFFICER, PASSWORD)
        inst.sign_in("clerk")
        # applying again is harmless (revoke, re-grant, re-create)
        assert main(["--db", inst.owner_url, "--user", "boss", "db", "grants", "--apply",
                     "--namespace", inst.namespace]) == 0
        inst.sign_in("clerk")
        # an officer's own connection cannot apply grants
        monkeypatch.setenv("OPSMANAGER_PASSWORD", PASSWORD)
        assert main(["--db", inst.officer_url(), "--user", "boss", "db", "grants",
                     "--apply", "--namespace", inst.namespace]) == 3
    finally:
        inst.drop()
