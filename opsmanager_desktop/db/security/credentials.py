"""Saved database passwords: in the operating system's keyring, or nowhere.

The program may remember the password of a database URL (plain mode: one account for the
workstation) so the officer is not asked at every start. It is kept only in the OS keyring
(Windows Credential Manager, macOS Keychain, the Secret Service on Linux) through the
`keyring` package. Where no such keyring exists, or only one that writes plain files, the
store says it is unavailable and the caller asks for the password every time: a password
is never written to a file by this program.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import URL, make_url

SERVICE = "Ops Manager Desktop"
# keyrings that keep secrets in plain (or merely obscured) files, and the "no keyring" ones
_REFUSED_MODULES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


def url_key(url: str) -> str:
    """What a saved password is filed under (with the user name): the URL without user,
    password and parameters."""
    parsed = make_url(url)
    bare = URL.create(parsed.drivername, host=parsed.host, port=parsed.port,
                      database=parsed.database)
    return bare.render_as_string()


class CredentialStore:
    def __init__(self, backend: Any | None = None) -> None:
        if backend is None:
            import keyring

            backend = keyring.get_keyring()
        self._backend = backend

    @property
    def available(self) -> bool:
        backends = getattr(self._backend, "backends", None) or [self._backend]  # a chainer
        return any(_acceptable(b) for b in backends)

    def save(self, url: str, username: str, password: str) -> bool:
        """Remember the password; False (nothing stored) when there is no safe keyring."""
        if not self.available:
            return False
        try:
            self._backend.set_password(SERVICE, f"{username}@{url_key(url)}", password)
        except Exception:  # a locked or broken keyring: ask next time instead
            return False
        return True

    def load(self, url: str, username: str) -> str | None:
        if not self.available:
            return None
        try:
            found = self._backend.get_password(SERVICE, f"{username}@{url_key(url)}")
        except Exception:
            return None
        return found if isinstance(found, str) else None

    def forget(self, url: str, username: str) -> None:
        if not self.available:
            return
        try:
            self._backend.delete_password(SERVICE, f"{username}@{url_key(url)}")
        except Exception:  # nothing saved, or the keyring is locked: nothing to forget
            return


def _acceptable(backend: Any) -> bool:
    module = type(backend).__module__
    if module.startswith(_REFUSED_MODULES):
        return False
    priority = getattr(backend, "priority", 1)
    try:
        return float(priority) > 0
    except (TypeError, ValueError):
        return False
