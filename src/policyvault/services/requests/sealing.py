"""Sealing what a request or a message carries that is personal, under a key of its own.

A request outlives its subject's keys (a deletion shreds them; the request record is kept 24
months, CCPA 11 CCR §7101), so it cannot be sealed with the subject's key. Each request and
each outbox message gets a fresh data key, wrapped by the master key under a name of its own
(``request:<id>``, ``message:<id>``): AES-GCM envelope encryption, the same as subjects'.
Forgetting the sealed text (a sent message, a pruned request) forgets the personal part.
"""

from __future__ import annotations

import json
from typing import Any

from policyvault.crypto.envelope import open_sealed, seal
from policyvault.crypto.hazmat import generate_key
from policyvault.crypto.keys import WrappedKey
from policyvault.services.vault.context import VaultContext

_PART = "private"


def seal_payload(ctx: VaultContext, owner: str, payload: dict[str, Any]) -> tuple[bytes, bytes]:
    """(wrapped key, sealed JSON) for ``owner`` (``request:<id>``, ``message:<id>``)."""
    key = generate_key(ctx.randbytes)
    wrapped = ctx.keys.wrap_secret(key, owner)
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    return _pack(wrapped), seal(key, owner, _PART, data, randbytes=ctx.randbytes)


def reseal_payload(ctx: VaultContext, owner: str, wrapped: bytes, payload: dict[str, Any]) -> bytes:
    """The payload sealed again under the owner's existing key (a changed request)."""
    key = ctx.keys.unwrap_secret(_unpack(wrapped), owner)
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    return seal(key, owner, _PART, data, randbytes=ctx.randbytes)


def open_payload(ctx: VaultContext, owner: str, wrapped: bytes, sealed: bytes) -> dict[str, Any]:
    key = ctx.keys.unwrap_secret(_unpack(wrapped), owner)
    payload: dict[str, Any] = json.loads(open_sealed(key, owner, _PART, sealed))
    return payload


def _pack(wrapped: WrappedKey) -> bytes:
    # key ids are short ASCII (a hash prefix); a NUL cannot occur in them
    return wrapped.key_id.encode() + b"\0" + wrapped.ciphertext


def _unpack(data: bytes) -> WrappedKey:
    key_id, _, ciphertext = data.partition(b"\0")
    return WrappedKey(key_id.decode(), ciphertext)
