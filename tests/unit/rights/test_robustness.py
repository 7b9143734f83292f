"""Claims and crashes: ``fulfil`` claims a request (status ``fulfilling``) in a transaction of
its own, so that a second handler, a refusal or an answer meanwhile is refused instead of
doing the work twice; a claim a crash left behind is finished by the desk's work once it is
``STALE`` (and only then), once, with one result. A deletion records what the subject had
and whom to tell before it destroys anything: a run that dies after the destruction is
finished with the same outcomes as one that did not, and its recipients still hear of it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from tests.unit.rights.conftest import ADMIN, CLERK, OFFICER, Desk

from policyvault.domain.access import Rule
from policyvault.domain.errors import Refused
from policyvault.domain.requests import (
    ForwardingStatus,
    ItemOutcome,
    Outcome,
    RequestKind,
    RequestStatus,
)
from policyvault.services.requests import fulfilment
from policyvault.services.requests.common import DESK
from policyvault.services.requests.work import STALE

EMAIL = "lee@example.com"
AWS = "privacy@aws.example"
Handler = Callable[..., Any]


def member(d: Desk) -> str:
    subject = d.member("console_start", {"email": EMAIL, "name": "Lee Member"})
    d.grant_every_purpose()
    return subject


def correction(d: Desk) -> tuple[str, str]:
    """A member and its verified correction of the name (open, the name frozen)."""
    subject = member(d)
    request = d.verified(RequestKind.correction, EMAIL, corrections={"name": "Lee Kim"})
    assert request.status is RequestStatus.open
    return subject, request.id


def status(d: Desk, request_id: str) -> RequestStatus:
    return d.requests.get(request_id).status


def results(d: Desk, request_id: str) -> int:
    return sum(1 for m in d.requests.messages(request_id) if m.kind == "result")


def steps(d: Desk, request_id: str, name: str) -> list[str]:
    """The actors of each step ``name`` in the request's history."""
    return [s.actor_id for s in d.requests.get(request_id).history if s.name == name]


def name_rule(d: Desk, subject: str) -> Rule | None:
    return d.vault.read(subject, ["name"], "membership.management", CLERK).decision.rule


# claims -----------------------------------------------------------------------------------------


def test_a_request_being_fulfilled_is_neither_fulfilled_again_nor_refused(
    megazone_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = megazone_desk
    _, request_id = correction(d)
    original: Handler = fulfilment._HANDLERS[RequestKind.correction]
    meanwhile: list[RequestStatus] = []

    def interrupted(desk: Any, request: Any, actor: Any) -> Any:
        # a double click, a second handler, a refusal: all while this one is at work
        with pytest.raises(Refused):
            d.requests.fulfil(request_id, OFFICER)
        with pytest.raises(Refused):
            d.requests.fulfil(request_id, CLERK)
        with pytest.raises(Refused):
            d.requests.refuse(request_id, "PIPA Art 36(1) proviso", OFFICER)
        meanwhile.append(status(d, request_id))
        return original(desk, request, actor)

    monkeypatch.setitem(fulfilment._HANDLERS, RequestKind.correction, interrupted)

    done = d.requests.fulfil(request_id, CLERK)

    assert meanwhile == [RequestStatus.fulfilling]
    assert done.status is RequestStatus.completed and done.refusal_reason is None
    assert [(o.target, o.outcome) for o in done.outcomes] == [("name", Outcome.fulfilled)]
    assert steps(d, request_id, "fulfilling") == [CLERK.id]
    assert steps(d, request_id, "fulfilled") == [CLERK.id]
    assert steps(d, request_id, "refused") == []
    assert [e.event.decision.allowed for e in d.audit("request.fulfil")] == [True]
    d.deliver()
    assert [d.kind_of(e) for e in d.mail_to(EMAIL)].count("result") == 1


def test_a_claim_a_crash_left_is_finished_by_the_work_once_it_is_stale(
    megazone_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = megazone_desk
    subject, request_id = correction(d)
    original: Handler = fulfilment._HANDLERS[RequestKind.correction]
    crashes = [RuntimeError("the worker died")]

    def crashing(desk: Any, request: Any, actor: Any) -> Any:
        if crashes:
            raise crashes.pop()
        return original(desk, request, actor)

    monkeypatch.setitem(fulfilment._HANDLERS, RequestKind.correction, crashing)
    with pytest.raises(RuntimeError):
        d.requests.fulfil(request_id, CLERK)

    # the claim stands: nobody else may do it, nor refuse it; the freeze stays meanwhile
    assert status(d, request_id) is RequestStatus.fulfilling
    with pytest.raises(Refused):
        d.requests.fulfil(request_id, CLERK)
    with pytest.raises(Refused):
        d.requests.refuse(request_id, "PIPA Art 36(1) proviso", OFFICER)
    assert name_rule(d, subject) is Rule.pending_request
    # a claim younger than STALE may be a handler still at work: left alone
    d.clock.advance(STALE - timedelta(seconds=1))
    assert d.requests.work().resumed == 0
    assert status(d, request_id) is RequestStatus.fulfilling

    d.advance(seconds=1)
    report = d.requests.work()

    assert report.resumed == 1 and report.errors == {}
    done = d.requests.get(request_id)
    assert done.status is RequestStatus.completed
    assert [(o.target, o.outcome) for o in done.outcomes] == [("name", Outcome.fulfilled)]
    assert steps(d, request_id, "fulfilled") == [DESK.id]
    assert name_rule(d, subject) is None
    assert d.requests.work().resumed == 0  # once
    assert results(d, request_id) == 1
    assert [d.kind_of(e) for e in d.mail_to(EMAIL)].count("result") == 1


def test_a_slow_handler_overtaken_by_the_resumed_run_does_not_answer_again(
    megazone_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = megazone_desk
    _, request_id = correction(d)
    original: Handler = fulfilment._HANDLERS[RequestKind.correction]
    calls: list[str] = []

    def slow(desk: Any, request: Any, actor: Any) -> Any:
        calls.append(actor.id)
        if len(calls) == 1:  # so slow that the desk's work takes it for a crash
            d.clock.advance(STALE)
            assert d.requests.work().resumed == 1
        return original(desk, request, actor)

    monkeypatch.setitem(fulfilment._HANDLERS, RequestKind.correction, slow)

    with pytest.raises(Refused):  # the resumed run finished it: the slow one's answer is late
        d.requests.fulfil(request_id, CLERK)

    assert calls == [CLERK.id, DESK.id]
    assert status(d, request_id) is RequestStatus.completed
    assert steps(d, request_id, "fulfilled") == [DESK.id]
    assert results(d, request_id) == 1


def test_resuming_is_for_a_claim_left_behind_and_never_skips_the_approval(
    megazone_desk: Desk,
) -> None:
    d = megazone_desk
    subject = member(d)
    items = d.item_keys(subject)
    request = d.verified(RequestKind.deletion, EMAIL)

    with pytest.raises(Refused):  # open, not claimed: a resume must not take it
        fulfilment.fulfil(d.requests.desk, request.id, CLERK, resume=True)

    assert status(d, request.id) is RequestStatus.open
    assert d.item_keys(subject) == items
    assert steps(d, request.id, "fulfilling") == []


def automated_decision(d: Desk, monkeypatch: pytest.MonkeyPatch) -> str:
    """A verified automated-decision request whose first answer died after its claim."""
    member(d)
    request = d.verified(RequestKind.automated_decision, EMAIL)
    assert request.status is RequestStatus.open
    real_finish = fulfilment._finish

    def crash_once(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(fulfilment, "_finish", real_finish)
        raise RuntimeError("the worker died")

    monkeypatch.setattr(fulfilment, "_finish", crash_once)
    with pytest.raises(RuntimeError):
        d.requests.respond(request.id, "reviewed by a person", False, OFFICER)
    return request.id


def test_an_answer_to_a_request_being_answered_is_refused(
    megazone_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = megazone_desk
    request_id = automated_decision(d, monkeypatch)

    assert status(d, request_id) is RequestStatus.fulfilling
    with pytest.raises(Refused):
        d.requests.respond(request_id, "reviewed again", True, OFFICER)
    with pytest.raises(Refused):
        d.requests.refuse(request_id, "PIPA Art 37-2(4)", OFFICER)
    assert status(d, request_id) is RequestStatus.fulfilling
    assert d.requests.get(request_id).outcomes == ()
    assert results(d, request_id) == 0


def test_an_answer_that_crashed_can_be_given_again_once_its_claim_is_stale(
    megazone_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = megazone_desk
    request_id = automated_decision(d, monkeypatch)
    d.clock.advance(STALE)
    d.requests.work()

    done = d.requests.respond(request_id, "reviewed by a person", False, OFFICER)

    assert done.status is RequestStatus.completed


# a deletion that dies after the destruction -------------------------------------------------------


def customer(d: Desk) -> str:
    """A Megazone member who used the service and paid yesterday, whose e-mail address went
    to AWS (reached by e-mail)."""
    d.requests.set_endpoint("aws", email=AWS, actor=ADMIN)
    subject = member(d)
    d.member(
        "automatic",
        {
            "ip_address": "192.0.2.7",
            "cookie_id": "ck-7",
            "service_use_records": {"pages": 3},
            "visit_records": {"visits": 2},
            "bad_use_records": {"flags": 0},
        },
        subject_id=subject,
    )
    d.vault.record_event(subject, "visit", CLERK)
    paid = d.clock.now() - timedelta(days=1)
    d.retention.add_record(subject, "payment_and_supply", paid, {"order": "ORD-1"}, CLERK)
    assert d.vault.disclose(subject, ["email"], "aws", "membership.management", CLERK).allowed
    d.advance(hours=1)
    return subject


def uncrashed_outcomes() -> tuple[ItemOutcome, ...]:
    """The outcomes of the same deletion, at the same time, on a vault where nothing died."""
    twin = Desk("megazone-cloudplex")
    customer(twin)
    request = twin.verified(RequestKind.deletion, EMAIL)
    done = twin.requests.fulfil(request.id, OFFICER)
    assert done.status is RequestStatus.awaiting_recipients
    return done.outcomes


def frozen(d: Desk, subject: str, request_id: str) -> bool:
    with d.vault.context.session() as session:
        return any(
            f.request_id == request_id and f.released_at is None for f in session.freezes(subject)
        )


def test_a_deletion_that_died_after_the_destruction_is_finished_in_full(
    megazone_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = megazone_desk
    subject = customer(d)
    request = d.verified(RequestKind.deletion, EMAIL)
    real_finish = fulfilment._finish

    def crash_once(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(fulfilment, "_finish", real_finish)
        raise RuntimeError("the worker died after the destruction")

    monkeypatch.setattr(fulfilment, "_finish", crash_once)
    with pytest.raises(RuntimeError):
        d.requests.fulfil(request.id, OFFICER)

    # destroyed already, but the request knows what there was and whom to tell
    crashed = d.requests.get(request.id)
    assert crashed.status is RequestStatus.fulfilling and crashed.outcomes == ()
    assert d.item_keys(subject) == set()
    assert set(crashed.details["erase_baseline"]["items"]) >= {"email", "name", "ip_address"}
    [forwarding] = d.requests.forwardings(request.id)
    assert (forwarding.recipient_id, forwarding.action) == ("aws", "erase")
    assert forwarding.item_keys == ("email",)
    assert frozen(d, subject, request.id)  # until the request finishes
    # the recipient is told even before the request is finished
    d.requests.work()
    [mail] = d.mail_to(AWS, "forward_erasure")
    assert status(d, request.id) is RequestStatus.fulfilling
    assert frozen(d, subject, request.id)

    d.clock.advance(STALE)
    report = d.requests.work()

    assert report.resumed == 1 and report.errors == {}
    done = d.requests.get(request.id)
    assert done.status is RequestStatus.awaiting_recipients
    assert done.outcomes == uncrashed_outcomes()
    assert {o.outcome for o in done.outcomes} == {Outcome.fulfilled, Outcome.kept}
    assert not frozen(d, subject, request.id)
    assert results(d, request.id) == 1
    assert len(d.requests.forwardings(request.id)) == 1
    token = re.search(r"token=([\w\-]+)", mail.text)
    assert token is not None
    confirmed = d.requests.confirm_forwarding(token.group(1))
    assert confirmed.status is ForwardingStatus.confirmed
    assert status(d, request.id) is RequestStatus.completed
    d.requests.work()
    assert len(d.mail_to(AWS, "forward_erasure")) == 1
    assert [d.kind_of(e) for e in d.mail_to(EMAIL)].count("result") == 1
