"""Master-key rotation over the vault's records: every subject's data key re-wrapped under a
new master key, a page of subjects at a time, each page in its own transaction with its own
audit entry (counts and public key ids, never key material). No value is read, opened or
sealed again: the data keys themselves do not change, only what wraps them.

Online and idempotent: ``ctx.keys`` (a :class:`~policyvault.crypto.keys.KeyRing` holding the
old and the new master key) unwraps each data key with the key its row names, and a row already
wrapped by the target is left as it is. A rotation that was killed is simply run again, and
meanwhile every row opens with one key or the other. The key files (staging the new key,
retiring the old one, the blind-index key) are the bootstrap's part of a rotation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from policyvault.crypto.envelope import DecryptionFailed, rewrap
from policyvault.crypto.keys import KeyProvider, WrappedKey
from policyvault.domain.audit import Actor, Decision
from policyvault.domain.errors import InvalidInput, NotFound
from policyvault.services.ports import VaultSession
from policyvault.services.vault.context import VaultContext

__all__ = ["RewrapReport", "count_subjects", "rewrap_data_keys"]

DEFAULT_BATCH_SIZE = 500


@dataclass(frozen=True)
class RewrapReport:
    key_id: str  # the master key the run re-wrapped to
    subjects: int  # subjects visited
    rewrapped: int  # data keys this run re-wrapped
    shredded: int  # subjects without a data key (crypto-shredded)
    unreadable: int  # data keys no loaded master key unwraps: left as they were
    batches: int
    complete: bool  # every subject was visited (False when stopped by ``max_batches``)


@dataclass
class _Batch:
    rewrapped: int = 0
    shredded: int = 0
    unreadable: int = 0


def count_subjects(ctx: VaultContext, page: int = 10_000) -> int:
    """How many subjects the vault holds (shredded ones included), for a progress bar."""
    total, after = 0, None
    while True:
        with ctx.store.session() as session:
            ids = session.subject_ids(after, page)
        total += len(ids)
        if len(ids) < page:
            return total
        after = ids[-1]


def rewrap_data_keys(
    ctx: VaultContext,
    target: KeyProvider,
    actor: Actor,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_batches: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> RewrapReport:
    """Re-wrap every data key not yet wrapped by ``target``; ``progress(visited)`` after each
    batch. Subjects shredded earlier are visited too: what is left of their keys in the
    shredding-key store (a shredding interrupted after its commit) is destroyed."""
    if batch_size < 1:
        raise InvalidInput("the batch size must be at least 1")
    after: str | None = None
    visited = batches = 0
    totals = _Batch()
    while max_batches is None or batches < max_batches:
        with ctx.store.session() as session:
            ids = session.subject_ids(after, batch_size)
            if not ids:
                break
            batch, shredded = _rewrap_batch(ctx, session, ids, target)
            ctx.record(
                session,
                actor,
                "keys.rewrap",
                Decision.allow(
                    "key_rotation",
                    # key ids go in the details: an id's digit run could look like a
                    # phone number to the audit log's guard on free text
                    f"{batch.rewrapped} of {len(ids)} data keys re-wrapped",
                ),
                details={
                    "key_id": target.key_id,
                    "subjects": len(ids),
                    "rewrapped": batch.rewrapped,
                    "shredded": batch.shredded,
                    "unreadable": batch.unreadable,
                },
            )
        for subject_id in shredded:  # after the commit: the rows say they are shredded
            ctx.shredding_keys.destroy(subject_id)
        batches += 1
        visited += len(ids)
        totals.rewrapped += batch.rewrapped
        totals.shredded += batch.shredded
        totals.unreadable += batch.unreadable
        after = ids[-1]
        if progress is not None:
            progress(visited)
        if len(ids) < batch_size:
            break
    else:
        # stopped by max_batches: complete only if nothing is left after the last page
        with ctx.store.session() as session:
            left = bool(session.subject_ids(after, 1))
        return _report(target, visited, totals, batches, complete=not left)
    return _report(target, visited, totals, batches, complete=True)


def _rewrap_batch(
    ctx: VaultContext, session: VaultSession, ids: list[str], target: KeyProvider
) -> tuple[_Batch, list[str]]:
    batch = _Batch()
    shredded: list[str] = []
    for subject_id in ids:
        subject = session.subject(subject_id)
        wrapped = session.wrapped_key(subject_id)
        if subject is None or wrapped is None:
            batch.shredded += 1
            shredded.append(subject_id)
            continue
        if subject.key_id == target.key_id:
            continue
        try:
            fresh = rewrap(WrappedKey(subject.key_id, wrapped), ctx.keys, target, subject_id)
        except DecryptionFailed:
            batch.unreadable += 1
            continue
        try:
            session.replace_wrapped_key(subject_id, fresh.ciphertext, fresh.key_id)
        except NotFound:  # shredded by another process since it was read
            batch.shredded += 1
            shredded.append(subject_id)
            continue
        batch.rewrapped += 1
    return batch, shredded


def _report(
    target: KeyProvider, visited: int, totals: _Batch, batches: int, *, complete: bool
) -> RewrapReport:
    return RewrapReport(
        key_id=target.key_id,
        subjects=visited,
        rewrapped=totals.rewrapped,
        shredded=totals.shredded,
        unreadable=totals.unreadable,
        batches=batches,
        complete=complete,
    )
