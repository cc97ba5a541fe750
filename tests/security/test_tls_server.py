"""tls=required against a real MariaDB that has a certificate: a throw-away CA signs the
certificate of a private server started for this module only (never the shared one on
3306). Encrypted with the right CA; refused with a message saying what is wrong and what
to do for a CA that did not sign the certificate, a host the certificate does not name, a
CA file that is not there, and a server without TLS.

Under CI (CI=true) a private server that cannot start fails these tests; elsewhere they
are skipped with the reason.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pymysql
import pytest
from sqlalchemy import text

from opsmanager_desktop.cli.main import main
from opsmanager_desktop.config import ENV_PASSWORD
from opsmanager_desktop.domain.errors import Unavailable
from opsmanager_desktop.services import auth
from opsmanager_desktop.services.backend import Backend
from tests.conftest import MYSQL_SERVER, UNDER_CI

pytestmark = pytest.mark.mysql

DATABASE = "opsm_tls"
START_SECONDS = 60


@dataclass(frozen=True)
class TlsServer:
    port: int
    ca: Path          # signed the server's certificate, issued for 127.0.0.1 only
    other_ca: Path    # a CA that signed nothing of this server

    def url(self, options: str, host: str = "127.0.0.1") -> str:
        return f"mysql://root@{host}:{self.port}/{DATABASE}?{options}"


def _cannot_run(reason: str) -> NoReturn:
    message = f"a private MariaDB with a certificate could not be started: {reason}"
    if UNDER_CI:
        pytest.fail(message)
    pytest.skip(message)


def _binary(*names: str) -> str:
    for name in names:
        found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
        if found:
            return found
    _cannot_run(f"none of {', '.join(names)} is installed")


def _write_certificates(folder: Path) -> tuple[Path, Path, Path, Path]:
    """A CA, the server's key and certificate (signed by the CA, for 127.0.0.1), and
    another CA. Returns (ca, server certificate, server key, other ca)."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError as exc:
        _cannot_run(f"the cryptography package is needed to make certificates ({exc})")

    now = datetime.datetime.now(datetime.UTC)

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    def certificate(subject: str, key: Any, issuer: str, issuer_key: Any, *,
                    is_ca: bool, ip: str | None = None) -> x509.Certificate:
        builder = (x509.CertificateBuilder().subject_name(name(subject))
                   .issuer_name(name(issuer)).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None),
                                  critical=True))
        if is_ca:
            builder = builder.add_extension(x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True,
                content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            builder = builder.add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        if ip is not None:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(ip))]), critical=False)
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                critical=False)
        return builder.sign(issuer_key, hashes.SHA256())

    def save(path: Path, cert: x509.Certificate) -> Path:
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return path

    ca_key, other_key, server_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = save(folder / "ca.pem", certificate("Test CA", ca_key, "Test CA", ca_key, is_ca=True))
    other = save(folder / "other-ca.pem",
                 certificate("Other CA", other_key, "Other CA", other_key, is_ca=True))
    server = save(folder / "server.pem", certificate(
        "127.0.0.1", server_key, "Test CA", ca_key, is_ca=False, ip="127.0.0.1"))
    key = folder / "server-key.pem"
    key.write_bytes(server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return ca, server, key, other


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tail(path: Path) -> str:
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    return " | ".join(lines[-5:]) or "(nothing logged)"


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    server_bin = _binary("mariadbd", "mysqld")
    install_bin = _binary("mariadb-install-db", "mysql_install_db")
    folder = tmp_path_factory.mktemp("tls_server")
    ca, cert, key, other_ca = _write_certificates(folder)
    data, sock, log = folder / "data", folder / "sock", folder / "server.log"
    # mariadbd refuses to run as root unless told to
    as_user = ["--user=root"] if os.geteuid() == 0 else []
    small = ["--innodb-log-file-size=8M", "--innodb-buffer-pool-size=16M"]
    try:
        installed = subprocess.run(
            [install_bin, "--no-defaults", f"--datadir={data}", *as_user,
             "--auth-root-authentication-method=normal", "--skip-test-db", *small],
            capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        _cannot_run(f"{install_bin}: {exc}")
    if installed.returncode != 0:
        _cannot_run(f"{install_bin} exited {installed.returncode}: "
                    f"{(installed.stderr or installed.stdout).strip()[-400:]}")
    port = _free_port()
    process = subprocess.Popen(
        [server_bin, "--no-defaults", *as_user, f"--datadir={data}", f"--socket={sock}",
         f"--port={port}", "--bind-address=127.0.0.1", f"--pid-file={folder / 'pid'}",
         f"--log-error={log}", f"--tmpdir={folder}", *small,
         f"--ssl-ca={ca}", f"--ssl-cert={cert}", f"--ssl-key={key}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until_it_answers(process, sock, log)
        admin = pymysql.connect(unix_socket=str(sock), user="root")
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4")
        admin.close()
        yield TlsServer(port, ca, other_ca)
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(data, ignore_errors=True)  # about 100 MB of InnoDB files


def _wait_until_it_answers(process: subprocess.Popen[bytes], sock: Path, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _cannot_run(f"mariadbd exited {process.returncode}: {_tail(log)}")
        try:
            pymysql.connect(unix_socket=str(sock), user="root", connect_timeout=2).close()
            return
        except pymysql.err.OperationalError:
            time.sleep(0.2)
    _cannot_run(f"mariadbd did not answer within {START_SECONDS} s: {_tail(log)}")


def _cipher(backend: Backend) -> str:
    with backend.engine.connect() as conn:
        row = conn.execute(text("SHOW SESSION STATUS LIKE 'Ssl_cipher'")).one()
    return str(row[1])


def test_encrypted_with_the_ca_that_signed_the_server(
        tls_server: TlsServer, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The schema is created and the first administrator signs in, all over TLS."""
    url = tls_server.url(f"tls=required&ssl_ca={tls_server.ca}")
    monkeypatch.setenv(ENV_PASSWORD, "first-admin-pw")
    assert main(["--db", url, "db", "init", "--admin", "admin"]) == 0
    assert "administrator 'admin' added" in capsys.readouterr().out
    backend = Backend.from_url(url)
    try:
        signed_in = auth.sign_in(backend, "admin", "first-admin-pw")
        assert auth.whoami(backend, signed_in.token).username == "admin"
        cipher = _cipher(backend)
    finally:
        backend.dispose()
    assert cipher, "tls=required connected without encryption"


def _refusal(url: str) -> str:
    backend = Backend.from_url(url)
    try:
        with pytest.raises(Unavailable) as refused:
            auth.has_users(backend)
    finally:
        backend.dispose()
    return str(refused.value)


def test_a_ca_that_did_not_sign_the_certificate_is_refused(tls_server: TlsServer) -> None:
    message = _refusal(tls_server.url(f"tls=required&ssl_ca={tls_server.other_ca}"))
    # OpenSSL's own words for why (MariaDB sends its CA along, hence "in the chain")
    assert re.search(r"certificate cannot be trusted \((self-signed certificate in "
                     r"certificate chain|unable to get local issuer certificate);", message)
    assert f"ssl_ca={tls_server.other_ca}" in message
    assert "make ssl_ca in the database URL name the CA" in message


def test_a_host_the_certificate_does_not_name_is_refused(tls_server: TlsServer) -> None:
    """The certificate names 127.0.0.1 only; `localhost` reaches the same server but is not
    who the certificate vouches for (PyMySQL checks the name whenever ssl_ca is given)."""
    message = _refusal(tls_server.url(f"tls=required&ssl_ca={tls_server.ca}",
                                      host="localhost"))
    assert "certificate is not issued for 'localhost'" in message
    assert "put in the URL the host name the certificate was issued for" in message


@pytest.mark.parametrize(("content", "reason"), [
    (None, "No such file or directory"),
    ("not a certificate\n", "NO_CERTIFICATE_OR_CRL_FOUND")])
def test_a_ca_file_that_cannot_be_used_is_named(tls_server: TlsServer, tmp_path: Path,
                                                content: str | None, reason: str) -> None:
    ca = tmp_path / "ca.pem"
    if content is not None:
        ca.write_text(content)
    message = _refusal(tls_server.url(f"tls=required&ssl_ca={ca}"))
    assert f"cannot be used (ssl_ca={ca}: {reason})" in message
    assert "check the path, that the file is a PEM certificate" in message


def test_the_command_line_says_what_is_wrong_without_a_traceback(
        tls_server: TlsServer, capsys: pytest.CaptureFixture[str]) -> None:
    url = tls_server.url(f"tls=required&ssl_ca={tls_server.other_ca}")
    assert main(["--db", url, "db", "init", "--admin", "admin"]) == Unavailable.exit_code
    err = capsys.readouterr().err
    assert err.startswith("error: the database server's certificate cannot be trusted")
    assert "Traceback" not in err


def test_a_ca_given_to_a_server_without_tls_is_refused(
        tls_server: TlsServer, mysql_engine: Any) -> None:
    """The shared test server has no certificate: with ssl_ca PyMySQL insists on TLS and
    says so in its own terms (error 2026), which we word for the officer."""
    url = f"{MYSQL_SERVER}/{mysql_engine.url.database}?tls=required&ssl_ca={tls_server.ca}"
    message = _refusal(url)
    assert "the database server offers no TLS" in message
    assert "give the server a certificate" in message
