"""Master keys and the key-provider port.

Envelope encryption: each subject has its own random data key (AES-256), which encrypts that
subject's items (:mod:`policyvault.crypto.envelope`). Data keys are stored only *wrapped*
(encrypted) by a master key that is held by a :class:`KeyProvider`. The vault never stores a
master key; it holds one in memory, from a key file, the environment or a KMS.

- :class:`KeyProvider` is the port. :class:`LocalKeyProvider` is the adapter for a master key
  held locally (key file or ``POLICYVAULT_MASTER_KEY``); a KMS adapter implements the same
  members and the vault does not notice.
- Rotating the master key re-wraps every data key (:func:`policyvault.crypto.envelope.rewrap`)
  and leaves the data ciphertexts alone. Each :class:`WrappedKey` names the master key that
  wrapped it (``key_id``), so a rotation that stopped half-way can be resumed.
- Crypto-shredding: a data key is random, not derived from anything, so once its wrapped form
  is deleted no master key, old or new, can bring it back, and every copy of the ciphertext
  it protected (backups included) is noise. This holds only if no copy of the *wrapped key*
  survives under a master key that still exists: a backup of the key table is as good as the
  key. Keep wrapped keys out of long-lived backups, or rotate the master key and destroy the
  old one, which turns old backups of the key table into noise too.

Wrapped-key format (``WrappedKey.ciphertext``)::

    0x01 || nonce (12 bytes) || AES-256-GCM(kwk, nonce, data key, ad)   # 1 + 12 + 32 + 16 bytes
    ad = length_prefixed(b"policyvault/wrapped-key", b"\\x01", key_id, subject_id)

where ``kwk`` is the key-wrapping sub-key of the master key. Binding ``subject_id`` in the
associated data means that a wrapped key copied onto another subject's row does not unwrap
there; binding ``key_id`` means that the record cannot be relabelled as wrapped by another key.

Master key encoding (key file and environment): base64 of exactly 32 bytes, standard or
URL-safe alphabet, padding optional, surrounding whitespace ignored.
"""

from __future__ import annotations

import base64
import binascii
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
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
    generate_key,
    length_prefixed,
)
from policyvault.domain.errors import InvalidInput

__all__ = [
    "MASTER_KEY_ENV",
    "KeyConfigInvalid",
    "KeyProvider",
    "LocalKeyProvider",
    "WrappedKey",
    "create_key_file",
    "load_master_key",
    "parse_master_key",
]

MASTER_KEY_ENV: Final = "POLICYVAULT_MASTER_KEY"

_WRAP_VERSION: Final = b"\x01"
_WRAP_LABEL: Final = b"policyvault/wrapped-key"

# HKDF `info` labels, one per use of the master key. Each use gets its own sub-key, so that no
# key ever serves two algorithms (AES-GCM wrapping and HMAC indexing), and knowing one sub-key
# or the public key id tells nothing about another or about the master key itself.
_INFO_KEY_WRAPPING: Final = b"policyvault/v1/master/key-wrapping"
_INFO_BLIND_INDEX: Final = b"policyvault/v1/master/blind-index"
_INFO_KEY_ID: Final = b"policyvault/v1/master/key-id"

# Group and other permission bits: a key file must have none of them.
_WIDER_THAN_OWNER: Final = stat.S_IRWXG | stat.S_IRWXO


class KeyConfigInvalid(InvalidInput):
    """The master key could not be loaded: no key configured, a key file with loose
    permissions, or a value that is not 32 bytes of base64. The message says which, and
    never contains the key."""

    code = "key_config_invalid"


@dataclass(frozen=True)
class WrappedKey:
    """A data key encrypted by a master key. Safe to store: useless without the master key.

    ``key_id`` names the master key (:attr:`KeyProvider.key_id`) that wrapped it.
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

    def blind_index_key(self) -> SecretKey:
        """The key of the blind index (:mod:`policyvault.crypto.blind_index`)."""
        ...


class LocalKeyProvider:
    """A :class:`KeyProvider` over a 32-byte master key held in this process.

    The master key itself is not kept: only the sub-keys derived from it with HKDF (one for
    wrapping data keys, one for the blind index) and its public key id.

    Note on rotation: the blind-index key is derived from the master key, so it changes when
    the master key does. Re-wrapping data keys does not touch blind indexes; a rotation must
    also recompute them, or the vault must keep the blind-index key stable by other means.
    """

    __slots__ = ("_blind_index_key", "_key_id", "_randbytes", "_wrapping_key")

    def __init__(self, master_key: SecretKey, *, randbytes: RandBytes = os.urandom) -> None:
        self._wrapping_key = derive_key(master_key, _INFO_KEY_WRAPPING)
        self._blind_index_key = derive_key(master_key, _INFO_BLIND_INDEX)
        self._key_id = "mk-" + derive_id(master_key, _INFO_KEY_ID)
        self._randbytes = randbytes

    def __repr__(self) -> str:
        return f"LocalKeyProvider(key_id={self._key_id!r})"

    @property
    def key_id(self) -> str:
        return self._key_id

    def wrap_data_key(self, data_key: SecretKey, subject_id: str) -> WrappedKey:
        nonce = draw(self._randbytes, NONCE_SIZE)
        sealed = aes_gcm_encrypt(
            self._wrapping_key,
            nonce,
            data_key.reveal(SECRET_KEY_ACCESS),
            self._associated_data(subject_id),
        )
        return WrappedKey(key_id=self._key_id, ciphertext=_WRAP_VERSION + nonce + sealed)

    def unwrap_data_key(self, wrapped: WrappedKey, subject_id: str) -> SecretKey:
        blob = wrapped.ciphertext
        # Checking key_id first is only a shortcut: it is also bound in the associated data,
        # so a relabelled record would fail the tag check anyway.
        if wrapped.key_id != self._key_id or blob[:1] != _WRAP_VERSION:
            raise DecryptionFailed
        nonce, sealed = blob[1 : 1 + NONCE_SIZE], blob[1 + NONCE_SIZE :]
        material = aes_gcm_decrypt(
            self._wrapping_key, nonce, sealed, self._associated_data(subject_id)
        )
        if len(material) != KEY_SIZE:  # cannot happen for a blob we wrapped; be strict anyway
            raise DecryptionFailed
        return SecretKey(material)

    def blind_index_key(self) -> SecretKey:
        return self._blind_index_key

    def _associated_data(self, subject_id: str) -> bytes:
        return length_prefixed(
            _WRAP_LABEL, _WRAP_VERSION, self._key_id.encode(), encode_text(subject_id, "subject id")
        )


def parse_master_key(text: str, source: str) -> SecretKey:
    """A master key from its base64 text. ``source`` names where the text came from, for the
    error message; the text itself never appears in any message."""
    compact = "".join(text.split())
    if not compact:
        raise KeyConfigInvalid(f"{source} is empty")
    # Both alphabets, padding optional: keys pasted from `openssl rand -base64 32` and keys
    # written by create_key_file (URL-safe) are both accepted.
    normalised = compact.replace("-", "+").replace("_", "/")
    normalised += "=" * (-len(normalised) % 4)
    try:
        raw = base64.b64decode(normalised, validate=True)
    except (binascii.Error, ValueError):
        # `from None`: the decoder's message could quote part of the key.
        raise KeyConfigInvalid(f"{source} is not base64") from None
    if len(raw) != KEY_SIZE:
        raise KeyConfigInvalid(
            f"{source} decodes to {len(raw)} bytes; a master key is base64 of "
            f"{KEY_SIZE} random bytes"
        )
    return SecretKey(raw)


def load_master_key(path: Path | None, environ: Mapping[str, str]) -> SecretKey:
    """The master key, from the key file at ``path`` or from ``POLICYVAULT_MASTER_KEY`` in
    ``environ``. Exactly one of them must be given: with both, which key is the master key
    would depend on precedence rules, and data wrapped under the wrong one fails much later.
    """
    env_value = environ.get(MASTER_KEY_ENV)
    if path is not None and env_value is not None:
        raise KeyConfigInvalid(
            f"both a key file ({path}) and {MASTER_KEY_ENV} are set; use only one"
        )
    if path is not None:
        return _read_key_file(path)
    if env_value is not None:
        return parse_master_key(env_value, MASTER_KEY_ENV)
    raise KeyConfigInvalid(f"no master key: give a key file or set {MASTER_KEY_ENV}")


def _read_key_file(path: Path) -> SecretKey:
    try:
        # O_NONBLOCK so that a FIFO in place of the key file is refused below instead of
        # blocking the open; it changes nothing for a regular file.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise KeyConfigInvalid(f"key file {path} does not exist") from None
    except OSError as exc:
        raise KeyConfigInvalid(f"key file {path} cannot be opened: {exc.strerror}") from None
    try:
        # Checked on the open descriptor, not the path, so that the file read is the file
        # checked (no swap in between); a symlink is judged by the file it points to.
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise KeyConfigInvalid(f"key file {path} is not a regular file")
        mode = stat.S_IMODE(info.st_mode)
        if mode & _WIDER_THAN_OWNER:
            raise KeyConfigInvalid(
                f"key file {path} is accessible to group or others (mode {mode:04o}); "
                f"it must be 0600 or narrower: chmod 600 {path}"
            )
        content = os.read(fd, 4096)
    finally:
        os.close(fd)
    try:
        text = content.decode("ascii")
    except UnicodeDecodeError:
        raise KeyConfigInvalid(f"key file {path} is not base64 text") from None
    return parse_master_key(text, f"key file {path}")


def create_key_file(path: Path, *, randbytes: RandBytes = os.urandom) -> str:
    """Write a new random master key to ``path`` and return its key id.

    The file is created with mode 0600 by the same call that creates it (never created first
    and narrowed later, which would leave a window with the umask's permissions), and never
    overwrites an existing file: losing a master key loses every data key it wrapped.
    """
    key = generate_key(randbytes)
    text = base64.urlsafe_b64encode(key.reveal(SECRET_KEY_ACCESS)) + b"\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyConfigInvalid(f"key file {path} already exists; refusing to overwrite") from None
    except OSError as exc:
        raise KeyConfigInvalid(f"key file {path} cannot be created: {exc.strerror}") from None
    with os.fdopen(fd, "wb") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    return LocalKeyProvider(key).key_id
