"""Objection, consent withdrawal and restriction requests take effect on the very next call:
an objection to direct marketing stops it (GDPR Art 21(3)), a withdrawal ends what rested on
that consent and schedules its destruction at once (PIPA Art 37(3)), a restriction refuses
reads (GDPR Art 18(2)). A CCPA opt-out of sale or sharing, or a limit on sensitive data,
asked for by an e-mail address is done by the desk's next work, never while the requester
waits: its answer is the same whether or not the address is held."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.unit.rights.conftest import CLERK, Desk, derived_policy

from policyvault.domain.access import Rule
from policyvault.domain.requests import Outcome, RequestKind, RequestStatus
from policyvault.domain.retention import Action

EMAIL = "lee@example.com"


def member(d: Desk) -> str:
    """A subject who signed up and agreed to the newsletter too."""
    subject = d.member("sign_up", {"email": EMAIL, "password": "a long password 1"})
    d.grant_every_purpose()
    return subject


def rule(d: Desk, subject: str, purpose: str, item: str = "email") -> Rule | None:
    return d.vault.read(subject, [item], purpose, CLERK).decision.rule


def test_an_objection_to_direct_marketing_stops_it_on_the_next_call(optapex_desk: Desk) -> None:
    d = optapex_desk
    subject = member(d)
    assert rule(d, subject, "marketing.newsletter") is None

    request = d.verified(RequestKind.objection, EMAIL, purposes=("marketing.newsletter",))

    assert request.status is RequestStatus.completed
    assert [(o.target, o.outcome) for o in request.outcomes] == [
        ("marketing.newsletter", Outcome.fulfilled)
    ]
    assert rule(d, subject, "marketing.newsletter") is Rule.objection
    disclosed = d.vault.disclose(subject, ["email"], "aws", "marketing.newsletter", CLERK)
    assert disclosed.decision.rule is Rule.objection
    assert rule(d, subject, "solution.service") is None  # the service itself goes on
    d.advance(days=400)
    assert rule(d, subject, "marketing.newsletter") is Rule.objection


def test_a_withdrawal_by_request_schedules_what_rested_on_that_consent_alone(
    optapex_desk: Desk,
) -> None:
    d = optapex_desk
    subject = member(d)
    assert rule(d, subject, "solution.service") is None
    assert not [t for t in d.retention.deadlines(subject) if t.deadline.target_key == "password"]

    request = d.verified(
        RequestKind.withdraw_consent,
        EMAIL,
        consent_category="collection_use",
        purposes=("solution.service", "service.notifications"),
    )

    withdrawn_at = d.clock.now()
    assert request.status is RequestStatus.completed
    assert {o.target: o.outcome for o in request.outcomes} == {
        "solution.service": Outcome.fulfilled,
        "service.notifications": Outcome.fulfilled,
    }
    assert rule(d, subject, "solution.service") is Rule.lawful_basis
    assert rule(d, subject, "service.notifications") is Rule.lawful_basis
    assert rule(d, subject, "marketing.newsletter") is None  # a consent of its own
    tasks = {t.deadline.target_key: t.deadline for t in d.retention.deadlines(subject)}
    # the password served the withdrawn purposes alone: due for destruction now
    password = tasks["password"]
    assert password.action is Action.destroy and password.end_at == withdrawn_at
    assert password.due_at <= withdrawn_at + timedelta(days=1)
    # the address still serves the newsletter it was consented to: not now
    assert tasks["email"].end_at > withdrawn_at + timedelta(days=365)

    d.retention.sweep()

    assert d.item_keys(subject) == {"email"}


def test_a_restriction_refuses_reads_on_the_next_call(optapex_desk: Desk) -> None:
    d = optapex_desk
    subject = member(d)
    purposes = ("solution.service", "service.notifications", "marketing.newsletter")
    assert [rule(d, subject, p) for p in purposes] == [None, None, None]

    d.verified(RequestKind.restriction, EMAIL, purposes=("service.notifications",))

    assert [rule(d, subject, p) for p in purposes] == [None, Rule.restricted, None]

    request = d.verified(RequestKind.restriction, EMAIL)  # every purpose

    assert [(o.target, o.outcome) for o in request.outcomes] == [
        ("all_purposes", Outcome.fulfilled)
    ]
    assert [rule(d, subject, p) for p in purposes] == [Rule.restricted] * 3
    disclosed = d.vault.disclose(subject, ["email"], "aws", "solution.service", CLERK)
    assert not disclosed.allowed and disclosed.decision.rule is Rule.restricted


# CCPA opt-outs asked for by an address: Optapex lists us-ccpa; here it also sells e-mail
# addresses to an ad network (sale_or_sharing), and payment details are sensitive data.

CAL = "cal@example.com"


def with_a_seller(data: dict[str, Any]) -> None:
    data["provision"]["recipients"] = [
        {
            "id": "adnet",
            "name": "Ad Network Inc.",
            "purpose": {"en": "Targeted advertising", "ko": "맞춤형 광고"},
            "purposes": ["marketing.newsletter"],
            "items": ["email"],
            "countries": ["US"],
            "basis": "legitimate_interest",
            "sale_or_sharing": True,
        }
    ]
    data["ccpa"]["sells_or_shares"] = True


@pytest.fixture
def seller(tmp_path: Path) -> Desk:
    return Desk("lgcns-optapex", derived_policy(tmp_path, "lgcns-optapex", with_a_seller))


def californian(d: Desk) -> str:
    """A Californian who asked for a demo, agreed to the newsletter and paid by card."""
    values = {"email": CAL, "name": "Cal", "country_of_residence": "US", "company_name": "Acme"}
    subject = d.member("contact_us", values)
    d.member("billing", {"payment_method": "visa ending 4242"}, subject_id=subject)
    d.grant_every_purpose()
    return subject


def sold(d: Desk, subject: str) -> Rule | None:
    """The rule a sale of the address ends on (None: sold)."""
    sale = d.vault.disclose(subject, ["email"], "adnet", "marketing.newsletter", CLERK)
    return sale.decision.rule


def card_read(d: Desk, subject: str) -> Rule | None:
    """The rule a read of the card details for billing (a consent purpose) ends on."""
    return d.vault.read(subject, ["payment_method"], "billing.payment", CLERK).decision.rule


@pytest.mark.parametrize(
    ("kind", "target", "limited"),
    [
        (RequestKind.opt_out_sale, "sale_or_sharing", sold),
        (RequestKind.limit_sensitive, "sensitive_data", card_read),
    ],
    ids=["opt_out_sale", "limit_sensitive"],
)
def test_a_ccpa_opt_out_by_address_is_done_by_the_next_work_and_answered_alike(
    seller: Desk, kind: RequestKind, target: str, limited: Any
) -> None:
    d = seller
    subject = californian(d)
    assert sold(d, subject) is None and card_read(d, subject) is None

    matched = d.submit(kind, email=CAL)
    nobody = d.submit(kind, email="stranger@example.org")

    # the answer tells nothing of whom the address belongs to
    assert matched.status == nobody.status == "received"
    assert (matched.due_at, matched.message) == (nobody.due_at, nobody.message)
    assert matched.message != ""
    # nothing is done while the requester waits (it would answer sooner than for a stranger)
    waiting = d.requests.get(matched.request_id)
    assert waiting.status is RequestStatus.awaiting_processing and waiting.outcomes == ()
    assert waiting.subject_id == subject
    assert limited(d, subject) is None

    report = d.requests.work()

    assert report.processed == 1 and report.errors == {}
    done = d.requests.get(matched.request_id)
    assert done.status is RequestStatus.completed and done.closed_at == d.clock.now()
    assert [(o.target, o.outcome) for o in done.outcomes] == [(target, Outcome.fulfilled)]
    assert limited(d, subject) is Rule.objection
    stranger = d.requests.get(nobody.request_id)
    assert stranger.subject_id is None and stranger.outcomes == ()
    assert stranger.status is RequestStatus.awaiting_verification


def test_a_limit_on_sensitive_data_leaves_the_rest_alone(seller: Desk) -> None:
    d = seller
    subject = californian(d)
    d.submit(RequestKind.limit_sensitive, email=CAL)
    d.requests.work()

    assert card_read(d, subject) is Rule.objection
    assert d.vault.read(subject, ["email"], "billing.payment", CLERK).allowed
    assert sold(d, subject) is None  # a limit on sensitive data is no opt-out of sale
