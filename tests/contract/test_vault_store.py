"""One contract for every vault store: memory, SQLite, PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine, event, select

from policyvault.domain.access import Grant
from policyvault.domain.audit import Actor, AuditEvent, Decision
from policyvault.domain.clock import SimulatedClock
from policyvault.domain.consent import ConsentAction, ConsentEvent, ConsentGiver
from policyvault.domain.errors import InvalidInput
from policyvault.domain.policy.data import ConsentCategory
from policyvault.domain.policy_versions import PolicyVersion
from policyvault.domain.vault import (
    Disclosure,
    ItemFreeze,
    LimitKind,
    ProcessingLimit,
    SealedItem,
    Subject,
    SubjectEvent,
)
from policyvault.services.audit import AuditLog
from policyvault.storage import vault_sql
from policyvault.storage.vault_sql import SqlVaultStore

if TYPE_CHECKING:  # the fixture's type; conftest is not importable as a package module
    from conftest import VaultBackend

T0 = datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC)
KST = timezone(timedelta(hours=9))


class Boom(Exception):
    pass


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def subject(subject_id: str = "subj-1", **changes: Any) -> Subject:
    fields: dict[str, Any] = {
        "id": subject_id,
        "created_at": T0,
        "jurisdictions": ("KR", "EU"),
        "key_id": "master-1",
    }
    fields.update(changes)
    return Subject(**fields)


def item(item_key: str, subject_id: str = "subj-1", **changes: Any) -> SealedItem:
    fields: dict[str, Any] = {
        "subject_id": subject_id,
        "item_key": item_key,
        "sealed": b"\x00sealed:" + item_key.encode() + b"\xff\xfe",
        "point": "signup",
        "collected_at": T0,
        "updated_at": at(1),
    }
    fields.update(changes)
    return SealedItem(**fields)


def consent(subject_id: str = "subj-1", **changes: Any) -> ConsentEvent:
    fields: dict[str, Any] = {
        "subject_id": subject_id,
        "category": ConsentCategory.marketing,
        "purposes": ("marketing.email", "marketing.sms"),
        "action": ConsentAction.given,
        "at": T0,
        "policy_version": "2026-03-01",
        "notice_hash": "sha256:" + "ab" * 32,
        "channel": "web",
    }
    fields.update(changes)
    return ConsentEvent(**fields)


def audit_event(subject_id: str = "subj-1") -> AuditEvent:
    return AuditEvent(
        actor=Actor(id="signup-service-1", role="service"),
        action="collect",
        decision=Decision.allow("purpose", "collected at signup"),
        subject_id=subject_id,
    )


def audit_count(backend: VaultBackend) -> int:
    with backend.audit_store.reading() as reader:
        return reader.count()


# --- subjects and their keys ---------------------------------------------------------------------


def test_subjects_round_trip_with_their_keys(vault_backend: VaultBackend) -> None:
    full = subject(
        "subj-2",
        needs_guardian=True,
        guardian_consent_at=at(5),
        created_at=at(-60),
        jurisdictions=("KR",),
    )
    with vault_backend.store.session() as s:
        s.add_subject(subject(), b"wrapped-1")
        s.add_subject(full, b"wrapped-2")
        assert s.subject("subj-1") == subject()  # visible inside its own transaction
    with vault_backend.store.session() as s:
        assert s.subject("subj-1") == subject()
        assert s.subject("subj-2") == full
        assert s.subject("nobody") is None
        assert s.wrapped_key("subj-1") == b"wrapped-1"
        assert s.wrapped_key("subj-2") == b"wrapped-2"
        assert s.wrapped_key("nobody") is None


def test_a_subject_id_is_added_once(vault_backend: VaultBackend) -> None:
    with vault_backend.store.session() as s:
        s.add_subject(subject(), b"wrapped-1")
    with pytest.raises(ValueError, match="already exists"), vault_backend.store.session() as s:
        s.add_subject(subject(key_id="other"), b"wrapped-2")
    with vault_backend.store.session() as s:
        assert s.subject("subj-1") == subject()
        assert s.wrapped_key("subj-1") == b"wrapped-1"


def test_update_subject_keeps_the_wrapped_key(vault_backend: VaultBackend) -> None:
    changed = subject(needs_guardian=True, guardian_consent_at=at(3), jurisdictions=("EU",))
    with vault_backend.store.session() as s:
        s.add_subject(subject(), b"wrapped-1")
    with vault_backend.store.session() as s:
        s.update_subject(changed)
    with vault_backend.store.session() as s:
        assert s.subject("subj-1") == changed
        assert s.wrapped_key("subj-1") == b"wrapped-1"


def test_replace_wrapped_key_changes_key_and_key_id(vault_backend: VaultBackend) -> None:
    with vault_backend.store.session() as s:
        s.add_subject(subject(), b"wrapped-1")
        s.replace_wrapped_key("subj-1", b"wrapped-by-master-2", "master-2")
    with vault_backend.store.session() as s:
        assert s.wrapped_key("subj-1") == b"wrapped-by-master-2"
        assert s.subject("subj-1") == subject(key_id="master-2")


def test_destroy_key_forgets_the_key_and_marks_the_subject(vault_backend: VaultBackend) -> None:
    with vault_backend.store.session() as s:
        s.add_subject(subject(), b"wrapped-1")
        s.add_subject(subject("subj-2"), b"wrapped-2")
    with vault_backend.store.session() as s:
        s.destroy_key("subj-1", at(10))
    with vault_backend.store.session() as s:
        assert s.wrapped_key("subj-1") is None
        assert s.subject("subj-1") == subject(shredded_at=at(10))
        assert s.wrapped_key("subj-2") == b"wrapped-2"  # only that subject's
        assert s.subject_ids() == ["subj-1", "subj-2"]  # the subject row stays


def test_key_operations_on_an_unknown_subject_fail(vault_backend: VaultBackend) -> None:
    for operation in (
        lambda s: s.replace_wrapped_key("nobody", b"k", "master-2"),
        lambda s: s.destroy_key("nobody", at(1)),
        lambda s: s.lift_limit("no-limit", at(1)),
    ):
        with pytest.raises(LookupError), vault_backend.store.session() as s:
            operation(s)


def test_subject_ids_come_in_id_order_a_page_at_a_time(vault_backend: VaultBackend) -> None:
    ids = [f"subj-{n:02d}" for n in (7, 3, 11, 1, 9, 5, 2)] + ["Subj-upper", "subj_under"]
    with vault_backend.store.session() as s:
        for subject_id in ids:
            s.add_subject(subject(subject_id), b"k")
    pages: list[list[str]] = []
    after: str | None = None
    with vault_backend.store.session() as s:
        while page := s.subject_ids(after=after, limit=3):
            pages.append(page)
            after = page[-1]
        assert s.subject_ids(limit=0) == []
        assert s.subject_ids(after="subj-99") == ["subj_under"]
    assert [len(p) for p in pages] == [3, 3, 3]
    assert [i for page in pages for i in page] == sorted(ids)  # Python's (code point) order


# --- items ---------------------------------------------------------------------------------------


def test_items_round_trip_in_key_order(vault_backend: VaultBackend) -> None:
    stored = [
        item("user.name"),
        item("user.contact.email", media_type="text/plain"),
        item("user.password", hashed=True),
        item("user.financial.account", archived=True, collected_at=at(-600)),
    ]
    with vault_backend.store.session() as s:
        for one in stored:
            s.put_item(one)
        s.put_item(item("user.name", subject_id="subj-2"))
    with vault_backend.store.session() as s:
        assert s.items("subj-1") == sorted(stored, key=lambda i: i.item_key)
        assert s.items("subj-1", ["user.password", "user.name", "user.unknown"]) == [
            stored[0],
            stored[2],
        ]
        assert s.items("subj-1", []) == []
        assert s.items("nobody") == []
        assert s.items("subj-2") == [item("user.name", subject_id="subj-2")]


def test_put_item_replaces_the_item_of_that_key(vault_backend: VaultBackend) -> None:
    replaced = item(
        "user.name",
        sealed=b"new ciphertext",
        point="profile",
        updated_at=at(30),
        archived=True,
        media_type="text/plain",
    )
    with vault_backend.store.session() as s:
        s.put_item(item("user.name"))
        s.put_item(item("user.contact.email"))
    with vault_backend.store.session() as s:
        s.put_item(replaced)
    with vault_backend.store.session() as s:
        assert s.items("subj-1") == [item("user.contact.email"), replaced]


def test_delete_items_counts_what_it_deleted(vault_backend: VaultBackend) -> None:
    with vault_backend.store.session() as s:
        for key in ("a", "b", "c"):
            s.put_item(item(key))
        s.put_item(item("a", subject_id="subj-2"))
    with vault_backend.store.session() as s:
        assert s.delete_items("subj-1", ["a", "c", "missing"]) == 2
        assert s.delete_items("subj-1", []) == 0
        assert s.delete_items("subj-1", ["a"]) == 0
    with vault_backend.store.session() as s:
        assert [i.item_key for i in s.items("subj-1")] == ["b"]
        assert [i.item_key for i in s.items("subj-2")] == ["a"]


# --- the blind index -----------------------------------------------------------------------------


def test_find_subjects_by_kind_and_digest(vault_backend: VaultBackend) -> None:
    with vault_backend.store.session() as s:
        s.add_lookup("subj-2", "email", "d1")
        s.add_lookup("subj-1", "email", "d1")
        s.add_lookup("subj-1", "email", "d1")  # again: no error, no duplicate
        s.add_lookup("subj-1", "phone", "d1")
        s.add_lookup("subj-3", "email", "d2")
    with vault_backend.store.session() as s:
        assert s.find_subjects("email", "d1") == ["subj-1", "subj-2"]
        assert s.find_subjects("phone", "d1") == ["subj-1"]
        assert s.find_subjects("phone", "d2") == []


def test_delete_lookups_of_one_kind_or_all(vault_backend: VaultBackend) -> None:
    with vault_backend.store.session() as s:
        for subject_id in ("subj-1", "subj-2"):
            s.add_lookup(subject_id, "email", "e")
            s.add_lookup(subject_id, "phone", "p")
    with vault_backend.store.session() as s:
        s.delete_lookups("subj-1", "email")
    with vault_backend.store.session() as s:
        assert s.find_subjects("email", "e") == ["subj-2"]
        assert s.find_subjects("phone", "p") == ["subj-1", "subj-2"]
        s.delete_lookups("subj-2")
    with vault_backend.store.session() as s:
        assert s.find_subjects("email", "e") == []
        assert s.find_subjects("phone", "p") == ["subj-1"]


# --- consents and subject events -----------------------------------------------------------------


def test_consents_round_trip_in_the_order_recorded(vault_backend: VaultBackend) -> None:
    given = consent(evidence=(("form", "signup-v3"), ("ip", "192.0.2.1")))
    withdrawn = consent(action=ConsentAction.withdrawn, at=at(-5), purposes=("marketing.email",))
    by_guardian = consent(
        category=ConsentCategory.collection_use,
        given_by=ConsentGiver.guardian,
        channel="app",
        at=at(7),
    )
    with vault_backend.store.session() as s:
        s.add_consent(given, b"sealed evidence")
        s.add_consent(consent("subj-2"), None)
        s.add_consent(withdrawn, None)
        s.add_consent(by_guardian, b"")
    with vault_backend.store.session() as s:
        assert s.consents("subj-1") == [given, withdrawn, by_guardian]
        assert s.consents("subj-2") == [consent("subj-2")]
        assert s.consents("nobody") == []


def test_subject_events_round_trip_in_the_order_recorded(vault_backend: VaultBackend) -> None:
    events = [
        SubjectEvent("subj-1", "collected", at(0), "signup-service-1"),
        SubjectEvent("subj-1", "account_closed", at(-1), "admin-1"),
        SubjectEvent("subj-1", "collected", at(0), "signup-service-1"),
    ]
    with vault_backend.store.session() as s:
        for one in events:
            s.add_event(one)
        s.add_event(SubjectEvent("subj-2", "collected", at(2), "app"))
    with vault_backend.store.session() as s:
        assert s.events("subj-1") == events
        assert s.events("subj-2") == [SubjectEvent("subj-2", "collected", at(2), "app")]


# --- restrictions, objections, freezes -----------------------------------------------------------


def test_limits_are_added_lifted_and_listed(vault_backend: VaultBackend) -> None:
    restriction = ProcessingLimit("lim-b", "subj-1", LimitKind.restriction, at(0))
    objection = ProcessingLimit(
        "lim-a", "subj-1", LimitKind.objection, at(1), purpose="analytics.product"
    )
    other = ProcessingLimit("lim-c", "subj-2", LimitKind.marketing_objection, at(2))
    with vault_backend.store.session() as s:
        for one in (restriction, objection, other):
            s.add_limit(one)
    with vault_backend.store.session() as s:
        s.lift_limit("lim-b", at(20))
        s.add_limit(ProcessingLimit("lim-a", "subj-1", LimitKind.objection, at(3)))  # replaces
    with vault_backend.store.session() as s:
        assert s.limits("subj-1") == [
            ProcessingLimit("lim-b", "subj-1", LimitKind.restriction, at(0), lifted_at=at(20)),
            ProcessingLimit("lim-a", "subj-1", LimitKind.objection, at(3)),
        ]
        assert s.limits("subj-2") == [other]


def test_release_freezes_releases_only_that_requests_open_freezes(
    vault_backend: VaultBackend,
) -> None:
    earlier = ItemFreeze("subj-1", "user.name", "req-1", at(0), released_at=at(1))
    with vault_backend.store.session() as s:
        s.add_freeze(earlier)
        s.add_freeze(ItemFreeze("subj-1", "user.name", "req-1", at(2)))
        s.add_freeze(ItemFreeze("subj-1", "user.contact.email", "req-1", at(2)))
        s.add_freeze(ItemFreeze("subj-1", "user.name", "req-2", at(3)))
        s.add_freeze(ItemFreeze("subj-2", "user.name", "req-1", at(4)))
    with vault_backend.store.session() as s:
        s.release_freezes("subj-1", "req-1", at(10))
    with vault_backend.store.session() as s:
        assert s.freezes("subj-1") == [
            earlier,
            ItemFreeze("subj-1", "user.name", "req-1", at(2), released_at=at(10)),
            ItemFreeze("subj-1", "user.contact.email", "req-1", at(2), released_at=at(10)),
            ItemFreeze("subj-1", "user.name", "req-2", at(3)),
        ]
        assert s.freezes("subj-2") == [ItemFreeze("subj-2", "user.name", "req-1", at(4))]


# --- grants and disclosures ----------------------------------------------------------------------


def test_grants_round_trip_and_filter_by_actor(vault_backend: VaultBackend) -> None:
    g1 = Grant("clerk-1", "customer_support", at(0), expires_at=at(600), id="g-2")
    g2 = Grant("clerk-2", "customer_support", at(1), id="g-1")
    g3 = Grant("clerk-1", "billing", at(2), revoked_at=at(3), id="g-3")
    with vault_backend.store.session() as s:
        for grant in (g1, g2, g3):
            s.add_grant(grant)
    with vault_backend.store.session() as s:
        assert s.grants() == [g1, g2, g3]
        assert s.grants("clerk-1") == [g1, g3]
        assert s.grants("nobody") == []


def test_revoke_grant_is_true_once(vault_backend: VaultBackend) -> None:
    grant = Grant("clerk-1", "customer_support", at(0), id="g-1")
    with vault_backend.store.session() as s:
        s.add_grant(grant)
    with vault_backend.store.session() as s:
        assert s.revoke_grant("g-1", at(5)) is True
    with vault_backend.store.session() as s:
        assert s.revoke_grant("g-1", at(6)) is False
        assert s.revoke_grant("no-such-grant", at(6)) is False
        assert s.grants() == [
            Grant("clerk-1", "customer_support", at(0), revoked_at=at(5), id="g-1")
        ]


def test_disclosures_round_trip(vault_backend: VaultBackend) -> None:
    first = Disclosure(
        "d-2", "subj-1", "courier-co", "delivery", ("user.name", "user.address"), at(0), "app"
    )
    second = Disclosure(
        "d-1",
        "subj-1",
        "tax-office",
        "legal.statutory_retention",
        ("user.financial.account",),
        at(1),
        "clerk-1",
        legal_reference="Framework Act on National Taxes Art 85-3",
    )
    with vault_backend.store.session() as s:
        s.add_disclosure(first)
        s.add_disclosure(Disclosure("d-3", "subj-2", "courier-co", "delivery", (), at(2), "app"))
        s.add_disclosure(second)
    with vault_backend.store.session() as s:
        assert s.disclosures("subj-1") == [first, second]
        assert s.disclosures("subj-2") == [
            Disclosure("d-3", "subj-2", "courier-co", "delivery", (), at(2), "app")
        ]


# --- policy versions -----------------------------------------------------------------------------

POLICY_TEXT = "# 개인정보 처리방침\nschema: policyvault/v1\nid: example-1\n"


def policy_version(number: int, **changes: Any) -> PolicyVersion:
    fields: dict[str, Any] = {
        "number": number,
        "label": f"2026-0{number}-01",
        "sha256": f"{number:02x}" * 32,
        "announced_at": at(number * 60),
        "effective_at": at(number * 600),
        "reconsent_purposes": ("product.inquiry", "marketing.email") if number > 1 else (),
    }
    fields.update(changes)
    return PolicyVersion(**fields)


def test_policy_versions_round_trip_in_number_order(vault_backend: VaultBackend) -> None:
    first = policy_version(1, activated_at=at(0), effective_at=at(0))
    second, third = (
        policy_version(2),
        policy_version(3, announced_at=datetime(2026, 3, 2, tzinfo=KST)),
    )
    with vault_backend.store.session() as s:
        s.add_policy_version(third, "third")
        s.add_policy_version(first, POLICY_TEXT)
        s.add_policy_version(second, "second\r\n")
        assert [v.number for v in s.policy_versions()] == [1, 2, 3]
    with vault_backend.store.session() as s:
        assert s.policy_versions() == [first, second, third]
        assert s.policy_text(1) == POLICY_TEXT
        assert s.policy_text(2) == "second\r\n"
        assert s.policy_text(4) is None


def test_a_policy_version_number_is_added_once(vault_backend: VaultBackend) -> None:
    with vault_backend.store.session() as s:
        s.add_policy_version(policy_version(1), "one")
    with pytest.raises(ValueError, match="already exists"), vault_backend.store.session() as s:
        s.add_policy_version(policy_version(1, label="other"), "other")
    with vault_backend.store.session() as s:
        assert s.policy_versions() == [policy_version(1)]
        assert s.policy_text(1) == "one"


def test_activating_a_policy_version_is_true_once(vault_backend: VaultBackend) -> None:
    with vault_backend.store.session() as s:
        s.add_policy_version(policy_version(1), "one")
        s.add_policy_version(policy_version(2), "two")
    with vault_backend.store.session() as s:
        assert s.activate_policy_version(2, at(700)) is True
        assert s.activate_policy_version(2, at(800)) is False
        assert s.activate_policy_version(9, at(800)) is False
    with vault_backend.store.session() as s:
        assert s.policy_versions() == [policy_version(1), policy_version(2, activated_at=at(700))]
        assert s.policy_text(2) == "two"


def test_policy_versions_roll_back_with_their_session(vault_backend: VaultBackend) -> None:
    with vault_backend.store.session() as s:
        s.add_policy_version(policy_version(1), "one")
    with pytest.raises(Boom), vault_backend.store.session() as s:
        s.add_policy_version(policy_version(2), "two")
        s.activate_policy_version(1, at(5))
        raise Boom
    with vault_backend.store.session() as s:
        assert s.policy_versions() == [policy_version(1)]


# --- sessions ------------------------------------------------------------------------------------


def test_a_session_that_raises_leaves_nothing(vault_backend: VaultBackend) -> None:
    log = AuditLog(vault_backend.audit_store, SimulatedClock(T0))
    with pytest.raises(Boom), vault_backend.store.session() as s:
        s.add_subject(subject(), b"wrapped-1")
        s.put_item(item("user.name"))
        s.add_lookup("subj-1", "email", "d1")
        s.add_consent(consent(), b"evidence")
        s.add_event(SubjectEvent("subj-1", "collected", T0, "app"))
        s.add_grant(Grant("clerk-1", "customer_support", T0, id="g-1"))
        log.record(audit_event(), connection=s.audit_connection)
        raise Boom
    with vault_backend.store.session() as s:
        assert s.subject("subj-1") is None
        assert s.subject_ids() == []
        assert s.items("subj-1") == []
        assert s.find_subjects("email", "d1") == []
        assert s.consents("subj-1") == []
        assert s.events("subj-1") == []
        assert s.grants() == []
    assert audit_count(vault_backend) == 0


def test_a_session_commits_the_vault_and_the_audit_entry_together(
    vault_backend: VaultBackend,
) -> None:
    log = AuditLog(vault_backend.audit_store, SimulatedClock(T0))
    with vault_backend.store.session() as s:
        s.add_subject(subject(), b"wrapped-1")
        s.put_item(item("user.name"))
        recorded = log.record(audit_event(), connection=s.audit_connection)
    with vault_backend.store.session() as s:
        assert s.subject("subj-1") == subject()
        assert s.items("subj-1") == [item("user.name")]
    assert audit_count(vault_backend) == 1
    with vault_backend.audit_store.reading() as reader:
        assert reader.record(1) == recorded
    # a later failed session rolls back only its own writes
    with pytest.raises(Boom), vault_backend.store.session() as s:
        s.delete_items("subj-1", ["user.name"])
        s.destroy_key("subj-1", at(1))
        log.record(audit_event(), connection=s.audit_connection)
        raise Boom
    with vault_backend.store.session() as s:
        assert s.items("subj-1") == [item("user.name")]
        assert s.wrapped_key("subj-1") == b"wrapped-1"
    assert audit_count(vault_backend) == 1


# --- time ----------------------------------------------------------------------------------------


def test_times_come_back_aware_utc_and_equal(vault_backend: VaultBackend) -> None:
    local = datetime(2026, 3, 2, 18, 30, 15, 999999, tzinfo=KST)
    far = datetime(2099, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    old = datetime(1969, 7, 20, 20, 17, 40, 1, tzinfo=UTC)
    with vault_backend.store.session() as s:
        s.add_subject(subject(created_at=local, guardian_consent_at=far), b"k")
        s.put_item(item("user.name", collected_at=old, updated_at=local))
        s.add_grant(Grant("clerk-1", "support", local, expires_at=far, id="g-1"))
    with vault_backend.store.session() as s:
        found = s.subject("subj-1")
        [stored] = s.items("subj-1")
        [grant] = s.grants()
    assert found is not None
    times = [
        (found.created_at, local),
        (found.guardian_consent_at, far),
        (stored.collected_at, old),
        (stored.updated_at, local),
        (grant.granted_at, local),
        (grant.expires_at, far),
    ]
    for got, sent in times:
        assert got == sent
        assert got is not None and got.utcoffset() is not None
        if vault_backend.name != "memory":  # the memory store hands back the very object
            assert got.tzinfo is UTC


# --- the SQL stores only -------------------------------------------------------------------------


POSTGRES = pytest.param("postgres", marks=pytest.mark.postgres)
on_sql = pytest.mark.parametrize("vault_backend", ["sqlite", POSTGRES], indirect=True)
on_sqlite = pytest.mark.parametrize("vault_backend", ["sqlite"], indirect=True)
on_postgres = pytest.mark.parametrize("vault_backend", [POSTGRES], indirect=True)


def sql(backend: VaultBackend) -> tuple[SqlVaultStore, Engine]:
    assert isinstance(backend.store, SqlVaultStore) and backend.engine is not None
    return backend.store, backend.engine


@on_sql
def test_sql_stores_write_exactly_the_bytes_given(vault_backend: VaultBackend) -> None:
    store, engine = sql(vault_backend)
    sealed = bytes(range(256)) + b"user@example.com"  # every byte value, NULs and non-UTF-8
    evidence = b"\x00\x80\xffevidence"
    with store.session() as s:
        s.add_subject(subject(), b"\x00wrapped\xff")
        s.put_item(item("user.contact.email", sealed=sealed))
        s.add_consent(consent(), evidence)
    with engine.connect() as conn:
        stored_item = conn.execute(select(vault_sql.items.c.sealed)).scalar_one()
        stored_key = conn.execute(select(vault_sql.subjects.c.wrapped_key)).scalar_one()
        stored_evidence = conn.execute(select(vault_sql.consents.c.sealed_evidence)).scalar_one()
    assert (type(stored_item), stored_item) == (bytes, sealed)
    assert stored_key == b"\x00wrapped\xff"
    assert stored_evidence == evidence


@on_sql
def test_sql_stores_refuse_naive_times(vault_backend: VaultBackend) -> None:
    store, _ = sql(vault_backend)
    naive = datetime(2026, 3, 2, 9, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(InvalidInput, match="timezone-aware"), store.session() as s:
        s.put_item(item("user.name", collected_at=naive))


@on_sql
def test_sql_stores_keep_the_consent_ledger_append_only(vault_backend: VaultBackend) -> None:
    store, _ = sql(vault_backend)
    with store.session() as s:
        names = {n for n in dir(s) if not n.startswith("_")}
    reads = {"consents", "consents_of"}  # the one subject's, several subjects' at once
    assert not {n for n in names if "consent" in n} - {"add_consent", *reads}


@on_sql
def test_sql_stores_keep_policy_versions_immutable(vault_backend: VaultBackend) -> None:
    store, _ = sql(vault_backend)
    with store.session() as s:
        names = {n for n in dir(s) if not n.startswith("_")}
    assert {n for n in names if "policy" in n} == {
        "add_policy_version",
        "policy_versions",
        "policy_text",
        "activate_policy_version",
    }


@contextmanager
def captured(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        statements.append((statement, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", capture)


@on_sqlite
def test_sqlite_queries_by_subject_run_on_indexes(vault_backend: VaultBackend) -> None:
    store, engine = sql(vault_backend)
    with store.session() as s:
        s.add_subject(subject(), b"k")
    with captured(engine) as statements, store.session() as s:
        s.subject("subj-1")
        s.wrapped_key("subj-1")
        s.subject_ids(after="subj-0", limit=10)
        s.update_subject(subject())
        s.items("subj-1")
        s.items("subj-1", ["user.name"])
        s.delete_items("subj-1", ["user.name"])
        s.find_subjects("email", "d1")
        s.delete_lookups("subj-1", "email")
        s.delete_lookups("subj-1")
        s.consents("subj-1")
        s.events("subj-1")
        s.limits("subj-1")
        s.freezes("subj-1")
        s.release_freezes("subj-1", "req-1", T0)
        s.grants("clerk-1")
        s.revoke_grant("g-1", T0)
        s.disclosures("subj-1")
    queries = [(q, p) for q, p in statements if q.lstrip().split()[0] != "BEGIN"]
    assert len(queries) == 18
    with engine.connect() as conn:
        for query, params in queries:
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}", params).all()
            details = [str(row[-1]) for row in plan]
            scans = [d for d in details if d.startswith("SCAN") and "USING" not in d]
            assert not scans, (query, details)
            assert not [d for d in details if "TEMP B-TREE" in d], (query, details)
            if ".subject_id = ?" in query:
                assert any("(subject_id=" in d for d in details), (query, details)


@on_postgres
def test_postgres_orders_ids_by_code_point_whatever_the_collation(
    vault_backend: VaultBackend,
) -> None:
    store, _ = sql(vault_backend)  # the id columns' collation is C (test_migrations)
    with store.session() as s:
        for subject_id in ("b", "B", "a-c", "ab", "_x"):
            s.add_subject(subject(subject_id), b"k")
        assert s.subject_ids() == sorted(["b", "B", "a-c", "ab", "_x"])
