"""The entry byte format, the chain hash and the checkpoint bytes, pinned to the example in
docs/audit-log.md (change one, change both)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from policyvault.crypto.signing import CheckpointSigner, CheckpointVerifier
from policyvault.domain.audit import (
    GENESIS_HASH,
    Actor,
    AuditEntry,
    AuditEvent,
    Decision,
    SignedCheckpoint,
    TreeHead,
    chain_hash,
    checkpoint_message,
    decode_entry,
    encode_entry,
    index_of,
    seal,
)
from policyvault.domain.audit.canonical import CanonicalJsonError
from policyvault.domain.errors import InvalidInput
from policyvault.domain.merkle import EMPTY_ROOT, leaf_hash

EXAMPLE_EVENT = AuditEvent(
    actor=Actor("staff_42", "cs_agent", "198.51.100.7"),
    action="view",
    decision=Decision.allow("purpose", "customer_support allows user.contact.email"),
    subject_id="subj_01HZX4Q8",
    purpose="customer_support",
    item_keys=("user.contact.email",),
    request_id="req_7f3a",
    details={"channel": "console", "count": 1},
)
EXAMPLE_AT = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
EXAMPLE_BODY = (
    b'{"action":"view","actor":{"id":"staff_42","ip":"198.51.100.7","role":"cs_agent"},'
    b'"decision":{"allowed":true,"reason":"customer_support allows user.contact.email",'
    b'"rule":"purpose"},"details":{"channel":"console","count":1},'
    b'"format":"policyvault.audit.entry/1","item_keys":["user.contact.email"],'
    b'"purpose":"customer_support","recorded_at":"2027-03-01T09:30:00.000000Z",'
    b'"request_id":"req_7f3a","seq":1,"subject_id":"subj_01HZX4Q8"}'
)
EXAMPLE_ENTRY_HASH = "779aa7f2793f1e2b90941c268ce20d2f989ece31840f068393c58e4ed57f1da0"
EXAMPLE_LEAF_HASH = "e3f2a315c3c9c576ebf7ba849c78c29ebc605fe819891d1e986d378278d86f57"
EXAMPLE_CHECKPOINT = (
    b"policyvault.audit.checkpoint/1\n"
    b"1\n"
    b"e3f2a315c3c9c576ebf7ba849c78c29ebc605fe819891d1e986d378278d86f57\n"
    b"779aa7f2793f1e2b90941c268ce20d2f989ece31840f068393c58e4ed57f1da0\n"
    b"2027-03-01T09:30:05.000000Z\n"
)


def test_the_documented_example_bytes() -> None:
    record = seal(EXAMPLE_EVENT, seq=1, recorded_at=EXAMPLE_AT, prev_hash=GENESIS_HASH)
    assert record.body == EXAMPLE_BODY
    assert record.entry_hash.hex() == EXAMPLE_ENTRY_HASH
    assert leaf_hash(record.body).hex() == EXAMPLE_LEAF_HASH
    head = TreeHead(
        1, leaf_hash(EXAMPLE_BODY), record.entry_hash, EXAMPLE_AT + timedelta(seconds=5)
    )
    assert checkpoint_message(head) == EXAMPLE_CHECKPOINT


def test_decode_is_the_inverse_of_encode() -> None:
    entry = decode_entry(EXAMPLE_BODY)
    assert entry == AuditEntry(1, EXAMPLE_AT, EXAMPLE_EVENT)
    assert encode_entry(entry) == EXAMPLE_BODY
    assert index_of(entry).subject_id == "subj_01HZX4Q8"


def test_times_are_stored_in_utc_with_microseconds() -> None:
    seoul = timezone(timedelta(hours=9))
    entry = AuditEntry(3, datetime(2027, 3, 1, 18, 30, 0, 12, tzinfo=seoul), EXAMPLE_EVENT)
    assert b'"recorded_at":"2027-03-01T09:30:00.000012Z"' in encode_entry(entry)
    with pytest.raises(InvalidInput):
        AuditEntry(3, datetime(2027, 3, 1), EXAMPLE_EVENT)  # noqa: DTZ001 - naive on purpose
    with pytest.raises(InvalidInput):
        AuditEntry(0, EXAMPLE_AT, EXAMPLE_EVENT)


@pytest.mark.parametrize(
    "body",
    [
        EXAMPLE_BODY.replace(b'"seq":1', b'"seq":1.0'),
        EXAMPLE_BODY.replace(b"09:30:00.000000Z", b"09:30:00Z"),
        EXAMPLE_BODY.replace(b'"ip":"198.51.100.7"', b'"ip":"198.051.100.7"'),
        EXAMPLE_BODY.replace(b"policyvault.audit.entry/1", b"policyvault.audit.entry/2"),
        EXAMPLE_BODY.replace(b'"purpose":"customer_support",', b""),
        EXAMPLE_BODY.replace(b'"allowed":true', b'"allowed":1'),
        EXAMPLE_BODY[:-1] + b',"extra":null}',
        b"[]",
    ],
)
def test_malformed_bodies_do_not_decode(body: bytes) -> None:
    with pytest.raises((CanonicalJsonError, InvalidInput)):
        decode_entry(body)


def test_a_body_with_a_personal_value_does_not_decode() -> None:
    body = EXAMPLE_BODY.replace(b'"subj_01HZX4Q8"', b'"kim@example.com"')
    with pytest.raises(InvalidInput):
        decode_entry(body)


def test_the_chain_hash_covers_the_previous_hash_and_every_byte() -> None:
    first = chain_hash(GENESIS_HASH, EXAMPLE_BODY)
    assert chain_hash(first, EXAMPLE_BODY) != first
    assert chain_hash(GENESIS_HASH, EXAMPLE_BODY + b" ") != first


def test_checkpoints_sign_and_verify_and_travel_as_documents() -> None:
    signer = CheckpointSigner.generate()
    signed = signer.sign(
        tree_size=1,
        root_hash=bytes.fromhex(EXAMPLE_LEAF_HASH),
        chain_head=bytes.fromhex(EXAMPLE_ENTRY_HASH),
        issued_at=EXAMPLE_AT,
    )
    assert signer.verifier.verify(signed)
    again = SignedCheckpoint.from_document(signed.to_document())
    assert again == signed

    public = CheckpointVerifier.from_pem(signer.verifier.to_pem())
    assert public.key_id == signer.key_id and public.verify(again)
    assert CheckpointSigner.from_pem(signer.to_pem()).key_id == signer.key_id

    moved = TreeHead(2, signed.head.root_hash, signed.head.chain_head, signed.head.issued_at)
    assert not public.verify(SignedCheckpoint(moved, signed.key_id, signed.signature))
    assert not CheckpointSigner.generate().verifier.verify(signed)
    assert not public.verify(SignedCheckpoint(signed.head, signed.key_id, b"\x00" * 64))


@pytest.mark.parametrize(
    "change",
    [
        {"format": "x"},
        {"tree_size": "1"},
        {"root_hash": "zz"},
        {"issued_at": "2027-03-01"},
        {"extra": 1},
    ],
)
def test_malformed_checkpoint_documents_are_bad_input(change: dict[str, object]) -> None:
    signer = CheckpointSigner.generate()
    signed = signer.sign(
        tree_size=0, root_hash=EMPTY_ROOT, chain_head=GENESIS_HASH, issued_at=EXAMPLE_AT
    )
    doc = signed.to_document()
    with pytest.raises(InvalidInput):
        SignedCheckpoint.from_document({**doc, **change})


@pytest.mark.parametrize(
    "pem", [b"", b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"]
)
def test_bad_keys_are_bad_input(pem: bytes) -> None:
    with pytest.raises(InvalidInput):
        CheckpointVerifier.from_pem(pem)
    with pytest.raises(InvalidInput):
        CheckpointSigner.from_pem(pem)
