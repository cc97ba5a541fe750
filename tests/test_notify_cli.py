"""notify commands in-process on both databases, and the template rules (rights, bad
input): output, JSON keys, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date

import pytest

from opsmanager_desktop.cli.main import main
from opsmanager_desktop.domain.errors import PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import notifications, notify_templates
from opsmanager_desktop.services.backend import Backend
from tests.helpers import PASSWORD, admin_token, token_for
from tests.ledger_data import add_bill
from tests.notify_servers import Inbox, smtp_server

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(backend: Backend, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Run:
    url = backend.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("OPSMANAGER_PASSWORD", PASSWORD)

    def run(*args: str, user: str = "admin", as_json: bool = True) -> tuple[int, str, str]:
        monkeypatch.setenv("OPSMANAGER_USER", user)
        capsys.readouterr()
        code = main(["--db", url, *(["--json"] if as_json else []), *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    yield from smtp_server()


def test_notify_commands(backend: Backend, run: Run, smtp: tuple[int, Inbox]) -> None:
    port, inbox = smtp
    admin = admin_token(backend)
    token_for(backend, Role.SUPERVISOR, "sup")
    notify_templates.set_settings(backend, admin, {
        "notify.smtp_host": "127.0.0.1", "notify.smtp_port": str(port),
        "notify.smtp_starttls": "no", "notify.smtp_from": "office@power.example"})
    for n in range(2):
        add_bill(backend, f"C{n}", "75.00", due=date(2026, 9, 1), status="OVERDUE")
    with backend.sessions.begin() as s:
        from opsmanager_desktop.db.models import Customer
        s.execute(Customer.__table__.update().values(email=Customer.account_no + "@x.example"))

    code, out, _ = run("notify", "templates", "list")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 10 and all(r["is_default"] for r in rows)
    code, out, _ = run("notify", "templates", "set", "overdue_reminder", "sms",
                       "--body", "{company}: pay {amount} for {bill_no} now, {name}.")
    assert code == 0 and "SMS part" in json.loads(out)["length"]
    code, _, err = run("notify", "templates", "set", "bill_issued", "EMAIL", "--subject",
                       "Bill", "--body", "Dear {nme}, {amout}")
    assert code == 2 and "{nme}, {amout}" in err
    code, _, err = run("notify", "templates", "set", "bill_issued", "EMAIL", "--body", "x",
                       user="sup")
    assert code != 0 and "may not" in err

    code, out, _ = run("notify", "opt-out", "C1", user="sup")
    assert code == 0 and json.loads(out)["opted_out"] is True
    code, out, _ = run("notify", "remind-overdue", user="sup", as_json=False)
    assert code == 0 and out.startswith("1 overdue reminders queued.")
    code, out, _ = run("notify", "outbox", "--status", "queued", user="sup")
    [row] = json.loads(out)
    assert (row["account_no"], row["template"], row["status"]) == ("C0", "overdue_reminder",
                                                                   "QUEUED")
    code, out, _ = run("notify", "send", "--limit", "5", user="sup")
    assert code == 0 and json.loads(out)["sent"] == 1
    assert inbox.messages[0]["To"] == "C0@x.example"
    code, out, _ = run("notify", "opt-in", "C1", user="sup", as_json=False)
    assert code == 0 and "receives notifications" in out
    code, _, err = run("notify", "outbox", "--status", "LOST", user="sup")
    assert code == 2 and "not a status" in err
    code, out, _ = run("notify", "test-email", "me@x.example")
    assert code == 0 and inbox.messages[-1]["To"] == "me@x.example"
    code, _, err = run("notify", "channel", "C0", "PIGEON", user="sup")
    assert code == 2 and "EMAIL, SMS or NONE" in err


def test_test_email_without_server_says_so(backend: Backend, run: Run) -> None:
    admin_token(backend)
    code, _, err = run("notify", "test-email", "me@x.example")
    assert code == 1 and "no SMTP server is configured" in err


def test_template_rules_and_preview(backend: Backend) -> None:
    admin = admin_token(backend)
    with pytest.raises(ValidationError) as caught:
        notify_templates.set_template(backend, admin, "bill_issued", "SMS", "x" * 500)
    assert "too long for SMS" in str(caught.value) and "4 SMS parts" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        notify_templates.set_template(backend, admin, "bill_issued", "EMAIL", "Hi {name}")
    assert {p.field for p in caught.value.problems} == {"subject"}
    with pytest.raises(ValidationError) as caught:
        notify_templates.set_template(backend, admin, "welcome", "FAX", "")
    assert {p.field for p in caught.value.problems} == {"template", "channel"}
    with pytest.raises(ValidationError, match="plain placeholder"):
        notify_templates.set_template(backend, admin, "reconnection", "SMS",
                                      "{name.__class__}")
    saved = notify_templates.set_template(backend, admin, "reconnection", "EMAIL",
                                          "Back on, {name}.", subject="On {date}")
    assert not saved.is_default
    listed = {(r.code, r.channel): r for r in notify_templates.list_templates(backend, admin)}
    assert listed[("reconnection", "EMAIL")].body == "Back on, {name}."
    preview = notify_templates.preview_template(
        backend, token_for(backend, Role.SUPPORT_AGENT), "reconnection", "SMS",
        "{name}: {amount} " + "é" * 10)
    assert preview.body.startswith("Ada Obi: 12,345.60") and "GSM" in preview.length
    assert notify_templates.reset_template(backend, admin, "reconnection", "EMAIL").is_default
    with pytest.raises(PermissionDenied):
        notify_templates.set_template(backend, token_for(backend, Role.SUPERVISOR),
                                      "reconnection", "SMS", "x")
    with pytest.raises(PermissionDenied):
        notifications.set_preferences(backend, token_for(backend, Role.FIELD_OFFICER), "X")
    with pytest.raises(ValidationError) as caught:
        notify_templates.set_settings(backend, admin, {"notify.smtp_port": "99999",
                                                       "notify.sms_url": "ftp://x",
                                                       "notify.password": "no"})
    assert {p.field for p in caught.value.problems} == {
        "notify.smtp_port", "notify.sms_url", "notify.password"}


def test_gateway_settings_command(backend: Backend, run: Run) -> None:
    admin_token(backend)
    code, out, err = run("notify", "settings", as_json=False)
    assert code == 0 and "No gateway is configured" in out, err
    code, out, err = run("notify", "settings", "notify.smtp_host=mail.example.com",
                         "notify.smtp_port=2525")
    assert code == 0 and json.loads(out) == {"notify.smtp_host": "mail.example.com",
                                             "notify.smtp_port": "2525"}, err
    code, out, err = run("notify", "settings", "notify.smtp_port=70000", "nonsense=1")
    assert code == 2 and "notify.smtp_port" in err and "nonsense" in err
    code, out, err = run("notify", "settings", "notify.smtp_port=")  # removes it
    assert json.loads(out) == {"notify.smtp_host": "mail.example.com"}
    assert run("notify", "settings", "no-equals-sign")[0] == 2
