"""When each thing a subject has must leave the live store, and when it must be destroyed.

``plan_subject`` is pure: the policy and what the vault knows about one subject go in, the
subject's deadlines come out. The services store them (so due work is found by an indexed
query) and compute them again after every event that could move them.

Items. An item serves the purposes of the collection points it came through (collection
records a ``collected_through:<point>`` event), and those the subject consented to that use
it. For each such
purpose its use ends at the earliest end of the purpose's retention rules (an ``until`` event,
or a period after its ``from`` event), or when the consent it rests on alone is withdrawn.
The item's ordinary life ends when the last of its purposes has ended; while any purpose has
no fixed end yet, the item has no deadline. If a statutory record type names the item and its
period runs longer, the item moves to the separate store at the ordinary end and is destroyed
when the statute's period is over; otherwise it is destroyed (or anonymised, where the rule
that ends last says so) at the ordinary end.

Statutory records. A record is kept for its type's period from the moment it records. A type
with ``separate_from`` (an event such as ``account_closed``) serves ordinary use until that
event, then moves to the separate store; a type without it is kept for the statute alone and
lives in the separate store from the start. Either way it is destroyed when the period is over,
and never while it is still in ordinary use.

Every destruction is due ``destruction.grace_period_days`` after its end, counted the way the
subject's jurisdictions count days (``daycount``), the strictest first. A hold on the subject,
or on a record type, marks the deadlines it covers as held: held work is never done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from policyvault.domain.consent import ConsentAction, ConsentEvent
from policyvault.domain.deadlines import add_period_local, purpose_events, rule_end, rules_for
from policyvault.domain.policy.data import Basis
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.retention import EndAction, StatutoryRecord
from policyvault.domain.retention.daycount import DayCounting, earliest_deadline

# The event collection records besides ``collected``: through which point.
COLLECTED_THROUGH = "collected_through:"


def collected_through(point: str) -> str:
    return f"{COLLECTED_THROUGH}{point}"


# A deletion request (GDPR Art 17, PIPA Art 36, CCPA §1798.105): ``erasure_requested`` ends
# every purpose of every item collected before it; ``erasure_requested:<item>`` of one item.
# What a statute names is then moved to the separate store and kept for the statute alone.
ERASURE_REQUESTED = "erasure_requested"


def erasure_requested(item_key: str | None = None) -> str:
    return ERASURE_REQUESTED if item_key is None else f"{ERASURE_REQUESTED}:{item_key}"


class Action(StrEnum):
    archive = "archive"  # move to the separate store
    destroy = "destroy"
    anonymise = "anonymise"


class TargetKind(StrEnum):
    item = "item"
    record = "record"
    subject_keys = "subject_keys"  # the subject's data and shredding keys (crypto-shredding)


class Location(StrEnum):
    live = "live"
    separate = "separate"


@dataclass(frozen=True)
class ItemFact:
    key: str
    point: str
    collected_at: datetime
    location: Location = Location.live


@dataclass(frozen=True)
class RecordFact:
    id: str
    record_type: str
    occurred_at: datetime
    location: Location = Location.live


@dataclass(frozen=True)
class Hold:
    """A legal hold (investigation, litigation) on a subject or on a record type."""

    id: str
    reason: str  # one of the policy's legal_holds reasons (investigation, litigation, ...)
    placed_at: datetime
    placed_by: str
    reference: str = ""  # a case or file number: stored, never written to the audit log
    subject_id: str | None = None
    record_type: str | None = None
    released_at: datetime | None = None
    released_by: str | None = None

    @property
    def active(self) -> bool:
        return self.released_at is None

    def covers(self, subject_id: str, record_type: str | None) -> bool:
        if not self.active:
            return False
        if self.subject_id is not None:
            return self.subject_id == subject_id
        return record_type is not None and self.record_type == record_type


@dataclass(frozen=True)
class RetentionFacts:
    subject_id: str
    jurisdictions: Sequence[str]
    events: Sequence[tuple[str, datetime]] = ()  # every occurrence, in any order
    consents: Sequence[ConsentEvent] = ()
    items: Sequence[ItemFact] = ()
    records: Sequence[RecordFact] = ()
    holds: Sequence[Hold] = ()


@dataclass(frozen=True)
class Deadline:
    subject_id: str
    target_kind: TargetKind
    target_key: str  # the item key, or the record id
    action: Action
    end_at: datetime  # from here the work may be done
    due_at: datetime  # by here it must be done
    rule: str  # "purpose:<key>", "consent:<key>" or "statute:<record type>"
    record_type: str | None = None  # the statutory type that keeps it, or the record's type
    held: bool = False
    hold_ids: tuple[str, ...] = field(default=())

    @property
    def target(self) -> tuple[TargetKind, str]:
        return (self.target_kind, self.target_key)


def plan_subject(
    policy: Policy, facts: RetentionFacts, countings: Sequence[DayCounting]
) -> list[Deadline]:
    """Every deadline of the subject's items and records, sorted by target."""
    planner = _Planner(policy, facts, countings)
    deadlines = [d for item in facts.items for d in planner.item(item)]
    deadlines += [d for record in facts.records for d in planner.record(record)]
    return sorted(deadlines, key=lambda d: (d.target_kind, d.target_key, d.end_at))


class _Planner:
    def __init__(
        self, policy: Policy, facts: RetentionFacts, countings: Sequence[DayCounting]
    ) -> None:
        self.policy = policy
        self.facts = facts
        self.countings = countings
        self.first: dict[str, datetime] = {}
        self.last: dict[str, datetime] = {}
        for name, at in facts.events:
            if name not in self.first or at < self.first[name]:
                self.first[name] = at
            if name not in self.last or at > self.last[name]:
                self.last[name] = at
        self.types = {t.record_type: t for t in policy.statutory_retention}
        self.consented = {
            purpose
            for event in facts.consents
            if event.action is ConsentAction.given
            for purpose in event.purposes
        }

    # items --------------------------------------------------------------------------------------

    def item(self, item: ItemFact) -> list[Deadline]:
        if item.key not in self.policy.items:
            return []  # the vault's own records (a guardian's consent) go with the subject
        ordinary = self._ordinary_end(item)
        erased = self._erased_at(item)
        if erased is not None and (ordinary is None or erased < ordinary[0]):
            ordinary = (erased, "request:erasure", EndAction.delete)
        if ordinary is None:
            return []
        end, rule, then = ordinary
        statute = self._statute_end_for_item(item.key)
        hold_ids = self._holds(statute[1].record_type if statute else None)
        if statute is not None and statute[0] > end:
            statute_end, kept_by = statute
            plan: list[Deadline] = []
            if item.location is Location.live:
                plan.append(self._deadline(item.key, Action.archive, end, rule, kept_by, hold_ids))
            plan.append(
                self._deadline(
                    item.key,
                    Action.destroy,
                    statute_end,
                    f"statute:{kept_by.record_type}",
                    kept_by,
                    hold_ids,
                )
            )
            return plan
        action = Action.anonymise if then is EndAction.anonymise else Action.destroy
        # A statute that names the item but ends sooner still names it: a hold on that record
        # type covers it (and finds it by its record type).
        return [
            self._deadline(item.key, action, end, rule, statute[1] if statute else None, hold_ids)
        ]

    def _ordinary_end(self, item: ItemFact) -> tuple[datetime, str, EndAction] | None:
        """When the last purpose the item serves has ended, which rule ended it, and what
        that rule does with the item then; None while a purpose has no end yet."""
        point_purposes = self._point_purposes(item)
        using = [k for k, p in self.policy.purposes.items() if item.key in p.items]
        # The purposes of the point it last came through, and every purpose the subject ever
        # consented to that uses it (an email given at sign-up and again with an inquiry
        # still serves the membership); never a purpose resting on a consent never given.
        purposes = [
            k
            for k in using
            if (point_purposes is None or k in point_purposes or k in self.consented)
            and (k in self.consented or not self._consent_only(k))
        ]
        if not purposes:
            # Nothing the subject agreed to uses it any more: it may go at once.
            return (item.collected_at, "purpose:none", EndAction.delete)
        events = {**self.first, "collected": item.collected_at}
        latest: tuple[datetime, str, EndAction] | None = None
        for key in purposes:
            ended = self._purpose_end(key, item.key, events)
            if ended is None:
                return None
            if (
                latest is None
                or ended[0] > latest[0]
                or (ended[0] == latest[0] and ended[2] is EndAction.delete)
            ):
                latest = ended
        return latest

    def _erased_at(self, item: ItemFact) -> datetime | None:
        """When a deletion request covering the item came, if one came after it was
        collected (a value given again after an erasure is a new one)."""
        times = [
            at
            for name, at in self.facts.events
            if name in (ERASURE_REQUESTED, erasure_requested(item.key)) and at >= item.collected_at
        ]
        return min(times) if times else None

    def _point_purposes(self, item: ItemFact) -> set[str] | None:
        """The purposes of every point that collects the item and that the subject used (the
        one it last came through included); None when no point is known."""
        used = {item.point} | {
            name.removeprefix(COLLECTED_THROUGH)
            for name in self.first
            if name.startswith(COLLECTED_THROUGH)
        }
        points = [
            p
            for key, p in self.policy.collection_points.items()
            if key in used and (key == item.point or item.key in (*p.required, *p.optional))
        ]
        if not points:
            return None
        return {purpose for p in points for purpose in p.purposes}

    def _consent_only(self, purpose_key: str) -> bool:
        """A purpose that rests on consent alone serves nothing the subject never agreed to."""
        return all(b.basis is Basis.consent for b in self.policy.purposes[purpose_key].bases)

    def _purpose_end(
        self, purpose_key: str, item_key: str, events: dict[str, datetime]
    ) -> tuple[datetime, str, EndAction] | None:
        ends: list[tuple[datetime, str, EndAction]] = []
        events = purpose_events(self.policy, purpose_key, events, self.facts.consents)
        for rule in rules_for(self.policy, purpose_key, item_key):
            end = rule_end(rule, events, self.policy.timezone)
            if end is not None:
                ends.append((end, f"purpose:{purpose_key}", rule.then))
        if self._consent_only(purpose_key) and self.policy.purposes[purpose_key].consent_categories:
            # PIPA Art 37(3): data held on a withdrawn consent alone goes without delay (the
            # purpose's own consent, as ``purpose_events`` scopes it).
            withdrawn = events.get("consent_withdrawn")
            if withdrawn is not None:
                ends.append((withdrawn, f"consent:{purpose_key}", EndAction.delete))
        if not ends:
            return None
        return min(ends, key=lambda e: (e[0], e[2] is not EndAction.delete))

    def _statute_end_for_item(self, item_key: str) -> tuple[datetime, StatutoryRecord] | None:
        """The latest end among the statutory types that name the item, counted from the
        latest occurrence of the type's event or the latest record of that type."""
        best: tuple[datetime, StatutoryRecord] | None = None
        for kept_by in self.policy.statutory_retention:
            if item_key not in kept_by.items:
                continue
            anchors = [
                r.occurred_at for r in self.facts.records if r.record_type == kept_by.record_type
            ]
            if kept_by.from_ in self.last:
                anchors.append(self.last[kept_by.from_])
            if not anchors:
                continue
            end = add_period_local(max(anchors), kept_by.period, self.policy.timezone)
            if best is None or end > best[0]:
                best = (end, kept_by)
        return best

    # statutory records --------------------------------------------------------------------------

    def record(self, record: RecordFact) -> list[Deadline]:
        kept_by = self.types.get(record.record_type)
        hold_ids = self._holds(record.record_type)
        if kept_by is None:  # the type left the policy: nothing keeps the record any more
            return [
                self._deadline(
                    record.id,
                    Action.destroy,
                    record.occurred_at,
                    f"statute:{record.record_type}",
                    None,
                    hold_ids,
                    kind=TargetKind.record,
                    record_type=record.record_type,
                )
            ]
        statute_end = add_period_local(
            self._counted_from(record, kept_by), kept_by.period, self.policy.timezone
        )
        rule = f"statute:{kept_by.record_type}"
        plan: list[Deadline] = []
        end = statute_end
        if kept_by.separate_from is not None:
            in_use_until = self._first_after(kept_by.separate_from, record.occurred_at)
            # Only an erasure at or after the record: one before it concerned what the
            # subject had then (a customer who returns and pays again starts afresh).
            erased = min(
                (
                    at
                    for name, at in self.facts.events
                    if name == ERASURE_REQUESTED and at >= record.occurred_at
                ),
                default=None,
            )
            if erased is not None and (in_use_until is None or erased < in_use_until):
                in_use_until = erased  # a deletion request takes it out of ordinary use
            if in_use_until is None:
                return []  # still in ordinary use
            if in_use_until > end:
                end = in_use_until
            elif record.location is Location.live:
                plan.append(
                    self._deadline(
                        record.id,
                        Action.archive,
                        in_use_until,
                        rule,
                        kept_by,
                        hold_ids,
                        kind=TargetKind.record,
                    )
                )
        plan.append(
            self._deadline(
                record.id, Action.destroy, end, rule, kept_by, hold_ids, kind=TargetKind.record
            )
        )
        return plan

    def _counted_from(self, record: RecordFact, kept_by: StatutoryRecord) -> datetime:
        """A record's period runs from the type's ``from`` event: its first occurrence at or
        after the record (tax books: the filing deadline of their tax year), or, where none
        has come yet, the record itself (a payment record is its own payment)."""
        later = [
            at
            for name, at in self.facts.events
            if name == kept_by.from_ and at >= record.occurred_at
        ]
        return min(later) if later else record.occurred_at

    def _first_after(self, event: str, since: datetime) -> datetime | None:
        times = [at for name, at in self.facts.events if name == event and at >= since]
        if not times and event in self.first:
            return max(self.first[event], since)  # it happened before the record: at once
        return min(times) if times else None

    # shared -------------------------------------------------------------------------------------

    def _holds(self, record_type: str | None) -> tuple[str, ...]:
        return tuple(
            sorted(h.id for h in self.facts.holds if h.covers(self.facts.subject_id, record_type))
        )

    def _deadline(
        self,
        key: str,
        action: Action,
        end: datetime,
        rule: str,
        kept_by: StatutoryRecord | None,
        hold_ids: tuple[str, ...],
        *,
        kind: TargetKind = TargetKind.item,
        record_type: str | None = None,
    ) -> Deadline:
        if action is Action.archive:
            due = end  # moving to the separate store is not destruction: no grace period
        else:
            due = earliest_deadline(
                end,
                self.policy.destruction.grace_period_days,
                self.policy.timezone,
                self.countings,
            )
        return Deadline(
            subject_id=self.facts.subject_id,
            target_kind=kind,
            target_key=key,
            action=action,
            end_at=end,
            due_at=due,
            rule=rule,
            record_type=record_type or (kept_by.record_type if kept_by else None),
            held=bool(hold_ids),
            hold_ids=hold_ids,
        )
