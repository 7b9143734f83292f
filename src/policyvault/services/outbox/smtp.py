"""Sending the outbox's e-mail over SMTP, with the standard library only.

``SmtpSender.send`` delivers one ``Envelope`` or raises ``DeliveryFailed``: its ``code`` is an
error class the outbox can record (``OutboxMessage.last_error``), and ``transient`` says
whether trying again later may help. Neither carries the address, the text or the server's
reply text, because a server's reply often echoes the address.

The settings come from the vault's ``vault.json`` "smtp" section, overridden by environment
variables (``POLICYVAULT_SMTP_HOST``, ``_PORT``, ``_SECURITY``, ``_USERNAME``, ``_PASSWORD``,
``_SENDER``, ``_CA_FILE``). The password comes from the environment only, so that no file in
the vault home holds it.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import formatdate, parseaddr
from pathlib import Path
from typing import Any, Literal, Protocol

from policyvault.domain.errors import InvalidInput

Security = Literal["none", "starttls", "tls"]
_SECURITY: dict[str, Security] = {"none": "none", "starttls": "starttls", "tls": "tls"}
_DEFAULT_PORTS: dict[Security, int] = {"none": 25, "starttls": 587, "tls": 465}
_CONFIG_KEYS = frozenset(
    [
        "host",
        "port",
        "security",
        "username",
        "sender",
        "timeout_seconds",
        "ca_file",
        "verify_certificates",
    ]
)
_ENV = "POLICYVAULT_SMTP_"
# Headers the sender writes itself; an envelope may add others (Auto-Submitted, List-Id, ...).
_RESERVED_HEADERS = frozenset(
    {"from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version", "sender"}
)
# 7bit: non-ASCII bodies go out base64 or quoted-printable, so Korean text survives relays
# that do not speak 8BITMIME.
_POLICY = default_policy.clone(cte_type="7bit")


@dataclass(frozen=True, kw_only=True)
class SmtpSettings:
    host: str
    port: int
    security: Security  # none, starttls, or tls (implicit TLS, usually port 465)
    username: str | None
    password: str | None = field(repr=False)
    sender: str  # the From address, "Name <addr>" or a bare address
    timeout_seconds: float = 10
    verify_certificates: bool = True
    ca_file: str | None = None  # trust only this CA (a private relay, the tests)

    def __post_init__(self) -> None:
        if not self.host or any(c.isspace() for c in self.host):
            raise InvalidInput("the SMTP host must be a host name without spaces")
        if self.security not in _SECURITY:
            raise InvalidInput("the SMTP security must be one of: none, starttls, tls")
        if not 0 < self.port < 65536:
            raise InvalidInput("the SMTP port must be from 1 to 65535")
        if not self.timeout_seconds > 0:
            raise InvalidInput("the SMTP timeout must be a positive number of seconds")
        if (self.username is None) != (self.password is None):
            raise InvalidInput("the SMTP username and POLICYVAULT_SMTP_PASSWORD go together")
        if self.username is not None and self.security == "none":
            # Login over an unencrypted connection would send the password in the clear.
            raise InvalidInput("SMTP login needs security starttls or tls, not none")
        if "@" not in _address(self.sender):
            raise InvalidInput("the SMTP sender (the From address) must be an e-mail address")


def smtp_settings(
    config: Mapping[str, Any] | None, environ: Mapping[str, str]
) -> SmtpSettings | None:
    """The SMTP settings from ``vault.json``'s "smtp" section (host, port, security, username,
    sender, timeout_seconds, ca_file, verify_certificates) and the environment, or None when
    no host is configured (the outbox then keeps its messages). Security defaults to
    starttls, the port to the usual one for the security (25, 587, 465)."""
    section = dict(config or {})
    if "password" in section:
        raise InvalidInput("the SMTP password is read from POLICYVAULT_SMTP_PASSWORD only")
    unknown = sorted(set(section) - _CONFIG_KEYS)
    if unknown:
        raise InvalidInput(
            f"unknown smtp settings: {', '.join(unknown)} "
            f"(expected: {', '.join(sorted(_CONFIG_KEYS))})"
        )

    def pick(key: str) -> Any:
        # An empty variable counts as unset, as container tools often define them empty.
        return environ.get(_ENV + key.upper()) or section.get(key)

    host = _text("host", pick("host"))
    if host is None:
        return None
    security = _SECURITY.get(str(pick("security") or "starttls"))
    if security is None:
        raise InvalidInput("smtp security must be one of: none, starttls, tls")
    ca_file = _text("ca_file", pick("ca_file"))
    if ca_file is not None and not Path(ca_file).is_file():
        raise InvalidInput("the smtp ca_file is not a readable file")
    verify = section.get("verify_certificates", True)
    if not isinstance(verify, bool):
        raise InvalidInput("smtp verify_certificates must be true or false")
    return SmtpSettings(
        host=host,
        port=_number("port", pick("port"), int) or _DEFAULT_PORTS[security],
        security=security,
        username=_text("username", pick("username")),
        password=environ.get(_ENV + "PASSWORD") or None,
        sender=_text("sender", pick("sender")) or "",
        timeout_seconds=_number("timeout_seconds", section.get("timeout_seconds"), float) or 10,
        verify_certificates=verify,
        ca_file=ca_file,
    )


def _text(key: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or "\r" in value or "\n" in value:
        raise InvalidInput(f"smtp {key} must be a single line of text")
    return value


def _number(key: str, value: Any, kind: type[int] | type[float]) -> Any:
    if value is None:
        return None
    wrong = InvalidInput(f"smtp {key} must be a positive {'whole ' if kind is int else ''}number")
    allowed = (str, int) if kind is int else (str, int, float)
    if isinstance(value, bool) or not isinstance(value, allowed):
        raise wrong
    try:
        number = kind(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise wrong
    return number


def _address(value: str) -> str:
    return parseaddr(value)[1]


@dataclass(frozen=True, kw_only=True, repr=False)
class Envelope:
    to: str
    subject: str
    text: str
    html: str | None = None
    message_id: str  # kept across retries; a bare id gets the sender's domain
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if "@" not in _address(self.to) or _breaks(self.to):
            raise InvalidInput("the recipient must be one e-mail address")
        if _breaks(self.subject):
            raise InvalidInput("the subject must be a single line")
        if not self.message_id or any(c.isspace() or c in '"' for c in self.message_id):
            raise InvalidInput("the message id must be non-empty, without spaces or quotes")
        for name, value in self.headers.items():
            if name.lower() in _RESERVED_HEADERS or not name.isascii() or not name.isprintable():
                raise InvalidInput(f"header {name!r} cannot be set on an envelope")
            if ":" in name or " " in name or _breaks(value):
                raise InvalidInput(f"header {name!r} must be a single line")

    def __repr__(self) -> str:  # the address and text stay out of logs
        return f"Envelope(message_id={self.message_id!r})"


def _breaks(value: str) -> bool:
    return "\r" in value or "\n" in value


class DeliveryFailed(Exception):
    """A message was not delivered. ``code`` names the class of failure; ``transient``: a
    later attempt may succeed (connection, timeout, 4xx), else it will not (5xx, refused
    recipient, login refused, TLS failure) and the message needs a person."""

    def __init__(self, code: str, transient: bool, smtp_code: int | None = None) -> None:
        self.code = code
        self.transient = transient
        self.smtp_code = smtp_code
        kind = "transient" if transient else "permanent"
        reply = f", reply {smtp_code}" if smtp_code is not None else ""
        super().__init__(f"SMTP delivery failed ({kind}): {code}{reply}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.code, self.transient, self.smtp_code))


class Sender(Protocol):
    def send(self, envelope: Envelope) -> None: ...


class RecordingSender:
    """Keeps what it is given instead of sending it: unit tests, and sandbox vaults that have
    no SMTP server. ``fail_next`` makes the next sends fail, in order."""

    def __init__(self) -> None:
        self.sent: list[Envelope] = []
        self._failures: list[DeliveryFailed] = []

    def fail_next(self, failure: DeliveryFailed) -> None:
        self._failures.append(failure)

    def send(self, envelope: Envelope) -> None:
        if self._failures:
            raise self._failures.pop(0)
        self.sent.append(envelope)


class SmtpSender:
    """Delivers each envelope over a connection of its own: the outbox sends few messages,
    and a fresh connection cannot inherit a half-broken state from the previous one."""

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings
        self._tls = None if settings.security == "none" else _tls_context(settings)

    def send(self, envelope: Envelope) -> None:
        s = self._settings
        message = _message(s.sender, envelope)
        stage = "connect"
        try:
            client = self._connect()
            try:
                if s.security == "starttls":
                    stage = "tls"
                    client.starttls(context=self._tls)
                if s.username is not None and s.password is not None:
                    stage = "auth"
                    client.login(s.username, s.password)
                stage = "send"
                client.send_message(
                    message, from_addr=_address(s.sender), to_addrs=[_address(envelope.to)]
                )
            finally:
                _close(client)
            return
        except OSError as error:  # smtplib's and ssl's errors are all OSErrors
            failure = _failure(error, stage)
        # Raised outside the except block so the smtplib error, whose text may echo the
        # address, is not chained to it (and so not printed with its traceback).
        raise failure

    def _connect(self) -> smtplib.SMTP:
        s = self._settings
        if s.security == "tls":
            return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_seconds, context=self._tls)
        return smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)


def _tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    try:
        context = ssl.create_default_context(cafile=settings.ca_file)
    except (OSError, ValueError):
        raise InvalidInput("the SMTP CA file cannot be read as PEM certificates") from None
    if not settings.verify_certificates:
        # An explicit opt-out for a relay on a trusted network: still encrypted, unverified.
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _message(sender: str, envelope: Envelope) -> EmailMessage:
    message = EmailMessage(policy=_POLICY)
    message["From"] = sender
    message["To"] = envelope.to
    message["Subject"] = envelope.subject
    message["Date"] = formatdate(usegmt=True)
    message_id = envelope.message_id
    if not message_id.startswith("<"):
        domain = _address(sender).rpartition("@")[2]
        message_id = f"<{message_id}>" if "@" in message_id else f"<{message_id}@{domain}>"
    message["Message-ID"] = message_id
    # RFC 3834: an automatic message, so that vacation responders do not answer it.
    headers = {"Auto-Submitted": "auto-generated", **envelope.headers}
    for name, value in headers.items():
        message[name] = value
    message.set_content(envelope.text)
    if envelope.html is not None:
        message.add_alternative(envelope.html, subtype="html")
    return message


def _close(client: smtplib.SMTP) -> None:
    # Delivered or not, that is settled by now: a failing QUIT must change neither.
    try:
        client.quit()
    except OSError:
        client.close()


def _failure(error: OSError, stage: str) -> DeliveryFailed:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [reply[0] for reply in error.recipients.values()]
        return _by_reply(min(codes, default=550), "recipient_refused")
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return DeliveryFailed("auth_failed", False, error.smtp_code)
    if isinstance(error, ssl.SSLError):  # certificate errors included
        return DeliveryFailed("tls_failed", False)
    if type(error) in (smtplib.SMTPException, smtplib.SMTPNotSupportedError):
        # Raised by smtplib itself: the server lacks an extension this step needs.
        code = {"tls": "tls_failed", "auth": "auth_failed"}.get(stage, "smtp_unsupported")
        return DeliveryFailed(code, False)
    if isinstance(error, smtplib.SMTPSenderRefused):
        return _by_reply(error.smtp_code, "sender_refused")
    if isinstance(error, smtplib.SMTPDataError):
        return _by_reply(error.smtp_code, "data_refused")
    if isinstance(error, smtplib.SMTPResponseException):
        return _by_reply(error.smtp_code, None)
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return DeliveryFailed("disconnected", True)
    if isinstance(error, ConnectionRefusedError):
        return DeliveryFailed("connection_refused", True)
    if isinstance(error, TimeoutError):
        return DeliveryFailed("timeout", True)
    if isinstance(error, socket.gaierror):
        return DeliveryFailed("host_not_found", True)
    return DeliveryFailed("connection_failed", True)


def _by_reply(code: int, refused: str | None) -> DeliveryFailed:
    if 400 <= code < 500:
        return DeliveryFailed("smtp_4xx", True, code)
    if 500 <= code < 600:
        return DeliveryFailed(f"smtp_5xx_{refused}" if refused else "smtp_5xx", False, code)
    return DeliveryFailed("smtp_unexpected_reply", True, code)
