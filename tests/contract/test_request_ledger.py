"""One contract for the rights-request ledger of every vault store (memory, SQLite, PostgreSQL),
reached as ``session.requests``: requests and their sealed personal parts, one-time codes,
subject tokens, download links, the outbox and forwardings to recipients, all in the vault's
own transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy.exc import IntegrityError

from policyvault.domain.errors import NotFound
from policyvault.domain.requests import (
    CLOSED_REQUEST_STATUSES,
    OPEN_REQUEST_STATUSES,
    AgentInfo,
    AgentKind,
    Channel,
    DeliveryStatus,
    Download,
    Extension,
    Forwarding,
    ForwardingStatus,
    ItemOutcome,
    OutboxMessage,
    Outcome,
    RequestKind,
    RequestStatus,
    RightsRequest,
    Step,
    VerificationCode,
    VerificationMethod,
)

if TYPE_CHECKING:  # the fixture's type; conftest is not importable as a package module
    from conftest import VaultBackend
    from policyvault.services.ports import RequestLedger

# Microseconds that a millisecond (or float seconds) store would lose.
T0 = datetime(2026, 3, 2, 9, 0, 0, 123457, tzinfo=UTC)
KST = timezone(timedelta(hours=9))
PST = timezone(timedelta(hours=-8))
US = timedelta(microseconds=1)


class Boom(Exception):
    pass


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def wrapped(owner_id: str) -> bytes:
    return b"\x00wrapped:" + owner_id.encode() + b"\xff"


def sealed(owner_id: str) -> bytes:
    return b"\x01sealed:" + owner_id.encode() + b"\x00\xfe"


def rights_request(request_id: str, **changes: Any) -> RightsRequest:
    """A request with only the fields that have no default."""
    fields: dict[str, Any] = {
        "id": request_id,
        "kind": RequestKind.access,
        "channel": Channel.api,
        "received_at": T0,
        "received_by": "webshop-1",
        "status": RequestStatus.open,
        "due_at": at(60 * 24 * 10),
    }
    fields.update(changes)
    return RightsRequest(**fields)


def full_request(request_id: str = "req-full") -> RightsRequest:
    """Every field set, times in other offsets and to the microsecond."""
    return RightsRequest(
        id=request_id,
        kind=RequestKind.correction,
        channel=Channel.letter,
        received_at=datetime(2026, 3, 2, 18, 0, 0, 999999, tzinfo=KST),
        received_by="staff-7",
        status=RequestStatus.awaiting_recipients,
        due_at=datetime(2026, 3, 12, 1, 0, 0, 1, tzinfo=PST),
        subject_id="subj-1",
        jurisdictions=("KR", "EU", "US-CA"),
        deadline_rule="kr-pipa",
        ack_due_at=at(60) + US,
        acknowledged_at=at(30).astimezone(KST),
        extensions=(
            Extension(until=at(90_000), reason="gdpr-12-3", at=at(50).astimezone(PST), by="dpo"),
            Extension(until=at(95_000) + US, reason="complex", at=at(51), by="dpo-2"),
        ),
        verification=VerificationMethod.agent_document,
        verified_at=at(40).astimezone(KST) + US,
        items=("email", "name"),
        purposes=("product.inquiry", "marketing"),
        consent_category="collection_use",
        agent=AgentInfo(
            kind=AgentKind.legal_representative,
            document_media_type="application/pdf",
            document_sha256="ab" * 32,
            reviewed_at=at(35).astimezone(KST) + 7 * US,
            reviewed_by="officer-1",
            accepted=True,
        ),
        outcomes=(
            ItemOutcome(target="email", outcome=Outcome.fulfilled),
            ItemOutcome(
                target="record:payment_and_supply",
                outcome=Outcome.kept,
                reason="kr-ecommerce-act-6",
                until=datetime(2031, 3, 2, 23, 59, 59, 999999, tzinfo=KST),
            ),
            ItemOutcome(target="name", outcome=Outcome.refused, reason="pipa-35-4-1"),
        ),
        refusal_reason="pipa-35-4-2",
        closed_at=at(70).astimezone(PST) + 3 * US,
        history=(
            Step(at=T0.astimezone(KST), name="received", actor_id="staff-7"),
            Step(at=at(40) + US, name="verified", actor_id="officer-1", note="agent_document"),
            Step(at=at(70), name="forwarded", actor_id="system", note="2 recipients"),
        ),
        fee="manifestly_excessive: 3rd request in 30 days",
        details={
            "corrected": ["email"],
            "counts": {"items": 2, "records": 0},
            "ratio": 0.5,
            "flag": False,
            "none": None,
            "note": "정정 요구",
        },
    )


def message(message_id: str, **changes: Any) -> OutboxMessage:
    fields: dict[str, Any] = {
        "id": message_id,
        "kind": "acknowledgement",
        "created_at": T0,
        "status": DeliveryStatus.pending,
        "next_attempt_at": T0,
        "request_id": "req-1",
    }
    fields.update(changes)
    return OutboxMessage(**fields)


def forwarding(forwarding_id: str, **changes: Any) -> Forwarding:
    fields: dict[str, Any] = {
        "id": forwarding_id,
        "request_id": "req-1",
        "recipient_id": "processor-1",
        "channel": "webhook",
        "action": "erase",
        "item_keys": ("email", "name"),
        "status": ForwardingStatus.pending,
        "created_at": T0,
        "next_attempt_at": T0,
    }
    fields.update(changes)
    return Forwarding(**fields)


def token_of(forwarding_id: str) -> str:
    return f"tok-{forwarding_id}".ljust(64, "0")


def add_requests(backend: VaultBackend, *requests: RightsRequest) -> None:
    with backend.store.session() as s:
        for one in requests:
            s.requests.add_request(one, wrapped(one.id), sealed(one.id))


def add_messages(backend: VaultBackend, *messages: OutboxMessage) -> None:
    with backend.store.session() as s:
        for one in messages:
            s.requests.add_message(one, wrapped(one.id), sealed(one.id))


def add_forwardings(backend: VaultBackend, *forwardings: Forwarding) -> None:
    with backend.store.session() as s:
        for one in forwardings:
            s.requests.add_forwarding(one, token_of(one.id))


def ids(found: list[RightsRequest] | list[OutboxMessage] | list[Forwarding]) -> list[str]:
    return [one.id for one in found]


def claimed_ids(ledger: RequestLedger, now: datetime, limit: int = 100) -> list[str]:
    return [m.id for m, _, _ in ledger.claim_messages(now, limit)]


# --- requests ------------------------------------------------------------------------------------


def test_a_request_round_trips_every_field_to_the_microsecond(
    vault_backend: VaultBackend,
) -> None:
    full = full_request()
    bare = rights_request("req-bare")
    add_requests(vault_backend, full, bare)
    with vault_backend.store.session() as s:
        got = s.requests.request("req-full")
        assert got == full
        assert got is not None
        assert got.details == full.details
        assert got.extensions[1].until - got.extensions[0].until == timedelta(minutes=5000) + US
        for when in (got.received_at, got.due_at, got.closed_at, got.history[0].at):
            assert when is not None
            assert when.utcoffset() is not None
        assert s.requests.request("req-full", lock=True) == full
        assert s.requests.request("req-bare") == bare
        assert s.requests.request("missing") is None
        assert s.requests.request_private("req-full") == (wrapped("req-full"), sealed("req-full"))
        assert s.requests.request_private("req-bare") == (wrapped("req-bare"), sealed("req-bare"))
        assert s.requests.request_private("missing") is None


def test_update_request_replaces_the_stored_request(vault_backend: VaultBackend) -> None:
    original = rights_request("req-1", subject_id="subj-1")
    add_requests(vault_backend, original, rights_request("req-2"))
    done = replace(
        full_request("req-1"),
        status=RequestStatus.completed,
        subject_id="subj-2",
        due_at=at(5),
        closed_at=at(4),
    )
    with vault_backend.store.session() as s:
        s.requests.update_request(done)
    with vault_backend.store.session() as s:
        assert s.requests.request("req-1") == done
        assert s.requests.request("req-2") == rights_request("req-2")
        # the columns it is found by follow the new values
        assert ids(s.requests.find_requests(statuses=[RequestStatus.completed])) == ["req-1"]
        assert ids(s.requests.find_requests(subject_id="subj-2")) == ["req-1"]
        assert ids(s.requests.find_requests(subject_id="subj-1")) == []
        assert ids(s.requests.find_requests(due_before=at(6))) == ["req-1"]
        assert ids(s.requests.find_requests(closed_before=at(5))) == ["req-1"]
        # the personal part is untouched
        assert s.requests.request_private("req-1") == (wrapped("req-1"), sealed("req-1"))
    # and back to the minimal one: every optional field empty again
    with vault_backend.store.session() as s:
        s.requests.update_request(original)
    with vault_backend.store.session() as s:
        assert s.requests.request("req-1") == original


def test_update_of_an_unknown_request_is_not_found(vault_backend: VaultBackend) -> None:
    add_requests(vault_backend, rights_request("req-1"))
    with vault_backend.store.session() as s:
        with pytest.raises(NotFound):
            s.requests.update_request(rights_request("missing"))
        with pytest.raises(NotFound):
            s.requests.replace_private("missing", b"x")
    with vault_backend.store.session() as s:
        assert s.requests.request("missing") is None
        assert s.requests.request_private("missing") is None
        assert ids(s.requests.find_requests()) == ["req-1"]


def test_replace_private_replaces_the_sealed_part_only(vault_backend: VaultBackend) -> None:
    add_requests(vault_backend, rights_request("req-1"), rights_request("req-2"))
    resealed = bytes(range(256))  # every byte value, NUL included
    with vault_backend.store.session() as s:
        s.requests.replace_private("req-1", resealed)
    with vault_backend.store.session() as s:
        assert s.requests.request_private("req-1") == (wrapped("req-1"), resealed)
        assert s.requests.request_private("req-2") == (wrapped("req-2"), sealed("req-2"))
        assert s.requests.request("req-1") == rights_request("req-1")


# --- finding requests ----------------------------------------------------------------------------

FOUND = [
    rights_request("r-a", subject_id="s1", due_at=at(10)),
    rights_request(
        "r-b", subject_id="s1", status=RequestStatus.completed, due_at=at(5), closed_at=at(1)
    ),
    rights_request("r-c", subject_id="s2", due_at=at(5).astimezone(KST)),  # ties with r-b
    rights_request("r-d", status=RequestStatus.awaiting_verification, due_at=at(20)),
    rights_request(
        "r-e", subject_id="s1", status=RequestStatus.refused, due_at=at(30), closed_at=at(3)
    ),
    rights_request(
        "r-f",
        subject_id="s2",
        status=RequestStatus.unverified,
        due_at=at(-5).astimezone(PST),
        closed_at=at(2),
    ),
]


def test_find_requests_orders_by_due_then_id(vault_backend: VaultBackend) -> None:
    add_requests(vault_backend, *reversed(FOUND))
    with vault_backend.store.session() as s:
        found = s.requests.find_requests()
        assert ids(found) == ["r-f", "r-b", "r-c", "r-a", "r-d", "r-e"]
        assert found == sorted(FOUND, key=lambda r: (r.due_at, r.id))
        assert ids(s.requests.find_requests(limit=2)) == ["r-f", "r-b"]
        assert s.requests.find_requests(limit=0) == []


def test_find_requests_applies_each_filter(vault_backend: VaultBackend) -> None:
    add_requests(vault_backend, *FOUND)
    with vault_backend.store.session() as s:
        find = s.requests.find_requests
        assert ids(find(statuses=[RequestStatus.open])) == ["r-c", "r-a"]
        assert ids(find(statuses=OPEN_REQUEST_STATUSES)) == ["r-c", "r-a", "r-d"]
        assert ids(find(statuses=CLOSED_REQUEST_STATUSES)) == ["r-f", "r-b", "r-e"]
        assert ids(find(statuses=[RequestStatus.awaiting_agent_review])) == []
        assert find(statuses=[]) == []

        assert ids(find(subject_id="s1")) == ["r-b", "r-a", "r-e"]
        assert ids(find(subject_id="s2")) == ["r-f", "r-c"]
        assert find(subject_id="nobody") == []

        # strictly before, compared as instants whatever the offset
        assert ids(find(due_before=at(10))) == ["r-f", "r-b", "r-c"]
        assert ids(find(due_before=at(10).astimezone(KST) + US)) == ["r-f", "r-b", "r-c", "r-a"]
        assert ids(find(due_before=at(-5))) == []

        # open requests (no closing time) are never closed before anything
        assert ids(find(closed_before=at(3))) == ["r-f", "r-b"]
        assert ids(find(closed_before=at(3).astimezone(PST) + US)) == ["r-f", "r-b", "r-e"]
        assert find(closed_before=at(1)) == []

        # after: the (due_at, id) of the last request of the previous page
        assert ids(find(after=(at(5), "r-b"))) == ["r-c", "r-a", "r-d", "r-e"]
        assert ids(find(after=(at(5).astimezone(KST), "r-c"))) == ["r-a", "r-d", "r-e"]
        assert ids(find(after=(at(5), "r-a"))) == ["r-b", "r-c", "r-a", "r-d", "r-e"]
        assert find(after=(at(30), "r-e")) == []


def test_find_requests_combines_filters(vault_backend: VaultBackend) -> None:
    add_requests(vault_backend, *FOUND)
    statuses = [RequestStatus.open, RequestStatus.completed, RequestStatus.refused]
    with vault_backend.store.session() as s:
        find = s.requests.find_requests
        # r-c: another subject; r-d: no subject; r-e: due too late; r-f: another status
        assert ids(find(statuses=statuses, subject_id="s1", due_before=at(30))) == ["r-b", "r-a"]
        assert ids(
            find(statuses=statuses, subject_id="s1", due_before=at(30), closed_before=at(2))
        ) == ["r-b"]
        assert ids(find(statuses=statuses, subject_id="s1", after=(at(5), "r-b"))) == [
            "r-a",
            "r-e",
        ]
        assert ids(find(statuses=CLOSED_REQUEST_STATUSES, closed_before=at(4), limit=2)) == [
            "r-f",
            "r-b",
        ]
        assert find(statuses=[RequestStatus.open], subject_id="s1", due_before=at(10)) == []


@pytest.mark.parametrize("page_size", [1, 2, 3])
def test_paging_with_after_returns_each_request_once(
    vault_backend: VaultBackend, page_size: int
) -> None:
    dues = [at(0), at(1), at(0).astimezone(KST), at(2), at(1).astimezone(PST), at(0), at(2)]
    numbers = (6, 1, 4, 0, 3, 5, 2)
    many = [rights_request(f"req-{n}", due_at=due) for n, due in zip(numbers, dues, strict=True)]
    add_requests(vault_backend, *many)
    pages: list[list[RightsRequest]] = []
    after: tuple[datetime, str] | None = None
    with vault_backend.store.session() as s:
        while True:
            page = s.requests.find_requests(after=after, limit=page_size)
            if not page:
                break
            assert len(page) <= page_size
            pages.append(page)
            after = (page[-1].due_at, page[-1].id)
    got = [r for page in pages for r in page]
    assert ids(got) == ["req-4", "req-5", "req-6", "req-1", "req-3", "req-0", "req-2"]
    assert got == sorted(many, key=lambda r: (r.due_at, r.id))


# --- deleting requests ---------------------------------------------------------------------------


def _request_with_everything(s: Any, request_id: str) -> None:
    """A request with a code, two downloads, two messages and two forwardings."""
    ledger: RequestLedger = s.requests
    ledger.add_request(rights_request(request_id), wrapped(request_id), sealed(request_id))
    ledger.put_code(VerificationCode(request_id, f"hash-{request_id}", at(10), 3))
    for n in (1, 2):
        ledger.add_download(Download(f"dl-{request_id}-{n}", request_id, T0, at(60)))
        one = message(f"m-{request_id}-{n}", request_id=request_id)
        ledger.add_message(one, wrapped(one.id), sealed(one.id))
        fwd = forwarding(f"f-{request_id}-{n}", request_id=request_id)
        ledger.add_forwarding(fwd, token_of(fwd.id))


def test_delete_requests_deletes_what_belongs_to_them_only(vault_backend: VaultBackend) -> None:
    with vault_backend.store.session() as s:
        _request_with_everything(s, "req-1")
        _request_with_everything(s, "req-2")
        _request_with_everything(s, "req-3")
        unrelated = message("m-none", request_id=None, kind="officer_digest")
        s.requests.add_message(unrelated, wrapped("m-none"), sealed("m-none"))
        s.requests.add_subject_token("subject-token", "subj-1", at(60))
    with vault_backend.store.session() as s:
        assert s.requests.delete_requests(["req-1", "req-3", "missing"]) == 2
        assert s.requests.delete_requests([]) == 0
    with vault_backend.store.session() as s:
        ledger = s.requests
        assert ledger.delete_requests(["req-1"]) == 0  # already gone
        for gone in ("req-1", "req-3"):
            assert ledger.request(gone) is None
            assert ledger.request_private(gone) is None
            assert ledger.code(gone) is None
            assert ledger.messages(request_id=gone) == []
            assert ledger.forwardings(gone) == []
            for n in (1, 2):
                assert ledger.forwarding(f"f-{gone}-{n}") is None
                assert ledger.forwarding_by_token(token_of(f"f-{gone}-{n}")) is None
                assert ledger.use_download(f"dl-{gone}-{n}", T0) is None
        assert ids(ledger.find_requests()) == ["req-2"]
        assert ledger.request_private("req-2") == (wrapped("req-2"), sealed("req-2"))
        assert ledger.code("req-2") == VerificationCode("req-2", "hash-req-2", at(10), 3)
        assert ids(ledger.messages()) == ["m-none", "m-req-2-1", "m-req-2-2"]
        assert ids(ledger.forwardings("req-2")) == ["f-req-2-1", "f-req-2-2"]
        assert ledger.forwarding_by_token(token_of("f-req-2-1")) == forwarding(
            "f-req-2-1", request_id="req-2"
        )
        assert claimed_ids(ledger, T0) == ["m-none", "m-req-2-1", "m-req-2-2"]
        assert [f.id for f in ledger.claim_forwardings(T0, 100)] == ["f-req-2-1", "f-req-2-2"]
        assert ledger.use_download("dl-req-2-1", T0) == "req-2"
        assert ledger.token_subject("subject-token", T0) == "subj-1"


def test_delete_requests_prunes_leftovers_of_a_request_already_gone(
    vault_backend: VaultBackend,
) -> None:
    """No foreign key ties codes, links, messages or forwardings to a stored request: pruning an
    id takes what is filed under it even when the request is already gone (counting none)."""
    with vault_backend.store.session() as s:
        _request_with_everything(s, "req-1")
        s.requests.delete_requests(["req-1"])
        s.requests.put_code(VerificationCode("ghost", "hash-ghost", at(10), 3))
        s.requests.add_download(Download("dl-ghost", "ghost", T0, at(60)))
        s.requests.add_message(message("m-ghost", request_id="ghost"), b"k", b"s")
        s.requests.add_forwarding(forwarding("f-ghost", request_id="ghost"), token_of("f-ghost"))
    with vault_backend.store.session() as s:
        assert s.requests.delete_requests(["ghost"]) == 0
    with vault_backend.store.session() as s:
        assert s.requests.code("ghost") is None
        assert s.requests.use_download("dl-ghost", T0) is None
        assert s.requests.messages() == []
        assert s.requests.forwardings("ghost") == []


# --- codes, subject tokens, downloads ------------------------------------------------------------


def test_put_code_inserts_then_replaces_the_one_live_code(vault_backend: VaultBackend) -> None:
    first = VerificationCode("req-1", "$argon2id$v=19$first", at(10).astimezone(KST) + US, 5)
    second = VerificationCode("req-1", "$argon2id$v=19$second", at(20) + 3 * US, 4)
    other = VerificationCode("req-2", "$argon2id$v=19$other", at(15), 5)
    with vault_backend.store.session() as s:
        assert s.requests.code("req-1") is None
        s.requests.put_code(first)
        s.requests.put_code(other)
    with vault_backend.store.session() as s:
        assert s.requests.code("req-1") == first
        s.requests.put_code(second)
        assert s.requests.code("req-1") == second  # seen in the same transaction
    with vault_backend.store.session() as s:
        got = s.requests.code("req-1")
        assert got == second
        assert got is not None
        assert got.expires_at.utcoffset() is not None
        s.requests.put_code(replace(second, attempts_left=3))
    with vault_backend.store.session() as s:
        assert s.requests.code("req-1") == replace(second, attempts_left=3)
        s.requests.delete_code("req-1")
        s.requests.delete_code("missing")  # harmless
    with vault_backend.store.session() as s:
        assert s.requests.code("req-1") is None
        assert s.requests.code("req-2") == other


def test_token_subject_only_before_expiry(vault_backend: VaultBackend) -> None:
    expires = at(10).astimezone(KST) + US
    with vault_backend.store.session() as s:
        s.requests.add_subject_token("a" * 64, "subj-1", expires)
        s.requests.add_subject_token("b" * 64, "subj-1", at(20))
        s.requests.add_subject_token("c" * 64, "subj-2", at(5))
    with vault_backend.store.session() as s:
        assert s.requests.token_subject("a" * 64, T0) == "subj-1"
        assert s.requests.token_subject("a" * 64, expires - US) == "subj-1"
        assert s.requests.token_subject("a" * 64, expires) is None  # the boundary: expired
        assert s.requests.token_subject("a" * 64, expires.astimezone(PST)) is None
        assert s.requests.token_subject("a" * 64, expires + US) is None
        assert s.requests.token_subject("b" * 64, expires) == "subj-1"
        assert s.requests.token_subject("c" * 64, at(5) - US) == "subj-2"
        assert s.requests.token_subject("c" * 64, at(5)) is None
        assert s.requests.token_subject("d" * 64, T0) is None
        # asking does not use a token up
        assert s.requests.token_subject("a" * 64, T0) == "subj-1"


def test_a_download_link_works_once(vault_backend: VaultBackend) -> None:
    expires = at(60).astimezone(KST) + US
    with vault_backend.store.session() as s:
        s.requests.add_download(Download("a" * 64, "req-1", T0, expires))
        s.requests.add_download(Download("b" * 64, "req-2", T0, expires))
    with vault_backend.store.session() as s:
        assert s.requests.use_download("a" * 64, expires - US) == "req-1"
        assert s.requests.use_download("a" * 64, expires - US) is None  # used
    with vault_backend.store.session() as s:
        assert s.requests.use_download("a" * 64, T0) is None  # still used after the commit
        assert s.requests.use_download("b" * 64, at(1)) == "req-2"
        assert s.requests.use_download("c" * 64, T0) is None  # unknown


def test_a_download_link_expires(vault_backend: VaultBackend) -> None:
    expires = at(60).astimezone(PST) + US
    with vault_backend.store.session() as s:
        s.requests.add_download(Download("a" * 64, "req-1", T0, expires))
        s.requests.add_download(Download("b" * 64, "req-1", T0, expires))
    with vault_backend.store.session() as s:
        assert s.requests.use_download("a" * 64, expires) is None  # the boundary: expired
        assert s.requests.use_download("b" * 64, expires + US) is None
        assert s.requests.use_download("b" * 64, at(600)) is None


# --- the outbox ----------------------------------------------------------------------------------


def test_claim_messages_takes_due_pending_messages_oldest_first(
    vault_backend: VaultBackend,
) -> None:
    stored = [
        message("m-late", next_attempt_at=at(5)),
        message("m-b", next_attempt_at=at(-1).astimezone(KST), kind="verification_code"),
        message("m-a", next_attempt_at=at(-1), created_at=at(1)),  # ties with m-b
        message("m-now", next_attempt_at=T0.astimezone(PST)),  # the boundary: due
        message("m-sent", status=DeliveryStatus.sent, next_attempt_at=at(-10), sent_at=at(-9)),
        message("m-failed", status=DeliveryStatus.failed, next_attempt_at=at(-10), attempts=5),
        message("m-early", next_attempt_at=at(-2) + US, request_id=None, created_at=at(2)),
    ]
    add_messages(vault_backend, *stored)
    by_id = {m.id: m for m in stored}
    with vault_backend.store.session() as s:
        claimed = s.requests.claim_messages(T0, 10)
        assert claimed == [
            (by_id[one], wrapped(one), sealed(one)) for one in ("m-early", "m-a", "m-b", "m-now")
        ]
        assert claimed_ids(s.requests, T0, 2) == ["m-early", "m-a"]
        assert claimed_ids(s.requests, T0 - US, 10) == ["m-early", "m-a", "m-b"]
        assert claimed_ids(s.requests, at(5), 10) == ["m-early", "m-a", "m-b", "m-now", "m-late"]
        assert s.requests.claim_messages(at(-3), 10) == []
        assert s.requests.claim_messages(T0, 0) == []


def test_update_message_stores_the_delivery_state(vault_backend: VaultBackend) -> None:
    add_messages(vault_backend, message("m-1"), message("m-2"))
    retry = replace(
        message("m-1"), attempts=1, next_attempt_at=at(30) + US, last_error="TimeoutError"
    )
    with vault_backend.store.session() as s:
        s.requests.update_message(retry)
        with pytest.raises(NotFound):
            s.requests.update_message(message("missing"))
    with vault_backend.store.session() as s:
        assert s.requests.messages() == [retry, message("m-2")]
        assert claimed_ids(s.requests, T0) == ["m-2"]
        # the body is kept when not dropped
        assert s.requests.claim_messages(at(30) + US, 10) == [
            (message("m-2"), wrapped("m-2"), sealed("m-2")),
            (retry, wrapped("m-1"), sealed("m-1")),
        ]
        assert s.requests.messages(request_id="missing") == []


def test_a_message_whose_body_was_dropped_is_never_claimed_again(
    vault_backend: VaultBackend,
) -> None:
    add_messages(vault_backend, message("m-1"), message("m-2"))
    sent = replace(message("m-1"), status=DeliveryStatus.sent, sent_at=at(1), attempts=1)
    with vault_backend.store.session() as s:
        s.requests.update_message(sent, drop_body=True)
    with vault_backend.store.session() as s:
        assert s.requests.messages() == [sent, message("m-2")]
        assert claimed_ids(s.requests, at(60)) == ["m-2"]
        # set back to pending (by mistake): without its text it cannot be sent, so it is not
        # claimed, and it keeps no body after a later update without drop_body either
        s.requests.update_message(replace(sent, status=DeliveryStatus.pending, sent_at=None))
    with vault_backend.store.session() as s:
        assert s.requests.messages(request_id="req-1")[0].status is DeliveryStatus.pending
        assert s.requests.claim_messages(at(60), 10) == [
            (message("m-2"), wrapped("m-2"), sealed("m-2"))
        ]
        assert claimed_ids(s.requests, at(60), 1) == ["m-2"]  # the limit counts sendable ones


def test_messages_filter_by_request_and_kind(vault_backend: VaultBackend) -> None:
    stored = [
        message("m-3", request_id="req-1", kind="result", created_at=at(2)),
        message("m-1", request_id="req-1", kind="acknowledgement", created_at=at(1)),
        message("m-2", request_id="req-2", kind="result", created_at=at(1).astimezone(KST)),
        message("m-0", request_id=None, kind="officer_digest", created_at=at(3)),
        message("m-4", request_id="req-1", kind="extension", created_at=at(-1)),
    ]
    add_messages(vault_backend, *stored)
    with vault_backend.store.session() as s:
        messages = s.requests.messages
        assert ids(messages()) == ["m-4", "m-1", "m-2", "m-3", "m-0"]
        assert ids(messages(limit=2)) == ["m-4", "m-1"]
        assert ids(messages(request_id="req-1")) == ["m-4", "m-1", "m-3"]
        assert ids(messages(kinds=["result"])) == ["m-2", "m-3"]
        assert ids(messages(kinds=["result", "officer_digest"])) == ["m-2", "m-3", "m-0"]
        assert ids(messages(request_id="req-1", kinds=["result", "extension"])) == ["m-4", "m-3"]
        assert messages(request_id="req-2", kinds=["acknowledgement"]) == []
        assert messages(kinds=[]) == []
        assert messages(request_id="req-1") == sorted(
            [m for m in stored if m.request_id == "req-1"], key=lambda m: (m.created_at, m.id)
        )


def test_a_message_round_trips_every_field(vault_backend: VaultBackend) -> None:
    full = OutboxMessage(
        id="m-full",
        kind="verification_code",
        created_at=datetime(2026, 3, 2, 18, 0, 0, 999999, tzinfo=KST),
        status=DeliveryStatus.failed,
        next_attempt_at=at(90).astimezone(PST) + US,
        attempts=7,
        request_id="req-1",
        sent_at=at(91) + 3 * US,
        last_error="SMTPRecipientsRefused",
    )
    bare = message("m-bare", request_id=None)
    add_messages(vault_backend, full, bare)
    with vault_backend.store.session() as s:
        assert s.requests.messages() == [bare, full]


# --- forwardings ---------------------------------------------------------------------------------


def test_forwardings_round_trip_and_are_found_by_id_token_and_request(
    vault_backend: VaultBackend,
) -> None:
    full = Forwarding(
        id="f-full",
        request_id="req-1",
        recipient_id="processor-9",
        channel="email",
        action="correct",
        item_keys=("email", "phone", "address.city"),
        status=ForwardingStatus.escalated,
        created_at=at(1).astimezone(KST),
        next_attempt_at=datetime(2026, 3, 9, 1, 2, 3, 999999, tzinfo=PST),
        attempts=6,
        sent_at=at(2) + 2 * US,
        confirmed_at=at(3).astimezone(KST) + 3 * US,
        escalated_at=at(4) + 4 * US,
        last_error="HTTPStatusError",
    )
    bare = forwarding("f-bare", item_keys=(), channel="none", created_at=at(1))  # ties with full
    early = forwarding("f-early", created_at=at(-1), action="restrict", item_keys=("email",))
    other = forwarding("f-other", request_id="req-2")
    add_forwardings(vault_backend, full, bare, early, other)
    with vault_backend.store.session() as s:
        ledger = s.requests
        assert ledger.forwarding("f-full") == full
        assert ledger.forwarding("f-full", lock=True) == full
        assert ledger.forwarding("f-bare") == bare
        assert ledger.forwarding("missing") is None
        assert ledger.forwarding_by_token(token_of("f-full")) == full
        assert ledger.forwarding_by_token(token_of("f-other")) == other
        assert ledger.forwarding_by_token(token_of("missing")) is None
        assert ledger.forwardings("req-1") == [early, bare, full]
        assert ledger.forwardings("req-2") == [other]
        assert ledger.forwardings("missing") == []
        got = ledger.forwarding("f-full")
        assert got is not None
        assert got.next_attempt_at.utcoffset() is not None


def test_claim_forwardings_takes_pending_and_sent_ones_whose_attempt_has_come(
    vault_backend: VaultBackend,
) -> None:
    add_forwardings(
        vault_backend,
        forwarding("f-late", next_attempt_at=at(5)),
        forwarding("f-b", status=ForwardingStatus.sent, next_attempt_at=at(-1), sent_at=at(-2)),
        forwarding("f-a", next_attempt_at=at(-1).astimezone(KST)),  # ties with f-b
        forwarding("f-now", next_attempt_at=T0.astimezone(PST)),  # the boundary: due
        forwarding(
            "f-confirmed",
            status=ForwardingStatus.confirmed,
            next_attempt_at=at(-10),
            confirmed_at=at(-9),
        ),
        forwarding(
            "f-escalated",
            status=ForwardingStatus.escalated,
            next_attempt_at=at(-10),
            escalated_at=at(-9),
        ),
        forwarding("f-early", status=ForwardingStatus.sent, next_attempt_at=at(-2)),
    )
    with vault_backend.store.session() as s:
        claim = s.requests.claim_forwardings
        assert ids(claim(T0, 10)) == ["f-early", "f-a", "f-b", "f-now"]
        assert ids(claim(T0, 2)) == ["f-early", "f-a"]
        assert ids(claim(T0 - US, 10)) == ["f-early", "f-a", "f-b"]
        assert ids(claim(at(600), 10)) == ["f-early", "f-a", "f-b", "f-now", "f-late"]
        assert claim(at(-3), 10) == []
        assert claim(T0, 0) == []
        early = forwarding("f-early", status=ForwardingStatus.sent, next_attempt_at=at(-2))
        assert claim(T0, 1) == [early]


def test_update_forwarding_replaces_it_and_keeps_its_token(vault_backend: VaultBackend) -> None:
    add_forwardings(vault_backend, forwarding("f-1"), forwarding("f-2"))
    sent = replace(
        forwarding("f-1"),
        status=ForwardingStatus.sent,
        attempts=1,
        sent_at=at(1),
        next_attempt_at=at(60 * 24),
    )
    with vault_backend.store.session() as s:
        s.requests.update_forwarding(sent)
        with pytest.raises(NotFound):
            s.requests.update_forwarding(forwarding("missing"))
    with vault_backend.store.session() as s:
        assert s.requests.forwarding("f-1") == sent
        assert s.requests.forwarding_by_token(token_of("f-1")) == sent
        assert s.requests.forwarding("missing") is None
        assert ids(s.requests.claim_forwardings(T0, 10)) == ["f-2"]
        assert ids(s.requests.claim_forwardings(at(60 * 24), 10)) == ["f-2", "f-1"]
        confirmed = replace(sent, status=ForwardingStatus.confirmed, confirmed_at=at(2))
        s.requests.update_forwarding(confirmed)
    with vault_backend.store.session() as s:
        assert s.requests.forwarding_by_token(token_of("f-1")) == confirmed
        assert ids(s.requests.claim_forwardings(at(60 * 24 * 365), 10)) == ["f-2"]


def test_a_forwarding_token_is_used_once(vault_backend: VaultBackend) -> None:
    add_forwardings(vault_backend, forwarding("f-1"))
    with (
        pytest.raises((ValueError, IntegrityError)),
        vault_backend.store.session() as s,
    ):
        s.requests.add_forwarding(forwarding("f-dup", request_id="req-2"), token_of("f-1"))
    with vault_backend.store.session() as s:
        assert s.requests.forwarding("f-dup") is None
        assert s.requests.forwardings("req-2") == []
        assert s.requests.forwarding_by_token(token_of("f-1")) == forwarding("f-1")


# --- transactions --------------------------------------------------------------------------------


def test_ledger_writes_roll_back_with_their_session(vault_backend: VaultBackend) -> None:
    kept_code = VerificationCode("req-1", "hash-kept", at(10), 3)
    with vault_backend.store.session() as s:
        ledger = s.requests
        ledger.add_request(rights_request("req-1"), wrapped("req-1"), sealed("req-1"))
        ledger.put_code(kept_code)
        ledger.add_message(message("m-1"), wrapped("m-1"), sealed("m-1"))
        ledger.add_forwarding(forwarding("f-1"), token_of("f-1"))
        ledger.add_download(Download("dl-1", "req-1", T0, at(60)))
    with pytest.raises(Boom), vault_backend.store.session() as s:
        ledger = s.requests
        ledger.add_request(rights_request("req-2"), wrapped("req-2"), sealed("req-2"))
        ledger.update_request(rights_request("req-1", status=RequestStatus.completed))
        ledger.replace_private("req-1", b"resealed")
        ledger.put_code(VerificationCode("req-2", "hash-new", at(10), 3))
        ledger.put_code(replace(kept_code, code_hash="hash-replaced"))
        ledger.add_subject_token("t" * 64, "subj-1", at(60))
        ledger.add_download(Download("dl-2", "req-2", T0, at(60)))
        assert ledger.use_download("dl-1", T0) == "req-1"
        ledger.add_message(message("m-2", request_id="req-2"), wrapped("m-2"), sealed("m-2"))
        ledger.update_message(
            replace(message("m-1"), status=DeliveryStatus.sent, sent_at=T0), drop_body=True
        )
        ledger.add_forwarding(forwarding("f-2", request_id="req-2"), token_of("f-2"))
        ledger.update_forwarding(replace(forwarding("f-1"), status=ForwardingStatus.confirmed))
        raise Boom
    with pytest.raises(Boom), vault_backend.store.session() as s:
        s.requests.delete_code("req-1")
        assert s.requests.delete_requests(["req-1"]) == 1
        raise Boom
    with vault_backend.store.session() as s:
        ledger = s.requests
        assert ledger.find_requests() == [rights_request("req-1")]
        assert ledger.request("req-2") is None
        assert ledger.request_private("req-1") == (wrapped("req-1"), sealed("req-1"))
        assert ledger.code("req-1") == kept_code
        assert ledger.code("req-2") is None
        assert ledger.token_subject("t" * 64, T0) is None
        assert ledger.messages() == [message("m-1")]
        assert ledger.claim_messages(T0, 10) == [(message("m-1"), wrapped("m-1"), sealed("m-1"))]
        assert ledger.forwardings("req-1") == [forwarding("f-1")]
        assert ledger.forwarding("f-2") is None
        assert ledger.forwarding_by_token(token_of("f-2")) is None
        assert ledger.use_download("dl-2", T0) is None
        assert ledger.use_download("dl-1", T0) == "req-1"  # its use rolled back


# --- PostgreSQL: concurrent claims ---------------------------------------------------------------


@pytest.mark.parametrize(
    "vault_backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_postgres_message_claims_skip_rows_another_transaction_holds(
    vault_backend: VaultBackend,
) -> None:
    """Only PostgreSQL locks rows: SQLite serialises writers, the memory store has one lock."""
    add_messages(vault_backend, *(message(f"m-{n}", next_attempt_at=at(n - 10)) for n in range(6)))
    with vault_backend.store.session() as first:
        mine = first.requests.claim_messages(T0, 4)
        assert [m.id for m, _, _ in mine] == ["m-0", "m-1", "m-2", "m-3"]
        with vault_backend.store.session() as second:  # another connection, at the same time
            theirs = second.requests.claim_messages(T0, 4)
            assert theirs == [
                (message(f"m-{n}", next_attempt_at=at(n - 10)), wrapped(f"m-{n}"), sealed(f"m-{n}"))
                for n in (4, 5)
            ]
            assert second.requests.claim_messages(T0, 4) == theirs  # its own locks: seen again
        for m, _, _ in mine:
            sent = replace(m, status=DeliveryStatus.sent, sent_at=at(1), attempts=1)
            first.requests.update_message(sent, drop_body=True)
    with vault_backend.store.session() as third:  # the first committed: its messages are sent
        assert claimed_ids(third.requests, T0) == ["m-4", "m-5"]


@pytest.mark.parametrize(
    "vault_backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_postgres_forwarding_claims_skip_rows_another_transaction_holds(
    vault_backend: VaultBackend,
) -> None:
    add_forwardings(
        vault_backend, *(forwarding(f"f-{n}", next_attempt_at=at(n - 10)) for n in range(5))
    )
    with vault_backend.store.session() as first:
        mine = first.requests.claim_forwardings(T0, 3)
        assert ids(mine) == ["f-0", "f-1", "f-2"]
        with vault_backend.store.session() as second:
            assert ids(second.requests.claim_forwardings(T0, 3)) == ["f-3", "f-4"]
        for one in mine:
            first.requests.update_forwarding(
                replace(one, status=ForwardingStatus.confirmed, confirmed_at=at(1))
            )
    with vault_backend.store.session() as third:
        assert ids(third.requests.claim_forwardings(T0, 9)) == ["f-3", "f-4"]
