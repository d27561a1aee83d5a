"""Session fixture for the real Mosquitto broker (Debian's ``mosquitto``), on loopback only.

One process, three listeners on free 127.0.0.1 ports (``per_listener_settings``):
``port`` anonymous, ``auth_port`` with a password file (user ``med`` / :data:`PASSWORD`), and
``tls_port`` (mqtts) with a throw-away CA, a server certificate for 127.0.0.1 and a required
client certificate. Retained messages persist across ``stop()`` (SIGTERM: mosquitto saves its
database) and ``start()`` on the same ports, as on a real install; ``kill()`` is a crash.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port

MOSQUITTO = "/usr/sbin/mosquitto"
USERNAME = "med"
PASSWORD = "s3cret-Broker-pw"
#: A second user of the password listener whose ACL allows nothing (ACL error messages).
LIMITED_USERNAME = "limited"


def _write_pki(directory: Path) -> None:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)

    def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("med-test-ca"))
        .issuer_name(name("med-test-ca"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    (directory / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))

    def leaf(cn: str, usage: x509.ObjectIdentifier, san: x509.GeneralName | None) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(cn))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if san is not None:
            builder = builder.add_extension(x509.SubjectAlternativeName([san]), critical=False)
        cert = builder.sign(ca_key, hashes.SHA256())
        (directory / f"{cn}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (directory / f"{cn}.key").write_bytes(key_pem(key))

    leaf(
        "server", ExtendedKeyUsageOID.SERVER_AUTH, x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
    )
    leaf("client", ExtendedKeyUsageOID.CLIENT_AUTH, None)


class MosquittoServer:
    """A throw-away Mosquitto on 127.0.0.1: anonymous, password and mutual-TLS listeners."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="med-mosquitto-"))
        self.host = "127.0.0.1"
        self.port = free_port()
        self.auth_port = free_port()
        self.tls_port = free_port()
        self.username = USERNAME
        self.password = PASSWORD
        self.log = self.dir / "mosquitto.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._configure()

    @property
    def ca_file(self) -> str:
        """PEM of the CA that signed the server and client certificates."""
        return str(self.dir / "ca.pem")

    @property
    def client_cert(self) -> str:
        """Client certificate accepted by the TLS listener."""
        return str(self.dir / "client.pem")

    @property
    def client_key(self) -> str:
        """Key of :attr:`client_cert`."""
        return str(self.dir / "client.key")

    @property
    def url(self) -> str:
        """``mqtt://`` URL of the anonymous listener."""
        return f"mqtt://{self.host}:{self.port}"

    def _configure(self) -> None:
        _write_pki(self.dir)
        passwd = str(self.dir / "passwd")
        for args in (["-c", passwd, USERNAME], [passwd, LIMITED_USERNAME]):
            subprocess.run(
                ["mosquitto_passwd", "-b", *args, PASSWORD], check=True, capture_output=True
            )
        d = self.dir
        (d / "acl").write_text(f"user {USERNAME}\ntopic readwrite #\n\nuser {LIMITED_USERNAME}\n")
        (d / "mosquitto.conf").write_text(
            f"""
# Loopback only; each listener has its own auth settings.
per_listener_settings true
# Like a real install: retained messages survive a restart (saved on SIGTERM).
persistence true
persistence_location {d}/
autosave_interval 60
log_dest file {self.log}
log_type error
log_type warning
log_type notice
log_type information
connection_messages true
# Bursts of QoS 1 publishes (the exporter keeps up to 100 in flight; benches send 35,040).
max_inflight_messages 1000
max_queued_messages 100000
# Send PUBACKs at once: with Nagle on both ends a burst stalls ~40 ms at a time.
set_tcp_nodelay true

listener {self.port} 127.0.0.1
allow_anonymous true

listener {self.auth_port} 127.0.0.1
allow_anonymous false
password_file {d / "passwd"}
acl_file {d / "acl"}

listener {self.tls_port} 127.0.0.1
allow_anonymous true
cafile {d / "ca.pem"}
certfile {d / "server.pem"}
keyfile {d / "server.key"}
require_certificate true
"""
        )
        if os.geteuid() == 0:
            # mosquitto drops root for the `mosquitto` user: it must read the files in here.
            for path in (d, *d.iterdir()):
                shutil.chown(path, "mosquitto")

    def start(self) -> None:
        """Start (or restart) the broker and wait until every listener accepts connections."""
        if self._proc is not None and self._proc.poll() is None:
            return
        self._proc = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.dir / "mosquitto.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        for port in (self.port, self.auth_port, self.tls_port):
            while True:
                if self._proc.poll() is not None:
                    err = self._proc.stderr.read().decode() if self._proc.stderr else ""
                    raise RuntimeError(f"mosquitto exited: {err}\n{self.read_log()}")
                try:
                    with socket.create_connection((self.host, port), timeout=0.5):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"mosquitto not ready:\n{self.read_log()}") from None
                    time.sleep(0.01)

    def stop(self) -> None:
        """Stop the broker (SIGTERM: it saves its retained messages; clients are cut off)."""
        self._end(kill=False)

    def kill(self) -> None:
        """Crash the broker (SIGKILL: what it did not save is lost)."""
        self._end(kill=True)

    def _end(self, *, kill: bool) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            if kill:
                self._proc.kill()
            else:
                self._proc.terminate()
            self._proc.wait(timeout=10)
        if self._proc.stderr is not None:
            self._proc.stderr.close()
        self._proc = None

    @property
    def running(self) -> bool:
        """True while the process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def read_log(self) -> str:
        """The broker's log so far."""
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def close(self) -> None:
        """Stop and delete everything."""
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def mosquitto() -> Iterator[MosquittoServer]:
    """The session's Mosquitto broker (restarted by a test that stops it)."""
    server = MosquittoServer()
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def mosquitto_broker(mosquitto: MosquittoServer) -> MosquittoServer:
    """The session broker, running (restarted if a previous test left it stopped)."""
    mosquitto.start()
    return mosquitto
