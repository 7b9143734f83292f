"""The access package, downloaded once through its link after a verified access request: it
follows its schema, holds every item the subject has (live and in the separate store; a
password only as "not exportable"), every statutory record, the consent history and the
subject's requests, and nothing of anyone else. The link works once and expires; every
refusal reads the same. A portability package holds only what the subject provided on
consent or contract, and no records.

Megazone with two additions (a password at sign-up, and the portability right), so that one
subject has a password, statutory records and an item in the separate store."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from tests.unit.rights.conftest import (
    CLERK,
    OFFICER,
    PUBLIC_URL,
    SUBJECT_APP,
    Desk,
    derived_policy,
)

from policyvault.domain.requests import Channel, RequestKind, RequestStatus
from policyvault.services.requests.export import DownloadRefused
from policyvault.services.requests.package import ZIP_MEMBERS, package_schema

# jsonschema checks "date-time" only with rfc3339-validator, which is not installed: without
# a check of our own the format would pass silently (as in tests/unit/requests).
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(_RFC3339.fullmatch(value)) and datetime.fromisoformat(value).tzinfo is not None


VALIDATOR = Draft202012Validator(package_schema(), format_checker=FORMATS)

LEE = {"email": "lee@example.com", "name": "Lee Member", "password": "correct horse 1"}
LEE_AUTOMATIC = {
    "ip_address": "192.0.2.7",
    "cookie_id": "ck-lee-7",
    "service_use_records": {"pages": 3},
    "visit_records": {"visits": 2},
    "bad_use_records": {"flags": 0},
}
LEE_PAYMENT = {"order": "ORD-LEE-1", "amount": 59000}
LEE_CONTRACT = {"contract": "CT-LEE-1"}
PARK = {"email": "park@example.org", "name": "Park Other", "password": "other secret 2"}
PARK_AUTOMATIC = {
    "ip_address": "198.51.100.9",
    "cookie_id": "ck-park-9",
    "service_use_records": {"pagesPark": 8},
    "visit_records": {"visitsPark": 9},
    "bad_use_records": {"flagsPark": 1},
}
PARK_PAYMENT = {"order": "ORD-PARK-9", "amount": 77000}


def with_password_and_portability(data: dict[str, Any]) -> None:
    data["items"]["password"] = {
        "label": {"en": "Password", "ko": "비밀번호"},
        "category": "user.authorization.password",
        "type": "password",
    }
    data["collection_points"]["console_start"]["optional"] = ["password"]
    data["purposes"]["membership.management"]["items"].append("password")
    data["rights"]["granted"].append("portability")


@pytest.fixture
def d(tmp_path: Path) -> Desk:
    path = derived_policy(tmp_path, "megazone-cloudplex", with_password_and_portability)
    return Desk("megazone-cloudplex", path)


def customer(d: Desk, values: dict[str, Any], automatic: dict[str, Any], payment: Any) -> str:
    subject = d.member("console_start", values)
    d.member("automatic", automatic, subject_id=subject)
    d.vault.record_event(subject, "visit", CLERK)
    d.retention.add_record(subject, "payment_and_supply", d.clock.now(), payment, CLERK)
    return subject


def two_customers(d: Desk) -> tuple[str, str]:
    """Lee, with a contract record too and the IP address moved to the separate store by a
    deletion of that item; Park, with a request of its own."""
    lee = customer(d, LEE, LEE_AUTOMATIC, LEE_PAYMENT)
    d.retention.add_record(lee, "contract_or_withdrawal", d.clock.now(), LEE_CONTRACT, CLERK)
    park = customer(d, PARK, PARK_AUTOMATIC, PARK_PAYMENT)
    d.advance(hours=1)
    deletion = d.verified(RequestKind.deletion, LEE["email"], items=("ip_address",))
    d.requests.fulfil(deletion.id, OFFICER)
    assert d.separate_keys(lee) == {"ip_address"}
    d.verified(RequestKind.correction, PARK["email"], corrections={"name": "Park Renamed"})
    return lee, park


def download(d: Desk, token: str) -> dict[str, bytes]:
    out = io.BytesIO()
    d.requests.download(token, out, SUBJECT_APP)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def package_of(d: Desk, kind: RequestKind, email: str) -> tuple[str, dict[str, bytes]]:
    request = d.verified(kind, email)
    assert request.status is RequestStatus.completed
    return request.id, download(d, d.link_sent_to(email))


def test_the_access_package_holds_everything_of_the_subject_and_nothing_else(d: Desk) -> None:
    lee, park = two_customers(d)
    request_id, members = package_of(d, RequestKind.access, LEE["email"])

    assert tuple(members) == ZIP_MEMBERS
    package = json.loads(members["package.json"])
    assert sorted(e.message for e in VALIDATOR.iter_errors(package)) == []
    assert (package["meta"]["subject_id"], package["meta"]["request_id"]) == (lee, request_id)
    # every item, live or in the separate store, with its value
    items = {i["key"]: i for i in package["items"]}
    assert set(items) == d.item_keys(lee) | d.separate_keys(lee)
    assert {k for k, i in items.items() if i["location"] == "separate_store"} == {"ip_address"}
    assert items["email"]["value"] == LEE["email"] and items["name"]["value"] == LEE["name"]
    assert items["ip_address"]["value"] == LEE_AUTOMATIC["ip_address"]
    assert items["cookie_id"]["value"] == LEE_AUTOMATIC["cookie_id"]
    assert json.loads(items["visit_records"]["value"]) == LEE_AUTOMATIC["visit_records"]
    # the password: listed, never exported
    assert (items["password"]["exportable"], items["password"]["value"]) == (False, None)
    everything = b"".join(members.values()).decode("utf-8-sig")
    assert LEE["password"] not in everything
    # every statutory record, with its value
    records = {r["id"]: r for r in package["records"]}
    assert set(records) == records_of(d, lee) and len(records) == 2
    assert {r["record_type"]: r["value"] for r in records.values()} == {
        "payment_and_supply": LEE_PAYMENT,
        "contract_or_withdrawal": LEE_CONTRACT,
    }
    # the consent history and the requests, this one included
    with d.vault.context.session() as session:
        history = session.consents(lee)
    assert [(c["action"], c["category"], c["purposes"]) for c in package["consents"]] == [
        (c.action.value, c.category.value, list(c.purposes)) for c in history
    ]
    requests = {r["id"]: r for r in package["requests"]}
    assert request_id in requests and requests[request_id]["kind"] == "access"
    assert [r["kind"] for r in requests.values()].count("deletion") == 1
    # nothing of the other subject, in any member
    theirs = [park, *_strings(PARK), *_strings(PARK_AUTOMATIC), *_strings(PARK_PAYMENT)]
    theirs += [r.id for r in d.requests.find(subject_id=park)]
    for name, data in members.items():
        text = data.decode("utf-8-sig")
        assert [t for t in theirs if t in text] == [], name


def records_of(d: Desk, subject: str) -> set[str]:
    """The ids of the subject's statutory records, in either store."""
    with d.vault.context.session() as session, d.vault.context.separate.reading() as separate:
        return {r.id for r in [*session.records(subject), *separate.records(subject)]}


def _strings(values: Any) -> list[str]:
    if isinstance(values, dict):
        return [s for k, v in values.items() for s in [k, *_strings(v)] if s not in _COMMON]
    if isinstance(values, str):
        return [values]
    return [str(values)] if len(str(values)) >= 5 else []  # a digit alone says nothing


_COMMON = {"email", "name", "password", "ip_address", "cookie_id", "order", "amount"}
_COMMON |= {"service_use_records", "visit_records", "bad_use_records"}


def test_the_link_works_once_and_expires_and_every_refusal_reads_the_same(d: Desk) -> None:
    customer(d, LEE, LEE_AUTOMATIC, LEE_PAYMENT)
    request = d.verified(RequestKind.access, LEE["email"])
    token = d.link_sent_to(LEE["email"])

    assert download(d, token)["package.json"]
    refusals: list[str] = []
    with pytest.raises(DownloadRefused) as used:
        download(d, token)
    refusals.append(str(used.value))
    # a new link for the same request, not used before it expires
    sent, expires = d.requests.reissue_link(request.id, OFFICER)
    assert sent  # to the requester, not to the officer who asked for it
    assert expires == d.clock.now() + timedelta(days=d.settings.download_days)
    fresh = d.link_sent_to(LEE["email"])
    assert fresh != token
    d.clock.set(expires)
    with pytest.raises(DownloadRefused) as expired:
        download(d, fresh)
    refusals.append(str(expired.value))
    with pytest.raises(DownloadRefused) as unknown:
        download(d, "a-token-nobody-was-given")
    refusals.append(str(unknown.value))

    assert len(set(refusals)) == 1
    assert [e.event.decision.allowed for e in d.audit("request.download")] == [False] * 3
    assert len(d.audit("request.export")) == 1


def test_a_link_still_works_just_before_it_expires(d: Desk) -> None:
    customer(d, LEE, LEE_AUTOMATIC, LEE_PAYMENT)
    d.verified(RequestKind.access, LEE["email"])
    token = d.link_sent_to(LEE["email"])

    d.advance(days=d.settings.download_days, seconds=-1)

    assert json.loads(download(d, token)["package.json"])["items"]


def test_portability_holds_only_what_the_subject_provided_and_no_records(d: Desk) -> None:
    two_customers(d)
    _, members = package_of(d, RequestKind.portability, LEE["email"])

    package = json.loads(members["package.json"])
    assert sorted(e.message for e in VALIDATOR.iter_errors(package)) == []
    assert package["meta"]["kind"] == "portability" and package["records"] == []
    items = {i["key"]: i for i in package["items"]}
    # typed in by the subject, on consent: the e-mail address and the name; not the password
    # (one-way), nor what the service generated through its automatic collection point
    assert set(items) == {"email", "name"}
    assert (items["email"]["value"], items["name"]["value"]) == (LEE["email"], LEE["name"])
    for item in items.values():
        assert item["provided_by_subject"] and item["exportable"]
        assert {b for p in item["purposes"] for b in p["lawful_bases"]} & {"consent", "contract"}
    text = b"".join(members.values()).decode("utf-8-sig")
    for value in (LEE_PAYMENT["order"], LEE_CONTRACT["contract"], LEE_AUTOMATIC["cookie_id"]):
        assert str(value) not in text


def test_a_reissued_link_goes_to_the_requester_never_to_the_caller(d: Desk) -> None:
    customer(d, LEE, LEE_AUTOMATIC, LEE_PAYMENT)
    request = d.verified(RequestKind.access, LEE["email"])
    first = d.link_sent_to(LEE["email"])

    answer = d.requests.reissue_link(request.id, OFFICER)

    # the officer learns whether it went out and until when it works; never the link
    sent, expires = answer
    assert (sent, expires) == (True, d.clock.now() + timedelta(days=d.settings.download_days))
    assert PUBLIC_URL not in repr(answer) and "downloads" not in repr(answer)
    new = d.deliver()
    assert [(e.to, d.kind_of(e)) for e in new] == [(LEE["email"], "result")]
    fresh = d.link_sent_to(LEE["email"])
    assert fresh != first
    assert not [t for t in d.audit_texts() if fresh in t]
    assert json.loads(download(d, fresh)["package.json"])["meta"]["request_id"] == request.id


def test_a_link_reissued_for_a_request_answered_by_letter_goes_nowhere(d: Desk) -> None:
    subject = d.member("automatic", LEE_AUTOMATIC)  # no e-mail address on file
    entered = d.submit(
        RequestKind.access, CLERK, channel=Channel.letter, subject_id=subject, staff_verified=True
    )
    assert d.requests.get(entered.request_id).status is RequestStatus.completed
    d.deliver()

    sent, expires = d.requests.reissue_link(entered.request_id, OFFICER)

    assert sent is False and expires > d.clock.now()
    assert d.deliver() == []
    assert d.requests.messages(entered.request_id) == []
