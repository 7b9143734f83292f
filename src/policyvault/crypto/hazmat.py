"""WARNING: hazardous materials. This module holds raw key material and bare primitives.
Used wrongly it loses data or leaks it: a repeated nonce under one key gives away the
authentication key and the XOR of two plaintexts; a key used for two purposes weakens both.
Code outside ``policyvault.crypto`` should not import it; use :mod:`policyvault.crypto.envelope`
(seal / open), :mod:`policyvault.crypto.keys` (key providers) and
:mod:`policyvault.crypto.blind_index` instead.

It is the one module of PolicyVault that touches the primitives of ``cryptography.hazmat``
used by the vault: AES-256-GCM, HKDF-SHA256 and HMAC-SHA256. (Audit checkpoint signatures,
Ed25519, live apart in :mod:`policyvault.crypto.signing`.)

What it guarantees:

- :class:`SecretKey` never shows its bytes in ``repr``, ``str``, ``format`` or a pickle; the
  bytes come out only through :meth:`SecretKey.reveal` with :data:`SECRET_KEY_ACCESS`, an
  explicit token that makes every place handling raw key bytes easy to find (``grep``).
- Every failure to decrypt — wrong key, wrong associated data, a flipped bit, a truncated
  blob — is the same :class:`DecryptionFailed`, with the same message. An attacker learns
  nothing from which check failed, and no message can carry plaintext.
- Randomness is a parameter (``randbytes``, default :func:`os.urandom`), so tests can watch
  what is drawn; a source that returns the wrong number of bytes is refused.
"""

from __future__ import annotations

import hmac as _stdlib_hmac
import os
import struct
from collections.abc import Callable
from typing import Final, NoReturn, final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as _hmac
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from policyvault.domain.errors import InvalidInput, PolicyVaultError

__all__ = [
    "KEY_SIZE",
    "NONCE_SIZE",
    "SECRET_KEY_ACCESS",
    "TAG_SIZE",
    "DecryptionFailed",
    "RandBytes",
    "SecretKey",
    "SecretKeyAccess",
    "aes_gcm_decrypt",
    "aes_gcm_encrypt",
    "combine_keys",
    "derive_id",
    "derive_key",
    "draw",
    "encode_text",
    "generate_key",
    "hmac_sha256",
    "length_prefixed",
]

KEY_SIZE: Final = 32  # bytes: AES-256, and HMAC-SHA256 keys of the hash's own size
NONCE_SIZE: Final = 12  # bytes: the 96-bit nonce GCM is designed for (NIST SP 800-38D 8.2.2)
TAG_SIZE: Final = 16  # bytes: the full 128-bit GCM tag, never truncated

RandBytes = Callable[[int], bytes]
"""A source of random bytes: ``randbytes(n)`` returns ``n`` bytes. Production uses
:func:`os.urandom`; only tests pass anything else."""


class DecryptionFailed(PolicyVaultError):
    """Something could not be decrypted or unwrapped. Deliberately says nothing more: not
    which key, which check, or what the data was."""

    code = "decryption_failed"

    def __init__(self) -> None:
        # No arguments on purpose: a caller cannot put plaintext or ids into the message.
        super().__init__("decryption failed")


@final
class SecretKeyAccess:
    """The type of :data:`SECRET_KEY_ACCESS`. Not meant to be instantiated elsewhere."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "SECRET_KEY_ACCESS"


SECRET_KEY_ACCESS: Final = SecretKeyAccess()
"""The explicit token that :meth:`SecretKey.reveal` asks for."""


@final
class SecretKey:
    """32 bytes of key material that do not show themselves.

    Equality is constant-time; keys are unhashable (a hash would be a function of the key
    that outlives it in dicts and sets) and cannot be pickled (a pickle is the key, written
    down). Python cannot reliably wipe memory, so nothing here pretends to.
    """

    __slots__ = ("_material",)

    def __init__(self, material: bytes) -> None:
        if not isinstance(material, bytes | bytearray | memoryview):
            raise TypeError("SecretKey needs bytes")
        if len(material) != KEY_SIZE:
            # The length is not secret; the bytes are, so they never enter the message.
            raise ValueError(f"a SecretKey is {KEY_SIZE} bytes, got {len(material)}")
        self._material = bytes(material)

    def reveal(self, token: SecretKeyAccess) -> bytes:
        """The raw bytes. ``token`` must be :data:`SECRET_KEY_ACCESS`."""
        if token is not SECRET_KEY_ACCESS:
            raise TypeError("reveal() needs hazmat.SECRET_KEY_ACCESS")
        return self._material

    def __repr__(self) -> str:
        return "SecretKey(<redacted>)"

    __str__ = __repr__

    def __format__(self, format_spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretKey):
            return NotImplemented
        return _stdlib_hmac.compare_digest(self._material, other._material)

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> NoReturn:
        raise TypeError("a SecretKey cannot be pickled or copied")


def draw(randbytes: RandBytes, size: int) -> bytes:
    """``size`` bytes from ``randbytes``, refusing a source that returns anything else: a
    short nonce or key from a broken source must fail loudly, not weaken silently."""
    value = randbytes(size)
    if not isinstance(value, bytes) or len(value) != size:
        raise ValueError(f"the random source must return {size} bytes")
    return value


def generate_key(randbytes: RandBytes = os.urandom) -> SecretKey:
    """A fresh random 256-bit key (a data key or a master key)."""
    return SecretKey(draw(randbytes, KEY_SIZE))


def length_prefixed(*fields: bytes) -> bytes:
    """An unambiguous encoding of a sequence of byte strings: each field is preceded by its
    length as a 4-byte big-endian integer.

    Plain concatenation is ambiguous — ``("ab", "c")`` and ``("a", "bc")`` give the same
    bytes — so associated data built that way would let a ciphertext sealed for one
    (subject, item) pair open for another. With a length before each field, two different
    sequences never encode to the same bytes.
    """
    parts: list[bytes] = []
    for field in fields:
        if len(field) > 0xFFFF_FFFF:
            raise ValueError("a field of associated data is longer than 4 GiB")
        parts.append(struct.pack(">I", len(field)))
        parts.append(field)
    return b"".join(parts)


def encode_text(value: str, what: str) -> bytes:
    """``value`` as UTF-8, for a field of associated data. A bad id is the caller's mistake,
    not a security failure: a clear :class:`InvalidInput`, raised before any encryption or
    decryption, and without the value in the message."""
    if not isinstance(value, str):
        raise InvalidInput(f"the {what} must be a string")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"the {what} is not valid Unicode text") from None


def aes_gcm_encrypt(
    key: SecretKey, nonce: bytes, plaintext: bytes, associated_data: bytes
) -> bytes:
    """AES-256-GCM: ``ciphertext || tag``. The caller owns nonce uniqueness under ``key``."""
    if len(nonce) != NONCE_SIZE:
        raise ValueError(f"an AES-GCM nonce is {NONCE_SIZE} bytes")
    return AESGCM(key.reveal(SECRET_KEY_ACCESS)).encrypt(nonce, plaintext, associated_data)


def aes_gcm_decrypt(
    key: SecretKey, nonce: bytes, ciphertext: bytes, associated_data: bytes
) -> bytes:
    """The inverse of :func:`aes_gcm_encrypt`; every failure is :class:`DecryptionFailed`."""
    if len(nonce) != NONCE_SIZE or len(ciphertext) < TAG_SIZE:
        raise DecryptionFailed
    try:
        return AESGCM(key.reveal(SECRET_KEY_ACCESS)).decrypt(nonce, ciphertext, associated_data)
    except (InvalidTag, ValueError, OverflowError):
        # `from None`: the cause would say which check failed; the opaque error says nothing.
        raise DecryptionFailed from None


def _hkdf(ikm: SecretKey, info: bytes, length: int) -> bytes:
    # No salt: the input is a uniformly random 256-bit key, for which RFC 5869 section 3.1
    # makes the salt optional. Separation between outputs comes from `info` alone.
    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info)
    return hkdf.derive(ikm.reveal(SECRET_KEY_ACCESS))


def derive_key(ikm: SecretKey, info: bytes) -> SecretKey:
    """A 256-bit sub-key of ``ikm`` for the one purpose named by ``info`` (HKDF-SHA256)."""
    return SecretKey(_hkdf(ikm, info, KEY_SIZE))


def combine_keys(first: SecretKey, second: SecretKey, info: bytes) -> SecretKey:
    """A 256-bit key for the purpose named by ``info`` that depends on *both* keys
    (HKDF-SHA256 over ``first || second``). Both are uniformly random 256-bit keys, so the
    result is unpredictable to anyone missing either one, whatever they know of the other."""
    material = first.reveal(SECRET_KEY_ACCESS) + second.reveal(SECRET_KEY_ACCESS)
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_SIZE, salt=None, info=info)
    return SecretKey(hkdf.derive(material))


def derive_id(ikm: SecretKey, info: bytes, size: int = 8) -> str:
    """A public identifier for ``ikm``: HKDF output under its own ``info``, in hex. It tells
    keys apart and reveals nothing about them, nor about the sub-keys derived under other
    labels."""
    return _hkdf(ikm, info, size).hex()


def hmac_sha256(key: SecretKey, message: bytes) -> bytes:
    """HMAC-SHA256 of ``message`` under ``key``: 32 bytes."""
    mac = _hmac.HMAC(key.reveal(SECRET_KEY_ACCESS), hashes.SHA256())
    mac.update(message)
    return mac.finalize()
