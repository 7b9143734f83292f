"""Comparing how long data is kept: retention per purpose, statutory records, legal holds,
destruction and the access log."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace

from policyvault.domain.policy.diff.judging import (
    Verdict,
    additions_and_removals,
    flag_changes,
    judged_change,
    listed,
    matched_by_key,
    ordinary_change,
    significant_change,
    text_changes,
)
from policyvault.domain.policy.diff.model import Change, ChangeKind
from policyvault.domain.policy.duration import Duration
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.retention import EndAction


@dataclass(frozen=True)
class _Timing:
    until: str | None
    period: Duration | None
    from_: str
    then: EndAction

    def __str__(self) -> str:
        ends = [f"until {self.until}"] if self.until else []
        if self.period is not None:
            ends.append(f"{self.period} after {self.from_}")
        text = " or ".join(ends)
        return text if self.then is EndAction.delete else f"{text}, then {self.then}"


def _timings(policy: Policy, purpose: str, item: str) -> frozenset[_Timing]:
    """The rules that end ``item`` kept for ``purpose``: item-specific ones override."""
    rules = [r for r in policy.retention if r.purpose == purpose]
    chosen = [r for r in rules if r.items and item in r.items] or [r for r in rules if not r.items]
    # A period whose start is not stated is counted from collection (deadlines.rule_end).
    return frozenset(_Timing(r.until, r.period, r.from_ or "collected", r.then) for r in chosen)


def _outlasts(new: _Timing, old: _Timing) -> str | None:
    """Why ``new`` may end later than ``old`` for some subject; None if it provably cannot."""
    if old.until is not None and new.until != old.until:
        if new.until is None:
            return f"no longer ends at {old.until}"
        return f"ends at {new.until} instead of {old.until}"
    if old.period is not None:
        if new.period is None:
            return f"no longer ends {old.period} after {old.from_}"
        if new.from_ != old.from_:
            return f"counted from {new.from_} instead of {old.from_}"
        if new.period.may_be_longer_than(old.period):
            return f"{new.period} instead of {old.period}"
    return None


def _retention_verdicts(old: frozenset[_Timing], new: frozenset[_Timing]) -> Iterator[Verdict]:
    """At most one verdict on how long the data is kept, and one on what happens at the end:
    anonymised data is still kept, so anonymising instead of deleting is significant, and
    deleting instead of anonymising keeps less (ordinary, as a shorter retention)."""
    if old == new:
        return
    if not new:
        yield ChangeKind.retention_longer, "no retention rule any more"
        return
    ends_before = {replace(t, then=EndAction.delete) for t in old}
    ends_after = {replace(t, then=EndAction.delete) for t in new}
    if ends_before != ends_after:
        why = sorted(
            {w for n in ends_after - ends_before for o in ends_before if (w := _outlasts(n, o))}
        )
        if why:
            yield ChangeKind.retention_longer, "; ".join(why)
        else:
            before = listed(sorted(map(str, ends_before))) if ends_before else "no end"
            after = listed(sorted(map(str, ends_after)))
            yield ChangeKind.retention_shorter, f"{before} -> {after}"
    then_before, then_after = {t.then for t in old}, {t.then for t in new}
    if EndAction.anonymise in then_after and then_after != then_before:
        yield ChangeKind.retention_end_changed, "anonymised instead of deleted at the end"
    elif EndAction.anonymise in then_before - then_after:
        yield ChangeKind.retention_shorter, "deleted instead of anonymised at the end"


def compare_retention(old: Policy, new: Policy) -> Iterator[Change]:
    for key, after in new.purposes.items():
        before = old.purposes.get(key)
        if before is None:
            continue  # a new purpose is significant in itself
        groups: dict[Verdict, list[str]] = defaultdict(list)
        for item in after.items:
            if item in before.items:
                old_end, new_end = _timings(old, key, item), _timings(new, key, item)
                for verdict in _retention_verdicts(old_end, new_end):
                    groups[verdict].append(item)
        for (kind, why), items in groups.items():
            yield judged_change(
                ("retention", key),
                kind is not ChangeKind.retention_shorter,
                (kind, kind),
                f"{key}: retention of {listed(items)}: {why}",
                "data may be kept longer"
                if kind is ChangeKind.retention_longer
                else "data is kept, anonymised, instead of deleted at the end",
                [key],
            )
    wording = {(r.purpose, tuple(sorted(r.items or []))): r for r in old.retention}
    for rule in new.retention:
        was = wording.get((rule.purpose, tuple(sorted(rule.items or []))))
        if was is not None:
            yield from text_changes(("retention", rule.purpose), was, rule, ("description",))


def compare_statutory_records(old: Policy, new: Policy) -> Iterator[Change]:
    added, removed, kept = matched_by_key(
        old.statutory_retention, new.statutory_retention, lambda r: r.record_type
    )
    for key, record in added:
        yield significant_change(
            ("statutory_retention", key),
            ChangeKind.statutory_record_added,
            f"new record type {key} kept {record.period} after {record.from_}",
            "more data is kept after its purpose ends",
        )
    for key, _ in removed:
        yield ordinary_change(
            ("statutory_retention", key),
            ChangeKind.statutory_record_removed,
            f"record type {key} no longer kept",
        )
    longer_or_shorter = (
        ChangeKind.statutory_retention_longer,
        ChangeKind.statutory_retention_shorter,
    )
    for key, before, after in kept:
        at = ("statutory_retention", key)
        if before.from_ != after.from_ or before.period != after.period:
            yield judged_change(
                at,
                before.from_ != after.from_ or after.period.may_be_longer_than(before.period),
                longer_or_shorter,
                f"{key}: kept {after.period} after {after.from_} "
                f"instead of {before.period} after {before.from_}",
                "records may be kept longer",
            )
        if before.separate_from != after.separate_from:
            # In ordinary use until an event (or a later one): the records serve more than the
            # statute for longer. Kept apart from the start: they serve it alone.
            yield judged_change(
                (*at, "separate_from"),
                after.separate_from is not None,
                longer_or_shorter,
                f"{key}: in ordinary use until {after.separate_from or 'recorded'} "
                f"instead of until {before.separate_from or 'recorded'}",
                "records may serve ordinary purposes for longer",
            )
        yield from additions_and_removals(
            (*at, "items"),
            before.items,
            after.items,
            (ChangeKind.statutory_items_added, ChangeKind.statutory_items_removed),
            (f"{key} now also keeps", f"{key} no longer keeps"),
            "more data is kept after its purpose ends",
        )
        yield from text_changes(
            at, before, after, ("label", "kind", "statute", "article", "reason")
        )
    yield from additions_and_removals(
        ("legal_holds",),
        [h.reason for h in old.legal_holds],
        [h.reason for h in new.legal_holds],
        (ChangeKind.legal_hold_added, ChangeKind.legal_hold_removed),
        ("new reason to hold data past its period:", "no longer a reason to hold data:"),
        "the data of every purpose may be kept past its period",
        list(new.purposes),
    )
    holds = {h.reason: h for h in old.legal_holds}
    for hold in new.legal_holds:
        if hold.reason in holds:
            yield from text_changes(
                ("legal_holds", hold.reason), holds[hold.reason], hold, ("description",)
            )


def compare_destruction(old: Policy, new: Policy) -> Iterator[Change]:
    before, after, at = old.destruction, new.destruction, ("destruction",)
    weaker = (ChangeKind.destruction_weakened, ChangeKind.destruction_strengthened)
    if after.grace_period_days != before.grace_period_days:
        yield judged_change(
            (*at, "grace_period_days"),
            after.grace_period_days > before.grace_period_days,
            weaker,
            f"destroyed {after.grace_period_days} days after the end "
            f"instead of {before.grace_period_days}",
            "data is destroyed later after its period ends",
        )
    yield from flag_changes(
        (*at, "approval_required"),
        before.approval_required,
        after.approval_required,
        False,
        weaker,
        "destruction needs approval",
        "a safeguard on destruction is dropped",
    )
    yield from flag_changes(
        (*at, "separate_store"),
        before.separate_store,
        after.separate_store,
        False,
        weaker,
        "statutory records kept apart",
        "records kept by statute are no longer separated",
    )
    yield from text_changes(at, before, after, ("approver", "procedure", "method"))

    log_before, log_after, at = old.access_log, new.access_log, ("access_log",)
    weaker = (ChangeKind.access_log_weakened, ChangeKind.access_log_strengthened)
    if log_before is None or log_after is None:
        if log_before is not log_after:  # the access-log promise stated newly, or dropped
            yield judged_change(
                at,
                log_after is None,
                weaker,
                "access log promise " + ("dropped" if log_after is None else "stated"),
                "the policy no longer says how long access records are kept",
            )
        return
    if log_before.retention != log_after.retention:
        yield judged_change(
            (*at, "retention"),
            log_before.retention.may_be_longer_than(log_after.retention),
            weaker,
            f"access log kept {log_after.retention} instead of {log_before.retention}",
            "the record of who accessed the data may be kept for less time",
        )
    yield from flag_changes(
        (*at, "tamper_evident"),
        log_before.tamper_evident,
        log_after.tamper_evident,
        False,
        weaker,
        "access log tamper-evident",
        "the record of who accessed the data could be altered",
    )
    yield from text_changes(at, log_before, log_after, ("description",))
