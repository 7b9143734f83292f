"""SmtpSender against a real local SMTP server: what arrives, and how each failure is told
(transient or not, with no address, password or text in what may reach a log)."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest
from tests.support.smtp import (
    DEFERRED_ADDRESS,
    PASSWORD,
    REFUSED_ADDRESS,
    USERNAME,
    SmtpServer,
    closed_port,
    settings_for,
)

from policyvault.domain.errors import InvalidInput
from policyvault.services.outbox.smtp import (
    DeliveryFailed,
    Envelope,
    RecordingSender,
    SmtpSender,
    smtp_settings,
)

TO = "hong.gildong@example.kr"
SUBJECT = "[메가존클라우드] 개인정보 열람 요청 접수 안내"
WRONG_PASSWORD = "not-the-password"
TEXT = "홍길동 님, 개인정보 열람 요청이 접수되었습니다.\n처리 기한: 2025-03-11 18:00 (UTC+09:00)\n"


def envelope(to: str = TO, **changes: object) -> Envelope:
    values: dict[str, object] = {
        "to": to,
        "subject": SUBJECT,
        "text": TEXT,
        "message_id": "ob_01",
    }
    return Envelope(**{**values, **changes})  # type: ignore[arg-type]


def failure_of(server: SmtpServer, message: Envelope, **changes: object) -> DeliveryFailed:
    with pytest.raises(DeliveryFailed) as caught:
        SmtpSender(settings_for(server, **changes)).send(message)
    failure = caught.value
    # Nothing personal in what a log would show, and no smtplib error chained to it.
    for secret in (message.to, message.subject, PASSWORD, USERNAME, "hong", "@"):
        assert secret not in str(failure)
        assert secret not in repr(failure)
    assert failure.__cause__ is None
    assert failure.__context__ is None
    return failure


def test_korean_subject_and_body_arrive_intact(smtp_server: SmtpServer) -> None:
    SmtpSender(settings_for(smtp_server)).send(envelope())

    [received] = smtp_server.received
    message = received.message
    assert received.rcpt_tos == [TO]
    assert received.mail_from == "privacy@example.com"
    assert message["Subject"] == SUBJECT
    assert message["To"] == TO
    assert message["From"] == "PolicyVault <privacy@example.com>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content() == TEXT
    assert not received.tls


def test_the_wire_format_is_seven_bit(smtp_server: SmtpServer) -> None:
    SmtpSender(settings_for(smtp_server)).send(envelope())

    raw = smtp_server.received[0].message.as_bytes()
    assert raw.isascii()  # encoded headers and body: safe through any relay


def test_the_message_id_is_kept_across_retries(smtp_server: SmtpServer) -> None:
    sender = SmtpSender(settings_for(smtp_server))
    sender.send(envelope())
    sender.send(envelope())
    sender.send(envelope(message_id="<ob_02@policyvault>"))

    ids = [r.message["Message-ID"] for r in smtp_server.received]
    assert ids == ["<ob_01@example.com>", "<ob_01@example.com>", "<ob_02@policyvault>"]


def test_html_goes_as_an_alternative(smtp_server: SmtpServer) -> None:
    html = "<!doctype html><p>개인정보 <strong>열람</strong> 요청이 접수되었습니다.</p>"
    SmtpSender(settings_for(smtp_server)).send(envelope(html=html))

    message = smtp_server.received[0].message
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",))
    rich = message.get_body(("html",))
    assert plain is not None and rich is not None
    assert plain.get_content() == TEXT
    assert rich.get_content().strip() == html


def test_extra_headers_are_added(smtp_server: SmtpServer) -> None:
    headers = {"X-PolicyVault-Kind": "acknowledgement", "Auto-Submitted": "auto-replied"}
    SmtpSender(settings_for(smtp_server)).send(envelope(headers=headers))

    message = smtp_server.received[0].message
    assert message["X-PolicyVault-Kind"] == "acknowledgement"
    assert message.get_all("Auto-Submitted") == ["auto-replied"]


def test_starttls_and_login(starttls_server: SmtpServer) -> None:
    SmtpSender(settings_for(starttls_server)).send(envelope())

    [received] = starttls_server.received
    assert received.tls
    assert received.login == USERNAME
    assert received.message["Subject"] == SUBJECT


def test_implicit_tls(tls_server: SmtpServer) -> None:
    SmtpSender(settings_for(tls_server)).send(envelope())

    [received] = tls_server.received
    assert received.tls
    assert received.message.get_content() == TEXT


def test_a_wrong_password_is_permanent(starttls_server: SmtpServer) -> None:
    failure = failure_of(starttls_server, envelope(), password=WRONG_PASSWORD)

    assert failure.code == "auth_failed"
    assert not failure.transient
    assert failure.smtp_code == 535
    assert WRONG_PASSWORD not in str(failure)
    assert starttls_server.received == []


def test_an_untrusted_certificate_is_refused(starttls_server: SmtpServer) -> None:
    failure = failure_of(starttls_server, envelope(), ca_file=None)  # the system CAs only

    assert failure.code == "tls_failed"
    assert not failure.transient
    assert starttls_server.received == []


def test_a_closed_port_is_transient() -> None:
    server = SmtpServer(port=closed_port())
    failure = failure_of(server, envelope())

    assert failure.code == "connection_refused"
    assert failure.transient


def test_a_refused_recipient_is_permanent(refusing_server: SmtpServer) -> None:
    failure = failure_of(refusing_server, envelope(REFUSED_ADDRESS))

    assert failure.code == "smtp_5xx_recipient_refused"
    assert not failure.transient
    assert failure.smtp_code == 550
    assert "nobody" not in str(failure)
    assert refusing_server.received == []


def test_a_deferred_recipient_is_transient(deferring_server: SmtpServer) -> None:
    failure = failure_of(deferring_server, envelope(DEFERRED_ADDRESS))

    assert failure.code == "smtp_4xx"
    assert failure.transient
    assert failure.smtp_code == 451


def test_the_failure_survives_pickling() -> None:
    failure = pickle.loads(pickle.dumps(DeliveryFailed("timeout", True)))  # noqa: S301

    assert (failure.code, failure.transient, failure.smtp_code) == ("timeout", True, None)
    assert str(failure) == "SMTP delivery failed (transient): timeout"


def test_the_recording_sender_keeps_and_fails_on_demand() -> None:
    sender = RecordingSender()
    sender.fail_next(DeliveryFailed("timeout", True))

    with pytest.raises(DeliveryFailed):
        sender.send(envelope())
    sender.send(envelope())
    assert [e.message_id for e in sender.sent] == ["ob_01"]


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "line\r\nBcc: victim@example.org"},
        {"to": "a@example.org\nBcc: b@example.org"},
        {"to": "not an address"},
        {"message_id": "has space"},
        {"headers": {"Bcc": "b@example.org"}},
        {"headers": {"X-Note": "one\ntwo"}},
    ],
)
def test_an_envelope_refuses_header_injection(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidInput) as caught:
        envelope(**changes)
    assert "example.org" not in str(caught.value)


def test_an_envelope_repr_hides_the_address_and_text() -> None:
    shown = repr(envelope())
    assert TO not in shown
    assert "열람" not in shown


# Settings: vault.json's "smtp" section under the environment.


def test_no_host_means_no_smtp() -> None:
    assert smtp_settings(None, {}) is None
    assert smtp_settings({"sender": "a@example.com"}, {"POLICYVAULT_SMTP_HOST": ""}) is None


def test_the_environment_overrides_the_file(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("not read here")
    config = {
        "host": "smtp.internal",
        "port": 2525,
        "security": "none",
        "sender": "privacy@example.com",
        "timeout_seconds": 3,
    }
    environ = {
        "POLICYVAULT_SMTP_HOST": "smtp.example.com",
        "POLICYVAULT_SMTP_PORT": "465",
        "POLICYVAULT_SMTP_SECURITY": "tls",
        "POLICYVAULT_SMTP_USERNAME": "mailer",
        "POLICYVAULT_SMTP_PASSWORD": "from-env",
        "POLICYVAULT_SMTP_CA_FILE": str(ca),
    }
    settings = smtp_settings(config, environ)

    assert settings is not None
    assert (settings.host, settings.port, settings.security) == ("smtp.example.com", 465, "tls")
    assert (settings.username, settings.password) == ("mailer", "from-env")
    assert settings.sender == "privacy@example.com"
    assert settings.timeout_seconds == 3
    assert settings.ca_file == str(ca)
    assert settings.verify_certificates
    assert "from-env" not in repr(settings)


def test_defaults() -> None:
    settings = smtp_settings({"host": "smtp.example.com", "sender": "p@example.com"}, {})

    assert settings is not None
    assert (settings.security, settings.port, settings.timeout_seconds) == ("starttls", 587, 10)
    assert settings.username is None and settings.password is None


@pytest.mark.parametrize(
    ("config", "environ", "message"),
    [
        ({"password": "x"}, {}, "POLICYVAULT_SMTP_PASSWORD only"),
        ({"hostname": "x"}, {}, "unknown smtp settings: hostname"),
        ({}, {"POLICYVAULT_SMTP_PORT": "smtp"}, "port must be a positive whole number"),
        ({"port": 0}, {}, "port must be a positive whole number"),
        ({"port": 70000}, {}, "port must be from 1 to 65535"),
        ({"port": True}, {}, "port must be a positive whole number"),
        ({"security": "ssl"}, {}, "security must be one of: none, starttls, tls"),
        ({"timeout_seconds": -1}, {}, "timeout_seconds must be a positive number"),
        ({"sender": None}, {}, "sender (the From address) must be an e-mail address"),
        ({"username": "u"}, {}, "username and POLICYVAULT_SMTP_PASSWORD go together"),
        ({}, {"POLICYVAULT_SMTP_PASSWORD": "p"}, "username and POLICYVAULT_SMTP_PASSWORD"),
        ({"security": "none", "username": "u"}, {"POLICYVAULT_SMTP_PASSWORD": "p"}, "not none"),
        ({"ca_file": "/nonexistent/ca.pem"}, {}, "ca_file is not a readable file"),
        ({"verify_certificates": "no"}, {}, "verify_certificates must be true or false"),
        ({"host": "smtp example"}, {}, "host name without spaces"),
    ],
)
def test_bad_settings_are_refused(
    config: dict[str, object], environ: dict[str, str], message: str
) -> None:
    base = {"host": "smtp.example.com", "sender": "privacy@example.com"}
    with pytest.raises(InvalidInput, match=re.escape(message)):
        smtp_settings({**base, **config}, environ)


def test_an_unreadable_ca_file_is_refused(tmp_path: Path, smtp_server: SmtpServer) -> None:
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    with pytest.raises(InvalidInput, match="CA file"):
        SmtpSender(settings_for(smtp_server, security="starttls", ca_file=str(bad)))
