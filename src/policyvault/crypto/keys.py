"""Master keys and the key-provider port.

Envelope encryption: each subject has its own random data key, which (with the subject's
shredding key, :mod:`policyvault.crypto.shredding`) seals that subject's items
(:mod:`policyvault.crypto.envelope`). Data keys are stored only *wrapped* (encrypted) by a
master key that is held by a :class:`KeyProvider`. The vault never stores a master key in its
database; it holds one in memory, from a key file, the environment or a KMS
(:mod:`policyvault.crypto.key_files`).

- :class:`KeyProvider` is the port: wrap and unwrap a subject's data key, and wrap and unwrap
  a named vault secret (the blind-index key). :class:`LocalKeyProvider` is the adapter for a
  master key held locally; a KMS adapter implements the same five members and the vault does
  not notice. :class:`KeyRing` is a provider over several master keys at once, for rotation.
- Rotating the master key re-wraps every data key (:func:`policyvault.crypto.envelope.rewrap`)
  and the blind-index key, and leaves the data ciphertexts and the blind indexes alone. Each
  :class:`WrappedKey` names the master key that wrapped it (``key_id``), so a rotation that
  stopped half-way can be resumed, and a :class:`KeyRing` unwraps each record with its own key.

Wrapped formats (``WrappedKey.ciphertext``; ``kwk`` is the key-wrapping sub-key of the master
key, HKDF-SHA256 with ``info = b"policyvault/v1/master/key-wrapping"``)::

    0x01 || nonce (12 bytes) || AES-256-GCM(kwk, nonce, key, ad)   # 1 + 12 + 32 + 16 bytes
    data key:     ad = lp(b"policyvault/wrapped-key", b"\\x01", key_id, subject_id)
    vault secret: ad = lp(b"policyvault/wrapped-secret", b"\\x01", key_id, name)

with ``lp`` as in :func:`policyvault.crypto.hazmat.length_prefixed`. Binding ``subject_id``
means that a wrapped key copied onto another subject's row does not unwrap there; binding
``key_id`` means that the record cannot be relabelled as wrapped by another key; the two labels
keep data keys and vault secrets apart, so neither can be passed off as the other (whatever
names and subject ids are chosen).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, Protocol, runtime_checkable

from policyvault.crypto.hazmat import (
    KEY_SIZE,
    NONCE_SIZE,
    SECRET_KEY_ACCESS,
    DecryptionFailed,
    RandBytes,
    SecretKey,
    aes_gcm_decrypt,
    aes_gcm_encrypt,
    derive_id,
    derive_key,
    draw,
    encode_text,
    length_prefixed,
)

__all__ = ["KeyProvider", "KeyRing", "LocalKeyProvider", "WrappedKey"]

_WRAP_VERSION: Final = b"\x01"
_WRAP_LABEL: Final = b"policyvault/wrapped-key"
_SECRET_LABEL: Final = b"policyvault/wrapped-secret"

# HKDF `info` labels, one per use of the master key. Each use gets its own sub-key, and knowing
# one sub-key or the public key id tells nothing about another or about the master key itself.
_INFO_KEY_WRAPPING: Final = b"policyvault/v1/master/key-wrapping"
_INFO_KEY_ID: Final = b"policyvault/v1/master/key-id"


@dataclass(frozen=True)
class WrappedKey:
    """A key encrypted by a master key. Safe to store: useless without the master key.

    ``key_id`` is public: it names the master key (:attr:`KeyProvider.key_id`) that wrapped it.
    """

    key_id: str
    ciphertext: bytes

    def __repr__(self) -> str:
        return f"WrappedKey(key_id={self.key_id!r}, ciphertext=<{len(self.ciphertext)} bytes>)"


@runtime_checkable
class KeyProvider(Protocol):
    """Holds a master key and does the few things the vault needs from it."""

    @property
    def key_id(self) -> str:
        """A public, stable identifier of the master key (its version)."""
        ...

    def wrap_data_key(self, data_key: SecretKey, subject_id: str) -> WrappedKey:
        """Encrypt ``data_key`` for ``subject_id``."""
        ...

    def unwrap_data_key(self, wrapped: WrappedKey, subject_id: str) -> SecretKey:
        """The data key, or :class:`~policyvault.crypto.hazmat.DecryptionFailed` for a key
        wrapped by another master key, for another subject, or tampered with."""
        ...

    def wrap_secret(self, secret: SecretKey, name: str) -> WrappedKey:
        """Encrypt a vault-wide secret (``name`` says which: ``"blind-index"``)."""
        ...

    def unwrap_secret(self, wrapped: WrappedKey, name: str) -> SecretKey:
        """The secret, or ``DecryptionFailed`` as for :meth:`unwrap_data_key`."""
        ...


class LocalKeyProvider:
    """A :class:`KeyProvider` over a 32-byte master key held in this process.

    The master key itself is not kept: only its key-wrapping sub-key (HKDF) and its public
    key id. The blind-index key is *not* derived from the master key: it is a random key of its
    own, stored wrapped (:meth:`wrap_secret`), so it survives a rotation of the master key.
    """

    __slots__ = ("_key_id", "_randbytes", "_wrapping_key")

    def __init__(self, master_key: SecretKey, *, randbytes: RandBytes = os.urandom) -> None:
        self._wrapping_key = derive_key(master_key, _INFO_KEY_WRAPPING)
        self._key_id = "mk-" + derive_id(master_key, _INFO_KEY_ID)
        self._randbytes = randbytes

    def __repr__(self) -> str:
        return f"LocalKeyProvider(key_id={self._key_id!r})"

    @property
    def key_id(self) -> str:
        return self._key_id

    def wrap_data_key(self, data_key: SecretKey, subject_id: str) -> WrappedKey:
        return self._wrap(data_key, _WRAP_LABEL, encode_text(subject_id, "subject id"))

    def unwrap_data_key(self, wrapped: WrappedKey, subject_id: str) -> SecretKey:
        return self._unwrap(wrapped, _WRAP_LABEL, encode_text(subject_id, "subject id"))

    def wrap_secret(self, secret: SecretKey, name: str) -> WrappedKey:
        return self._wrap(secret, _SECRET_LABEL, encode_text(name, "secret name"))

    def unwrap_secret(self, wrapped: WrappedKey, name: str) -> SecretKey:
        return self._unwrap(wrapped, _SECRET_LABEL, encode_text(name, "secret name"))

    def _wrap(self, key: SecretKey, label: bytes, owner: bytes) -> WrappedKey:
        nonce = draw(self._randbytes, NONCE_SIZE)
        sealed = aes_gcm_encrypt(
            self._wrapping_key, nonce, key.reveal(SECRET_KEY_ACCESS), self._ad(label, owner)
        )
        return WrappedKey(key_id=self._key_id, ciphertext=_WRAP_VERSION + nonce + sealed)

    def _unwrap(self, wrapped: WrappedKey, label: bytes, owner: bytes) -> SecretKey:
        blob = wrapped.ciphertext
        # Checking key_id first is only a shortcut: it is also bound in the associated data,
        # so a relabelled record would fail the tag check anyway.
        if wrapped.key_id != self._key_id or blob[:1] != _WRAP_VERSION:
            raise DecryptionFailed
        nonce, sealed = blob[1 : 1 + NONCE_SIZE], blob[1 + NONCE_SIZE :]
        material = aes_gcm_decrypt(self._wrapping_key, nonce, sealed, self._ad(label, owner))
        if len(material) != KEY_SIZE:  # cannot happen for a blob we wrapped; be strict anyway
            raise DecryptionFailed
        return SecretKey(material)

    def _ad(self, label: bytes, owner: bytes) -> bytes:
        return length_prefixed(label, _WRAP_VERSION, self._key_id.encode(), owner)


class KeyRing:
    """A :class:`KeyProvider` over several master keys: it wraps with the *current* one and
    unwraps each record with the key its ``key_id`` names.

    During a master-key rotation some data keys are wrapped by the old key and some by the new
    one; a ring holding both opens every one of them. A record naming a key the ring does not
    hold fails with the same opaque ``DecryptionFailed`` as a tampered one.

    ``reload``, when given, builds the ring afresh (from the key files, say). It is called when
    a record names a key the ring does not hold: a long-running process then picks up a key
    that a rotation in another process added, and the rotated key becomes its current key.
    """

    def __init__(
        self,
        current: KeyProvider,
        others: Iterable[KeyProvider] = (),
        *,
        reload: Callable[[], KeyRing] | None = None,
    ) -> None:
        self._current = current
        self._by_id = {p.key_id: p for p in (*others, current)}
        self._reload = reload

    def __repr__(self) -> str:
        return f"KeyRing(current={self.key_id!r}, keys={list(self.key_ids)!r})"

    @property
    def key_id(self) -> str:
        return self._current.key_id

    @property
    def current(self) -> KeyProvider:
        return self._current

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Every master key the ring holds, the current one first."""
        return (self.key_id, *sorted(k for k in self._by_id if k != self.key_id))

    def with_key(self, provider: KeyProvider) -> KeyRing:
        """This ring, also holding ``provider`` (for unwrapping; the current key stays)."""
        return KeyRing(self._current, [*self._by_id.values(), provider], reload=self._reload)

    def holds(self, key_id: str) -> bool:
        return key_id in self._by_id

    def provider(self, key_id: str) -> KeyProvider:
        """The master key named ``key_id``, reloading once if the ring does not hold it."""
        found = self._by_id.get(key_id)
        if found is None and self._reload is not None:
            fresh = self._reload()
            self._current, self._by_id = fresh._current, fresh._by_id
            found = self._by_id.get(key_id)
        if found is None:
            raise DecryptionFailed
        return found

    def wrap_data_key(self, data_key: SecretKey, subject_id: str) -> WrappedKey:
        return self._current.wrap_data_key(data_key, subject_id)

    def unwrap_data_key(self, wrapped: WrappedKey, subject_id: str) -> SecretKey:
        return self.provider(wrapped.key_id).unwrap_data_key(wrapped, subject_id)

    def wrap_secret(self, secret: SecretKey, name: str) -> WrappedKey:
        return self._current.wrap_secret(secret, name)

    def unwrap_secret(self, wrapped: WrappedKey, name: str) -> SecretKey:
        return self.provider(wrapped.key_id).unwrap_secret(wrapped, name)
