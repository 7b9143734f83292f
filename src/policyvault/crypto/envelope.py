"""The safe recipe: seal an item's value under its subject's key, open it again.

The vault passes each subject's *sealing key* here (derived from the subject's data key and
its shredding key, :mod:`policyvault.crypto.shredding`); the parameter is called ``data_key``
for any 256-bit key used this way. The caller never chooses a nonce, an algorithm or
associated data; it names the subject and the item, and a sealed value opens only under the
same key, subject id and item key.
Every failure to open is one :class:`DecryptionFailed`, whose message is always
``"decryption failed"``.

Who may *ask* for plaintext is not decided here: a caller must open a value only after
:func:`policyvault.domain.access.decide_access` allowed the read. This module only makes sure
that what opens is exactly what was sealed, for that subject and that item.

Sealed format (version 1)::

    sealed = 0x01 || nonce (12 bytes) || AES-256-GCM(data_key, nonce, plaintext, ad)
    ad     = lp(b"policyvault/sealed") || lp(b"\\x01")
             || lp(utf8(subject_id)) || lp(utf8(item_key))
    lp(x)  = len(x) as a 4-byte big-endian integer || x

- AES-256-GCM authenticates the ciphertext *and* the associated data, so a value moved to
  another subject's or item's row, or changed in any bit, fails to open.
- The associated data is length-prefixed, not concatenated, so that no two different
  (subject id, item key) pairs share associated data (see
  :func:`policyvault.crypto.hazmat.length_prefixed`). The version byte is in it too, so the
  format cannot be downgraded by editing the first byte.
- The nonce is 96 random bits, fresh for every seal. Random nonces collide with probability
  about n²/2⁹⁷ after n seals under one key; one key per subject keeps n small, and NIST's
  bound of 2³² messages per key is far beyond what one subject's items will reach.
"""

from __future__ import annotations

import os
from typing import Final

from policyvault.crypto.hazmat import (
    NONCE_SIZE,
    TAG_SIZE,
    DecryptionFailed,
    RandBytes,
    SecretKey,
    aes_gcm_decrypt,
    aes_gcm_encrypt,
    draw,
    encode_text,
    length_prefixed,
)
from policyvault.crypto.keys import KeyProvider, WrappedKey
from policyvault.domain.errors import InvalidInput

__all__ = [
    "FORMAT_VERSION",
    "OVERHEAD",
    "DecryptionFailed",
    "open_sealed",
    "rewrap",
    "seal",
]

FORMAT_VERSION: Final = 1
OVERHEAD: Final = 1 + NONCE_SIZE + TAG_SIZE  # bytes a sealed value adds to its plaintext

_VERSION_BYTE: Final = bytes([FORMAT_VERSION])
_LABEL: Final = b"policyvault/sealed"


def seal(
    data_key: SecretKey,
    subject_id: str,
    item_key: str,
    plaintext: bytes,
    *,
    randbytes: RandBytes = os.urandom,
) -> bytes:
    """Encrypt ``plaintext`` for (``subject_id``, ``item_key``) under ``data_key``.

    ``randbytes`` supplies the nonce. Leave it alone outside tests: a source that repeats
    itself repeats nonces, and a repeated nonce breaks AES-GCM.
    """
    if not isinstance(plaintext, bytes):
        raise InvalidInput("seal() needs the plaintext as bytes")
    associated = _associated_data(subject_id, item_key)
    nonce = draw(randbytes, NONCE_SIZE)
    return _VERSION_BYTE + nonce + aes_gcm_encrypt(data_key, nonce, plaintext, associated)


def open_sealed(data_key: SecretKey, subject_id: str, item_key: str, sealed: bytes) -> bytes:
    """The plaintext of ``sealed``, or :class:`DecryptionFailed` if it was not sealed under
    this data key for this subject and item, or was changed since."""
    associated = _associated_data(subject_id, item_key)
    if not isinstance(sealed, bytes) or len(sealed) < OVERHEAD or sealed[:1] != _VERSION_BYTE:
        raise DecryptionFailed
    nonce, ciphertext = sealed[1 : 1 + NONCE_SIZE], sealed[1 + NONCE_SIZE :]
    return aes_gcm_decrypt(data_key, nonce, ciphertext, associated)


def rewrap(
    wrapped: WrappedKey, old_provider: KeyProvider, new_provider: KeyProvider, subject_id: str
) -> WrappedKey:
    """The same data key, wrapped by ``new_provider`` instead of ``old_provider``: the master
    key rotation step. Sealed values are untouched; they open with the same data key as before.

    Idempotent, so an interrupted rotation can simply be run again: a key already wrapped by
    ``new_provider`` is returned as it is. :class:`DecryptionFailed` if ``old_provider``
    cannot unwrap it (another master key, another subject, or tampered with).
    """
    if wrapped.key_id == new_provider.key_id:
        return wrapped
    data_key = old_provider.unwrap_data_key(wrapped, subject_id)
    return new_provider.wrap_data_key(data_key, subject_id)


def _associated_data(subject_id: str, item_key: str) -> bytes:
    return length_prefixed(
        _LABEL,
        _VERSION_BYTE,
        encode_text(subject_id, "subject id"),
        encode_text(item_key, "item key"),
    )
