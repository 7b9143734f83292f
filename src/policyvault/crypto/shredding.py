"""Crypto-shredding: destroy one small key, and every copy of a subject's ciphertext, backups
of the database included, is noise for good.

A subject's values are sealed under its *sealing key*, which depends on two random 256-bit
keys kept in two different places::

    sealing key = HKDF-SHA256(data key || shredding key,
                              info = b"policyvault/v1/subject/sealing-key")

- the **data key** is stored in the vault database, on the subject's row, wrapped by the
  master key (:mod:`policyvault.crypto.keys`); master-key rotation re-wraps it;
- the **shredding key** is stored in the shredding-key store, *outside* the database and
  therefore outside every copy of it: a file of its own in the vault home by default
  (``shredding-keys.db``), or any store behind the same port (a KMS, another database).

Shredding a subject deletes both. A copy of the database taken earlier still holds the wrapped
data key, and the master key still unwraps it, but without the shredding key no sealing key can
be formed: the copy's ciphertext of that subject cannot be opened with anything the vault still
has. Other subjects in the copy open as before.

The guarantee holds as long as no copy of the *shredding key* survives: the key store must
not be backed up alongside the database (or its backups must expire), and it overwrites a
destroyed key in place rather than just unlinking it (see ``docs/keys.md`` for the limits).
"""

from __future__ import annotations

import os
from typing import Final

from policyvault.crypto.hazmat import RandBytes, SecretKey, combine_keys, generate_key

__all__ = ["new_shredding_key", "sealing_key"]

_INFO_SEALING_KEY: Final = b"policyvault/v1/subject/sealing-key"


def new_shredding_key(randbytes: RandBytes = os.urandom) -> SecretKey:
    """A fresh random shredding key for a new subject."""
    return generate_key(randbytes)


def sealing_key(data_key: SecretKey, shredding_key: SecretKey) -> SecretKey:
    """The key that seals a subject's values: unpredictable without *both* keys."""
    return combine_keys(data_key, shredding_key, _INFO_SEALING_KEY)
