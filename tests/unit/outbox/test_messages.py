"""The outbox's messages: every kind in both languages, the context they need, and hostile
text shown as text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jinja2
import pytest

from policyvault.domain.errors import InvalidInput
from policyvault.domain.policy.parties import RemedyBody
from policyvault.services.outbox.messages import (
    CONTEXT_KEYS,
    message_language,
    remedy_entries,
    render_message,
)

AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
LATER = datetime(2025, 3, 11, 9, 30, tzinfo=UTC)
KEPT_UNTIL = datetime(2030, 3, 1, 0, 0, tzinfo=UTC)
REMEDY = [
    {
        "name": "개인정보분쟁조정위원회",
        "role": "분쟁조정 신청",
        "phone": "1833-6972",
        "url": "https://www.kopico.go.kr",
    },
    {"name": "경찰청 사이버수사국", "phone": "182"},
]
OUTCOMES = [
    {"target": "email", "label": "E-mail", "outcome": "fulfilled", "reason": "", "until": None},
    {
        "target": "record:order",
        "label": "Order records",
        "outcome": "kept",
        "reason": "전자상거래법 제6조",
        "until": KEPT_UNTIL,
    },
]
CONTEXTS: dict[str, dict[str, Any]] = {
    "verification_code": {
        "controller": "Megazone",
        "code": "482913",
        "expires_minutes": 15,
        "request_kind": "access",
    },
    "acknowledgement": {
        "controller": "Megazone",
        "request_id": "rq_01",
        "request_kind": "deletion",
        "received_at": AT,
        "due_at": LATER,
        "verification": "agent_document",
        "remedy": REMEDY,
    },
    "result": {
        "controller": "Megazone",
        "request_id": "rq_01",
        "request_kind": "deletion",
        "status": "partly",
        "outcomes": OUTCOMES,
        "download_url": "https://vault.example.com/d/abc?x=1&y=2",
        "download_expires_at": LATER,
        "refusal_reason": None,
        "remedy": REMEDY,
        "objection_procedure": "Write to privacy@example.com within 7 days.",
    },
    "extension": {
        "controller": "Megazone",
        "request_id": "rq_01",
        "request_kind": "access",
        "previous_due_at": AT,
        "new_due_at": LATER,
        "reason": "PIPA Decree Art 41(4)",
    },
    "forward_erasure": {
        "controller": "Megazone",
        "recipient_name": "Acme Mailer",
        "action": "erase",
        "subject_reference": "sr_7f3a",
        "item_keys": ["email", "phone"],
        "confirm_url": "https://vault.example.com/confirm/fw_01",
        "requested_at": AT,
    },
    "escalation": {
        "request_id": "rq_01",
        "recipient_id": "acme-mailer",
        "attempts": 6,
        "first_sent_at": AT,
    },
    "deadline_alert": {
        "counts": {"open": 3, "awaiting_verification": 1},
        "overdue": [{"request_id": "rq_01", "request_kind": "access", "due_at": AT}],
        "due_soon": [{"request_id": "rq_02", "request_kind": "correction", "due_at": LATER}],
    },
}
CASES = [(kind, lang) for kind in CONTEXTS for lang in ("en", "ko")]


def test_every_kind_has_a_context_here() -> None:
    assert set(CONTEXTS) == set(CONTEXT_KEYS)
    for kind, context in CONTEXTS.items():
        assert set(context) == CONTEXT_KEYS[kind]


@pytest.mark.parametrize(("kind", "lang"), CASES)
def test_every_kind_renders_in_both_languages(kind: str, lang: str) -> None:
    message = render_message(kind, lang, CONTEXTS[kind])

    assert message.subject and "\n" not in message.subject
    assert message.text.endswith("\n") and "\n\n\n" not in message.text
    assert "{{" not in message.text and "{%" not in message.text
    assert message.html is not None
    assert message.html.startswith("<!doctype html>")
    assert f'<html lang="{lang}">' in message.html
    korean = any("\uac00" <= c <= "\ud7a3" for c in message.subject)
    assert korean == (lang == "ko")
    for value in CONTEXTS[kind].values():
        if isinstance(value, datetime):
            assert f"{value:%Y-%m-%d %H:%M} (UTC)" in message.text
    assert "None" not in message.text


@pytest.mark.parametrize(
    ("kind", "key"), [(k, key) for k in CONTEXTS for key in sorted(CONTEXT_KEYS[k])]
)
def test_a_missing_key_fails_loudly(kind: str, key: str) -> None:
    context = {k: v for k, v in CONTEXTS[kind].items() if k != key}
    with pytest.raises(InvalidInput, match=key):
        render_message(kind, "en", context)


def test_a_missing_nested_value_fails_loudly() -> None:
    outcomes = [{"target": "email", "label": "E-mail", "outcome": "kept", "until": None}]
    with pytest.raises(jinja2.UndefinedError):
        render_message("result", "en", {**CONTEXTS["result"], "outcomes": outcomes})


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_an_unknown_value_fails_loudly(lang: str) -> None:
    with pytest.raises(jinja2.UndefinedError):
        render_message(
            "acknowledgement", lang, {**CONTEXTS["acknowledgement"], "request_kind": "x"}
        )
    with pytest.raises(jinja2.UndefinedError):
        render_message("forward_erasure", lang, {**CONTEXTS["forward_erasure"], "action": "burn"})
    with pytest.raises(InvalidInput, match="status"):
        render_message("result", lang, {**CONTEXTS["result"], "status": "done"})


def test_unknown_kind_and_bad_dates_are_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown message kind"):
        render_message("postcard", "en", {})
    naive = {**CONTEXTS["escalation"], "first_sent_at": datetime(2025, 3, 1)}  # noqa: DTZ001
    with pytest.raises(InvalidInput, match="timezone-aware"):
        render_message("escalation", "en", naive)
    with pytest.raises(InvalidInput, match="time zone"):
        render_message("escalation", "en", {**CONTEXTS["escalation"], "timezone": "Mars/Base"})


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_html_escapes_a_hostile_recipient_name(lang: str) -> None:
    hostile = '<script>alert("x")</script>'
    context = {**CONTEXTS["forward_erasure"], "recipient_name": hostile}
    message = render_message("forward_erasure", lang, context)

    assert message.html is not None
    assert "<script>" not in message.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in message.html
    assert hostile in message.text  # plain text is shown as text: nothing to escape


def test_html_escapes_the_subject_and_links() -> None:
    context = {**CONTEXTS["result"], "controller": "A&B <Corp>"}
    message = render_message("result", "en", context)

    assert message.subject.startswith("A&B <Corp>:")
    assert message.html is not None
    assert "<title>A&amp;B &lt;Corp&gt;:" in message.html
    assert 'href="https://vault.example.com/d/abc?x=1&amp;y=2"' in message.html


@pytest.mark.parametrize(
    ("lang", "kept", "until", "remedy_heading"),
    [
        ("en", "kept, as the law requires", "until 2030-03-01 09:00 (UTC+09:00)", "turn to"),
        ("ko", "법령에 따라 보관", "보관 기한 2030-03-01 09:00 (UTC+09:00)", "구제"),
    ],
)
def test_the_result_lists_kept_items_and_the_remedies(
    lang: str, kept: str, until: str, remedy_heading: str
) -> None:
    context = {**CONTEXTS["result"], "timezone": "Asia/Seoul"}
    message = render_message("result", lang, context)

    assert f"- Order records: {kept} (전자상거래법 제6조), {until}\n" in message.text
    assert "- E-mail: " in message.text
    assert remedy_heading in message.text
    assert "- 개인정보분쟁조정위원회 (분쟁조정 신청), 1833-6972, https://www.kopico.go.kr\n" in (
        message.text
    )
    assert "- 경찰청 사이버수사국, 182\n" in message.text  # only the fields it has
    assert "https://vault.example.com/d/abc?x=1&y=2" in message.text
    assert "privacy@example.com within 7 days" in message.text
    assert message.html is not None
    assert '<a href="https://www.kopico.go.kr">' in message.html


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_refusal_gives_its_reason(lang: str) -> None:
    context = {
        **CONTEXTS["result"],
        "status": "refused",
        "outcomes": [],
        "download_url": None,
        "download_expires_at": None,
        "refusal_reason": "PIPA Art 35(4)1",
    }
    message = render_message("result", lang, context)

    assert "PIPA Art 35(4)1" in message.text
    assert "https://vault.example.com/d/" not in message.text


def test_the_verification_code_is_shown() -> None:
    for lang in ("en", "ko"):
        message = render_message("verification_code", lang, CONTEXTS["verification_code"])
        assert "482913" in message.text
        assert message.html is not None and "<strong>482913</strong>" in message.html
        assert "482913" not in message.subject
    assert (
        "access to your data"
        in render_message("verification_code", "en", CONTEXTS["verification_code"]).text
    )
    assert (
        "개인정보 열람"
        in render_message("verification_code", "ko", CONTEXTS["verification_code"]).text
    )


def test_the_rendered_message_repr_hides_its_text() -> None:
    message = render_message("verification_code", "en", CONTEXTS["verification_code"])
    assert "482913" not in repr(message)


def test_languages_fall_back_to_english() -> None:
    assert message_language("ko") == "ko"
    assert message_language("ko-KR") == "ko"
    assert message_language("fr") == "en"
    fr = render_message("extension", "fr", CONTEXTS["extension"])
    assert fr.subject == render_message("extension", "en", CONTEXTS["extension"]).subject


def test_remedy_entries_from_the_policy() -> None:
    bodies = [
        RemedyBody.model_validate(
            {
                "name": {
                    "en": "Personal Information Dispute Mediation Committee",
                    "ko": "개인정보분쟁조정위원회",
                },
                "role": {"en": "Dispute mediation", "ko": "분쟁조정"},
                "phone": "1833-6972",
                "url": "https://www.kopico.go.kr",
            }
        ),
        RemedyBody.model_validate({"name": "Supreme Prosecutors' Office"}),
    ]

    assert remedy_entries(bodies, "ko") == [
        {"name": "개인정보분쟁조정위원회", "role": "분쟁조정", "phone": "1833-6972",
         "url": "https://www.kopico.go.kr"},
        {"name": "Supreme Prosecutors' Office"},
    ]  # fmt: skip
    text = render_message(
        "acknowledgement",
        "en",
        {**CONTEXTS["acknowledgement"], "remedy": remedy_entries(bodies, "en")},
    ).text
    assert (
        "- Personal Information Dispute Mediation Committee (Dispute mediation), 1833-6972" in text
    )
    assert "- Supreme Prosecutors' Office\n" in text
