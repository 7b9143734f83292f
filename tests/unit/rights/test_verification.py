"""Verifying who asks: a one-time code to the address on file, whose wrong guesses cost an
attempt (the last closes the request as unverified) and which expires; one uniform failure
whatever went wrong; the same answer, and no mail, for an address nobody (or more than one
subject) has; a signed-in subject needs no code; a CCPA consumer without a sign-in needs
further matching data points and a declaration for specific pieces of data."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.rights.conftest import OFFICER, SUBJECT_APP, Desk

from policyvault.crypto.passwords import hash_password
from policyvault.domain.errors import InvalidInput, Refused
from policyvault.domain.requests import RequestKind, RequestStatus, VerificationMethod
from policyvault.services.requests import verification
from policyvault.services.requests.common import owner
from policyvault.services.requests.intake import Submission
from policyvault.services.requests.sealing import open_payload
from policyvault.services.requests.verification import VerificationFailed

EMAIL = "lee@example.com"


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def member(d: Desk, email: str = EMAIL) -> str:
    return d.member("console_start", {"email": email, "name": "Lee Member"})


@pytest.mark.parametrize("wrong", range(5))
def test_each_wrong_code_costs_an_attempt_and_the_last_closes_the_request(
    megazone_desk: Desk, wrong: int
) -> None:
    d = megazone_desk
    d.reconfigure(code_attempts=3)
    member(d)
    received = d.submit(RequestKind.access, email=EMAIL)
    code = d.code_sent_to(EMAIL)

    for _ in range(wrong):
        with pytest.raises(VerificationFailed):
            d.requests.verify(received.request_id, other_code(code), SUBJECT_APP)

    if wrong < 3:
        verified = d.requests.verify(received.request_id, code, SUBJECT_APP)
        assert verified.verification is VerificationMethod.code
        assert verified.status is RequestStatus.completed  # an access request: at once
    else:
        closed = d.requests.get(received.request_id)
        assert closed.status is RequestStatus.unverified and closed.closed_at == d.clock.now()
        with pytest.raises(VerificationFailed):
            d.requests.verify(received.request_id, code, SUBJECT_APP)
        assert d.requests.get(received.request_id).status is RequestStatus.unverified


def test_a_code_works_until_it_expires(megazone_desk: Desk) -> None:
    d = megazone_desk
    member(d)
    lifetime = timedelta(minutes=d.settings.code_minutes)
    early = d.submit(RequestKind.access, email=EMAIL)
    code = d.code_sent_to(EMAIL)
    d.clock.advance(lifetime - timedelta(seconds=1))
    assert d.requests.verify(early.request_id, code, SUBJECT_APP).status is RequestStatus.completed

    late = d.submit(RequestKind.access, email=EMAIL)
    code = d.code_sent_to(EMAIL)
    d.clock.advance(lifetime)
    with pytest.raises(VerificationFailed):
        d.requests.verify(late.request_id, code, SUBJECT_APP)
    assert d.requests.get(late.request_id).status is RequestStatus.unverified


def test_every_failure_reads_the_same(megazone_desk: Desk) -> None:
    d = megazone_desk
    subject = member(d)
    failures: list[VerificationFailed] = []

    def fails(request_id: str, code: str) -> None:
        with pytest.raises(VerificationFailed) as failed:
            d.requests.verify(request_id, code, SUBJECT_APP)
        failures.append(failed.value)

    wrong = d.submit(RequestKind.access, email=EMAIL)
    code = d.code_sent_to(EMAIL)
    fails(wrong.request_id, other_code(code))  # a wrong code
    expired = d.submit(RequestKind.access, email=EMAIL)
    code = d.code_sent_to(EMAIL)
    d.advance(minutes=d.settings.code_minutes)
    fails(expired.request_id, code)  # an expired one
    fails(expired.request_id, code)  # a closed request
    nobody = d.submit(RequestKind.access, email="stranger@example.org")
    fails(nobody.request_id, "123456")  # nobody behind the request
    fails("no-such-request-1", "123456")  # no request at all
    token, _ = d.requests.subject_token(subject, SUBJECT_APP)
    d.advance(minutes=16)
    with pytest.raises(VerificationFailed) as stale:  # a sign-in token too old
        d.submit(RequestKind.access, subject_token=token)
    failures.append(stale.value)

    assert {(type(f), str(f), f.code) for f in failures} == {
        (VerificationFailed, "the request could not be verified", "verification_failed")
    }


def test_whatever_is_guessed_the_answer_is_the_uniform_failure() -> None:
    d = Desk("megazone-cloudplex")
    member(d)

    @settings(max_examples=25, deadline=None)
    @given(guess=st.text(max_size=12) | st.from_regex(r"\A\s*\d{5,7}\s*\Z"))
    def check(guess: str) -> None:
        received = d.submit(RequestKind.access, email=EMAIL)
        if guess.strip() == d.code_sent_to(EMAIL):
            return
        with pytest.raises(VerificationFailed) as failed:
            d.requests.verify(received.request_id, guess, SUBJECT_APP)
        assert str(failed.value) == "the request could not be verified"
        request = d.requests.get(received.request_id)
        assert request.verified_at is None and request.status is not RequestStatus.completed

    check()


def test_an_address_nobody_has_gets_the_same_answer_and_no_mail(megazone_desk: Desk) -> None:
    d = megazone_desk
    member(d)

    matched = d.submit(RequestKind.deletion, email=EMAIL)
    nobody = d.submit(RequestKind.deletion, email="stranger@example.org")
    d.deliver()

    assert nobody.message == matched.message != ""
    assert nobody.status == matched.status == "received"
    assert d.requests.get(matched.request_id).status is RequestStatus.awaiting_verification
    assert d.requests.get(nobody.request_id).subject_id is None
    assert d.mail_to("stranger@example.org") == []
    assert d.requests.messages(nobody.request_id) == []
    assert [d.kind_of(e) for e in d.mail_to(EMAIL)] == ["verification_code"]


def test_two_subjects_behind_one_address_match_nobody(megazone_desk: Desk) -> None:
    d = megazone_desk
    member(d)
    member(d)  # another subject that gave the same address

    received = d.submit(RequestKind.access, email=EMAIL)
    d.deliver()

    assert d.requests.get(received.request_id).subject_id is None
    assert d.requests.messages(received.request_id) == []
    assert d.mail_to(EMAIL) == []


def test_a_signed_in_subject_needs_no_code(megazone_desk: Desk) -> None:
    d = megazone_desk
    subject = member(d)

    received = d.signed_in(RequestKind.access, subject)

    request = d.requests.get(received.request_id)
    assert request.status is RequestStatus.completed
    assert request.verification is VerificationMethod.subject_token
    d.deliver()
    assert [d.kind_of(e) for e in d.mail_to(EMAIL)] == ["acknowledgement", "result"]


def test_a_stale_sign_in_token_stores_nothing(megazone_desk: Desk) -> None:
    d = megazone_desk
    subject = member(d)
    token, expires = d.requests.subject_token(subject, SUBJECT_APP)
    d.clock.set(expires)

    with pytest.raises(VerificationFailed):
        d.submit(RequestKind.deletion, subject_token=token)

    assert d.requests.find() == []
    assert d.memory.store.raw_state().requests.messages == {}


# CCPA: Optapex tags its subjects with us-ccpa (with kr-pipa, eu-gdpr and us-coppa) ---------------

CALIFORNIAN = {
    "email": "cal@example.com",
    "name": "Cal Person",
    "country_of_residence": "US",
    "company_name": "Acme Widgets",
}
POINTS = {"name": "Cal Person", "company_name": "Acme Widgets"}


@pytest.mark.parametrize(
    ("kind", "proof", "verified"),
    [
        (RequestKind.access, {}, False),
        (RequestKind.access, {"data_points": POINTS}, False),  # no declaration
        (RequestKind.access, {"data_points": {"name": "Cal Person"}, "declaration": True}, False),
        (
            RequestKind.access,
            {"data_points": {**POINTS, "company_name": "Other Co"}, "declaration": True},
            False,
        ),
        (  # the e-mail address is the code's own channel: not a further point
            RequestKind.access,
            {
                "data_points": {"name": "Cal Person", "email": "cal@example.com"},
                "declaration": True,
            },
            False,
        ),
        (RequestKind.access, {"data_points": POINTS, "declaration": True}, True),
        (RequestKind.deletion, {}, False),
        (RequestKind.deletion, {"data_points": {"name": "Cal Person"}}, True),
        (RequestKind.correction, {"corrections": {"name": "Cal Renamed"}}, True),
    ],
    ids=[
        "access-code-only",
        "access-no-declaration",
        "access-one-point",
        "access-wrong-point",
        "access-email-as-point",
        "access-two-points-declared",
        "deletion-code-only",
        "deletion-one-point",
        "correction-code-only",
    ],
)
def test_a_ccpa_consumer_without_a_sign_in_gives_more_for_specific_pieces(
    optapex_desk: Desk, kind: RequestKind, proof: dict[str, Any], verified: bool
) -> None:
    d = optapex_desk
    subject = d.member("contact_us", CALIFORNIAN)
    with d.vault.context.session() as session:
        found = session.subject(subject)
    assert found is not None and "us-ccpa" in found.jurisdictions
    received = d.submit(kind, email=CALIFORNIAN["email"], **proof)
    code = d.code_sent_to(CALIFORNIAN["email"])

    if verified:
        request = d.requests.verify(received.request_id, code, SUBJECT_APP)
        assert request.verification is VerificationMethod.code
        assert request.status in (RequestStatus.open, RequestStatus.completed)
    else:
        with pytest.raises(VerificationFailed):
            d.requests.verify(received.request_id, code, SUBJECT_APP)
        assert d.requests.get(received.request_id).status is not RequestStatus.completed


def test_a_ccpa_consumer_signed_in_or_outside_california_needs_the_code_alone(
    optapex_desk: Desk,
) -> None:
    d = optapex_desk
    californian = d.member("contact_us", CALIFORNIAN)
    european = d.member(
        "contact_us", {**CALIFORNIAN, "email": "eu@example.com"}, jurisdictions=["eu-gdpr"]
    )

    signed_in = d.signed_in(RequestKind.access, californian)
    assert signed_in.status == RequestStatus.completed
    request = d.verified(RequestKind.access, "eu@example.com")
    assert request.status is RequestStatus.completed and request.subject_id == european


def test_the_whole_answer_to_an_unverified_requester_is_the_same(optapex_desk: Desk) -> None:
    d = optapex_desk
    d.member("contact_us", {**CALIFORNIAN, "email": "eu@example.com"}, jurisdictions=["eu-gdpr"])

    matched = d.submit(RequestKind.deletion, email="eu@example.com")
    nobody = d.submit(RequestKind.deletion, email="stranger@example.org")

    assert (matched.status, matched.message) == (nobody.status, nobody.message)
    assert matched.due_at == nobody.due_at


def test_an_opt_out_answers_alike_whether_or_not_the_address_is_held(optapex_desk: Desk) -> None:
    d = optapex_desk
    d.member("contact_us", CALIFORNIAN)

    matched = d.submit(RequestKind.opt_out_sale, email=CALIFORNIAN["email"])
    nobody = d.submit(RequestKind.opt_out_sale, email="stranger@example.org")

    assert (matched.status, matched.message) == (nobody.status, nobody.message)


def test_staff_verify_a_request_they_entered_and_it_proceeds(megazone_desk: Desk) -> None:
    from policyvault.domain.requests import Channel
    from policyvault.services.requests.verification import verify_by_staff

    d = megazone_desk
    subject = d.member("console_start", {"email": "kim@example.com", "name": "Kim"})
    entered = d.requests.submit(
        Submission(kind=RequestKind.access, channel=Channel.letter, subject_id=subject), OFFICER
    )
    assert d.requests.get(entered.request_id).status is RequestStatus.awaiting_verification
    with pytest.raises(InvalidInput):
        verify_by_staff(d.requests.desk, entered.request_id, "  ", OFFICER)

    done = d.requests.verify_by_staff(entered.request_id, "id_checked_at_counter", OFFICER)

    assert done.status is RequestStatus.completed
    assert done.verification is VerificationMethod.staff
    assert [s.note for s in done.history if s.name == "verified"] == ["id_checked_at_counter"]
    with pytest.raises(Refused):  # once verified, there is nothing left to verify
        d.requests.verify_by_staff(entered.request_id, "again", OFFICER)


def test_staff_cannot_verify_a_request_made_through_the_api(megazone_desk: Desk) -> None:
    # Made online, verified online: staff cannot waive the code a stranger could not give.
    d = megazone_desk
    member(d)
    received = d.submit(RequestKind.access, email=EMAIL)

    with pytest.raises(Refused):
        d.requests.verify_by_staff(received.request_id, "id_checked_at_counter", OFFICER)

    request = d.requests.get(received.request_id)
    assert request.status is RequestStatus.awaiting_verification
    assert request.verified_at is None and request.verification is VerificationMethod.code
    assert [s for s in request.history if s.name == "verified"] == []
    code = d.code_sent_to(EMAIL)  # the code still works
    assert d.requests.verify(received.request_id, code, SUBJECT_APP).status is (
        RequestStatus.completed
    )


def test_an_address_two_subjects_share_waits_for_staff_past_the_code_expiry(
    megazone_desk: Desk,
) -> None:
    d = megazone_desk
    member(d)
    member(d)  # another subject that gave the same address
    shared = d.submit(RequestKind.access, email=EMAIL)
    nobody = d.submit(RequestKind.access, email="stranger@example.org")
    assert d.requests.get(shared.request_id).details["match"] == "ambiguous"
    assert "match" not in d.requests.get(nobody.request_id).details

    d.advance(minutes=d.settings.code_minutes)
    report = d.requests.work()

    assert report.expired == 1
    assert d.requests.get(nobody.request_id).status is RequestStatus.unverified
    kept = d.requests.get(shared.request_id)
    assert kept.status is RequestStatus.awaiting_verification and kept.closed_at is None
    assert kept.subject_id is None
    d.advance(days=3)
    d.requests.work()
    assert d.requests.get(shared.request_id).status is RequestStatus.awaiting_verification


CODE = "246810"


@pytest.fixture
def known_code(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every code the desk makes is ``CODE`` (so that a test can give the right one even
    for a request whose code went to nobody)."""
    fixed = verification.NewCode(CODE, hash_password(CODE))
    monkeypatch.setattr(verification, "new_code", lambda: fixed)
    return CODE


@pytest.mark.parametrize("matched", [True, False], ids=["matched", "unmatched"])
def test_wrong_codes_close_an_unmatched_request_exactly_like_a_matched_one(
    megazone_desk: Desk, known_code: str, matched: bool
) -> None:
    d = megazone_desk
    d.reconfigure(code_attempts=3)
    member(d)
    received = d.submit(RequestKind.access, email=EMAIL if matched else "stranger@example.org")

    for _ in range(2):
        with pytest.raises(VerificationFailed):
            d.requests.verify(received.request_id, other_code(known_code), SUBJECT_APP)
        survived = d.requests.get(received.request_id)
        assert survived.status is RequestStatus.awaiting_verification
        assert survived.closed_at is None
    with pytest.raises(VerificationFailed):
        d.requests.verify(received.request_id, other_code(known_code), SUBJECT_APP)

    closed = d.requests.get(received.request_id)
    assert closed.status is RequestStatus.unverified and closed.closed_at == d.clock.now()
    attempts = [e.event.details["attempts_left"] for e in d.audit("request.verify")]
    assert attempts == [2, 1, 0]


def test_no_code_verifies_a_request_nobody_was_matched_to(
    megazone_desk: Desk, known_code: str
) -> None:
    d = megazone_desk
    d.reconfigure(code_attempts=3)
    member(d)
    nobody = d.submit(RequestKind.access, email="stranger@example.org")

    for left in (2, 1):
        with pytest.raises(VerificationFailed):  # the right code: there is nobody to verify
            d.requests.verify(nobody.request_id, known_code, SUBJECT_APP)
        assert d.requests.get(nobody.request_id).status is RequestStatus.awaiting_verification
        assert d.audit("request.verify")[-1].event.details["attempts_left"] == left
    with pytest.raises(VerificationFailed):
        d.requests.verify(nobody.request_id, known_code, SUBJECT_APP)

    request = d.requests.get(nobody.request_id)
    assert request.status is RequestStatus.unverified and request.verified_at is None
    assert d.requests.messages(nobody.request_id) == []
    # the same code verifies a request of the address the vault holds
    matched = d.submit(RequestKind.access, email=EMAIL)
    assert d.requests.verify(matched.request_id, known_code, SUBJECT_APP).status is (
        RequestStatus.completed
    )


def sealed_private(d: Desk, request_id: str) -> dict[str, Any]:
    ctx = d.vault.context
    with ctx.session() as session:
        found = session.requests.request_private(request_id)
    assert found is not None
    return open_payload(ctx, owner(request_id), *found)


def test_the_further_data_points_are_forgotten_once_they_served_the_check(
    optapex_desk: Desk,
) -> None:
    # 11 CCR §7060(e): what a consumer gives to be verified is used for that alone.
    d = optapex_desk
    d.member("contact_us", CALIFORNIAN)
    received = d.submit(
        RequestKind.access, email=CALIFORNIAN["email"], data_points=POINTS, declaration=True
    )
    assert sealed_private(d, received.request_id)["data_points"] == POINTS
    code = d.code_sent_to(CALIFORNIAN["email"])

    verified = d.requests.verify(received.request_id, code, SUBJECT_APP)

    assert verified.verification is VerificationMethod.code
    payload = sealed_private(d, received.request_id)
    assert not payload.get("data_points")
    assert payload["contact"] == CALIFORNIAN["email"]  # the answer still has its address
    text = repr(payload)
    assert POINTS["name"] not in text and POINTS["company_name"] not in text
