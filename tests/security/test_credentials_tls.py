"""Saved passwords only in an OS keyring (never a file), and tls=required refusing a
connection that is not encrypted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from opsmanager_desktop.db.security.credentials import CredentialStore, url_key
from opsmanager_desktop.domain.errors import Unavailable
from opsmanager_desktop.services import auth
from opsmanager_desktop.services.backend import Backend
from tests.conftest import MYSQL_SERVER


class MemoryKeyring(KeyringBackend):
    """Stands in for the OS keyring (a third-party interface, not a part of ours)."""

    priority = 5  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


class PlainFileKeyring(MemoryKeyring):
    __module__ = "keyrings.alt.file"


def test_saved_in_the_keyring_under_the_url_without_its_secret() -> None:
    ring = MemoryKeyring()
    store = CredentialStore(ring)
    url = "mysql://ops:pw@db.example:3306/opsmanager?ssl_ca=/x"
    assert store.save(url, "ops", "s3cret")
    assert store.load("mysql://db.example:3306/opsmanager", "ops") == "s3cret"
    assert all("pw" not in key and "s3cret" not in key for _s, key in ring.items)
    assert url_key(url) == "mysql://db.example:3306/opsmanager"
    store.forget(url, "ops")
    assert store.load(url, "ops") is None


@pytest.mark.parametrize("ring", [fail.Keyring(), PlainFileKeyring()])
def test_no_safe_keyring_means_asking_every_time(ring: Any, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    store = CredentialStore(ring)
    assert not store.available
    assert store.save("mysql://h/db", "ops", "s3cret") is False
    assert store.load("mysql://h/db", "ops") is None
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert all(b"s3cret" not in p.read_bytes() for p in written)


@pytest.mark.mysql
def test_tls_required_refuses_an_unencrypted_server(mysql_engine: Any) -> None:
    """The test server has no certificate: tls=required must not fall back to plain text
    (PyMySQL silently does when the server offers no TLS)."""
    url = f"{MYSQL_SERVER}/{mysql_engine.url.database}?tls=required"
    backend = Backend.from_url(url)
    try:
        with pytest.raises(Unavailable, match="not encrypted"):
            auth.has_users(backend)
    finally:
        backend.dispose()


@pytest.mark.parametrize("option", ["tls=maybe", "accounts=everyone"])
def test_a_mistyped_security_option_is_a_message(option: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from opsmanager_desktop.cli.main import main
    code = main(["--db", f"mysql+pymysql://root@127.0.0.1:3306/opsm?{option}", "cycles",
                 "list"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: database URL: ") and option.split("=")[0] in err
    assert "Traceback" not in err
