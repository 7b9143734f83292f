"""Objection, consent withdrawal and restriction requests take effect on the very next call:
an objection to direct marketing stops it (GDPR Art 21(3)), a withdrawal ends what rested on
that consent and schedules its destruction at once (PIPA Art 37(3)), a restriction refuses
reads (GDPR Art 18(2))."""

from __future__ import annotations

from datetime import timedelta

from tests.unit.rights.conftest import CLERK, Desk

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
