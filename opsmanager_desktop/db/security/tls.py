"""TLS to MySQL/MariaDB: the check behind `tls=required`, and the driver's TLS failures
told as what is wrong and what to do.

PyMySQL reports a certificate it cannot verify as "Can't connect to MySQL server"
(error 2003, like a server that is down), and a missing or unreadable `ssl_ca` file as a
bare FileNotFoundError or ssl.SSLError; either would reach the officer as "the database
cannot be reached" or a traceback. `tls_failure` names the real problem instead.
"""

from __future__ import annotations

import ssl
from typing import Any

from opsmanager_desktop.domain.errors import Unavailable

_ASK_DBA = "or ask your database administrator"
_GIVE_CERTIFICATE = "give the server a certificate (ssl_cert, ssl_key in its configuration)"
# OpenSSL's X509_V_ERR_HOSTNAME_MISMATCH and X509_V_ERR_IP_ADDRESS_MISMATCH
_NAME_MISMATCH = {62, 64}
# PyMySQL's CR_SSL_CONNECTION_ERROR: TLS asked for (ssl_* given), the server offers none
_SERVER_HAS_NO_TLS = 2026
# the URL's TLS parameters as PyMySQL gets them (SQLAlchemy folds ssl_ca=... into ssl=)
_FILE_KEYS = ("ca", "capath", "cert", "key")


def check_encrypted(dbapi_connection: Any) -> None:
    """Close and refuse a new connection that is not encrypted (`tls=required`): PyMySQL
    falls back to plain text when the server offers no TLS and the URL gives no ssl_ca."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        row = cursor.fetchone()
    finally:
        cursor.close()
    if not row or not row[1]:
        dbapi_connection.close()
        raise Unavailable(
            "the connection to the database is not encrypted and this installation "
            f"requires TLS (tls=required): {_GIVE_CERTIFICATE} and the program its CA "
            f"(ssl_ca=... in the URL), {_ASK_DBA}")


def tls_failure(exc: BaseException, cparams: dict[str, Any]) -> Unavailable | None:
    """What went wrong with TLS when the driver's connect raised `exc`, for the officer and
    the administrator; None when it is not about TLS (a server that is down, a refused
    login: those are worded where the service calls are run)."""
    ssl_params: dict[str, Any] = cparams.get("ssl") or {}
    wrapped = getattr(exc, "original_exception", None)  # PyMySQL's OSError during connect
    if isinstance(wrapped, ssl.SSLCertVerificationError):
        return Unavailable(_unverified(wrapped, cparams.get("host"), ssl_params))
    if isinstance(wrapped, ssl.SSLError):
        return Unavailable(
            f"the encrypted connection to the database could not be set up "
            f"({wrapped.reason or wrapped}): check the server's TLS settings and the ssl_... "
            f"options of the database URL, {_ASK_DBA}")
    if getattr(exc, "args", None) and exc.args[0] == _SERVER_HAS_NO_TLS:
        return Unavailable(
            "the database server offers no TLS, and the database URL asks for an encrypted "
            f"connection (it gives ssl_ca or another ssl_ option): {_GIVE_CERTIFICATE}, "
            f"{_ASK_DBA}")
    if isinstance(exc, OSError) and ssl_params:
        # raised before any network traffic, while PyMySQL reads the files
        files = ", ".join(f"ssl_{key}={ssl_params[key]}" for key in _FILE_KEYS
                          if ssl_params.get(key))
        reason = exc.reason if isinstance(exc, ssl.SSLError) and exc.reason else (
            exc.strerror or str(exc))
        return Unavailable(
            f"a TLS file named in the database URL cannot be used ({files}: {reason}): "
            "check the path, that the file is a PEM certificate (or key) and that this "
            f"computer's user may read it, {_ASK_DBA}")
    return None


def _unverified(error: ssl.SSLCertVerificationError, host: Any,
                ssl_params: dict[str, Any]) -> str:
    if error.verify_code in _NAME_MISMATCH:
        return (f"the database server's certificate is not issued for {host!r}, the host "
                "named in the database URL, so the server may not be the one it claims: "
                "put in the URL the host name the certificate was issued for, "
                f"{_ASK_DBA} for a certificate that names {host!r}")
    ca = ssl_params.get("ca") or ssl_params.get("capath")
    return (f"the database server's certificate cannot be trusted ({error.verify_message}; "
            f"checked against ssl_ca={ca}): make ssl_ca in the database URL name the CA "
            f"certificate that signed the server's certificate, {_ASK_DBA}")
