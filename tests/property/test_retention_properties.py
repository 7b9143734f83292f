"""The retention plan (``plan_subject``) over random subjects of the seed policies: random
events, consents, items, statutory records and holds.

The ordinary end of an item is recomputed here from the policy's rules, independently of the
planner: for every purpose of the item's collection point the earliest end of its rules (an
``until`` event, a period after a ``from`` event or collection) or of its consent, withdrawn
for good; the item's end is the latest of those, and there is none while a purpose has none.
Against it: nothing is destroyed, anonymised or moved before every applicable rule has ended,
statutory periods are always served, archive comes before destroy, a hold always marks what it
covers, and due dates follow the day counting of the subject's jurisdictions.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from contextlib import suppress
from datetime import UTC, datetime, time, timedelta
from functools import cache, partial
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import SEED_FILES
from tests.unit.vault import conftest as vault_conftest
from tests.unit.vault.conftest import ADMIN, APP, CLERK, MemoryVault, sample_value

from policyvault.domain.access import STATUTORY_PURPOSE
from policyvault.domain.audit import Actor
from policyvault.domain.consent import ConsentAction, ConsentEvent
from policyvault.domain.deadlines import add_period_local
from policyvault.domain.errors import AccessDenied, PolicyVaultError
from policyvault.domain.policy.data import Basis, ConsentCategory, ItemType
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.retention import EndAction
from policyvault.domain.retention import (
    Action,
    Deadline,
    Hold,
    ItemFact,
    Location,
    RecordFact,
    RetentionFacts,
    TargetKind,
    TaskStatus,
    earliest_deadline,
    plan_subject,
)
from policyvault.services.policy_files import load_policy
from policyvault.services.retention.calendars import day_countings
from policyvault.services.retention.facade import Retention
from policyvault.services.vault import ConsentChoice, Evidence
from policyvault.services.vault.deadlines import plan

SUBJECT = "subject-1"
OTHER_SUBJECT = "subject-2"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
DESTRUCTIVE = (Action.destroy, Action.anonymise)


@cache
def policy_named(name: str) -> Policy:
    return load_policy(SEED_FILES[name])


# scenarios ------------------------------------------------------------------------------------


def _instants() -> st.SearchStrategy[datetime]:
    """Over eight years, on a coarse grid half the time so that things collide."""
    coarse = st.integers(0, 8 * 12).map(lambda months: T0 + timedelta(days=30 * months))
    fine = st.integers(0, 8 * 365 * 24 * 60).map(lambda minutes: T0 + timedelta(minutes=minutes))
    return st.one_of(coarse, fine)


INSTANTS = _instants()
LOCATIONS = st.sampled_from(Location)


def event_names(policy: Policy) -> list[str]:
    names = {"consent_given", "consent_withdrawn", "account_closed", "purpose_achieved"}
    for rule in policy.retention:
        names.update(n for n in (rule.until, rule.from_) if n)
    for kept in policy.statutory_retention:
        names.update(n for n in (kept.from_, kept.separate_from) if n)
    return sorted(names - {"collected"})


def consent_requests(policy: Policy) -> list[tuple[ConsentCategory, tuple[str, ...]]]:
    found = {
        (request.category, tuple(request.purposes))
        for point in policy.collection_points.values()
        for request in point.consents
    }
    return sorted(found, key=lambda r: (r[0].value, r[1]))


def _consent(
    policy: Policy,
    request: tuple[ConsentCategory, tuple[str, ...]],
    action: ConsentAction,
    at: datetime,
) -> ConsentEvent:
    return ConsentEvent(
        subject_id=SUBJECT,
        category=request[0],
        purposes=request[1],
        action=action,
        at=at,
        policy_version=policy.version,
        notice_hash="sha256:test",
        channel="web",
    )


def _hold(number: int, on_subject: bool, subject: str, record_type: str, released: bool) -> Hold:
    return Hold(
        id=f"hold-{number}",
        reason="investigation",
        placed_at=T0,
        placed_by="cpo",
        subject_id=subject if on_subject else None,
        record_type=None if on_subject else record_type,
        released_at=T0 + timedelta(days=1) if released else None,
    )


def _facts(
    jurisdictions: list[str],
    events: list[tuple[str, datetime]],
    consents: list[ConsentEvent],
    collections: list[tuple[str, datetime, Location, list[str]]],
    records: list[tuple[str, datetime, Location]],
    holds: list[tuple[bool, str, str, bool]],
) -> RetentionFacts:
    items: dict[str, ItemFact] = {}
    for point, at, location, keys in collections:
        for key in keys:
            items[key] = ItemFact(key, point, at, location)  # one value per key: the last
    return RetentionFacts(
        subject_id=SUBJECT,
        jurisdictions=tuple(jurisdictions),
        events=tuple(events),
        consents=tuple(consents),
        items=tuple(items.values()),
        records=tuple(
            RecordFact(f"record-{n}", record_type, at, location)
            for n, (record_type, at, location) in enumerate(records)
        ),
        holds=tuple(_hold(n, *hold) for n, hold in enumerate(holds)),
    )


@cache
def policy_scenarios(name: str) -> st.SearchStrategy[tuple[str, RetentionFacts]]:
    """A random subject of one seed policy: its events, consents, items, records, holds."""
    policy = policy_named(name)
    requests = consent_requests(policy)
    consents = (
        st.lists(
            st.builds(
                partial(_consent, policy),
                st.sampled_from(requests),
                st.sampled_from(ConsentAction),
                INSTANTS,
            ),
            max_size=6,
        )
        if requests
        else st.just([])
    )
    collections = st.lists(
        st.one_of(
            *(
                st.tuples(
                    st.just(key),
                    INSTANTS,
                    LOCATIONS,
                    st.lists(st.sampled_from(point.items), min_size=1, max_size=6),
                )
                for key, point in sorted(policy.collection_points.items())
            )
        ),
        max_size=3,
    )
    types = [t.record_type for t in policy.statutory_retention]
    records = (
        st.lists(st.tuples(st.sampled_from(types), INSTANTS, LOCATIONS), max_size=5)
        if types
        else st.just([])
    )
    holds = st.lists(
        st.tuples(
            st.booleans(),
            st.sampled_from([SUBJECT, OTHER_SUBJECT]),
            st.sampled_from(types or ["none"]),
            st.booleans(),
        ),
        max_size=3,
    )
    jurisdictions = st.lists(
        st.sampled_from(sorted({*policy.jurisdictions, "kr-pipa"})),
        min_size=1,
        max_size=3,
        unique=True,
    )
    events = st.lists(st.tuples(st.sampled_from(event_names(policy)), INSTANTS), max_size=8)
    facts = st.builds(_facts, jurisdictions, events, consents, collections, records, holds)
    return st.tuples(st.just(name), facts)


def scenarios() -> st.SearchStrategy[tuple[str, RetentionFacts]]:
    return st.sampled_from(sorted(SEED_FILES)).flatmap(policy_scenarios)


def planned(policy: Policy, facts: RetentionFacts) -> list[Deadline]:
    return plan_subject(policy, facts, day_countings(facts.jurisdictions))


# the independent oracle -----------------------------------------------------------------------


def first_occurrences(facts: RetentionFacts) -> dict[str, datetime]:
    first: dict[str, datetime] = {}
    for name, at in sorted(facts.events, key=lambda e: e[1]):
        first.setdefault(name, at)
    return first


def final_consent(
    consents: Sequence[ConsentEvent], category: ConsentCategory, purpose: str
) -> ConsentEvent | None:
    """The event that decides the consent once everything has happened: the latest, and
    of two at the same instant the withdrawal."""
    relevant = [c for c in consents if c.category is category and purpose in c.purposes]
    relevant.sort(key=lambda c: (c.at, c.action is ConsentAction.withdrawn))
    return relevant[-1] if relevant else None


def consent_end(policy: Policy, purpose_key: str, facts: RetentionFacts) -> datetime | None:
    """When a purpose resting on consent alone lost it for good (PIPA Art 37(3))."""
    purpose = policy.purposes[purpose_key]
    if not purpose.bases or any(b.basis is not Basis.consent for b in purpose.bases):
        return None
    finals = [final_consent(facts.consents, c, purpose_key) for c in purpose.consent_categories]
    decided = [f for f in finals if f is not None]
    if not decided or any(f.action is ConsentAction.given for f in decided):
        return None
    return max(f.at for f in decided)


def purpose_end(
    policy: Policy, purpose_key: str, item: ItemFact, facts: RetentionFacts
) -> tuple[datetime, set[EndAction]] | None:
    """The earliest end among the purpose's rules for the item and its consent, with what
    the rules ending then ask for."""
    events = {**first_occurrences(facts), "collected": item.collected_at}
    events = own_consent_events(policy, purpose_key, facts, events)
    rules = [r for r in policy.retention if r.purpose == purpose_key]
    naming = [r for r in rules if r.items is not None and item.key in r.items]
    rules = naming or [r for r in rules if r.items is None]
    ends: list[tuple[datetime, EndAction]] = []
    for rule in rules:
        candidates = []
        if rule.until is not None and rule.until in events:
            candidates.append(events[rule.until])
        start = rule.from_ or "collected"
        if rule.period is not None and start in events:
            candidates.append(add_period_local(events[start], rule.period, policy.timezone))
        if candidates:
            ends.append((min(candidates), rule.then))
    withdrawn = consent_end(policy, purpose_key, facts)
    if withdrawn is not None:
        ends.append((withdrawn, EndAction.delete))
    if not ends:
        return None
    earliest = min(at for at, _ in ends)
    return earliest, {then for at, then in ends if at == earliest}


def own_consent_events(
    policy: Policy, purpose_key: str, facts: RetentionFacts, events: dict[str, datetime]
) -> dict[str, datetime]:
    """For a purpose resting on consent, "consent given" and "consent withdrawn" are its own
    consent's: given when the consent holding now was given, withdrawn when it last stopped
    holding; the subject's other consents do not count."""
    categories = policy.purposes[purpose_key].consent_categories
    if not categories:
        return events
    scoped = {k: v for k, v in events.items() if k not in ("consent_given", "consent_withdrawn")}
    holding: list[datetime] = []
    stopped: list[datetime] = []
    for category in categories:
        mine = [c for c in facts.consents if c.category is category and purpose_key in c.purposes]
        if not mine:
            continue
        last = max(mine, key=lambda c: (c.at, c.action is ConsentAction.withdrawn))
        (holding if last.action is ConsentAction.given else stopped).append(last.at)
    if holding:
        scoped["consent_given"] = max(holding)
    elif stopped:
        scoped["consent_withdrawn"] = max(stopped)
    return scoped


def consent_only(policy: Policy, purpose_key: str) -> bool:
    return all(b.basis is Basis.consent for b in policy.purposes[purpose_key].bases)


def item_purposes(policy: Policy, item: ItemFact, facts: RetentionFacts) -> list[str]:
    """The purposes of the point the item came through, and those the subject consented to
    at any time that use the item; never a purpose resting on a consent never given."""
    consented = {
        purpose for c in facts.consents if c.action is ConsentAction.given for purpose in c.purposes
    }
    point = policy.collection_points[item.point]
    return [
        k
        for k, p in policy.purposes.items()
        if item.key in p.items
        and (k in point.purposes or k in consented)
        and (k in consented or not consent_only(policy, k))
    ]


def ordinary_end(
    policy: Policy, item: ItemFact, facts: RetentionFacts
) -> tuple[datetime, set[EndAction]] | None:
    purposes = item_purposes(policy, item, facts)
    if not purposes:
        return item.collected_at, {EndAction.delete}  # nothing agreed to uses it
    ends = [purpose_end(policy, k, item, facts) for k in purposes]
    if any(e is None for e in ends):
        return None
    latest = max(e[0] for e in ends if e is not None)
    return latest, {then for e in ends if e is not None and e[0] == latest for then in e[1]}


def statute_ends_for_item(policy: Policy, key: str, facts: RetentionFacts) -> list[datetime]:
    """Every statutory period that keeps the item, from each of its anchors: a record of the
    type, or an occurrence of the type's ``from`` event."""
    ends = []
    for kept in policy.statutory_retention:
        if key not in kept.items:
            continue
        anchors = [r.occurred_at for r in facts.records if r.record_type == kept.record_type]
        anchors += [at for name, at in facts.events if name == kept.from_]
        ends += [add_period_local(a, kept.period, policy.timezone) for a in anchors]
    return ends


def separation(event: str, since: datetime, facts: RetentionFacts) -> datetime | None:
    """When a record in ordinary use until ``event`` starts serving the statute alone."""
    occurrences = sorted(at for name, at in facts.events if name == event)
    if not occurrences:
        return None
    after = [at for at in occurrences if at >= since]
    return after[0] if after else since


def by_target(deadlines: list[Deadline]) -> dict[tuple[TargetKind, str], list[Deadline]]:
    grouped: dict[tuple[TargetKind, str], list[Deadline]] = {}
    for deadline in deadlines:
        grouped.setdefault(deadline.target, []).append(deadline)
    return grouped


def active_holds_on_subject(facts: RetentionFacts) -> set[str]:
    return {h.id for h in facts.holds if h.released_at is None and h.subject_id == SUBJECT}


def active_holds_on_type(facts: RetentionFacts, record_type: str | None) -> set[str]:
    return {
        h.id
        for h in facts.holds
        if h.released_at is None
        and h.subject_id is None
        and record_type is not None
        and h.record_type == record_type
    }


# properties -----------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_nothing_leaves_before_every_applicable_rule_has_ended(
    scenario: tuple[str, RetentionFacts],
) -> None:
    policy, facts = policy_named(scenario[0]), scenario[1]
    plan = by_target(planned(policy, facts))
    for item in facts.items:
        deadlines = plan.get((TargetKind.item, item.key), [])
        expected = ordinary_end(policy, item, facts)
        if expected is None:
            assert deadlines == [], f"{item.key} has a purpose with no end yet"
            continue
        end, thens = expected
        destructive = [d for d in deadlines if d.action in DESTRUCTIVE]
        assert len(destructive) == 1, deadlines
        [last] = destructive
        for deadline in deadlines:
            assert deadline.end_at >= end, f"{deadline} before the ordinary end {end}"
        statutes = statute_ends_for_item(policy, item.key, facts)
        for statute_end in statutes:
            assert last.end_at >= statute_end, f"{item.key} destroyed inside a statutory period"
        # ... and not kept longer than the longest of them.
        assert last.end_at == max([end, *statutes])
        if last.action is Action.anonymise:
            assert EndAction.anonymise in thens and last.end_at == end
        archives = [d for d in deadlines if d.action is Action.archive]
        if statutes and max(statutes) > end:
            assert last.action is Action.destroy and last.rule.startswith("statute:")
            assert len(archives) == (1 if item.location is Location.live else 0)
            assert all(a.end_at == end for a in archives)
        else:
            assert archives == []


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_statutory_records_are_kept_their_full_period_and_while_in_use(
    scenario: tuple[str, RetentionFacts],
) -> None:
    policy, facts = policy_named(scenario[0]), scenario[1]
    plan = by_target(planned(policy, facts))
    types = {t.record_type: t for t in policy.statutory_retention}
    for record in facts.records:
        kept = types[record.record_type]
        deadlines = plan.get((TargetKind.record, record.id), [])
        # counted from the type's event at or after the record (the filing deadline of tax
        # books), or from the record itself when none has come
        later = [at for name, at in facts.events if name == kept.from_ and at >= record.occurred_at]
        counted_from = min(later) if later else record.occurred_at
        statute_end = add_period_local(counted_from, kept.period, policy.timezone)
        destroys = [d for d in deadlines if d.action is Action.destroy]
        archives = [d for d in deadlines if d.action is Action.archive]
        assert all(d.action in (Action.destroy, Action.archive) for d in deadlines)
        assert all(d.record_type == record.record_type for d in deadlines)
        if kept.separate_from is None:
            assert archives == []
            [destroy] = destroys
            assert destroy.end_at == statute_end
            continue
        separated = separation(kept.separate_from, record.occurred_at, facts)
        if separated is None:
            assert deadlines == [], "a record still in ordinary use has no deadline"
            continue
        assert all(d.end_at >= separated for d in deadlines)
        [destroy] = destroys
        assert destroy.end_at == max(statute_end, separated)
        if record.location is Location.live and separated <= statute_end:
            [archive] = archives
            assert archive.end_at == separated
        else:
            assert archives == []
    for deadline in (d for ds in plan.values() for d in ds):
        if deadline.target_kind is TargetKind.record and deadline.action is Action.destroy:
            record = next(r for r in facts.records if r.id == deadline.target_key)
            period = types[record.record_type].period
            assert deadline.end_at >= add_period_local(record.occurred_at, period, policy.timezone)


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_archive_comes_before_destroy_and_due_dates_follow_the_day_counting(
    scenario: tuple[str, RetentionFacts],
) -> None:
    policy, facts = policy_named(scenario[0]), scenario[1]
    deadlines = planned(policy, facts)
    countings = day_countings(facts.jurisdictions)
    grace = policy.destruction.grace_period_days
    for deadline in deadlines:
        assert deadline.subject_id == SUBJECT
        assert deadline.due_at >= deadline.end_at
        if deadline.action is Action.archive:
            assert deadline.due_at == deadline.end_at
        else:
            assert deadline.due_at == earliest_deadline(
                deadline.end_at, grace, policy.timezone, countings
            )
    for target, group in by_target(deadlines).items():
        actions = [d.action for d in group]
        assert len(actions) == len(set(actions)), f"{target} planned twice: {group}"
        archives = [d for d in group if d.action is Action.archive]
        destroys = [d for d in group if d.action in DESTRUCTIVE]
        assert len(destroys) == 1, "whatever leaves the live store is destroyed in the end"
        for archive in archives:
            assert archive.end_at <= destroys[0].end_at
            assert archive.due_at <= destroys[0].due_at


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_a_hold_always_marks_what_it_covers_and_only_that(
    scenario: tuple[str, RetentionFacts],
) -> None:
    policy, facts = policy_named(scenario[0]), scenario[1]
    on_subject = active_holds_on_subject(facts)
    released = {h.id for h in facts.holds if h.released_at is not None}
    for deadline in planned(policy, facts):
        held_by = set(deadline.hold_ids)
        assert on_subject <= held_by, "a hold on the subject covers everything of it"
        if deadline.target_kind is TargetKind.record:
            assert held_by == on_subject | active_holds_on_type(facts, deadline.record_type)
        else:
            # An item is covered by a hold on a record type only if that type keeps it.
            keeping = {
                t.record_type for t in policy.statutory_retention if deadline.target_key in t.items
            }
            on_types = set().union(*(active_holds_on_type(facts, t) for t in keeping))
            assert on_subject <= held_by <= on_subject | on_types
            if deadline.record_type in keeping:
                assert active_holds_on_type(facts, deadline.record_type) <= held_by
        assert deadline.held is bool(held_by)
        assert not released & held_by, "a released hold holds nothing"


@settings(max_examples=100, deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_the_plan_does_not_depend_on_the_order_facts_arrive_in(
    scenario: tuple[str, RetentionFacts], shuffler: random.Random
) -> None:
    policy, facts = policy_named(scenario[0]), scenario[1]

    def shuffled(values: Sequence[object]) -> tuple[object, ...]:
        copy = list(values)
        shuffler.shuffle(copy)
        return tuple(copy)

    again = RetentionFacts(
        subject_id=facts.subject_id,
        jurisdictions=shuffled(facts.jurisdictions),  # type: ignore[arg-type]
        events=shuffled(facts.events),  # type: ignore[arg-type]
        consents=shuffled(facts.consents),  # type: ignore[arg-type]
        items=shuffled(facts.items),  # type: ignore[arg-type]
        records=shuffled(facts.records),  # type: ignore[arg-type]
        holds=shuffled(facts.holds),  # type: ignore[arg-type]
    )
    assert planned(policy, again) == planned(policy, facts)


# the sweeper over a memory vault --------------------------------------------------------------

SWEPT_POLICIES = ["megazone-cloudplex", "lgcns-optapex", "utracs"]
OFFICER = Actor(id="cpo-1", role="privacy_officer")
WEB = Evidence(channel="web", notice_hash="sha256:test")
DESTRUCTIVE_KINDS = {TargetKind.item, TargetKind.record}


def memory_vault(name: str) -> MemoryVault:
    """The unit tests' memory vault, on a policy parsed once per run."""
    with patch.object(vault_conftest, "load_policy", lambda _path: policy_named(name)):
        return MemoryVault(name)


def collectable_points(policy: Policy) -> list[str]:
    """Collection points without passwords (Argon2 is too slow for hundreds of examples)."""
    return [
        key
        for key, point in sorted(policy.collection_points.items())
        if all(policy.items[i].type is not ItemType.password for i in point.items)
    ]


@cache
def operations(name: str) -> st.SearchStrategy[list[tuple[object, ...]]]:
    policy = policy_named(name)
    subject = st.integers(0, 5)
    events = [e for e in event_names(policy) if e not in ("consent_given", "consent_withdrawn")]
    events += ["account_closed"] * 3  # what moves records to the separate store
    types = [t.record_type for t in policy.statutory_retention]
    requests = consent_requests(policy)
    advance = st.tuples(
        st.just("advance"),
        st.one_of(st.integers(0, 3), st.integers(0, 120), st.integers(0, 4 * 365)),
        st.integers(0, 23),
    )
    collect = st.tuples(
        st.just("collect"),
        st.sampled_from(collectable_points(policy)),
        st.booleans(),
        st.one_of(st.none(), subject),
    )
    event = st.tuples(st.just("event"), subject, st.sampled_from(events))
    choices = [
        collect,
        event,
        event,
        st.tuples(st.just("hold"), st.one_of(subject, st.sampled_from(types or [0]))),
        st.tuples(st.just("release"), st.integers(0, 5)),
        advance,
        advance,
    ]
    if requests:
        choices.append(
            st.tuples(
                st.just("consent"),
                subject,
                st.integers(0, len(requests) - 1),
                st.sampled_from(ConsentAction),
            )
        )
    if types:
        record = st.tuples(
            st.just("record"), subject, st.sampled_from(types), st.integers(0, 30 * 24)
        )
        choices += [record, record]
    first = st.lists(collect.filter(lambda c: c[3] is None), min_size=1, max_size=3)
    rest = st.lists(st.one_of(choices), min_size=3, max_size=20)
    return st.builds(lambda a, b: [*a, *b], first, rest)


def runs() -> st.SearchStrategy[tuple[str, list[tuple[object, ...]]]]:
    return st.sampled_from(SWEPT_POLICIES).flatmap(
        lambda name: st.tuples(st.just(name), operations(name))
    )


Where = dict[tuple[str, TargetKind, str], str]  # (subject, kind, key) -> "live" | "separate"


class Simulation:
    """A vault driven by random operations, with the sweeper run every local midnight on
    which something has come due (the same as a daily run: the other days have nothing to
    do), the officer approving every batch in between."""

    def __init__(self, name: str) -> None:
        self.memory = memory_vault(name)
        self.vault = self.memory.vault
        self.ctx = self.vault.context
        self.policy = self.ctx.policy
        self.retention = Retention(self.ctx)
        self.subjects: list[str] = []
        self.holds: list[str] = []
        self.ever_held: set[str] = set()  # tasks a hold stopped at some point
        self.first_seen: dict[tuple[str, datetime], datetime] = {}  # (task, due) -> when
        self.cycles = 0
        for purpose in [*self.policy.purposes, STATUTORY_PURPOSE]:
            self.vault.grant(CLERK.id, purpose, ADMIN)

    @property
    def now(self) -> datetime:
        return self.memory.clock.now()

    # operations ---------------------------------------------------------------------------

    def run(self, operation: tuple[object, ...]) -> None:
        kind, *args = operation
        with suppress(PolicyVaultError):  # refused: the refusals are unit-tested
            getattr(self, f"do_{kind}")(*args)
        self.observe_tasks()

    def alive(self, index: object) -> str | None:
        if not self.subjects or not isinstance(index, int):
            return None
        subject_id = self.subjects[index % len(self.subjects)]
        subject = self.memory.store.raw_state().subjects.get(subject_id)
        return subject_id if subject is not None and subject.shredded_at is None else None

    def do_collect(self, point_key: str, optional: bool, again: int | None) -> None:
        point = self.policy.collection_points[point_key]
        keys = point.items if optional else point.required or point.items[:1]
        values = {k: sample_value(self.policy.items[k]) for k in keys}
        consents = [
            ConsentChoice(c.category, tuple(c.purposes))
            for c in point.consents
            if c.required or optional
        ]
        subject_id = self.alive(again) if again is not None else None
        if again is not None and subject_id is None:
            return
        collected = self.vault.collect(point_key, values, consents, WEB, APP, subject_id=subject_id)
        if subject_id is None:
            self.subjects.append(collected.subject_id)

    def do_event(self, index: int, name: str) -> None:
        if (subject_id := self.alive(index)) is not None:
            self.vault.record_event(subject_id, name, CLERK)

    def do_consent(self, index: int, request: int, action: ConsentAction) -> None:
        if (subject_id := self.alive(index)) is None:
            return
        category, purposes = consent_requests(self.policy)[request]
        change = (
            self.vault.give_consent
            if action is ConsentAction.given
            else self.vault.withdraw_consent
        )
        change(subject_id, category, list(purposes), WEB, APP)

    def do_record(self, index: int, record_type: str, hours_ago: int) -> None:
        if (subject_id := self.alive(index)) is not None:
            occurred = self.now - timedelta(hours=hours_ago)
            self.retention.add_record(subject_id, record_type, occurred, {"ref": "r-1"}, CLERK)

    def do_hold(self, target: int | str) -> None:
        reason = self.policy.legal_holds[0].reason if self.policy.legal_holds else "litigation"
        if isinstance(target, str):
            hold = self.retention.place_hold(
                OFFICER, reason=reason, reference="case-1", record_type=target
            )
        elif (subject_id := self.alive(target)) is not None:
            hold = self.retention.place_hold(
                OFFICER, reason=reason, reference="case-1", subject_id=subject_id
            )
        else:
            return
        self.holds.append(hold.id)

    def do_release(self, index: int) -> None:
        active = {h.id for h in self.retention.holds()}
        if self.holds and (hold_id := self.holds[index % len(self.holds)]) in active:
            self.retention.release_hold(hold_id, OFFICER)

    def do_advance(self, days: int, hours: int) -> None:
        target = self.now + timedelta(days=days, hours=hours)
        while (at := self.next_sweep()) is not None and at <= target:
            self.memory.clock.set(max(at, self.now))
            self.cycle()
        self.memory.clock.set(target)

    # the sweeper's day --------------------------------------------------------------------

    def next_sweep(self) -> datetime | None:
        """The first local midnight at or after the earliest end of open, unheld work."""
        ends = [
            t.deadline.end_at
            for t in self.memory.store.raw_state().tasks.values()
            if t.status in (TaskStatus.scheduled, TaskStatus.awaiting_approval, TaskStatus.approved)
            and not t.deadline.held
        ]
        if not ends:
            return None
        zone = ZoneInfo(self.policy.timezone)
        earliest = max(min(ends), self.now).astimezone(zone)
        midnight = datetime.combine(earliest.date(), time(0), tzinfo=zone)
        if midnight < earliest:
            midnight += timedelta(days=1)
        return midnight.astimezone(UTC)

    def cycle(self) -> None:
        self.cycles += 1
        assert self.cycles < 2000, "the sweeper never catches up"
        now = self.now
        before, types = self.where()
        plans = self.plans()
        holds = self.retention.holds()
        self.retention.sweep()
        batches = self.retention.queue()
        if batches:
            self.retention.approve([b.id for b in batches], OFFICER)
            self.retention.sweep()
        after, _ = self.where()
        self.observe_tasks()
        self.check_nothing_left_early(before, after, plans, now)
        self.check_holds_won(before, after, types, holds)
        self.check_everything_due_is_gone(now)
        self.check_statutory_reads(after)

    def where(self) -> tuple[Where, dict[str, str]]:
        live, separate = self.memory.store.raw_state(), self.memory.separate.raw_state()
        found: Where = {}
        types: dict[str, str] = {}
        for subject_id, key in separate.items:
            found[(subject_id, TargetKind.item, key)] = "separate"
        for subject_id, key in live.items:
            if key in self.policy.items:
                found[(subject_id, TargetKind.item, key)] = "live"  # live wins a half move
        for record in separate.records.values():
            found[(record.subject_id, TargetKind.record, record.id)] = "separate"
            types[record.id] = record.record_type
        for record in live.records.values():
            found[(record.subject_id, TargetKind.record, record.id)] = "live"
            types[record.id] = record.record_type
        return found, types

    def plans(self) -> dict[str, list[Deadline]]:
        found = {}
        for subject_id in self.subjects:
            if self.alive(self.subjects.index(subject_id)) is not None:
                with self.ctx.session() as session:
                    found[subject_id] = plan(self.ctx, session, subject_id)
        return found

    def observe_tasks(self) -> None:
        for task in self.memory.store.raw_state().tasks.values():
            self.first_seen.setdefault((task.id, task.deadline.due_at), self.now)
            if task.deadline.held:
                self.ever_held.add(task.id)

    # the promises -------------------------------------------------------------------------

    def check_nothing_left_early(
        self, before: Where, after: Where, plans: dict[str, list[Deadline]], now: datetime
    ) -> None:
        for (subject_id, kind, key), was in before.items():
            now_at = after.get((subject_id, kind, key))
            if now_at == was:
                continue
            planned = {d.action: d for d in plans.get(subject_id, []) if d.target == (kind, key)}
            if now_at is None:
                due = planned.get(Action.destroy) or planned.get(Action.anonymise)
                what = "destroyed"
            else:
                assert (was, now_at) == ("live", "separate"), f"{key} moved {was} -> {now_at}"
                due = planned.get(Action.archive)
                what = "moved to the separate store"
            assert due is not None, f"{kind.value} {key} {what} with no deadline for it"
            assert due.end_at <= now, f"{kind.value} {key} {what} before its end {due.end_at}"
            assert not due.held, f"{kind.value} {key} {what} under a hold"

    def check_holds_won(
        self, before: Where, after: Where, types: dict[str, str], holds: list[Hold]
    ) -> None:
        for hold in holds:
            for (subject_id, kind, key), was in before.items():
                covered = hold.subject_id == subject_id or (
                    kind is TargetKind.record and types.get(key) == hold.record_type
                )
                if covered:
                    assert after.get((subject_id, kind, key)) == was, f"held {key} touched"

    def check_everything_due_is_gone(self, now: datetime) -> None:
        for deadlines in self.plans().values():
            for deadline in deadlines:
                assert deadline.held or deadline.end_at > now, (
                    f"{deadline.target_key} ({deadline.action.value}, ended "
                    f"{deadline.end_at}) still there after the sweep at {now}"
                )
        for task in self.memory.store.raw_state().tasks.values():
            if (
                task.status is TaskStatus.done
                and task.deadline.action in DESTRUCTIVE
                and task.deadline.target_kind in DESTRUCTIVE_KINDS
                and task.id not in self.ever_held
                and task.deadline.due_at >= self.first_seen[(task.id, task.deadline.due_at)]
            ):
                assert task.done_at is not None and task.done_at <= task.deadline.due_at, (
                    f"{task.deadline.target_key} done {task.done_at}, due {task.deadline.due_at}"
                )

    def check_statutory_reads(self, after: Where) -> None:
        ordinary = sorted(self.policy.purposes)[0]
        for subject_id, kind, key in after:
            if self.alive(self.subjects.index(subject_id)) is None:
                continue
            if kind is TargetKind.record:
                with pytest.raises(AccessDenied):
                    self.retention.read_records(subject_id, ordinary, CLERK)
                opened = self.retention.read_records(subject_id, STATUTORY_PURPOSE, CLERK)
                assert key in {r.id for r in opened}
            elif after[(subject_id, kind, key)] == "separate":
                for purpose in self.policy.purposes:
                    read = self.vault.read(subject_id, [key], purpose, CLERK)
                    assert key not in read.values, f"archived {key} read for {purpose}"


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(runs())
def test_the_sweeper_destroys_on_time_and_never_early(
    run: tuple[str, list[tuple[object, ...]]],
) -> None:
    name, steps = run
    simulation = Simulation(name)
    for step in steps:
        simulation.run(step)
    simulation.run(("advance", 6 * 365, 0))  # long enough for every period of the seeds
