"""No personal values in the audit log: entries hold keys and ids, and are refused otherwise."""

from __future__ import annotations

import re
from typing import Any

import pytest

from policyvault.domain.audit import Actor, AuditEvent, Decision
from policyvault.domain.errors import InvalidInput

ACTOR = Actor(id="staff_42", role="cs_agent", source_ip="198.51.100.7")
ALLOW = Decision.allow("purpose", "customer_support allows user.contact.email")


def event(**changes: Any) -> AuditEvent:
    fields: dict[str, Any] = {
        "actor": ACTOR,
        "action": "view",
        "decision": ALLOW,
        "subject_id": "subj_01HZX4Q8",
    }
    fields.update(changes)
    return AuditEvent(**fields)


@pytest.mark.parametrize(
    "value",
    [
        "user.contact.email",  # a taxonomy key
        "marketing.advertising",
        "allowed",  # an enum value
        "subj_01HZX4Q8ZK",  # opaque ids
        "REQ-2027-0001",
        "01ARZ3NDEKTSV4RRFFQ69G5FAV",  # a ULID
        "123e4567-e89b-12d3-a456-426614174000",  # a UUID
        "12345678-1234-1234-1234-123456789012",  # a UUID of digits only
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",  # a digest
        "2027-03-01T10:00:00Z",  # a timestamp
        "policy:v3",
        "12345",  # a short number
    ],
)
def test_keys_and_ids_are_accepted_in_details(value: str) -> None:
    assert event(details={"ref": value}).details["ref"] == value


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("user@example.com", "email"),
        ("+82-10-5555-0100", "phone"),
        ("555-0100", "phone"),
        ("01055550100", "phone"),
        ("900101-1234567", "national id"),  # a resident registration number
        ("4111111111111111", "card"),
        ("4111 1111 1111 1111", "whitespace"),
        ("1990-01-01", "date"),  # a date of birth
        ("Hong Gildong", "whitespace"),
        ("홍길동", "non-ASCII"),
        ("Alice", "neither a key nor an opaque id"),
        ("please call me back tomorrow", "whitespace"),
        ("203.0.113.9", "IP address"),
        ("2001:db8::1", "IP address"),
        ("x" * 129, "longer than 128"),
        ("", "empty"),
    ],
)
def test_personal_values_in_details_are_refused(value: str, why: str) -> None:
    with pytest.raises(InvalidInput, match=why) as refused:
        event(details={"note": value})
    assert "details.note" in str(refused.value)
    if len(value) > 3:
        assert value not in str(refused.value)  # the refusal never repeats what it refuses


@pytest.mark.parametrize(
    "details",
    [
        {"deep": {"er": [{"still": "user@example.com"}]}},
        {"list": ["ok_1", "Hong Gildong"]},
        {"Not A Key": 1},
        {"amount": 1.5},
        {"blob": b"bytes"},
        {"a": {"b": {"c": {"d": {"e": 1}}}}},
    ],
)
def test_nested_and_odd_details_are_refused(details: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput, match=r"audit entry refused: details"):
        event(details=details)


def test_structured_details_of_keys_ids_and_numbers_are_fine() -> None:
    details = {
        "items": ["user.name", "user.contact.email"],
        "count": 3,
        "bulk": False,
        "grant": {"id": "grant_17", "expires_at": "2027-01-01T00:00:00Z"},
        "previous": None,
    }
    assert event(details=details).details["grant"]["id"] == "grant_17"


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"subject_id": "user@example.com"}, "subject_id"),
        ({"subject_id": "Kim Minsu"}, "subject_id"),
        ({"request_id": "010-5555-0100"}, "request_id"),
        ({"purpose": "Customer Support"}, "purpose"),
        ({"action": "looked at"}, "action"),
        ({"item_keys": ("user.contact.email", "kim@example.com")}, "item_keys[1]"),
        ({"item_keys": "user.contact.email"}, "item_keys"),
    ],
)
def test_every_field_is_guarded(changes: dict[str, Any], path: str) -> None:
    with pytest.raises(InvalidInput, match="refused: " + re.escape(path)):
        event(**changes)


@pytest.mark.parametrize(
    ("field", "value"),
    [("id", "manager@example.com"), ("role", "Team Lead"), ("source_ip", "not-an-ip")],
)
def test_actors_are_guarded(field: str, value: str) -> None:
    fields = {"id": "staff_1", "role": "cs_agent", "source_ip": None, field: value}
    with pytest.raises(InvalidInput, match=rf"actor\.{field}"):
        Actor(**fields)


def test_source_ips_are_normalised() -> None:
    assert Actor("staff_1", "cs_agent", "2001:DB8:0:0::1").source_ip == "2001:db8::1"


@pytest.mark.parametrize(
    "reason",
    [
        "sent to user@example.com",
        "caller gave 010-5555-0100",
        "card 4111 1111 1111 1111",
        "from 203.0.113.9",
        "from 2001:db8::1",
        "홍길동 asked",
        "two\nlines",
        "",
        "x" * 501,
    ],
)
def test_decision_reasons_are_scanned(reason: str) -> None:
    with pytest.raises(InvalidInput, match=r"decision\.reason"):
        Decision.deny("consent", reason)


def test_ordinary_reasons_pass() -> None:
    Decision.deny("consent", "consent to marketing.email withdrawn on 2027-03-01")
    Decision.allow("retention", "kept 5 years under the Framework Act on National Taxes")
    Decision.allow("audit.retention", "entries past the retention floor (2 years, 50000 subjects)")
