"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, on a port the system picks, collecting
what it receives as parsed ``EmailMessage`` objects.

Variants (context managers; ``tests/unit/outbox/conftest.py`` wraps them as fixtures):

    plain_smtp_server()                 no TLS, no login
    starttls_smtp_server(directory)     STARTTLS required, then AUTH LOGIN/PLAIN required
                                        (USERNAME / PASSWORD), with a CA made at test time
    implicit_tls_smtp_server(directory) TLS from the first byte (port 465 style)
    refusing_smtp_server(address)       550 to RCPT TO for ``address`` (a permanent refusal)
    deferring_smtp_server(address)      451 to RCPT TO for ``address`` (try again later)

``settings_for(server)`` gives the ``SmtpSettings`` that reach a server, ``closed_port()`` a
port nothing listens on.
"""

from __future__ import annotations

import email.policy
import socket
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from ipaddress import ip_address
from pathlib import Path
from typing import Any, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from policyvault.services.outbox.smtp import Security, SmtpSettings

HOST = "127.0.0.1"
SENDER = "PolicyVault <privacy@example.com>"
USERNAME = "outbox"
PASSWORD = "s3cret-test-password"
REFUSED_ADDRESS = "nobody@example.org"  # answered 550 by refusing_smtp_server
DEFERRED_ADDRESS = "later@example.org"  # answered 451 by deferring_smtp_server


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    tls: bool  # the session was encrypted (STARTTLS or implicit TLS)
    login: str | None  # the user name it authenticated as


@dataclass(frozen=True)
class Certificates:
    ca_file: Path
    cert_file: Path
    key_file: Path


@dataclass
class SmtpServer:
    port: int
    security: Security = "none"
    ca_file: Path | None = None
    login: bool = False  # the server requires USERNAME / PASSWORD
    received: list[Received] = field(default_factory=list)
    host: str = HOST


class CollectingHandler:
    """Keeps every message it accepts; ``replies`` answers RCPT TO for given addresses."""

    def __init__(self, replies: Mapping[str, str] | None = None) -> None:
        self.received: list[Received] = []
        self.replies = dict(replies or {})

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self.replies.get(address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = BytesParser(policy=email.policy.default).parsebytes(envelope.original_content)
        auth = session.auth_data
        login = auth.login.decode() if isinstance(auth, LoginPassword) else None
        received = Received(
            mail_from=envelope.mail_from,
            rcpt_tos=list(envelope.rcpt_tos),
            message=cast(EmailMessage, parsed),
            tls=server.transport.get_extra_info("cipher") is not None,
            login=login,
        )
        self.received.append(received)
        return "250 Message accepted for delivery"


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USERNAME.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


class _Controller(Controller):
    """Listens on port 0 (the system picks a free one) and learns the port before the
    readiness check connects to it, so parallel test workers never collide."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@contextmanager
def _serving(handler: CollectingHandler, **options: Any) -> Iterator[int]:
    controller = _Controller(handler, hostname=HOST, port=0, server_hostname="localhost", **options)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@contextmanager
def plain_smtp_server(replies: Mapping[str, str] | None = None) -> Iterator[SmtpServer]:
    handler = CollectingHandler(replies)
    with _serving(handler) as port:
        yield SmtpServer(port=port, received=handler.received)


@contextmanager
def refusing_smtp_server(address: str = REFUSED_ADDRESS) -> Iterator[SmtpServer]:
    with plain_smtp_server({address: "550 5.1.1 Mailbox unavailable"}) as server:
        yield server


@contextmanager
def deferring_smtp_server(address: str = DEFERRED_ADDRESS) -> Iterator[SmtpServer]:
    with plain_smtp_server({address: "451 4.3.0 Try again later"}) as server:
        yield server


@contextmanager
def starttls_smtp_server(directory: Path) -> Iterator[SmtpServer]:
    certificates = make_certificates(directory)
    handler = CollectingHandler()
    options = {
        "tls_context": _server_context(certificates),
        "require_starttls": True,
        "auth_required": True,
        "auth_require_tls": True,
        "authenticator": _authenticate,
    }
    with _serving(handler, **options) as port:
        yield SmtpServer(
            port=port,
            security="starttls",
            ca_file=certificates.ca_file,
            login=True,
            received=handler.received,
        )


@contextmanager
def implicit_tls_smtp_server(directory: Path) -> Iterator[SmtpServer]:
    certificates = make_certificates(directory)
    handler = CollectingHandler()
    with _serving(handler, ssl_context=_server_context(certificates)) as port:
        yield SmtpServer(
            port=port, security="tls", ca_file=certificates.ca_file, received=handler.received
        )


def settings_for(server: SmtpServer, **changes: Any) -> SmtpSettings:
    values: dict[str, Any] = {
        "host": server.host,
        "port": server.port,
        "security": server.security,
        "username": USERNAME if server.login else None,
        "password": PASSWORD if server.login else None,
        "sender": SENDER,
        "timeout_seconds": 5,
        "ca_file": str(server.ca_file) if server.ca_file else None,
    }
    return SmtpSettings(**{**values, **changes})


def closed_port() -> int:
    """A port that was free a moment ago and that nothing listens on."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _server_context(certificates: Certificates) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificates.cert_file, certificates.key_file)
    return context


def make_certificates(directory: Path) -> Certificates:
    """A throwaway CA and a server certificate for localhost and 127.0.0.1 signed by it, with
    the extensions strict verifiers ask for."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PolicyVault test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        _builder(ca_name, ca_name, ca_key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    names = [x509.DNSName("localhost"), x509.IPAddress(ip_address(HOST))]
    cert = (
        _builder(name, ca_name, key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    result = Certificates(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    result.ca_file.write_bytes(ca_cert.public_bytes(pem))
    result.cert_file.write_bytes(cert.public_bytes(pem))
    result.key_file.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return result


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey, now: datetime
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
    )


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )
