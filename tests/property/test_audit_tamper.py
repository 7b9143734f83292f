"""Tampering always breaks verification, at the right sequence number.

A log of random length is built, a signed tree head is kept at its end (the latest checkpoint)
and at random sizes before it, and then one tampering is applied to the stored records, as an
attacker with write access to the table could: a single-byte change to any stored field, a
deletion, an insertion (a replayed record or a made-up one, with or without renumbering what
follows), a swap, or a truncated tail.

"The right sequence number" is the seq of the first position at which the tampered table
differs from the original one. An attacker who recomputes every hash from seq k on is caught by
the first checkpoint at or after k; verification then names the first seq after the last
checkpoint that still matches (the earliest entry that can be forged), also checked here.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from policyvault.domain.audit import (
    GENESIS_HASH,
    Actor,
    AuditEvent,
    AuditRecord,
    ChainHead,
    Decision,
    TreeHead,
    seal,
    verify_log,
)
from policyvault.domain.merkle import CompactRange, leaf_hash

START = datetime(2026, 2, 1, tzinfo=UTC)


def build_log(length: int) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    prev = GENESIS_HASH
    for n in range(length):
        event = AuditEvent(
            actor=Actor(id=f"staff_{n % 3}", role="cs_agent", source_ip="192.0.2.1"),
            action=["view", "modify", "download"][n % 3],
            decision=Decision(n % 5 != 0, "purpose", "checked against the policy"),
            subject_id=f"subj_{n % 7}",
            item_keys=("user.contact.email",),
            details={"n": n},
        )
        record = seal(event, seq=n + 1, recorded_at=START + timedelta(seconds=n), prev_hash=prev)
        records.append(record)
        prev = record.entry_hash
    return records


def heads_at(records: list[AuditRecord], sizes: set[int]) -> list[TreeHead]:
    heads = []
    frontier = CompactRange()
    for record in records:
        frontier.append(leaf_hash(record.body))
        if frontier.size in sizes:
            heads.append(TreeHead(frontier.size, frontier.root(), record.entry_hash, START))
    return heads


def first_difference(original: list[AuditRecord], tampered: list[AuditRecord]) -> int:
    for i, record in enumerate(tampered):
        if i >= len(original) or record != original[i]:
            return i + 1
    return len(tampered) + 1  # a shorter, otherwise equal log: the first missing entry


@st.composite
def signed_log(draw: st.DrawFn) -> tuple[list[AuditRecord], list[TreeHead]]:
    length = draw(st.integers(1, 40))
    records = build_log(length)
    sizes = draw(st.sets(st.integers(1, length), max_size=4)) | {length}
    return records, heads_at(records, sizes)


def flip(data: bytes, at: int, mask: int) -> bytes:
    at %= len(data)
    return data[:at] + bytes([data[at] ^ mask]) + data[at + 1 :]


FIELDS = ["body", "prev_hash", "entry_hash", "seq", "actor_id", "subject_id", "allowed", "time"]


@st.composite
def byte_change(draw: st.DrawFn, records: list[AuditRecord]) -> list[AuditRecord]:
    k = draw(st.integers(0, len(records) - 1))
    field = draw(st.sampled_from(FIELDS))
    at = draw(st.integers(0, 10_000))
    mask = draw(st.integers(1, 255))
    record = records[k]
    index = record.index
    changed: AuditRecord
    if field in ("body", "prev_hash", "entry_hash"):
        changed = dataclasses.replace(record, **{field: flip(getattr(record, field), at, mask)})
    elif field == "seq":
        changed = dataclasses.replace(record, seq=record.seq ^ (1 << (at % 8)))
    elif field in ("actor_id", "subject_id"):
        text = getattr(index, field) or "x"
        new = flip(text.encode(), at, mask % 64 + 1).decode("latin-1")
        changed = dataclasses.replace(record, index=dataclasses.replace(index, **{field: new}))
    elif field == "allowed":
        changed = dataclasses.replace(
            record, index=dataclasses.replace(index, allowed=not index.allowed)
        )
    else:
        moved = index.recorded_at + timedelta(microseconds=mask)
        changed = dataclasses.replace(record, index=dataclasses.replace(index, recorded_at=moved))
    return [*records[:k], changed, *records[k + 1 :]]


@st.composite
def deletion(draw: st.DrawFn, records: list[AuditRecord]) -> list[AuditRecord]:
    k = draw(st.integers(0, len(records) - 1))
    return [*records[:k], *records[k + 1 :]]


@st.composite
def insertion(draw: st.DrawFn, records: list[AuditRecord]) -> list[AuditRecord]:
    k = draw(st.integers(0, len(records)))
    if draw(st.booleans()):  # a replayed record
        inserted = records[draw(st.integers(0, len(records) - 1))]
    else:  # a made-up one
        inserted = dataclasses.replace(
            records[0],
            seq=k + 1,
            prev_hash=draw(st.binary(min_size=32, max_size=32)),
            entry_hash=draw(st.binary(min_size=32, max_size=32)),
        )
    if not draw(st.booleans()):
        return [*records[:k], inserted, *records[k:]]
    # renumber, so that the seq column shows no gap or duplicate
    renumbered = [dataclasses.replace(inserted, seq=k + 1)]
    renumbered += [dataclasses.replace(r, seq=r.seq + 1) for r in records[k:]]
    return [*records[:k], *renumbered]


@st.composite
def swap(draw: st.DrawFn, records: list[AuditRecord]) -> list[AuditRecord]:
    i = draw(st.integers(0, len(records) - 2))
    j = draw(st.integers(i + 1, len(records) - 1))
    a, b = records[i], records[j]
    if draw(st.booleans()):  # whole rows change places
        a2, b2 = b, a
    else:  # contents change places under the same seq numbers
        a2, b2 = dataclasses.replace(b, seq=a.seq), dataclasses.replace(a, seq=b.seq)
    tampered = list(records)
    tampered[i], tampered[j] = a2, b2
    return tampered


@st.composite
def truncation(draw: st.DrawFn, records: list[AuditRecord]) -> list[AuditRecord]:
    return records[: draw(st.integers(0, len(records) - 1))]


@st.composite
def tampered_log(
    draw: st.DrawFn,
) -> tuple[list[AuditRecord], list[TreeHead], list[AuditRecord], str]:
    records, heads = draw(signed_log())
    kinds = ["byte", "delete", "insert", "truncate"] + (["swap"] if len(records) > 1 else [])
    kind = draw(st.sampled_from(kinds))
    strategy = {
        "byte": byte_change,
        "delete": deletion,
        "insert": insertion,
        "swap": swap,
        "truncate": truncation,
    }[kind]
    return records, heads, draw(strategy(records)), kind


@settings(max_examples=400, deadline=None)
@given(tampered_log())
def test_any_tampering_is_caught_at_the_right_seq(
    case: tuple[list[AuditRecord], list[TreeHead], list[AuditRecord], str],
) -> None:
    original, heads, tampered, kind = case
    report = verify_log(tampered, heads=heads)
    assert not report.ok, kind
    assert report.first_bad_seq == first_difference(original, tampered), (kind, report.reason)


@settings(max_examples=100, deadline=None)
@given(signed_log(), st.booleans())
def test_an_untouched_log_verifies(
    log: tuple[list[AuditRecord], list[TreeHead]], with_head_row: bool
) -> None:
    records, heads = log
    head = ChainHead(records[-1].seq, records[-1].entry_hash) if with_head_row else None
    report = verify_log(records, heads=heads, stored_head=head)
    assert report.ok, report.reason
    assert report.entries_checked == len(records) and report.checkpoints_checked == len(heads)


@settings(max_examples=200, deadline=None)
@given(signed_log(), st.data())
def test_a_rewritten_chain_is_caught_by_the_first_checkpoint_after_it(
    log: tuple[list[AuditRecord], list[TreeHead]], data: st.DataObject
) -> None:
    records, heads = log
    k = data.draw(st.integers(1, len(records)))
    # the forger changes entry k's decision and re-seals everything from k on
    forged = list(records[: k - 1])
    prev = forged[-1].entry_hash if forged else GENESIS_HASH
    for record in records[k - 1 :]:
        entry = record.entry()
        event = entry.event
        if record.seq == k:
            decision = Decision(not event.decision.allowed, "forged", "changed afterwards")
            event = dataclasses.replace(event, decision=decision)
        resealed = seal(event, seq=record.seq, recorded_at=entry.recorded_at, prev_hash=prev)
        forged.append(resealed)
        prev = resealed.entry_hash
    assert verify_log(forged).ok  # the chain alone cannot tell
    report = verify_log(forged, heads=heads)
    covered = [h.tree_size for h in heads if h.tree_size < k]
    assert not report.ok
    assert report.first_bad_seq == max(covered, default=0) + 1, report.reason
    assert "checkpoint" in report.reason


@settings(max_examples=50, deadline=None)
@given(signed_log())
def test_a_head_row_that_says_more_catches_a_quiet_truncation(
    log: tuple[list[AuditRecord], list[TreeHead]],
) -> None:
    records, _ = log
    head = ChainHead(records[-1].seq, records[-1].entry_hash)
    report = verify_log(records[:-1], stored_head=head)  # no checkpoint covers the tail
    assert not report.ok and report.first_bad_seq == len(records)
