"""Deadlines on the desk: a Korean request is due when PIPA's rule says (Civil Act counting,
Korean holidays), and cannot be extended; a GDPR request may be extended once, noticed before
its first month ends; ``work`` alerts the privacy officer once a day with a digest of what is
overdue; closed requests are kept 24 months (11 CCR §7101) and then pruned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.rights.conftest import ADMIN, CLERK, OFFICER, Desk

from policyvault.domain.requests import Channel, RequestKind, RequestStatus
from policyvault.domain.requests.deadlines import ExtensionRefused, request_deadlines
from policyvault.services.requests.common import RequestNotFound
from policyvault.services.retention.calendars import request_calendars

EMAIL = "lee@example.com"
OFFICER_EMAIL = "jiwon.kim@lgcns.com"  # Optapex's privacy officer
KR_KINDS = (
    RequestKind.access,
    RequestKind.correction,
    RequestKind.deletion,
    RequestKind.restriction,
)


def kr_due(kind: RequestKind, received_at: datetime) -> datetime:
    return request_deadlines(
        kind,
        ["kr-pipa"],
        received_at,
        timezone="Asia/Seoul",
        calendars=request_calendars(["kr-pipa"]),
    ).due_at


def test_a_korean_request_is_due_at_the_end_of_its_tenth_korean_day(megazone_desk: Desk) -> None:
    d = megazone_desk
    d.member("console_start", {"email": EMAIL, "name": "Lee Member"})

    # Monday 2 March 2026, 18:00 in Seoul: the 10 days run 3 to 12 March (a Thursday)
    received = d.submit(RequestKind.access, email=EMAIL)

    assert d.clock.now() == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert received.due_at == datetime(2026, 3, 12, 15, 0, tzinfo=UTC)  # 13 March, 00:00 KST
    request = d.requests.get(received.request_id)
    assert request.due_at == received.due_at and request.deadline_rule.startswith("kr-pipa")


def test_a_korean_request_is_due_when_the_pipa_rule_says_whenever_it_arrives() -> None:
    d = Desk("megazone-cloudplex")
    subject = d.member("console_start", {"email": EMAIL, "name": "Lee Member"})
    d.clock.set(datetime(2027, 1, 1, tzinfo=UTC))

    @settings(max_examples=40, deadline=None)
    @given(
        received_at=st.datetimes(
            min_value=datetime(2026, 1, 1),  # noqa: DTZ001 - the bounds of an aware strategy
            max_value=datetime(2026, 12, 31, 23, 59),  # noqa: DTZ001
            timezones=st.just(UTC),
        ),
        kind=st.sampled_from(KR_KINDS),
        channel=st.sampled_from([Channel.letter, Channel.phone, Channel.email, Channel.fax]),
    )
    def check(received_at: datetime, kind: RequestKind, channel: Channel) -> None:
        extra = {"corrections": {"name": "Lee Corrected"}} if kind is RequestKind.correction else {}
        received = d.submit(
            kind, CLERK, channel=channel, received_at=received_at, subject_id=subject, **extra
        )
        assert received.due_at == d.requests.get(received.request_id).due_at
        assert received.due_at == kr_due(kind, received_at)

    check()


def test_a_korean_access_request_cannot_be_extended(megazone_desk: Desk) -> None:
    d = megazone_desk
    d.member("console_start", {"email": EMAIL, "name": "Lee Member"})
    access = d.submit(RequestKind.access, email=EMAIL)  # open until verified
    correction = d.verified(RequestKind.correction, EMAIL, corrections={"name": "Lee Kim"})

    for request_id in (access.request_id, correction.id):
        due = d.requests.get(request_id).due_at
        with pytest.raises(ExtensionRefused):
            d.requests.extend(request_id, "complex request", OFFICER)
        assert d.requests.get(request_id).due_at == due
        assert d.requests.get(request_id).extensions == ()
    d.deliver()
    assert [d.kind_of(e) for e in d.mail_to(EMAIL) if d.kind_of(e) == "extension"] == []


def gdpr_correction(d: Desk, email: str) -> str:
    d.member(
        "sign_up", {"email": email, "password": "a long password 1"}, jurisdictions=["eu-gdpr"]
    )
    return d.verified(RequestKind.correction, email, corrections={"email": "new." + email}).id


def test_a_gdpr_request_is_extended_once_noticed_within_its_first_month(optapex_desk: Desk) -> None:
    d = optapex_desk
    request_id = gdpr_correction(d, EMAIL)
    first_due = d.requests.get(request_id).due_at
    assert first_due == datetime(2026, 4, 2, 15, 0, tzinfo=UTC)  # 2 April, end of day in Seoul
    d.advance(days=20)

    extended = d.requests.extend(request_id, "GDPR Art 12(3): many requests at once", OFFICER)

    # two further months: 2 June (a Tuesday), end of the day
    assert extended.due_at == datetime(2026, 6, 2, 15, 0, tzinfo=UTC)
    [extension] = extended.extensions
    assert (extension.at, extension.by, extension.until) == (
        d.clock.now(),
        OFFICER.id,
        extended.due_at,
    )
    d.deliver()
    [notice] = d.mail_to(EMAIL, "extension")
    assert "many requests at once" in notice.text and "2026-06-02" in notice.text
    with pytest.raises(ExtensionRefused):  # once
        d.requests.extend(request_id, "still more work", OFFICER)
    assert d.requests.get(request_id).due_at == extended.due_at


def test_a_gdpr_request_is_not_extended_after_its_first_month(optapex_desk: Desk) -> None:
    d = optapex_desk
    request_id = gdpr_correction(d, EMAIL)
    d.clock.set(d.requests.get(request_id).due_at)

    with pytest.raises(ExtensionRefused):
        d.requests.extend(request_id, "GDPR Art 12(3): complexity", OFFICER)

    d.deliver()
    assert d.mail_to(EMAIL, "extension") == []


def test_the_officer_gets_one_digest_a_day_of_what_is_overdue(optapex_desk: Desk) -> None:
    d = optapex_desk
    late = gdpr_correction(d, EMAIL)
    on_time = gdpr_correction(d, "kim@example.com")
    d.advance(days=3)
    d.requests.fulfil(on_time, CLERK)
    d.clock.set(d.requests.get(late).due_at + timedelta(hours=1))

    d.requests.work()
    d.requests.work()  # the same day: nothing new

    [alert] = d.audit("request.deadline_alert")
    assert not alert.event.decision.allowed and alert.event.details["overdue"] == 1
    [digest] = d.mail_to(OFFICER_EMAIL, "deadline_alert")
    assert late in digest.text and on_time not in digest.text

    d.advance(days=1)
    d.requests.work()

    assert len(d.audit("request.deadline_alert")) == 2
    assert len(d.mail_to(OFFICER_EMAIL, "deadline_alert")) == 2


def test_nothing_is_reported_while_every_request_is_far_from_due(optapex_desk: Desk) -> None:
    d = optapex_desk
    gdpr_correction(d, EMAIL)

    d.requests.work()

    assert d.audit("request.deadline_alert") == []
    assert d.mail_to(OFFICER_EMAIL) == []


def test_closed_requests_are_pruned_after_24_months_and_not_before(megazone_desk: Desk) -> None:
    d = megazone_desk
    d.member("console_start", {"email": EMAIL, "name": "Lee Member"})
    closed = d.verified(RequestKind.correction, EMAIL, corrections={"name": "Lee Kim"})
    d.requests.refuse(closed.id, "PIPA Art 36(1) proviso", OFFICER)
    closed_at = d.requests.get(closed.id).closed_at
    assert closed_at is not None
    d.deliver()
    assert d.requests.messages(closed.id)
    two_years = closed_at.replace(year=closed_at.year + 2)

    d.clock.set(two_years - timedelta(minutes=1))
    d.requests.work()
    assert d.requests.get(closed.id).status is RequestStatus.refused
    assert d.audit("request.prune") == []

    d.clock.set(two_years)
    d.requests.work()
    with pytest.raises(RequestNotFound):
        d.requests.get(closed.id)
    assert d.requests.messages(closed.id) == []
    [pruned] = d.audit("request.prune")
    assert pruned.event.details["count"] == 1


def test_a_receipt_not_confirmed_in_time_is_reported(optapex_desk: Desk) -> None:
    # A Californian's letter, entered by staff; no e-mail address on file, so the receipt is
    # confirmed by letter too (by staff), and the vault cannot tell that it was.
    d = optapex_desk
    subject = d.member(
        "log_in",
        {"name": "Cal Person", "company_name": "Acme", "category": "retail"},
        jurisdictions=["us-ccpa"],
    )
    entered = d.submit(
        RequestKind.deletion,
        CLERK,
        channel=Channel.letter,
        subject_id=subject,
        staff_verified=True,
    )
    request = d.requests.get(entered.request_id)
    assert request.status is RequestStatus.open
    assert request.ack_due_at is not None and request.acknowledged_at is None
    assert request.ack_due_at < request.due_at

    d.clock.set(request.ack_due_at - timedelta(minutes=1))
    assert d.requests.work().unacknowledged == 0
    d.clock.set(request.ack_due_at)
    report = d.requests.work()

    assert (report.unacknowledged, report.overdue, report.open) == (1, 0, 1)
    [alert] = d.audit("request.deadline_alert")
    assert alert.event.details["unacknowledged"] == 1
    assert len(d.mail_to(OFFICER_EMAIL, "deadline_alert")) == 1


def test_a_request_waiting_for_its_recipients_is_not_reported_overdue(optapex_desk: Desk) -> None:
    d = optapex_desk
    d.requests.set_endpoint("aws", email="privacy@aws.example", actor=ADMIN)
    subject = d.member(
        "sign_up", {"email": EMAIL, "password": "a long password 1"}, jurisdictions=["eu-gdpr"]
    )
    d.vault.grant(CLERK.id, "solution.service", ADMIN)
    assert d.vault.disclose(subject, ["email"], "aws", "solution.service", CLERK).allowed
    erased = d.requests.fulfil(d.signed_in(RequestKind.deletion, subject).request_id, CLERK)
    assert erased.status is RequestStatus.awaiting_recipients
    late = gdpr_correction(d, "kim@example.com")
    d.clock.set(max(erased.due_at, d.requests.get(late).due_at) + timedelta(hours=1))

    report = d.requests.work()

    assert d.requests.get(erased.id).status is RequestStatus.awaiting_recipients
    assert report.open == 2
    assert (report.overdue, report.overdue_ids) == (1, [late])
    [digest] = d.mail_to(OFFICER_EMAIL, "deadline_alert")
    assert late in digest.text and erased.id not in digest.text


def test_a_closed_portability_request_is_kept_36_months_an_access_request_24(
    optapex_desk: Desk,
) -> None:
    d = optapex_desk
    d.member(
        "sign_up", {"email": EMAIL, "password": "a long password 1"}, jurisdictions=["eu-gdpr"]
    )
    access = d.verified(RequestKind.access, EMAIL)
    portability = d.verified(RequestKind.portability, EMAIL)
    assert access.status is portability.status is RequestStatus.completed
    assert access.closed_at == portability.closed_at
    closed_at = portability.closed_at
    assert closed_at is not None

    d.clock.set(closed_at.replace(year=closed_at.year + 2))
    d.requests.work()
    with pytest.raises(RequestNotFound):
        d.requests.get(access.id)
    assert d.requests.get(portability.id).status is RequestStatus.completed

    three_years = closed_at.replace(year=closed_at.year + 3)  # PIPA Decree 42-6(11)
    d.clock.set(three_years - timedelta(minutes=1))
    d.requests.work()
    assert d.requests.get(portability.id).status is RequestStatus.completed
    d.clock.set(three_years)
    d.requests.work()
    with pytest.raises(RequestNotFound):
        d.requests.get(portability.id)
    assert [e.event.details["count"] for e in d.audit("request.prune")] == [1, 1]
