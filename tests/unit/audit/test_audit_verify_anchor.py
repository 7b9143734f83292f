"""Verification of a pruned log: it starts at a signed anchor, and only a recorded prune may
remove entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from policyvault.domain.audit import (
    GENESIS_HASH,
    Action,
    Actor,
    AuditEvent,
    AuditRecord,
    Decision,
    PruneAnchor,
    TreeHead,
    seal,
    verify_log,
)
from policyvault.domain.merkle import CompactRange, leaf_hash

START = datetime(2026, 2, 1, tzinfo=UTC)
STAFF = Actor("staff_1", "cs_agent")


def chain(events: list[AuditEvent]) -> list[AuditRecord]:
    records, prev = [], GENESIS_HASH
    for n, event in enumerate(events):
        record = seal(event, seq=n + 1, recorded_at=START + timedelta(minutes=n), prev_hash=prev)
        records.append(record)
        prev = record.entry_hash
    return records


def view(n: int) -> AuditEvent:
    return AuditEvent(STAFF, "view", Decision.allow("purpose", "ok"), subject_id=f"subj_{n}")


def pruned(through: int) -> AuditEvent:
    return AuditEvent(
        Actor("svc.retention", "system"),
        Action.audit_pruned,
        Decision.allow("audit.retention", "past the floor"),
        details={"through_seq": through},
    )


def anchor_at(records: list[AuditRecord], size: int) -> PruneAnchor:
    frontier = CompactRange()
    for record in records[:size]:
        frontier.append(leaf_hash(record.body))
    head = TreeHead(size, frontier.root(), records[size - 1].entry_hash, START)
    return PruneAnchor(head, frontier)


def test_a_recorded_prune_verifies_from_its_anchor() -> None:
    records = chain([view(n) for n in range(10)] + [pruned(6)])
    report = verify_log(records[6:], anchor=anchor_at(records, 6))
    assert report.ok, report.reason
    assert (report.pruned_through, report.entries_checked, report.last_seq) == (6, 5, 11)


def test_a_prune_that_no_entry_records_is_broken() -> None:
    records = chain([view(n) for n in range(10)] + [pruned(4)])
    report = verify_log(records[6:], anchor=anchor_at(records, 6))  # the attacker moved it
    assert not report.ok and report.first_bad_seq == 7
    assert "no audit.pruned entry" in report.reason


def test_an_anchor_whose_range_does_not_match_its_root_is_broken() -> None:
    records = chain([view(n) for n in range(10)] + [pruned(6)])
    anchor = anchor_at(records, 6)
    wrong = CompactRange(6, [leaf_hash(b"x"), leaf_hash(b"y")])
    report = verify_log(records[6:], anchor=PruneAnchor(anchor.head, wrong))
    assert not report.ok and report.first_bad_seq == 7


def test_entries_right_after_the_anchor_must_chain_to_it() -> None:
    records = chain([view(n) for n in range(10)] + [pruned(6)])
    report = verify_log(records[7:], anchor=anchor_at(records, 6))  # 7 deleted as well
    assert not report.ok and report.first_bad_seq == 7
