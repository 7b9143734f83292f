"""The freeze: while a verified correction or deletion is pending, the items it names (every
item, for a deletion naming none) are refused to reads and disclosures for every purpose,
with rule ``pending_request``; other items stay readable; fulfilling or refusing the request
lifts it. A request nobody verified freezes nothing: a stranger cannot freeze someone's data.
"""

from __future__ import annotations

import pytest
from tests.unit.rights.conftest import CLERK, OFFICER, Desk

from policyvault.domain.access import Rule
from policyvault.domain.requests import AgentKind, RequestKind, RequestStatus
from policyvault.services.requests.intake import AgentSubmission
from policyvault.services.requests.verification import VerificationFailed

EMAIL = "lee@example.com"


def member(d: Desk) -> str:
    subject = d.member("console_start", {"email": EMAIL, "name": "Lee Member"})
    d.member(
        "automatic",
        {
            "ip_address": "192.0.2.7",
            "cookie_id": "ck-7",
            "service_use_records": {"n": 1},
            "visit_records": {"n": 2},
            "bad_use_records": {"n": 0},
        },
        subject_id=subject,
    )
    d.grant_every_purpose()
    return subject


def rules(d: Desk, subject: str) -> dict[tuple[str, str], Rule | None]:
    """The rule each read of each held item, for each purpose that uses it, ends on (None:
    allowed)."""
    held = d.item_keys(subject)
    found: dict[tuple[str, str], Rule | None] = {}
    for key, purpose in d.policy.purposes.items():
        for item in sorted(held & set(purpose.items)):
            found[(key, item)] = d.vault.read(subject, [item], key, CLERK).decision.rule
    return found


def disclosure_rule(d: Desk, subject: str, item: str) -> Rule | None:
    return d.vault.disclose(subject, [item], "aws", "membership.management", CLERK).decision.rule


def test_a_verified_deletion_naming_nothing_freezes_every_item_for_every_purpose(
    megazone_desk: Desk,
) -> None:
    d = megazone_desk
    subject = member(d)
    before = rules(d, subject)
    assert before[("membership.management", "email")] is None
    assert disclosure_rule(d, subject, "email") is None

    request = d.verified(RequestKind.deletion, EMAIL)

    assert request.status is RequestStatus.open
    frozen = rules(d, subject)
    # every held item, for every purpose that uses it
    assert set(frozen) == set(before)
    assert set(frozen.values()) == {Rule.pending_request}
    assert {i for _, i in frozen} == d.item_keys(subject)
    assert disclosure_rule(d, subject, "email") is Rule.pending_request
    assert disclosure_rule(d, subject, "name") is Rule.pending_request

    d.requests.refuse(request.id, "PIPA Art 36(1) proviso: another statute names the data", OFFICER)

    assert rules(d, subject) == before
    assert disclosure_rule(d, subject, "email") is None


def test_a_correction_freezes_only_what_it_corrects_until_it_is_fulfilled(
    megazone_desk: Desk,
) -> None:
    d = megazone_desk
    subject = member(d)
    request = d.verified(RequestKind.correction, EMAIL, corrections={"name": "Lee Corrected"})

    read = d.vault.read(subject, ["name"], "membership.management", CLERK)
    assert not read.allowed and read.decision.rule is Rule.pending_request
    assert read.values == {}
    assert disclosure_rule(d, subject, "name") is Rule.pending_request
    # the items the correction does not name stay readable, for the same purpose
    email = d.vault.read(subject, ["email"], "membership.management", CLERK)
    assert email.allowed and email.values == {"email": EMAIL.encode()}
    assert disclosure_rule(d, subject, "email") is None

    done = d.requests.fulfil(request.id, CLERK)

    assert done.status is RequestStatus.completed
    after = d.vault.read(subject, ["name"], "membership.management", CLERK)
    assert after.allowed and after.values == {"name": b"Lee Corrected"}
    assert disclosure_rule(d, subject, "name") is None


def test_a_deletion_naming_one_item_freezes_that_item_alone(megazone_desk: Desk) -> None:
    d = megazone_desk
    subject = member(d)
    before = rules(d, subject)
    d.verified(RequestKind.deletion, EMAIL, items=("name",))

    frozen = rules(d, subject)

    named = {(p, i) for (p, i) in frozen if i == "name"}
    assert named and all(frozen[k] is Rule.pending_request for k in named)
    assert {k: r for k, r in frozen.items() if k not in named} == {
        k: r for k, r in before.items() if k not in named
    }


def test_an_item_stays_frozen_while_another_pending_request_names_it(
    megazone_desk: Desk,
) -> None:
    d = megazone_desk
    subject = member(d)
    first = d.verified(RequestKind.correction, EMAIL, corrections={"name": "Lee First"})
    second = d.verified(RequestKind.deletion, EMAIL, items=("name",))

    d.requests.fulfil(first.id, CLERK)

    read = d.vault.read(subject, ["name"], "membership.management", CLERK)
    assert read.decision.rule is Rule.pending_request  # the deletion still waits

    d.requests.refuse(second.id, "the subject withdrew the request", OFFICER)

    read = d.vault.read(subject, ["name"], "membership.management", CLERK)
    assert read.allowed and read.values == {"name": b"Lee First"}


def test_a_request_nobody_verified_freezes_nothing(megazone_desk: Desk) -> None:
    d = megazone_desk
    subject = member(d)
    before = rules(d, subject)

    # waiting for its code
    waiting = d.submit(RequestKind.deletion, email=EMAIL)
    assert d.requests.get(waiting.request_id).status is RequestStatus.awaiting_verification
    assert rules(d, subject) == before
    # closed after wrong codes
    code = d.code_sent_to(EMAIL)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(d.settings.code_attempts):
        with pytest.raises(VerificationFailed):
            d.requests.verify(waiting.request_id, wrong, CLERK)
    assert d.requests.get(waiting.request_id).status is RequestStatus.unverified
    assert rules(d, subject) == before
    # from an agent the officer has not accepted yet
    agent = AgentSubmission(
        kind=AgentKind.delegate,
        name="Agent Kim",
        document=b"%PDF-1.7 power of attorney",
        document_media_type="application/pdf",
        contact="agent@example.net",
    )
    pending = d.submit(RequestKind.correction, email=EMAIL, agent=agent, corrections={"name": "X"})
    assert d.requests.get(pending.request_id).status is RequestStatus.awaiting_agent_review
    assert rules(d, subject) == before
    # from someone whose address matches nobody
    d.submit(RequestKind.deletion, email="stranger@example.org")
    assert rules(d, subject) == before
    assert disclosure_rule(d, subject, "email") is None
